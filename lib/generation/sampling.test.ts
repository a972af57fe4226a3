import { describe, expect, it } from "vitest";
import { createRng } from "@/lib/metrics/random";
import {
  applyRepetitionPenalty,
  applyTopK,
  applyTopP,
  argmax,
  checkSampling,
  chooseToken,
  drawFromScores,
  logSoftmaxAt,
  processLogits,
  sampleSeed,
  type SamplingSettings,
} from "./sampling";

const OFF: SamplingSettings = { temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1 };

/** softmax written out in the test, independent of the module. */
function softmax(xs: number[]): number[] {
  const finite = xs.filter((x) => x > -Infinity);
  const m = Math.max(...finite);
  const e = xs.map((x) => (x === -Infinity ? 0 : Math.exp(x - m)));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

/** HF TopPLogitsWarper transcribed literally: ascending sort, cumsum of softmax, remove cum <= 1 - p, keep the last. */
function hfTopP(scores: number[], p: number): number[] {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b] || b - a);
  const probs = softmax(order.map((i) => scores[i]));
  const out = [...scores];
  let cum = 0;
  order.forEach((i, r) => {
    cum += probs[r];
    if (cum <= 1 - p && r < order.length - 1) out[i] = -Infinity;
  });
  return out;
}

/** HF TopKLogitsWarper: remove scores < the k-th largest. */
function hfTopK(scores: number[], k: number): number[] {
  const kth = [...scores].sort((a, b) => b - a)[Math.min(k, scores.length) - 1];
  return scores.map((s) => (s < kth ? -Infinity : s));
}

/** Empirical distribution of `n` draws. */
function frequencies(logits: number[], s: SamplingSettings, n: number, seed = 7): number[] {
  const rng = createRng(seed);
  const counts = new Array<number>(logits.length).fill(0);
  for (let i = 0; i < n; i++) counts[chooseToken(logits, null, s, rng)]++;
  return counts.map((c) => c / n);
}

const LOGITS = [2.0, 1.0, 0.5, 0.0, -0.5, -1.0, -3.0, 1.5];

describe("logits processors", () => {
  it("repetition penalty divides positive and multiplies negative scores of seen ids, once each", () => {
    const scores = Float64Array.from([2, -2, 3, -1]);
    applyRepetitionPenalty(scores, Uint8Array.of(1, 1, 0, 0), 2);
    expect([...scores]).toEqual([1, -4, 3, -1]);
  });

  it.each([1, 2, 3, 7, 8, 20])("top-k %d keeps the k largest (ties with the k-th kept)", (k) => {
    const scores = Float64Array.from(LOGITS);
    applyTopK(scores, k);
    expect([...scores]).toEqual(hfTopK(LOGITS, k));
  });

  it("top-k keeps every score tied with the k-th", () => {
    const scores = Float64Array.from([1, 3, 3, 3, 0]);
    applyTopK(scores, 2);
    expect([...scores]).toEqual([-Infinity, 3, 3, 3, -Infinity]);
  });

  it.each([0.01, 0.3, 0.5, 0.6, 0.8, 0.9, 0.95, 0.999])("top-p %f matches HF's warper", (p) => {
    const scores = Float64Array.from(LOGITS);
    applyTopP(scores, p);
    expect([...scores]).toEqual(hfTopP(LOGITS, p));
    // The kept set is the smallest top set whose mass reaches p.
    const probs = softmax(LOGITS);
    const kept = [...scores].flatMap((s, i) => (s > -Infinity ? [i] : []));
    const mass = kept.reduce((a, i) => a + probs[i], 0);
    expect(mass).toBeGreaterThanOrEqual(p - 1e-12);
    const smallest = Math.min(...kept.map((i) => probs[i]));
    if (kept.length > 1) expect(mass - smallest).toBeLessThan(p);
  });

  it("top-p keeps the token that crosses the threshold and at least one token", () => {
    // probs 0.5, 0.3, 0.2: p = 0.6 needs the first two (0.5 < 0.6 <= 0.8).
    const logits = [Math.log(0.5), Math.log(0.3), Math.log(0.2)];
    const s = Float64Array.from(logits);
    applyTopP(s, 0.6);
    expect([...s].map((v) => v > -Infinity)).toEqual([true, true, false]);
    const one = Float64Array.from(logits);
    applyTopP(one, 1e-9);
    expect([...one].map((v) => v > -Infinity)).toEqual([true, false, false]);
  });

  it("applies temperature before top-p (HF order): the nucleus is taken on the tempered distribution", () => {
    // At T = 1 p = 0.8 keeps 3 tokens; at T = 0.2 the top token alone holds more than 0.8.
    const logits = [1, 0.6, 0.3, -2];
    const kept = (t: number) =>
      [...processLogits(logits, null, { ...OFF, temperature: t, topP: 0.8 })].filter((v) => v > -Infinity).length;
    expect(kept(1)).toBe(3);
    expect(kept(0.2)).toBe(1);
    const tempered = logits.map((l) => l / 0.2);
    expect([...processLogits(logits, null, { ...OFF, temperature: 0.2, topP: 0.8 })]).toEqual(hfTopP(tempered, 0.8));
  });

  it("applies top-k before top-p: the nucleus is renormalised over the k survivors", () => {
    const s = { ...OFF, topK: 3, topP: 0.7 };
    expect([...processLogits(LOGITS, null, s)]).toEqual(hfTopP(hfTopK(LOGITS, 3), 0.7));
  });

  it("greedy is the argmax, lowest id on an exact tie, after the repetition penalty", () => {
    expect(argmax([0, 3, 1, 3])).toBe(1);
    const rng = createRng(1);
    const greedy = { ...OFF, temperature: 0 };
    expect(chooseToken([0, 3, 1, 3], null, greedy, rng)).toBe(1);
    // Penalty 2 on id 1: 3 -> 1.5, so id 3 wins.
    expect(chooseToken([0, 3, 1, 3], Uint8Array.of(0, 1, 0, 0), { ...greedy, repetitionPenalty: 2 }, rng)).toBe(3);
  });

  it("rejects settings outside their ranges", () => {
    expect(checkSampling(OFF)).toBeNull();
    expect(checkSampling({ ...OFF, temperature: -1 })).toMatch(/temperature/);
    expect(checkSampling({ ...OFF, topP: 0 })).toMatch(/top-p/);
    expect(checkSampling({ ...OFF, topK: 1.5 })).toMatch(/top-k/);
    expect(checkSampling({ ...OFF, repetitionPenalty: 0 })).toMatch(/repetition/);
  });

  it("logSoftmaxAt is log of the softmax", () => {
    const p = softmax(LOGITS);
    LOGITS.forEach((_, i) => expect(logSoftmaxAt(LOGITS, i)).toBeCloseTo(Math.log(p[i]), 12));
  });
});

