import { describe, expect, it } from "vitest";
import { quickselect, radixArgsort, SortScratch, stableArgsort } from "@/lib/metrics/order";
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

describe("radixArgsort against Array.prototype.sort with the same comparator", () => {
  // Ascending: by value, −0 = +0, equal values by ascending row; descending: by value, equal values by DESCENDING
  // row (the paper's tie rule); NaN rows left out.
  const reference = (x: Float64Array, descending: boolean): number[] =>
    Array.from(x.keys())
      .filter((i) => !Number.isNaN(x[i]))
      .sort((a, b) => {
        const d = x[a] === x[b] ? 0 : x[a] < x[b] ? -1 : 1;
        return descending ? -d || b - a : d || a - b;
      });
  const special = [NaN, 0, -0, Infinity, -Infinity, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, 1, -1];

  function randomColumn(seed: number, n: number): Float64Array {
    const rng = createRng(seed);
    const x = new Float64Array(n);
    const mode = seed % 4;
    for (let i = 0; i < n; i++) {
      const u = rng();
      if (u < 0.15) x[i] = special[Math.floor(rng() * special.length)];
      else if (mode === 0)
        x[i] = Math.round((rng() - 0.5) * 20) / 4; // many ties
      else if (mode === 1)
        x[i] = (rng() - 0.5) * 10 ** Math.floor(rng() * 60 - 30); // every exponent
      else if (mode === 2)
        x[i] = rng(); // 32-bit mantissas: the low digits are shared (skipped passes)
      else x[i] = Math.floor(rng() * 3); // three values: most passes skipped
    }
    return x;
  }

  it.each(Array.from({ length: 24 }, (_, s) => [s, [0, 1, 2, 17, 500, 4099][s % 6]] as const))(
    "seed %i, n=%i",
    (seed, n) => {
      const x = randomColumn(seed, n);
      expect(Array.from(radixArgsort(x, false))).toEqual(reference(x, false));
      expect(Array.from(radixArgsort(x, true))).toEqual(reference(x, true));
      expect(Array.from(stableArgsort(x))).toEqual(reference(x, false));
    },
  );

  it("descending is the ascending order reversed, for every tie and NaN", () => {
    const x = randomColumn(5, 3000);
    expect(Array.from(radixArgsort(x, true))).toEqual(Array.from(radixArgsort(x, false)).reverse());
  });

  it("a scratch reused across sizes and calls gives the same orders as a fresh one", () => {
    const scratch = new SortScratch();
    for (const [seed, n] of [
      [1, 5000],
      [2, 30],
      [3, 5000],
      [4, 0],
      [6, 7000],
      [1, 5000],
    ]) {
      const x = randomColumn(seed, n);
      expect(Array.from(radixArgsort(x, true, scratch)), `seed ${seed}`).toEqual(reference(x, true));
      expect(Array.from(radixArgsort(x, false, scratch)), `seed ${seed}`).toEqual(reference(x, false));
    }
  });

  it("sorts a subarray view by its own rows", () => {
    const buffer = Float64Array.from([9, 3, -0, 0, 3, NaN, -2, 7]);
    const view = buffer.subarray(2, 7);
    expect(Array.from(radixArgsort(view, false))).toEqual([4, 0, 1, 2]);
    expect(Array.from(radixArgsort(view, true))).toEqual([2, 1, 0, 4]);
  });
});
