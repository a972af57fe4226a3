/**
 * Browser leg of the ingest benchmark: `npx tsx bench/ingest-browser.ts [--mb 1000] [--rows 1000000] [--gz-mb 300]
 * [--parquet-mb 100] [--cases big,rows,gz,parquet] [--reps 1] [--profile] [--dist .next-ingest] [--port 3411]`.
 * Needs a production build in `--dist` (`NEXT_DIST_DIR=.next-ingest npx next build`). One Chromium (a profile on
 * disk, so OPFS and Blob storage are on disk as a user's are), a fresh page per file:
 * - app: upload the file into the production app and time from `setInputFiles` to the counts shown ("Selected … of
 *   N"), recording the progress stages ("indexing", "parsing") on the way;
 * - baseline, same page, same bytes: a dedicated Worker reads the same File with plain per-line `JSON.parse` (chunks
 *   from `File.stream()` — through `DecompressionStream` for .gz — decoded with `TextDecoder`, split on "\n", each
 *   line parsed, `score_chosen` summed);
 * - memory: resident set of the page's renderer process (the page and its dedicated workers are threads of it) read
 *   from /proc every 50 ms: before, peak while loading, and once the background SHA-256 is done (+3 s); and the
 *   browser process (which holds Blob data).
 * Files: the seeded TRL JSONL of bench/ingest-rows.ts (from ../shared/datasets) of `--mb` MB and of `--rows` rows,
 * a gzip of the `--gz-mb` file, a Parquet file of the `--parquet-mb` file's rows (hyparquet-writer, 10,000-row
 * groups, snappy). `--profile` records a CPU profile of the dataset worker during the app load (CDP Profiler over
 * the page's worker target) and prints its top self-time functions.
 * Targets (issue 10): the app at least as fast as the baseline (ratio baseline/app ≥ 1), renderer peak ≤ 1.5× the
 * file size and ≤ 0.5× after load.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import zlib from "node:zlib";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { chromium, type CDPSession, type Page } from "playwright";
import { parquetWriteBuffer } from "hyparquet-writer";
import { startApp } from "./app-server";
import { generateIngestFile } from "./ingest-rows";
import { chromiumLaunch } from "@/scripts/chromium";
import { chromiumProcesses, newestChromium, rssOf } from "./chromium-procs";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    mb: { type: "string", default: "1000" },
    rows: { type: "string", default: "1000000" },
    "gz-mb": { type: "string", default: "300" },
    "parquet-mb": { type: "string", default: "100" },
    cases: { type: "string", default: "big,rows,gz,parquet" },
    reps: { type: "string", default: "1" },
    profile: { type: "boolean", default: false },
    dist: { type: "string", default: ".next-ingest" },
    port: { type: "string", default: "3411" },
  },
});
const MB = 1024 * 1024;
const root = path.resolve(import.meta.dirname, "..");
if (!fs.existsSync(path.join(root, values.dist!, "BUILD_ID")))
  throw new Error(`no production build in ${values.dist}: run NEXT_DIST_DIR=${values.dist} npx next build first`);

/** One file to load: where it is, how many data rows it has, and whether the baseline must gunzip it. */
interface Case {
  label: string;
  file: string;
  rows: number;
  gzip: boolean;
  /** Parquet has no per-line JSON.parse baseline. */
  baseline: boolean;
}

function need(file: string | null): string {
  if (!file) throw new Error("../shared/datasets is missing: the ingest files are generated from its texts");
  return file;
}

/** Data lines of a JSONL file (non-empty), counted once and cached beside it. */
async function countLines(file: string): Promise<number> {
  const cache = `${file}.lines`;
  if (fs.existsSync(cache) && fs.statSync(cache).mtimeMs >= fs.statSync(file).mtimeMs)
    return Number(fs.readFileSync(cache, "utf8"));
  let n = 0;
  for await (const line of readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity }))
    if (line.trim()) n++;
  fs.writeFileSync(cache, String(n));
  return n;
}

