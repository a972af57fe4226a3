/**
 * Worker-side cost of dragging the explicit-margin floor handle at 10^6 rows:
 * `npx tsx bench/curation-drag.bench.ts [--rows 1000000] [--moves 30]`.
 * Drives the dataset worker's own handlers (`createDatasetHandlers().select`, evaluate + 4 cross-filtered
 * histograms) on a seeded in-memory JSONL file, and times each pointer move against baselines in the same run.
 */
import { curationRowChunks } from "./curation-rows";
import { countInBins, histogram } from "@/lib/metrics/histogram";
import { gatePredicate, pickTop, rankScores, targetFor } from "@/lib/selection/evaluate";
import { defaultSpec, histogramSource, type FieldKey, type Gate, type SelectionSpec } from "@/lib/selection/spec";
import { createDatasetHandlers } from "@/lib/workbench/handlers";
import type { HandlerContext } from "@/lib/worker/rpc";
import type { HistogramRequest, SelectReply } from "@/lib/workbench/protocol";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const rows = arg("rows", 1_000_000);
const moves = arg("moves", 30);
const BINS = 40; // components/workbench-store.ts HISTOGRAM_BINS

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
const median = (xs: number[]) => quantile(xs, 0.5);

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** Seeded rows shaped like selection.bench.ts (~1 % missing margins), as short prompt/chosen/rejected JSONL. */
function syntheticFile(n: number): Blob {
  return new Blob([...curationRowChunks(n)], { type: "application/x-ndjson" });
}

const ctx = (): HandlerContext => ({ progress() {}, transfer: [] });
const fields: FieldKey[] = ["explicit", "implicit", "absImplicit", "mAp"];
const histograms: HistogramRequest[] = fields.map((field) => ({ field, source: histogramSource(field), bins: BINS }));

const t0 = performance.now();
const file = syntheticFile(rows);
const genMs = performance.now() - t0;
const handlers = createDatasetHandlers();
const tOpen = performance.now();
const opened = await handlers.open({ file, name: "synthetic.jsonl" }, ctx());
const openMs = performance.now() - tOpen;
void opened;
// The columns stay in the worker (its replies carry none): the bench reads copies the way a view would.
const column = async (field: "explicit" | "implicit" | "mAp" | "score") => (await handlers.column({ field }, ctx()))!;
const explicit = await column("explicit");
const implicit = await column("implicit");

let lastReply: SelectReply | null = null;
// CPU time of each call too (user + system, this process): on a shared machine the wall time also holds the time
// spent waiting for a core, which this does not.
let cpuLog: number[] = [];
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
async function select(spec: SelectionSpec): Promise<number> {
  const c = process.cpuUsage();
  const t = performance.now();
  lastReply = await handlers.select({ spec, histograms }, ctx());
  const ms = performance.now() - t;
  cpuLog.push(cpuMs(process.cpuUsage(c)));
  return ms;
}
/** The CPU times logged since the last call. */
const takeCpu = () => {
  const out = cpuLog;
  cpuLog = [];
  return out;
};

// The worker hashes the file (SHA-256) in the background from `open` on, in slices that interleave with requests:
// while it runs a select waits ~50 ms behind a slice now and then. Timed moves start after it, so they measure the
// selection, not the hash (whose slicing is the worker's scheduling, not the selection engine's compute).
const tHash = performance.now();
await handlers.identity({}, ctx());
const hashMs = performance.now() - tHash;
const base = defaultSpec();
const warmMs = await select(base);
const mAp = await column("mAp");
const score = await column("score");

let exMin = Infinity;
let exMax = -Infinity;
for (const v of explicit) {
  if (!Number.isFinite(v)) continue;
  exMin = Math.min(exMin, v);
  exMax = Math.max(exMax, v);
}
const floors = Array.from({ length: moves }, (_, i) => exMin + ((exMax - exMin) * (i + 1)) / (moves + 1));
const floorGate = (lo: number): Gate => ({
  kind: "interval",
  source: "hist:explicit",
  field: "explicit",
  lo,
  hi: null,
});
const ceilingGate: Gate = { kind: "interval", source: "hist:absImplicit", field: "absImplicit", lo: null, hi: 1.2 };
const withGates = (...gates: Gate[]): SelectionSpec => ({ ...base, gates });

