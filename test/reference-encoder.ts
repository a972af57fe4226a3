/**
 * Plain-TypeScript float64 forward of the tiny reward models (`scripts/demo-models/tiny-encoder.ts`): the BERT-style
 * encoder classifier and the causal decoder classifier with its heads. One unpadded sequence at a time; the decoder's
 * pooling follows transformers >= 4.49 (`GenericForSequenceClassification`: the rightmost token that is not
 * pad_token_id, index 0 when every token is pad), written here independently of lib/scoring/reward.ts.
 */
import type { TinyEncoderConfig, TinyEncoderWeights } from "@/scripts/demo-models/tiny-encoder";
import { trunkPrefix } from "@/scripts/demo-models/tiny-encoder";

function weight(w: TinyEncoderWeights, name: string): Float32Array {
  const t = w.get(name);
  if (!t) throw new Error(`reference: missing weight ${name}`);
  return t.data;
}

/** y = x @ W (+ b), W [in, out]. */
function linear(x: Float64Array, W: Float32Array, out: number, b?: Float32Array): Float64Array {
  const y = new Float64Array(out);
  if (b) for (let j = 0; j < out; j++) y[j] = b[j];
  for (let i = 0; i < x.length; i++) for (let j = 0; j < out; j++) y[j] += x[i] * W[i * out + j];
  return y;
}

function layerNorm(x: Float64Array, g: Float32Array, b: Float32Array, eps: number): Float64Array {
  const mean = x.reduce((a, v) => a + v, 0) / x.length;
  const variance = x.reduce((a, v) => a + (v - mean) ** 2, 0) / x.length;
  const inv = 1 / Math.sqrt(variance + eps);
  return x.map((v, i) => (v - mean) * inv * g[i] + b[i]);
}

// Abramowitz-Stegun 7.1.26 is too coarse for a 1e-4 oracle; this series/continued-fraction erf is exact to ~1e-15.
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  if (a < 2.5) {
    let sum = a;
    let term = a;
    for (let n = 1; n < 60; n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    return (s * 2 * sum) / Math.sqrt(Math.PI);
  }
  // erfc continued fraction (Lentz) for the tail.
  let f = a;
  let C = a;
  let Dn = 0;
  for (let n = 1; n < 100; n++) {
    const an = n / 2;
    Dn = 1 / (a + an * Dn);
    C = a + an / C;
    f *= C * Dn;
  }
  return s * (1 - Math.exp(-a * a) / f / Math.sqrt(Math.PI));
}

/** Final hidden states [T][E] of one sequence (no padding). */
function hiddenStates(
  cfg: TinyEncoderConfig,
  w: TinyEncoderWeights,
  ids: readonly number[],
  typeIds: readonly number[] | null,
  causal: boolean,
): Float64Array[] {
  const p = trunkPrefix(causal);
  const { hiddenSize: E, numAttentionHeads: H, layerNormEps: eps } = cfg;
  const D = E / H;
  const word = weight(w, `${p}embeddings.word_embeddings.weight`);
  const pos = weight(w, `${p}embeddings.position_embeddings.weight`);
  const type = typeIds ? weight(w, `${p}embeddings.token_type_embeddings.weight`) : null;
  let xs = ids.map((id, t) => {
    const x = new Float64Array(E);
    for (let e = 0; e < E; e++) {
      x[e] = word[id * E + e] + pos[t * E + e] + (type ? type[typeIds![t] * E + e] : 0);
    }
    return layerNorm(x, weight(w, `${p}embeddings.LayerNorm.weight`), weight(w, `${p}embeddings.LayerNorm.bias`), eps);
  });
  for (let l = 0; l < cfg.numHiddenLayers; l++) {
    const q = `${p}encoder.layer.${l}.`;
    const proj = (n: string) =>
      xs.map((x) =>
        linear(x, weight(w, `${q}attention.self.${n}.weight`), E, weight(w, `${q}attention.self.${n}.bias`)),
      );
    const [Q, K, V] = [proj("query"), proj("key"), proj("value")];
    xs = xs.map((x, t) => {
      const ctx = new Float64Array(E);
      const keys = causal ? t + 1 : xs.length;
      for (let h = 0; h < H; h++) {
        const s = new Float64Array(keys);
        let max = -Infinity;
        for (let j = 0; j < keys; j++) {
          for (let d = 0; d < D; d++) s[j] += Q[t][h * D + d] * K[j][h * D + d];
          s[j] /= Math.sqrt(D);
          max = Math.max(max, s[j]);
        }
        let z = 0;
        for (let j = 0; j < keys; j++) z += s[j] = Math.exp(s[j] - max);
        for (let j = 0; j < keys; j++) for (let d = 0; d < D; d++) ctx[h * D + d] += (s[j] / z) * V[j][h * D + d];
      }
      const attn = linear(
        ctx,
        weight(w, `${q}attention.output.dense.weight`),
        E,
        weight(w, `${q}attention.output.dense.bias`),
      );
      const x1 = layerNorm(
        x.map((v, i) => v + attn[i]),
        weight(w, `${q}attention.output.LayerNorm.weight`),
        weight(w, `${q}attention.output.LayerNorm.bias`),
        eps,
      );
      const pre = linear(
        x1,
        weight(w, `${q}intermediate.dense.weight`),
        cfg.intermediateSize,
        weight(w, `${q}intermediate.dense.bias`),
      );
      const act = pre.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2)));
      const out = linear(act, weight(w, `${q}output.dense.weight`), E, weight(w, `${q}output.dense.bias`));
      return layerNorm(
        x1.map((v, i) => v + out[i]),
        weight(w, `${q}output.LayerNorm.weight`),
        weight(w, `${q}output.LayerNorm.bias`),
        eps,
      );
    });
  }
  return xs;
}

