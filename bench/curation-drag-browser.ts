/**
 * Browser end-to-end leg of the handle-drag bench: `npx tsx bench/curation-drag-browser.ts [--rows 1000000] [--steps 20]`.
 * Needs a production build in `.next-bench` (`NEXT_DIST_DIR=.next-bench npx next build`); serves it on its own port,
 * uploads a seeded 10^6-row JSONL file, drags the "Explicit margin floor" handle with page.mouse and measures, per
 * move, pointermove → the "Selected N of M" text changing (MutationObserver in the page).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright";
import { startApp } from "./app-server";
import { chromiumLaunch } from "@/scripts/chromium";
import { curationRowChunks } from "./curation-rows";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const rows = arg("rows", 1_000_000);
const steps = arg("steps", 20);
const port = arg("port", 3197);

/** Same rows as curation-drag.bench.ts (seed 1), written once to the temp dir. */
function writeFile(): string {
  const target = path.join(os.tmpdir(), `margin-atlas-drag-${rows}.jsonl`);
  if (fs.existsSync(target)) return target;
  const fd = fs.openSync(target, "w");
  for (const chunk of curationRowChunks(rows)) fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  return target;
}

const file = writeFile();
const { url, stop: stopServer } = await startApp(port, ".next-bench");

const browser = await chromium.launch(chromiumLaunch);
const chromiumVersion = browser.version();
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, deviceScaleFactor: 1 });
await page.goto(url);
const tLoad = performance.now();
await page.getByLabel("Upload dataset").setInputFiles(file);
const count = page.getByTestId("selected-count");
await page.waitForFunction(
  (m) => {
    const t = document.querySelector('[data-testid="selected-count"]')?.textContent ?? "";
    const g = /of\s*([\d,\u202f\u00a0 ]+)/.exec(t);
    return g !== null && Number(g[1].replace(/\D/g, "")) === m;
  },
  rows,
  { timeout: 300_000, polling: 250 },
);
await count.waitFor({ timeout: 300_000 });
const loadMs = performance.now() - tLoad;
const initial = await count.textContent();

// A string, not a function: tsx's keepNames would wrap inner arrows in a `__name` helper the page lacks.
await page.evaluate(`(() => {
  const w = window;
  w.__lat = [];
  w.__t0 = null;
  const text = () => document.querySelector('[data-testid="selected-count"]')?.textContent ?? "";
  let last = text();
  window.addEventListener("pointermove", (e) => { if (w.__t0 === null) w.__t0 = e.timeStamp; }, { capture: true });
  new MutationObserver(() => {
    const now = text();
    if (now === last) return;
    last = now;
    if (w.__t0 !== null) {
      w.__lat.push(performance.now() - w.__t0);
      w.__t0 = null;
    }
  }).observe(document.body, { subtree: true, childList: true, characterData: true });
})()`);

const slider = page.getByRole("slider", { name: "Explicit margin floor" });
const box = (await slider.boundingBox())!;
const plot = (await page.getByTestId("histogram-plot-explicit").boundingBox())!;
const y = box.y + box.height / 2;
await page.mouse.move(box.x + box.width / 2, y);
await page.mouse.down();
// The count stays at k while the floor leaves more than k candidates: drag where it binds (top 40 % ranked).
const missed: number[] = [];
for (let i = 0; i < steps; i++) {
  await page.evaluate(() => ((window as unknown as { __t0: number | null }).__t0 = null));
  const before = await page.evaluate(() => (window as unknown as { __lat: number[] }).__lat.length);
  await page.mouse.move(plot.x + plot.width * (0.55 + (0.4 * (i + 1)) / steps), y);
  const ok = await page
    .waitForFunction((n) => (window as unknown as { __lat: number[] }).__lat.length > n, before, { timeout: 5000 })
    .then(() => true)
    .catch(() => false);
  if (!ok) missed.push(i);
}
await page.mouse.up();
const lat: number[] = await page.evaluate(() => (window as unknown as { __lat: number[] }).__lat);
const final = await count.textContent();
await browser.close();
stopServer();

const sorted = [...lat].sort((a, b) => a - b);
const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
console.log(`Chromium ${chromiumVersion}, rows=${rows}, upload→count ${(loadMs / 1000).toFixed(1)} s`);
console.log(
  `count: "${initial}" → "${final}"; moves ${steps}, measured ${lat.length}, no change within 5 s: [${missed}]`,
);
console.log(
  `pointermove → count text, ms: median ${q(0.5)?.toFixed(1)}, p90 ${q(0.9)?.toFixed(1)}, min ${sorted[0]?.toFixed(1)}`,
);
console.log(`all: ${lat.map((x) => x.toFixed(0)).join(" ")}`);
