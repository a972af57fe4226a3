/** Lines about the row space and what ingest noticed, shared by the UI and the CLI's stderr. */
import { MAX_FILE_NAME_LENGTH, sanitizeFileName } from "@/lib/export/download-name";
import type { DuplicateKeyCount, PlanSummary, ResponseIssues, RowAccounting } from "@/lib/workbench/types";

/** Rows named per reason in one line (the counts are always exact). */
const LISTED_ROWS = 20;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** e.g. `48 records → 30 pairs; excluded 18: tie 6, no majority 12`. */
export function describePlan(plan: PlanSummary): string {
  const reasons = plan.reasons.map((r) => `${r.reason} ${r.count}`).join(", ");
  return `${plan.records} records → ${plan.pairs} pairs; excluded ${plan.excluded}${reasons ? `: ${reasons}` : ""}`;
}

/** e.g. `3 rows have a duplicate key "score": the last value is used, as JSON.parse and Python's json do (first: line 4)`. */
export function describeDuplicateKey(c: DuplicateKeyCount): string {
  const where = c.firstLine !== undefined ? `line ${c.firstLine}` : `row ${c.firstRow}`;
  const verb = c.rows === 1 ? "has" : "have";
  return `${plural(c.rows, "row")} ${verb} a duplicate key ${JSON.stringify(c.field)}: the last value is used, as JSON.parse and Python's json do (first: ${where})`;
}

function listRows(rows: number[], count: number): string {
  const shown = rows.slice(0, LISTED_ROWS).join(", ");
  return `row${count === 1 ? "" : "s"} ${shown}${count > LISTED_ROWS ? `, … ${count - LISTED_ROWS} more` : ""}`;
}

/**
 * e.g. `3 pairs have identical or empty responses: identical chosen and rejected 2 (rows 1, 4), empty response 1
 * (row 6)`; null when there are none. Rows are 0-based, as the table's.
 */
export function describeResponseIssues(issues: ResponseIssues): string | null {
  if (issues.count === 0) return null;
  const parts = issues.reasons.map((r) => `${r.reason} ${r.count} (${listRows(r.rows, r.count)})`);
  const verb = issues.count === 1 ? "has" : "have";
  return `${plural(issues.count, "pair")} ${verb} identical or empty responses: ${parts.join(", ")}`;
}

/** e.g. `12 records in the file: 9 loaded (11 pairs), 3 skipped: tie 2, no majority 1`. */
export function describeAccounting(a: RowAccounting): string {
  const pairs = a.rows !== a.loaded ? ` (${plural(a.rows, "pair")})` : "";
  const reasons = a.reasons.map((r) => `${r.reason} ${r.count}`).join(", ");
  return `${plural(a.records, "record")} in the file: ${a.loaded} loaded${pairs}, ${a.skipped} skipped${reasons ? `: ${reasons}` : ""}`;
}

/** "data.jsonl.gz" → "data.skipped.jsonl" (sanitised, the suffix kept whole when the name is cut). */
export function skippedRowsFileName(sourceName: string): string {
  const suffix = ".skipped.jsonl";
  const base = sourceName.split(/[\\/]/).pop() ?? sourceName;
  const stem = base.replace(/\.gz$/i, "").replace(/\.[^.]*$/, "");
  const clean = sanitizeFileName(stem, "dataset")
    .slice(0, MAX_FILE_NAME_LENGTH - suffix.length)
    .trimEnd();
  return sanitizeFileName(clean + suffix);
}
