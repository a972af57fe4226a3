import { describe, expect, it } from "vitest";
import { defaultSpec, type SelectionSpec } from "@/lib/selection/spec";
import { marginMoments } from "@/lib/inspector/z-scores";
import { checkRowIds, readRowNumbers, type RowNumberSource } from "./row-numbers";

const col = (...v: number[]) => Float64Array.from(v);

function source(): RowNumberSource {
  const explicit = col(1, 3, NaN, 5);
  const implicit = col(-2, 2, 4, NaN);
  const spec: SelectionSpec = { ...defaultSpec(), decisions: { keep: [1], drop: [3] } };
  return {
    explicit,
    implicit,
    score: col(0.5, 1.5, NaN, -1),
    mAp: col(0.25, 1.25, NaN, NaN),
    mApRankOf: (rows) => Array.from(rows, (r) => col(2, 1, NaN, NaN)[r]),
    mask: Uint8Array.of(1, 1, 0, 0),
    spec,
    moments: marginMoments(explicit, implicit),
  };
}

describe("readRowNumbers", () => {
  it("reads every number of the rows asked, in that order", () => {
    const [r3, r0, r1] = readRowNumbers(source(), [3, 0, 1]);
    // m_ex over {1, 3, 5}: mean 3, population std √(8/3); |m_im| over {2, 2, 4}: mean 8/3, std √(8/9).
    expect(r0).toEqual({
      row: 0,
      explicit: 1,
      implicit: -2,
      z: { explicit: (1 - 3) / Math.sqrt(8 / 3), absImplicit: (2 - 8 / 3) / Math.sqrt(8 / 9) },
      score: 0.5,
      mAp: 0.25,
      mApRank: 2,
      selected: true,
      decision: null,
    });
    expect(r1.decision).toBe("keep");
    expect(r3).toMatchObject({ row: 3, explicit: 5, selected: false, decision: "drop" });
    expect(r3.z!.absImplicit).toBeNaN();
    expect(r3.mAp).toBeNaN();
    expect(r3.z!.explicit).toBeCloseTo(2 / Math.sqrt(8 / 3), 12);
  });

  it("leaves the z-scores out without moments", () => {
    const [r0] = readRowNumbers({ ...source(), moments: null }, [0]);
    expect(r0.z).toBeNull();
    expect(r0.explicit).toBe(1);
  });
});

describe("checkRowIds", () => {
  it.each([-1, 4, 1.5, NaN])("rejects row %d with a message naming it", (row) => {
    expect(() => checkRowIds([0, row], 4)).toThrow(new RangeError(`row ${row} is not in the dataset (it has 4 rows)`));
  });
  it("accepts the rows of the dataset", () => {
    expect(() => checkRowIds([0, 3], 4)).not.toThrow();
  });
});
