import { describe, expect, it } from "vitest";
import {
  createTransform,
  dataToPixel,
  finiteExtent,
  resolveViewport,
  fitExtent,
  formatTick,
  niceTicks,
  pan,
  pixelToData,
  zoomAt,
} from "./viewport";
import type { Viewport } from "./protocol";

const vp: Viewport = { xMin: -2, xMax: 2, yMin: 0, yMax: 10 };

describe("transforms", () => {
  it.each([
    [-2, 10, 0, 0],
    [2, 0, 400, 200],
    [0, 5, 200, 100],
    [1, 2.5, 300, 150],
  ])("data (%d, %d) → pixel (%d, %d) in 400×200", (x, y, px, py) => {
    const t = createTransform(vp, 400, 200);
    const [gx, gy] = dataToPixel(t, x, y);
    expect(gx).toBeCloseTo(px, 9);
    expect(gy).toBeCloseTo(py, 9);
    const [bx, by] = pixelToData(t, px, py);
    expect(bx).toBeCloseTo(x, 9);
    expect(by).toBeCloseTo(y, 9);
  });
});

describe("fitExtent", () => {
  it("pads the finite extent and ignores NaN and infinities", () => {
    const xs = new Float64Array([0, 10, NaN, 5, Infinity]);
    const ys = new Float64Array([-1, 1, 100, NaN, 3]);
    // Rows 2-4 drop out: x extent [0, 10], y extent [-1, 1].
    expect(fitExtent(xs, ys, 0.1)).toEqual({ xMin: -1, xMax: 11, yMin: -1.2, yMax: 1.2 });
  });

  it("widens a degenerate range and an empty one", () => {
    expect(fitExtent(new Float64Array([3, 3]), new Float64Array([0, 0]), 0)).toEqual({
      xMin: 2.7,
      xMax: 3.3,
      yMin: -1,
      yMax: 1,
    });
    expect(fitExtent(new Float64Array([NaN]), new Float64Array([1]), 0)).toEqual({
      xMin: -1,
      xMax: 1,
      yMin: -1,
      yMax: 1,
    });
  });

  it("finiteExtent", () => {
    expect(finiteExtent([NaN, 4, -2, Infinity])).toEqual([-2, 4]);
    expect(finiteExtent([NaN])).toBeNull();
  });
});

describe("zoomAt and pan", () => {
  it.each([
    [100, 50, 2],
    [0, 0, 0.5],
    [399, 199, 3.7],
    [250, 10, 1.1],
  ])("keeps the data point under pixel (%d, %d) in place when zooming by %d", (px, py, factor) => {
    const before = pixelToData(createTransform(vp, 400, 200), px, py);
    const next = zoomAt(vp, 400, 200, px, py, factor);
    const after = pixelToData(createTransform(next, 400, 200), px, py);
    expect(after[0]).toBeCloseTo(before[0], 9);
    expect(after[1]).toBeCloseTo(before[1], 9);
    expect(next.xMax - next.xMin).toBeCloseTo(4 / factor, 9);
    expect(next.yMax - next.yMin).toBeCloseTo(10 / factor, 9);
  });

  it("stops zooming in before float64 runs out", () => {
    const tiny = { xMin: 1, xMax: 1 + 1e-13, yMin: 1, yMax: 1 + 1e-13 };
    expect(zoomAt(tiny, 100, 100, 50, 50, 2)).toBe(tiny);
  });

  it("pans so that content follows the drag", () => {
    // Dragging right by 100 px of 400 moves the view left by a quarter of its 4-unit width.
    const next = pan(vp, 400, 200, 100, -20);
    expect(next).toEqual({ xMin: -3, xMax: 1, yMin: -1, yMax: 9 });
    const t = createTransform(next, 400, 200);
    expect(dataToPixel(t, 0, 5)).toEqual([300, 80]);
  });
});

describe("niceTicks", () => {
  it.each([
    [0, 10, 5, [0, 2, 4, 6, 8, 10]],
    [-1, 1, 4, [-1, -0.5, 0, 0.5, 1]],
    [0.1, 0.35, 5, [0.1, 0.15, 0.2, 0.25, 0.3, 0.35]],
    [-3.7, 12.2, 5, [0, 5, 10]],
    [0.0012, 0.0031, 4, [0.0015, 0.002, 0.0025, 0.003]],
    [1000, 9000, 4, [2000, 4000, 6000, 8000]],
    [5, 5, 5, [5]],
  ])("ticks of [%d, %d] ~%d", (lo, hi, count, expected) => {
    expect(niceTicks(lo, hi, count)).toEqual(expected);
  });

  it.each([
    [0.5, 0.5, "0.5"],
    [2, 1, "2"],
    [0.25, 0.05, "0.25"],
    [2500000, 500000, "2.5e+6"],
    [0, 0.1, "0"],
  ])("formatTick(%d, step %d) = %s", (v, step, label) => {
    expect(formatTick(v, step)).toBe(label);
  });
});

describe("resolveViewport (a scoring run must not re-fit a zoomed scatter)", () => {
  const before = fitExtent([0, 1, 2], [0, 1, 2]);
  // New margins arrive: the data's extent grows.
  const after = fitExtent([0, 1, 2, 50], [0, 1, 2, -40]);
  it.each([
    ["zoomed on both axes", [0.5, 1.5] as [number, number], [0.2, 0.8] as [number, number]],
    ["zoomed on x only", [0.5, 1.5] as [number, number], null],
  ])("%s: the user's ranges stay", (_name, x, y) => {
    const a = resolveViewport(before, x, y);
    const b = resolveViewport(after, x, y);
    expect([b.xMin, b.xMax]).toEqual(x);
    expect([a.xMin, a.xMax]).toEqual([b.xMin, b.xMax]);
    if (y) expect([b.yMin, b.yMax]).toEqual(y);
    else expect([b.yMin, b.yMax]).toEqual([after.yMin, after.yMax]);
  });
  it("not zoomed: follows the data", () => {
    expect(resolveViewport(after, null, null)).toEqual(after);
  });
});
