/**
 * Recipes that re-apply: the row content hash of a version-3 recipe, reading recipes (versions 2 and 3) with a
 * message naming the wrong field, and matching a recipe's decisions to the rows of the same or an edited file.
 * Used by DatasetSession.applyRecipe (the dataset worker and the CLI), so the app and the CLI select the same rows.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { pairToText } from "@/lib/dataset/pair";
import { checkMappingShape } from "@/lib/dataset/schema";
import type { ColumnMapping, Pair, ParseProblem, ParseResult } from "@/lib/dataset/types";
import { METRIC_OPTIONS } from "@/lib/selection/ranking";
import {
  DEFAULT_RANKING,
  FIELD_LABELS,
  type Decisions,
  type FieldKey,
  type Gate,
  type SelectionSpec,
} from "@/lib/selection/spec";
import type { RecipeContent, RecipeMatchReport } from "@/lib/workbench/types";

/** Name of the row content hash recorded in `content.hash` (bump it if the canonical text ever changes). */
export const ROW_HASH = "sha256:pair-text" as const;

/** Bytes of a row's SHA-256. */
export const DIGEST_BYTES = 32;

/**
 * Bytes of each row's fingerprint in `content.fingerprints` (a prefix of its SHA-256). Every row is listed so that
 * rows new to the recipe can be counted; 8 bytes keep a million-row recipe near 11 MB of base64 while a chance
 * collision among 10^6 rows stays below 10^-7 (and only miscounts "new", never a decision: those use all 32 bytes).
 */
export const FINGERPRINT_BYTES = 8;

/**
 * SHA-256 of a row's contents: prompt, chosen and rejected as the session parses them (`toPair` + `pairToText`).
 * Content, not bytes: a file re-saved with another key order, other whitespace or another format (JSONL → CSV)
 * still matches, and margins or score columns edited by a re-scoring run do not make a row "new".
 */
export function rowContentDigest(pair: Pair): Uint8Array {
  const t = pairToText(pair);
  // A JSON array keeps the three texts apart unambiguously (no separator can occur inside a text).
  return sha256(utf8ToBytes(JSON.stringify([t.prompt, t.chosen, t.rejected])));
}

/** {@link rowContentDigest} as lower-case hex (how a recipe lists decided rows). */
export function rowContentHash(pair: Pair): string {
  return bytesToHex(rowContentDigest(pair));
}

/** Hex of row `row`'s digest in a table of digests (32 bytes a row). */
export function digestHex(digests: Uint8Array, row: number): string {
  return bytesToHex(digests.subarray(row * DIGEST_BYTES, (row + 1) * DIGEST_BYTES));
}

function prefixOf(view: DataView, offset: number): bigint {
  return view.getBigUint64(offset, false);
}

/** Every row's fingerprint (the first {@link FINGERPRINT_BYTES} of its digest), in row order, as base64. */
export function encodeFingerprints(digests: Uint8Array): string {
  const rows = digests.length / DIGEST_BYTES;
  const bytes = new Uint8Array(rows * FINGERPRINT_BYTES);
  for (let i = 0; i < rows; i++)
    bytes.set(digests.subarray(i * DIGEST_BYTES, i * DIGEST_BYTES + FINGERPRINT_BYTES), i * FINGERPRINT_BYTES);
  let binary = "";
  // String.fromCharCode takes its bytes as arguments: chunks stay under every engine's argument limit.
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, Math.min(i + 0x8000, bytes.length)));
  return btoa(binary);
}

function decodeFingerprints(text: string): BigUint64Array | null {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return null;
  }
  if (binary.length % FINGERPRINT_BYTES !== 0) return null;
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const view = new DataView(bytes.buffer);
  const out = new BigUint64Array(bytes.length / FINGERPRINT_BYTES);
  for (let i = 0; i < out.length; i++) out[i] = prefixOf(view, i * FINGERPRINT_BYTES);
  return out.sort();
}

function sortedHas(sorted: BigUint64Array, v: bigint): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] === v) return true;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** The content part of a version-3 recipe: decided rows by hash (each hash once, in row order), all fingerprints. */
export function recipeContent(digests: Uint8Array, decisions: Decisions): RecipeContent {
  const hashes = (rows: number[]) => [...new Set(rows.map((r) => digestHex(digests, r)))];
  return {
    hash: ROW_HASH,
    keep: hashes(decisions.keep),
    drop: hashes(decisions.drop),
    fingerprints: encodeFingerprints(digests),
  };
}

