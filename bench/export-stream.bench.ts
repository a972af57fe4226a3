/**
 * Export of the top 40 % of a generated TRL-string JSON Lines file (score and log-prob columns, seeded) through the
 * CLI's code, the way it wrote `--out` before streaming (the whole export as a Blob, copied into one ArrayBuffer,
 * `writeFileSync`) against the streamed write (`writeSelection` → fs write stream with backpressure, bin/export-file.ts).
 * Each leg runs in its own Node process (peak RSS is per process), the legs alternate, and the outputs are compared
 * byte for byte (SHA-256) in the same run.
 *   npx tsx bench/export-stream.bench.ts [--rows 1000000] [--text-bytes 1000] [--formats jsonl,trl] [--reps 2]
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { ExportFormat } from "@/lib/dataset/types";
import { DEFAULT_SETTINGS, specFromSettings } from "@/lib/selection/settings";
import { DatasetSession } from "@/lib/workbench/session";
import { writeExportFile } from "@/bin/export-file";
import { generateExportFile } from "./export-stream-rows";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    rows: { type: "string", default: "1000000" },
    "text-bytes": { type: "string", default: "1000" },
    formats: { type: "string", default: "jsonl,trl" },
    reps: { type: "string", default: "2" },
    leg: { type: "string" },
    file: { type: "string" },
    format: { type: "string" },
    out: { type: "string" },
  },
});

/** What one leg measured. */
interface LegResult {
  exportMs: number;
  peakRssMb: number;
  rssBeforeExportMb: number;
  peakHeapMb: number;
  peakArrayBuffersMb: number;
  bytes: number;
  selected: number;
}

const MB = 1024 * 1024;

/** One leg in this process: open and select as the CLI does, then export the old way or streamed. */
async function runLeg(leg: "old" | "stream", file: string, format: ExportFormat, out: string): Promise<LegResult> {
  const opened = await DatasetSession.open(await fs.openAsBlob(file), path.basename(file));
  if (!opened.ok) throw new Error(opened.reason.message);
  const session = opened.data;
  const spec = specFromSettings(DEFAULT_SETTINGS);
  const problem = await session.prepare(spec);
  if (problem) throw new Error(problem.message);
  const selected = session.select(spec).indices.length;
  const peak = { rss: 0, heap: 0, arrayBuffers: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.heap = Math.max(peak.heap, m.heapUsed);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers);
  };
  const rssBefore = process.memoryUsage().rss;
  const timer = setInterval(sample, 10);
  const t0 = performance.now();
  if (leg === "old") {
    // bin/margin-atlas.ts before streaming, line for line.
    const { blob } = await session.exportSelection(format, true);
    fs.writeFileSync(out, new Uint8Array(await blob.arrayBuffer()));
  } else {
    await writeExportFile(out, (sink) => session.writeSelection(format, true, sink));
  }
  const exportMs = performance.now() - t0;
  clearInterval(timer);
  sample();
  // maxRSS is the kernel's peak for the whole process, sampled or not (KiB).
  const peakRss = Math.max(peak.rss, process.resourceUsage().maxRSS * 1024);
  return {
    exportMs,
    peakRssMb: peakRss / MB,
    rssBeforeExportMb: rssBefore / MB,
    peakHeapMb: peak.heap / MB,
    peakArrayBuffersMb: peak.arrayBuffers / MB,
    bytes: fs.statSync(out).size,
    selected,
  };
}

function sha256File(file: string): string {
  const hash = createHash("sha256");
  const fd = fs.openSync(file, "r");
  const buf = Buffer.alloc(8 * MB);
  for (let n; (n = fs.readSync(fd, buf)) > 0;) hash.update(buf.subarray(0, n));
  fs.closeSync(fd);
  return hash.digest("hex");
}

