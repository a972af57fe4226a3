/**
 * CSV / TSV with a header row. A byte-level, quote-aware scan finds the records (a quoted cell may span lines)
 * without building one giant string (V8 strings stop at ~512 M characters); each record is parsed on demand with
 * papaparse. Cells stay strings: typing them is the schema layer's job.
 */
import Papa from "papaparse";
import {
  CHUNK_BYTES,
  GrowableF64,
  distinctRows,
  groupRanges,
  hasBom,
  readBytes,
  readChunks,
} from "@/lib/dataset/readers/bytes";
import { identity } from "@/lib/dataset/readers/json-records";
import { SourceError } from "@/lib/dataset/source-error";
import type { CsvByteRows, RowSource } from "@/lib/dataset/source";
import type { FileInfo, ParseProblem, ParseResult, RawRecord, RecordVisitor } from "@/lib/dataset/types";

/** Byte ranges (terminator excluded) and start lines of every record, the header included. */
export interface CsvRecordIndex {
  starts: Float64Array;
  ends: Float64Array;
  lines: Float64Array;
  /** The header's line terminator ("\r\n" or "\n"), reused when exporting. */
  newline: string;
}

// Quote-scanner states.
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_IN_QUOTED = 3; // a '"' inside a quoted cell: closes it or starts a '""' escape

/** Indexes records of delimiter-separated text; fails on a quoted cell that never closes. */
export async function indexCsv(
  blob: Blob,
  delimiter: number,
  onProgress?: (fraction: number) => void,
  chunkBytes = CHUNK_BYTES,
): Promise<{ ok: true; index: CsvRecordIndex } | { ok: false; line: number; message: string }> {
  const starts = new GrowableF64();
  const ends = new GrowableF64();
  const lines = new GrowableF64();
  let state = FIELD_START;
  let line = 1;
  let recordStart = 0;
  let recordLine = 1;
  let quoteLine = 1;
  let prevByte = -1;
  let newline = "\n";
  const endRecord = (end: number, lastByte: number) => {
    const e = lastByte === 0x0d ? end - 1 : end;
    // Empty lines are skipped (papaparse's skipEmptyLines) rather than read as one-empty-cell records.
    if (e > recordStart) {
      if (starts.length === 0 && lastByte === 0x0d) newline = "\r\n";
      starts.push(recordStart);
      ends.push(e);
      lines.push(recordLine);
    }
  };
  const bom = hasBom(await readBytes(blob, 0, 3)) ? 3 : 0;
  recordStart = bom;
  for await (const { offset, bytes } of readChunks(blob, bom, chunkBytes)) {
    let p = 0;
    for (const len = bytes.length; p < len; p++) {
      const b = bytes[p];
      if (state === QUOTED) {
        if (b === 0x22) state = QUOTE_IN_QUOTED;
        else if (b === 0x0a) line++;
        continue;
      }
      if (state === QUOTE_IN_QUOTED) {
        if (b === 0x22) {
          state = QUOTED;
          continue;
        }
        state = UNQUOTED;
      }
      if (b === 0x0a) {
        endRecord(offset + p, p > 0 ? bytes[p - 1] : prevByte);
        line++;
        recordStart = offset + p + 1;
        recordLine = line;
        state = FIELD_START;
      } else if (b === delimiter) state = FIELD_START;
      else if (b === 0x22 && state === FIELD_START) {
        state = QUOTED;
        quoteLine = line;
      } else state = UNQUOTED;
    }
    if (bytes.length > 0) prevByte = bytes[bytes.length - 1];
    onProgress?.((offset + bytes.length) / blob.size);
  }
  if (state === QUOTED) {
    return {
      ok: false,
      line: quoteLine,
      message: `a quoted cell opened on line ${quoteLine} never closes: expected a closing '"'`,
    };
  }
  endRecord(blob.size, prevByte);
  return { ok: true, index: { starts: starts.toArray(), ends: ends.toArray(), lines: lines.toArray(), newline } };
}