/** A recipe as read back: what applying it needs, checked field by field. */
export interface ParsedRecipe {
  version: 2 | 3;
  input: { name: string; sha256: string };
  /** Rows of the file the recipe was made on. */
  rowCount: number;
  mapping: ColumnMapping;
  selection: SelectionSpec;
  /** Decisions by content (version 3); null in a version-2 recipe, whose decisions are row indices. */
  content: RecipeContent | null;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** A wrong field: thrown inside {@link parseRecipe} and turned into its ParseProblem. */
class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}

function want(ok: boolean, field: string, expected: string, got: unknown): void {
  if (!ok) throw new FieldError(field, `expected ${expected}, got ${describe(got)}`);
}

function obj(v: unknown, field: string): Record<string, unknown> {
  want(!!v && typeof v === "object" && !Array.isArray(v), field, "an object", v);
  return v as Record<string, unknown>;
}

function str(v: unknown, field: string): string {
  want(typeof v === "string", field, "a string", v);
  return v as string;
}

function finite(v: unknown, field: string): number {
  want(typeof v === "number" && Number.isFinite(v), field, "a number", v);
  return v as number;
}

function bound(v: unknown, field: string): number | null {
  want(v === null || (typeof v === "number" && Number.isFinite(v)), field, "a number or null", v);
  return v as number | null;
}

function oneOf<T extends string>(v: unknown, field: string, options: readonly T[]): T {
  want(options.includes(v as T), field, `one of ${options.join(", ")}`, v);
  return v as T;
}

function bool(v: unknown, field: string): boolean {
  want(typeof v === "boolean", field, "true or false", v);
  return v as boolean;
}

function fieldKey(v: unknown, field: string): FieldKey {
  const ok = typeof v === "string" && (Object.hasOwn(FIELD_LABELS, v) || v.startsWith("column:"));
  want(ok, field, 'a field name (explicit, implicit, absImplicit, mAp, …, or "column:<name>")', v);
  return v as FieldKey;
}

function rowList(v: unknown, field: string): number[] {
  want(Array.isArray(v), field, "a list of row indices", v);
  const list = v as unknown[];
  list.forEach((r, i) => want(Number.isInteger(r) && (r as number) >= 0, `${field}[${i}]`, "a row index", r));
  return [...new Set(list as number[])].sort((a, b) => a - b);
}

function hashList(v: unknown, field: string): string[] {
  want(Array.isArray(v), field, "a list of row content hashes", v);
  const list = v as unknown[];
  list.forEach((h, i) => want(typeof h === "string" && HEX64.test(h), `${field}[${i}]`, "a 64-digit hex SHA-256", h));
  return [...new Set(list as string[])];
}

function readGate(v: unknown, field: string): Gate {
  const g = obj(v, field);
  const kind = oneOf(g.kind, `${field}.kind`, ["interval", "rect", "lasso", "search"] as const);
  const source = str(g.source, `${field}.source`);
  switch (kind) {
    case "interval":
      return {
        kind,
        source,
        field: fieldKey(g.field, `${field}.field`),
        lo: bound(g.lo, `${field}.lo`),
        hi: bound(g.hi, `${field}.hi`),
      };
    case "rect":
      return {
        kind,
        source,
        x: fieldKey(g.x, `${field}.x`),
        y: fieldKey(g.y, `${field}.y`),
        x0: finite(g.x0, `${field}.x0`),
        x1: finite(g.x1, `${field}.x1`),
        y0: finite(g.y0, `${field}.y0`),
        y1: finite(g.y1, `${field}.y1`),
      };
    case "lasso": {
      const points = g.points;
      want(
        Array.isArray(points) && points.length >= 6 && points.length % 2 === 0,
        `${field}.points`,
        "a flat list of at least three x, y points",
        points,
      );
      (points as unknown[]).forEach((p, i) => finite(p, `${field}.points[${i}]`));
      return {
        kind,
        source,
        x: fieldKey(g.x, `${field}.x`),
        y: fieldKey(g.y, `${field}.y`),
        points: points as number[],
      };
    }
    case "search":
      return {
        kind,
        source,
        query: str(g.query, `${field}.query`),
        regex: bool(g.regex, `${field}.regex`),
        caseSensitive: bool(g.caseSensitive, `${field}.caseSensitive`),
      };
  }
}