const results: { name: string; ms: number[]; cpu: number[]; note: string }[] = [];

// The drag itself: a fresh floor per move (predicate cache misses every time, as in the app).
{
  const ms: number[] = [];
  takeCpu();
  for (const lo of floors) ms.push(await select(withGates(floorGate(lo))));
  results.push({
    name: "floor drag (1 gate)",
    ms,
    cpu: takeCpu(),
    note: `${moves} moves, floor ${exMin.toFixed(2)}→${floors.at(-1)!.toFixed(2)}`,
  });
}
// (a) the same drag with an unrelated |implicit| ceiling: two cross-filter contexts, three walks.
{
  await select(withGates(ceilingGate, floorGate(floors[0] - 0.01)));
  const ms: number[] = [];
  takeCpu();
  for (const lo of floors) ms.push(await select(withGates(ceilingGate, floorGate(lo))));
  results.push({
    name: "(a) floor drag + \\|implicit\\| ceiling",
    ms,
    cpu: takeCpu(),
    note: "2 contexts: both updated in place",
  });
}
// (b) ratio change, gates unchanged (floor at the drag's middle; predicate cached).
{
  const mid = floorGate(floors[Math.floor(moves / 2)]);
  const ms: number[] = [];
  takeCpu();
  for (let i = 0; i < moves; i++)
    ms.push(await select({ ...base, ranking: { ...base.ranking, ratio: 0.2 + (0.6 * i) / moves }, gates: [mid] }));
  results.push({ name: "(b) ratio change (same gate)", ms, cpu: takeCpu(), note: "the cut in the ranking moves" });
}
// (c) w change: rescore + sort + fresh score columns in the reply.
{
  const steps = Math.min(moves, 10);
  const ms: number[] = [];
  takeCpu();
  for (let i = 0; i < steps; i++)
    ms.push(await select({ ...base, ranking: { ...base.ranking, weight: 0.5 + i * 0.137 } }));
  results.push({
    name: "(c) w change (rescore + reply columns)",
    ms,
    cpu: takeCpu(),
    note: `${steps} moves, no gates; the reply's M_AP ranks sort`,
  });
}
// (e) keep / drop rows by hand while the floor is set (the inspector's buttons): one decision per step.
{
  const mid = floorGate(floors[Math.floor(moves / 3)]);
  const ms: number[] = [];
  let spec: SelectionSpec = { ...base, gates: [mid] };
  await select(spec);
  takeCpu();
  for (let i = 0; i < moves; i++) {
    const row = (i * 7919 * 31) % rows;
    const list = [...(i % 2 ? spec.decisions.keep : spec.decisions.drop), row].sort((a, b) => a - b);
    spec = { ...spec, decisions: i % 2 ? { ...spec.decisions, keep: list } : { ...spec.decisions, drop: list } };
    ms.push(await select(spec));
  }
  results.push({ name: "(e) keep / drop one row (same gate)", ms, cpu: takeCpu(), note: "decisions only" });
}
// (d) the floor of any implementation: one predicate AND over all rows.
{
  const mask = new Uint8Array(rows).fill(1);
  const ms: number[] = [];
  const cpu: number[] = [];
  for (const lo of floors) {
    const c = process.cpuUsage();
    ms.push(
      time(() => {
        for (let i = 0; i < rows; i++) mask[i] &= explicit[i] >= lo ? 1 : 0;
      }),
    );
    cpu.push(cpuMs(process.cpuUsage(c)));
  }
  results.push({ name: "(d) plain AND of one predicate", ms, cpu, note: "one pass over the rows (reference)" });
}

