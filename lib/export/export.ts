/**
 * Export of selected rows. Same format as the input keeps the original bytes of every record (JSON Lines lines,
 * JSON array elements, CSV records) or, for Parquet, the source schema and decoded values. Computed columns are
 * appended without touching the original bytes. Cross-format exports convert records (see `exportRows`); the TRL
 * format writes each row's pair instead of its record (`trl.ts`). Every writer streams: its bytes leave in bounded
 * chunks between batches of rows (`export-output.ts`), to a file (`writeRows`) or a Blob of chunks (`exportRows`).
 */
import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import type { SchemaElement } from "hyparquet-writer";
import { groupRanges, readBytes } from "@/lib/dataset/readers/bytes";
import { SourceError } from "@/lib/dataset/source-error";
import type { CsvByteRows, JsonByteRows, ParquetValueRows, RowSource } from "@/lib/dataset/source";
import type { ColumnMapping, ExportFormat, RawRecord } from "@/lib/dataset/types";
import { BlobSink, ExportOutput, type ByteSink, type ExportStreamOptions } from "@/lib/export/export-output";
import { BATCH_ROWS, recordBatches } from "@/lib/export/record-batches";
import { ExportError } from "@/lib/export/export-error";
import { exportMimeType } from "@/lib/export/mime-types";
import { appendMembers, hasLineBreak, jsonNumber, minifyJson } from "@/lib/export/json-bytes";
import { writeTrl } from "@/lib/export/trl";
import { CsvColumnTyper, JsonText, stringifyJson, typeCsvRecord } from "@/lib/export/typed-values";

export { exportFileName } from "@/lib/export/download-name";
export { exportMimeType } from "@/lib/export/mime-types";

/** Extra numeric columns appended to each exported row (NaN → null in JSON/Parquet, empty cell in CSV). */
export interface ExtraColumn {
  name: string;
  /** Indexed by source row. */
  values: Float64Array;
}

/** Rows per Parquet row group written. */
const PARQUET_GROUP_ROWS = 10_000;

/** Options of {@link writeRows}. */
export interface WriteRowsOptions extends ExportStreamOptions {
  /** Columns appended to each row (see {@link exportRows}). */
  extra?: ExtraColumn[];
  /** The column mapping that makes each row a pair: needed by the TRL format. */
  mapping?: ColumnMapping;
}

/**
 * Builds the bytes of the selected rows (in the order given, normally ascending source order) in `format` as a Blob:
 * the bytes {@link writeRows} streams to a sink.
 * - same format, no extras: JSON Lines lines / JSON array elements / CSV records byte for byte (JSON arrays are
 *   re-wrapped as `[\n` + elements joined by `,\n` + `\n]\n`); Parquet keeps the source schema and values.
 * - extras: JSON gets `,"name":value` after the last member (original bytes kept); CSV gets cells appended;
 *   Parquet gets optional DOUBLE columns. A name that already is a field is refused (`ExportError`).
 * - JSON array → JSON Lines: a pretty-printed element is minified (whitespace outside strings removed; number
 *   spellings kept).
 * - CSV → JSON/Parquet: each column typed as the loader reads its cells, over the exported rows (`typed-values.ts`):
 *   numbers (spelling kept in JSON), `true`/`false`, JSON lists/objects; missing cells of such a column are null,
 *   a column with one other text cell stays text. Parquet → JSON/CSV: decoded values, INT64 as exact integers.
 * - anything → CSV/TSV: nested values as compact JSON text; null and missing keys both become empty cells.
 * - JSON/CSV → Parquet: per-field types inferred over the exported rows (strings, INT64 for integers within 64 bits,
 *   DOUBLE, BOOLEAN); objects, arrays and mixed-type fields are stored as JSON text (logical type JSON, integers
 *   beyond 2^53 as their exact digits); an integer beyond 64 bits, or one beyond 2^53 beside fractions, makes its
 *   column text (each number's digits), never a rounded double.
 * - `trl`: JSON Lines of each row's pair under `mapping` (prompt, chosen, rejected) in TRL's standard or
 *   conversational preference format, extras after them as doubles (`exportTrl`); needs `mapping`.
 * Throws `SourceError` for a record that can't be read and `ExportError` for a column clash.
 */
