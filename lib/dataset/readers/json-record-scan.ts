/**
 * What `JSON.parse` changes without a word, found in a record's text: a key written twice in one object (the last
 * value wins, as in Python's `json`) and an integer literal a float64 cannot hold (beyond ±2^53, rounded). Both are
 * rare, so each record pays for a native scan of its text for colons and a walk of the parsed value; the exact
 * tokenizer runs only when those say something may have changed.
 */
import type { RawRecord } from "@/lib/dataset/types";

/** Symbol under which a parsed record lists the paths of its duplicate keys (not a field; not serialised). */
export const DUPLICATE_KEYS: unique symbol = Symbol.for("margin-atlas.duplicate-keys");

/** An integer literal beyond ±(2^53 − 1): where it sits in the record (keys and list indices) and how it is written. */
export interface ExactInteger {
  path: (string | number)[];
  literal: string;
}

/** What {@link scanRecordText} found. */
export interface RecordTextScan {
  /** Paths of keys written more than once in one object (`score`, `meta.score`, `chosen[].content`), each once. */
  duplicates: string[];
  /** Integer literals a float64 would round, in text order (those under a key written again later left out). */
  integers: ExactInteger[];
}

/**
 * Keys a record's text may hold: the colons whose previous non-blank character is a `"`. Every key ends that way,
 * so the count is never below the number of keys written (strings holding `":` only make it larger).
 */
export function keyColonCount(text: string): number {
  let count = 0;
  let i = text.indexOf(":");
  while (i >= 0) {
    let j = i - 1;
    let c = text.charCodeAt(j);
    while (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) c = text.charCodeAt(--j);
    if (c === 0x22) count++;
    i = text.indexOf(":", i + 1);
  }
  return count;
}

/** What a walk over a parsed record found: its keys (nested ones included), and whether a number may be rounded. */
export interface ParsedShape {
  keys: number;
  /** A number beyond ±(2^53 − 1): written as an integer literal, it was rounded (a float such as 1e30 also counts). */
  large: boolean;
}

/** Walks a parsed value once: its keys at every depth and whether any number is beyond ±(2^53 − 1). */
export function parsedShape(value: unknown): ParsedShape {
  const shape = { keys: 0, large: false };
  walk(value, shape);
  return shape;
}

function walk(value: unknown, shape: ParsedShape): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v === "object" && v !== null) walk(v, shape);
      else if (typeof v === "number" && (v > Number.MAX_SAFE_INTEGER || v < -Number.MAX_SAFE_INTEGER))
        shape.large = true;
    }
    return;
  }
  for (const key in value as object) {
    shape.keys++;
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === "object" && v !== null) walk(v, shape);
    else if (typeof v === "number" && (v > Number.MAX_SAFE_INTEGER || v < -Number.MAX_SAFE_INTEGER)) shape.large = true;
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

interface Frame {
  object: boolean;
  /** Keys seen so far in this object. */
  keys: Set<string> | null;
  /** The key whose value comes next (objects) or the current item index (lists). */
  key: string;
  index: number;
  /** Field path of this container, as a mapping names it (`meta`, `chosen[]`); "" for the record itself. */
  path: string;
}

function childPath(parent: Frame): string {
  if (!parent.object) return `${parent.path}[]`;
  return parent.path === "" ? parent.key : `${parent.path}.${parent.key}`;
}

/**
 * Tokenizes a record's text (valid JSON, or JSON with Python's bare NaN / Infinity, which are skipped as words) and
 * returns its duplicate keys and its integers beyond ±2^53. Linear in the text; only run when the cheap checks fire.
 */
