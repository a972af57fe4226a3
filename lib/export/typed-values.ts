/**
 * Values' types across formats. CSV cells are text; a cross-format export types each CSV column the way the loader
 * reads its cells (`readNumber`'s plain decimals, missing markers as null, `true`/`false`, JSON lists and objects),
 * so a CSV number is a number in JSON and a DOUBLE/INT64 in Parquet. JSON text is written by `stringifyJson`, which
 * keeps 64-bit integers exact (Parquet INT64 beyond 2^53 as its digits, never rounded) and a CSV number's spelling.
 */
import { isMissing } from "@/lib/dataset/schema-values";
import { hasLineBreak, minifyJson } from "@/lib/export/json-bytes";

/** A value whose JSON text is kept as written (a CSV cell's number or JSON text), with the value it reads as. */
export class JsonText {
  constructor(
    /** Valid JSON text on one line. */
    readonly text: string,
    /** The value: a number, a BigInt for an integer a double cannot hold, or a parsed list/object. */
    readonly value: unknown,
  ) {}
}

/** How a CSV column's cells are exported: numbers, booleans, JSON lists/objects, or text as it is. */
export type CsvColumnType = "number" | "boolean" | "json" | "text";

// The loader's number syntax (`readNumber` in schema-values.ts): plain decimal notation only.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const BOOLEAN = /^(?:true|false)$/i;

/** The JSON list or object a cell holds, or undefined when it holds none. */
function parseJsonCell(text: string): object | undefined {
  if (text[0] !== "[" && text[0] !== "{") return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** What one cell could be read as; columns take the type every non-missing cell agrees on. */
function cellKind(cell: string): "missing" | CsvColumnType {
  if (isMissing(cell)) return "missing";
  const t = cell.trim();
  if (DECIMAL.test(t)) return "number";
  if (BOOLEAN.test(t)) return "boolean";
  return parseJsonCell(t) ? "json" : "text";
}

/**
 * Infers each CSV column's export type from the cells it is shown: a column is numeric (boolean, JSON) when every
 * cell that is not missing (empty, `NaN`, `null`) is a number (`true`/`false`, a JSON list or object); one text cell,
 * or no value at all, keeps it text, so a mixed column is never coerced.
 */
export class CsvColumnTyper {
  private readonly kinds = new Map<string, "missing" | CsvColumnType>();

  constructor(private readonly fields: string[]) {
    for (const f of fields) this.kinds.set(f, "missing");
  }

  /** Takes one record's cells into account. */
  observe(record: Record<string, unknown>): void {
    for (const f of this.fields) {
      const seen = this.kinds.get(f)!;
      if (seen === "text") continue;
      const cell = record[f];
      const kind = typeof cell === "string" ? cellKind(cell) : "missing";
      if (kind === "missing" || kind === seen) continue;
      this.kinds.set(f, seen === "missing" ? kind : "text");
    }
  }

  /** Each field's type so far. */
  types(): Record<string, CsvColumnType> {
    const out: Record<string, CsvColumnType> = {};
    for (const [f, k] of this.kinds) out[f] = k === "missing" ? "text" : k;
    return out;
  }
}

/**
 * A CSV number cell as JSON text and value: valid JSON number text is kept as written (so `1.50` and a 25-digit
 * integer stay exact); other spellings the loader accepts (`+1`, `.5`, `007`) are normalised. An integer beyond 2^53
 * reads as a BigInt, never as a rounded double.
 */
export function csvNumber(cell: string): JsonText {
  const t = cell.trim();
  const n = Number(t);
  if (INTEGER.test(t) && !Number.isSafeInteger(n)) {
    const big = BigInt(t);
    return new JsonText(big.toString(), big);
  }
  return new JsonText(JSON_NUMBER.test(t) ? t : JSON.stringify(n), n);
}

/** One CSV cell exported under its column's type; missing cells of typed columns are null, text is kept as is. */
export function typeCsvCell(cell: unknown, type: CsvColumnType): unknown {
  if (typeof cell !== "string") return cell ?? null;
  if (type === "text") return cell;
  if (isMissing(cell)) return null;
  const t = cell.trim();
  if (type === "number") return csvNumber(t);
  if (type === "boolean") return t.toLowerCase() === "true";
  const value = parseJsonCell(t);
  // A pretty-printed cell would break a JSON Lines line; minifying keeps every value's bytes.
  const text = hasLineBreak(new TextEncoder().encode(t))
    ? new TextDecoder().decode(minifyJson(new TextEncoder().encode(t)))
    : t;
  return new JsonText(text, value);
}

/** A CSV record with its cells typed per column, in field order. */
export function typeCsvRecord(
  record: Record<string, unknown>,
  fields: string[],
  types: Record<string, CsvColumnType>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f] = typeCsvCell(record[f], types[f] ?? "text");
  return out;
}

/**
 * JSON text of a value, as `JSON.stringify` would write it except that BigInts are their exact digits (a Parquet
 * INT64 stays an integer, never rounded), `JsonText` is written as is, typed arrays are lists, and non-finite
 * numbers are null.
 */
export function stringifyJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? JSON.stringify(value) : "null";
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "true" : "false";
    case "object":
      break;
    default:
      return "null";
  }
  if (value instanceof JsonText) return value.text;
  if (value instanceof Date) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stringifyJson).join(",")}]`;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return `[${Array.from(value as unknown as ArrayLike<unknown>, stringifyJson).join(",")}]`;
  }
  const members: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || typeof v === "function" || typeof v === "symbol") continue;
    members.push(`${JSON.stringify(k)}:${stringifyJson(v)}`);
  }
  return `{${members.join(",")}}`;
}