export async function exportRows(
  source: RowSource,
  rows: ArrayLike<number>,
  format: ExportFormat,
  extra: ExtraColumn[] = [],
  mapping?: ColumnMapping,
): Promise<Blob> {
  const sink = new BlobSink();
  await writeRows(source, rows, format, sink, { extra, mapping });
  return sink.finish(exportMimeType(format));
}

/**
 * Writes the bytes {@link exportRows} builds to `sink`, chunk by chunk while the rows are read: memory stays bounded
 * by a batch of rows (a Parquet row group) and a chunk, whatever the export's size. Reports progress and stops at the
 * next batch once `signal` is aborted (`ExportError` "export-cancelled"). On any error the sink holds part of the
 * file only: the caller discards it (see `writeToFileHandle`). Resolves to the bytes written.
 */
export async function writeRows(
  source: RowSource,
  rows: ArrayLike<number>,
  format: ExportFormat,
  sink: ByteSink,
  options: WriteRowsOptions = {},
): Promise<{ bytes: number }> {
  const { extra = [], mapping } = options;
  for (let k = 0; k < rows.length; k++) {
    const row = rows[k];
    if (!Number.isInteger(row) || row < 0 || row >= source.rowCount) {
      throw new RangeError(`row ${row} is out of range (0…${source.rowCount - 1})`);
    }
  }
  const out = new ExportOutput(sink, rows.length, options);
  if (format === "trl") {
    if (!mapping) throw new Error("the TRL export needs the column mapping that makes each row a pair");
    // The file's own fields are not written, so only TRL's columns can clash with the extras (checked there).
    await writeTrl(source, mapping, rows, extra, out);
  } else {
    // Field names must be complete before a clash check, a CSV header or a Parquet schema is built from them.
    const problem = await source.completeFields?.();
    if (problem) throw new SourceError(problem);
    checkExtraNames(source.fields, extra);
    // A reader's own rows (record bytes, or Parquet values with their schema) serve its format family (JSON Lines and
    // JSON arrays are one); every other export converts parsed records.
    const native = source.nativeRows;
    if (format === "parquet") {
      if (native?.kind === "parquet-values") await parquetToParquet(source, native, rows, extra, out);
      else await recordsToParquet(source, rows, extra, out);
    } else if (native?.kind === "json-bytes" && (format === "jsonl" || format === "json")) {
      await jsonToJson(source, native, rows, format, extra, out);
    } else if (native?.kind === "csv-bytes" && format === source.info.format) {
      await csvToSameCsv(native, rows, extra, out);
    } else if (format === "csv" || format === "tsv") {
      await recordsToCsv(source, rows, format === "tsv" ? "\t" : ",", extra, out);
    } else {
      await recordsToJson(source, rows, format, extra, out);
    }
  }
  await out.close();
  return { bytes: out.size };
}

/** Refuses extra columns that would overwrite a field or each other: the export never silently alters data. */
function checkExtraNames(fields: string[], extra: ExtraColumn[]): void {
  const taken = new Set(fields);
  for (const { name } of extra) {
    if (taken.has(name)) {
      throw new ExportError(
        `cannot add the computed column "${name}": the file already has a field named "${name}". Export without the computed columns, or rename that field in the file.`,
      );
    }
    taken.add(name);
  }
}

/** Yields the bytes of the given rows in the order given, reading nearby rows with one Blob read. */
async function* rowBytes(
  blob: Blob,
  order: ArrayLike<number>,
  starts: Float64Array,
  ends: Float64Array,
): AsyncGenerator<{ index: number; bytes: Uint8Array }> {
  for (const run of groupRanges(order, starts, ends)) {
    const chunk = await readBytes(blob, run.start, run.end);
    for (const i of run.members) yield { index: i, bytes: chunk.subarray(starts[i] - run.start, ends[i] - run.start) };
  }
}

