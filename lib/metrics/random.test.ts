import { describe, expect, it } from "vitest";
import { createRng, randomScores } from "@/lib/metrics/random";

describe("createRng", () => {
  // Expected values from an independent Python port of splitmix32 seeding + xoshiro128** (53-bit doubles).
  it.each([
    [42, [0.6606157208001621, 0.1117019639532224, 0.0791056456144914]],
    [0, [0.8868539502021594, 0.012474988946590604, 0.032522145755498943]],
    [-1, [0.19461841469507213, 0.5485967281391287, 0.2282790634437124]],
    [2 ** 32 + 42, [0.6606157208001621, 0.1117019639532224, 0.0791056456144914]],
  ])("seed %d starts %j", (seed, first) => {
    const rng = createRng(seed);
    expect([rng(), rng(), rng()]).toEqual(first);
  });

  it("stays in [0, 1) and is roughly uniform", () => {
    const xs = randomScores(100_000, 7);
    let min = 1;
    let max = 0;
    let sum = 0;
    for (const x of xs) {
      min = Math.min(min, x);
      max = Math.max(max, x);
      sum += x;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(Math.abs(sum / xs.length - 0.5)).toBeLessThan(0.005);
    expect(new Set(xs).size).toBe(xs.length);
  });

  it.each([
    [42, 42, true],
    [42, 43, false],
  ])("randomScores(seed %i) vs (seed %i) equal: %s", (a, b, same) => {
    const equal = randomScores(1000, a).every((v, i) => v === randomScores(1000, b)[i]);
    expect(equal).toBe(same);
  });
});
