/**
 * Cached square positions (raster.ts `PointCache`) against transforming every row, `rasterize` alone in Node:
 * `npx tsx bench/scatter/cache.ts [--n 1e6] [--width 800] [--height 600] [--reps 15]`. Synthetic pairs of page.ts,
 * 2 px points; per density mode: the uncached frame, a selection change and a whole-pixel pan with the cache, all
 * interleaved per repetition in one process so that load drifts hit each alike. Frames are checked equal.
 */
import { cpus, loadavg } from "node:os";
import { createPaletteSet } from "@/lib/scatter/palette";
import type { DensityMode, Viewport } from "@/lib/scatter/protocol";
import { colorDomain, colorIndices, createPointCache, rasterize } from "@/lib/scatter/raster";
import { createTransform, fitExtent, pan } from "@/lib/scatter/viewport";
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
  const times = { uncached: [] as number[], selection: [] as number[], pan: [] as number[] };
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
    for (let p = 0; p < frame.length; p++) if (frame[p] !== check[p]) diff++;
    if (r < 0) continue;
    times.uncached.push(uncached);
    times.selection.push(selection);
    times.pan.push(panned);
  }
  const u = median(times.uncached);
  const s = median(times.selection);
  const p = median(times.pan);
  rows.push(
    `| ${density} | ${u.toFixed(1)} | ${s.toFixed(1)} (${(u / s).toFixed(2)}×) | ${p.toFixed(1)} (${(u / p).toFixed(2)}×) | ${diff} |`,
  );
}
const la = (l: number[]) => l.map((v) => v.toFixed(2)).join(" / ");
console.log(
  `rasterize, Node ${process.version}, ${n} rows, ${width}×${height} px, 2 px points, half selected, median of ${reps}; ` +
    `${cpus().length} CPUs, load average ${la(load0)} → ${la(loadavg())}\n`,
);
console.log("| density | uncached ms | cached selection ms (speed-up) | cached pan ms (speed-up) | pixels differing |");
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(r);
