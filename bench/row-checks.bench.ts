/**
 * Cost of the ingest checks of issue 11 (duplicate keys, integers beyond 2^53, identical / empty responses) on the
 * paper-style reference file, against JSON.parse alone and a whole session open (Node 20).
 * Run: `npx tsx bench/row-checks.bench.ts [copies]` (default 3 copies of ../shared/reference/paper-style/processed.jsonl).
 */
import fs from "node:fs";
import path from "node:path";
import { checkRecordText } from "@/lib/dataset/readers/json-record-scan";
import { readPair } from "@/lib/dataset/pair";
import { responseIssueOf } from "@/lib/workbench/row-accounting";
import { DatasetSession } from "@/lib/workbench/session";
import type { RawRecord } from "@/lib/dataset/types";

const copies = Number(process.argv[2] ?? 3);
const reference = path.resolve(import.meta.dirname, "../../shared/reference/paper-style/processed.jsonl");
if (!fs.existsSync(reference)) throw new Error(`${reference} not found`);
const text = fs.readFileSync(reference, "utf8").repeat(copies);
const lines = text.split("\n").filter((l) => l.trim() !== "");
console.log(`${lines.length} rows, ${(text.length / 2 ** 20).toFixed(1)} MB of text (Node ${process.version})`);

function best(label: string, run: () => void, repeats = 5): number {
  let min = Infinity;
  for (let k = 0; k < repeats; k++) {
    const t0 = performance.now();
    run();
    min = Math.min(min, performance.now() - t0);
  }
  console.log(`${label.padEnd(52)} ${min.toFixed(1).padStart(8)} ms`);
  return min;
}

const parsed: RawRecord[] = lines.map((l) => JSON.parse(l) as RawRecord);
const parse = best("JSON.parse every row", () => {
  for (const l of lines) JSON.parse(l);
});
const checks = best("checkRecordText every row (dup keys, 2^53)", () => {
  for (let i = 0; i < lines.length; i++) checkRecordText(lines[i], parsed[i]);
});
const opened = await DatasetSession.open(new Blob([text]), "bench.jsonl");
if (!opened.ok) throw new Error(opened.reason.message);
const mapping = opened.data.summary().mapping;
const issues = best("readPair + responseIssueOf every row", () => {
  for (const r of parsed) {
    const p = readPair(r, mapping);
    if (p.ok) responseIssueOf(p.value);
  }
});
let openMs = Infinity;
for (let k = 0; k < 3; k++) {
  const t0 = performance.now();
  const s = await DatasetSession.open(new Blob([text]), "bench.jsonl");
  if (!s.ok) throw new Error(s.reason.message);
  openMs = Math.min(openMs, performance.now() - t0);
}
console.log(`${"DatasetSession.open (index + one scan, all checks)".padEnd(52)} ${openMs.toFixed(1).padStart(8)} ms`);
console.log(
  `checks: ${((100 * checks) / parse).toFixed(1)} % of JSON.parse; response issues ${((100 * issues) / openMs).toFixed(1)} % ` +
    `and text checks ${((100 * checks) / openMs).toFixed(1)} % of a whole open`,
);