export function scanRecordText(text: string): RecordTextScan {
  const duplicates: string[] = [];
  let integers: ExactInteger[] = [];
  const stack: Frame[] = [];
  let expectKey = false;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      let escaped = false;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 0x5c) {
          escaped = true;
          j += 2;
        } else if (d === 0x22) break;
        else j++;
      }
      const top = stack[stack.length - 1];
      if (expectKey && top?.object) {
        const raw = text.slice(i + 1, j);
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : raw;
        if (top.keys!.has(key)) {
          const path = top.path === "" ? key : `${top.path}.${key}`;
          if (!duplicates.includes(path)) duplicates.push(path);
          // The earlier value is overwritten: an integer found under it is not in the parsed record.
          const under = [...stack.slice(0, -1).map(frameStep), key];
          integers = integers.filter((x) => !startsWith(x.path, under));
        } else top.keys!.add(key);
        top.key = key;
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      const parent = stack[stack.length - 1];
      const object = c === 0x7b;
      stack.push({
        object,
        keys: object ? new Set() : null,
        key: "",
        index: 0,
        path: parent ? childPath(parent) : "",
      });
      expectKey = object;
      i++;
      continue;
    }
    if (c === 0x7d || c === 0x5d) {
      stack.pop();
      expectKey = false;
      i++;
      continue;
    }
    if (c === 0x2c) {
      const top = stack[stack.length - 1];
      if (top?.object) expectKey = true;
      else if (top) top.index++;
      i++;
      continue;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let j = i + 1;
      let integer = true;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d >= 0x30 && d <= 0x39) j++;
        else if (d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) {
          integer = false;
          j++;
        } else break;
      }
      const literal = text.slice(i, j);
      const digits = literal.length - (c === 0x2d ? 1 : 0);
      if (integer && digits >= 16) {
        const v = BigInt(literal);
        if (v > MAX_SAFE || v < -MAX_SAFE) integers.push({ path: stack.map(frameStep), literal });
      }
      i = j;
      continue;
    }
    i++;
  }
  return { duplicates, integers };
}

function frameStep(f: Frame): string | number {
  return f.object ? f.key : f.index;
}

function startsWith(path: (string | number)[], prefix: (string | number)[]): boolean {
  if (path.length < prefix.length) return false;
  for (let k = 0; k < prefix.length; k++) if (path[k] !== prefix[k]) return false;
  return true;
}

/**
 * Puts each integer back exactly, as a BigInt (what hyparquet gives for INT64), in place: `readNumber` then refuses it
 * in a number field, naming the literal, instead of reading the rounded double; a text field and the exports keep
 * its digits (lib/export writes BigInts exactly).
 */
export function restoreExactIntegers(record: RawRecord, integers: ExactInteger[]): void {
  for (const { path, literal } of integers) {
    let at: unknown = record;
    for (let k = 0; k < path.length - 1 && at !== null && typeof at === "object"; k++) {
      at = (at as Record<string | number, unknown>)[path[k]];
    }
    const last = path[path.length - 1];
    if (at === null || typeof at !== "object" || last === undefined) continue;
    const holder = at as Record<string | number, unknown>;
    if (typeof holder[last] === "number") holder[last] = BigInt(literal);
  }
}

/**
 * Checks a parsed record against its text: lists duplicate keys under {@link DUPLICATE_KEYS} and restores integers
 * beyond ±2^53 exactly ({@link restoreExactIntegers}). Costs one native scan of the text for colons and one walk of the parsed record; the tokenizer
 * runs only when the text holds more key-like colons than the record has keys, or a number is beyond ±2^53.
 */
export function checkRecordText(text: string, record: RawRecord): void {
  const shape = parsedShape(record);
  // Every key written ends in `":` (colons ≥ keys written ≥ keys parsed): equal counts mean no key was written twice.
  if (!shape.large && keyColonCount(text) === shape.keys) return;
  const found = scanRecordText(text);
  if (found.duplicates.length > 0) (record as Record<symbol, unknown>)[DUPLICATE_KEYS] = found.duplicates;
  if (found.integers.length > 0) restoreExactIntegers(record, found.integers);
}

/**
 * One JSON value parsed as `JSON.parse` does, except that integer literals beyond ±2^53 are exact BigInts at any depth
 * (the value itself included), as {@link checkRecordText} restores them in records. The tokenizer runs only when a
 * parsed number is beyond ±2^53. Used for Parquet JSON columns, whose values need not be objects.
 */
export function parseJsonExact(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (typeof value === "number") {
    if (value <= Number.MAX_SAFE_INTEGER && value >= -Number.MAX_SAFE_INTEGER) return value;
  } else if (value === null || typeof value !== "object" || !parsedShape(value).large) return value;
  const { integers } = scanRecordText(text);
  if (typeof value === "number") return integers.length > 0 ? BigInt(integers[0].literal) : value;
  if (integers.length > 0) restoreExactIntegers(value as RawRecord, integers);
  return value;
}
