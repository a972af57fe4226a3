/**
 * Scatter benchmark: bundles bench/scatter/page.ts and workers/scatter.worker.ts with esbuild into
 * bench/out/scatter/, serves them from a tiny static server, drives Debian's Chromium with Playwright and
 * prints a markdown table. Usage: `npx tsx bench/scatter/run.ts [--n 1e4,1e5,1e6] [--modes worker,main,webgl]
 * [--density auto,off,on]` (density: the raster renderers' shading, one configuration each; default auto).
 */
import { chromium } from "@playwright/test";
import type { DensityMode } from "@/lib/scatter/protocol";
import type { BenchConfig, BenchMode, BenchResult } from "./page";
import { bundle, chromiumLaunch, serve } from "./serve";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const sizes = arg("n", "1e4,1e5,1e6").split(",").map(Number);
const modes = arg("modes", "worker,main,webgl").split(",") as BenchMode[];
const reps = Number(arg("reps", "5"));
const densities = arg("density", "auto").split(",") as DensityMode[];

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

async function main(): Promise<void> {
  await bundle();
  const server = await serve();
  const browser = await chromium.launch(chromiumLaunch);
  const results: BenchResult[] = [];
  try {
    for (const n of sizes) {
      // WebGL has no density shading: one configuration; the raster renderers one per density.
      const configs = modes.flatMap((mode): { mode: BenchMode; density: DensityMode }[] =>
        mode === "webgl" ? [{ mode, density: "auto" }] : densities.map((density) => ({ mode, density })),
      );
      for (const { mode, density } of configs) {
        // A fresh page per configuration: no heap or worker left over from the previous one.
        const page = await browser.newPage({ viewport: { width: 900, height: 700 }, deviceScaleFactor: 1 });
        page.on("pageerror", (e) => console.error(`[page] ${e.message}`));
        await page.goto(server.url);
        await page.waitForFunction(() => "scatterBench" in window);
        const config: BenchConfig = { n, mode, reps, warmup: 2, density };
        const r = await page.evaluate(
          (c) =>
            (window as unknown as { scatterBench: { run(c: BenchConfig): Promise<BenchResult> } }).scatterBench.run(c),
          config,
        );
        results.push(r);
        console.error(
          `${mode} n=${n}: first ${fmt(r.firstMs)} ms, selection ${fmt(median(r.selectionMs))} ms, pan ${fmt(median(r.panMs))} ms`,
        );
        await page.close();
      }
    }
  } finally {
    await browser.close();
    server.close();
  }

  const version = (await import("@playwright/test/package.json", { with: { type: "json" } })).default.version;
  console.log(
    `Scatter redraw, headless Chromium (${process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"}, Playwright ${version}), ` +
      `800×600 CSS px at devicePixelRatio 1, 2 px points, half the rows selected; median of ${reps} after 2 warm-ups, ` +
      "timed from the request until the frame's pixels are written (worker: reply after putImageData; " +
      "WebGL: readPixels).\n",
  );
  console.log(
    "| renderer | N | first draw ms | selection redraw ms | pan redraw ms | zoom redraw ms | raster+put ms (inside) | points drawn | long tasks first / redraws (longest ms) |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const r of results) {
    console.log(
      `| ${r.renderer} | ${r.config.n.toExponential(0).replace("+", "")} | ${fmt(r.firstMs)} | ${fmt(median(r.selectionMs))} | ` +
        `${fmt(median(r.panMs))} | ${fmt(median(r.zoomMs))} | ${r.innerMs === null ? "—" : fmt(r.innerMs)} | ${r.drawn ?? "—"} | ` +
        `${r.longTasksFirst} / ${r.longTasksRedraw} (${fmt(r.longestTaskMs)}) |`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
