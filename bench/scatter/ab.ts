/**
 * Same-process A/B of the rasterizer against an earlier commit's, in Node: `npx tsx bench/scatter/ab.ts --before REV
 * [--n 1e6] [--width 800] [--height 600] [--size 2] [--reps 21]`. lib/scatter at REV is read with git archive into
 * bench/out/scatter-ab/REV (the working tree is left alone) and imported beside this tree's raster.ts; each with its
 * own scene-style cache (`sortWhenIdle`) draws the frames that the issue-10 target times, in turn and in alternating
 * order per repetition, so that load drifts and cache effects hit both alike: a 1.1× zoom about the centre (in and out
 * in turn; a frame at a new scale, keyed), then after an idle sort a half-flip selection (every cell from the cells)
 * and a threshold step (0.5 % of the rows flip: only their cells). Synthetic pairs of page.ts, half selected, density
 * off and auto. Every frame of the two is compared pixel for pixel. Prints medians and minima (ms).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createPaletteSet } from "@/lib/scatter/palette";
import type { DensityMode } from "@/lib/scatter/protocol";
import * as after from "@/lib/scatter/raster";
import { createTransform, fitExtent, zoomAt } from "@/lib/scatter/viewport";
import { makeData, thresholdMasks } from "./data";
import { root } from "./serve";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const before = arg("before", "");
if (!before) throw new Error("--before REV is required");
const n = Number(arg("n", "1e6"));
const width = Number(arg("width", "800"));
const height = Number(arg("height", "600"));
const size = Number(arg("size", "2"));
const reps = Number(arg("reps", "21"));

const dir = path.join(root, "bench/out/scatter-ab", before.replace(/[^\w.-]/g, "_"));
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
execFileSync("tar", ["-x", "-C", dir], {
  input: execFileSync("git", ["archive", before, "lib/scatter"], { cwd: root }),
});
const old = (await import(pathToFileURL(path.join(dir, "lib/scatter/raster.ts")).href)) as typeof after;

const data = makeData(n);
const colorIndex = after.colorIndices(data.color, after.colorDomain(data.color));
const steps = thresholdMasks(data.color, 4);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
const load0 = loadavg();
const rows: string[] = [];
for (const density of ["off", "auto"] as DensityMode[]) {
  const palette = createPaletteSet({ density });
  const sides = [
    { name: "before", r: old, cache: old.createPointCache({ sortWhenIdle: true }) },
    { name: "after", r: after, cache: after.createPointCache({ sortWhenIdle: true }) },
  ];
  const pixels = sides.map(() => new Uint32Array(width * height));
  const times: Record<string, number[]> = {};
  let view = fitExtent(data.xs, data.ys);
  let diff = 0;
  const frame = (s: number, mask: Uint8Array) => {
    const { r, cache } = sides[s];
    const input = {
      xs: data.xs,
      ys: data.ys,
      colorIndex,
      mask,
      transform: createTransform(view, width, height),
      pointSizePx: size,
      palette,
      cache,
    };
    return { input, draw: () => r.rasterize(pixels[s], width, height, input) };
  };
  const timed = (label: string, mask: Uint8Array, order: number[], keep: boolean) => {
    for (const s of order) {
      const { draw } = frame(s, mask);
      const t = performance.now();
      draw();
      if (keep) (times[`${label} ${sides[s].name}`] ??= []).push(performance.now() - t);
    }
    for (let p = 0; p < pixels[0].length; p++) if (pixels[0][p] !== pixels[1][p]) diff++;
  };
  for (let rep = -2; rep < reps; rep++) {
    const order = rep % 2 ? [0, 1] : [1, 0];
    const keep = rep >= 0;
    view = zoomAt(view, width, height, width / 2, height / 2, rep % 2 ? 1 / 1.1 : 1.1);
    timed("zoom", data.maskA, order, keep);
    for (const s of order) {
      const { r, cache } = sides[s];
      const { input, draw } = frame(s, data.maskA);
      while (r.prepareCache(cache, width, height, input, () => false));
      draw();
    }
    timed("half flip", data.maskB, order, keep);
    timed("step start", steps[0], order, false);
    timed("step", steps[1], order, keep);
  }
  const m = (k: string) => `${median(times[k]).toFixed(2)} (min ${Math.min(...times[k]).toFixed(2)})`;
  for (const label of ["zoom", "half flip", "step"])
    rows.push(`| ${density} | ${label} | ${m(`${label} before`)} | ${m(`${label} after`)} | ${diff} |`);
}
const la = (l: number[]) => l.map((v) => v.toFixed(2)).join(" / ");
console.log(
  `rasterize, Node ${process.version}, ${n} rows, ${width}×${height} px, ${size} px points, half selected, ` +
    `${reps} repetitions; ${cpus().length} CPUs, load average ${la(load0)} → ${la(loadavg())}\n`,
);
console.log(`| density | frame | before (${before}) ms, median (min) | after (this tree) ms | pixels differing |`);
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(r);
