/**
 * Saved sessions: what a curator's working state is (the file's identity, the column mapping, the selection spec
 * and the view), how it is checked when read back, and where it is kept — IndexedDB in the browser, a map in
 * memory for Node tests. Nothing here is ever sent anywhere: the records stay in this browser profile.
 *
 * The File itself is not kept (a browser cannot keep a handle to a user's file across reloads without the File
 * System Access permission prompts, and copying a 1 GB file into IndexedDB would eat the quota): a restore asks
 * for the file again and checks its SHA-256 against {@link DatasetIdentity.sha256}.
 */
import { checkMappingShape } from "@/lib/dataset/schema";
import type { ColumnMapping } from "@/lib/dataset/types";
import type { Metric } from "@/lib/metrics/select";
import { METRIC_OPTIONS } from "@/lib/selection/ranking";
import type { FieldKey, Gate, SelectionSpec } from "@/lib/selection/spec";
import type { OrderKey } from "@/lib/workbench/protocol";
import type { ComputedState, NamedColumn } from "@/lib/workbench/types";
import type { SortState } from "@/lib/workbench/versions";
import { idbDone, idbRequest } from "@/lib/storage/idb";

/** Marker of a saved-session record (a record without it is not one of ours). */
export const SESSION_FORMAT = "margin-atlas-session";
/** Layout version of the record; bump it when the shape changes (older records are then refused by name). */
export const SESSION_VERSION = 1;

/** Which file a session is about: enough to recognise the same bytes again. */
export interface DatasetIdentity {
  /** The file name as the user gave it. */
  name: string;
  /** Size of the file as given (compressed size for gzip). */
  bytes: number;
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string;
  rowCount: number;
}

/** The parts of the view a session brings back. */
export interface SessionView {
  sort: SortState;
  histogramFields: FieldKey[];
}

/** One saved session. */
export interface SavedSession {
  format: typeof SESSION_FORMAT;
  version: typeof SESSION_VERSION;
  id: string;
  dataset: DatasetIdentity;
  mapping: ColumnMapping;
  /** The selection in force (a restore resets the undo history to it). */
  spec: SelectionSpec;
  view: SessionView;
  /**
   * Names of the columns computed in the browser (scoring) when it was saved, attached columns then view-only
   * fields; their values are the session's {@link SavedComputed} record, kept apart so the list stays light.
   */
  computedColumns: string[];
  createdAtMs: number;
  updatedAtMs: number;
}

/** Marker of a saved-computed-columns record. */
export const COMPUTED_FORMAT = "margin-atlas-computed";
/** Layout version of {@link SavedComputed}. */
export const COMPUTED_VERSION = 1;

/**
 * The columns a scoring run computed for a session (a separate record under the session's id): Float64Arrays kept
 * as they are (IndexedDB stores typed arrays by structured clone, no JSON), replaced whenever the margins change.
 */
export interface SavedComputed extends ComputedState {
  format: typeof COMPUTED_FORMAT;
  version: typeof COMPUTED_VERSION;
  id: string;
  rowCount: number;
}

/** A computed-columns record for session `id` from the dataset worker's `computed` reply (arrays kept, not copied). */
export function createSavedComputed(id: string, rowCount: number, state: ComputedState): SavedComputed {
  return { format: COMPUTED_FORMAT, version: COMPUTED_VERSION, id, rowCount, ...state };
}

/** Whether a computed state holds nothing to keep (then no record is written, and an old one is deleted). */
export function isEmptyComputed(state: ComputedState): boolean {
  return state.columns.length === 0 && state.fields.length === 0 && !state.explicit && !state.implicit;
}

/** Names of the computed columns in the order {@link SavedSession.computedColumns} lists them. */
export function computedNames(state: ComputedState): string[] {
  return [...state.columns, ...state.fields].map((c) => c.name);
}

/** What a session expects of its computed record: the file's row count and the names its record lists. */
export interface ComputedExpectation {
  id: string;
  rowCount: number;
  names: string[];
}

/** A parse result of a computed record: the record, or a reason naming the column and what is wrong. */
export type ComputedParseResult = { ok: true; data: SavedComputed } | { ok: false; reason: string };

