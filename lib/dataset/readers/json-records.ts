/**
 * Shared machinery of the two JSON readers (JSON Lines, JSON array): each row is a byte range of the file,
 * decoded and `JSON.parse`d only when scanned or fetched. Errors carry the file-level line and column.
 */
import { distinctRows, groupRanges, lineColumnIn, readBytes } from "@/lib/dataset/readers/bytes";
import { describeJsonType, parseJson } from "@/lib/dataset/readers/json-error";
import { BARE_TOKENS, replaceBareTokens, type BareToken } from "@/lib/dataset/readers/json-nonfinite";
import { checkRecordText } from "@/lib/dataset/readers/json-record-scan";
import { SourceError } from "@/lib/dataset/source-error";
import type { JsonByteRows, RowSource } from "@/lib/dataset/source";
import type { FileInfo, ParseProblem, ParseResult, RawRecord, RecordVisitor } from "@/lib/dataset/types";

/** Byte ranges of the rows plus where each starts in the file (1-based line and column). */
export interface JsonRowIndex {
  starts: Float64Array;
  ends: Float64Array;
  lines: Float64Array;
  /** Start column of each row; null when every row starts at column 1 (JSON Lines). */
  columns: Float64Array | null;
}

/**
 * Rows not indexed yet: the rest of a JSON Lines file that `openJsonl` left to the first scan, which indexes it from
 * the bytes it parses (lib/dataset/readers/jsonl.ts).
 */
export interface PendingRows {
  /** Rows indexed so far. */
  readonly rowCount: number;
  /** The rows indexed so far (re-read after each `next`). */
  readonly index: JsonRowIndex;
  /** Reads and indexes the next whole rows: their bytes start at file offset `base`; null at the end of the file. */
  next(): Promise<{ bytes: Uint8Array; base: number; first: number; count: number } | null>;
  /** The complete index, once `next` has resolved null. */
  finish(): JsonRowIndex;
}

