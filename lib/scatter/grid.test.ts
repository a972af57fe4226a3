import { describe, expect, it } from "vitest";
import { createGrid, nearest } from "./grid";
import { createTransform } from "./viewport";

// Data [0, 100]² on a 100×100 px box: px = x, py = 100 - y.
const t = createTransform({ xMin: 0, xMax: 100, yMin: 0, yMax: 100 }, 100, 100);
const xs = new Float64Array([10, 12, 50, 50, 90, NaN, 30]);
const ys = new Float64Array([10, 10, 50, 50, 90, 40, 70]);
const grid = createGrid(xs, ys);

describe("spatial grid", () => {
  it("buckets every finite row once", () => {
    expect(grid.items.length).toBe(6);
    expect(Array.from(grid.items).sort()).toEqual([0, 1, 2, 3, 4, 6]);
    expect(grid.start[grid.start.length - 1]).toBe(6);
  });

  it.each([
    [10, 90, 3, 0],
    [11.5, 90, 3, 1],
    [30, 30, 5, 6],
    [33, 34, 5, 6],
    [36, 30, 5, -1],
    [90, 10, 1, 4],
    [70, 70, 5, -1],
    [-50, -50, 5, -1],
    [500, 500, 5, -1],
  ])("nearest to pixel (%d, %d) within %d px is row %d", (px, py, r, row) => {
    expect(nearest(grid, xs, ys, t, px, py, r)).toBe(row);
  });

  it("breaks exact ties by draw order: selected first, then the later row", () => {
    expect(nearest(grid, xs, ys, t, 50, 50, 2)).toBe(3);
    expect(nearest(grid, xs, ys, t, 50, 50, 2, new Uint8Array([0, 0, 1, 0, 0, 0, 0]))).toBe(2);
  });

  it("follows zoom: the radius is in pixels, not data units", () => {
    // Zoomed 10× on [0, 20]×[0, 20]: rows 0 (10,10) and 1 (12,10) are 10 px apart.
    const zoomed = createTransform({ xMin: 0, xMax: 20, yMin: 0, yMax: 20 }, 200, 200);
    expect(nearest(grid, xs, ys, zoomed, 104, 100, 5)).toBe(0);
    expect(nearest(grid, xs, ys, zoomed, 115, 100, 5)).toBe(1);
    expect(nearest(grid, xs, ys, zoomed, 110, 100, 3)).toBe(-1);
  });

  it("handles no finite rows and a degenerate extent", () => {
    const empty = createGrid(new Float64Array([NaN]), new Float64Array([1]));
    expect(nearest(empty, new Float64Array([NaN]), new Float64Array([1]), t, 0, 0, 100)).toBe(-1);
    const line = new Float64Array([5, 5, 5]);
    const g = createGrid(line, new Float64Array([1, 2, 3]));
    expect(nearest(g, line, new Float64Array([1, 2, 3]), t, 5, 98, 0.5)).toBe(1);
  });

  it("agrees with a brute-force search on random data", () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const n = 5000;
    const rx = Float64Array.from({ length: n }, () => rand() * 100);
    const ry = Float64Array.from({ length: n }, () => rand() * rand() * 100);
    const g = createGrid(rx, ry);
    for (let q = 0; q < 200; q++) {
      const px = rand() * 100;
      const py = rand() * 100;
      let best = -1;
      let bestD = Infinity;
      for (let i = 0; i < n; i++) {
        const d = (rx[i] - px) ** 2 + (100 - ry[i] - py) ** 2;
        if (d <= 9 && (d < bestD || (d === bestD && i > best))) [best, bestD] = [i, d];
      }
      expect(nearest(g, rx, ry, t, px, py, 3)).toBe(best);
    }
  });
});
