/**
 * Parquet via hyparquet over `Blob.slice`. Rows are read a row group at a time (hyparquet decodes whole column
 * chunks anyway) and the last few decoded groups are cached, since a page of scattered rows often hits the same
 * groups. Public records turn INT64 BigInts into numbers when exactly representable, else into decimal strings. JSON
 * columns are parsed exactly: integers beyond ±2^53 nested in them are BigInts, as in JSON records.
 */
import {
  parquetMetadataAsync,
  parquetReadObjects,
  type AsyncBuffer,
  type FileMetaData,
  type ParquetParsers,
} from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { SourceError } from "@/lib/dataset/source-error";
import type { ParquetValueRows, RowSource } from "@/lib/dataset/source";
import type { FileInfo, ParseProblem, ParseResult, RawRecord, RecordVisitor } from "@/lib/dataset/types";
import { distinctRows, readBytes } from "@/lib/dataset/readers/bytes";
import { parseJsonExact } from "@/lib/dataset/readers/json-record-scan";

/** Decoded row groups kept in memory (a group of 100k paper-style rows is ~0.5 GB of strings: keep it small). */
const CACHED_GROUPS = 2;

const utf8 = new TextDecoder();

/**
 * hyparquet's parsers with JSON columns read exactly: its default `JSON.parse` rounds integers beyond ±2^53, which
 * the exporter writes as exact digits (lib/export/exact-integers.test.ts).
 */
export const EXACT_PARSERS: Partial<ParquetParsers> = {
  jsonFromBytes: (bytes: Uint8Array | undefined) => bytes && parseJsonExact(utf8.decode(bytes)),
};

/** A hyparquet AsyncBuffer over a Blob (browser Files, Node's `fs.openAsBlob`), read through `readBytes`. */
export function blobAsyncBuffer(blob: Blob): AsyncBuffer {
  return {
    byteLength: blob.size,
    slice: async (start, end) => {
      const bytes = await readBytes(blob, start, end ?? blob.size);
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      return (whole ? bytes.buffer : bytes.slice().buffer) as ArrayBuffer;
    },
  };
}

/**
 * Converts a value as hyparquet decodes it into a plain record value: BigInt → number when it is a safe
 * integer, else its decimal string (never a rounded number); lists and structs recursively.
 */
export function toPlainValue(value: unknown): unknown {
  if (typeof value === "bigint") {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value.toString();
  }
  if (Array.isArray(value)) return value.map(toPlainValue);
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toPlainValue(v);
    return out;
  }
  return value;
}

/** A Parquet file: schema columns as fields; rows decoded per row group on demand. */
export class ParquetSource implements RowSource {
  readonly fields: string[];
  readonly rowCount: number;
  /** First row of each row group, plus the total at the end. */
  readonly groupStarts: Float64Array;
  /** Top-level columns of logical or converted type JSON: their values are kept as parsed (exact BigInts included). */
  private readonly jsonFields: Set<string>;
  private readonly file: AsyncBuffer;
  /** Most recently used last. */
  private readonly cache: { group: number; rows: Promise<Record<string, unknown>[]> }[] = [];

  constructor(
    readonly info: FileInfo,
    readonly bytes: Blob,
    readonly metadata: FileMetaData,
  ) {
    this.file = blobAsyncBuffer(bytes);
    const root = metadata.schema[0];
    // Top-level columns are the root's direct children, in schema order.
    const fields: string[] = [];
    this.jsonFields = new Set();
    let i = 1;
    for (let c = 0; c < (root.num_children ?? 0); c++) {
      const element = metadata.schema[i];
      fields.push(element.name);
      if (element.converted_type === "JSON" || element.logical_type?.type === "JSON") this.jsonFields.add(element.name);
      i = skipSubtree(metadata.schema, i);
    }
    this.fields = fields;
    this.groupStarts = new Float64Array(metadata.row_groups.length + 1);
    metadata.row_groups.forEach((g, k) => (this.groupStarts[k + 1] = this.groupStarts[k] + Number(g.num_rows)));
    this.rowCount = this.groupStarts[metadata.row_groups.length];
  }

  /** Row group holding `row`. */
  groupOf(row: number): number {
    let lo = 0;
    let hi = this.groupStarts.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.groupStarts[mid] <= row) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * The rows of one row group exactly as hyparquet decodes them (BigInts kept), for lossless Parquet export; kept in
   * the small cache of recently read groups unless `keep` is false.
   */
  rawGroup(group: number, keep = true): Promise<Record<string, unknown>[]> {
    const hit = this.cache.findIndex((c) => c.group === group);
    if (hit >= 0) {
      const [entry] = this.cache.splice(hit, 1);
      this.cache.push(entry);
      return entry.rows;
    }
    const rows = parquetReadObjects({
      file: this.file,
      metadata: this.metadata,
      compressors,
      parsers: EXACT_PARSERS,
      rowStart: this.groupStarts[group],
      rowEnd: this.groupStarts[group + 1],
    });
    if (!keep) return rows;
    this.cache.push({ group, rows });
    // A failed read must not stay cached.
    rows.catch(() => {
      const at = this.cache.findIndex((c) => c.rows === rows);
      if (at >= 0) this.cache.splice(at, 1);
    });
    if (this.cache.length > CACHED_GROUPS) this.cache.shift();
    return rows;
  }