/** True for a plain JSON object (not an array or null). */
export function isRecord(value: unknown): value is RawRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** 0, 1, …, n − 1. */
export function identity(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** A row source over byte ranges of JSON text (the two JSON formats differ only in how they are indexed). */
export class JsonRowsSource implements RowSource {
  readonly fields: string[] = [];
  private readonly seen = new Set<string>();
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  /** True once every record has been parsed, so `fields` is the union over the whole file. */
  private complete = false;

  constructor(
    readonly info: FileInfo,
    /** The (decompressed) file bytes the offsets point into. */
    readonly bytes: Blob,
    private known: JsonRowIndex,
    /** The rows past `known` that the first scan indexes as it parses them; null once the index is complete. */
    private pending: PendingRows | null = null,
  ) {}

  /** Byte ranges of the rows (those indexed so far while the first scan has not run). */
  get index(): JsonRowIndex {
    return this.pending ? this.pending.index : this.known;
  }

  /** Number of records (indexed so far, while the first scan has not run). */
  get rowCount(): number {
    return this.pending ? this.pending.rowCount : this.known.starts.length;
  }

  /** True while part of the file is not indexed yet (the first `scan` indexes it). */
  get indexPending(): boolean {
    return this.pending !== null;
  }

  /** Each record's bytes, so a JSON export keeps them as written. */
  get nativeRows(): JsonByteRows {
    return { kind: "json-bytes", bytes: this.bytes, index: this.index };
  }

  /** Parses every record in file order and calls `visit`; resolves null or the first problem. */
  async scan(visit: RecordVisitor, onProgress?: (fraction: number) => void): Promise<ParseProblem | null> {
    const pending = this.pending;
    const index = this.index;
    const { starts, ends, lines } = index;
    const n = starts.length;
    const order = identity(n);
    const total = pending ? this.bytes.size : n > 0 ? ends[n - 1] : 0;
    for (const run of groupRanges(order, starts, ends)) {
      const chunk = await readBytes(this.bytes, run.start, run.end);
      for (const row of run.members) {
        const parsed = this.parseRow(row, chunk.subarray(starts[row] - run.start, ends[row] - run.start), index);
        if (!parsed.ok) return parsed.reason;
        const problem = visit(parsed.data, { row, line: lines[row] });
        if (problem) return problem;
      }
      onProgress?.(total > 0 ? run.end / total : 1);
    }
    if (pending) {
      // The rest of the file: each read is indexed, then its rows parsed from the same bytes.
      for (let read = await pending.next(); read; read = await pending.next()) {
        const now = pending.index;
        for (let row = read.first; row < read.first + read.count; row++) {
          const bytes = read.bytes.subarray(now.starts[row] - read.base, now.ends[row] - read.base);
          const parsed = this.parseRow(row, bytes, now);
          if (!parsed.ok) return parsed.reason;
          const problem = visit(parsed.data, { row, line: now.lines[row] });
          if (problem) return problem;
        }
        onProgress?.((read.base + read.bytes.length) / total);
      }
      this.known = pending.finish();
      this.pending = null;
    }
    this.complete = true;
    return null;
  }

  /** Records by 0-based row index, in the order given; throws `SourceError` on a bad record. */
  async getRecords(rows: ArrayLike<number>): Promise<RawRecord[]> {
    const index = this.index;
    const { starts, ends } = index;
    const unique = distinctRows(rows, this.rowCount);
    unique.sort((a, b) => starts[a] - starts[b]);
    const byRow = new Map<number, RawRecord>();
    for (const run of groupRanges(unique, starts, ends)) {
      const chunk = await readBytes(this.bytes, run.start, run.end);
      for (const row of run.members) {
        const parsed = this.parseRow(row, chunk.subarray(starts[row] - run.start, ends[row] - run.start), index);
        if (!parsed.ok) throw new SourceError(parsed.reason);
        byRow.set(row, parsed.data);
      }
    }
    return Array.from(rows, (row) => byRow.get(row) as RawRecord);
  }

  /** Makes `fields` the union over every record (scans once if needed); resolves the first problem, if any. */
  async completeFields(): Promise<ParseProblem | null> {
    return this.complete ? null : this.scan(() => undefined);
  }

  private parseRow(row: number, bytes: Uint8Array, index: JsonRowIndex): ParseResult<RawRecord> {
    const file = this.info.name;
    const line = index.lines[row];
    const startColumn = index.columns ? index.columns[row] : 1;
    let text: string;
    try {
      text = this.decoder.decode(bytes);
    } catch {
      return {
        ok: false,
        reason: { file, line, column: startColumn, row, message: "the record is not valid UTF-8 text" },
      };
    }
    let parsed = parseJson(text);
    let bare: BareToken[] | null = null;
    if (!parsed.ok) {
      // Python's json.dumps writes NaN / Infinity bare: read as missing (and counted), any other error stands.
      const replaced = replaceBareTokens(text);
      const retried = replaced && parseJson(replaced.text);
      if (retried?.ok) {
        parsed = retried;
        bare = replaced!.tokens;
      }
    }
    if (!parsed.ok) {
      const at = lineColumnIn(text, parsed.error.offset);
      const column = at.line === 1 ? startColumn + at.column - 1 : at.column;
      return { ok: false, reason: { file, line: line + at.line - 1, column, row, message: parsed.error.message } };
    }
    if (!isRecord(parsed.value)) {
      const message = `expected a JSON object {…} as the record, found ${describeJsonType(parsed.value)}`;
      return { ok: false, reason: { file, line, column: startColumn, row, message } };
    }
    for (const key in parsed.value) {
      if (!this.seen.has(key)) {
        this.seen.add(key);
        this.fields.push(key);
      }
    }
    // What JSON.parse did silently: duplicate keys listed (the session counts them), long integers made exact.
    checkRecordText(text, parsed.value);
    if (bare) (parsed.value as Record<symbol, unknown>)[BARE_TOKENS] = bare;
    return { ok: true, data: parsed.value };
  }
}