/** Checks a computed-columns record against its session: marker, id, row count, each column's name and length. */
export function parseSavedComputed(value: unknown, expected: ComputedExpectation): ComputedParseResult {
  try {
    return { ok: true, data: checkComputed(value, expected) };
  } catch (err) {
    if (err instanceof Invalid)
      return { ok: false, reason: `saved computed columns of session "${expected.id}": ${err.message}` };
    throw err;
  }
}

/** What the "Sessions" list shows of a record; `problem` is set (and the rest may be empty) when it is unreadable. */
export interface SessionSummary {
  id: string;
  name: string;
  rowCount: number;
  updatedAtMs: number;
  problem: string | null;
}

/** Kinds of storage failure the UI tells apart. */
export type SessionStoreErrorCode = "quota" | "corrupt" | "unavailable" | "io";

/** A technical failure of the session store; `code` "quota" means the browser refused the write for lack of space. */
export class SessionStoreError extends Error {
  constructor(
    readonly code: SessionStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "SessionStoreError";
  }
}

/** Whether `err` is the store's "storage is full" error. */
export function isQuotaError(err: unknown): err is SessionStoreError {
  return err instanceof SessionStoreError && err.code === "quota";
}

/**
 * Maps what IndexedDB throws (a DOMException, usually) to a {@link SessionStoreError}. Chromium and Safari name a
 * full quota `QuotaExceededError`; older Firefox reports `NS_ERROR_DOM_QUOTA_REACHED`.
 */
export function toSessionStoreError(err: unknown, action: string): SessionStoreError {
  if (err instanceof SessionStoreError) return err;
  const name = isRecord(err) || err instanceof Error ? String((err as { name?: unknown }).name ?? "") : "";
  const text =
    isRecord(err) || err instanceof Error ? String((err as { message?: unknown }).message ?? err) : String(err);
  if (name === "QuotaExceededError" || name === "NS_ERROR_DOM_QUOTA_REACHED")
    return new SessionStoreError(
      "quota",
      `the browser's storage for this site is full: could not ${action}. Delete saved sessions (or other data of ` +
        "this site) to make room; the current work is still open in this tab",
      { cause: err },
    );
  if (name === "InvalidStateError" || name === "SecurityError" || name === "UnknownError")
    return new SessionStoreError(
      "unavailable",
      `local storage is not available in this browser (${name}: ${text}): could not ${action}`,
      { cause: err },
    );
  return new SessionStoreError("io", `could not ${action}: ${text}`, { cause: err });
}

/** Where sessions are kept. Every method rejects with a {@link SessionStoreError}. */
export interface SessionStore {
  /** Saved sessions, newest change first (unreadable records are listed with their problem). */
  list(): Promise<SessionSummary[]>;
  /** The session, checked; null when there is none with that id; "corrupt" when the record does not validate. */
  get(id: string): Promise<SavedSession | null>;
  /**
   * Writes (or replaces) a session; with `computed`, its computed columns in the same transaction (null deletes
   * them, undefined leaves them as they are).
   */
  put(session: SavedSession, computed?: SavedComputed | null): Promise<void>;
  /** The session's computed columns checked against `expected`; null when none were saved; "corrupt" on a mismatch. */
  getComputed(expected: ComputedExpectation): Promise<SavedComputed | null>;
  delete(id: string): Promise<void>;
  /** The most recently changed readable session, or null. */
  latest(): Promise<SessionSummary | null>;
}

/** What an `id`-less caller needs to build a record; times default to now. */
export interface SessionContent {
  id: string;
  dataset: DatasetIdentity;
  mapping: ColumnMapping;
  spec: SelectionSpec;
  view: SessionView;
  computedColumns?: string[];
  createdAtMs?: number;
  updatedAtMs?: number;
}

/** A record from its parts (deep copies of the mutable arrays, so later edits of the caller's objects don't leak in). */
export function createSavedSession(c: SessionContent, nowMs = Date.now()): SavedSession {
  return {
    format: SESSION_FORMAT,
    version: SESSION_VERSION,
    id: c.id,
    dataset: { ...c.dataset },
    mapping: structuredClone(c.mapping),
    spec: structuredClone(c.spec),
    view: structuredClone(c.view),
    computedColumns: [...(c.computedColumns ?? [])],
    createdAtMs: c.createdAtMs ?? nowMs,
    updatedAtMs: c.updatedAtMs ?? nowMs,
  };
}