async function gzipOf(file: string): Promise<string> {
  const target = `${file}.gz`;
  if (fs.existsSync(target)) return target;
  await pipeline(fs.createReadStream(file), zlib.createGzip({ level: 6 }), fs.createWriteStream(`${target}.tmp`));
  fs.renameSync(`${target}.tmp`, target);
  return target;
}

async function parquetOf(file: string): Promise<string> {
  const target = file.replace(/\.jsonl$/, ".parquet");
  if (fs.existsSync(target)) return target;
  const rows: Record<string, unknown>[] = [];
  for await (const line of readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity }))
    if (line.trim()) rows.push(JSON.parse(line) as Record<string, unknown>);
  const names = Object.keys(rows[0]);
  const buffer = parquetWriteBuffer({
    columnData: names.map((name) => ({
      name,
      data: rows.map((r) => r[name]),
      type: typeof rows[0][name] === "string" ? ("STRING" as const) : ("DOUBLE" as const),
    })),
    rowGroupSize: 10_000,
  });
  fs.writeFileSync(`${target}.tmp`, Buffer.from(buffer));
  fs.renameSync(`${target}.tmp`, target);
  return target;
}

interface Memory {
  renderer: number;
  browser: number;
}

/** Renderer process ids under the browser now. */
function rendererPids(browserPid: number): Set<number> {
  return new Set(
    chromiumProcesses(browserPid)
      .filter((p) => p.type === "renderer")
      .map((p) => p.pid),
  );
}

/**
 * Peak RSS of the page's renderer (`pids`: the renderer processes that appeared with the page; its dedicated workers
 * are threads of it) and of the browser process, sampled every 50 ms between `start` and `stop`.
 */
function memorySampler(browserPid: number, pids: Set<number>) {
  const now = (): Memory => {
    let renderer = 0;
    for (const pid of pids) renderer += rssOf(pid);
    return { renderer, browser: rssOf(browserPid) };
  };
  let peak: Memory = { renderer: 0, browser: 0 };
  let timer: ReturnType<typeof setInterval> | null = null;
  const tick = () => {
    const m = now();
    peak = { renderer: Math.max(peak.renderer, m.renderer), browser: Math.max(peak.browser, m.browser) };
  };
  return {
    now,
    start() {
      peak = { renderer: 0, browser: 0 };
      tick();
      timer = setInterval(tick, 50);
    },
    stop(): Memory {
      if (timer) clearInterval(timer);
      timer = null;
      tick();
      return peak;
    },
  };
}

/** The baseline worker: plain per-line JSON.parse of a File, summing score_chosen. */
const BASELINE_WORKER = `
onmessage = async (event) => {
  const { file, gzip } = event.data;
  const t0 = performance.now();
  let stream = file.stream();
  if (gzip) stream = stream.pipeThrough(new DecompressionStream("gzip"));
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let carry = "";
  let rows = 0;
  let sum = 0;
  const line = (text) => {
    if (text.trim() === "") return;
    const record = JSON.parse(text);
    rows++;
    sum += Number(record.score_chosen) || 0;
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const text = carry + decoder.decode(value, { stream: true });
    const parts = text.split("\\n");
    carry = parts.pop();
    for (const part of parts) line(part);
  }
  line(carry + decoder.decode());
  postMessage({ ms: performance.now() - t0, rows, sum });
};`;

/** Runs the baseline worker on the File in the page's bench input; resolves its time, rows and sum. */
async function runBaseline(page: Page, gzip: boolean): Promise<{ ms: number; rows: number; sum: number }> {
  return page.evaluate(
    ({ code, gz }) =>
      new Promise<{ ms: number; rows: number; sum: number }>((resolve, reject) => {
        const input = document.getElementById("bench-file") as HTMLInputElement;
        const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
        const worker = new Worker(url);
        worker.onmessage = (e) => {
          worker.terminate();
          URL.revokeObjectURL(url);
          resolve(e.data as { ms: number; rows: number; sum: number });
        };
        worker.onerror = (e) => {
          worker.terminate();
          reject(new Error(e.message));
        };
        worker.postMessage({ file: input.files![0], gzip: gz });
      }),
    { code: BASELINE_WORKER, gz: gzip },
  );
}

