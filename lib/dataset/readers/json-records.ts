/**
 * Shared machinery of the two JSON readers (JSON Lines, JSON array): each row is a byte range of the file,
 * decoded and `JSON.parse`d only when scanned or fetched. Errors carry the file-level line and column.
 */
import { distinctRows, groupRanges, lineColumnIn, readBytes } from "@/lib/dataset/readers/bytes";
import { describeJsonType, parseJson } from "@/lib/dataset/readers/json-error";
import { BARE_TOKENS, replaceBareTokens, type BareToken } from "@/lib/dataset/readers/json-nonfinite";
import { checkRecordText } from "@/lib/dataset/readers/json-record-scan";
import { RowTexts } from "@/lib/dataset/readers/row-texts";
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
 * the bytes it parses (lib/dataset/readers/jsonl.ts); or the rest of a gzip stream (`openStreamedJsonl`), whose
 * file is complete only at its end.
 */
export interface PendingRows {
  /** Rows indexed so far. */
  readonly rowCount: number;
  /** The rows indexed so far (re-read after each `next`). */
  readonly index: JsonRowIndex;
  /**
   * Reads and indexes the next whole rows: their bytes start at file offset `base`; null at the end of the file.
   * A stream also says how far it has got (`fraction`), and may throw a `SourceError` (damaged data).
   */
  next(): Promise<{ bytes: Uint8Array; base: number; first: number; count: number; fraction?: number } | null>;
  /** The complete index, once `next` has resolved null. */
  finish(): JsonRowIndex;
  /**
   * A stream only: the Blob of the whole file once `next` has resolved null (the source reads from it from then on),
   * null before; until then the source's Blob holds the first `availableBytes` bytes.
   */
  readonly completeBytes?: Blob | null;
  readonly availableBytes?: number;
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

  /**
   * A stream whose scan stopped early (a bad record, a visitor's problem): the rest is read to its end before the
   * next scan or fetch, since the source's Blob holds only the stream's first bytes until then.
   */
  private interrupted = false;
  /** The stream's own failure (damaged gzip data), reported by every later scan and fetch. */
  private broken: ParseProblem | null = null;

  constructor(
    readonly info: FileInfo,
    /** The (decompressed) file bytes the offsets point into (a stream's first bytes until it ends). */
    private data: Blob,
    private known: JsonRowIndex,
    /** The rows past `known` that the first scan indexes as it parses them; null once the index is complete. */
    private pending: PendingRows | null = null,
  ) {}

  /** True while the pending rows come from a stream (a .jsonl.gz being decompressed): the Blob holds only its start. */
  private get streaming(): boolean {
    return this.pending?.completeBytes !== undefined;
  }

