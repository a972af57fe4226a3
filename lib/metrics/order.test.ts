import { describe, expect, it } from "vitest";
import { quickselect, stableArgsort } from "@/lib/metrics/order";
import { createRng } from "@/lib/metrics/random";

function makeValues(kind: string, n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = rng();
    x[i] =
      kind === "uniform"
        ? u
        : kind === "ties"
          ? Math.floor(u * 5) - 2
          : kind === "sorted"
            ? i
            : kind === "reversed"
              ? n - i
              : kind === "constant"
                ? 1.5
                : (u - 0.5) * 10 ** Math.floor(rng() * 40 - 20); // wide magnitudes, both signs
  }
  return x;
}

const kinds = ["uniform", "ties", "sorted", "reversed", "constant", "wide"];

describe("quickselect", () => {
  it.each(kinds.flatMap((kind) => [1, 7, 601, 5000].map((n) => [kind, n] as const)))("%s n=%i", (kind, n) => {
    const x = makeValues(kind, n, n);
    const sorted = Float64Array.from(x).sort();
    for (const k of [0, Math.floor(n / 3), n - 1]) {
      const y = Float64Array.from(x);
      quickselect(y, k);
      expect(y[k]).toBe(sorted[k]);
      for (let i = 0; i < k; i++) expect(y[i] <= y[k]).toBe(true);
      for (let i = k + 1; i < n; i++) expect(y[i] >= y[k]).toBe(true);
    }
  });

  it("rejects k outside the range", () => {
    expect(() => quickselect(new Float64Array(3), 3)).toThrow(RangeError);
  });
});

describe("stableArgsort", () => {
  it.each(kinds.flatMap((kind) => [0, 1, 9, 3000].map((n) => [kind, n] as const)))("%s n=%i", (kind, n) => {
    const x = makeValues(kind, n, n + 1);
    if (n > 3) x[2] = NaN;
    const expected = Array.from(x.keys())
      .filter((i) => !Number.isNaN(x[i]))
      .sort((a, b) => x[a] - x[b] || a - b);
    expect(Array.from(stableArgsort(x))).toEqual(expected);
  });

  it.each([
    // np.argsort(np.array(v), kind="stable") printed by numpy 2.4.6.
    [
      [0.5, -0, 0, 0.5, -1, 0],
      [4, 1, 2, 5, 0, 3],
    ],
    [
      [Infinity, -Infinity, 5e-324, -5e-324, 0],
      [1, 3, 4, 2, 0],
    ],
  ])("%j → %j", (values, expected) => {
    expect(Array.from(stableArgsort(Float64Array.from(values)))).toEqual(expected);
  });
});