async function jsonToJson(
  source: RowSource,
  native: JsonByteRows,
  rows: ArrayLike<number>,
  format: "jsonl" | "json",
  extra: ExtraColumn[],
  out: ExportOutput,
): Promise<void> {
  const encoder = new TextEncoder();
  const minify = format === "jsonl" && source.info.format === "json";
  const { starts, ends, lines } = native.index;
  let k = 0;
  if (format === "json") out.text(rows.length > 0 ? "[\n" : "[]\n");
  for await (const { index: row, bytes } of rowBytes(native.bytes, rows, starts, ends)) {
    let record = minify && hasLineBreak(bytes) ? minifyJson(bytes) : bytes;
    if (extra.length > 0) {
      const members = extra.map((c) => `${JSON.stringify(c.name)}:${jsonNumber(c.values[row])}`).join(",");
      try {
        record = appendMembers(record, encoder.encode(members));
      } catch {
        throw new SourceError({
          file: source.info.name,
          line: lines[row],
          row,
          message: "expected a JSON object {…} as the record; can't add computed columns to it",
        });
      }
    }
    if (format === "json" && k > 0) out.text(",\n");
    out.bytes(record);
    if (format === "jsonl") out.text("\n");
    await out.settle(++k);
  }
  if (format === "json" && rows.length > 0) out.text("\n]\n");
}

async function csvToSameCsv(native: CsvByteRows, rows: ArrayLike<number>, extra: ExtraColumn[], out: ExportOutput) {
  const { starts, ends, newline } = native.index;
  const delimiter = native.delimiter;
  out.bytes(await readBytes(native.bytes, starts[0], ends[0]));
  for (const c of extra) out.text(delimiter + csvCell(c.name, delimiter));
  out.text(newline);
  const records = Array.from(rows, (row) => row + 1); // record 0 is the header
  let k = 0;
  for await (const { index, bytes } of rowBytes(native.bytes, records, starts, ends)) {
    out.bytes(bytes);
    for (const c of extra) out.text(delimiter + csvNumber(c.values[index - 1]));
    out.text(newline);
    await out.settle(++k);
  }
}

/** Batches of exported records, in row order. */
type ValueBatches = () => AsyncGenerator<{ first: number; records: RawRecord[] }>;

/**
 * The exported rows as records with values as a cross-format export writes them: Parquet rows as decoded (BigInts
 * kept, so INT64 stays exact), CSV cells typed per column when `typeCsv` (the types come from one pass over every
 * exported row first, reported to `out` as the "typing" stage), other sources' records as parsed. The result can be
 * iterated more than once.
 */
async function exportValues(
  source: RowSource,
  rows: ArrayLike<number>,
  typeCsv: boolean,
  out: ExportOutput,
): Promise<ValueBatches> {
  const native = source.nativeRows;
  if (native?.kind === "parquet-values") {
    return async function* () {
      for (let first = 0; first < rows.length; first += BATCH_ROWS) {
        const records: RawRecord[] = [];
        const end = Math.min(rows.length, first + BATCH_ROWS);
        for (let k = first; k < end; k++) records.push(await rawParquetRow(source, native, rows[k]));
        yield { first, records };
      }
    };
  }
  if (native?.kind === "csv-bytes" && typeCsv) {
    const fields = source.fields;
    const typer = new CsvColumnTyper(fields);
    out.begin("typing");
    for await (const { first, records } of recordBatches(source, rows)) {
      for (const r of records) typer.observe(r);
      await out.settle(first + records.length);
    }
    out.begin("writing");
    const types = typer.types();
    return async function* () {
      for await (const { first, records } of recordBatches(source, rows)) {
        yield { first, records: records.map((r) => typeCsvRecord(r, fields, types)) };
      }
    };
  }
  return () => recordBatches(source, rows);
}

/** One Parquet row as decoded; a row group that can't be read is a `SourceError` naming the row. */
async function rawParquetRow(source: RowSource, native: ParquetValueRows, row: number): Promise<RawRecord> {
  try {
    return await native.rawRow(row);
  } catch (err) {
    throw new SourceError({ file: source.info.name, row, message: `could not read row ${row}: ${String(err)}` });
  }
}

