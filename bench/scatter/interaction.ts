/**
 * Scatter interaction bench (issue 10, "Scatter at 10⁶"): `npx tsx bench/scatter/interaction.ts [--n 1e6]
 * [--baseline-n 1e4] [--modes worker,main] [--reps 7]`. In one Chromium session: the app's raster renderer at
 * `--n` rows (selection change, whole-pixel pan, 1.1× zoom; page.ts) and, as the baseline, recharts'
 * <ScatterChart> at `--baseline-n` rows doing the same (recharts-page.tsx). Prints the medians, the per-point
 * speed-up over recharts (target ≥ 100×), whether each redraw fits a frame (≤ 16 ms) and the long tasks > 50 ms
 * while interacting (target: none). Each zoom is followed at once by a selection change, then by a pause (page.ts).
 * `--before <rev>` also runs the renderer of commit `rev` (lib/scatter, lib/scatter-client.ts; serve.ts
 * `bundleBefore`) in the same session, each mode right after this tree's, as the before/after baseline.
 */
import { chromium } from "@playwright/test";
import type { BenchConfig, BenchMode, BenchResult } from "./page";
import type { RechartsResult } from "./recharts-page";
import { bundle, bundleBefore, chromiumLaunch, outDir, serve } from "./serve";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const n = Number(arg("n", "1e6"));
const baselineN = Number(arg("baseline-n", "1e4"));
const modes = arg("modes", "worker,main").split(",") as BenchMode[];
const reps = Number(arg("reps", "7"));
const before = arg("before", "");
const FRAME_MS = 16;
const TARGET_RATIO = 100;

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const exp = (v: number) => v.toExponential(0).replace("+", "");

