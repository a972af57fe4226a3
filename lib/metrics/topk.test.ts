import { describe, expect, it } from "vitest";
import { createMulberry32 } from "@/lib/metrics/random";
import { radixArgsort } from "@/lib/metrics/order";
import { TopKScratch, topKMask } from "./topk";

/** The rule written out: non-NaN, unblocked rows by value descending, equal values (−0 = +0) higher row first. */
function oracle(score: Float64Array, k: number, blocked: Uint8Array | null): number[] {
  const rows = Array.from({ length: score.length }, (_, i) => i).filter(
    (i) => !Number.isNaN(score[i]) && (!blocked || blocked[i] === 0),
  );
  rows.sort((a, b) => (score[a] === score[b] ? b - a : score[b] - score[a]));
  const take = k > 0 ? Math.min(k, rows.length) : 0;
  const mask = new Array<number>(score.length).fill(0);
  for (const r of rows.slice(0, take)) mask[r] = 1;
  return mask;
}

function column(seed: number, n: number, kind: string): Float64Array {
  const rnd = createMulberry32(seed);
  return Float64Array.from({ length: n }, (_, i) => {
    const u = rnd();
    if (u < 0.05) return NaN;
    switch (kind) {
      case "continuous":
        return (rnd() - 0.5) * 10;
      case "ties":
        return Math.round((rnd() - 0.5) * 6) / 2;
      case "constant":
        return 1.5;
      case "zeros":
        return rnd() < 0.5 ? -0 : 0;
      case "specials":
        return [Infinity, -Infinity, 0, -0, 5e-324, -5e-324, 1e308, -1e308][i % 8];
      default:
        // Values that share the high 32 bits of their key but differ in the low word (the lower digits decide).
        return 1 + (i % 7) * Number.EPSILON;
    }
  });
}

describe("topKMask", () => {
  const kinds = ["continuous", "ties", "constant", "zeros", "specials", "low-word"];
  const cases = kinds.flatMap((kind, j) =>
    [0, 1, 7, 50, 199, 1000, -3, NaN, 2.5].map((k) => [kind, k, j] as [string, number, number]),
  );

  it.each(cases)("%s, k = %d: the oracle's rows, with and without blocked rows", (kind, k, j) => {
    const n = 240;
    const score = column(100 + j, n, kind);
    const rnd = createMulberry32(7 + j);
    const blocked = Uint8Array.from({ length: n }, () => (rnd() < 0.3 ? 1 + Math.floor(rnd() * 3) : 0));
    for (const b of [null, blocked]) {
      const out = new Uint8Array(n).fill(9);
      const got = topKMask(score, k, b, out, new TopKScratch());
      const want = oracle(score, Math.trunc(k), b);
      expect(Array.from(out)).toEqual(want);
      const considered = Array.from(score).filter((v, i) => !Number.isNaN(v) && (!b || b[i] === 0)).length;
      expect(got).toEqual({ taken: want.reduce((a, c) => a + c, 0), considered });
    }
  });

  it("agrees with the descending radix argsort's first k rows at every k (ties included)", () => {
    const score = column(5, 500, "ties");
    const order = radixArgsort(score, true);
    const scratch = new TopKScratch();
    const out = new Uint8Array(score.length);
    for (let k = 0; k <= order.length; k += 13) {
      topKMask(score, k, null, out, scratch);
      const want = new Array<number>(score.length).fill(0);
      for (const r of order.subarray(0, k)) want[r] = 1;
      expect(Array.from(out), `k=${k}`).toEqual(want);
    }
  });

  it.each([0, 2, 5])("marks rows without a score as `missing` (k = %i)", (k) => {
    const score = Float64Array.from([NaN, 1, 2, NaN, 3]);
    const blocked = Uint8Array.from([0, 0, 1, 1, 0]);
    const out = new Uint8Array(5);
    topKMask(score, k, blocked, out, new TopKScratch(), 2);
    const top = oracle(score, k, blocked);
    expect(Array.from(out)).toEqual(top.map((v, i) => (Number.isNaN(score[i]) ? 2 : v)));
  });

  // Columns long enough for the sampled bracket (the path a re-rank at 10^5+ rows takes), against the radix argsort.
  it.each([
    ["continuous", 0.4],
    ["continuous", 0.001],
    ["continuous", 0.97],
    ["ties", 0.4],
    ["ties", 0.75],
    ["constant", 0.4],
    ["zeros", 0.3],
    ["specials", 0.5],
    ["low-word", 0.6],
    ["sorted", 0.4],
  ])("%s column of 200,000 rows, k = %f of them: the argsort's first k", (kind, fraction) => {
    const n = 200_000;
    const score =
      kind === "sorted" ? Float64Array.from({ length: n }, (_, i) => (i % 1000 === 0 ? NaN : i)) : column(3, n, kind);
    const rnd = createMulberry32(11);
    for (const withBlocked of [false, true]) {
      const blocked = withBlocked ? Uint8Array.from({ length: n }, () => (rnd() < 0.5 ? 1 : 0)) : null;
      const visible = blocked ? score.map((v, i) => (blocked[i] ? NaN : v)) : score;
      const order = radixArgsort(visible, true);
      const k = Math.floor(fraction * order.length);
      const out = new Uint8Array(n);
      const got = topKMask(score, k, blocked, out, new TopKScratch(), 2);
      const want = new Uint8Array(n);
      for (let i = 0; i < n; i++) if (Number.isNaN(score[i])) want[i] = 2;
      for (const r of order.subarray(0, k)) want[r] = 1;
      expect(got).toEqual({ taken: k, considered: order.length });
      let diff = 0;
      for (let i = 0; i < n; i++) if (out[i] !== want[i]) diff++;
      expect(diff).toBe(0);
    }
  });

  it("rejects buffers shorter than the column", () => {
    expect(() => topKMask(new Float64Array(4), 1, new Uint8Array(3), new Uint8Array(4))).toThrow(/blocked has 3/);
    expect(() => topKMask(new Float64Array(4), 1, null, new Uint8Array(2))).toThrow(/out has 2/);
  });
});
