/**
 * Reading single cell values as numbers: JSON numbers, CSV/string numbers, Parquet bigints, and the
 * missing markers. Shared by detection (is this field numeric?) and extraction (what is the value?).
 */

/** A cell read as a number: a finite value, missing (NaN), or an error text saying what was found instead. */
export type NumberRead = { ok: true; value: number } | { ok: false; message: string };

/** Cell texts that mean "missing" besides the empty string; pandas and spreadsheets write these for NaN. */
const MISSING_TEXTS = new Set(["nan", "null"]);

// Only plain decimal notation: Number() would also accept "0x10", "Infinity" and whitespace-only strings.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** True when a cell is missing: null, undefined, "", or the texts "NaN"/"null" (any case). */
export function isMissing(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === "number") return Number.isNaN(value);
  if (typeof value === "string") {
    const t = value.trim();
    return t === "" || MISSING_TEXTS.has(t.toLowerCase());
  }
  return false;
}

/** Describes a value for error messages, e.g. `string "abc"`, `boolean true`, `object with keys "a", "b"`. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing (field absent)";
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `string ${JSON.stringify(shown)}`;
  }
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return `${typeof value} ${String(value)}`;
  }
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? "" : "s"}`;
  if (typeof value === "object") {
    const keys = Object.keys(value as object);
    if (keys.length === 0) return "an empty object";
    const shown = keys.slice(0, 4).map((k) => JSON.stringify(k));
    return `an object with keys ${shown.join(", ")}${keys.length > 4 ? ", …" : ""}`;
  }
  return typeof value;
}

/**
 * Reads a margin/score cell: a number is itself, missing markers are NaN (never 0), a whole-string decimal
 * is parsed, a bigint (Parquet INT64) is converted when a float64 holds it exactly (|v| ≤ 2^53 − 1); anything else
 * is an error.
 */
export function readNumber(value: unknown): NumberRead {
  if (typeof value === "number") {
    // ±Infinity cannot be z-scored; treat it like any other non-finite value, as missing would hide it.
    if (Number.isFinite(value) || Number.isNaN(value)) return { ok: true, value };
    return { ok: false, message: `expected a finite number (or null for missing), got ${String(value)}` };
  }
  if (typeof value === "bigint") {
    // Past 2^53 a double cannot hold every integer: refuse rather than round a margin silently.
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
      return {
        ok: false,
        message: `expected a number a float64 holds exactly, got the 64-bit integer ${value} (beyond ±2^53; write it as a float)`,
      };
    }
    return { ok: true, value: Number(value) };
  }
  if (isMissing(value)) return { ok: true, value: NaN };
  if (typeof value === "string" && DECIMAL.test(value.trim())) {
    const t = value.trim();
    // Integer text past 2^53 (a CSV cell, a Parquet INT64 read as its digits) would round like the bigint case.
    if (/^[+-]?\d+$/.test(t) && !Number.isSafeInteger(Number(t))) {
      return {
        ok: false,
        message: `expected a number a float64 holds exactly, got the integer ${t} (beyond ±2^53; write it as a float)`,
      };
    }
    return { ok: true, value: Number(t) };
  }
  return { ok: false, message: `expected a number (or null for missing), got ${describeValue(value)}` };
}

/** True when a cell would read as a number (missing included). */
export function isNumberLike(value: unknown): boolean {
  return readNumber(value).ok;
}

/** A list cell: a JSON array, a typed array (Parquet), or a string holding a JSON array (CSV). Null when it is none. */
export function asList(value: unknown): unknown[] | null {
  if (Array.isArray(value)) return value;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<unknown>);
  }
  if (typeof value === "string") {
    const t = value.trim();
    if (!t.startsWith("[")) return null;
    try {
      const parsed: unknown = JSON.parse(t);
      return Array.isArray(parsed) ? parsed : null;
    } catch {
      return null;
    }
  }
  return null;
}

/** Reads a list of numbers (missing entries become NaN); null with a message when the cell is not such a list. */
export function readNumberList(value: unknown): { ok: true; values: number[] } | { ok: false; message: string } {
  const list = asList(value);
  if (!list) return { ok: false, message: `expected a list of numbers, got ${describeValue(value)}` };
  const values: number[] = [];
  for (let i = 0; i < list.length; i++) {
    const r = readNumber(list[i]);
    if (!r.ok) return { ok: false, message: `item ${i}: ${r.message}` };
    values.push(r.value);
  }
  return { ok: true, values };
}

/** Rating texts that mean "not rated" besides the missing markers: UltraFeedback writes "N/A" for an aspect it could not rate. */
const UNRATED_TEXTS = new Set(["n/a"]);

/**
 * Reads a rating or score used to order responses: as {@link readNumber}, and "N/A" (any case) is missing. Kept
 * apart from readNumber so a margin column holding "N/A" is still reported rather than read as missing.
 */
export function readScore(value: unknown): NumberRead {
  if (typeof value === "string" && UNRATED_TEXTS.has(value.trim().toLowerCase())) return { ok: true, value: NaN };
  return readNumber(value);
}

/** Reads a list of scores with {@link readScore} (missing and "N/A" entries become NaN). */
export function readScoreList(value: unknown): { ok: true; values: number[] } | { ok: false; message: string } {
  const list = asList(value);
  if (!list) return { ok: false, message: `expected a list of numbers, got ${describeValue(value)}` };
  const values: number[] = [];
  for (let i = 0; i < list.length; i++) {
    const r = readScore(list[i]);
    if (!r.ok) return { ok: false, message: `item ${i}: ${r.message}` };
    values.push(r.value);
  }
  return { ok: true, values };
}

/** Largest |logit| a judge probability maps to: probabilities are clamped to [1e-6, 1 − 1e-6]. */
export const JUDGE_LOGIT_CLAMP = Math.log((1 - 1e-6) / 1e-6);

/** logit(p) with p clamped to [1e-6, 1 − 1e-6], so a certain judge gives ±13.8 rather than ±Infinity. */
export function clampedLogit(p: number): number {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
}