function readSelection(v: unknown): SelectionSpec {
  const s = obj(v, "selection");
  const r = obj(s.ranking, "selection.ranking");
  const metrics = METRIC_OPTIONS.map((m) => m.value);
  const ratio = finite(r.ratio, "selection.ranking.ratio");
  want(ratio >= 0 && ratio <= 1, "selection.ranking.ratio", "a ratio in [0, 1]", ratio);
  const topK = r.topK ?? null;
  want(topK === null || (Number.isInteger(topK) && (topK as number) >= 0), "selection.ranking.topK", "a count", topK);
  const seed = finite(r.seed, "selection.ranking.seed");
  want(Number.isInteger(seed), "selection.ranking.seed", "an integer", seed);
  const ranking: SelectionSpec["ranking"] = {
    metric: oneOf(r.metric, "selection.ranking.metric", metrics),
    weight: finite(r.weight, "selection.ranking.weight"),
    ratio,
    seed,
    // Recipes written before β and the BeeS rule were editable lack them: the defaults then were these.
    beta: r.beta === undefined ? DEFAULT_RANKING.beta : finite(r.beta, "selection.ranking.beta"),
    beesNan:
      r.beesNan === undefined
        ? DEFAULT_RANKING.beesNan
        : oneOf(r.beesNan, "selection.ranking.beesNan", ["released", "lowest"] as const),
    ...(topK !== null ? { topK: topK as number } : {}),
  };
  want(Array.isArray(s.gates), "selection.gates", "a list of gates", s.gates);
  const gates = (s.gates as unknown[]).map((g, i) => readGate(g, `selection.gates[${i}]`));
  const d = obj(s.decisions, "selection.decisions");
  return {
    ranking,
    gates,
    decisions: { keep: rowList(d.keep, "selection.decisions.keep"), drop: rowList(d.drop, "selection.decisions.drop") },
  };
}

function readMapping(v: unknown): ColumnMapping {
  // The shape only (schema, roles, margins, prompt fields, orientation, binarization); field names are checked
  // against the file when the mapping is applied (validateMapping names a missing one).
  const fault = checkMappingShape(v, "mapping");
  if (fault) want(false, fault.path, fault.expected, fault.got);
  return v as ColumnMapping;
}

function readContent(v: unknown, rowCount: number): RecipeContent {
  const c = obj(v, "content");
  want(c.hash === ROW_HASH, "content.hash", `"${ROW_HASH}"`, c.hash);
  const fingerprints = str(c.fingerprints, "content.fingerprints");
  const decoded = decodeFingerprints(fingerprints);
  want(
    decoded !== null && decoded.length === rowCount,
    "content.fingerprints",
    `base64 of ${FINGERPRINT_BYTES} bytes per row (${rowCount} rows)`,
    decoded === null ? fingerprints : `${decoded.length} rows`,
  );
  return {
    hash: ROW_HASH,
    keep: hashList(c.keep, "content.keep"),
    drop: hashList(c.drop, "content.drop"),
    fingerprints,
  };
}

function syntaxProblem(text: string, file: string, err: unknown): ParseProblem {
  const message = err instanceof Error ? err.message : String(err);
  const at = /position (\d+)/.exec(message);
  if (!at) return { file, message: `not JSON (${message})` };
  const before = text.slice(0, Number(at[1]));
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return { file, line, column, message: `not JSON (${message.replace(/\s*\(line \d+ column \d+\)/, "")})` };
}

/**
 * Reads a recipe file (version 2 or 3, as "Download recipe" and `--write-recipe` write it). A wrong file names
 * the field at fault, e.g. `r.json, field "selection.ranking.metric": expected one of map, …, got "best"`.
 */
export function parseRecipe(text: string, file: string): ParseResult<ParsedRecipe> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: syntaxProblem(text, file, err) };
  }
  try {
    const r = obj(json, "recipe");
    if (r.tool !== "margin-atlas")
      throw new FieldError("tool", `expected "margin-atlas" (a Margin Atlas recipe), got ${describe(r.tool)}`);
    const version = r.version;
    want(version === 2 || version === 3, "version", "2 or 3 (recipes this version of Margin Atlas reads)", version);
    const input = obj(r.input, "input");
    const sha = str(input.sha256, "input.sha256");
    want(HEX64.test(sha), "input.sha256", "a 64-digit hex SHA-256", sha);
    const rowCount = finite(r.rowCount, "rowCount");
    want(Number.isInteger(rowCount) && rowCount >= 0, "rowCount", "a row count", rowCount);
    return {
      ok: true,
      data: {
        version: version as 2 | 3,
        input: { name: str(input.name, "input.name"), sha256: sha },
        rowCount,
        mapping: readMapping(r.mapping),
        selection: readSelection(r.selection),
        content: version === 3 ? readContent(r.content, rowCount) : null,
      },
    };
  } catch (err) {
    if (err instanceof FieldError) return { ok: false, reason: { file, field: err.field, message: err.message } };
    throw err;
  }
}

