/**
 * Opening a dataset file as a `RowSource`: format detection (name, then content), transparent gzip, and a row
 * index of byte offsets. Texts stay in the file's bytes and are parsed on demand, so 10^6 rows / 1 GB files
 * don't become millions of live JS objects.
 */
import type { FileMetaData } from "hyparquet";
import { openCsv } from "@/lib/dataset/readers/csv";
import { decompressedStorage, isGzip, openGunzip } from "@/lib/dataset/readers/gzip";
import type { InflatedPiece } from "@/lib/dataset/readers/inflate";
import { openJsonArray } from "@/lib/dataset/readers/json-array";
import { openJsonl, openStreamedJsonl } from "@/lib/dataset/readers/jsonl";
import { openParquet } from "@/lib/dataset/readers/parquet";
import { readBytes } from "@/lib/dataset/readers/bytes";
import { SourceError } from "@/lib/dataset/source-error";
import type { DatasetFormat, FileInfo, ParseProblem, ParseResult, RawRecord, RecordVisitor } from "@/lib/dataset/types";

/** A dataset file opened for reading: row count and field names up front, records parsed on demand. */
export interface RowSource {
  readonly info: FileInfo;
  readonly rowCount: number;
  /** Top-level field names in first-seen order (CSV header, Parquet schema, union over JSON records seen so far). */
  readonly fields: string[];
  /**
   * Parses every record in file order and calls visit; resolves null on success, or the first problem
   * (JSON syntax error with file, 1-based line and column; non-object record; visitor's problem).
   */
  scan(visit: RecordVisitor, onProgress?: (fraction: number) => void): Promise<ParseProblem | null>;
  /** Records by 0-based row index, in the order given. Throws `SourceError` (code "bad-input") on a bad record. */
  getRecords(rows: ArrayLike<number>): Promise<RawRecord[]>;
  /**
   * Makes `fields` the union over every record (scans once if needed) and resolves the first problem, if any.
   * Only readers that learn fields while parsing (JSON) have it; a CSV header or a Parquet schema is complete.
   */
  completeFields?(): Promise<ParseProblem | null>;
  /** The rows as the file holds them, for an export to the same format that keeps them unchanged. */
  readonly nativeRows?: NativeRows;
  /** Several files read as one dataset: the index into `info.files` of the file holding `row`. */
  shardOf?(row: number): number;
}

/**
 * What a reader can hand an export besides parsed records, one kind per reader family; export.ts picks its
 * writer by `kind`. A source without it is exported by converting its records.
 */
export type NativeRows = JsonByteRows | CsvByteRows | ParquetValueRows;

/** JSON Lines lines or JSON array elements, as byte ranges of the (decompressed) file. */
export interface JsonByteRows {
  readonly kind: "json-bytes";
  readonly bytes: Blob;
  /** Row `i` is `bytes[starts[i], ends[i])` and starts on 1-based line `lines[i]`. */
  readonly index: { readonly starts: Float64Array; readonly ends: Float64Array; readonly lines: Float64Array };
}

/** CSV/TSV records, as byte ranges of the (decompressed) file; record 0 is the header, record `row + 1` row `row`. */
export interface CsvByteRows {
  readonly kind: "csv-bytes";
  readonly bytes: Blob;
  /** Record `i` is `bytes[starts[i], ends[i])` without its terminator; `newline` is the header's terminator. */
  readonly index: { readonly starts: Float64Array; readonly ends: Float64Array; readonly newline: string };
  readonly delimiter: string;
}

/** Parquet rows exactly as hyparquet decodes them (BigInts kept), with the schema the file declares. */
export interface ParquetValueRows {
  readonly kind: "parquet-values";
  readonly metadata: Pick<FileMetaData, "schema" | "key_value_metadata">;
  /** One row, decoded; rejects when its row group can't be read. */
  rawRow(row: number): Promise<Record<string, unknown>>;
}

/** What the reader accepts, for "unknown format" problems. */
export const ACCEPTED_FORMATS =
  "JSON Lines (.jsonl, .ndjson), a JSON array of objects (.json), CSV (.csv), TSV (.tsv) or Parquet (.parquet), each optionally gzip-compressed (.gz)";

/** Format named by the file's extension (after removing `.gz`), or null when the name says nothing. */
export function formatFromName(name: string): DatasetFormat | null {
  const lower = name.toLowerCase().replace(/\.gz$/, "");
  const ext = lower.slice(lower.lastIndexOf(".") + 1);
  if (ext === "jsonl" || ext === "ndjson") return "jsonl";
  if (ext === "json") return "json";
  if (ext === "csv") return "csv";
  if (ext === "tsv" || ext === "tab") return "tsv";
  if (ext === "parquet" || ext === "pq") return "parquet";
  return null;
}

/** First non-whitespace byte after an optional BOM, or -1 when the prefix is all whitespace. */
function firstSignificantByte(bytes: Uint8Array): number {
  let i = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  return i < bytes.length ? bytes[i] : -1;
}

/** Bytes of the file's start that format detection looks at. */
const DETECT_BYTES = 64 * 1024;

/**
 * Detects the format from content and name (`size`: the whole file's, when `blob` is only its start): Parquet magic `PAR1` wins over the name; a `.json` file whose
 * first value starts with `{` is read as JSON Lines (common on the Hub); unnamed files go by `[` / `{`.
 */