/** A script URL without its origin, path and query (turbopack's worker URLs carry their chunk list). */
function shortUrl(url: string): string {
  return url.split(/[?#]/)[0].split("/").pop() ?? url;
}

const chunkTexts = new Map<string, Promise<string>>();

/** 80 characters of a served script from (line, column), or "" for native frames and unreadable scripts. */
async function codeAt(url: string, line: number, column: number): Promise<string> {
  if (!/^https?:/.test(url)) return "";
  const key = url.split(/[?#]/)[0];
  if (!chunkTexts.has(key))
    chunkTexts.set(
      key,
      fetch(key)
        .then((r) => r.text())
        .catch(() => ""),
    );
  const text = (await chunkTexts.get(key)!).split("\n")[line] ?? "";
  return text.slice(column, column + 80).replace(/\s+/g, " ");
}

/** What the page's workers can be asked over CDP. */
interface WorkerProbe {
  /** Stops the CPU profiles (when started) and summarises each busy worker's top self time. */
  stopProfile(): Promise<string[]>;
  /**
   * Collects garbage in every worker and resolves the JS heap in use summed over them, and each worker's JS heap
   * and ArrayBuffer backing stores (`Runtime.getHeapUsage`'s `backingStorageSize`).
   */
  gcHeap(): Promise<{ used: number; workers: { url: string; heap: number; buffers: number }[] }>;
}

/**
 * Attaches to the page's dedicated workers through its CDP session (auto-attach, non-flat mode: messages go through
 * `Target.sendMessageToTarget`), starting a CPU profile in each when `profile` is set.
 */
async function probeWorkers(cdp: CDPSession, profile: boolean): Promise<WorkerProbe> {
  let nextId = 1;
  const waiting = new Map<number, (result: unknown) => void>();
  const sessions: { sessionId: string; url: string }[] = [];
  cdp.on("Target.receivedMessageFromTarget", (event: { sessionId: string; message: string }) => {
    const msg = JSON.parse(event.message) as { id?: number; result?: unknown; error?: { message: string } };
    if (msg.id !== undefined) waiting.get(msg.id)?.(msg.error ? { error: msg.error.message } : msg.result);
  });
  const send = (sessionId: string, method: string, params: object = {}) =>
    new Promise<unknown>((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      void cdp.send("Target.sendMessageToTarget", { sessionId, message: JSON.stringify({ id, method, params }) });
    });
  const attached = new Promise<void>((resolve) => {
    cdp.on(
      "Target.attachedToTarget",
      (event: { sessionId: string; targetInfo: { type: string; url: string }; waitingForDebugger: boolean }) => {
        if (event.targetInfo.type !== "worker") return;
        sessions.push({ sessionId: event.sessionId, url: event.targetInfo.url });
        void (async () => {
          if (profile) {
            await send(event.sessionId, "Profiler.enable");
            await send(event.sessionId, "Profiler.setSamplingInterval", { interval: 500 });
            await send(event.sessionId, "Profiler.start");
          }
          if (event.waitingForDebugger) await send(event.sessionId, "Runtime.runIfWaitingForDebugger");
          resolve();
        })();
      },
    );
  });
  await cdp.send("Target.setAutoAttach", { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  const gcHeap = async () => {
    let used = 0;
    const workers: { url: string; heap: number; buffers: number }[] = [];
    for (const s of sessions) {
      await send(s.sessionId, "HeapProfiler.collectGarbage");
      const heap = (await send(s.sessionId, "Runtime.getHeapUsage")) as {
        usedSize?: number;
        backingStorageSize?: number;
      };
      used += heap.usedSize ?? 0;
      workers.push({ url: s.url, heap: heap.usedSize ?? 0, buffers: heap.backingStorageSize ?? 0 });
    }
    return { used, workers };
  };
  const stopProfile = async () => {
    await Promise.race([attached, new Promise((r) => setTimeout(r, 2000))]);
    const lines: string[] = [];
    if (!profile) return lines;
    for (const s of sessions) {
      const result = (await send(s.sessionId, "Profiler.stop")) as {
        profile?: {
          nodes: {
            id: number;
            callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
          }[];
          samples: number[];
          timeDeltas: number[];
        };
        error?: string;
      };
      if (!result.profile) {
        lines.push(`worker ${s.url}: no profile (${result.error ?? "none"})`);
        continue;
      }
      const self = new Map<number, number>();
      const { nodes, samples, timeDeltas } = result.profile;
      for (let i = 0; i < samples.length; i++) self.set(samples[i], (self.get(samples[i]) ?? 0) + (timeDeltas[i] ?? 0));
      const byFn = new Map<string, { us: number; url: string; line: number; column: number }>();
      let total = 0;
      for (const node of nodes) {
        const us = self.get(node.id) ?? 0;
        total += us;
        const f = node.callFrame;
        const key = `${f.functionName || "(anonymous)"} ${shortUrl(f.url)}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
        const entry = byFn.get(key) ?? { us: 0, url: f.url, line: f.lineNumber, column: f.columnNumber };
        entry.us += us;
        byFn.set(key, entry);
      }
      if (total < 5e5) continue;
      lines.push(`worker ${shortUrl(s.url)}: ${(total / 1e6).toFixed(1)} s sampled; top self time:`);
      for (const [key, e] of [...byFn].sort((a, b) => b[1].us - a[1].us).slice(0, 15)) {
        // Production chunks are minified: a few characters of the code at the frame say which function it is.
        const snippet = await codeAt(e.url, e.line, e.column);
        lines.push(
          `  ${((100 * e.us) / total).toFixed(1).padStart(5)} %  ${(e.us / 1e6).toFixed(2).padStart(6)} s  ${key}${snippet ? `  «${snippet}»` : ""}`,
        );
      }
    }
    return lines;
  };
  return { stopProfile, gcHeap };
}

interface CaseResult {
  label: string;
  bytes: number;
  rows: number;
  appS: number;
  stages: string;
  baselineS: number | null;
  baselineRows: number | null;
  idle: Memory;
  peak: Memory;
  after: Memory;
  baselinePeak: Memory | null;
  storage: string;
  profile: string[];
  workerHeap: number;
  /** Per context after GC: "name heap MB + buffers MB". */
  breakdown: string;
  /** Renderer RSS each second for 20 s after `after`, no forced GC. */
  settle: number[];
  afterGc: Memory;
}

async function runCase(
  c: Case,
  url: string,
  context: Awaited<ReturnType<typeof chromium.launchPersistentContext>>,
  browserPid: number,
  baselineFirst: boolean,
): Promise<CaseResult> {
  const before = rendererPids(browserPid);
  const page = await context.newPage();
  try {
    await page.goto(url);
    await page.getByLabel("Upload dataset").waitFor();
    // The baseline's own input, so that it can read the same File before or after the app does.
    await page.evaluate(() => {
      const input = document.createElement("input");
      input.type = "file";
      input.id = "bench-file";
      input.style.display = "none";
      document.body.append(input);
    });
    await page.locator("#bench-file").setInputFiles(c.file);
    const pids = new Set([...rendererPids(browserPid)].filter((pid) => !before.has(pid)));
    if (pids.size === 0) throw new Error("could not tell the page's renderer process");
    const memory = memorySampler(browserPid, pids);
    await page.waitForTimeout(1000);
    const idle = memory.now();
    let baseline: { ms: number; rows: number } | null = null;
    let baselinePeak: Memory | null = null;
    const measureBaseline = async () => {
      if (!c.baseline) return;
      memory.start();
      baseline = await runBaseline(page, c.gzip);
      baselinePeak = memory.stop();
      await page.waitForTimeout(1000);
    };
    if (baselineFirst) await measureBaseline();
    const cdp = await context.newCDPSession(page);
    const probe = await probeWorkers(cdp, values.profile!);
    // Progress stages as the status bar shows them, stamped in the page (polling from here would miss short ones).
    await page.evaluate(() => {
      const w = window as unknown as { __stages: [number, string][] };
      w.__stages = [];
      let last = "";
      const t0 = performance.now();
      const timer = setInterval(() => {
        const text = (document.querySelector(".progress-text")?.textContent ?? "").replace(/\s*\d+%$/, "").trim();
        if (text !== last) {
          w.__stages.push([performance.now() - t0, text]);
          last = text;
        }
        if (document.querySelector('[data-testid="selected-count"]')) clearInterval(timer);
      }, 20);
    });
    memory.start();
    const t0 = performance.now();
    await page.getByLabel("Upload dataset").setInputFiles(c.file);
    await page.waitForFunction(
      (n) => {
        const t = document.querySelector('[data-testid="selected-count"]')?.textContent ?? "";
        const g = /of\s*([\d,\u202f\u00a0 ]+)/.exec(t);
        return g !== null && Number(g[1].replace(/\D/g, "")) === n;
      },
      c.rows,
      { timeout: 1_200_000, polling: 100 },
    );
    const appS = (performance.now() - t0) / 1000;
    const profile = await probe.stopProfile();
    await page.locator("[data-testid='file-hash'][data-state='done']").waitFor({ timeout: 1_200_000 });
    await page.waitForTimeout(3000);
    const peak = memory.stop();
    const after = memory.now();
    // Left alone (no forced GC): the renderer's RSS each second for 20 s more, as a user's idle tab would be.
    const settle: number[] = [];
    for (let i = 0; i < 20; i++) {
      await page.waitForTimeout(1000);
      settle.push(memory.now().renderer);
    }
    // Garbage or held? The workers' JS heap after a full GC, and the renderer's RSS 2 s later.
    const { used: workerHeap, workers } = await probe.gcHeap();
    await cdp.send("HeapProfiler.collectGarbage");
    const pageHeap = (await cdp.send("Runtime.getHeapUsage")) as { usedSize: number; backingStorageSize?: number };
    const breakdown = [{ url: "page", heap: pageHeap.usedSize, buffers: pageHeap.backingStorageSize ?? 0 }, ...workers]
      .map((w) => {
        const m = (b: number) => (b / 2 ** 20).toFixed(0);
        return `${w.url.replace(/^.*\//, "").replace(/\?.*$/, "")} ${m(w.heap)} + ${m(w.buffers)} buffers`;
      })
      .join("; ");
    await page.waitForTimeout(2000);
    const afterGc = memory.now();
    const stages = await page.evaluate(() =>
      (window as unknown as { __stages: [number, string][] }).__stages
        .map(([ms, s]) => `${s || "progress gone"} @${(ms / 1000).toFixed(1)}s`)
        .join(", "),
    );
    const storage = (await page.getByTestId("file-name").textContent()) ?? "";
    if (!baselineFirst) await measureBaseline();
    const b = baseline as { ms: number; rows: number } | null;
    return {
      label: c.label,
      bytes: fs.statSync(c.file).size,
      rows: c.rows,
      appS,
      stages,
      baselineS: b ? b.ms / 1000 : null,
      baselineRows: b ? b.rows : null,
      idle,
      peak,
      after,
      baselinePeak,
      storage,
      profile,
      workerHeap,
      breakdown,
      settle,
      afterGc,
    };
  } finally {
    await page.close();
  }
}

async function main(): Promise<void> {
  const cases: Case[] = [];
  const wanted = new Set(values.cases!.split(","));
  if (wanted.has("big")) {
    const file = need(generateIngestFile(Number(values.mb)));
    cases.push({ label: `${values.mb} MB JSONL`, file, rows: await countLines(file), gzip: false, baseline: true });
  }
  if (wanted.has("rows")) {
    const file = need(generateIngestFile(0, Number(values.rows)));
    cases.push({ label: `${values.rows} rows JSONL`, file, rows: Number(values.rows), gzip: false, baseline: true });
  }
  if (wanted.has("gz")) {
    const plain = need(generateIngestFile(Number(values["gz-mb"])));
    const rows = await countLines(plain);
    cases.push({
      label: `${values["gz-mb"]} MB JSONL.gz`,
      file: await gzipOf(plain),
      rows,
      gzip: true,
      baseline: true,
    });
  }
  if (wanted.has("parquet")) {
    const plain = need(generateIngestFile(Number(values["parquet-mb"])));
    const rows = await countLines(plain);
    const file = await parquetOf(plain);
    cases.push({ label: `Parquet of ${values["parquet-mb"]} MB`, file, rows, gzip: false, baseline: false });
  }
  const { url, stop } = await startApp(Number(values.port), values.dist!);
  // A profile on disk: in an off-the-record context OPFS and Blob storage would live in memory.
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-ingest-profile-"));
  const context = await chromium.launchPersistentContext(profileDir, chromiumLaunch);
  const browserPid = newestChromium();
  const loadStart = os.loadavg()[0];
  console.log(
    `ingest-browser: Chromium ${context.browser()?.version() ?? ""}, nproc ${os.cpus().length}, load average ${loadStart.toFixed(2)}, ${new Date().toISOString()}`,
  );
  const results: CaseResult[] = [];
  try {
    for (let rep = 0; rep < Number(values.reps); rep++)
      for (const c of cases) {
        const r = await runCase(c, url, context, browserPid, rep % 2 === 1);
        results.push(r);
        console.log(`  ${r.label} rep ${rep + 1}: app ${r.appS.toFixed(1)} s (${r.stages}); ${r.storage}`);
        console.log(`    after GC, MB (JS heap + ArrayBuffers): ${r.breakdown}`);
        console.log(
          `    renderer MB each second after load, no forced GC: ${r.settle.map((b) => (b / MB).toFixed(0)).join(" ")}`,
        );
        for (const line of r.profile) console.log(`    ${line}`);
      }
  } finally {
    await context.close();
    fs.rmSync(profileDir, { recursive: true, force: true });
    stop();
  }
  const mb = (b: number) => (b / MB).toFixed(0);
  const x = (b: number, size: number) => (b / size).toFixed(2);
  console.log(
    "\n| file | MB | rows | app s | baseline s | baseline / app | renderer idle → peak → after → after GC MB | peak / file | after / file | (peak − idle) / file | (after GC − idle) / file | workers' JS heap after GC MB | baseline peak MB | browser proc peak MB |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of results) {
    const ratio = r.baselineS === null ? "—" : `${(r.baselineS / r.appS).toFixed(2)}×`;
    console.log(
      `| ${r.label} | ${mb(r.bytes)} | ${r.rows.toLocaleString("en-US")} | ${r.appS.toFixed(1)} | ${r.baselineS?.toFixed(1) ?? "—"} | ${ratio} | ${mb(r.idle.renderer)} → ${mb(r.peak.renderer)} → ${mb(r.after.renderer)} → ${mb(r.afterGc.renderer)} | ${x(r.peak.renderer, r.bytes)} | ${x(r.after.renderer, r.bytes)} | ${x(r.peak.renderer - r.idle.renderer, r.bytes)} | ${x(r.afterGc.renderer - r.idle.renderer, r.bytes)} | ${mb(r.workerHeap)} | ${r.baselinePeak ? mb(r.baselinePeak.renderer) : "—"} | ${mb(r.peak.browser)} |`,
    );
    if (r.baselineRows !== null && r.baselineRows !== r.rows) {
      console.log(`baseline read ${r.baselineRows} rows, the app ${r.rows}: not the same file`);
      process.exitCode = 1;
    }
  }
  console.log(`load average at the end ${os.loadavg()[0].toFixed(2)} (start ${loadStart.toFixed(2)})`);
}

await main();
