import { describe, expect, it } from "vitest";
import { createTableRows, rowNumbersKey } from "./table-rows";
import type { RowNumbers } from "./types";

const numbers = (row: number, mAp: number): RowNumbers => ({
  row,
  explicit: 1,
  implicit: 2,
  z: null,
  score: mAp,
  mAp,
  mApRank: 1,
  selected: true,
  decision: null,
});

describe("rowNumbersKey", () => {
  it.each([
    [{ rows: 1, margins: 2, scores: 3, mask: 4 }, "1|2|3|4"],
    [{ rows: 0, margins: 0, scores: 0, mask: 0 }, "0|0|0|0"],
  ])("keys %o as %s", (v, key) => expect(rowNumbersKey(v)).toBe(key));
});

describe("createTableRows", () => {
  it("keeps the visible rows as set", () => {
    const t = createTableRows();
    expect(t.visible()).toEqual([]);
    t.setVisible([5, 3, 9]);
    expect(t.visible()).toEqual([5, 3, 9]);
  });

  it("hands out primed numbers for their key only, and keeps the newest key alone", () => {
    const t = createTableRows();
    expect(t.primed("1|1|1|1")).toBeNull();
    t.prime("1|1|1|1", [numbers(5, 0.5), numbers(3, 0.25)]);
    expect(t.primed("1|1|1|1")?.get(3)?.mAp).toBe(0.25);
    expect(t.primed("1|1|1|2")).toBeNull();
    t.prime("1|1|1|2", [numbers(5, 0.75)]);
    expect(t.primed("1|1|1|1")).toBeNull();
    expect([...t.primed("1|1|1|2")!.keys()]).toEqual([5]);
  });
});
