import { describe, expect, it } from "vitest";
import { createMulberry32 } from "@/lib/metrics/random";
import { rankOf } from "@/lib/metrics/select";
import { ranksOfRows } from "./row-ranks";

describe("ranksOfRows", () => {
  it("ranks best first, equal scores by the higher row first, NaN unranked", () => {
    const score = Float64Array.of(0.5, 2, NaN, 2, -1, 0.5, 3);
    // Descending: row 6 (3), row 3 (2, higher row), row 1 (2), row 5 (0.5), row 0 (0.5), row 4 (−1).
    expect(Array.from(ranksOfRows(score, [0, 1, 2, 3, 4, 5, 6]))).toEqual([5, 3, NaN, 2, 6, 4, 1]);
    expect(Array.from(ranksOfRows(score, [4, 6, 4]))).toEqual([6, 1, 6]);
    expect(Array.from(ranksOfRows(score, []))).toEqual([]);
    expect(Array.from(ranksOfRows(score, [2]))).toEqual([NaN]);
  });

  it("treats −0 and +0 as one score, and ranks infinities", () => {
    const score = Float64Array.of(-0, 0, Infinity, -Infinity, -0);
    expect(Array.from(ranksOfRows(score, [0, 1, 2, 3, 4]))).toEqual(Array.from(rankOf(score)));
  });

  it("ranks among many asked values when one of them is infinite", () => {
    const rnd = createMulberry32(9);
    const score = Float64Array.from({ length: 500 }, (_, i) => (i % 50 === 0 ? Infinity : Math.round(rnd() * 40)));
    const rows = Array.from({ length: 120 }, (_, i) => i * 4);
    const full = rankOf(score);
    expect(Array.from(ranksOfRows(score, rows))).toEqual(rows.map((r) => full[r]));
  });

  it.each([
    { seed: 1, n: 2000, levels: 0, asked: 40 },
    { seed: 2, n: 2000, levels: 7, asked: 40 },
    { seed: 3, n: 5000, levels: 3, asked: 200 },
    { seed: 4, n: 300, levels: 0, asked: 300 },
  ])("gives rankOf's numbers (seed $seed, $levels tie levels, $asked rows asked)", ({ seed, n, levels, asked }) => {
    const rnd = createMulberry32(seed);
    const score = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const r = rnd();
      score[i] = r < 0.05 ? NaN : levels ? Math.floor(rnd() * levels) - 1 : rnd() * 10 - 5;
    }
    const full = rankOf(score);
    const rows = Array.from({ length: asked }, () => Math.floor(rnd() * n));
    expect(Array.from(ranksOfRows(score, rows))).toEqual(rows.map((r) => full[r]));
  });
});
