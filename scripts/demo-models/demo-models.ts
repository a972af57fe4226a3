/**
 * The offline demo/fixture model folders (Hugging Face onnx-community layout): `demo-lm/` (causal LM with KV cache),
 * `demo-ref/` (a second causal LM, the DPO reference, with its weights in external data) and `demo-rm/` (reward
 * model), sharing one byte-level BPE tokenizer. Deterministic: same bytes on every run.
 */
import { Tokenizer } from "@huggingface/tokenizers";
import {
  buildTinyGpt2Lm,
  buildTinyGpt2LmWithExternalData,
  buildTinyGpt2Rm,
  createTinyGpt2Weights,
  type TinyGpt2Config,
} from "./tiny-gpt2";
import { buildDemoTokenizer, DEMO_CORPUS } from "./demo-tokenizer";
import { DEMO_ARCH } from "@/lib/scoring/demo-check";

/** Relative path -> file contents (JSON files as text). */
export type ModelFolderFiles = Record<string, Uint8Array | string>;

/** Seeds of the demo models' weights. */
export const DEMO_SEEDS = { lm: 1234, ref: 4321, rm: 5678 } as const;

/** Names of the demo model folders. */
export type DemoFolderName = "demo-lm" | "demo-ref" | "demo-rm";

/** Log unigram frequencies of the corpus tokens (add-one smoothed), centred: the demo LM's output prior. */
function unigramPrior(tokenizer: Tokenizer, vocabSize: number): Float32Array {
  const counts = new Float64Array(vocabSize).fill(1);
  for (const line of DEMO_CORPUS.split("\n")) for (const id of tokenizer.encode(line).ids) counts[id] += 1;
  const total = counts.reduce((a, b) => a + b, 0);
  const logp = Array.from(counts, (c) => Math.log(c / total));
  const mean = logp.reduce((a, b) => a + b, 0) / vocabSize;
  return Float32Array.from(logp, (v) => v - mean);
}

function gpt2Config(cfg: TinyGpt2Config, ids: Record<string, number>, extra: Record<string, unknown>) {
  return {
    ...extra,
    model_type: "gpt2",
    activation_function: "gelu_new",
    n_layer: cfg.nLayer,
    n_head: cfg.nHead,
    n_embd: cfg.nEmbd,
    n_positions: cfg.nPositions,
    n_ctx: cfg.nPositions,
    n_inner: null,
    vocab_size: cfg.vocabSize,
    layer_norm_epsilon: cfg.layerNormEpsilon,
    bos_token_id: ids["<|endoftext|>"],
    eos_token_id: ids["<|im_end|>"],
    pad_token_id: ids["<|endoftext|>"],
    tie_word_embeddings: true,
    use_cache: true,
    torch_dtype: "float32",
  };
}

/** Builds the folders' files in memory: `{ "demo-lm": {...}, "demo-ref": {...}, "demo-rm": {...} }`. */
export function buildDemoModels(): Record<DemoFolderName, ModelFolderFiles> {
  const tok = buildDemoTokenizer();
  const cfg: TinyGpt2Config = { ...DEMO_ARCH, vocabSize: tok.vocabSize };
  const tokenizer = new Tokenizer(tok.tokenizerJson, tok.tokenizerConfig);
  const prior = unigramPrior(tokenizer, cfg.vocabSize);
  const lmWeights = createTinyGpt2Weights(cfg, DEMO_SEEDS.lm, prior);
  // Same prior as the policy, so it is a plausible SFT reference; other seed, so DPO margins are not zero.
  const ref = buildTinyGpt2LmWithExternalData(
    cfg,
    createTinyGpt2Weights(cfg, DEMO_SEEDS.ref, prior),
    "model.onnx_data",
  );
  const rmWeights = createTinyGpt2Weights(cfg, DEMO_SEEDS.rm);
  const json = (v: unknown) => JSON.stringify(v, null, 2) + "\n";
  const shared = {
    "tokenizer.json": json(tok.tokenizerJson),
    "tokenizer_config.json": json(tok.tokenizerConfig),
    "special_tokens_map.json": json({ eos_token: "<|im_end|>", pad_token: "<|endoftext|>" }),
  };
  const lmConfig = gpt2Config(cfg, tok.specialIds, { architectures: ["GPT2LMHeadModel"] });
  const rmConfig = gpt2Config(cfg, tok.specialIds, {
    architectures: ["GPT2ForSequenceClassification"],
    num_labels: 1,
    id2label: { "0": "LABEL_0" },
    label2id: { LABEL_0: 0 },
  });
  const generationConfig = json({ bos_token_id: lmConfig.bos_token_id, eos_token_id: lmConfig.eos_token_id });
  return {
    "demo-lm": {
      ...shared,
      "config.json": json(lmConfig),
      "generation_config.json": generationConfig,
      "onnx/model.onnx": buildTinyGpt2Lm(cfg, lmWeights),
    },
    "demo-ref": {
      ...shared,
      "config.json": json(lmConfig),
      "generation_config.json": generationConfig,
      "onnx/model.onnx": ref.model,
      "onnx/model.onnx_data": ref.data,
    },
    "demo-rm": {
      ...shared,
      "config.json": json(rmConfig),
      "onnx/model.onnx": buildTinyGpt2Rm(cfg, rmWeights, tok.specialIds["<|endoftext|>"]),
    },
  };
}
