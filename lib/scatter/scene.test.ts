import { describe, expect, it } from "vitest";
import { applyPatch, createScatterHandlers } from "./handlers";
import { IDLE_DELAY_MS, type IdleScheduler } from "./idle";
import { createPaletteSet, DEFAULT_BACKGROUND } from "./palette";
import type { DensityMode, SceneView } from "./protocol";
import { colorDomain, colorIndices, rasterize } from "./raster";
import { ScatterScene, type PixelTarget } from "./scene";
import { createTransform, zoomAt } from "./viewport";

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

describe("idle cell sort", () => {
  // 5000 rows of a cloud over the plot, some NaN; two selections.
  function cloud() {
    let seed = 3;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    const n = 5000;
    const xs = Float64Array.from({ length: n }, (_, i) => (i % 97 === 0 ? NaN : rand() * 10));
    const ys = Float64Array.from({ length: n }, () => rand() * 10);
    const color = Float64Array.from({ length: n }, () => rand());
    const masks = [0.5, 0.2].map((p) => Uint8Array.from(xs, () => (rand() < p ? 1 : 0)));
    return { xs, ys, color, masks };
  }
  const plot: SceneView = { ...view, widthCss: 40, heightCss: 30, pixelRatio: 1, pointSizeCss: 2 };
  const zoomed: SceneView = { ...plot, viewport: zoomAt(plot.viewport, 40, 30, 12, 9, 1.1) };

  /** The plain loops' frame of the same state (no cache), as ImageData bytes would hold it. */
  function expected(data: ReturnType<typeof cloud>, mask: Uint8Array, v: SceneView, density: DensityMode) {
    const pixels = new Uint32Array(v.widthCss * v.heightCss);
    rasterize(pixels, v.widthCss, v.heightCss, {
      xs: data.xs,
      ys: data.ys,
      colorIndex: colorIndices(data.color, colorDomain(data.color)),
      mask,
      transform: createTransform(v.viewport, v.widthCss, v.heightCss),
      pointSizePx: v.pointSizeCss,
      palette: createPaletteSet({ density }),
    });
    return Array.from(pixels);
  }

  it.each<DensityMode>(["off", "auto", "on"])(
    "the scene sorts for the view's scale only when asked, in slices; frames stay the plain loops' (%s)",
    (density) => {
      const data = cloud();
      const scene = new ScatterScene({ density }, { sortWhenIdle: true });
      scene.setData(data.xs, data.ys);
      scene.setColor(data.color);
      const { target, frames } = fakeTarget();
      const frame = (mask: Uint8Array, v: SceneView) => {
        scene.setMask(mask);
        scene.setView(v);
        scene.render(target, createImage);
        return Array.from(new Uint32Array(frames[frames.length - 1].data.buffer));
      };
      for (const [mask, v] of [
        [data.masks[0], plot],
        [data.masks[1], plot],
        [data.masks[0], zoomed],
      ] as const)
        expect(frame(mask, v)).toEqual(expected(data, mask, v, density));
      // Work to do for the zoom's scale: 5000 rows in slices of 1000, two passes (the last slice finishes).
      let slices = 1;
      while (scene.idleWork(() => true, 1000)) slices++;
      expect(slices).toBe(10);
      expect(scene.idleWork(() => true, 1000)).toBe(false);
      // The selection change draws from the cells and leaves nothing to sort.
      expect(frame(data.masks[1], zoomed)).toEqual(expected(data, data.masks[1], zoomed, density));
      expect(scene.idleWork(() => true, 1000)).toBe(false);
      // A frame at a new scale in the middle of a sort drops it; the next idle work starts for the new scale.
      const again: SceneView = { ...zoomed, viewport: zoomAt(zoomed.viewport, 40, 30, 30, 3, 1 / 1.1) };
      frame(data.masks[0], again);
      expect(scene.idleWork(() => true, 1000)).toBe(true);
      const third: SceneView = { ...again, viewport: zoomAt(again.viewport, 40, 30, 5, 5, 1.1) };
      expect(frame(data.masks[1], third)).toEqual(expected(data, data.masks[1], third, density));
      slices = 1;
      while (scene.idleWork(() => true, 1000)) slices++;
      expect(slices).toBe(10);
      expect(frame(data.masks[0], third)).toEqual(expected(data, data.masks[0], third, density));
    },
  );

  it("the worker's handlers sort once no frame has come for a while, a slice per task, and stop for a frame", async () => {
    const data = cloud();
    // A clock that moves 5 ms each time it is read: every slice (4 ms) yields after its first checkpoint.
    let clock = 0;
    const queue: { at: number; run: () => void; id: number }[] = [];
    let ids = 0;
    const scheduler: IdleScheduler = {
      later(run, delayMs) {
        const task = { at: clock + delayMs, run, id: ids++ };
        queue.push(task);
        return () => queue.splice(queue.indexOf(task), 1);
      },
      now: () => (clock += 5),
    };
    /** Runs the queued tasks due within `ms` (the clock at each one's time); returns how many ran. */
    const advance = (ms: number) => {
      const end = clock + ms;
      let ran = 0;
      for (let t = queue.find((q) => q.at <= end); t; t = queue.find((q) => q.at <= end)) {
        queue.splice(queue.indexOf(t), 1);
        clock = Math.max(clock, t.at);
        t.run();
        ran++;
      }
      clock = Math.max(clock, end);
      return ran;
    };
    const frames: number[][] = [];
    const target: PixelTarget = {
      canvas: { width: 0, height: 0 },
      putImageData: (img) => frames.push(Array.from(new Uint32Array(img.data.buffer))),
    };
    const h = createScatterHandlers(createImage, () => target, scheduler);
    const ctx = { progress: () => {}, transfer: [] };
    h.init({ canvas: {} as OffscreenCanvas }, ctx);
    await h.update({ data: { xs: data.xs, ys: data.ys }, color: data.color, mask: data.masks[0], view: plot }, ctx);
    // The first frame: the idle sort waits out its quiet period.
    expect(advance(IDLE_DELAY_MS - 1)).toBe(0);
    await h.update({ view: zoomed }, ctx);
    expect(queue).toHaveLength(1);
    // 5000 rows fit one slice of rows per pass: two tasks, the second finishing the sort.
    expect(advance(IDLE_DELAY_MS)).toBe(1);
    expect(queue).toHaveLength(1);
    expect(advance(0)).toBe(1);
    expect(queue).toHaveLength(0);
    await h.update({ mask: data.masks[1] }, ctx);
    // Nothing left to sort for this scale: one task that finds the cells fit.
    expect(advance(IDLE_DELAY_MS)).toBe(1);
    expect(frames).toEqual([
      expected(data, data.masks[0], plot, "auto"),
      expected(data, data.masks[0], zoomed, "auto"),
      expected(data, data.masks[1], zoomed, "auto"),
    ]);
    // A frame while the sort for a new scale is under way: its remaining slice waits for the next quiet period.
    const again: SceneView = { ...zoomed, viewport: zoomAt(zoomed.viewport, 40, 30, 30, 3, 2) };
    await h.update({ view: again }, ctx);
    expect(advance(IDLE_DELAY_MS)).toBe(1);
    expect(queue).toHaveLength(1);
    await h.update({ mask: data.masks[0] }, ctx);
    expect(queue).toHaveLength(1);
    expect(queue[0].at).toBe(clock + IDLE_DELAY_MS);
    expect(advance(IDLE_DELAY_MS - 1)).toBe(0);
    expect(advance(1)).toBe(1);
    expect(advance(0)).toBe(0);
    expect(frames.slice(3)).toEqual([
      expected(data, data.masks[1], again, "auto"),
      expected(data, data.masks[0], again, "auto"),
    ]);
  });
});