/** A fresh session id (random; not derived from the file, so two sessions of one file can coexist). */
export function createSessionId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  // randomUUID exists only in secure contexts; a page served over plain http from another host still gets an id.
  return `s-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** The record as JSON text (what a copy to another browser would carry). */
export function serialiseSession(s: SavedSession): string {
  return JSON.stringify(s);
}

/** A parse result in the shape of the readers' (STYLE.md): data, or a reason that names the bad field. */
export type SessionParseResult = { ok: true; data: SavedSession } | { ok: false; reason: string };

/** Parses JSON text or checks an already-parsed value (an IndexedDB record). */
export function parseSavedSession(input: unknown): SessionParseResult {
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (err) {
      return { ok: false, reason: `saved session: not JSON (${(err as Error).message})` };
    }
  }
  const label = isRecord(value) && typeof value.id === "string" ? `saved session "${value.id}"` : "saved session";
  try {
    return { ok: true, data: checkSession(value) };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, reason: `${label}: ${err.message}` };
    throw err;
  }
}

/** Reads "Storage: N MB of M MB used" from `navigator.storage.estimate()`'s answer; null when it says nothing. */
export function formatStorage(estimate: { usage?: number; quota?: number } | null | undefined): string | null {
  if (!estimate || typeof estimate.usage !== "number" || typeof estimate.quota !== "number") return null;
  return `Storage: ${formatMb(estimate.usage)} MB of ${formatMb(estimate.quota)} MB used`;
}

/** Megabytes (10^6 bytes, as browsers' storage settings count them), one decimal below 100. */
function formatMb(bytes: number): string {
  const mb = bytes / 1e6;
  return mb < 100 ? mb.toFixed(1) : String(Math.round(mb));
}

/** The refusal shown when a chosen file is not the session's (names both files and both hashes). */
export function describeHashMismatch(saved: DatasetIdentity, chosen: { name: string; sha256: string }): string {
  return (
    `"${chosen.name}" is not the file of this session: its SHA-256 is ${chosen.sha256}, but the session was ` +
    `saved for "${saved.name}" with SHA-256 ${saved.sha256}. Choose the same file (byte for byte) to restore it.`
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Validation

class Invalid extends Error {}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function fail(path: string, expected: string, got: unknown): never {
  const shown = got === undefined ? "nothing" : JSON.stringify(got)?.slice(0, 60);
  throw new Invalid(`${path}: expected ${expected}, got ${shown}`);
}

function obj(v: unknown, path: string): Record<string, unknown> {
  if (!isRecord(v)) fail(path, "an object", v);
  return v;
}

function str(v: unknown, path: string): string {
  if (typeof v !== "string") fail(path, "a string", v);
  return v;
}

function num(v: unknown, path: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) fail(path, "a finite number", v);
  return v;
}

function count(v: unknown, path: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) fail(path, "a whole number ≥ 0", v);
  return v;
}

function oneOf<T extends string>(v: unknown, options: readonly T[], path: string): T {
  if (typeof v !== "string" || !(options as readonly string[]).includes(v))
    fail(path, `one of ${options.join(", ")}`, v);
  return v as T;
}

function nullableNum(v: unknown, path: string): number | null {
  return v === null ? null : num(v, path);
}

const METRICS: readonly Metric[] = METRIC_OPTIONS.map((m) => m.value);
const ORDER_KEYS: readonly OrderKey[] = ["row", "explicit", "implicit", "m_ap", "score", "decision"];
const BUILT_IN_FIELDS: readonly string[] = [
  "explicit",
  "implicit",
  "absImplicit",
  "mAp",
  "zExplicit",
  "zAbsImplicit",
  "score",
  "promptChars",
  "chosenChars",
  "rejectedChars",
];

function fieldKey(v: unknown, path: string): FieldKey {
  if (typeof v !== "string" || !(BUILT_IN_FIELDS.includes(v) || (v.startsWith("column:") && v.length > 7)))
    fail(path, "a field (a margin, a length or column:<name>)", v);
  return v as FieldKey;
}

function checkMapping(v: unknown): ColumnMapping {
  // The shape only (schema, roles, margins, prompt fields, orientation, binarization); field names are checked
  // against the file's fields when it is opened (validateMapping), with file and field.
  const fault = checkMappingShape(v, "mapping");
  if (fault) fail(fault.path, fault.expected, fault.got);
  return v as ColumnMapping;
}

function checkGate(v: unknown, path: string): Gate {
  const g = obj(v, path);
  const kind = oneOf(g.kind, ["interval", "rect", "lasso", "search"] as const, `${path}.kind`);
  str(g.source, `${path}.source`);
  switch (kind) {
    case "interval":
      fieldKey(g.field, `${path}.field`);
      nullableNum(g.lo, `${path}.lo`);
      nullableNum(g.hi, `${path}.hi`);
      break;
    case "rect":
      fieldKey(g.x, `${path}.x`);
      fieldKey(g.y, `${path}.y`);
      for (const k of ["x0", "x1", "y0", "y1"]) num(g[k], `${path}.${k}`);
      break;
    case "lasso": {
      fieldKey(g.x, `${path}.x`);
      fieldKey(g.y, `${path}.y`);
      if (!Array.isArray(g.points) || g.points.length % 2 !== 0)
        fail(`${path}.points`, "a flat list of x, y pairs", g.points);
      g.points.forEach((p, i) => num(p, `${path}.points[${i}]`));
      break;
    }
    case "search":
      str(g.query, `${path}.query`);
      if (typeof g.regex !== "boolean") fail(`${path}.regex`, "true or false", g.regex);
      if (typeof g.caseSensitive !== "boolean") fail(`${path}.caseSensitive`, "true or false", g.caseSensitive);
      break;
  }
  return g as unknown as Gate;
}

function rowList(v: unknown, path: string, rowCount: number): number[] {
  if (!Array.isArray(v)) fail(path, "a list of row indices", v);
  let previous = -1;
  v.forEach((r, i) => {
    if (typeof r !== "number" || !Number.isInteger(r) || r <= previous || r >= rowCount)
      fail(`${path}[${i}]`, `a row index above ${previous} and below ${rowCount} (ascending)`, r);
    previous = r;
  });
  return v as number[];
}

function checkSpec(v: unknown, rowCount: number): SelectionSpec {
  const s = obj(v, "spec");
  const r = obj(s.ranking, "spec.ranking");
  oneOf(r.metric, METRICS, "spec.ranking.metric");
  num(r.weight, "spec.ranking.weight");
  const ratio = num(r.ratio, "spec.ranking.ratio");
  if (ratio < 0 || ratio > 1) fail("spec.ranking.ratio", "a ratio in [0, 1]", ratio);
  if (r.topK !== undefined) count(r.topK, "spec.ranking.topK");
  num(r.seed, "spec.ranking.seed");
  num(r.beta, "spec.ranking.beta");
  oneOf(r.beesNan, ["released", "lowest"] as const, "spec.ranking.beesNan");
  if (!Array.isArray(s.gates)) fail("spec.gates", "a list of gates", s.gates);
  s.gates.forEach((g, i) => checkGate(g, `spec.gates[${i}]`));
  const d = obj(s.decisions, "spec.decisions");
  const keep = rowList(d.keep, "spec.decisions.keep", rowCount);
  const drop = new Set(rowList(d.drop, "spec.decisions.drop", rowCount));
  const both = keep.find((row) => drop.has(row));
  if (both !== undefined) fail("spec.decisions", "a row kept or dropped, not both", both);
  return s as unknown as SelectionSpec;
}

function checkView(v: unknown): SessionView {
  const view = obj(v, "view");
  const sort = obj(view.sort, "view.sort");
  oneOf(sort.key, ORDER_KEYS, "view.sort.key");
  if (typeof sort.descending !== "boolean") fail("view.sort.descending", "true or false", sort.descending);
  const filter = sort.filter;
  if (filter !== "all" && filter !== "selected") {
    const pair = isRecord(filter) ? filter.compare : undefined;
    if (!Array.isArray(pair) || pair.length !== 2)
      fail("view.sort.filter", '"all", "selected" or a comparison', filter);
    pair.forEach((m, i) => oneOf(m, METRICS, `view.sort.filter.compare[${i}]`));
  }
  if (!Array.isArray(view.histogramFields)) fail("view.histogramFields", "a list of fields", view.histogramFields);
  view.histogramFields.forEach((f, i) => fieldKey(f, `view.histogramFields[${i}]`));
  return view as unknown as SessionView;
}

function checkSession(v: unknown): SavedSession {
  const s = obj(v, "record");
  if (s.format !== SESSION_FORMAT) fail("format", `"${SESSION_FORMAT}"`, s.format);
  if (s.version !== SESSION_VERSION)
    fail("version", `${SESSION_VERSION} (saved by another version of Margin Atlas)`, s.version);
  if (str(s.id, "id") === "") fail("id", "a non-empty id", s.id);
  const d = obj(s.dataset, "dataset");
  str(d.name, "dataset.name");
  count(d.bytes, "dataset.bytes");
  if (typeof d.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(d.sha256))
    fail("dataset.sha256", "64 lower-case hex digits", d.sha256);
  const rowCount = count(d.rowCount, "dataset.rowCount");
  checkMapping(s.mapping);
  checkSpec(s.spec, rowCount);
  checkView(s.view);
  if (!Array.isArray(s.computedColumns) || s.computedColumns.some((c) => typeof c !== "string"))
    fail("computedColumns", "a list of column names", s.computedColumns);
  num(s.createdAtMs, "createdAtMs");
  num(s.updatedAtMs, "updatedAtMs");
  return s as unknown as SavedSession;
}

function column(v: unknown, path: string, rowCount: number): Float64Array {
  if (!(v instanceof Float64Array)) fail(path, "a Float64Array", v === null ? null : typeof v);
  if (v.length !== rowCount)
    throw new Invalid(`${path}: has ${v.length} values, the dataset has ${rowCount} rows (saved for another file?)`);
  return v;
}

function namedColumns(v: unknown, path: string, rowCount: number): NamedColumn[] {
  if (!Array.isArray(v)) fail(path, "a list of columns", v);
  v.forEach((c, i) => {
    const o = obj(c, `${path}[${i}]`);
    const name = str(o.name, `${path}[${i}].name`);
    if (name === "") fail(`${path}[${i}].name`, "a non-empty name", name);
    column(o.values, `${path}[${i}] ("${name}")`, rowCount);
  });
  return v as NamedColumn[];
}

function checkComputed(v: unknown, expected: ComputedExpectation): SavedComputed {
  const c = obj(v, "record");
  if (c.format !== COMPUTED_FORMAT) fail("format", `"${COMPUTED_FORMAT}"`, c.format);
  if (c.version !== COMPUTED_VERSION)
    fail("version", `${COMPUTED_VERSION} (saved by another version of Margin Atlas)`, c.version);
  if (c.id !== expected.id) fail("id", `"${expected.id}"`, c.id);
  const rowCount = count(c.rowCount, "rowCount");
  if (rowCount !== expected.rowCount)
    throw new Invalid(`saved for ${rowCount} rows, the dataset has ${expected.rowCount}`);
  const columns = namedColumns(c.columns, "columns", rowCount);
  const fields = namedColumns(c.fields, "fields", rowCount);
  for (const k of ["explicit", "implicit"]) if (c[k] !== null) column(c[k], k, rowCount);
  const names = [...columns, ...fields].map((col) => col.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new Invalid(`the column "${twice}" is saved twice`);
  if (names.join("\u0000") !== expected.names.join("\u0000"))
    throw new Invalid(
      `the saved columns are ${names.join(", ") || "none"}, but the session lists ` +
        `${expected.names.join(", ") || "none"}`,
    );
  return c as unknown as SavedComputed;
}

// ---------------------------------------------------------------------------------------------------------------
// Stores

function summaryOf(id: string, value: unknown): SessionSummary {
  const parsed = parseSavedSession(value);
  if (!parsed.ok) {
    const name = isRecord(value) && isRecord(value.dataset) ? value.dataset.name : undefined;
    return {
      id,
      name: typeof name === "string" ? name : "(unreadable)",
      rowCount: 0,
      updatedAtMs: 0,
      problem: parsed.reason,
    };
  }
  const { dataset, updatedAtMs } = parsed.data;
  return { id, name: dataset.name, rowCount: dataset.rowCount, updatedAtMs, problem: null };
}

function newestFirst(list: SessionSummary[]): SessionSummary[] {
  return list.sort((a, b) => b.updatedAtMs - a.updatedAtMs || a.id.localeCompare(b.id));
}

function checked(id: string, value: unknown): SavedSession {
  const parsed = parseSavedSession(value);
  if (!parsed.ok) throw new SessionStoreError("corrupt", parsed.reason);
  if (parsed.data.id !== id)
    throw new SessionStoreError("corrupt", `saved session "${id}": its record names "${parsed.data.id}"`);
  return parsed.data;
}

/** Both stores check a record before writing it: a bug that builds a bad one is reported, not saved and lost later. */
function refuseInvalid(session: SavedSession): void {
  const parsed = parseSavedSession(session);
  if (!parsed.ok) throw new SessionStoreError("io", `refusing to save an invalid session: ${parsed.reason}`);
}

/** Options of {@link createMemorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** Bytes of JSON the store accepts in total; a write beyond it fails as a full quota does. */
  quotaBytes?: number;
}

function checkedComputed(value: unknown, expected: ComputedExpectation): SavedComputed {
  const parsed = parseSavedComputed(value, expected);
  if (!parsed.ok) throw new SessionStoreError("corrupt", parsed.reason);
  return parsed.data;
}

function refuseInvalidComputed(session: SavedSession, computed: SavedComputed): void {
  const parsed = parseSavedComputed(computed, {
    id: session.id,
    rowCount: session.dataset.rowCount,
    names: session.computedColumns,
  });
  if (!parsed.ok) throw new SessionStoreError("io", `refusing to save invalid computed columns: ${parsed.reason}`);
}

/** Bytes a computed record takes (its columns; the names are noise beside them). */
function computedBytes(c: SavedComputed): number {
  let bytes = 0;
  for (const col of [...c.columns, ...c.fields]) bytes += col.values.byteLength;
  return bytes + (c.explicit?.byteLength ?? 0) + (c.implicit?.byteLength ?? 0);
}

/** The in-memory store; `records` and `computed` are exposed so a test can corrupt one. */
export type MemorySessionStore = SessionStore & { records: Map<string, unknown>; computed: Map<string, unknown> };

/** A store in memory (unit tests): records are kept as the browser would, as structured clones. */
export function createMemorySessionStore(options: MemorySessionStoreOptions = {}): MemorySessionStore {
  const records = new Map<string, unknown>();
  const computedRecords = new Map<string, unknown>();
  const sizeOf = (v: unknown) => JSON.stringify(v)?.length ?? 0;
  const store: MemorySessionStore = {
    records,
    computed: computedRecords,
    async list() {
      return newestFirst([...records].map(([id, v]) => summaryOf(id, v)));
    },
    async get(id) {
      return records.has(id) ? checked(id, records.get(id)) : null;
    },
    async put(session, computed) {
      refuseInvalid(session);
      if (computed) refuseInvalidComputed(session, computed);
      if (options.quotaBytes !== undefined) {
        let used = sizeOf(session);
        for (const [id, v] of records) if (id !== session.id) used += sizeOf(v);
        for (const [id, v] of computedRecords)
          if (id !== session.id || computed === undefined) used += computedBytes(v as SavedComputed);
        if (computed) used += computedBytes(computed);
        if (used > options.quotaBytes) {
          const quota = new Error(`quota of ${options.quotaBytes} bytes exceeded`);
          quota.name = "QuotaExceededError";
          throw toSessionStoreError(quota, `save the session of "${session.dataset.name}"`);
        }
      }
      records.set(session.id, structuredClone(session));
      if (computed) computedRecords.set(session.id, structuredClone(computed));
      else if (computed === null) computedRecords.delete(session.id);
    },
    async getComputed(expected) {
      return computedRecords.has(expected.id) ? checkedComputed(computedRecords.get(expected.id), expected) : null;
    },
    async delete(id) {
      records.delete(id);
      computedRecords.delete(id);
    },
    async latest() {
      return (await store.list()).find((s) => s.problem === null) ?? null;
    },
  };
  return store;
}

const DB_NAME = "margin-atlas-sessions";
/** Small records the list reads (name, rows, times), one per session. */
const META = "meta";
/** The whole record (its decisions can be long), read only on restore. */
const RECORDS = "records";
/** The scoring run's columns of a session ({@link SavedComputed}, megabytes at 10^6 rows), read only on restore. */
const COMPUTED = "computed";
/** Version 2 added {@link COMPUTED}. */
const DB_VERSION = 2;

/**
 * A store in IndexedDB: `meta` (what the list shows), `records` (the whole session) and `computed` (its scoring
 * columns), written in one transaction.
 */
export function createIndexedDbSessionStore(factory: IDBFactory = indexedDB): SessionStore {
  let db: Promise<IDBDatabase> | null = null;
  const open = () => {
    db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = factory.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        // From nothing or from version 1 (meta and records only): sessions saved before keep working.
        for (const name of [META, RECORDS, COMPUTED])
          if (!req.result.objectStoreNames.contains(name)) req.result.createObjectStore(name, { keyPath: "id" });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    // A failed open (private mode, quota) is retried next time instead of poisoning the store.
    db.catch(() => (db = null));
    return db;
  };
  const guard = async <T>(action: string, run: (d: IDBDatabase) => Promise<T>): Promise<T> => {
    try {
      return await run(await open());
    } catch (err) {
      throw toSessionStoreError(err, action);
    }
  };
  const store: SessionStore = {
    list: () =>
      guard("list the saved sessions", async (d) => {
        const tx = d.transaction([META, RECORDS], "readonly");
        const metas = await idbRequest(tx.objectStore(META).getAll() as IDBRequest<unknown[]>);
        return newestFirst(
          metas.map((m) => {
            const id = isRecord(m) && typeof m.id === "string" ? m.id : "";
            const s = isRecord(m) ? m : {};
            const ok =
              typeof s.name === "string" && typeof s.rowCount === "number" && typeof s.updatedAtMs === "number";
            return ok
              ? {
                  id,
                  name: s.name as string,
                  rowCount: s.rowCount as number,
                  updatedAtMs: s.updatedAtMs as number,
                  problem: null,
                }
              : {
                  id,
                  name: "(unreadable)",
                  rowCount: 0,
                  updatedAtMs: 0,
                  problem: `saved session "${id}": unreadable list entry`,
                };
          }),
        );
      }),
    get: (id) =>
      guard("read the saved session", async (d) => {
        const tx = d.transaction(RECORDS, "readonly");
        const value = await idbRequest(tx.objectStore(RECORDS).get(id));
        return value === undefined ? null : checked(id, value);
      }),
    put: (session, computed) =>
      guard(`save the session of "${session.dataset.name}"`, async (d) => {
        refuseInvalid(session);
        if (computed) refuseInvalidComputed(session, computed);
        const tx = d.transaction([META, RECORDS, COMPUTED], "readwrite");
        const meta = {
          id: session.id,
          name: session.dataset.name,
          rowCount: session.dataset.rowCount,
          updatedAtMs: session.updatedAtMs,
        };
        const finished = idbDone(tx);
        try {
          tx.objectStore(RECORDS).put(session);
          tx.objectStore(META).put(meta);
          if (computed) tx.objectStore(COMPUTED).put(computed);
          else if (computed === null) tx.objectStore(COMPUTED).delete(session.id);
        } catch (err) {
          // A put can also throw at once (DataCloneError, a quota some browsers check early): a list entry without
          // its record must not be committed alone.
          finished.catch(() => {});
          tx.abort();
          throw err;
        }
        await finished;
      }),
    getComputed: (expected) =>
      guard("read the saved computed columns", async (d) => {
        const tx = d.transaction(COMPUTED, "readonly");
        const value = await idbRequest(tx.objectStore(COMPUTED).get(expected.id));
        return value === undefined ? null : checkedComputed(value, expected);
      }),
    delete: (id) =>
      guard("delete the saved session", async (d) => {
        const tx = d.transaction([META, RECORDS, COMPUTED], "readwrite");
        tx.objectStore(META).delete(id);
        tx.objectStore(RECORDS).delete(id);
        tx.objectStore(COMPUTED).delete(id);
        await idbDone(tx);
      }),
    async latest() {
      return (await store.list()).find((s) => s.problem === null) ?? null;
    },
  };
  return store;
}
