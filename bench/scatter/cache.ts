/**
 * The scene's accelerated frames (raster.ts `PointCache`: cells at a kept scale, keyed frames at a new one) against
 * the plain loops that transform every row and write every square (the reference, and the baseline), `rasterize`
 * alone in Node: `npx tsx bench/scatter/cache.ts [--n 1e6] [--width 800] [--height 600] [--reps 15]`. Synthetic pairs
 * of page.ts, 2 px points; per density mode and repetition, interleaved in one process so that load drifts hit each
 * alike: the plain frame; a selection change and a whole-pixel pan from cells; a 1.1× zoom about the centre (in and
 * out in turn) plain and keyed; the selection change right after it, with a cache that sorts on that frame (the
 * renderer before idle sorting) and with the scene's (`sortWhenIdle`: keyed again); then the idle sort itself
 * (`prepareCache`, not part of any frame). Then a threshold step: the colour threshold moved so that 0.5 % of the rows
 * change sides (a dragged ratio or handle), from cells with the last frame's per-cell values kept (only the cells of
 * flipped rows recomputed) and, as its baseline, with them dropped (every cell, the renderer before that). Every
 * accelerated frame is checked equal to the plain one, pixel for pixel.
 */
import { cpus, loadavg } from "node:os";
import { createPaletteSet } from "@/lib/scatter/palette";
import type { DensityMode, Viewport } from "@/lib/scatter/protocol";
import {
  colorDomain,
  colorIndices,
  createPointCache,
  forgetCellFrame,
  prepareCache,
  rasterize,
  type PointCache,
  type RasterInput,
} from "@/lib/scatter/raster";
import { createTransform, fitExtent, pan, zoomAt } from "@/lib/scatter/viewport";
import { makeData, thresholdMasks } from "./data";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const n = Number(arg("n", "1e6"));
const width = Number(arg("width", "800"));
const height = Number(arg("height", "600"));
const reps = Number(arg("reps", "15"));

const data = makeData(n);
const colorIndex = colorIndices(data.color, colorDomain(data.color));
const fit = fitExtent(data.xs, data.ys);
const stepMasks = thresholdMasks(data.color);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
const load0 = loadavg();
const rows: string[] = [];
for (const density of ["off", "auto"] as DensityMode[]) {
  const palette = createPaletteSet({ density });
  // The scene's cache (sorted when idle) and one that sorts on the second frame at a scale (before idle sorting).
  const scene = createPointCache({ sortWhenIdle: true });
  const eager = createPointCache();
  const frame = new Uint32Array(width * height);
  const check = new Uint32Array(width * height);
  const input = (mask: Uint8Array, vp: Viewport): RasterInput => ({
    xs: data.xs,
    ys: data.ys,
    colorIndex,
    mask,
    transform: createTransform(vp, width, height),
    pointSizePx: 2,
    palette,
  });
  let diff = 0;
  /** Draws into `check` (with `cache`) or `frame` (plain, then compared with `check`); returns the time taken. */
  const timed = (mask: Uint8Array, vp: Viewport, cache?: PointCache) => {
    const t = performance.now();
    rasterize(cache ? check : frame, width, height, { ...input(mask, vp), cache });
    const ms = performance.now() - t;
    if (!cache) for (let p = 0; p < frame.length; p++) if (frame[p] !== check[p]) diff++;
    return ms;
  };
  const times: Record<string, number[]> = {
    plain: [],
    selection: [],
    pan: [],
    zoomPlain: [],
    zoom: [],
    afterZoomEager: [],
    afterZoom: [],
    idleSort: [],
    stepFull: [],
    stepKept: [],
  };
  let view = fit;
  for (let r = -2; r < reps; r++) {
    const mask = r % 2 ? data.maskA : data.maskB;
    const other = mask === data.maskA ? data.maskB : data.maskA;
    const t: Record<string, number> = {};
    // Cells for this scale come from the previous repetition's idle sort (or the one below, on the first).
    while (prepareCache(scene, width, height, input(mask, view), () => false));
    t.selection = timed(mask, view, scene);
    t.plain = timed(mask, view);
    view = pan(view, width, height, r % 2 ? -8 : 8, r % 2 ? 5 : -5);
    t.pan = timed(mask, view, scene);
    timed(mask, view);
    view = zoomAt(view, width, height, width / 2, height / 2, r % 2 ? 1 / 1.1 : 1.1);
    t.zoom = timed(mask, view, scene);
    t.zoomPlain = timed(mask, view);
    timed(other, view, eager);
    t.afterZoomEager = timed(mask, view, eager);
    timed(mask, view);
    t.afterZoom = timed(other, view, scene);
    timed(other, view);
    const s = performance.now();
    while (prepareCache(scene, width, height, input(other, view), () => false));
    t.idleSort = performance.now() - s;
    // Threshold steps at the view's scale, from the cells sorted just above: forward with the per-cell frame kept,
    // back with it dropped before each frame, the two interleaved.
    timed(stepMasks[0], view, scene);
    const kept: number[] = [];
    const full: number[] = [];
    for (let k = 1; k < stepMasks.length; k++) {
      kept.push(timed(stepMasks[k], view, scene));
      timed(stepMasks[k], view);
    }
    for (let k = stepMasks.length - 2; k >= 0; k--) {
      forgetCellFrame(scene);
      full.push(timed(stepMasks[k], view, scene));
      timed(stepMasks[k], view);
    }
    t.stepKept = median(kept);
    t.stepFull = median(full);
    if (r >= 0) for (const k of Object.keys(times)) times[k].push(t[k]);
  }
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  const x = (base: number, v: number) => `${v.toFixed(1)} (${(base / v).toFixed(2)}×)`;
  rows.push(
    `| ${density} | ${m.plain.toFixed(1)} | ${x(m.plain, m.selection)} | ${x(m.plain, m.pan)} | ` +
      `${m.zoomPlain.toFixed(1)} | ${x(m.zoomPlain, m.zoom)} | ${m.afterZoomEager.toFixed(1)} | ` +
      `${x(m.afterZoomEager, m.afterZoom)} | ${m.idleSort.toFixed(1)} | ${m.stepFull.toFixed(1)} | ` +
      `${x(m.stepFull, m.stepKept)} | ${diff} |`,
  );
}
const la = (l: number[]) => l.map((v) => v.toFixed(2)).join(" / ");
console.log(
  `rasterize, Node ${process.version}, ${n} rows, ${width}×${height} px, 2 px points, half selected, median of ${reps}; ` +
    `${cpus().length} CPUs, load average ${la(load0)} → ${la(loadavg())}\n`,
);
console.log(
  "| density | plain ms | selection from cells ms (× plain) | pan from cells ms (× plain) | plain zoom ms | " +
    "keyed zoom ms (× plain) | selection after a zoom, sorting on the frame ms | " +
    "selection after a zoom, keyed ms (× sorting) | idle sort ms (off the frames) | " +
    "threshold step, every cell ms | threshold step, flipped cells only ms (× every cell) | pixels differing |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
for (const r of rows) console.log(r);
