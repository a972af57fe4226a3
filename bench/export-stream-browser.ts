/**
 * Browser leg of the export benchmark: `npx tsx bench/export-stream-browser.ts [--rows 1000000] [--text-bytes 400]
 * [--format jsonl] [--reps 1] [--dist .next-bench] [--port 3198]`. Needs a production build in `--dist`
 * (`NEXT_DIST_DIR=.next-bench npx next build`). Per leg a fresh Chromium uploads the seeded file of
 * bench/export-stream-rows.ts and exports the top 40 % with computed columns, either by "Download" (the worker
 * builds a Blob of 1 MiB chunks, the page downloads it) or by "Save to file…" (the save dialog replaced by an OPFS
 * file of a profile on disk, the worker streams into it with `createWritable()`). While it exports, the resident memory of the page's
 * renderer (page + dataset worker) and of the browser process (which holds Blob data) is read from /proc every
 * 50 ms. The two outputs are compared by SHA-256.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { chromium, type Page } from "playwright";
import { startApp } from "./app-server";
import { chromiumLaunch } from "@/scripts/chromium";
import { generateExportFile } from "./export-stream-rows";
import { chromiumProcesses, newestChromium, rssOf } from "./chromium-procs";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    rows: { type: "string", default: "1000000" },
    "text-bytes": { type: "string", default: "400" },
    format: { type: "string", default: "jsonl" },
    reps: { type: "string", default: "1" },
    dist: { type: "string", default: ".next-bench" },
    port: { type: "string", default: "3198" },
  },
});
const FORMAT_LABELS: Record<string, string> = {
  jsonl: "JSONL",
  json: "JSON",
  csv: "CSV",
  parquet: "Parquet",
  trl: "TRL preference (prompt/chosen/rejected)",
};
const MB = 1024 * 1024;

/** Samples peak RSS of the renderers and of the browser process until stopped. */
function sampleMemory(browserPid: number) {
  const peak = { renderer: 0, browser: 0, total: 0 };
  let procs = chromiumProcesses(browserPid);
  let ticks = 0;
  const tick = () => {
    if (ticks++ % 20 === 0) procs = chromiumProcesses(browserPid);
    let renderer = 0;
    let total = 0;
    for (const p of procs) {
      const rss = rssOf(p.pid);
      total += rss;
      if (p.type === "renderer") renderer += rss;
    }
    peak.renderer = Math.max(peak.renderer, renderer);
    peak.browser = Math.max(peak.browser, rssOf(browserPid));
    peak.total = Math.max(peak.total, total);
  };
  tick();
  const timer = setInterval(tick, 50);
  return {
    now: () => {
      const current = { renderer: 0, browser: rssOf(browserPid), total: 0 };
      for (const p of procs) {
        const rss = rssOf(p.pid);
        current.total += rss;
        if (p.type === "renderer") current.renderer += rss;
      }
      return current;
    },
    stop: () => {
      clearInterval(timer);
      tick();
      return peak;
    },
  };
}

/** Hashes an OPFS file read back through the page in 8 MiB slices (after the measurement). */
async function opfsSha256(page: Page, name: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  let offset = 0;
  for (;;) {
    const base64 = await page.evaluate(
      async ({ fileName, at }) => {
        const root = await navigator.storage.getDirectory();
        const file = await (await root.getFileHandle(fileName)).getFile();
        if (at >= file.size) return null;
        const bytes = new Uint8Array(await file.slice(at, at + 8 * 1024 * 1024).arrayBuffer());
        let s = "";
        for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        return btoa(s);
      },
      { fileName: name, at: offset },
    );
    if (base64 === null) break;
    const chunk = Buffer.from(base64, "base64");
    hash.update(chunk);
    offset += chunk.length;
  }
  return { sha256: hash.digest("hex"), bytes: offset };
}

function sha256File(file: string): string {
  const hash = createHash("sha256");
  const fd = fs.openSync(file, "r");
  const buf = Buffer.alloc(8 * MB);
  for (let n; (n = fs.readSync(fd, buf)) > 0;) hash.update(buf.subarray(0, n));
  fs.closeSync(fd);
  return hash.digest("hex");
}

interface LegResult {
  leg: "download" | "file";
  loadS: number;
  exportS: number;
  before: { renderer: number; browser: number; total: number };
  peak: { renderer: number; browser: number; total: number };
  /** 3 s after the export ended. */
  after: { renderer: number; browser: number; total: number };
  sha256: string;
  bytes: number;
}

