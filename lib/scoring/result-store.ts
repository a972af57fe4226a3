/**
 * Per-row scoring results that survive a reload: keyed by a run key (dataset content hash + mapping, model hash,
 * sequence settings) and the row index. IndexedDB in the browser; an in-memory map for Node tests and the CLI.
 */
import { idbDone, idbRequest } from "@/lib/storage/idb";

/** Stored values of one row for one model (log-prob sums and token counts, or reward scores). */
export type RowValues = Float64Array;

/** Where finished rows are kept. */
export interface ResultStore {
  /** Every stored row of a run. */
  load(runKey: string): Promise<Map<number, RowValues>>;
  /** Stores rows of a run (one transaction: a chunk is saved whole or not at all). */
  save(runKey: string, rows: ArrayLike<number>, values: readonly RowValues[]): Promise<void>;
  /** Forgets every run. */
  clear(): Promise<void>;
}

/** A store in memory (tests, the CLI). */
export function createMemoryResultStore(): ResultStore & { runs: Map<string, Map<number, RowValues>> } {
  const runs = new Map<string, Map<number, RowValues>>();
  return {
    runs,
    async load(runKey) {
      return new Map(runs.get(runKey) ?? []);
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

const DB_NAME = "margin-atlas-scores";
const STORE = "rows";

/** A store in IndexedDB (page or worker): one record `{run, row, v}` per row, key `[run, row]`. */
export function createIndexedDbResultStore(factory: IDBFactory = indexedDB): ResultStore {
  let db: Promise<IDBDatabase> | null = null;
  const open = () => {
    db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = factory.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: ["run", "row"] });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    // A failed open (private mode, quota) is retried next time instead of poisoning the store.
    db.catch(() => (db = null));
    return db;
  };
  return {
    async load(runKey) {
      const d = await open();
      const tx = d.transaction(STORE, "readonly");
      const range = IDBKeyRange.bound([runKey, 0], [runKey, Number.MAX_SAFE_INTEGER]);
      const records = await idbRequest(
        tx.objectStore(STORE).getAll(range) as IDBRequest<{ row: number; v: number[] }[]>,
      );
      return new Map(records.map((r) => [r.row, Float64Array.from(r.v)]));
    },
    async save(runKey, rows, values) {
      const d = await open();
      const tx = d.transaction(STORE, "readwrite");
      const store = tx.objectStore(STORE);
      // Plain arrays, not typed arrays: NaN survives either way, and plain arrays keep records readable in DevTools.
      for (let i = 0; i < rows.length; i++) store.put({ run: runKey, row: rows[i], v: Array.from(values[i]) });
      await idbDone(tx);
    },
    async clear() {
      const d = await open();
      const tx = d.transaction(STORE, "readwrite");
      tx.objectStore(STORE).clear();
      await idbDone(tx);
    },
  };
}