async function recordsToCsv(
  source: RowSource,
  rows: ArrayLike<number>,
  delimiter: string,
  extra: ExtraColumn[],
  out: ExportOutput,
): Promise<void> {
  const fields = source.fields;
  out.text([...fields, ...extra.map((c) => c.name)].map((f) => csvCell(f, delimiter)).join(delimiter) + "\n");
  for await (const { first, records } of (await exportValues(source, rows, false, out))()) {
    const lines: string[] = [];
    records.forEach((record, k) => {
      const cells = fields.map((f) => csvCell(cellText(record[f]), delimiter));
      for (const c of extra) cells.push(csvNumber(c.values[rows[first + k]]));
      lines.push(cells.join(delimiter) + "\n");
    });
    out.text(lines.join(""));
    await out.settle(first + records.length);
  }
}

async function recordsToJson(
  source: RowSource,
  rows: ArrayLike<number>,
  format: "jsonl" | "json",
  extra: ExtraColumn[],
  out: ExportOutput,
): Promise<void> {
  const batches = await exportValues(source, rows, true, out);
  if (format === "json") out.text(rows.length > 0 ? "[\n" : "[]\n");
  for await (const { first, records } of batches()) {
    const texts = records.map((record, k) => {
      let value = record;
      if (extra.length > 0) {
        value = { ...record };
        for (const c of extra) value[c.name] = finiteOrNull(c.values[rows[first + k]]);
      }
      return stringifyJson(value);
    });
    if (format === "jsonl") out.text(texts.join("\n") + "\n");
    else out.text((first > 0 ? ",\n" : "") + texts.join(",\n"));
    await out.settle(first + records.length);
  }
  if (format === "json" && rows.length > 0) out.text("\n]\n");
}

/** A hyparquet-writer `Writer` that hands its bytes to the export output every MB instead of growing one buffer. */
class ChunkParquetWriter extends ByteWriter {
  constructor(private readonly out: ExportOutput) {
    super(1024 * 1024);
  }

  override ensure(size: number): void {
    // Only `offset` (absolute) is kept by the writer, so the buffer can be emptied between writes.
    if (this.index > 1024 * 1024) this.drain();
    super.ensure(size);
  }

  override finish(): void {
    this.drain();
  }

  private drain(): void {
    this.out.bytes(new Uint8Array(this.buffer, 0, this.index));
    this.index = 0;
  }
}

/** Optional DOUBLE schema elements of the extra columns. */
function extraSchema(extra: ExtraColumn[]): SchemaElement[] {
  return extra.map((c) => ({ name: c.name, type: "DOUBLE", repetition_type: "OPTIONAL" }));
}

/** Column data of the extra columns for the given rows (NaN → null). */
function extraColumnData(extra: ExtraColumn[], rows: number[]) {
  return extra.map((c) => ({ name: c.name, data: rows.map((r) => (Number.isNaN(c.values[r]) ? null : c.values[r])) }));
}

async function parquetToParquet(
  source: RowSource,
  native: ParquetValueRows,
  rows: ArrayLike<number>,
  extra: ExtraColumn[],
  out: ExportOutput,
) {
  // hyparquet-writer 0.17 types its schema with its own hyparquet 1.31 copy; the elements are the same shape.
  const sourceSchema = native.metadata.schema as unknown as SchemaElement[];
  const root = sourceSchema[0];
  const schema: SchemaElement[] =
    extra.length > 0
      ? [
          { ...root, num_children: (root.num_children ?? 0) + extra.length },
          ...sourceSchema.slice(1),
          ...extraSchema(extra),
        ]
      : [...sourceSchema]; // a copy: the JSON columns' elements are replaced below, never the source's metadata
  // Top-level JSON columns are written as our own bytes (exact integers beyond 2^53), typed as in recordsToParquet
  // while rows are written; their converted type comes back before the footer.
  const restore: SchemaElement[] = [];
  const jsonFields = new Set<string>();
  for (const i of topLevelColumns(schema)) {
    const element = schema[i];
    if (element.converted_type !== "JSON" && element.logical_type?.type !== "JSON") continue;
    const copy: SchemaElement = { ...element, logical_type: { type: "JSON" } };
    if (element.converted_type === "JSON") {
      delete copy.converted_type;
      restore.push(copy);
    }
    schema[i] = copy;
    jsonFields.add(element.name);
  }
  const writer = new ParquetWriter({
    writer: new ChunkParquetWriter(out),
    schema,
    // pyarrow's stored schema would no longer match once columns are added.
    kvMetadata:
      extra.length > 0
        ? native.metadata.key_value_metadata?.filter((kv) => kv.key !== "ARROW:schema")
        : native.metadata.key_value_metadata,
  });
  let pending: Record<string, unknown>[] = [];
  let pendingRows: number[] = [];
  const flush = () => {
    const columnData = [
      ...source.fields.map((name) => ({
        name,
        data: jsonFields.has(name) ? pending.map((r) => parquetValue(r[name], "JSON")) : pending.map((r) => r[name]),
      })),
      ...extraColumnData(extra, pendingRows),
    ];
    writer.write({ columnData, rowGroupSize: Math.max(1, pending.length) });
    pending = [];
    pendingRows = [];
  };
  for (let k = 0; k < rows.length; k++) {
    const row = rows[k];
    pending.push(await rawParquetRow(source, native, row));
    pendingRows.push(row);
    if (pending.length >= PARQUET_GROUP_ROWS) flush();
    if ((k + 1) % BATCH_ROWS === 0) await out.settle(k + 1);
  }
  if (pending.length > 0 || rows.length === 0) flush();
  for (const element of restore) element.converted_type = "JSON";
  writer.finish();
}

