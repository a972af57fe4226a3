import { describe, expect, it } from "vitest";
import { numpyUnavailableReason, runNumpy } from "@/test/numpy-oracle";
import { createRng } from "@/lib/metrics/random";
import { mean, pairwiseSum, populationStd, zScores } from "@/lib/metrics/stats";

/** x_i = offset + (i·7919 mod 1009)/1009·3.3: only exactly rounded operations, so Python builds the same doubles. */
function ramp(n: number, offset: number): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = offset + (((i * 7919) % 1009) / 1009) * 3.3;
  return x;
}

function naiveSum(x: Float64Array): number {
  let s = 0;
  for (const v of x) s += v;
  return s;
}

describe("numpy reductions (expected doubles printed once by numpy 2.4.6: np.sum, x.mean(), x.std(), z[0], z[-1])", () => {
  it.each([
    [7, 1e8, 700000009.291675, 100000001.32738213, 0.9589831546868036, -1.3841558383207635, -1.0738048038830816],
    [8, 1e8, 800000012.3888999, 100000001.54861249, 1.0711174990442633, -1.4457914203419884, 1.4457914203419884],
    [9, 1e8, 900000014.9857285, 100000001.66508095, 1.0622311100911512, -1.5675317111746365, 0.8771609036721362],
    [127, 1e8, 12700000210.428148, 100000001.65691455, 0.9609129304056863, -1.724312884816975, 1.3457358740187764],
    [128, 1e8, 12800000212.8778, 100000001.66310781, 0.9596933087844081, -1.732957599247203, 0.8195798587367904],
    [129, 1e8, 12900000214.827055, 100000001.66532601, 0.9562956876607924, -1.7414341982809585, 0.29690678088261196],
    [1000, 1e8, 100000001650.58215, 100000001.65058215, 0.9529087558496946, -1.7321513098628472, 0.05602023578110587],
    [4097, 1e8, 409700006753.47455, 100000001.64839506, 0.9528857570215931, -1.7298978910601621, 1.3934713525419973],
    [1000, 0.1, 1750.582160555005, 1.750582160555005, 0.952908755848572, -1.7321513213352202, 0.05602022253166065],
  ])("n=%i offset=%d", (n, offset, sum, m, sd, zFirst, zLast) => {
    const x = ramp(n, offset);
    expect(pairwiseSum(x)).toBe(sum);
    expect(mean(x)).toBe(m);
    expect(populationStd(x)).toBe(sd);
    const z = zScores(x, null);
    expect(z[0]).toBe(zFirst);
    expect(z[n - 1]).toBe(zLast);
  });

  it("differs from a running sum where numpy does (so the pairwise order is really used)", () => {
    const x = ramp(1000, 1e8);
    expect(naiveSum(x)).not.toBe(100000001650.58215);
    expect(pairwiseSum(x)).toBe(100000001650.58215);
  });

  it.each([
    [[], 0],
    [[1, 2, 3], 6],
    [[0.1, 0.2, 0.3], 0.1 + 0.2 + 0.3],
    [[-0, -0, -0], 0],
  ])("pairwiseSum(%j) = %d", (values, expected) => {
    expect(Object.is(pairwiseSum(Float64Array.from(values)), expected)).toBe(true);
  });

  it("sums a sub-range and rejects one outside the array", () => {
    const x = Float64Array.from([1, 2, 3, 4, 5]);
    expect(pairwiseSum(x, 1, 3)).toBe(9);
    expect(() => pairwiseSum(x, 3, 3)).toThrow(RangeError);
  });

  it.each([
    ["empty", [], NaN, NaN],
    ["one value", [5], 5, 0],
    ["constant", [2, 2, 2, 2], 2, 0],
    ["two values", [1, 3], 2, 1],
  ])("mean/std of %s", (_name, values, m, sd) => {
    const x = Float64Array.from(values);
    expect(mean(x)).toBe(m);
    expect(populationStd(x)).toBe(sd);
  });
});