async function runLeg(leg: "download" | "file", file: string, url: string, rows: number): Promise<LegResult> {
  // A profile on disk: in an off-the-record context (Playwright's `newContext`) OPFS and Blob storage live in memory,
  // while a user's save goes to a file on disk.
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "ma-export-profile-"));
  const context = await chromium.launchPersistentContext(profile, { ...chromiumLaunch, acceptDownloads: true });
  try {
    // The launched Chromium is the newest "chromium" child of this process.
    const pid = newestChromium();
    const page = await context.newPage();
    if (leg === "file") {
      await page.addInitScript(() => {
        (window as unknown as { showSaveFilePicker: unknown }).showSaveFilePicker = async (o: {
          suggestedName: string;
        }) => (await navigator.storage.getDirectory()).getFileHandle(o.suggestedName, { create: true });
      });
    }
    await page.goto(url);
    const t0 = performance.now();
    await page.getByLabel("Upload dataset").setInputFiles(file);
    await page.waitForFunction(
      (m) => {
        const t = document.querySelector('[data-testid="selected-count"]')?.textContent ?? "";
        const g = /of\s*([\d,\u202f\u00a0 ]+)/.exec(t);
        return g !== null && Number(g[1].replace(/\D/g, "")) === m;
      },
      rows,
      { timeout: 900_000, polling: 500 },
    );
    const loadS = (performance.now() - t0) / 1000;
    await page.getByRole("button", { name: "Export selection" }).click();
    await page.getByLabel("Format", { exact: true }).selectOption({ label: FORMAT_LABELS[values.format!] });
    await page.getByLabel("Include computed columns").check();
    // Let the load's garbage settle before the baseline.
    await page.waitForTimeout(3000);
    const memory = sampleMemory(pid);
    const before = memory.now();
    const t1 = performance.now();
    let result: { sha256: string; bytes: number };
    if (leg === "download") {
      const [download] = await Promise.all([
        page.waitForEvent("download", { timeout: 900_000 }),
        page.getByRole("button", { name: "Download", exact: true }).click(),
      ]);
      const saved = await download.path();
      const exportS = (performance.now() - t1) / 1000;
      const peak = memory.stop();
      await page.waitForTimeout(3000);
      const after = memory.now();
      result = { sha256: sha256File(saved), bytes: fs.statSync(saved).size };
      return { leg, loadS, exportS, before, peak, after, ...result };
    }
    await page.getByRole("button", { name: "Save to file…" }).click();
    await page
      .getByTestId("export-status")
      .getByText(/^Saved /)
      .waitFor({ timeout: 900_000 });
    const exportS = (performance.now() - t1) / 1000;
    const peak = memory.stop();
    await page.waitForTimeout(3000);
    const after = memory.now();
    const name =
      path.basename(file).replace(/\.jsonl$/, "") +
      ".selected." +
      (values.format === "trl" ? "trl.jsonl" : values.format);
    result = await opfsSha256(page, name);
    return { leg, loadS, exportS, before, peak, after, ...result };
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows = Number(values.rows);
  const file = generateExportFile(rows, Number(values["text-bytes"]));
  const port = Number(values.port);
  const { url, stop } = await startApp(port, values.dist!);
  console.log(
    `export-stream-browser: ${rows.toLocaleString("en-US")} rows, ${(fs.statSync(file).size / MB).toFixed(0)} MB, ${values.format} with computed columns, top 40 %; load average ${os.loadavg()[0].toFixed(2)}`,
  );
  const results: LegResult[] = [];
  for (let rep = 0; rep < Number(values.reps); rep++) {
    for (const leg of (rep % 2 === 0 ? ["download", "file"] : ["file", "download"]) as LegResult["leg"][]) {
      results.push(await runLeg(leg, file, url, rows));
    }
  }
  stop();
  const mb = (b: number) => (b / MB).toFixed(0);
  console.log(
    "| leg | load s | export s | renderer RSS before → peak → 3 s after MB | browser process before → peak → after MB | all Chromium peak MB | output MB |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of results) {
    console.log(
      `| ${r.leg} | ${r.loadS.toFixed(1)} | ${r.exportS.toFixed(1)} | ${mb(r.before.renderer)} → ${mb(r.peak.renderer)} → ${mb(r.after.renderer)} | ${mb(r.before.browser)} → ${mb(r.peak.browser)} → ${mb(r.after.browser)} | ${mb(r.peak.total)} | ${mb(r.bytes)} |`,
    );
  }
  const hashes = new Set(results.map((r) => r.sha256));
  console.log(
    `outputs ${hashes.size === 1 ? "byte-identical" : "DIFFER"}; load average at the end ${os.loadavg()[0].toFixed(2)}`,
  );
  if (hashes.size !== 1) process.exitCode = 1;
}

await main();