// Per-part breakdown of one floor move, with the library's own pieces on the same columns.
const parts: Record<string, number[]> = {
  "predicate (gatePredicate)": [],
  "walk ×2 (pickTop: main + hist:explicit context)": [],
  "mask → indices (session.select)": [],
  "histograms ×4 (countInBins)": [],
  "reply mask.slice()": [],
};
{
  const ranked = rankScores(score);
  const k = targetFor(base.ranking, ranked.valid);
  const codes = new Uint8Array(rows);
  const absImplicit = Float64Array.from(implicit, Math.abs);
  const cols: Record<string, Float64Array> = { explicit, implicit, absImplicit, mAp };
  const edges = fields.map((f) => histogram(cols[f], BINS).edges);
  const reader = (f: FieldKey) => cols[f] ?? null;
  for (const lo of floors) {
    let pred!: Uint8Array;
    parts["predicate (gatePredicate)"].push(
      time(() => (pred = gatePredicate(floorGate(lo), rows, reader, () => null))),
    );
    let mask!: Uint8Array;
    let ctxMask!: Uint8Array;
    parts["walk ×2 (pickTop: main + hist:explicit context)"].push(
      time(() => {
        const allowed = pred.slice();
        mask = pickTop(ranked, k, allowed, codes).mask;
        ctxMask = pickTop(ranked, k, null, codes).mask;
      }),
    );
    parts["mask → indices (session.select)"].push(
      time(() => {
        let c = 0;
        for (let i = 0; i < rows; i++) c += mask[i];
        const idx = new Uint32Array(c);
        for (let i = 0, j = 0; i < rows; i++) if (mask[i]) idx[j++] = i;
      }),
    );
    parts["histograms ×4 (countInBins)"].push(
      time(() => fields.forEach((f, j) => countInBins(cols[f], edges[j], f === "explicit" ? ctxMask : mask))),
    );
    parts["reply mask.slice()"].push(time(() => mask.slice()));
  }
}

// Bonus: the postMessage copy the worker side leaves out, approximated with Node's structuredClone.
const cloneMs: number[] = [];
const cloneTransferMs: number[] = [];
for (let i = 0; i < 10; i++) {
  const r = await handlers.select({ spec: withGates(floorGate(floors[i])), histograms }, ctx());
  cloneMs.push(time(() => structuredClone(r)));
  const mask = await handlers.mask({}, ctx());
  cloneTransferMs.push(time(() => structuredClone({ ...r, mask }, { transfer: [mask.buffer] })));
}

const fmt = (x: number) => x.toFixed(1);
console.log(
  `rows=${rows} node=${process.version} generate=${fmt(genMs)} ms open=${fmt(openMs)} ms ` +
    `background hash done ${fmt(hashMs)} ms later, warm select=${fmt(warmMs)} ms ` +
    `selected=${lastReply!.selectedCount}`,
);
console.log(
  "\n| case | moves | median ms | p90 ms | min ms | median CPU ms | note |\n| --- | ---: | ---: | ---: | ---: | ---: | --- |",
);
for (const r of results)
  console.log(
    `| ${r.name} | ${r.ms.length} | ${fmt(median(r.ms))} | ${fmt(quantile(r.ms, 0.9))} | ${fmt(Math.min(...r.ms))} | ` +
      `${fmt(median(r.cpu))} | ${r.note} |`,
  );
const caseOf = (name: string) => results.find((r) => r.name.startsWith(name))!;
const floorOf = (name: string) => median(caseOf(name).ms);
const cpuOf = (name: string) => median(caseOf(name).cpu);
console.log(
  `\ntarget ≤ 8 ms per gate/handle change: floor drag ${fmt(floorOf("floor"))} ms (CPU ${fmt(cpuOf("floor"))}), ` +
    `ratio change ${fmt(floorOf("(b)"))} ms (CPU ${fmt(cpuOf("(b)"))}); ` +
    `${(floorOf("floor") / floorOf("(d)")).toFixed(2)}× / ${(floorOf("(b)") / floorOf("(d)")).toFixed(2)}× one predicate pass (d)`,
);
console.log(
  "\n| part of one floor move on the previous path (full predicate + walks, replayed) | median ms | p90 ms |\n| --- | ---: | ---: |",
);
for (const [name, ms] of Object.entries(parts))
  console.log(`| ${name} | ${fmt(median(ms))} | ${fmt(quantile(ms, 0.9))} |`);
console.log(
  `| structuredClone(reply), mask copied | ${fmt(median(cloneMs))} | ${fmt(quantile(cloneMs, 0.9))} |\n` +
    `| structuredClone(reply), mask transferred | ${fmt(median(cloneTransferMs))} | ${fmt(quantile(cloneTransferMs, 0.9))} |`,
);