describe("zScores", () => {
  it.each([
    ["all rows", [1, 2, 3], null, [-Math.sqrt(1.5), 0, Math.sqrt(1.5)]],
    ["masked row excluded", [1, 100, 2, 3], [1, 0, 1, 1], [-Math.sqrt(1.5), NaN, 0, Math.sqrt(1.5)]],
    [
      "NaN and ±Infinity excluded",
      [1, NaN, 2, Infinity, 3, -Infinity],
      null,
      [-Math.sqrt(1.5), NaN, 0, NaN, Math.sqrt(1.5), NaN],
    ],
    ["zero variance gives 0", [4, 4, NaN, 4], null, [0, 0, NaN, 0]],
    ["single row gives 0", [7], null, [0]],
    ["nothing included", [1, 2], [0, 0], [NaN, NaN]],
  ])("%s", (_name, values, include, expected) => {
    const z = zScores(Float64Array.from(values), include === null ? null : Uint8Array.from(include));
    expect(Array.from(z)).toEqual(expected);
  });

  it("equals the z-scores of the compacted included values", () => {
    const rng = createRng(7);
    const x = new Float64Array(1000);
    const include = new Uint8Array(1000);
    for (let i = 0; i < x.length; i++) {
      x[i] = 1e8 + rng() * 1e3;
      include[i] = rng() < 0.7 ? 1 : 0;
    }
    const z = zScores(x, include);
    const packed = x.filter((_, i) => include[i] === 1);
    const zPacked = zScores(packed, null);
    expect(Array.from(z.filter((_, i) => include[i] === 1))).toEqual(Array.from(zPacked));
  });

  it("rejects a mask of another length", () => {
    expect(() => zScores(new Float64Array(3), new Uint8Array(2))).toThrow(RangeError);
  });
});

const NUMPY_SCRIPT = `
import json, sys
import numpy as np
out = []
for xs in json.load(sys.stdin):
    x = np.array(xs, dtype=np.float64)
    out.append([float(np.sum(x)), float(x.mean()), float(x.std()), ((x - x.mean()) / x.std()).tolist()])
json.dump(out, sys.stdout)
`;

const noNumpy = numpyUnavailableReason();

describe.skipIf(noNumpy !== null)("bit-for-bit against numpy on adversarial arrays", () => {
  it("matches np.sum, mean, std and z for lengths 1..300 and around larger split points", () => {
    const rng = createRng(2025);
    const lengths = [
      ...Array.from({ length: 300 }, (_, i) => i + 1),
      511,
      512,
      513,
      1000,
      1023,
      1025,
      8191,
      8192,
      8193,
    ];
    lengths.push(100_003);
    const arrays: number[][] = [];
    for (const n of lengths) {
      // Big offset + small spread is where summation order changes the last bits; vary the kind per length.
      const kind = n % 3;
      const xs: number[] = [];
      for (let i = 0; i < n; i++) {
        const u = rng();
        xs.push(kind === 0 ? 1e8 + u : kind === 1 ? (u - 0.5) * 1e-3 : 1e8 + (u - 0.5) * 1e4 * (i % 7));
      }
      if (n > 1) arrays.push(xs);
    }
    const expected = runNumpy<[number, number, number, number[]][]>(NUMPY_SCRIPT, arrays);
    let mismatches = 0;
    arrays.forEach((xs, a) => {
      const x = Float64Array.from(xs);
      const [sum, m, sd, z] = expected[a];
      if (pairwiseSum(x) !== sum || mean(x) !== m || populationStd(x) !== sd) mismatches++;
      const ours = zScores(x, null);
      for (let i = 0; i < z.length; i++) if (ours[i] !== z[i]) mismatches++;
    });
    expect(mismatches).toBe(0);
  });
});

if (noNumpy !== null) {
  describe("bit-for-bit against numpy on adversarial arrays", () => {
    it.skip(`skipped: ${noNumpy}; the hard-coded numpy doubles above still run`, () => {});
  });
}