  /** One row exactly as hyparquet decodes it (BigInts kept). */
  async rawRow(row: number): Promise<Record<string, unknown>> {
    const g = this.groupOf(row);
    return (await this.rawGroup(g))[row - this.groupStarts[g]];
  }

  /** Decoded rows and the file's schema, so a Parquet export keeps both. */
  get nativeRows(): ParquetValueRows {
    return { kind: "parquet-values", metadata: this.metadata, rawRow: (row) => this.rawRow(row) };
  }

  /** Parses every record in file order and calls `visit`; resolves null or the first problem. */
  async scan(visit: RecordVisitor, onProgress?: (fraction: number) => void): Promise<ParseProblem | null> {
    const groups = this.metadata.row_groups.length;
    for (let g = 0; g < groups; g++) {
      let rows: Record<string, unknown>[];
      try {
        // A scan passes over every group once: caching them would leave the last two decoded (tens of MB of texts
        // held after a load; bench/RESULTS.md, ingest in Chromium).
        rows = await this.rawGroup(g, false);
      } catch (err) {
        return this.readProblem(g, err);
      }
      const first = this.groupStarts[g];
      for (let k = 0; k < rows.length; k++) {
        const problem = visit(this.plainRecord(rows[k]), { row: first + k });
        if (problem) return problem;
      }
      onProgress?.(this.groupStarts[g + 1] / Math.max(1, this.rowCount));
    }
    return null;
  }

  /** Records by 0-based row index, in the order given; throws `SourceError` when a row group can't be read. */
  async getRecords(rows: ArrayLike<number>): Promise<RawRecord[]> {
    const out: RawRecord[] = new Array(rows.length);
    const byGroup = new Map<number, number[]>();
    distinctRows(rows, this.rowCount);
    for (let k = 0; k < rows.length; k++) {
      const row = rows[k];
      const g = this.groupOf(row);
      const list = byGroup.get(g);
      if (list) list.push(k);
      else byGroup.set(g, [k]);
    }
    // Groups one at a time, so at most one group beyond the cache is decoded at once.
    for (const [g, positions] of byGroup) {
      let decoded: Record<string, unknown>[];
      try {
        decoded = await this.rawGroup(g);
      } catch (err) {
        throw new SourceError(this.readProblem(g, err));
      }
      for (const k of positions) out[k] = this.plainRecord(decoded[rows[k] - this.groupStarts[g]]);
    }
    return out;
  }

  /**
   * A decoded row as a public record: {@link toPlainValue} on each column, except JSON columns, whose BigInts are
   * integer literals beyond ±2^53 and stay BigInts as in JSON records (a rounded double or a string would change them).
   */
  private plainRecord(row: Record<string, unknown>): RawRecord {
    if (this.jsonFields.size === 0) return toPlainValue(row) as RawRecord;
    const out: RawRecord = {};
    for (const [k, v] of Object.entries(row)) out[k] = this.jsonFields.has(k) ? v : toPlainValue(v);
    return out;
  }

  private readProblem(group: number, err: unknown): ParseProblem {
    return {
      file: this.info.name,
      row: this.groupStarts[group],
      message: `could not read row group ${group + 1} of ${this.metadata.row_groups.length}: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

/** Index just past the subtree of schema element `i` (schema elements are a depth-first flattening). */
function skipSubtree(schema: FileMetaData["schema"], i: number): number {
  const children = schema[i].num_children ?? 0;
  let next = i + 1;
  for (let c = 0; c < children; c++) next = skipSubtree(schema, next);
  return next;
}

/** Opens a Parquet file: reads its footer (schema, row groups); rows are decoded on demand. */
export async function openParquet(
  blob: Blob,
  info: FileInfo,
  onProgress?: (fraction: number) => void,
): Promise<ParseResult<ParquetSource>> {
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(blobAsyncBuffer(blob));
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { ok: false, reason: { file: info.name, message: `not a readable Parquet file (${why})` } };
  }
  onProgress?.(1);
  const source = new ParquetSource(info, blob, metadata);
  if (source.rowCount === 0) return { ok: false, reason: { file: info.name, message: "the Parquet file has no rows" } };
  return { ok: true, data: source };
}
