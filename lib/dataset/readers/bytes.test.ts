import { describe, expect, it } from "vitest";
import {
  GrowableF64,
  codePointCount,
  describeCharAt,
  distinctRows,
  groupRanges,
  lineColumnIn,
} from "@/lib/dataset/readers/bytes";

describe("groupRanges", () => {
  const starts = new Float64Array([0, 10, 20, 1000, 1010]);
  const ends = new Float64Array([9, 19, 29, 1009, 1019]);
  it.each([
    [
      [0, 1, 2, 3, 4],
      64,
      1 << 20,
      [
        [0, 29, [0, 1, 2]],
        [1000, 1019, [3, 4]],
      ],
    ],
    [[0, 2, 4], 2000, 1 << 20, [[0, 1019, [0, 2, 4]]]],
    [
      [0, 1, 2],
      64,
      20,
      [
        [0, 19, [0, 1]],
        [20, 29, [2]],
      ],
    ],
    // Out of byte order: a row before the run starts a new run (the order given is kept).
    [
      [2, 0],
      64,
      1 << 20,
      [
        [20, 29, [2]],
        [0, 9, [0]],
      ],
    ],
  ])("order %j, gap %i, max %i", (order, gap, max, expected) => {
    const runs = [...groupRanges(order, starts, ends, gap, max)].map((r) => [r.start, r.end, r.members]);
    expect(runs).toEqual(expected);
  });
});

describe("text positions", () => {
  it.each([
    ["abc", 2, { line: 1, column: 3 }],
    ["a\nbc", 3, { line: 2, column: 2 }],
    ["😀x\n😀😀y", 8, { line: 2, column: 3 }],
  ])("lineColumnIn(%j, %i)", (text, offset, expected) => {
    expect(lineColumnIn(text, offset)).toEqual(expected);
  });

  it.each([
    ["a😀b", 0, 4, 3],
    ["é", 0, 1, 1],
  ])("codePointCount(%j)", (text, start, end, expected) => {
    expect(codePointCount(text, start, end)).toBe(expected);
  });

  it.each([
    ["x", 0, '"x"'],
    ["\n", 0, "a line break"],
    ["\u0001", 0, "control character U+0001"],
    ["", 0, "the end of the record"],
  ])("describeCharAt(%j)", (text, offset, expected) => {
    expect(describeCharAt(text, offset)).toBe(expected);
  });
});

describe("GrowableF64", () => {
  it("grows past its initial capacity and keeps values", () => {
    const g = new GrowableF64();
    for (let i = 0; i < 5000; i++) g.push(i * 1.5);
    const a = g.toArray();
    expect(a.length).toBe(5000);
    expect([a[0], a[1023], a[1024], a[4999]]).toEqual([0, 1534.5, 1536, 7498.5]);
  });
});

describe("distinctRows", () => {
  it("drops repeats in first-seen order", () => {
    expect(distinctRows([3, 1, 3, 0, 1], 4)).toEqual([3, 1, 0]);
  });
  it.each([[-1], [4], [1.5], [NaN]])("rejects row %s of 4 rows", (row) => {
    expect(() => distinctRows([0, row], 4)).toThrow(new RangeError(`row ${row} is out of range (0…3)`));
  });
});
