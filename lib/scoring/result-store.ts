/**
 * Per-row scoring results that survive a reload: keyed by a run key (dataset content hash + mapping, model hash,
 * sequence settings) and the row index. IndexedDB in the browser; an in-memory map for Node tests and the CLI.
 * The dataset and model hashes in the key keep another dataset's or model's rows out of a run; what a key holds is
 * still checked on load (a record of an older layout, a foreign or damaged record): an unusable record is left
 * out, so its row is scored again and overwritten, and it is reported as a {@link StoredRecordProblem}.
 */
import { idbDone, idbRequest } from "@/lib/storage/idb";

/** Stored values of one row for one model (log-prob sums and token counts, or reward scores). */
export type RowValues = Float64Array;

/** A stored record that `load` could not use. `row` is null when the record has no usable row index. */
export interface StoredRecordProblem {
  runKey: string;
  row: number | null;
  reason: string;
}

/** What `load` checks a run's records against. */
export interface LoadOptions {
  /** Value counts a record of this run may hold (e.g. [4, 5] for an LM, [2] for a reward model); any when absent. */
  valueCounts?: readonly number[];
  /** Called once per `load` that met unusable records, with all of them. */
  onProblems?: (problems: StoredRecordProblem[]) => void;
}

/** Where finished rows are kept. */
export interface ResultStore {
  /** Every usable stored row of a run (unusable ones are left out and reported through `options.onProblems`). */
  load(runKey: string, options?: LoadOptions): Promise<Map<number, RowValues>>;
  /** Stores rows of a run (one transaction: a chunk is saved whole or not at all). */
  save(runKey: string, rows: ArrayLike<number>, values: readonly RowValues[]): Promise<void>;
  /** Forgets every run. */
  clear(): Promise<void>;
}

/** One record as a store holds it, before it is checked (what an older version or another tool wrote may differ). */
export interface RawRecord {
  row: unknown;
  v: unknown;
}

function valuesOf(v: unknown): number[] | null {
  if (v instanceof Float64Array || v instanceof Float32Array) return Array.from(v);
  if (!Array.isArray(v) || !v.every((x) => typeof x === "number")) return null;
  return v as number[];
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `a list holding ${v.filter((x) => typeof x !== "number").length} non-numbers`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/**
 * Checks a run's records: each needs a row index (a non-negative integer) and a list of numbers (NaN stands for
 * "could not be scored") of an allowed length. Returns the usable rows and a problem per unusable record.
 */
export function checkRecords(
  runKey: string,
  records: readonly RawRecord[],
  valueCounts?: readonly number[],
): { values: Map<number, RowValues>; problems: StoredRecordProblem[] } {
  const values = new Map<number, RowValues>();
  const problems: StoredRecordProblem[] = [];
  for (const r of records) {
    const row = typeof r?.row === "number" && Number.isSafeInteger(r.row) && r.row >= 0 ? r.row : null;
    if (row === null) {
      problems.push({ runKey, row: null, reason: `row index ${JSON.stringify(r?.row) ?? "missing"} is not a row` });
      continue;
    }
    const v = valuesOf(r.v);
    if (!v) {
      problems.push({ runKey, row, reason: `values are ${describeValue(r.v)}, not a list of numbers` });
    } else if (valueCounts && !valueCounts.includes(v.length)) {
      problems.push({
        runKey,
        row,
        reason: `holds ${v.length} values where ${valueCounts.join(" or ")} were expected`,
      });
    } else {
      values.set(row, Float64Array.from(v));
    }
  }
  return { values, problems };
}

/**
 * The notice the UI shows for unusable stored records: how many, why (grouped), and that they are scored again
 * and can be cleared.
 */
export function storeProblemNotice(problems: readonly StoredRecordProblem[]): string | null {
  if (!problems.length) return null;
  const byReason = new Map<string, number>();
  for (const p of problems) byReason.set(p.reason, (byReason.get(p.reason) ?? 0) + 1);
  const reasons = [...byReason]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([reason, n]) => `${n} ${reason}`)
    .join("; ");
  const more = byReason.size > 3 ? `; ${byReason.size - 3} other reasons` : "";
  const n = problems.length;
  return (
    `${n} stored result${n === 1 ? " was" : "s were"} unusable (${reasons}${more}) and ` +
    `${n === 1 ? "its row is" : "their rows are"} scored again. "Clear stored scores" removes every stored result.`
  );
}

/**
 * A store in memory (tests, the CLI). `runs` may be filled directly; what it holds is checked on load like
 * IndexedDB records (tests put damaged values there with a cast).
 */
