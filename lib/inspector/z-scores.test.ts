import { describe, expect, it } from "vitest";
import { zScores } from "@/lib/metrics/stats";
import { finiteMoments, marginMoments, marginZScores, zOf } from "./z-scores";

const col = (...v: number[]) => Float64Array.from(v);
const abs = (a: Float64Array) => a.map(Math.abs);

// A longer column with missing values, so numpy's pairwise summation (blocks of 128) is exercised too.
const long = Float64Array.from({ length: 1000 }, (_, i) => (i % 97 === 0 ? NaN : Math.sin(i * 12.9898) * 43758.5453));

describe("marginZScores", () => {
  it.each<[string, Float64Array, Float64Array]>([
    ["small", col(1, 2, 3, 4), col(-1, 0.5, 2, -3)],
    ["missing values", col(1, NaN, 3, 10, Infinity), col(NaN, -2, 2, 4, 1)],
    ["constant columns", col(5, 5, 5), col(-2, 2, 2)],
    ["one finite value", col(NaN, 7, NaN), col(1, NaN, NaN)],
    ["long", long, long.map((v, i) => (i % 3 ? v / 7 : -v))],
  ])("%s: the same bits as lib/metrics zScores on each column", (_name, explicit, implicit) => {
    const zEx = zScores(explicit, null);
    const zIm = zScores(abs(implicit), null);
    for (let row = 0; row < explicit.length; row++) {
      const z = marginZScores(explicit, implicit, row);
      expect(marginZScores(explicit, implicit, row, marginMoments(explicit, implicit))).toEqual(z);
      // toBe is Object.is: NaN matches NaN, and every other value must agree to the last bit.
      expect(z.explicit).toBe(zEx[row]);
      expect(z.absImplicit).toBe(zIm[row]);
    }
  });

  it.each([-1, 4, 100])("row %i out of range → NaN", (row) => {
    const z = marginZScores(col(1, 2, 3, 4), col(1, 2, 3, 4), row);
    expect(z.explicit).toBeNaN();
    expect(z.absImplicit).toBeNaN();
  });

  it("uses |m_im|: a row's sign does not change its z", () => {
    const implicit = col(-4, 4, 1, 2);
    expect(marginZScores(implicit, implicit, 0).absImplicit).toBe(marginZScores(implicit, implicit, 1).absImplicit);
  });
});

describe("finiteMoments", () => {
  it.each<[Float64Array, number, number, number]>([
    [col(), NaN, NaN, 0],
    [col(NaN, Infinity), NaN, NaN, 0],
    [col(2, 4, NaN), 3, 1, 2],
    [col(1, 2, 3, 4), 2.5, Math.sqrt(1.25), 4],
  ])("%j → mean %d, std %d over %i values", (values, mean, std, count) => {
    const m = finiteMoments(values);
    expect(m.count).toBe(count);
    if (count === 0) {
      expect(m.mean).toBeNaN();
      expect(zOf(1, m)).toBeNaN();
    } else {
      expect(m.mean).toBeCloseTo(mean, 12);
      expect(m.std).toBeCloseTo(std, 12);
    }
  });

  it("per transform: identity or absolute values", () => {
    const values = col(-1, 3);
    expect(finiteMoments(values, "abs").mean).toBe(2);
    expect(finiteMoments(values).mean).toBe(1);
  });
});

describe("marginZScores with given moments", () => {
  it("reads the row against the moments it is given, not against the columns", () => {
    const m = { explicit: { mean: 10, std: 2, count: 5 }, absImplicit: { mean: 1, std: 0, count: 3 } };
    expect(marginZScores(col(14), col(-7), 0, m)).toEqual({ explicit: 2, absImplicit: 0 });
  });
});