/** Indices of the schema's top-level leaf columns (children of the root that are not groups). */
function topLevelColumns(schema: readonly SchemaElement[]): number[] {
  const out: number[] = [];
  let i = 1;
  const skip = (at: number): number => {
    let next = at + 1;
    for (let c = 0; c < (schema[at].num_children ?? 0); c++) next = skip(next);
    return next;
  };
  while (i < schema.length) {
    if (!schema[i].num_children) out.push(i);
    i = skip(i);
  }
  return out;
}

/** Parquet type chosen for a field from the values it takes in the exported rows. */
type InferredType = "STRING" | "INT64" | "DOUBLE" | "BOOLEAN" | "JSON";

/** Kinds of values seen in one field. */
interface Seen {
  string: boolean;
  integer: boolean;
  float: boolean;
  /** An integer beyond 64 bits (a CSV cell or a JSON literal): neither INT64 nor DOUBLE holds it. */
  huge: boolean;
  /** An integer a double can't hold exactly (beyond ±2^53): a DOUBLE column would round it. */
  inexact: boolean;
  boolean: boolean;
  other: boolean;
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** Notes the kind of one value (a `JsonText` by the value it reads as). */
function observeValue(s: Seen, v: unknown): void {
  if (v instanceof JsonText) v = v.value;
  if (v === null || v === undefined) return;
  if (typeof v === "string") s.string = true;
  else if (typeof v === "number") {
    if (Number.isSafeInteger(v)) s.integer = true;
    else s.float = true;
  } else if (typeof v === "bigint") {
    if (v >= INT64_MIN && v <= INT64_MAX) s.integer = true;
    else s.huge = true;
    if (BigInt(Number(v)) !== v) s.inexact = true;
  } else if (typeof v === "boolean") s.boolean = true;
  else s.other = true;
}

function inferType(seen: Seen): InferredType {
  const numeric = seen.integer || seen.float || seen.huge;
  const kinds = [seen.string, numeric, seen.boolean, seen.other].filter(Boolean).length;
  if (kinds > 1 || seen.other) return "JSON";
  // The digits, exactly: no Parquet number type holds an integer beyond 64 bits, nor both a fraction and 2^53 + 1.
  if (seen.huge || (seen.float && seen.inexact)) return "STRING";
  if (numeric) return seen.float ? "DOUBLE" : "INT64";
  if (seen.boolean) return "BOOLEAN";
  return "STRING"; // strings, or only nulls
}

const utf8 = new TextEncoder();

/**
 * A value as hyparquet-writer takes it for a column of `type`. JSON columns get their bytes here, written by
 * `stringifyJson`: the writer's own conversion (`JSON.stringify(toJson(v))`) turns BigInts into rounded doubles.
 */
function parquetValue(v: unknown, type: InferredType): unknown {
  if (v === null || v === undefined) return null;
  if (type === "JSON") return utf8.encode(stringifyJson(v));
  if (v instanceof JsonText) {
    if (type === "STRING") return v.text;
    v = v.value;
  }
  // A text column of numbers (one beyond 64 bits, or a fraction beside an integer beyond 2^53) keeps each spelling.
  if (type === "STRING" && (typeof v === "number" || typeof v === "bigint")) return stringifyJson(v);
  // INT64 is inferred only for integers within 64 bits, so the BigInt is exact; DOUBLE only for BigInts a double holds.
  if (type === "INT64" && typeof v === "number") return BigInt(v);
  if (type === "DOUBLE" && typeof v === "bigint") return Number(v);
  return v;
}

const SCHEMA_OF: Record<InferredType, Omit<SchemaElement, "name">> = {
  STRING: { type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
  INT64: { type: "INT64", repetition_type: "OPTIONAL" },
  DOUBLE: { type: "DOUBLE", repetition_type: "OPTIONAL" },
  BOOLEAN: { type: "BOOLEAN", repetition_type: "OPTIONAL" },
  // Written without `converted_type` so hyparquet-writer 0.17 takes `parquetValue`'s bytes as they are (it converts a
  // JSON-typed column's values itself, rounding BigInts); `markJsonColumns` adds it before the footer is written.
  JSON: { type: "BYTE_ARRAY", logical_type: { type: "JSON" }, repetition_type: "OPTIONAL" },
};

/** Gives the JSON columns their converted type, read by older Parquet readers, once every value is written. */
function markJsonColumns(schema: SchemaElement[]): void {
  for (const element of schema) if (element.logical_type?.type === "JSON") element.converted_type = "JSON";
}

async function recordsToParquet(source: RowSource, rows: ArrayLike<number>, extra: ExtraColumn[], out: ExportOutput) {
  const fields = source.fields;
  const seen: Seen[] = fields.map(() => ({
    string: false,
    integer: false,
    float: false,
    huge: false,
    inexact: false,
    boolean: false,
    other: false,
  }));
  const batches = await exportValues(source, rows, true, out);
  // Two passes over the exported rows (types first), so big selections are never held in memory at once.
  out.begin("typing");
  for await (const { first, records } of batches()) {
    for (const record of records) fields.forEach((f, j) => observeValue(seen[j], record[f]));
    await out.settle(first + records.length);
  }
  out.begin("writing");
  const types = seen.map(inferType);
  const schema: SchemaElement[] = [
    { name: "root", num_children: fields.length + extra.length },
    ...fields.map((name, j) => ({ name, ...SCHEMA_OF[types[j]] })),
    ...extraSchema(extra),
  ];
  const writer = new ParquetWriter({ writer: new ChunkParquetWriter(out), schema });
  let pending: RawRecord[] = [];
  let pendingRows: number[] = [];
  const flush = () => {
    const columnData = [
      ...fields.map((name, j) => ({
        name,
        data: pending.map((r) => parquetValue(r[name], types[j])),
      })),
      ...extraColumnData(extra, pendingRows),
    ];
    writer.write({ columnData, rowGroupSize: Math.max(1, pending.length) });
    pending = [];
    pendingRows = [];
  };
  for await (const { first, records } of batches()) {
    records.forEach((record, k) => {
      pending.push(record);
      pendingRows.push(rows[first + k]);
    });
    if (pending.length >= PARQUET_GROUP_ROWS) flush();
    await out.settle(first + records.length);
  }
  if (pending.length > 0 || rows.length === 0) flush();
  // The writer keeps `schema` by reference and serialises it in `finish`.
  markJsonColumns(schema);
  writer.finish();
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** Text of one cell: strings as is, nested values as compact JSON (64-bit integers exact), null/missing as "". */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  if (typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof JsonText) return value.text;
  return stringifyJson(value);
}

/** A number cell: shortest round-trip spelling; NaN and ±Infinity as an empty cell. */
function csvNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : "";
}

/** Quotes a cell when it holds the delimiter, a quote, a line break or edge spaces (RFC 4180 doubling). */
export function csvCell(text: string, delimiter: string): string {
  const needs =
    text.includes(delimiter) ||
    text.includes('"') ||
    text.includes("\n") ||
    text.includes("\r") ||
    (text.length > 0 && (text[0] === " " || text[text.length - 1] === " "));
  return needs ? `"${text.replace(/"/g, '""')}"` : text;
}
