/**
 * Next-token choice from one row of logits, in the order Hugging Face `generate` applies its logits processors
 * (huggingface/transformers `src/transformers/generation/utils.py`, `GenerationMixin._get_logits_processor`):
 * repetition penalty first (a processor, so greedy decoding gets it too), then, when sampling, the warpers
 * temperature → top-k → top-p, then one draw from the softmax of what is left. Each step follows
 * `src/transformers/generation/logits_process.py`:
 * - `RepetitionPenaltyLogitsProcessor`: every distinct id in the sequence so far (prompt included, as HF does for
 *   decoder-only models) gets `s < 0 ? s * penalty : s / penalty`, once;
 * - `TemperatureLogitsWarper`: `s / temperature` (HF refuses 0 and asks for `do_sample=False`; here 0 means greedy);
 * - `TopKLogitsWarper`: scores below the k-th largest are removed (ties with it are kept), k ≥ min_tokens_to_keep = 1;
 * - `TopPLogitsWarper`: ascending sort, cumulative softmax, remove while cumulative ≤ 1 − top_p, always keep the
 *   largest (min_tokens_to_keep = 1). So the kept set is the smallest top set whose mass reaches top_p, the token
 *   that crosses it included. Among exactly tied scores the higher id is removed first (torch's order is unspecified).
 * Greedy (temperature 0) is the argmax of the penalised logits, lowest id on an exact tie (torch.argmax's first
 * maximum). The draw inverts the CDF in id order with one uniform number from the sample's own stream.
 * Arithmetic is float64 on float32 logits, so a draw can differ from torch's float32 only at a CDF boundary.
 */
import type { Rng } from "@/lib/metrics/random";

/** The sampling settings of a run (Hugging Face names in camelCase). */
export interface SamplingSettings {
  /** 0 = greedy; otherwise logits are divided by it. */
  temperature: number;
  /** Keep the k highest scores; 0 = off. */
  topK: number;
  /** Nucleus mass in (0, 1]; 1 = off. */
  topP: number;
  /** > 0; 1 = off. */
  repetitionPenalty: number;
}

/** The defaults: temperature 0.8, no top-k, top-p 1, no repetition penalty. */
export const DEFAULT_SAMPLING: SamplingSettings = { temperature: 0.8, topK: 0, topP: 1, repetitionPenalty: 1 };

/** Why settings cannot be used (a message naming the setting and its range), or null. */
export function checkSampling(s: SamplingSettings): string | null {
  if (!Number.isFinite(s.temperature) || s.temperature < 0) return `temperature must be >= 0, got ${s.temperature}`;
  if (!Number.isInteger(s.topK) || s.topK < 0) return `top-k must be an integer >= 0, got ${s.topK}`;
  if (!Number.isFinite(s.topP) || s.topP <= 0 || s.topP > 1) return `top-p must be in (0, 1], got ${s.topP}`;
  if (!Number.isFinite(s.repetitionPenalty) || s.repetitionPenalty <= 0)
    return `repetition penalty must be > 0, got ${s.repetitionPenalty}`;
  return null;
}

/**
 * Repetition penalty in place on `scores` for every id marked in `seen` (a 0/1 mask over the vocabulary, so each id
 * counts once however often it occurred).
 */
export function applyRepetitionPenalty(scores: Float64Array, seen: Uint8Array, penalty: number): void {
  if (penalty === 1) return;
  for (let v = 0; v < scores.length; v++) {
    if (seen[v]) scores[v] = scores[v] < 0 ? scores[v] * penalty : scores[v] / penalty;
  }
}

/** Top-k in place: scores below the k-th largest become -Infinity. */
export function applyTopK(scores: Float64Array, topK: number): void {
  const k = Math.min(Math.max(topK, 1), scores.length);
  if (k >= scores.length) return;
  const sorted = Float64Array.from(scores).sort();
  const threshold = sorted[sorted.length - k];
  for (let v = 0; v < scores.length; v++) if (scores[v] < threshold) scores[v] = -Infinity;
}

