/**
 * The dataset worker's side of a re-rank at 10^6 rows: `npx tsx bench/rerank-worker.bench.ts [--rows 1000000]`.
 * Drives `createDatasetHandlers().select` as the page sends it (4 histograms of 40 bins, 34 visible rows' numbers)
 * on the seeded rows of the drag benchmarks (bench/curation-rows.ts): a new w each time (w values never seen before,
 * so no score is cached), then metric switches. Prints each call and the medians. The browser's end-to-end numbers
 * are bench/interaction-browser.ts'; this one says how much of them is the worker's compute.
 */
import os from "node:os";
import { curationRowChunks } from "./curation-rows";
import { defaultSpec, histogramSource, type FieldKey, type SelectionSpec } from "@/lib/selection/spec";
import type { Metric } from "@/lib/metrics/select";
import { createDatasetHandlers } from "@/lib/workbench/handlers";
import type { HandlerContext } from "@/lib/worker/rpc";
import type { HistogramRequest } from "@/lib/workbench/protocol";

const i = process.argv.indexOf("--rows");
const n = i >= 0 ? Number(process.argv[i + 1]) : 1_000_000;
const ctx = (): HandlerContext => ({ progress() {}, transfer: [] });
const fields: FieldKey[] = ["explicit", "implicit", "absImplicit", "mAp"];
const histograms: HistogramRequest[] = fields.map((field) => ({ field, source: histogramSource(field), bins: 40 }));
const handlers = createDatasetHandlers();
await handlers.open({ file: new Blob([...curationRowChunks(n)]), name: "rows.jsonl" }, ctx());
const rows = Array.from({ length: 34 }, (_, k) => Math.floor((k * n) / 34));
const base = defaultSpec();
const spec = (metric: Metric, weight: number): SelectionSpec => ({
  ...base,
  ranking: { ...base.ranking, metric, weight },
});
await handlers.select({ spec: base, histograms, rows }, ctx());

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function timed(s: SelectionSpec): Promise<number> {
  const t = performance.now();
  await handlers.select({ spec: s, histograms, rows }, ctx());
  return performance.now() - t;
}
console.log(
  `rerank-worker: ${n} rows, Node ${process.version}, nproc ${os.cpus().length}, load ${os.loadavg()[0].toFixed(2)}`,
);
const weights = [2, 0.5, 1.5, 3, 0.7, 2.5, 1.2, 0.9, 1.7, 2.2, 0.6];
const w: number[] = [];
for (const weight of weights) w.push(await timed(spec("map", weight)));
const m: number[] = [];
for (const metric of ["explicit", "implicit", "map", "explicit", "implicit", "map"] as Metric[])
  m.push(await timed(spec(metric, 2.2)));
const f = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(", ");
console.log(`new w (first = first new w after open): ${f(w)} ms; median ${median(w).toFixed(1)}`);
console.log(`metric switches explicit, implicit, map (first time, then cached): ${f(m)} ms`);
console.log(`load at the end ${os.loadavg()[0].toFixed(2)}`);
