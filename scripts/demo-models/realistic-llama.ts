/**
 * Seeded Llama-architecture decoders of realistic size (≈ 10⁸ parameters) for throughput benchmarks, built with the
 * same ONNX builder as the tiny test models (`tiny-llama.ts`). They are never committed: a benchmark writes one into
 * a temporary folder (`writeRealisticLlamaFolder`) and deletes it afterwards. Weights are seeded noise, so the
 * numbers they score are meaningless; only the shapes (and so the FLOPs and memory traffic) are realistic.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { buildTinyLlamaLm, createTinyLlamaWeights, tinyLlamaConfigJson, type TinyLlamaConfig } from "./tiny-llama";

/**
 * ≈ 100 M parameters: 8 layers of width 768 (12 query heads of 64, 4 KV heads, SwiGLU 2,048), Llama's 32,000-token
 * vocabulary, untied head. 74.9 M of the parameters are MatMul weights (50.3 M in the blocks, 24.6 M in the head);
 * the embedding table (24.6 M) is a lookup.
 */
export const REALISTIC_LLAMA_100M: TinyLlamaConfig = {
  vocabSize: 32_000,
  hiddenSize: 768,
  intermediateSize: 2_048,
  numHiddenLayers: 8,
  numAttentionHeads: 12,
  numKeyValueHeads: 4,
  ropeTheta: 10_000,
  rmsNormEps: 1e-6,
  attentionBias: false,
  tieWordEmbeddings: false,
  finalLogitSoftcapping: null,
};

/** Parameter counts of a Llama-family config: MatMul weights (blocks + head), the embedding table, norm gains. */
export function llamaParameterCounts(cfg: TinyLlamaConfig): {
  matmul: number;
  blockMatmul: number;
  head: number;
  embedding: number;
  total: number;
} {
  const E = cfg.hiddenSize;
  const D = E / cfg.numAttentionHeads;
  const attn = E * cfg.numAttentionHeads * D * 2 + E * cfg.numKeyValueHeads * D * 2;
  const bias = cfg.attentionBias ? (cfg.numAttentionHeads + 2 * cfg.numKeyValueHeads) * D : 0;
  const mlp = 3 * E * cfg.intermediateSize;
  const blockMatmul = cfg.numHiddenLayers * (attn + mlp);
  const head = E * cfg.vocabSize;
  const embedding = cfg.vocabSize * E;
  const norms = (2 * cfg.numHiddenLayers + 1) * E + cfg.numHiddenLayers * bias;
  const matmul = blockMatmul + head;
  return {
    matmul,
    blockMatmul,
    head,
    embedding,
    total: blockMatmul + embedding + norms + (cfg.tieWordEmbeddings ? 0 : head),
  };
}

/**
 * Writes `dir/onnx/model.onnx` (float32, weights inline, with past; Optimum's interface) and `dir/config.json` for
 * `cfg` with weights seeded by `seed`. Returns the model's byte size.
 */
export async function writeRealisticLlamaFolder(
  dir: string,
  cfg: TinyLlamaConfig = REALISTIC_LLAMA_100M,
  seed = 20_261_202,
): Promise<{ modelBytes: number; config: Record<string, unknown> }> {
  const weights = createTinyLlamaWeights(cfg, seed);
  const { onnx } = buildTinyLlamaLm(cfg, weights);
  const config = tinyLlamaConfigJson(cfg, "llama");
  await mkdir(path.join(dir, "onnx"), { recursive: true });
  await writeFile(path.join(dir, "onnx/model.onnx"), onnx);
  await writeFile(path.join(dir, "config.json"), JSON.stringify(config, null, 2) + "\n");
  return { modelBytes: onnx.length, config };
}