/** Encoder classifier logits [num_labels] of `ids` with segment ids `typeIds` (BERT pooler on [CLS]). */
export function referenceEncoderRm(
  cfg: TinyEncoderConfig,
  w: TinyEncoderWeights,
  ids: readonly number[],
  typeIds: readonly number[],
): Float64Array {
  const [cls] = hiddenStates(cfg, w, ids, typeIds, false);
  const E = cfg.hiddenSize;
  const pooled = linear(cls, weight(w, "bert.pooler.dense.weight"), E, weight(w, "bert.pooler.dense.bias")).map(
    Math.tanh,
  );
  return linear(pooled, weight(w, "classifier.weight"), cfg.numLabels, weight(w, "classifier.bias"));
}

/** transformers >= 4.49's pooled position: the rightmost index whose id is not `pad` (0 when all are pad). */
function referencePoolIndex(ids: readonly number[], pad: number | null): number {
  if (pad === null) return ids.length - 1;
  let last = 0;
  ids.forEach((id, t) => {
    if (id !== pad) last = t;
  });
  return last;
}

/** Decoder RM outputs of one sequence: per-token scores and the pooled heads. */
export interface ReferenceDecoderRm {
  /** score head at every position [T][num_labels]. */
  perToken: Float64Array[];
  /** Position transformers pools. */
  pooledAt: number;
  /** `logits` / ArmoRM `rewards` at the pooled position. */
  rewards: Float64Array;
  /** ArmoRM `gating_output`. */
  gating: Float64Array;
  /** ArmoRM `score` = sum(rewards * gating). */
  score: number;
}

/** Decoder classifier of `ids` pooled as transformers does with config.json's `pad` (null: no pad_token_id). */
export function referenceDecoderRm(
  cfg: TinyEncoderConfig,
  w: TinyEncoderWeights,
  ids: readonly number[],
  pad: number | null,
): ReferenceDecoderRm {
  const hidden = hiddenStates(cfg, w, ids, null, true);
  const L = cfg.numLabels;
  const perToken = hidden.map((h) => linear(h, weight(w, "score.weight"), L));
  const pooledAt = referencePoolIndex(ids, pad);
  const logits = linear(hidden[pooledAt], weight(w, "gate.weight"), L);
  const max = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - max));
  const z = e.reduce((a, v) => a + v, 0);
  const gating = e.map((v) => v / z);
  const rewards = perToken[pooledAt];
  return { perToken, pooledAt, rewards, gating, score: rewards.reduce((a, r, i) => a + r * gating[i], 0) };
}