async function main(): Promise<void> {
  const loadStart = os.loadavg();
  await bundle();
  if (before) {
    // The earlier commit's files, read with git archive (the working tree is left alone).
    const dir = path.join(outDir, "before-src");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const tar = execFileSync("git", ["archive", before, "lib/scatter", "lib/scatter-client.ts"], {
      maxBuffer: 1 << 26,
    });
    execFileSync("tar", ["-x", "-C", dir], { input: tar });
    await bundleBefore(dir);
  }
  const server = await serve();
  const browser = await chromium.launch(chromiumLaunch);
  const raster: BenchResult[] = [];
  let baseline: RechartsResult;
  try {
    const fresh = async (file: string, global: string) => {
      const page = await browser.newPage({ viewport: { width: 900, height: 700 }, deviceScaleFactor: 1 });
      page.on("pageerror", (e) => console.error(`[page] ${e.message}`));
      await page.goto(server.url + file);
      await page.waitForFunction((g) => g in window, global);
      return page;
    };
    const pages = before ? ["", "before.html?worker=./scatter.worker-before.js"] : [""];
    for (const mode of modes) {
      for (const file of pages) {
        const page = await fresh(file, "scatterBench");
        const config: BenchConfig = { n, mode, reps, warmup: 2, density: "auto" };
        const r = await page.evaluate(
          (c) =>
            (window as unknown as { scatterBench: { run(c: BenchConfig): Promise<BenchResult> } }).scatterBench.run(c),
          config,
        );
        raster.push(file ? { ...r, renderer: `${r.renderer} (before: ${before})` } : r);
        await page.close();
      }
    }
    const page = await fresh("recharts.html", "rechartsBench");
    const config: BenchConfig = { n: baselineN, mode: "main", reps: Math.min(reps, 5), warmup: 1 };
    baseline = await page.evaluate(
      (c) =>
        (window as unknown as { rechartsBench: { run(c: BenchConfig): Promise<RechartsResult> } }).rechartsBench.run(c),
      config,
    );
    await page.close();
  } finally {
    await browser.close();
    server.close();
  }
  const loadEnd = os.loadavg();

  const version = (await import("@playwright/test/package.json", { with: { type: "json" } })).default.version;
  const la = (l: number[]) => l.map((v) => v.toFixed(2)).join(" / ");
  console.log(
    `Scatter interaction, headless Chromium (Playwright ${version}), 800×600 CSS px at devicePixelRatio 1, 2 px ` +
      `points, half the rows selected, density auto; median of ${reps} (recharts ${Math.min(reps, 5)}) after warm-ups. ` +
      `nproc ${os.cpus().length}, load average ${la(loadStart)} at start, ${la(loadEnd)} at end.\n`,
  );
  console.log(
    "| renderer | N | selection (half the rows flip) ms | threshold step (0.5 % flip) ms | pan ms | zoom ms | " +
      "selection right after a zoom ms | first selection after a 250 ms pause ms | " +
      "long tasks > 50 ms while interacting (longest ms, first draw included) |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const r of raster)
    console.log(
      `| ${r.renderer} | ${exp(r.config.n)} | ${fmt(median(r.selectionMs))} | ${fmt(median(r.stepMs))} | ` +
        `${fmt(median(r.panMs))} | ` +
        `${fmt(median(r.zoomMs))} | ${fmt(median(r.afterZoomMs))} | ${fmt(median(r.afterPauseMs))} | ` +
        `${r.longTasksRedraw} (${fmt(r.longestTaskMs)}) |`,
    );
  const b = baseline!;
  console.log(
    `| recharts ScatterChart (SVG), baseline | ${exp(b.n)} | ${fmt(median(b.selectionMs))} | — | ${fmt(median(b.panMs))} | ` +
      `${fmt(median(b.zoomMs))} | — | — | ${b.longTasks} (${fmt(b.longestTaskMs)}) |`,
  );
  console.log(
    `\nPer point: (recharts ms / ${exp(b.n)}) ÷ (raster ms / ${exp(n)}); target ≥ ${TARGET_RATIO}×, ` +
      `each raster redraw ≤ ${FRAME_MS} ms, no long task while interacting.\n`,
  );
  console.log(
    "| renderer | selection × | pan × | zoom × | redraws ≤ 16 ms (all but the one after a pause) | no long task | ratio target |",
  );
  console.log("|---|---|---|---|---|---|---|");
  const perPoint = (rech: number[], ras: number[]) => median(rech) / b.n / (median(ras) / n);
  for (const r of raster) {
    const ratios = [perPoint(b.selectionMs, r.selectionMs), perPoint(b.panMs, r.panMs), perPoint(b.zoomMs, r.zoomMs)];
    const worst = Math.max(
      median(r.selectionMs),
      median(r.stepMs),
      median(r.panMs),
      median(r.zoomMs),
      median(r.afterZoomMs),
    );
    console.log(
      `| ${r.renderer} | ${ratios.map((x) => x.toFixed(0)).join(" | ")} | ${worst <= FRAME_MS ? "met" : `**not met** (${fmt(worst)})`} | ` +
        `${r.longTasksRedraw === 0 ? "met" : "**not met**"} | ${Math.min(...ratios) >= TARGET_RATIO ? "met" : "**not met**"} |`,
    );
  }
  console.log(
    "\nWhere the raster redraws' time goes, medians (ms): end to end / inside the renderer (rasterize + " +
      "putImageData) / putImageData alone; the end-to-end rest is messages, scheduling and the copy of the mask.\n",
  );
  const cases = [
    ["selection", "selectionMs", "selection (half flip)"],
    ["step", "stepMs", "threshold step"],
    ["pan", "panMs", "pan"],
    ["zoom", "zoomMs", "zoom"],
    ["afterZoom", "afterZoomMs", "selection right after a zoom"],
  ] as const;
  console.log(`| renderer | ${cases.map((c) => c[2]).join(" | ")} |`);
  console.log(`|---|${cases.map(() => "---").join("|")}|`);
  for (const r of raster) {
    const cell = ([key, total]: (typeof cases)[number]) => {
      const inside = r.inside?.[key];
      if (!inside) return fmt(median(r[total]));
      const upload = median(inside.uploadMs);
      return `${fmt(median(r[total]))} / ${fmt(median(inside.renderMs))} / ${Number.isNaN(upload) ? "—" : fmt(upload)}`;
    };
    console.log(`| ${r.renderer} | ${cases.map(cell).join(" | ")} |`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
