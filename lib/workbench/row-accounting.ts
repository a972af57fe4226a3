/**
 * Row accounting of a loaded file (issue 11, "nothing changes silently"): keys JSON.parse overwrote, pairs that
 * compare nothing (identical or empty responses), records in = loaded + skipped, and the skipped records written out
 * with their line numbers. Pure over a row source; the session calls it during and after its ingest scan.
 */
import type { Pair, RawRecord, RecordLocation } from "@/lib/dataset/types";
import { DUPLICATE_KEYS } from "@/lib/dataset/readers/json-record-scan";
import { pairToText } from "@/lib/dataset/pair";
import { minifyJson } from "@/lib/export/json-bytes";
import { groupRanges, readBytes } from "@/lib/dataset/readers/bytes";
import type { RowSource } from "@/lib/dataset/source";
import type { DuplicateKeyCount, ResponseIssueReason, ResponseIssues } from "@/lib/workbench/types";

/** Rows listed per reason in the summary (counts are always exact). */
export const LISTED_ISSUE_ROWS = 200;

/** Reasons in the order they are reported. */
export const RESPONSE_ISSUE_REASONS: readonly ResponseIssueReason[] = [
  "identical chosen and rejected",
  "empty response",
];

const isBlank = (messages: Pair["chosen"]) => messages.every((m) => m.content.trim() === "");

/**
 * Why a pair compares nothing, or null: one response empty or whitespace-only (either, or both), else chosen and
 * rejected the same text once surrounding whitespace is trimmed (roles included, for multi-turn responses).
 */
export function responseIssueOf(pair: Pair): ResponseIssueReason | null {
  if (isBlank(pair.chosen) || isBlank(pair.rejected)) return "empty response";
  const t = pairToText(pair);
  return t.chosen.trim() === t.rejected.trim() ? "identical chosen and rejected" : null;
}

/** Collects response issues row by row during a scan; rows ascending when the scan is in row order. */
export function createResponseIssueCounter(): {
  note(pair: Pair, row: number): void;
  summary(): ResponseIssues;
  /** Every listed row, all reasons, ascending. */
  rows(): Uint32Array;
} {
  const byReason = new Map<ResponseIssueReason, number[]>(RESPONSE_ISSUE_REASONS.map((r) => [r, []]));
  return {
    note(pair, row) {
      const reason = responseIssueOf(pair);
      if (reason) byReason.get(reason)!.push(row);
    },
    summary() {
      const reasons = RESPONSE_ISSUE_REASONS.filter((r) => byReason.get(r)!.length > 0).map((reason) => {
        const rows = byReason.get(reason)!;
        return { reason, count: rows.length, rows: rows.slice(0, LISTED_ISSUE_ROWS) };
      });
      return { count: reasons.reduce((n, r) => n + r.count, 0), reasons };
    },
    rows() {
      const all = Uint32Array.from([...byReason.values()].flat());
      return all.sort();
    },
  };
}

/** Counts, per field path, the records that wrote a key twice (a record counts once per path). */
export function createDuplicateKeyCounter(): {
  note(record: RawRecord, where: RecordLocation): void;
  counts(): DuplicateKeyCount[];
} {
  const byField = new Map<string, DuplicateKeyCount>();
  return {
    note(record, where) {
      const paths = (record as Record<symbol, unknown>)[DUPLICATE_KEYS] as string[] | undefined;
      if (!paths) return;
      for (const field of paths) {
        const hit = byField.get(field);
        if (hit) hit.rows++;
        else
          byField.set(field, {
            field,
            rows: 1,
            firstRow: where.row,
            ...(where.line !== undefined ? { firstLine: where.line } : {}),
          });
      }
    },
    counts: () => [...byField.values()],
  };
}

/** One skipped record to write out: its 0-based record index in the (whole) file, line when known, and why. */
export interface SkippedRecord {
  record: number;
  line?: number;
  reason: string;
}

// JSON.stringify of a decoded Parquet or CSV value: BigInts exact (number when safe, else decimal text), typed arrays
// as lists; Dates use their own toJSON.
function plainJson(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value.toString();
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as number[]);
  return value;
}

const encoder = new TextEncoder();

/**
 * The skipped records as JSON Lines, one `{"row", "line", "file", "reason", "record"}` object each in file order
 * (`line` when the format has lines, `file` when the dataset has several files; `row` is 0-based in that file).
 * JSON records are written as the file holds them (minified onto one line, every value spelt as written, Python's
 * bare NaN included); CSV records as their cells (text) by header; Parquet records as decoded.
 */
export async function skippedRecordsJsonl(source: RowSource, skipped: SkippedRecord[]): Promise<Blob> {
  const ordered = [...skipped].sort((a, b) => a.record - b.record);
  const native = source.nativeRows?.kind === "json-bytes" ? source.nativeRows : null;
  const files = source.info.files;
  const parts: BlobPart[] = [];
  const BATCH = 2000;
  for (let b = 0; b < ordered.length; b += BATCH) {
    const batch = ordered.slice(b, b + BATCH);
    const records = batch.map((s) => s.record);
    const parsed = native ? null : await source.getRecords(records);
    // Byte ranges read in runs: one Blob read per record is slow by the thousand (bytes.ts groupRanges).
    const texts = new Map<number, Uint8Array<ArrayBuffer>>();
    if (native) {
      const { starts, ends } = native.index;
      for (const run of groupRanges(records, starts, ends)) {
        const chunk = await readBytes(native.bytes, run.start, run.end);
        for (const r of run.members)
          texts.set(
            r,
            minifyJson(chunk.subarray(starts[r] - run.start, ends[r] - run.start)) as Uint8Array<ArrayBuffer>,
          );
      }
    }
    for (let k = 0; k < batch.length; k++) {
      const s = batch[k];
      const shard = files && source.shardOf ? source.shardOf(s.record) : -1;
      const head: Record<string, unknown> = {
        row: shard >= 0 ? s.record - files![shard].firstRow : s.record,
        ...(s.line !== undefined ? { line: s.line } : {}),
        ...(shard >= 0 ? { file: files![shard].name } : {}),
        reason: s.reason,
      };
      const open = JSON.stringify(head).slice(0, -1);
      if (native) parts.push(encoder.encode(`${open},"record":`), texts.get(s.record)!, encoder.encode("}\n"));
      else parts.push(`${open},"record":${JSON.stringify(parsed![k], plainJson)}}\n`);
    }
  }
  return new Blob(parts, { type: "application/x-ndjson" });
}
