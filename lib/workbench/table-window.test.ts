import { describe, expect, it } from "vitest";
import { scrollTopForIndex, tableWindow, virtualOffset, type TableGeometry } from "./table-window";

const geometry = (rowCount: number, maxBodyHeightPx = 1e9): TableGeometry => ({
  rowCount,
  rowHeightPx: 30,
  viewportHeightPx: 390,
  overscan: 10,
  maxBodyHeightPx,
});

describe("tableWindow, unscaled", () => {
  it.each<[number, number, number, number]>([
    // scrollTop, first, last, padTop
    [0, 0, 23, 0],
    [15, 0, 24, 0],
    [150 * 30, 140, 173, 140 * 30],
    [4610, 143, 177, 143 * 30],
  ])("scrollTop %i → rows %i..%i, padTop %i", (scrollTop, first, last, padTop) => {
    const w = tableWindow(scrollTop, geometry(1000));
    expect(w).toMatchObject({ first, last, padTopPx: padTop, bodyHeightPx: 30_000 });
    expect(w.padTopPx + (w.last - w.first) * 30 + w.padBottomPx).toBe(30_000);
  });

  it("the end shows the last row with no space under it", () => {
    const w = tableWindow(30_000 - 390, geometry(1000));
    expect(w.last).toBe(1000);
    expect(w.padBottomPx).toBe(0);
  });

  it("an empty table renders nothing", () => {
    expect(tableWindow(100, geometry(0))).toEqual({ first: 0, last: 0, padTopPx: 0, padBottomPx: 0, bodyHeightPx: 0 });
  });
});

describe("tableWindow, scaled past the height cap", () => {
  const g = geometry(1_000_000, 15_000_000);
  const maxScroll = 15_000_000 - 390;

  it.each([0, 1, 29, 1000, 7_500_000, maxScroll - 1, maxScroll])(
    "scrollTop %i: the body keeps its capped height and the rows on screen are the virtual offset's",
    (scrollTop) => {
      const w = tableWindow(scrollTop, g);
      expect(w.bodyHeightPx).toBe(15_000_000);
      expect(w.padTopPx + (w.last - w.first) * 30 + w.padBottomPx).toBeCloseTo(15_000_000, 6);
      const topRow = Math.floor(virtualOffset(scrollTop, g) / 30);
      expect(w.first).toBeLessThanOrEqual(topRow);
      // The top visible row is laid out where the viewport starts (within one row).
      const laidOut = w.padTopPx + (topRow - w.first) * 30;
      expect(Math.abs(laidOut - scrollTop)).toBeLessThan(30);
      expect(w.last).toBeGreaterThanOrEqual(Math.min(1_000_000, topRow + 13));
    },
  );

  it("the end of the scrollbar is the last row, the middle the middle", () => {
    const end = tableWindow(maxScroll, g);
    expect(end.last).toBe(1_000_000);
    expect(end.padBottomPx).toBeCloseTo(0, 6);
    expect(Math.floor(virtualOffset(maxScroll / 2, g) / 30)).toBe(Math.floor((1_000_000 * 30 - 390) / 2 / 30));
  });
});

describe("scrollTopForIndex", () => {
  it.each<[number, number, number]>([
    // index, from scrollTop, to scrollTop
    [5, 0, 0],
    [12, 0, 0],
    [13, 0, 30],
    [100, 0, 100 * 30 + 30 - 390],
    [3, 300, 90],
  ])("row position %i from scrollTop %i → %i", (index, from, to) => {
    expect(scrollTopForIndex(index, from, geometry(1000))).toBe(to);
  });

  it("scaled: the position found shows the row", () => {
    const g = geometry(1_000_000, 15_000_000);
    for (const index of [0, 123_456, 999_999]) {
      const s = scrollTopForIndex(index, 0, g);
      const v = virtualOffset(s, g);
      expect(index * 30).toBeGreaterThanOrEqual(v - 1e-6);
      expect(index * 30 + 30).toBeLessThanOrEqual(v + 390 + 1e-6);
    }
  });
});