describe("draws", () => {
  const N = 40_000;
  // 4 standard deviations of a frequency estimate at p = 0.5.
  const tol = 4 * Math.sqrt(0.25 / N);

  it.each([
    ["temperature 1", OFF, LOGITS],
    ["temperature 0.5", { ...OFF, temperature: 0.5 }, LOGITS.map((l) => l / 0.5)],
    ["temperature 2", { ...OFF, temperature: 2 }, LOGITS.map((l) => l / 2)],
    ["top-k 3", { ...OFF, topK: 3 }, hfTopK(LOGITS, 3)],
    ["top-p 0.7", { ...OFF, topP: 0.7 }, hfTopP(LOGITS, 0.7)],
    [
      "T 0.7 + top-k 4 + top-p 0.9",
      { ...OFF, temperature: 0.7, topK: 4, topP: 0.9 },
      hfTopP(
        hfTopK(
          LOGITS.map((l) => l / 0.7),
          4,
        ),
        0.9,
      ),
    ],
  ] as const)("%s: frequencies follow the softmax computed here", (_, s, expectedScores) => {
    const expected = softmax([...expectedScores]);
    const got = frequencies(LOGITS, s, N);
    got.forEach((f, i) => expect(Math.abs(f - expected[i])).toBeLessThan(tol));
    // Removed tokens are never drawn.
    expected.forEach((p, i) => p === 0 && expect(got[i]).toBe(0));
  });

  it("inverts the CDF in id order", () => {
    const scores = Float64Array.from([Math.log(0.25), Math.log(0.5), Math.log(0.25)]);
    expect(drawFromScores(scores, 0)).toBe(0);
    expect(drawFromScores(scores, 0.2499)).toBe(0);
    expect(drawFromScores(scores, 0.2501)).toBe(1);
    expect(drawFromScores(scores, 0.7501)).toBe(2);
    expect(drawFromScores(scores, 1 - 1e-16)).toBe(2);
  });

  it("a fixed seed gives a fixed sequence; the per-sample seeds differ across prompts and samples", () => {
    const draw = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 20 }, () => chooseToken(LOGITS, null, OFF, rng));
    };
    expect(draw(sampleSeed(42, 3, 1))).toEqual(draw(sampleSeed(42, 3, 1)));
    expect(draw(sampleSeed(42, 3, 1))).not.toEqual(draw(sampleSeed(42, 3, 2)));
    const seeds = new Set<number>();
    for (let p = 0; p < 200; p++) for (let j = 0; j < 8; j++) seeds.add(sampleSeed(42, p, j));
    expect(seeds.size).toBe(1600);
    expect(sampleSeed(42, 0, 0)).not.toBe(sampleSeed(43, 0, 0));
  });
});