async function detectFormat(blob: Blob, name: string, size = blob.size): Promise<ParseResult<DatasetFormat>> {
  const head = await readBytes(blob, 0, Math.min(blob.size, DETECT_BYTES));
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31) {
    return { ok: true, data: "parquet" };
  }
  const byName = formatFromName(name);
  if (byName === "csv" || byName === "tsv") return { ok: true, data: byName };
  if (byName === "parquet") {
    return { ok: false, reason: { file: name, message: "not a Parquet file: it does not start with PAR1" } };
  }
  const first = firstSignificantByte(head);
  if (first === -1 && head.length === size) {
    return { ok: false, reason: { file: name, message: "the file contains only whitespace" } };
  }
  if (byName === "json" && first === 0x7b) return { ok: true, data: "jsonl" };
  if (byName === "jsonl" || byName === "json") return { ok: true, data: byName };
  if (first === 0x5b) return { ok: true, data: "json" };
  if (first === 0x7b) return { ok: true, data: "jsonl" };
  return { ok: false, reason: { file: name, message: `unknown file format: expected ${ACCEPTED_FORMATS}` } };
}

/**
 * Detects format (by name: .jsonl/.ndjson, .json, .csv, .tsv, .parquet, each optionally .gz; and by content
 * sniffing: gzip magic 1f8b, PAR1, leading '[' vs '{'), decompresses gzip, and indexes rows (byte offsets,
 * no full parse).
 */
export async function openSource(
  file: Blob,
  name: string,
  onProgress?: (fraction: number) => void,
  options: {
    /**
     * JSON Lines only: index just this many rows now and leave the rest to the first `scan`, which indexes it from
     * the bytes it parses (one read of the file instead of two); `rowCount` counts the rows indexed so far until then.
     */
    partialRows?: number;
    /** A .gz file's decompressed pieces are at least this large (tests use small ones to cut lines across pieces). */
    pieceBytes?: number;
  } = {},
): Promise<ParseResult<RowSource>> {
  if (file.size === 0) return { ok: false, reason: { file: name, message: "the file is empty" } };
  const gzip = isGzip(await readBytes(file, 0, 2));
  if (gzip) return openGzipSource(file, name, onProgress, options);
  const detected = await detectFormat(file, name);
  if (!detected.ok) return detected;
  return openDetected(file, { name, format: detected.data, gzip, byteLength: file.size }, onProgress, options);
}

/** Opens bytes of a known format (a .gz file's once decompressed). */
function openDetected(
  bytes: Blob,
  info: FileInfo,
  progress: ((fraction: number) => void) | undefined,
  options: { partialRows?: number },
): Promise<ParseResult<RowSource>> {
  switch (info.format) {
    case "jsonl":
      return openJsonl(bytes, info, progress, options.partialRows);
    case "json":
      return openJsonArray(bytes, info, progress);
    case "csv":
    case "tsv":
      return openCsv(bytes, info, progress);
    case "parquet":
      return openParquet(bytes, info, progress);
  }
}

/**
 * A .gz file: JSON Lines are parsed as they are decompressed (on the helper worker, lib/dataset/readers/bytes.ts
 * `inflateBlob`), so both run at once; the other formats are decompressed whole first (the first half of their
 * progress), then opened like any file.
 */
async function openGzipSource(
  file: Blob,
  name: string,
  onProgress: ((fraction: number) => void) | undefined,
  options: { partialRows?: number; pieceBytes?: number },
): Promise<ParseResult<RowSource>> {
  const stream = await openGunzip(file, name, { pieceBytes: options.pieceBytes });
  const taken: InflatedPiece[] = [];
  let size = 0;
  let ended = false;
  try {
    while (size < DETECT_BYTES) {
      const piece = await stream.next();
      if (!piece) {
        ended = true;
        break;
      }
      taken.push(piece);
      size += piece.bytes.byteLength;
    }
  } catch (err) {
    if (err instanceof SourceError) return { ok: false, reason: err.detail };
    throw err;
  }
  if (size === 0) {
    await stream.abort();
    return { ok: false, reason: { file: name, message: "the file is empty (after gunzip)" } };
  }
  const start = new Blob(taken.map((p) => p.bytes) as BlobPart[]);
  const detected = await detectFormat(start, name, ended ? size : Infinity);
  if (!detected.ok) {
    await stream.abort();
    return detected;
  }
  const info: FileInfo = { name, format: detected.data, gzip: true, byteLength: file.size };
  if (stream.storage === "opfs") info.gunzippedTo = "opfs";
  if (info.format === "jsonl") {
    try {
      return await openStreamedJsonl(stream, taken, info, onProgress, options.partialRows);
    } catch (err) {
      if (err instanceof SourceError) return { ok: false, reason: err.detail };
      throw err;
    }
  }
  let bytes: Blob;
  try {
    while (await stream.next()) onProgress?.(stream.fraction / 2);
    bytes = await stream.finish();
  } catch (err) {
    if (err instanceof SourceError) return { ok: false, reason: err.detail };
    throw err;
  }
  if (decompressedStorage(bytes) === "opfs") info.gunzippedTo = "opfs";
  else delete info.gunzippedTo;
  return openDetected(bytes, info, onProgress && ((f) => onProgress(0.5 + f / 2)), options);
}
