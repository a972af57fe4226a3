/**
 * Finished prompts of a generation run that survive a reload: keyed by a run key (prompts' content hash and field,
 * policy and reward-model hashes, every setting that decides the text) and the prompt index. IndexedDB in the
 * browser; an in-memory map for Node tests. An entry that does not have the shape of a finished prompt (an older
 * schema, a foreign or half-written record) is skipped on load and counted, and that prompt is generated again.
 */
import { idbDone, idbRequest } from "@/lib/storage/idb";
import type { GeneratedPrompt } from "@/lib/scoring/protocol";

/** What a load returns: the usable prompts by index, and how many stored entries could not be used. */
export interface StoredGeneration {
  prompts: Map<number, GeneratedPrompt>;
  /** Entries under the run key whose shape is wrong (ignored: those prompts are generated again). */
  unreadable: number;
}

/** Where finished prompts are kept. */
export interface GenerationStore {
  load(runKey: string): Promise<StoredGeneration>;
  save(runKey: string, prompt: GeneratedPrompt): Promise<void>;
  /** Forgets every run. */
  clear(): Promise<void>;
}

const isNumberList = (v: unknown, n: number) =>
  Array.isArray(v) && v.length === n && v.every((x) => typeof x === "number" || x === null);

/** True when `v` has the shape of a stored {@link GeneratedPrompt} (texts, per-sample lists of equal length). */
export function isGeneratedPrompt(v: unknown): v is GeneratedPrompt {
  if (!v || typeof v !== "object") return false;
  const p = v as Record<string, unknown>;
  if (!Number.isInteger(p.index) || (p.index as number) < 0) return false;
  if (typeof p.prompt !== "string" && !Array.isArray(p.prompt)) return false;
  if (!Array.isArray(p.responses) || !p.responses.every((r) => typeof r === "string")) return false;
  const n = p.responses.length;
  if (p.rmScores !== null && !isNumberList(p.rmScores, n)) return false;
  if (!isNumberList(p.sumLogps, n) || !isNumberList(p.tokenCounts, n)) return false;
  if (!Array.isArray(p.finish) || p.finish.length !== n) return false;
  if (!Array.isArray(p.retokenizes) || p.retokenizes.length !== n) return false;
  if (!Number.isInteger(p.promptTokens)) return false;
  return p.error === undefined || typeof p.error === "string";
}

/** A store in memory (tests). */
export function createMemoryGenerationStore(): GenerationStore & { runs: Map<string, Map<number, unknown>> } {
  const runs = new Map<string, Map<number, unknown>>();
  return {
    runs,
    async load(runKey) {
      const prompts = new Map<number, GeneratedPrompt>();
      let unreadable = 0;
      for (const [index, v] of runs.get(runKey) ?? []) {
        if (isGeneratedPrompt(v) && v.index === index) prompts.set(index, structuredClone(v));
        else unreadable++;
      }
      return { prompts, unreadable };
    },
    async save(runKey, prompt) {
      let run = runs.get(runKey);
      if (!run) runs.set(runKey, (run = new Map()));
      run.set(prompt.index, structuredClone(prompt));
    },
    async clear() {
      runs.clear();
    },
  };
}

const DB_NAME = "margin-atlas-generation";
const STORE = "prompts";

/** A store in IndexedDB (page or worker): one record `{run, index, v}` per prompt, key `[run, index]`. */
export function createIndexedDbGenerationStore(factory: IDBFactory = indexedDB): GenerationStore {
  let db: Promise<IDBDatabase> | null = null;
  const open = () => {
    db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = factory.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: ["run", "index"] });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    // A failed open is not cached: the next call tries again.
    db.catch(() => (db = null));
    return db;
  };
  return {
    async load(runKey) {
      const tx = (await open()).transaction(STORE, "readonly");
      const range = IDBKeyRange.bound([runKey, 0], [runKey, Number.MAX_SAFE_INTEGER]);
      const records = (await idbRequest(tx.objectStore(STORE).getAll(range))) as { index: unknown; v: unknown }[];
      const prompts = new Map<number, GeneratedPrompt>();
      let unreadable = 0;
      for (const r of records) {
        if (isGeneratedPrompt(r.v) && r.v.index === r.index) prompts.set(r.index as number, r.v);
        else unreadable++;
      }
      return { prompts, unreadable };
    },
    async save(runKey, prompt) {
      const tx = (await open()).transaction(STORE, "readwrite");
      tx.objectStore(STORE).put({ run: runKey, index: prompt.index, v: prompt });
      await idbDone(tx);
    },
    async clear() {
      const tx = (await open()).transaction(STORE, "readwrite");
      tx.objectStore(STORE).clear();
      await idbDone(tx);
    },
  };
}