async function main(): Promise<void> {
  if (values.leg) {
    const r = await runLeg(values.leg as "old" | "stream", values.file!, values.format as ExportFormat, values.out!);
    process.stdout.write(JSON.stringify(r) + "\n");
    return;
  }
  const rows = Number(values.rows);
  const textBytes = Number(values["text-bytes"]);
  const reps = Number(values.reps);
  const formats = values.formats!.split(",") as ExportFormat[];
  const t0 = performance.now();
  const file = generateExportFile(rows, textBytes);
  const size = fs.statSync(file).size;
  console.log(
    `export-stream: ${rows.toLocaleString("en-US")} rows, ${(size / MB).toFixed(0)} MB (${file}, generated/reused in ${((performance.now() - t0) / 1000).toFixed(1)} s), top 40 % by M_AP with computed columns; load average ${os.loadavg()[0].toFixed(2)}`,
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-export-stream-out-"));
  const table: string[] = [
    "| format | leg | rep | export s | peak RSS MB | RSS before export MB | peak heap MB | peak ArrayBuffers MB | output MB |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  const ratios: string[] = [];
  let allEqual = true;
  for (const format of formats) {
    const byLeg: Record<"old" | "stream", LegResult[]> = { old: [], stream: [] };
    const hashes: Record<"old" | "stream", string> = { old: "", stream: "" };
    for (let rep = 1; rep <= reps; rep++) {
      // Alternate which leg goes first, so a load spike on the shared machine does not always hit the same one.
      const order: ("old" | "stream")[] = rep % 2 === 1 ? ["old", "stream"] : ["stream", "old"];
      for (const leg of order) {
        const out = path.join(dir, `${leg}.${format}`);
        const child = spawnSync(
          process.execPath,
          ["--import", "tsx", import.meta.filename, "--leg", leg, "--file", file, "--format", format, "--out", out],
          { encoding: "utf8", maxBuffer: 16 * MB },
        );
        if (child.status !== 0) throw new Error(`${leg} ${format} failed:\n${child.stderr}`);
        const r = JSON.parse(child.stdout.trim().split("\n").pop()!) as LegResult;
        byLeg[leg].push(r);
        hashes[leg] = sha256File(out);
        fs.rmSync(out);
        table.push(
          `| ${format} | ${leg} | ${rep} | ${(r.exportMs / 1000).toFixed(2)} | ${r.peakRssMb.toFixed(0)} | ${r.rssBeforeExportMb.toFixed(0)} | ${r.peakHeapMb.toFixed(0)} | ${r.peakArrayBuffersMb.toFixed(0)} | ${(r.bytes / MB).toFixed(0)} |`,
        );
      }
    }
    // Best (lowest) of the reps: the least disturbed by the other jobs on a shared machine.
    const best = (xs: number[]) => Math.min(...xs);
    const time = best(byLeg.stream.map((r) => r.exportMs)) / best(byLeg.old.map((r) => r.exportMs));
    const growth = (r: LegResult) => r.peakRssMb - r.rssBeforeExportMb;
    const oldGrowth = best(byLeg.old.map(growth));
    const streamGrowth = best(byLeg.stream.map(growth));
    const equal = hashes.old === hashes.stream;
    allEqual &&= equal;
    ratios.push(
      `${format} (best of ${reps}): streamed/old export time ${time.toFixed(2)}×; peak RSS ${best(byLeg.stream.map((r) => r.peakRssMb)).toFixed(0)} vs ${best(byLeg.old.map((r) => r.peakRssMb)).toFixed(0)} MB ` +
        `(${(best(byLeg.stream.map((r) => r.peakRssMb)) / best(byLeg.old.map((r) => r.peakRssMb))).toFixed(2)}×); RSS growth during the export ${streamGrowth.toFixed(0)} vs ${oldGrowth.toFixed(0)} MB ` +
        `for a ${(byLeg.old[0].bytes / MB).toFixed(0)} MB output of ${byLeg.old[0].selected.toLocaleString("en-US")} rows; outputs ${equal ? "byte-identical" : "DIFFER"} (${hashes.stream.slice(0, 12)})`,
    );
  }
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(table.join("\n"));
  console.log("");
  for (const r of ratios) console.log(r);
  console.log(`load average at the end ${os.loadavg()[0].toFixed(2)}`);
  if (!allEqual) process.exitCode = 1;
}

await main();
