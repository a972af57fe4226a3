import { describe, expect, it } from "vitest";
import { applyPatch, createScatterHandlers } from "./handlers";
import { DEFAULT_BACKGROUND } from "./palette";
import type { SceneView } from "./protocol";
import { ScatterScene, type PixelTarget } from "./scene";

/** ImageData stand-in for Node (no canvas there). */
const createImage = (w: number, h: number) =>
  ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4), colorSpace: "srgb" }) as ImageData;

function fakeTarget() {
  const frames: ImageData[] = [];
  const target: PixelTarget = { canvas: { width: 0, height: 0 }, putImageData: (img) => frames.push(img) };
  return { target, frames };
}

const view: SceneView = {
  viewport: { xMin: 0, xMax: 10, yMin: 0, yMax: 10 },
  widthCss: 10,
  heightCss: 10,
  pixelRatio: 2,
  pointSizeCss: 1,
};

describe("ScatterScene", () => {
  it("renders at device pixels and picks in CSS pixels", () => {
    const scene = new ScatterScene();
    scene.setData(new Float64Array([2.5, 7.5, NaN]), new Float64Array([7.5, 2.5, 1]));
    scene.setColor(new Float64Array([0, 1, 0.5]));
    scene.setMask(new Uint8Array([1, 0, 1]));
    scene.setView(view);
    const { target, frames } = fakeTarget();
    const r = scene.render(target, createImage);
    expect(target.canvas).toEqual({ width: 20, height: 20 });
    expect(r).toMatchObject({ drawn: 2, skippedNaN: 1, outside: 0, rowCount: 3 });
    expect(r.colorDomain![0]).toBeCloseTo(0.01, 9);
    const pixels = new Uint32Array(frames[0].data.buffer);
    // (2.5, 7.5) → device pixel (5, 5); 2×2 square (1 CSS px at ratio 2) spans columns/rows 4..5.
    expect(pixels[5 * 20 + 5]).not.toBe(DEFAULT_BACKGROUND);
    expect(pixels[4 * 20 + 4]).not.toBe(DEFAULT_BACKGROUND);
    expect(pixels[0]).toBe(DEFAULT_BACKGROUND);
    expect(scene.pick(2.5, 2.5, 2)).toEqual({ row: 0, x: 2.5, y: 7.5, color: 0, selected: true });
    expect(scene.pick(7, 7.5, 2)).toMatchObject({ row: 1, selected: false });
    expect(scene.pick(5, 5, 1)).toBeNull();
  });

  it.each([
    [undefined, true],
    ["auto", true],
    ["on", true],
    ["off", false],
  ] as const)("density %s from a palette patch shades a dense frame: %s", (density, shaded) => {
    const scene = new ScatterScene();
    // 1000 rows on one data point: 2×2 device px squares stacked 1000 deep on a 20×20 device px plot.
    applyPatch(scene, {
      data: { xs: new Float64Array(1000).fill(5), ys: new Float64Array(1000).fill(5) },
      color: new Float64Array(1000).fill(1),
      palette: density ? { density } : {},
      view,
    });
    const { target } = fakeTarget();
    expect(scene.render(target, createImage)).toMatchObject({
      drawn: 1000,
      density: shaded,
      maxCount: shaded ? 1000 : 0,
    });
  });

  it("drops a mask whose length does not match the data", () => {
    const scene = new ScatterScene();
    scene.setData(new Float64Array([1]), new Float64Array([1]));
    scene.setMask(new Uint8Array([1, 0]));
    scene.setView(view);
    expect(scene.pick(1, 9, 1)).toMatchObject({ row: 0, selected: true, color: NaN });
  });
});

describe("scatter worker handlers", () => {
  it("draw into the transferred canvas and answer picks with the query's view", async () => {
    const { target, frames } = fakeTarget();
    const h = createScatterHandlers(createImage, () => target);
    const ctx = { progress: () => {}, transfer: [] };
    await expect(Promise.resolve().then(() => h.update({ view }, ctx))).rejects.toMatchObject({ code: "not-ready" });
    expect(h.init({ canvas: {} as OffscreenCanvas }, ctx)).toBeNull();
    const r = await h.update(
      { data: { xs: new Float64Array([5]), ys: new Float64Array([5]) }, color: new Float64Array([1]), view },
      ctx,
    );
    expect(r).toMatchObject({ drawn: 1, rowCount: 1 });
    expect(frames.length).toBe(1);
    const mask = await h.update({ mask: new Uint8Array([0]) }, ctx);
    expect(mask.drawn).toBe(1);
    const zoomed: SceneView = { ...view, viewport: { xMin: 4, xMax: 6, yMin: 4, yMax: 6 } };
    expect(await h.pick({ xCss: 5, yCss: 5, radiusCss: 1, view: zoomed }, ctx)).toMatchObject({
      row: 0,
      selected: false,
    });
    expect(await h.pick({ xCss: 0, yCss: 0, radiusCss: 1, view: zoomed }, ctx)).toBeNull();
  });
});
