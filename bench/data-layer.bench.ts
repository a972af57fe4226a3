/**
 * Micro-benchmark of the reader layer and export on a ~100 MB paper-style JSON Lines file (Node 20).
 * Run: `npx tsx bench/data-layer.bench.ts [copies]` — replicates ../shared/reference/paper-style/processed.jsonl
 * `copies` times (default 7, ≈103 MB / 21,000 rows) into os.tmpdir(), or synthesises rows if it is absent.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openSource } from "@/lib/dataset/source";
import { exportRows } from "@/lib/export/export";

const copies = Number(process.argv[2] ?? 7);
const reference = path.resolve(import.meta.dirname, "../../shared/reference/paper-style/processed.jsonl");
const target = path.join(os.tmpdir(), `margin-atlas-bench-${copies}.jsonl`);

/** A paper-style row when the reference file is missing (chat lists, score list, six numbers). */
function syntheticRow(i: number): string {
  const text = `Answer ${i}: ` + "lorem ipsum dolor sit amet ".repeat(150);
  const r = (k: number) => Math.sin(i * 12.9898 + k * 78.233) * 3;
  return JSON.stringify({
    prompt: [{ role: "user", content: `Question ${i}?` }],
    chosen: [
      { role: "user", content: `Question ${i}?` },
      { role: "assistant", content: text },
    ],
    rejected: [
      { role: "user", content: `Question ${i}?` },
      { role: "assistant", content: text.slice(0, 2000) },
    ],
    all_rm_scores: [r(1), r(2), r(3), r(4)],
    rm_margin: Math.abs(r(5)),
    chosen_logps: r(6) * 100,
    rejected_logps: r(7) * 100,
    chosen_logps_norm: r(8),
    rejected_logps_norm: r(9),
    logp_margin_norm: r(8) - r(9),
  });
}

function prepare(): void {
  if (fs.existsSync(target)) return;
  const out = fs.openSync(target, "w");
  if (fs.existsSync(reference)) {
    const bytes = fs.readFileSync(reference);
    for (let k = 0; k < copies; k++) fs.writeSync(out, bytes);
  } else {
    for (let i = 0; i < 3000 * copies; i++) fs.writeSync(out, syntheticRow(i) + "\n");
  }
  fs.closeSync(out);
}

let peakRss = 0;
const sampleRss = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));
const timer = setInterval(sampleRss, 20);

async function time<T>(label: string, run: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const result = await run();
  sampleRss();
  const ms = performance.now() - t0;
  console.log(
    `${label.padEnd(44)} ${ms.toFixed(0).padStart(7)} ms   RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`,
  );
  return result;
}

prepare();
const size = fs.statSync(target).size;
console.log(`file ${target}: ${(size / 2 ** 20).toFixed(1)} MB (Node ${process.version})`);
const blob = await fs.openAsBlob(target);

const opened = await time("openSource (index lines)", () => openSource(blob, path.basename(target)));
if (!opened.ok) throw new Error(JSON.stringify(opened.reason));
const source = opened.data;
const n = source.rowCount;
const explicit = new Float64Array(n);
const implicit = new Float64Array(n);
const problem = await time("scan: JSON.parse every row, read 2 numbers", () =>
  source.scan((record, where) => {
    explicit[where.row] = Number(record.rm_margin);
    implicit[where.row] = Number(record.logp_margin_norm);
  }),
);
if (problem) throw new Error(JSON.stringify(problem));
console.log(`rows ${n}, rm_margin[0] ${explicit[0]}, logp_margin_norm[0] ${implicit[0]}`);

// Deterministic scattered rows and a 40% selection (ascending), as the selection code produces.
const scattered = Array.from({ length: 50 }, (_, k) => Math.floor((((k * 7919 + 13) % 997) / 997) * n));
await time("getRecords(50 scattered rows)", () => source.getRecords(scattered));
await time("getRecords(50 scattered rows), again", () => source.getRecords(scattered.map((r) => (r + 1) % n)));
const selected: number[] = [];
for (let i = 0; i < n; i++) if ((i * 2654435761) % 4294967296 < 0.4 * 4294967296) selected.push(i);
console.log(`selected ${selected.length} rows (${((100 * selected.length) / n).toFixed(1)}%)`);
const jsonl = await time("exportRows 40% → JSONL (verbatim bytes)", () => exportRows(source, selected, "jsonl"));
console.log(`  → ${(jsonl.size / 2 ** 20).toFixed(1)} MB`);
const extra = [{ name: "m_ap", values: explicit }];
await time("exportRows 40% → JSONL + 1 computed column", () => exportRows(source, selected, "jsonl", extra));
const parquet = await time("exportRows 40% → Parquet (inferred schema)", () => exportRows(source, selected, "parquet"));
console.log(`  → ${(parquet.size / 2 ** 20).toFixed(1)} MB`);
const pq = await openSource(parquet, "selected.parquet");
if (!pq.ok) throw new Error(JSON.stringify(pq.reason));
await time("Parquet: getRecords(50 scattered rows)", () =>
  pq.data.getRecords(scattered.map((r) => Math.floor((r / n) * pq.data.rowCount))),
);
clearInterval(timer);
console.log(`peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB`);
