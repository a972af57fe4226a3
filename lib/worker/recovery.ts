/**
 * What a dead worker is reported as: the cause classified (closed, crashed, out of memory), a suggestion the user can
 * act on, and a small observable log of the reports with how each recovery went, which the status bar and the
 * scoring panel show. Plain TypeScript (no React): lib/worker/rpc.ts classifies, the stores publish, views subscribe.
 */

/** Why a worker's calls were all rejected and the worker dropped. */
export type CrashCode = "worker-crashed" | "worker-closed" | "out-of-memory";

/** The app's workers, by the `name` they are started with. */
export type WorkerName = "dataset" | "scoring" | "scatter" | (string & {});

/** One dead worker, as the user is told about it. */
export interface CrashReport {
  worker: WorkerName;
  code: CrashCode;
  /** What the browser or the worker said (an uncaught error's message, "closed", an allocation failure). */
  cause: string;
  /** What to try so that it does not happen again. */
  suggestion: string;
  atMs: number;
  /** The worker died while its state was being restored after an earlier crash (it is not restarted again by itself). */
  duringRestore: boolean;
}

/** Is `code` one of the codes a dead worker's calls are rejected with. */
export function isCrashCode(code: unknown): code is CrashCode {
  return code === "worker-crashed" || code === "worker-closed" || code === "out-of-memory";
}

// Allocation failures as V8 (ArrayBuffer, WebAssembly.Memory), Emscripten (onnxruntime-web's WASM heap) and
// onnxruntime's own allocator word them.
const OUT_OF_MEMORY =
  /array buffer allocation failed|out of memory|\boom\b|maximum memory size exceeded|could not allocate memory|cannot enlarge memory|failed to allocate|allocation failed|WebAssembly\.Memory(\.grow)?\(\)/i;

/** Whether an error (or its message) is an allocation failure. */
export function isOutOfMemory(err: unknown): boolean {
  return OUT_OF_MEMORY.test(causeText(err));
}

/** "Name: message" of an error-like value ("Uncaught RangeError: …" as an ErrorEvent words it stays as is). */
export function causeText(err: unknown): string {
  if (typeof err === "string") return err;
  if (err && typeof err === "object") {
    const e = err as { name?: unknown; message?: unknown };
    const message = typeof e.message === "string" ? e.message : "";
    const name = typeof e.name === "string" && e.name !== "Error" ? e.name : "";
    if (name && message && !message.includes(name)) return `${name}: ${message}`;
    if (message) return message;
    if (name) return name;
  }
  return String(err);
}

/** The code of a crash whose cause is `err`: an allocation failure is "out-of-memory", anything else `fallback`. */
export function classifyCrash(err: unknown, fallback: CrashCode = "worker-crashed"): CrashCode {
  return isOutOfMemory(err) ? "out-of-memory" : fallback;
}

const SUGGESTIONS: Record<string, Partial<Record<CrashCode, string>>> = {
  scoring: {
    "out-of-memory":
      "use a quantised model file (Model file: model_q4.onnx or model_int8.onnx), a smaller max length, or the WASM backend with fewer threads; close other tabs",
    "worker-crashed":
      "score again (finished pairs are reused); if it happens again, try the WASM backend, a quantised model file or a smaller max length",
    "worker-closed": "score again (finished pairs are reused)",
  },
  dataset: {
    "out-of-memory":
      "open a smaller file or fewer shards, or export a subset with the CLI (bin/margin-atlas.ts select) first; close other tabs",
    "worker-crashed": "the file was opened again; if it happens again, reload the page and open a smaller file",
    "worker-closed": "the file was opened again",
  },
  scatter: {
    "out-of-memory": "narrow the selection or hide the scatter; close other tabs",
    "worker-crashed": "the scatter is drawn again; if it happens again it is drawn on the main thread",
    "worker-closed": "the scatter is drawn again",
  },
};

/** What to try after `worker` died with `code`. */
export function suggestionFor(worker: WorkerName, code: CrashCode): string {
  const own = SUGGESTIONS[worker]?.[code];
  if (own) return own;
  if (code === "out-of-memory") return "work on a smaller file or model, and close other tabs";
  return "try again; if it happens again, reload the page";
}

const WHAT: Record<CrashCode, string> = {
  "worker-crashed": "crashed",
  "worker-closed": "closed",
  "out-of-memory": "ran out of memory",
};

/** One sentence: "The scoring worker ran out of memory (RangeError: Array buffer allocation failed). Try: …". */
export function describeCrash(report: Pick<CrashReport, "worker" | "code" | "cause" | "suggestion">): string {
  return `The ${report.worker} worker ${WHAT[report.code]} (${report.cause}). Try: ${report.suggestion}.`;
}

/** How the app's recovery from one crash went. */
export interface RecoveryEntry {
  report: CrashReport;
  state: "restarting" | "restored" | "failed";
  /** What was brought back ("restarted; 80 scores kept", "dataset reopened: 2000 rows, selection re-applied"). */
  outcome: string | null;
  /** What could not be brought back, one line each (a model that would not reload, with its error). */
  problems: string[];
}

/** The latest crash of each worker, with its recovery; subscribe to follow it. */
export interface RecoveryLog {
  /** Entries, newest first, one per worker. */
  entries(): readonly RecoveryEntry[];
  /** Records a new crash of `report.worker` (replacing its previous entry). */
  crashed(report: CrashReport): void;
  /** Updates the entry of `worker`'s latest crash (no-op when there is none). */
  update(worker: WorkerName, patch: Partial<Omit<RecoveryEntry, "report">>): void;
  dismiss(worker: WorkerName): void;
  subscribe(listener: () => void): () => void;
}

/** Creates an empty {@link RecoveryLog}. */
export function createRecoveryLog(): RecoveryLog {
  let list: RecoveryEntry[] = [];
  const listeners = new Set<() => void>();
  const emit = () => listeners.forEach((l) => l());
  return {
    entries: () => list,
    crashed(report) {
      list = [
        { report, state: "restarting", outcome: null, problems: [] },
        ...list.filter((e) => e.report.worker !== report.worker),
      ];
      emit();
    },
    update(worker, patch) {
      if (!list.some((e) => e.report.worker === worker)) return;
      list = list.map((e) => (e.report.worker === worker ? { ...e, ...patch } : e));
      emit();
    },
    dismiss(worker) {
      const next = list.filter((e) => e.report.worker !== worker);
      if (next.length === list.length) return;
      list = next;
      emit();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The page's recovery log (every worker client publishes here). */
export const recoveryLog: RecoveryLog = createRecoveryLog();