/** A CSV/TSV file: header names as fields, one record per data row, cells as strings. */
export class CsvSource implements RowSource {
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });

  constructor(
    readonly info: FileInfo,
    /** The (decompressed) file bytes the offsets point into. */
    readonly bytes: Blob,
    /** Record index; entry 0 is the header. */
    readonly index: CsvRecordIndex,
    readonly fields: string[],
    readonly delimiter: string,
  ) {}

  /** Number of data rows (the header excluded). */
  get rowCount(): number {
    return this.index.starts.length - 1;
  }

  /** Each record's bytes, so an export to the same delimiter keeps them as written. */
  get nativeRows(): CsvByteRows {
    return { kind: "csv-bytes", bytes: this.bytes, index: this.index, delimiter: this.delimiter };
  }

  /** Byte range of data row `row` (terminator excluded). */
  rowRange(row: number): [number, number] {
    return [this.index.starts[row + 1], this.index.ends[row + 1]];
  }

  /** Parses every record in file order and calls `visit`; resolves null or the first problem. */
  async scan(visit: RecordVisitor, onProgress?: (fraction: number) => void): Promise<ParseProblem | null> {
    const { starts, ends } = this.index;
    const n = starts.length;
    const order = identity(n).subarray(1);
    for (const run of groupRanges(order, starts, ends)) {
      const chunk = await readBytes(this.bytes, run.start, run.end);
      for (const i of run.members) {
        const parsed = this.parseRecord(i, chunk.subarray(starts[i] - run.start, ends[i] - run.start));
        if (!parsed.ok) return parsed.reason;
        const problem = visit(parsed.data, { row: i - 1, line: this.index.lines[i] });
        if (problem) return problem;
      }
      onProgress?.(run.end / ends[n - 1]);
    }
    return null;
  }

  /** Records by 0-based row index, in the order given; throws `SourceError` on a bad record. */
  async getRecords(rows: ArrayLike<number>): Promise<RawRecord[]> {
    const { starts, ends } = this.index;
    const unique = distinctRows(rows, this.rowCount);
    const records = unique.map((row) => row + 1).sort((a, b) => a - b);
    const byRow = new Map<number, RawRecord>();
    for (const run of groupRanges(records, starts, ends)) {
      const chunk = await readBytes(this.bytes, run.start, run.end);
      for (const i of run.members) {
        const parsed = this.parseRecord(i, chunk.subarray(starts[i] - run.start, ends[i] - run.start));
        if (!parsed.ok) throw new SourceError(parsed.reason);
        byRow.set(i - 1, parsed.data);
      }
    }
    return Array.from(rows, (row) => byRow.get(row) as RawRecord);
  }

  /** Parses record `i` of the index (0 = header) into an object of string cells. */
  private parseRecord(i: number, bytes: Uint8Array): ParseResult<RawRecord> {
    const cells = parseCells(this.decoder, bytes, this.delimiter);
    const where = { file: this.info.name, line: this.index.lines[i], row: i - 1 };
    if (!cells.ok) return { ok: false, reason: { ...where, message: cells.message } };
    const values = cells.data;
    const expected = this.fields.length;
    if (values.length < expected) {
      const missing = this.fields.slice(values.length);
      const names = missing.map((f) => `"${f}"`).join(", ");
      return {
        ok: false,
        reason: {
          ...where,
          field: missing[0],
          message: `the record has ${values.length} cells, expected ${expected} (one per header column): no value for ${names}`,
        },
      };
    }
    if (values.length > expected) {
      return {
        ok: false,
        reason: {
          ...where,
          message: `the record has ${values.length} cells, expected ${expected} (one per header column: ${this.fields.join(", ")}); check the quoting or the delimiter`,
        },
      };
    }
    const record: RawRecord = {};
    for (let k = 0; k < expected; k++) record[this.fields[k]] = values[k];
    return { ok: true, data: record };
  }
}

/** Splits one record's bytes into cells with papaparse; fails on invalid UTF-8 or malformed quotes. */
function parseCells(
  decoder: TextDecoder,
  bytes: Uint8Array,
  delimiter: string,
): { ok: true; data: string[] } | { ok: false; message: string } {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return { ok: false, message: "the record is not valid UTF-8 text" };
  }
  const result = Papa.parse<string[]>(text, { delimiter, newline: "\n", quoteChar: '"', header: false });
  if (result.errors.length > 0) {
    return { ok: false, message: `malformed CSV quoting: ${result.errors[0].message.toLowerCase()}` };
  }
  // The record's own line breaks live inside quoted cells, so papaparse must see exactly one row.
  if (result.data.length !== 1) return { ok: false, message: "malformed CSV: the record splits into several rows" };
  return { ok: true, data: result.data[0] };
}

/** Opens a CSV (`,`) or TSV (tab) file: header row required; records are parsed on demand. */
export async function openCsv(
  blob: Blob,
  info: FileInfo,
  onProgress?: (fraction: number) => void,
): Promise<ParseResult<CsvSource>> {
  const delimiter = info.format === "tsv" ? "\t" : ",";
  const file = info.name;
  const indexed = await indexCsv(blob, delimiter.charCodeAt(0), onProgress);
  if (!indexed.ok) return { ok: false, reason: { file, line: indexed.line, message: indexed.message } };
  const { index } = indexed;
  if (index.starts.length === 0)
    return { ok: false, reason: { file, message: "the file is empty: expected a header row" } };
  const header = parseCells(
    new TextDecoder("utf-8", { fatal: true }),
    await readBytes(blob, index.starts[0], index.ends[0]),
    delimiter,
  );
  if (!header.ok)
    return { ok: false, reason: { file, line: index.lines[0], message: `header row: ${header.message}` } };
  const fields = header.data;
  if (fields.every((f) => f.trim() === "")) {
    const message =
      index.starts.length === 1
        ? "the file contains only whitespace: expected a header row and data rows"
        : "the header row is blank: expected column names";
    return { ok: false, reason: { file, line: index.lines[0], message } };
  }
  const firstSeen = new Map<string, number>();
  for (let k = 0; k < fields.length; k++) {
    const before = firstSeen.get(fields[k]);
    if (before !== undefined) {
      return {
        ok: false,
        reason: {
          file,
          line: index.lines[0],
          field: fields[k],
          message: `the header names column "${fields[k]}" twice (columns ${before + 1} and ${k + 1}); names must be unique`,
        },
      };
    }
    firstSeen.set(fields[k], k);
  }
  if (index.starts.length === 1) {
    return {
      ok: false,
      reason: { file, line: index.lines[0], message: "no data rows: the file has only a header row" },
    };
  }
  return { ok: true, data: new CsvSource(info, blob, index, fields, delimiter) };
}
