/**
 * Plain-TypeScript float64 forward pass of the tiny GPT-2 architecture (`scripts/demo-models/tiny-gpt2.ts`),
 * reading the weights straight from the ONNX file. An independent oracle for the ONNX graphs, the log-prob rewrite
 * and the engine's batching/KV-sharing: it scores one unpadded sequence at a time, with no cache.
 */
import { readFloatInitializers, type OnnxExternalDataFile } from "@/lib/onnx/onnx-model";
import type { TinyGpt2Config, TinyGpt2Weights } from "@/scripts/demo-models/tiny-gpt2";

/** Weights plus the hyper-parameters the forward pass needs. */
export interface ReferenceModel {
  cfg: TinyGpt2Config;
  weights: TinyGpt2Weights;
}

/** Options of {@link loadReferenceModel}. */
export interface ReferenceModelOptions {
  layerNormEpsilon?: number;
  /** The graph's external-data files, when its weights live outside it. */
  externalData?: readonly OnnxExternalDataFile[];
}

/** Loads a tiny-GPT-2 ONNX model's weights; `nHead` comes from config.json (`n_head`), the rest from shapes. */
export function loadReferenceModel(
  onnx: Uint8Array,
  nHead: number,
  { layerNormEpsilon = 1e-5, externalData }: ReferenceModelOptions = {},
): ReferenceModel {
  const weights = readFloatInitializers(onnx, externalData);
  const wte = weights.get("wte");
  const wpe = weights.get("wpe");
  if (!wte || !wpe) throw new Error("not a tiny GPT-2 model: wte/wpe initializers missing");
  let nLayer = 0;
  while (weights.has(`h.${nLayer}.ln_1.weight`)) nLayer++;
  const cfg = { vocabSize: wte.dims[0], nEmbd: wte.dims[1], nPositions: wpe.dims[0], nHead, nLayer, layerNormEpsilon };
  return { cfg, weights };
}

function w(m: ReferenceModel, name: string): Float32Array {
  const t = m.weights.get(name);
  if (!t) throw new Error(`missing weight ${name}`);
  return t.data;
}

function layerNorm(x: Float64Array, g: Float32Array, b: Float32Array, eps: number): Float64Array {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i] - mean) ** 2;
  const inv = 1 / Math.sqrt(v / n + eps);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (x[i] - mean) * inv * g[i] + b[i];
  return out;
}

/** y = x @ W + b with W in Conv1D layout [in, out]. */
function linear(x: Float64Array, W: Float32Array, b: Float32Array | null, out: number): Float64Array {
  const y = new Float64Array(out);
  if (b) for (let j = 0; j < out; j++) y[j] = b[j];
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const row = i * out;
    for (let j = 0; j < out; j++) y[j] += xi * W[row + j];
  }
  return y;
}

/** Final hidden states [T][E] of one unpadded sequence with positions 0..T-1. */
export function referenceHidden(m: ReferenceModel, ids: readonly number[]): Float64Array[] {
  const { nEmbd: E, nHead: H, nLayer, layerNormEpsilon: eps } = m.cfg;
  const D = E / H;
  const wte = w(m, "wte");
  const wpe = w(m, "wpe");
  let xs = ids.map((id, t) => Float64Array.from({ length: E }, (_, e) => wte[id * E + e] + wpe[t * E + e]));
  for (let l = 0; l < nLayer; l++) {
    const p = `h.${l}.`;
    const qkv = xs.map((x) =>
      linear(
        layerNorm(x, w(m, p + "ln_1.weight"), w(m, p + "ln_1.bias"), eps),
        w(m, p + "attn.c_attn.weight"),
        w(m, p + "attn.c_attn.bias"),
        3 * E,
      ),
    );
    xs = xs.map((x, t) => {
      const ctx = new Float64Array(E);
      for (let h = 0; h < H; h++) {
        const scores = new Float64Array(t + 1);
        let max = -Infinity;
        for (let j = 0; j <= t; j++) {
          let s = 0;
          for (let d = 0; d < D; d++) s += qkv[t][h * D + d] * qkv[j][E + h * D + d];
          scores[j] = s / Math.sqrt(D);
          max = Math.max(max, scores[j]);
        }
        let z = 0;
        for (let j = 0; j <= t; j++) z += scores[j] = Math.exp(scores[j] - max);
        for (let j = 0; j <= t; j++) {
          for (let d = 0; d < D; d++) ctx[h * D + d] += (scores[j] / z) * qkv[j][2 * E + h * D + d];
        }
      }
      const attn = linear(ctx, w(m, p + "attn.c_proj.weight"), w(m, p + "attn.c_proj.bias"), E);
      const x1 = x.map((v, i) => v + attn[i]);
      const f = linear(
        layerNorm(x1, w(m, p + "ln_2.weight"), w(m, p + "ln_2.bias"), eps),
        w(m, p + "mlp.c_fc.weight"),
        w(m, p + "mlp.c_fc.bias"),
        4 * E,
      );
      const k = Math.sqrt(2 / Math.PI);
      const gelu = f.map((v) => 0.5 * v * (1 + Math.tanh(k * (v + 0.044715 * v * v * v))));
      const mlp = linear(gelu, w(m, p + "mlp.c_proj.weight"), w(m, p + "mlp.c_proj.bias"), E);
      return x1.map((v, i) => v + mlp[i]);
    });
  }
  return xs.map((x) => layerNorm(x, w(m, "ln_f.weight"), w(m, "ln_f.bias"), eps));
}

/** log p(ids[t+1] | ids[0..t]) for t = 0..T-2 (the first token has no prediction, as in TRL). */
export function referenceLogprobs(m: ReferenceModel, ids: readonly number[]): Float64Array {
  const { vocabSize: V, nEmbd: E } = m.cfg;
  const wte = w(m, "wte");
  const bias = w(m, "lm_bias");
  const hidden = referenceHidden(m, ids);
  const out = new Float64Array(Math.max(0, ids.length - 1));
  for (let t = 0; t + 1 < ids.length; t++) {
    const logits = new Float64Array(V);
    let max = -Infinity;
    for (let v = 0; v < V; v++) {
      let s = bias[v];
      for (let e = 0; e < E; e++) s += hidden[t][e] * wte[v * E + e];
      logits[v] = s;
      max = Math.max(max, s);
    }
    let z = 0;
    for (let v = 0; v < V; v++) z += Math.exp(logits[v] - max);
    out[t] = logits[ids[t + 1]] - max - Math.log(z);
  }
  return out;
}

/** Reward of one sequence: the score head applied to the last token's hidden state. */
export function referenceReward(m: ReferenceModel, ids: readonly number[]): number {
  const hidden = referenceHidden(m, ids);
  const last = hidden[hidden.length - 1];
  const score = w(m, "score.weight");
  return last.reduce((s, v, i) => s + v * score[i], 0);
}