/** Top-p in place: keeps the smallest top set whose probability reaches `topP` (see the file comment). */
export function applyTopP(scores: Float64Array, topP: number): void {
  if (topP >= 1) return;
  const order = Array.from({ length: scores.length }, (_, i) => i).filter((i) => scores[i] > -Infinity);
  // Descending score, lower id first among ties: the ascending order HF walks, reversed.
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  const max = scores[order[0]];
  let z = 0;
  for (const i of order) z += Math.exp(scores[i] - max);
  // HF removes token i iff the ascending cumulative mass up to i is <= 1 - top_p, i.e. iff the mass ranked
  // strictly above it is >= top_p. The first (largest) token is always kept.
  let above = 0;
  for (let r = 0; r < order.length; r++) {
    const i = order[r];
    if (r > 0 && above >= topP) scores[i] = -Infinity;
    above += Math.exp(scores[i] - max) / z;
  }
}

/** Index of the largest value, lowest index on an exact tie. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let v = 1; v < values.length; v++) if (values[v] > values[best]) best = v;
  return best;
}

/** log softmax(logits)[id], in float64. */
export function logSoftmaxAt(logits: ArrayLike<number>, id: number): number {
  let max = -Infinity;
  for (let v = 0; v < logits.length; v++) if (logits[v] > max) max = logits[v];
  let z = 0;
  for (let v = 0; v < logits.length; v++) z += Math.exp(logits[v] - max);
  return logits[id] - max - Math.log(z);
}

/** Draws an id from softmax(scores) (-Infinity = excluded) with the uniform number `u` in [0, 1). */
export function drawFromScores(scores: Float64Array, u: number): number {
  let max = -Infinity;
  for (let v = 0; v < scores.length; v++) if (scores[v] > max) max = scores[v];
  let z = 0;
  for (let v = 0; v < scores.length; v++) if (scores[v] > -Infinity) z += Math.exp(scores[v] - max);
  const target = u * z;
  let cum = 0;
  let last = -1;
  for (let v = 0; v < scores.length; v++) {
    if (scores[v] === -Infinity) continue;
    cum += Math.exp(scores[v] - max);
    last = v;
    if (target < cum) return v;
  }
  // Rounding can leave u * z a hair above the final sum: the last kept id is the one the CDF ends on.
  return last;
}

/**
 * The processed scores HF would sample from: penalty, temperature, top-k, top-p, as float64 (-Infinity = removed).
 * `temperature` 0 is treated as 1 here (greedy does not reach the warpers); exported for tests and the UI.
 */
export function processLogits(logits: ArrayLike<number>, seen: Uint8Array | null, s: SamplingSettings): Float64Array {
  const scores = Float64Array.from(logits as ArrayLike<number>);
  if (seen) applyRepetitionPenalty(scores, seen, s.repetitionPenalty);
  if (s.temperature > 0 && s.temperature !== 1) for (let v = 0; v < scores.length; v++) scores[v] /= s.temperature;
  if (s.topK > 0) applyTopK(scores, s.topK);
  if (s.topP < 1) applyTopP(scores, s.topP);
  return scores;
}

/**
 * The next token of one row: greedy argmax of the penalised logits at temperature 0, else a draw from the
 * processed scores with one number from `rng`. `seen` marks the ids of the sequence so far (for the penalty).
 */
export function chooseToken(logits: ArrayLike<number>, seen: Uint8Array | null, s: SamplingSettings, rng: Rng): number {
  if (s.temperature === 0) {
    if (!seen || s.repetitionPenalty === 1) return argmax(logits);
    const scores = Float64Array.from(logits as ArrayLike<number>);
    applyRepetitionPenalty(scores, seen, s.repetitionPenalty);
    return argmax(scores);
  }
  return drawFromScores(processLogits(logits, seen, s), rng());
}

function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Seed of one sample's random stream, from the run's seed, the prompt's index and the sample's index. Each is
 * folded in through a bijective 32-bit mix, so under one seed two samples of a prompt never share a stream, nor do
 * sample j of two prompts; a resumed run that redoes prompt p draws exactly what the first run drew.
 */
export function sampleSeed(seed: number, promptIndex: number, sampleIndex: number): number {
  let h = mix32((Math.trunc(seed) % 0x100000000) ^ 0x9e3779b9);
  h = mix32(h ^ promptIndex);
  return mix32(h ^ Math.imul(sampleIndex + 1, 0x27d4eb2f));
}
