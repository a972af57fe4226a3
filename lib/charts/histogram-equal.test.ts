import { describe, expect, it } from "vitest";
import type { ColumnHistogram } from "@/lib/workbench/protocol";
import { sameHistogram, sameValues } from "./histogram-equal";

const histogram = (over: Partial<ColumnHistogram> = {}): ColumnHistogram => ({
  field: "explicit",
  source: "explicit",
  edges: new Float64Array([0, 1, 2]),
  all: new Uint32Array([5, 7]),
  selected: new Uint32Array([2, 3]),
  missing: 1,
  min: 0,
  max: 2,
  ...over,
});

describe("sameValues", () => {
  it.each([
    [[1, 2, 3], [1, 2, 3], true],
    [[1, 2, 3], [1, 2, 4], false],
    [[1, 2], [1, 2, 3], false],
    [[NaN, 0], [NaN, 0], true],
    [[0], [-0], true],
    [[], [], true],
  ])("%j vs %j → %s", (a, b, same) => {
    expect(sameValues(new Float64Array(a), new Float64Array(b))).toBe(same);
  });
});

describe("sameHistogram", () => {
  it("is true for fresh objects with the same numbers", () => {
    expect(sameHistogram(histogram(), histogram())).toBe(true);
  });

  it.each<[string, Partial<ColumnHistogram>]>([
    ["selected counts", { selected: new Uint32Array([2, 4]) }],
    ["all counts", { all: new Uint32Array([5, 8]) }],
    ["edges", { edges: new Float64Array([0, 1.5, 2]) }],
    ["bin count", { all: new Uint32Array([5, 7, 0]) }],
    ["missing", { missing: 2 }],
    ["range", { max: 2.5 }],
    ["field", { field: "implicit" }],
    ["source", { source: "column:x" }],
  ])("is false when the %s differ", (_, over) => {
    expect(sameHistogram(histogram(), histogram(over))).toBe(false);
  });
});
