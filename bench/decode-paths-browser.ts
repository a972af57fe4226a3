/**
 * The per-row costs under the ingest, measured apart from the app in a Chromium worker:
 * `npx tsx bench/decode-paths-browser.ts [--rows 1000000] [--mb 300] [--gz-mb 300] [--cases rows,gz] [--reps 3]`.
 * - rows: the first `--mb` MB of the seeded `--rows`-row JSONL (bench/ingest-rows.ts), decode + `JSON.parse` three
 *   ways: one `TextDecoder.decode` per row (fatal, as the readers decode); runs of up to 64 ASCII rows / 32 KB per
 *   decode with the rows cut out as substrings (the rule of lib/dataset/readers/row-texts.ts, restated here so it
 *   runs in a bare worker); and the baseline's 64 KB streamed decode + `split("\n")`. Also the two ways of finding
 *   the ASCII rows (a byte loop, 4 bytes at a time).
 * - gz: what the helper worker would do to decompress a `.jsonl.gz` and keep its copy on disk, with nothing else
 *   running: `DecompressionStream`, gathering 8 MB pieces, OPFS sync-access-handle writes, flush + close.
 * Both run on a page of a local server (a secure context, so OPFS exists) in a persistent profile on disk.
 * Prints the medians and ranges in ms. Results: bench/RESULTS.md, "Issue 10, session 14".
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { chromium } from "playwright";
import { chromiumLaunch } from "@/scripts/chromium";
import { generateIngestFile } from "./ingest-rows";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    rows: { type: "string", default: "1000000" },
    mb: { type: "string", default: "300" },
    "gz-mb": { type: "string", default: "300" },
    cases: { type: "string", default: "rows,gz" },
    reps: { type: "string", default: "3" },
  },
});
const cases = new Set(values.cases!.split(","));
const reps = Number(values.reps);

const ROWS_WORKER = `
onmessage = async ({ data: { file, mb, reps } }) => {
  const bytes = new Uint8Array(await file.slice(0, mb * 1024 * 1024).arrayBuffer());
  const lf = [];
  for (let p = bytes.indexOf(10); p >= 0; p = bytes.indexOf(10, p + 1)) lf.push(p);
  const out = { rows: lf.length, nonAscii: 0, flagsByte: [], flagsWord: [], perRow: [], runs: [], baseline: [] };
  const ascii = new Uint8Array(lf.length);
  let t = performance.now();
  for (let r = 0, s = 0; r < lf.length; r++) {
    let a = 1;
    for (let i = s; i < lf[r]; i++) if (bytes[i] > 127) { a = 0; break; }
    ascii[r] = a; out.nonAscii += 1 - a; s = lf[r] + 1;
  }
  out.flagsByte.push(performance.now() - t);
  const words = new Uint32Array(bytes.buffer, 0, bytes.length >> 2);
  t = performance.now();
  for (let r = 0, s = 0; r < lf.length; r++) {
    const p = lf[r];
    let a = 1, i = s;
    for (; i < p && (i & 3); i++) if (bytes[i] > 127) { a = 0; break; }
    if (a) { const we = p >> 2; for (let w = i >> 2; w < we; w++) if (words[w] & 0x80808080) { a = 0; break; }
      if (a) for (i = Math.max(i, (p >> 2) << 2); i < p; i++) if (bytes[i] > 127) { a = 0; break; } }
    ascii[r] = a; s = p + 1;
  }
  out.flagsWord.push(performance.now() - t);
  const fatal = new TextDecoder("utf-8", { fatal: true });
  let sum = 0;
  for (let rep = 0; rep < reps; rep++) {
    t = performance.now();
    for (let r = 0, s = 0; r < lf.length; r++) { sum += JSON.parse(fatal.decode(bytes.subarray(s, lf[r]))).score_chosen ?? 0; s = lf[r] + 1; }
    out.perRow.push(performance.now() - t);
    t = performance.now();
    for (let r = 0, s = 0; r < lf.length;) {
      if (!ascii[r]) { sum += JSON.parse(fatal.decode(bytes.subarray(s, lf[r]))).score_chosen ?? 0; s = lf[r] + 1; r++; continue; }
      let e = r + 1;
      while (e < lf.length && ascii[e] && e - r < 64 && lf[e] <= s + 32768) e++;
      const from = s, run = fatal.decode(bytes.subarray(from, lf[e - 1]));
      for (let k = r; k < e; k++) { sum += JSON.parse(run.substring(s - from, lf[k] - from)).score_chosen ?? 0; s = lf[k] + 1; }
      r = e;
    }
    out.runs.push(performance.now() - t);
    t = performance.now();
    const streamed = new TextDecoder();
    let carry = "";
    for (let o = 0; o < bytes.length; o += 65536) {
      const lines = (carry + streamed.decode(bytes.subarray(o, Math.min(bytes.length, o + 65536)), { stream: true })).split("\\n");
      carry = lines.pop();
      for (const l of lines) if (l) sum += JSON.parse(l).score_chosen ?? 0;
    }
    out.baseline.push(performance.now() - t);
  }
  out.sum = sum;
  postMessage(out);
};`;

const GZ_WORKER = `
onmessage = async ({ data: { file } }) => {
  const root = await navigator.storage.getDirectory();
  const name = "decode-paths-" + Math.random().toString(36).slice(2);
  const handle = await (await root.getFileHandle(name, { create: true })).createSyncAccessHandle();
  const t0 = performance.now();
  const reader = file.stream().pipeThrough(new DecompressionStream("gzip")).getReader();
  let decompress = 0, gather = 0, write = 0, at = 0, parts = [], total = 0;
  for (;;) {
    let t = performance.now();
    const { done, value } = await reader.read();
    decompress += performance.now() - t;
    if (!done) { parts.push(value); total += value.byteLength; }
    if (total >= 8 * 1024 * 1024 || (done && total > 0)) {
      t = performance.now();
      const piece = new Uint8Array(total);
      let o = 0;
      for (const p of parts) { piece.set(p, o); o += p.byteLength; }
      gather += performance.now() - t;
      t = performance.now();
      at += handle.write(piece, { at });
      write += performance.now() - t;
      parts = []; total = 0;
    }
    if (done) break;
  }
  const t = performance.now();
  handle.flush(); handle.close();
  const close = performance.now() - t;
  await root.removeEntry(name);
  postMessage({ bytes: at, all: performance.now() - t0, decompress, gather, write, close });
};`;

const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const show = (a: number[]) => `${med(a).toFixed(0)} (${Math.min(...a).toFixed(0)}–${Math.max(...a).toFixed(0)})`;

const server = http.createServer((req, res) => {
  res.setHeader("Content-Type", req.url?.endsWith(".js") ? "text/javascript" : "text/html");
  res.end(
    req.url === "/rows.js" ? ROWS_WORKER : req.url === "/gz.js" ? GZ_WORKER : "<!doctype html><input type=file id=f>",
  );
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "ma-decode-paths-"));
const context = await chromium.launchPersistentContext(profile, chromiumLaunch);
console.log(
  `decode-paths-browser: ${context.browser()?.version() ?? "Chromium"}, nproc ${os.cpus().length}, load average ${os.loadavg()[0].toFixed(2)}`,
);
const run = async (file: string, script: string, data: Record<string, unknown>) => {
  const page = await context.newPage();
  await page.goto(url);
  await page.setInputFiles("#f", file);
  const result = await page.evaluate(
    ({ script, data }) =>
      new Promise<Record<string, number | number[]>>((resolve, reject) => {
        const w = new Worker(script);
        w.onmessage = (e) => (resolve(e.data), w.terminate());
        w.onerror = (e) => reject(new Error(e.message));
        w.postMessage({ ...data, file: (document.getElementById("f") as HTMLInputElement).files![0] });
      }),
    { script, data },
  );
  await page.close();
  return result;
};
try {
  if (cases.has("rows")) {
    const file = generateIngestFile(0, Number(values.rows));
    if (!file) throw new Error("../shared/datasets is missing: the rows are generated from its texts");
    const r = await run(file, "/rows.js", { mb: Number(values.mb), reps: reps + 1 });
    // The first repetition pays for the string heap's growth: dropped.
    const warm = (k: string) => (r[k] as number[]).slice(1);
    console.log(`rows: the first ${values.mb} MB of ${path.basename(file)}: ${r.rows} rows, ${r.nonAscii} not ASCII`);
    console.log(
      `| decode + JSON.parse (warm, ms) | per row ${show(warm("perRow"))} | runs ${show(warm("runs"))} | baseline ${show(warm("baseline"))} |`,
    );
    console.log(
      `| finding the ASCII rows (ms) | byte loop ${show(r.flagsByte as number[])} | 4 bytes at a time ${show(r.flagsWord as number[])} |`,
    );
  }
  if (cases.has("gz")) {
    const plain = generateIngestFile(Number(values["gz-mb"]));
    if (!plain) throw new Error("../shared/datasets is missing: the file is generated from its texts");
    const gz = `${plain}.gz`;
    if (!fs.existsSync(gz)) {
      await pipeline(fs.createReadStream(plain), zlib.createGzip({ level: 6 }), fs.createWriteStream(`${gz}.tmp`));
      fs.renameSync(`${gz}.tmp`, gz);
    }
    const runs: Record<string, number | number[]>[] = [];
    for (let k = 0; k < reps; k++) runs.push(await run(gz, "/gz.js", {}));
    const col = (k: string) => runs.map((x) => x[k] as number);
    console.log(`gz: ${path.basename(gz)} → ${(col("bytes")[0] / 2 ** 20).toFixed(0)} MiB, ${reps} runs (ms):`);
    console.log(
      `| DecompressionStream ${show(col("decompress"))} | gather 8 MB pieces ${show(col("gather"))} | OPFS writes ${show(col("write"))} | flush + close ${show(col("close"))} | all ${show(col("all"))} |`,
    );
  }
} finally {
  await context.close();
  server.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