export function createMemoryResultStore(): ResultStore & { runs: Map<string, Map<number, RowValues>> } {
  const runs = new Map<string, Map<number, RowValues>>();
  return {
    runs,
    async load(runKey, options = {}) {
      const records: RawRecord[] = [...(runs.get(runKey) ?? [])].map(([row, v]) => ({ row, v }));
      const { values, problems } = checkRecords(runKey, records, options.valueCounts);
      if (problems.length) options.onProblems?.(problems);
      return values;
    },
    async save(runKey, rows, values) {
      let run = runs.get(runKey);
      if (!run) runs.set(runKey, (run = new Map()));
      for (let i = 0; i < rows.length; i++) run.set(rows[i], values[i].slice());
    },
    async clear() {
      runs.clear();
    },
  };
}

/** Name of the results database and its object store. */
export const RESULTS_DB_NAME = "margin-atlas-scores";
const STORE = "rows";
const SCHEMA_VERSION = 1;

/**
 * A store in IndexedDB (page or worker): one record `{run, row, v}` per row, key `[run, row]`. A database left
 * without the `rows` store (an older or foreign schema) gets it added by a version upgrade; one at a newer schema
 * version than this app knows is reported on load, and results are kept in memory for the session until it is
 * cleared (`clear` deletes the database).
 */
export function createIndexedDbResultStore(factory: IDBFactory = indexedDB): ResultStore {
  let db: Promise<IDBDatabase | null> | null = null;
  let unusable: string | null = null;
  const fallback = createMemoryResultStore();
  const openAt = (version?: number) =>
    new Promise<IDBDatabase>((resolve, reject) => {
      const req = version === undefined ? factory.open(RESULTS_DB_NAME) : factory.open(RESULTS_DB_NAME, version);
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(STORE))
          req.result.createObjectStore(STORE, { keyPath: ["run", "row"] });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
      // Another tab holding an older connection: it is asked to close (below), so this waits, not fails.
      req.onblocked = () => undefined;
    });
  const open = () => {
    db ??= (async () => {
      let d: IDBDatabase;
      try {
        d = await openAt(SCHEMA_VERSION);
      } catch (e) {
        if ((e as DOMException)?.name !== "VersionError") throw e;
        // Written by a newer version of the app: its layout is unknown here, so it is neither read nor changed.
        const existing = await openAt();
        unusable = `the stored-results database has schema version ${existing.version}, newer than this app's ${SCHEMA_VERSION}`;
        existing.close();
        return null;
      }
      if (!d.objectStoreNames.contains(STORE)) {
        const version = d.version + 1;
        d.close();
        d = await openAt(version);
      }
      d.onversionchange = () => {
        d.close();
        db = null;
      };
      return d;
    })();
    // A failed open (private mode, quota) is retried next time instead of poisoning the store.
    db.catch(() => (db = null));
    return db;
  };
  return {
    async load(runKey, options = {}) {
      const d = await open();
      if (!d) {
        const stored = await fallback.load(runKey, options);
        options.onProblems?.([{ runKey, row: null, reason: `${unusable}: not read` }]);
        return stored;
      }
      const tx = d.transaction(STORE, "readonly");
      const range = IDBKeyRange.bound([runKey, 0], [runKey, Number.MAX_SAFE_INTEGER]);
      const records = await idbRequest(tx.objectStore(STORE).getAll(range) as IDBRequest<RawRecord[]>);
      const { values, problems } = checkRecords(runKey, records, options.valueCounts);
      if (problems.length) options.onProblems?.(problems);
      return values;
    },
    async save(runKey, rows, values) {
      const d = await open();
      if (!d) return fallback.save(runKey, rows, values);
      const tx = d.transaction(STORE, "readwrite");
      const store = tx.objectStore(STORE);
      // Plain arrays, not typed arrays: NaN survives either way, and plain arrays keep records readable in DevTools.
      for (let i = 0; i < rows.length; i++) store.put({ run: runKey, row: rows[i], v: Array.from(values[i]) });
      await idbDone(tx);
    },
    async clear() {
      const d = await open();
      await fallback.clear();
      if (!d) {
        // Deleting the newer database is what "clear" means here; the next open creates this app's schema.
        await idbRequest(factory.deleteDatabase(RESULTS_DB_NAME) as IDBRequest<unknown>);
        db = null;
        unusable = null;
        return;
      }
      const tx = d.transaction(STORE, "readwrite");
      tx.objectStore(STORE).clear();
      await idbDone(tx);
    },
  };
}
