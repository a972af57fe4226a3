/**
 * What a re-rank's output column costs before its pass: `npx tsx bench/column-alloc-browser.ts [--rows 1000000]
 * [--reps 12] [--held 3]`. In a worker of a cross-origin-isolated page (served here with COOP / COEP, so SharedArrayBuffer
 * exists, as in the app), M_AP's pass `out[i] = ex[i] − w·im[i]` over `--rows` rows is timed writing into:
 * - a new SharedArrayBuffer column (what `newColumn` gave every w change before session 13);
 * - a new plain Float64Array;
 * - a column reserved while idle (lib/metrics/shared-column.ts `reserveColumn`: made 50 ms before, one write per
 *   4 KiB page), the app's path now;
 * - one column reused every time (the floor: no allocation at all; the app cannot do this, see the module).
 * Each repetition waits 50 ms first (the worker idle, as between two w changes); the last `--held` columns stay
 * referenced, as a session keeps recent rankings. Prints the median and the spread
 * per case and the ratio of each to the reserved column.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { chromium } from "playwright";
import { chromiumLaunch } from "@/scripts/chromium";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    rows: { type: "string", default: "1000000" },
    reps: { type: "string", default: "12" },
    held: { type: "string", default: "3" },
  },
});
const rows = Number(values.rows);
const reps = Number(values.reps);
const held = Number(values.held);

const WORKER = `
onmessage = async ({ data: { n, reps, keep } }) => {
  const ex = new Float64Array(n), im = new Float64Array(n);
  for (let i = 0; i < n; i++) { ex[i] = Math.sin(i); im[i] = Math.abs(Math.cos(i)); }
  const idle = () => new Promise((r) => setTimeout(r, 50));
  const reused = new Float64Array(new SharedArrayBuffer(8 * n));
  const held = [];
  const out = {};
  for (const round of [0, 1]) {
    for (const mode of ["new shared", "new plain", "reserved", "reused"]) {
      const times = [];
      for (let r = 0; r < reps; r++) {
        let spare = null;
        if (mode === "reserved") {
          spare = new Float64Array(new SharedArrayBuffer(8 * n));
          for (let i = 0; i < n; i += 512) spare[i] = 0;
        }
        await idle();
        const w = 0.5 + r * 0.25;
        const t0 = performance.now();
        const col = mode === "new shared" ? new Float64Array(new SharedArrayBuffer(8 * n))
          : mode === "new plain" ? new Float64Array(n) : mode === "reserved" ? spare : reused;
        for (let i = 0; i < n; i++) col[i] = ex[i] - w * im[i];
        times.push(performance.now() - t0);
        // The session keeps the last few columns (the rankings of recent w values): --held of them.
        held.push(col);
        if (held.length > keep) held.shift();
      }
      if (round === 1) out[mode] = times;
    }
  }
  postMessage(out);
};`;

const server = http.createServer((req, res) => {
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  res.setHeader("Cross-Origin-Embedder-Policy", "require-corp");
  if (req.url === "/worker.js") {
    res.setHeader("Content-Type", "text/javascript");
    res.end(WORKER);
  } else {
    res.setHeader("Content-Type", "text/html");
    res.end("<!doctype html><title>column alloc</title>");
  }
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const browser = await chromium.launch(chromiumLaunch);
try {
  const page = await browser.newPage();
  await page.goto(url);
  const isolated = await page.evaluate(() => crossOriginIsolated);
  if (!isolated) throw new Error("the page is not cross-origin isolated: no SharedArrayBuffer");
  const result = await page.evaluate(
    ({ n, reps, keep }) =>
      new Promise<Record<string, number[]>>((resolve) => {
        const w = new Worker("/worker.js");
        w.onmessage = (e) => resolve(e.data as Record<string, number[]>);
        w.postMessage({ n, reps, keep });
      }),
    { n: rows, reps, keep: held },
  );
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const base = median(result["reserved"]);
  console.log(
    `column-alloc-browser: ${browser.version()}, ${rows.toLocaleString("en-US")} rows, ${reps} reps (second round), ${held} columns held, load ${(await import("node:os")).loadavg()[0].toFixed(2)}`,
  );
  console.log("| output column | pass ms, median | min–max | × reserved |");
  console.log("| --- | ---: | ---: | ---: |");
  for (const [mode, times] of Object.entries(result)) {
    const m = median(times);
    console.log(
      `| ${mode} | ${m.toFixed(1)} | ${Math.min(...times).toFixed(1)}–${Math.max(...times).toFixed(1)} | ${(m / base).toFixed(1)}× |`,
    );
  }
} finally {
  await browser.close();
  server.close();
}