/** Field order does not matter: two mappings are the same when their canonical JSON is. */
export function sameMapping(a: ColumnMapping, b: ColumnMapping): boolean {
  const canonical = (v: unknown): unknown =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
            .sort()
            .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
        )
      : v;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/**
 * The recipe's decisions on this file's rows. Version 3: by content hash; every row with a decided hash gets the
 * decision (duplicate contents: all of them, counted in `duplicates`); a hash both kept and dropped (duplicates
 * decided differently) is dropped, as a drop always wins. Version 2: by row index, as recorded.
 * `digests`: 32 bytes a row (the file's rows under the recipe's mapping); null is allowed for version 2 only.
 */
export function matchDecisions(
  recipe: ParsedRecipe,
  digests: Uint8Array | null,
  rowCount: number,
  flags: { sameFile: boolean; remapped: boolean },
): { decisions: Decisions; report: RecipeMatchReport } {
  const base = { version: recipe.version, sameFile: flags.sameFile, remapped: flags.remapped };
  // The very file the recipe was made on: its row indices are exact, while content would also decide undecided
  // duplicates of a decided row (the demo has 13 such groups) and so not reproduce the selection.
  if (!recipe.content || flags.sameFile) {
    const { keep, drop } = recipe.selection.decisions;
    const inFile = (r: number) => r < rowCount;
    const dropped = new Set(drop.filter(inFile));
    const decisions = { keep: keep.filter((r) => inFile(r) && !dropped.has(r)), drop: [...dropped] };
    const all = new Set([...keep, ...drop]);
    const matched = [...all].filter(inFile).length;
    return {
      decisions,
      report: {
        ...base,
        matched,
        vanished: all.size - matched,
        newRows: flags.sameFile ? 0 : null,
        duplicates: 0,
        conflicts: 0,
        keepCount: decisions.keep.length,
        dropCount: decisions.drop.length,
      },
    };
  }
  if (!digests) throw new Error("a version-3 recipe is matched by row content: the rows' digests are needed");
  const { keep, drop } = recipe.content;
  const decided = new Map<string, "keep" | "drop">();
  for (const h of keep) decided.set(h, "keep");
  for (const h of drop) decided.set(h, "drop");
  const kept = new Set(keep);
  const conflicts = drop.filter((h) => kept.has(h)).length;
  // Rows are screened by an 8-byte prefix (no string per row); only a hit is compared in full.
  const byPrefix = new Set<bigint>();
  for (const h of decided.keys()) byPrefix.add(BigInt(`0x${h.slice(0, 16)}`));
  const known = decodeFingerprints(recipe.content.fingerprints) ?? new BigUint64Array(0);
  const view = new DataView(digests.buffer, digests.byteOffset, digests.byteLength);
  const rowsOf = new Map<string, number[]>();
  let newRows = 0;
  for (let row = 0; row < rowCount; row++) {
    const prefix = prefixOf(view, row * DIGEST_BYTES);
    if (!sortedHas(known, prefix)) newRows++;
    if (!byPrefix.has(prefix)) continue;
    const hex = digestHex(digests, row);
    if (!decided.has(hex)) continue;
    const rows = rowsOf.get(hex);
    if (rows) rows.push(row);
    else rowsOf.set(hex, [row]);
  }
  const decisions: Decisions = { keep: [], drop: [] };
  let duplicates = 0;
  for (const [hex, rows] of rowsOf) {
    decisions[decided.get(hex)!].push(...rows);
    duplicates += rows.length - 1;
  }
  decisions.keep.sort((a, b) => a - b);
  decisions.drop.sort((a, b) => a - b);
  return {
    decisions,
    report: {
      ...base,
      matched: rowsOf.size,
      vanished: decided.size - rowsOf.size,
      newRows,
      duplicates,
      conflicts,
      keepCount: decisions.keep.length,
      dropCount: decisions.drop.length,
    },
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The match report as the UI's status line and the CLI's stderr say it. */
export function describeMatch(r: RecipeMatchReport): string {
  const parts: string[] = [];
  if (r.sameFile) parts.push("Same file");
  if (r.remapped) parts.push("Applied the recipe's column mapping first");
  const newRows = r.newRows === null ? "unknown rows new" : `${plural(r.newRows, "row")} new`;
  parts.push(
    `${plural(r.matched, "decision")} matched, ${newRows} (not in the recipe), ${r.vanished} vanished (decided rows no longer in the file)`,
  );
  if (r.duplicates > 0)
    parts.push(`${plural(r.duplicates, "more row", "more rows")} decided as well: same contents as a decided row`);
  if (r.conflicts > 0)
    parts.push(`${plural(r.conflicts, "content")} both kept and dropped in the recipe (duplicates): dropped`);
  if (r.version === 2)
    parts.push(
      r.sameFile
        ? "Version 2 recipe: decisions by row index"
        : "Version 2 recipe: decisions by row index, which may name other rows in an edited file",
    );
  return `${parts.join(". ")}.`;
}
