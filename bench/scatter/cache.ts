/**
 * Cached square positions (raster.ts `PointCache`) against transforming every row, `rasterize` alone in Node:
 * `npx tsx bench/scatter/cache.ts [--n 1e6] [--width 800] [--height 600] [--reps 15]`. Synthetic pairs of page.ts,
 * 2 px points; per density mode: the uncached frame, a selection change and a whole-pixel pan with the cache, a 1.1×
 * zoom about the centre (in and out in turn) without and with the cache (the cache's keyed path at a new scale), and
 * the selection change right after it (cells sorted for the new scale on that frame), all interleaved per repetition
 * in one process so that load drifts hit each alike. Every cached frame is checked equal to the uncached one.
 */
import { cpus, loadavg } from "node:os";
import { createPaletteSet } from "@/lib/scatter/palette";
import type { DensityMode, Viewport } from "@/lib/scatter/protocol";
import { colorDomain, colorIndices, createPointCache, rasterize } from "@/lib/scatter/raster";
import { createTransform, fitExtent, pan, zoomAt } from "@/lib/scatter/viewport";
import { makeData } from "./data";

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
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
const load0 = loadavg();
const rows: string[] = [];
for (const density of ["off", "auto"] as DensityMode[]) {
  const palette = createPaletteSet({ density });
  const cache = createPointCache();
  const frame = new Uint32Array(width * height);
  const check = new Uint32Array(width * height);
  const draw = (target: Uint32Array, mask: Uint8Array, vp: Viewport, cached: boolean) =>
    rasterize(target, width, height, {
      xs: data.xs,
      ys: data.ys,
      colorIndex,
      mask,
      transform: createTransform(vp, width, height),
      pointSizePx: 2,
      palette,
      cache: cached ? cache : undefined,
    });
  const times = {
    uncached: [] as number[],
    selection: [] as number[],
    pan: [] as number[],
    zoomUncached: [] as number[],
    zoom: [] as number[],
    afterZoom: [] as number[],
  };
  const compare = () => {
    for (let p = 0; p < frame.length; p++) if (frame[p] !== check[p]) diff++;
  };
  let view = fit;
  let diff = 0;
  for (let r = -2; r < reps; r++) {
    const mask = r % 2 ? data.maskA : data.maskB;
    let t = performance.now();
    draw(frame, mask, view, false);
    const uncached = performance.now() - t;
    draw(check, mask, view, true);
    t = performance.now();
    draw(check, mask === data.maskA ? data.maskB : data.maskA, view, true);
    const selection = performance.now() - t;
    view = pan(view, width, height, r % 2 ? -8 : 8, r % 2 ? 5 : -5);
    t = performance.now();
    draw(check, mask, view, true);
    const panned = performance.now() - t;
    draw(frame, mask, view, false);
    compare();
    view = zoomAt(view, width, height, width / 2, height / 2, r % 2 ? 1 / 1.1 : 1.1);
    t = performance.now();
    draw(frame, mask, view, false);
    const zoomUncached = performance.now() - t;
    t = performance.now();
    draw(check, mask, view, true);
    const zoomed = performance.now() - t;
    compare();
    const other = mask === data.maskA ? data.maskB : data.maskA;
    t = performance.now();
    draw(check, other, view, true);
    const afterZoom = performance.now() - t;
    draw(frame, other, view, false);
    compare();
    if (r < 0) continue;
    times.uncached.push(uncached);
    times.selection.push(selection);
    times.pan.push(panned);
    times.zoomUncached.push(zoomUncached);
    times.zoom.push(zoomed);
    times.afterZoom.push(afterZoom);
  }
  const u = median(times.uncached);
  const s = median(times.selection);
  const p = median(times.pan);
  const zu = median(times.zoomUncached);
  const z = median(times.zoom);
  const a = median(times.afterZoom);
  const x = (base: number, v: number) => `${v.toFixed(1)} (${(base / v).toFixed(2)}×)`;
  rows.push(
    `| ${density} | ${u.toFixed(1)} | ${x(u, s)} | ${x(u, p)} | ${zu.toFixed(1)} | ${x(zu, z)} | ${x(zu, a)} | ${diff} |`,
  );
}
const la = (l: number[]) => l.map((v) => v.toFixed(2)).join(" / ");
console.log(
  `rasterize, Node ${process.version}, ${n} rows, ${width}×${height} px, 2 px points, half selected, median of ${reps}; ` +
    `${cpus().length} CPUs, load average ${la(load0)} → ${la(loadavg())}\n`,
);
console.log(
  "| density | uncached ms | cached selection ms (speed-up) | cached pan ms (speed-up) | uncached zoom ms | " +
    "cached zoom ms (speed-up) | selection after zoom ms (vs uncached zoom) | pixels differing |",
);
console.log("|---|---|---|---|---|---|---|---|");
for (const r of rows) console.log(r);