  /** The (decompressed) file bytes the offsets point into. */
  get bytes(): Blob {
    return this.data;
  }

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
    const settled = await this.settle();
    if (settled) return settled;
    const pending = this.pending;
    const streamed = this.streaming;
    const index = this.index;
    const { starts, ends, lines } = index;
    const n = starts.length;
    const order = identity(n);
    const total = pending ? this.bytes.size : n > 0 ? ends[n - 1] : 0;
    // This scan's own: nothing of its chunks outlives it.
    const texts = new RowTexts(this.decoder);
    for (const run of groupRanges(order, starts, ends)) {
      const chunk = await readBytes(this.bytes, run.start, run.end);
      texts.reset(chunk, run.start, starts, ends, run.members[run.members.length - 1]);
      for (const row of run.members) {
        const parsed = this.parseRowText(row, texts, index);
        if (!parsed.ok) return this.stopped(parsed.reason);
        const problem = visit(parsed.data, { row, line: lines[row] });
        if (problem) return this.stopped(problem);
      }
      // A stream's progress is that of its compressed bytes, reported per piece below.
      if (!streamed) onProgress?.(total > 0 ? run.end / total : 1);
    }
    if (pending) {
      // The rest of the file: each read is indexed, then its rows parsed from the same bytes.
      for (let read = await this.nextPending(pending); read; read = await this.nextPending(pending)) {
        if ("problem" in read) return read.problem;
        const now = pending.index;
        texts.reset(read.bytes, read.base, now.starts, now.ends, read.first + read.count - 1);
        for (let row = read.first; row < read.first + read.count; row++) {
          const parsed = this.parseRowText(row, texts, now);
          if (!parsed.ok) return this.stopped(parsed.reason);
          const problem = visit(parsed.data, { row, line: now.lines[row] });
          if (problem) return this.stopped(problem);
        }
        onProgress?.(read.fraction ?? (read.base + read.bytes.length) / total);
      }
      this.settled(pending);
    }
    this.complete = true;
    return null;
  }

  /** The next read of the pending rows, or the stream's failure (kept: every later scan and fetch reports it). */
  private async nextPending(pending: PendingRows) {
    try {
      return await pending.next();
    } catch (err) {
      if (!(err instanceof SourceError)) throw err;
      this.broken = err.detail;
      return { problem: err.detail };
    }
  }

  /** The pending rows are all indexed: the index is complete, and a stream's file is the source's Blob from now on. */
  private settled(pending: PendingRows): void {
    this.known = pending.finish();
    if (pending.completeBytes) this.data = pending.completeBytes;
    this.pending = null;
    this.interrupted = false;
  }

  /** Returns a scan's problem; a stream's scan that stops there leaves the rest of the stream to {@link settle}. */
  private stopped(problem: ParseProblem): ParseProblem {
    if (this.streaming) this.interrupted = true;
    return problem;
  }

  /**
   * Before a scan or fetch: a stream whose last scan stopped early is read to its end (its rows indexed, not parsed),
   * so that every indexed row is in the source's Blob. Resolves the stream's failure, if it has one.
   */
  private async settle(): Promise<ParseProblem | null> {
    if (this.broken) return this.broken;
    const pending = this.pending;
    if (!pending || !this.interrupted) return null;
    for (;;) {
      const read = await this.nextPending(pending);
      if (!read) break;
      if ("problem" in read) return read.problem;
    }
    this.settled(pending);
    return null;
  }

  /** Records by 0-based row index, in the order given; throws `SourceError` on a bad record. */
  async getRecords(rows: ArrayLike<number>): Promise<RawRecord[]> {
    await this.reachable(rows);
    const index = this.index;
    const { starts, ends } = index;
    const unique = distinctRows(rows, this.rowCount);
    unique.sort((a, b) => starts[a] - starts[b]);
    const byRow = new Map<number, RawRecord>();
    const texts = new RowTexts(this.decoder);
    for (const run of groupRanges(unique, starts, ends)) {
      const chunk = await readBytes(this.bytes, run.start, run.end);
      texts.reset(chunk, run.start, starts, ends, run.members[run.members.length - 1]);
      for (const row of run.members) {
        const parsed = this.parseRowText(row, texts, index);
        if (!parsed.ok) throw new SourceError(parsed.reason);
        byRow.set(row, parsed.data);
      }
    }
    return Array.from(rows, (row) => byRow.get(row) as RawRecord);
  }

  /**
   * Makes sure the rows' bytes can be read: a stream not yet at its end is read on to its end (indexed, not parsed)
   * when a row lies past the bytes delivered so far. Throws the stream's failure.
   */
  private async reachable(rows: ArrayLike<number>): Promise<void> {
    const pending = this.pending;
    let problem = this.broken;
    if (!problem && pending && this.streaming) {
      const { ends } = pending.index;
      let last = 0;
      for (let k = 0; k < rows.length; k++) {
        const row = rows[k];
        if (row >= 0 && row < ends.length && ends[row] > last) last = ends[row];
      }
      if (this.interrupted || last > this.bytes.size) {
        this.interrupted = true;
        problem = await this.settle();
      }
    }
    if (problem) throw new SourceError(problem);
  }

  /** Makes `fields` the union over every record (scans once if needed); resolves the first problem, if any. */
  async completeFields(): Promise<ParseProblem | null> {
    return this.complete ? null : this.scan(() => undefined);
  }

  /** Parses one row whose text `texts` decodes (throwing on invalid UTF-8). */
  private parseRowText(row: number, texts: RowTexts, index: JsonRowIndex): ParseResult<RawRecord> {
    const file = this.info.name;
    const line = index.lines[row];
    const startColumn = index.columns ? index.columns[row] : 1;
    let text: string;
    try {
      text = texts.text(row);
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
