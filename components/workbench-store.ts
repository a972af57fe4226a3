/**
 * UI state of the workbench (zustand): ids, versions, the selection spec with its undo history, counts and flags
 * only. Big buffers live in lib/workbench/buffers.ts; parsing and selection run in the dataset worker behind
 * lib/dataset-client.ts.
 */
import { create } from "zustand";
import { compareLatest, datasetClient } from "@/lib/dataset-client";
import { createLatestSync } from "@/lib/workbench/latest-sync";
import { rowNumbersKey, tableRows } from "@/lib/workbench/table-rows";
import { buffers } from "@/lib/workbench/buffers";
import type { ColumnMapping, ExportFormat } from "@/lib/dataset/types";
import type { CompareReply, DatasetSummary } from "@/lib/workbench/types";
import type { RecipeMatchReport } from "@/lib/workbench/types";
import type { ImplicitKind } from "@/lib/scoring/columns";
import type { ColumnHistogram, DatasetApi, NeedsMappingDetail, OpenReply, SelectReply } from "@/lib/workbench/protocol";
import { isWorkerCrash, WorkerCallError, type CallFn } from "@/lib/worker/rpc";
import { describeCrash, recoveryLog, type CrashReport } from "@/lib/worker/recovery";
import { stepCursor } from "@/lib/workbench/shortcuts";
import { downloadBlob } from "@/lib/download";
import { recipeFileName } from "@/lib/export/download-name";
import { datasetNameOf, sortShards, type NamedBlob } from "@/lib/dataset/shard-names";
import {
  computedNames,
  createIndexedDbSessionStore,
  createSavedComputed,
  createSavedSession,
  createSessionId,
  describeHashMismatch,
  isEmptyComputed,
  isQuotaError,
  type SavedComputed,
  type SavedSession,
  type SessionStore,
} from "@/lib/workbench/saved-session";
import {
  defaultSpec,
  histogramSource,
  withDecision,
  withInterval,
  withoutGate,
  withRegion,
  withSearch,
  type FieldKey,
  type LassoGate,
  type Ranking,
  type RectGate,
  type SelectionSpec,
} from "@/lib/selection/spec";
import { createHistory, push, redo, reset, seal, undo, type History } from "@/lib/selection/history";
import type { RankingNotes } from "@/lib/selection/ranking";
import {
  bump,
  INITIAL_VERSIONS,
  orderNeedsRefresh,
  type Changes,
  type SortState,
  type Versions,
} from "@/lib/workbench/versions";

export type { SortState } from "@/lib/workbench/versions";

/** Quiet time after the last selection change before an open comparison is recomputed. */
const COMPARE_SETTLE_MS = 250;

/** Bins of each histogram. */
export const HISTOGRAM_BINS = 40;

/** Histograms shown by default (lengths are added on request: they need a pass over the texts). */
export const DEFAULT_HISTOGRAMS: FieldKey[] = ["explicit", "implicit", "absImplicit", "mAp"];

/** Counts of the current selection (the reply's counts, without its buffers). */
export type SelectionStats = Pick<
  SelectReply,
  "selectedCount" | "k" | "scored" | "candidates" | "ranked" | "keptByHand" | "keepCount" | "droppedByHand"
>;

/** Workbench UI state and actions. */
/** The open file's full SHA-256, hashed by the dataset worker in the background after the file opened. */
export type FileHashState =
  | { state: "computing"; fraction: number }
  | { state: "done"; sha256: string; key: string }
  | { state: "failed"; error: string };

export interface WorkbenchState {
  status: "empty" | "loading" | "ready";
  /** The open file's SHA-256 (for recipes and stored scores): computing while the dataset is already usable. */
  fileHash: FileHashState | null;
  progress: { stage: string; fraction: number } | null;
  /** Last error shown to the user (a bad file names file, line, column and field). */
  error: string | null;
  summary: DatasetSummary | null;
  versions: Versions;
  /** Undo history of the selection; `history.present` is the selection in force. */
  history: History<SelectionSpec>;
  stats: SelectionStats | null;
  notes: RankingNotes;
  histogramFields: FieldKey[];
  histograms: ColumnHistogram[];
  selectedRow: number | null;
  /**
   * The keyboard's row cursor (j / k), a row id; null until the user moves it, which means the table's first row
   * (lib/workbench/shortcuts.ts `cursorRowOf`).
   */
  cursorRow: number | null;
  sort: SortState;
  busyExport: boolean;
  compare: CompareReply | null;

  /**
   * A file whose schema detection failed, waiting in the dataset worker for a mapping made by hand (the "Columns"
   * panel opens on it), with the last problem a tried mapping hit.
   */
  pendingMapping: (NeedsMappingDetail & { error: string | null }) | null;
  /** Opens a file; with `files` (two or more), those files as one dataset, `file` being their concatenation. */
  loadFile(file: Blob, name: string, files?: NamedBlob[]): Promise<void>;
  /** Opens picked or dropped files: one as itself, several as one dataset (shard order, global row ids). */
  loadFiles(files: NamedBlob[]): Promise<void>;
  loadDemo(): Promise<void>;
  remap(mapping: ColumnMapping): Promise<void>;
  /** Maps the waiting file by hand; on success it becomes the loaded dataset. */
  mapPending(mapping: ColumnMapping): Promise<void>;
  /** Gives up on the waiting file (the previous dataset, if any, stays). */
  cancelPending(): void;
  /**
   * Makes `next` the selection. Changes with the same `coalesceKey` (one drag) merge into one undo step until
   * {@link endGesture}.
   */
  setSpec(next: SelectionSpec, coalesceKey?: string): void;
  updateRanking(patch: Partial<Ranking>, coalesceKey?: string): void;
  setInterval(field: FieldKey, lo: number | null, hi: number | null, coalesceKey?: string): void;
  setRegion(source: string, region: RectGate | LassoGate | null): void;
  setSearch(query: string, options: { regex: boolean; caseSensitive: boolean }): void;
  removeGate(index: number): void;
  decide(rows: number[], decision: "keep" | "drop" | "clear"): void;
  /** Closes the current gesture: the next change is a new undo step. */
  endGesture(): void;
  undo(): void;
  redo(): void;
  showHistogram(field: FieldKey, shown: boolean): void;
  setSort(patch: Partial<SortState>): Promise<void>;
  openRow(row: number | null): void;
  /** Moves the row cursor `delta` rows in the table's current order (`buffers.get().order`), clamped at the ends. */
  moveCursor(delta: number): void;
  /** Puts the row cursor on `row` (a click on a table row). */
  setCursor(row: number | null): void;
  runCompare(split?: { explicit?: number; absImplicit?: number }): Promise<void>;
  closeCompare(): void;
  /** `shards`: a dataset of several files is written as the same files, one download each. */
  exportSelection(format: ExportFormat, includeComputed: boolean, shards?: boolean): Promise<void>;
  exportRecipe(): Promise<void>;
  /** How the last "Apply recipe" matched the loaded file (null before one, or after a new file is opened). */
  recipeReport: RecipeMatchReport | null;
  /**
   * Re-applies a recipe file to the loaded dataset (its mapping, ranking, gates and decisions matched by row
   * content, in the dataset worker); the applied selection replaces the undo history.
   */
  applyRecipe(file: File): Promise<void>;
  /**
   * Opens a saved session: the file (`file`, or the bundled demo fetched again) must have the session's SHA-256;
   * then it opens with the saved mapping, its computed columns re-attached (scores, margins), the selection (undo
   * history reset to it) and the view.
   */
  restoreSession(id: string, file?: File): Promise<RestoreOutcome>;
  dismissError(): void;
  /**
   * Attaches computed columns (the scoring worker's log-probs / rewards) and margins to the loaded dataset, then
   * refreshes counts, views and the selection. Buffers in `args` are transferred.
   */
  attachComputed(args: DatasetApi["attach"]["args"]): Promise<void>;
  /**
   * Attaches the last scoring run's results, which the dataset worker holds (lib/worker-link.ts), with the implicit
   * margin formed as asked, and selects again; the rows scored, or null when there are none (or it failed: the
   * error is shown).
   */
  applyScores(implicit: ImplicitKind, beta: number): Promise<number | null>;
}

/**
 * The file the open dataset came from, kept outside React state (a Blob can be large and is not UI state): the
 * scoring worker opens its own session over the same bytes.
 */
let loadedDataset: LoadedDataset | null = null;
/** The file waiting for a hand mapping (becomes `loadedDataset` once mapped). */
let pendingFile: LoadedDataset | null = null;

/** A dataset's bytes: one file, or several read as one (`files`, with `file` their concatenation in shard order). */
export type LoadedDataset = { file: Blob; name: string; files?: NamedBlob[] };

/** The Blob and name of the dataset currently open in the workbench (null before the first successful load). */
export function currentDatasetFile(): LoadedDataset | null {
  return loadedDataset;
}

/** The full SHA-256 of each file opened, as the dataset worker computes it (in the background, after parsing). */
const fileHashes = new WeakMap<Blob, Promise<{ sha256: string; key: string }>>();

/** Asks the dataset worker for the just-opened file's identity and shows its progress while the file is open. */
function trackFileHash(file: Blob): void {
  const current = () => loadedDataset?.file === file;
  let identity = fileHashes.get(file);
  if (!identity) {
    useWorkbench.setState({ fileHash: { state: "computing", fraction: 0 } });
    identity = datasetClient().call(
      "identity",
      {},
      {
        onProgress: (_stage, fraction) => {
          if (current()) useWorkbench.setState({ fileHash: { state: "computing", fraction } });
        },
      },
    );
    fileHashes.set(file, identity);
  }
  identity.then(
    ({ sha256, key }) => {
      if (current()) useWorkbench.setState({ fileHash: { state: "done", sha256, key } });
    },
    (err: unknown) => {
      // A worker that died mid-hash: the next ask (autosave, a reopen) hashes again.
      fileHashes.delete(file);
      if (current()) useWorkbench.setState({ fileHash: { state: "failed", error: messageOf(err) } });
    },
  );
}

/** The file's full SHA-256: the dataset worker's background hash when it has the file, else hashed here. */
function sha256Of(file: Blob): Promise<string> {
  const identity = fileHashes.get(file);
  return identity ? identity.then((r) => r.sha256) : datasetClient().call("hashFile", { file });
}

/** Opens in flight in the dataset worker: until one settles, the worker's columns may not be the open session's. */
let openings = 0;

/** Opens a file in the dataset worker; on success it is the {@link currentDatasetFile}, set before anything else runs. */
async function openInWorker(
  args: DatasetApi["open"]["args"],
  onProgress: (stage: string, fraction: number) => void,
): Promise<OpenReply> {
  openings++;
  try {
    const reply = await datasetClient().call("open", args, { onProgress });
    loadedDataset = { file: args.file, name: args.name, files: args.files };
    trackFileHash(args.file);
    return reply;
  } finally {
    openings--;
  }
}

function messageOf(err: unknown): string {
  if (err instanceof WorkerCallError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

/** The buffers of an `attach` request (transferred, not copied). */
function attachTransfer(args: DatasetApi["attach"]["args"]): Transferable[] {
  return [
    ...args.columns.map((c) => c.values.buffer),
    ...(args.explicit ? [args.explicit.buffer] : []),
    ...(args.implicit ? [args.implicit.buffer] : []),
    ...(args.fields ?? []).map((f) => f.values.buffer),
  ];
}

/** Called once the dataset worker restarted after a crash has its file back (e.g. to re-attach a run's scores). */
const restoredListeners = new Set<() => Promise<void> | void>();

/**
 * Calls `listener` each time a restarted dataset worker has reopened the file, before the selection is re-applied;
 * returns the unsubscribe function.
 */
export function onDatasetRestored(listener: () => Promise<void> | void): () => void {
  restoredListeners.add(listener);
  return () => restoredListeners.delete(listener);
}

/** Demo dataset bundled in public/demo (synthetic, paper-style columns). */
export const DEMO_URL = "/demo/demo-preferences.jsonl";

/** The selection in force. */
export function currentSpec(s: Pick<WorkbenchState, "history">): SelectionSpec {
  return s.history.present;
}

// Each select the page sends is numbered; the linked scatters hear of it as it goes (see `onSelectSent`).
let selectSeq = 0;
const selectListeners = new Set<(seq: number) => void>();

/**
 * Calls `listener` with the sequence number of each `select` sent to the dataset worker from now on; returns the
 * unsubscribe. A linked scatter reads the colour and mask that select computes before its reply reaches the page.
 */
export function onSelectSent(listener: (seq: number) => void): () => void {
  selectListeners.add(listener);
  return () => selectListeners.delete(listener);
}

/** Sends a numbered `select`, then tells the listeners (their reads wait in the dataset worker until it is done). */
function sendSelect(args: Omit<DatasetApi["select"]["args"], "seq">): Promise<SelectReply> {
  const seq = ++selectSeq;
  const reply = datasetClient().call("select", { ...args, seq });
  for (const listener of [...selectListeners]) listener(seq);
  return reply;
}

/** The workbench store. */
export const useWorkbench = create<WorkbenchState>()((set, get) => {
  const histogramRequests = () =>
    get().histogramFields.map((field) => ({ field, source: histogramSource(field), bins: HISTOGRAM_BINS }));

  const refreshOrder = async () => {
    const { key, descending, filter } = get().sort;
    const order = await datasetClient().call("order", { key, descending, filter });
    buffers.set({ order });
    set((s) => ({ versions: { ...s.versions, order: s.versions.order + 1 } }));
  };

  const applySelection = async (reply: SelectReply, extra: Changes = {}) => {
    // The mask and the scores stay in the dataset worker: the versions tell the views to read them again.
    const changes: Changes = { ...extra, mask: true, scores: reply.rescored || extra.scores };
    // The visible rows' numbers came with the reply: the table shows them in this same commit, without a fetch.
    if (reply.rowNumbers) tableRows.prime(rowNumbersKey(bump(get().versions, changes)), reply.rowNumbers);
    set((s) => ({
      stats: {
        selectedCount: reply.selectedCount,
        k: reply.k,
        scored: reply.scored,
        candidates: reply.candidates,
        ranked: reply.ranked,
        keptByHand: reply.keptByHand,
        keepCount: reply.keepCount,
        droppedByHand: reply.droppedByHand,
      },
      histograms: reply.histograms,
      notes: reply.notes,
      versions: bump(s.versions, changes),
    }));
    if (orderNeedsRefresh(get().sort, changes)) await refreshOrder();
    if (get().compare) scheduleCompareRefresh();
  };

  // An open comparison follows the selection once it settles, not on every pointer move of a drag.
  let compareTimer: ReturnType<typeof setTimeout> | null = null;
  const scheduleCompareRefresh = () => {
    if (compareTimer) clearTimeout(compareTimer);
    compareTimer = setTimeout(() => {
      compareTimer = null;
      const open = get().compare;
      if (open) void get().runCompare(open.split);
    }, COMPARE_SETTLE_MS);
  };

  /** What changed since the last `select` was sent (it travels with the next one). */
  let unsent: Changes = {};
  // One `select` in flight; the next is built from the spec in force when it goes out, and every reply is shown
  // (a drag follows each step the worker computes, never a queue of stale ones).
  const selects = createLatestSync<{ reply: SelectReply; changes: Changes }>({
    send: async () => {
      const changes = unsent;
      unsent = {};
      const reply = await sendSelect({
        spec: currentSpec(get()),
        histograms: histogramRequests(),
        rows: tableRows.visible(),
      });
      return { reply, changes };
    },
    deliver: ({ reply, changes }) => applySelection(reply, changes),
  });

  /** Runs the spec in force; resolves once a selection at least as new as this call's is shown. */
  const runSelect = async (extra: Changes = {}) => {
    for (const key of Object.keys(extra) as (keyof Changes)[]) if (extra[key]) unsent[key] = true;
    try {
      await selects.request();
    } catch (err) {
      set({ error: messageOf(err) });
    }
  };

  /** Sends computed columns to the dataset worker (buffers transferred); the reply has the new margins. */
  const sendAttach = (args: DatasetApi["attach"]["args"]): Promise<OpenReply> =>
    datasetClient().call("attach", args, { transfer: attachTransfer(args) });

  const afterOpen = async (reply: OpenReply, rowsChanged: boolean) => {
    set({ summary: reply.summary, progress: null, ...(rowsChanged ? { selectedRow: null, cursorRow: null } : {}) });
    const spec = currentSpec(get());
    const selected = await sendSelect({ spec, histograms: histogramRequests() });
    await applySelection(selected, rowsChanged ? { rows: true } : { margins: true });
    set({ status: "ready" });
    // A change made while this reply was on its way (its own select may have been applied first): show the latest.
    if (currentSpec(get()) !== spec) await runSelect();
  };

  /** A dataset with new rows: gates and decisions about the old rows mean nothing here; the ranking settings stay. */
  const adoptNewRows = async (reply: OpenReply) => {
    const ranking = currentSpec(get()).ranking;
    set({ history: createHistory({ ...defaultSpec(), ranking }), compare: null, recipeReport: null });
    await afterOpen(reply, true);
  };

  // ---- Recovery of a dataset worker that died (lib/worker/rpc.ts reports it and starts a fresh one) ----

  /** What the restore brought back, for the refresh that follows it (outside the restore: it needs normal calls). */
  let restored: { reply: OpenReply; computedColumns: string[]; problems: string[] } | null = null;

  /**
   * Runs first on the fresh worker: reopens the file with its mapping, re-attaches the computed columns the autosaved
   * session holds, and sends a file waiting for a hand mapping again (the selection is re-applied afterwards).
   */
  const restore = async (call: CallFn<DatasetApi>) => {
    restored = null;
    const dataset = loadedDataset;
    const summary = get().summary;
    const problems: string[] = [];
    if (dataset && summary) {
      openings++;
      try {
        let reply = await call("open", {
          file: dataset.file,
          name: dataset.name,
          files: dataset.files,
          mapping: summary.mapping,
        });
        let computedColumns: string[] = [];
        const session = activeSession;
        if (session && session.file === dataset.file && session.computedNames.length > 0) {
          try {
            const computed = await savedSessions().getComputed({
              id: session.id,
              rowCount: summary.rowCount,
              names: session.computedNames,
            });
            if (computed && !isEmptyComputed(computed)) {
              const args = {
                columns: computed.columns,
                fields: computed.fields,
                ...(computed.explicit ? { explicit: computed.explicit } : {}),
                ...(computed.implicit ? { implicit: computed.implicit } : {}),
              };
              reply = await call("attach", args, { transfer: attachTransfer(args) });
              computedColumns = computedNames(computed);
            }
          } catch (err) {
            if (isWorkerCrash(err)) throw err;
            problems.push(`the saved computed columns could not be re-attached: ${messageOf(err)}`);
          }
        }
        restored = { reply, computedColumns, problems };
      } finally {
        openings--;
      }
    }
    const waiting = pendingFile;
    if (waiting) {
      try {
        await call("open", { file: waiting.file, name: waiting.name, files: waiting.files });
      } catch (err) {
        // "needs-mapping" is the expected answer: the file waits in the worker again.
        if (isWorkerCrash(err)) throw err;
        if (!(err instanceof WorkerCallError && err.code === "needs-mapping")) {
          pendingFile = null;
          set({ pendingMapping: null });
          problems.push(`${waiting.name} must be chosen again: ${messageOf(err)}`);
        }
      }
    }
  };

  /** After the restore: the views' buffers, the scores of this page's runs, then the selection in force. */
  const afterRestore = async (report: CrashReport) => {
    const back = restored;
    restored = null;
    if (!back) {
      recoveryLog.update("dataset", { state: "restored", outcome: "restarted (no dataset was open)" });
      return;
    }
    set({ summary: back.reply.summary });
    for (const listener of [...restoredListeners]) await listener();
    const spec = currentSpec(get());
    const selected = await sendSelect({ spec, histograms: histogramRequests() });
    // Same rows: a zoom, the open row and the cursor stay; the margins and the mask are new arrays.
    await applySelection(selected, { margins: true });
    if (currentSpec(get()) !== spec) await runSelect();
    const crashMessage = describeCrash(report);
    set((s) => ({ status: "ready", progress: null, error: s.error === crashMessage ? null : s.error }));
    const { rowCount } = back.reply.summary;
    recoveryLog.update("dataset", {
      state: "restored",
      outcome:
        `restarted; ${back.reply.summary.info.name} reopened (${rowCount} rows), selection re-applied ` +
        `(${selected.selectedCount} selected)` +
        (back.computedColumns.length ? `; ${back.computedColumns.length} saved computed columns re-attached` : ""),
      problems: back.problems,
    });
  };

  const onCrash = (report: CrashReport) => {
    recoveryLog.crashed(report);
    if (report.duringRestore) {
      recoveryLog.update("dataset", {
        state: "failed",
        problems: ["it stopped again while the file was being reopened; open the file again or reload the page"],
      });
      set({ status: get().summary ? "ready" : "empty", progress: null });
      return;
    }
    if (get().summary) set({ progress: { stage: "reopening the dataset after a worker crash", fraction: 0 } });
    datasetClient()
      .restart()
      .then(() => afterRestore(report))
      .catch((err: unknown) => {
        set({ progress: null });
        // A second crash is reported through onCrash; anything else is this recovery's failure.
        if (!isWorkerCrash(err)) recoveryLog.update("dataset", { state: "failed", problems: [messageOf(err)] });
      });
  };

  datasetClient().setRestore(restore);
  datasetClient().onCrash(onCrash);

  const setSpec = (next: SelectionSpec, coalesceKey?: string) => {
    const before = get().history;
    const history = push(before, next, coalesceKey ?? null);
    if (history === before) return;
    set({ history, error: null });
    if (get().status === "ready") void runSelect({ decisions: before.present.decisions !== next.decisions });
  };

  return {
    status: "empty",
    fileHash: null,
    progress: null,
    error: null,
    summary: null,
    versions: INITIAL_VERSIONS,
    history: createHistory(defaultSpec()),
    stats: null,
    notes: {},
    histogramFields: DEFAULT_HISTOGRAMS,
    histograms: [],
    selectedRow: null,
    cursorRow: null,
    sort: { key: "row", descending: false, filter: "all" },
    busyExport: false,
    compare: null,
    recipeReport: null,
    pendingMapping: null,

    async loadFiles(picked) {
      if (picked.length === 0) return;
      if (picked.length === 1) return get().loadFile(picked[0].blob, picked[0].name);
      const files = sortShards(picked);
      const name = datasetNameOf(files.map((f) => f.name));
      await get().loadFile(new Blob(files.map((f) => f.blob)), name, files);
    },

    async loadFile(file, name, files) {
      const previous = get().status;
      set({ status: "loading", error: null, pendingMapping: null, progress: { stage: "reading", fraction: 0 } });
      try {
        const reply = await openInWorker({ file, name, files }, (stage, fraction) =>
          set({ progress: { stage, fraction } }),
        );
        await adoptNewRows(reply);
      } catch (err) {
        // The worker keeps the previous dataset when a new file fails, so the app keeps working on it.
        const status = previous === "ready" ? "ready" : "empty";
        if (err instanceof WorkerCallError && err.code === "needs-mapping") {
          pendingFile = { file, name, files };
          set({ status, progress: null, pendingMapping: { ...(err.detail as NeedsMappingDetail), error: null } });
        } else set({ status, progress: null, error: messageOf(err) });
      }
    },

    async mapPending(mapping) {
      const pending = get().pendingMapping;
      const waiting = pendingFile;
      if (!pending || !waiting) return;
      set({ status: "loading", progress: { stage: "parsing", fraction: 0 } });
      const previous = get().summary ? "ready" : "empty";
      try {
        const reply = await datasetClient().call(
          "mapPending",
          { mapping },
          { onProgress: (stage, fraction) => set({ progress: { stage, fraction } }) },
        );
        loadedDataset = waiting;
        trackFileHash(waiting.file);
        pendingFile = null;
        set({ pendingMapping: null });
        await adoptNewRows(reply);
      } catch (err) {
        set({ status: previous, progress: null, pendingMapping: { ...pending, error: messageOf(err) } });
      }
    },

    cancelPending() {
      pendingFile = null;
      set({ pendingMapping: null });
    },

    async loadDemo() {
      set({ status: "loading", error: null, progress: { stage: "downloading demo", fraction: 0 } });
      try {
        const res = await fetch(DEMO_URL);
        if (!res.ok) throw new Error(`could not fetch the demo dataset (${res.status})`);
        const blob = await res.blob();
        await get().loadFile(blob, "demo-preferences.jsonl");
      } catch (err) {
        set({ status: "empty", progress: null, error: messageOf(err) });
      }
    },

    async remap(mapping) {
      set({ error: null, progress: { stage: "parsing", fraction: 0 } });
      try {
        const rowsBefore = get().summary?.rowCount;
        const reply = await datasetClient().call(
          "remap",
          { mapping },
          { onProgress: (stage, fraction) => set({ progress: { stage, fraction } }) },
        );
        // A mapping that excludes or expands records makes other rows: as for a new file, the selection restarts.
        if (reply.summary.rowCount !== rowsBefore) await adoptNewRows(reply);
        else await afterOpen(reply, true);
      } catch (err) {
        set({ progress: null, error: messageOf(err) });
      }
    },

    setSpec,

    updateRanking(patch, coalesceKey) {
      const spec = currentSpec(get());
      setSpec({ ...spec, ranking: { ...spec.ranking, ...patch } }, coalesceKey);
    },

    setInterval(field, lo, hi, coalesceKey) {
      setSpec(withInterval(currentSpec(get()), histogramSource(field), field, lo, hi), coalesceKey);
    },

    setRegion(source, region) {
      setSpec(withRegion(currentSpec(get()), source, region));
    },

    setSearch(query, options) {
      setSpec(withSearch(currentSpec(get()), query, options));
    },

    removeGate(index) {
      setSpec(withoutGate(currentSpec(get()), index));
    },

    decide(rows, decision) {
      setSpec(withDecision(currentSpec(get()), rows, decision));
    },

    endGesture() {
      set((s) => ({ history: seal(s.history) }));
    },

    undo() {
      const before = get().history;
      const history = undo(before);
      if (history === before) return;
      set({ history });
      if (get().status === "ready") void runSelect({ decisions: true });
    },

    redo() {
      const before = get().history;
      const history = redo(before);
      if (history === before) return;
      set({ history });
      if (get().status === "ready") void runSelect({ decisions: true });
    },

    showHistogram(field, shown) {
      const fields = get().histogramFields.filter((f) => f !== field);
      set({ histogramFields: shown ? [...fields, field] : fields });
      if (get().status === "ready") void runSelect();
    },

    async setSort(patch) {
      set((s) => ({ sort: { ...s.sort, ...patch } }));
      try {
        await refreshOrder();
      } catch (err) {
        set({ error: messageOf(err) });
      }
    },

    openRow(row) {
      set({ selectedRow: row });
    },

    moveCursor(delta) {
      set({ cursorRow: stepCursor(buffers.get().order, get().cursorRow, delta) });
    },

    setCursor(row) {
      set({ cursorRow: row });
    },

    async runCompare(split) {
      try {
        const compare = await compareLatest({ split });
        if (compare) set({ compare });
      } catch (err) {
        set({ error: messageOf(err) });
      }
    },

    closeCompare() {
      set({ compare: null });
      if (typeof get().sort.filter === "object") void get().setSort({ filter: "all" });
    },

    async exportSelection(format, includeComputed, shards) {
      set({ busyExport: true, error: null });
      try {
        if (shards) {
          const parts = await datasetClient().call("exportShards", { format, includeComputed });
          for (const [k, part] of parts.entries()) {
            // Browsers drop some of many downloads started in one task: one at a time, a moment apart.
            if (k > 0) await new Promise((resolve) => setTimeout(resolve, 250));
            downloadBlob(part.blob, part.fileName);
          }
          return;
        }
        const { blob, fileName } = await datasetClient().call("export", { format, includeComputed });
        downloadBlob(blob, fileName);
      } catch (err) {
        set({ error: messageOf(err) });
      } finally {
        set({ busyExport: false });
      }
    },

    async exportRecipe() {
      set({ busyExport: true, error: null });
      try {
        const recipe = await datasetClient().call("recipe", {});
        const blob = new Blob([JSON.stringify(recipe, null, 2) + "\n"], { type: "application/json" });
        downloadBlob(blob, recipeFileName(recipe.input.name));
      } catch (err) {
        set({ error: messageOf(err) });
      } finally {
        set({ busyExport: false });
      }
    },

    async applyRecipe(file) {
      if (get().status !== "ready") return;
      set({ busyExport: true, error: null, recipeReport: null, progress: { stage: "applying recipe", fraction: 0 } });
      try {
        const reply = await datasetClient().call(
          "applyRecipe",
          { file, name: file.name },
          { onProgress: (stage, fraction) => set({ progress: { stage, fraction } }) },
        );
        // A recipe replaces the selection and its undo steps, as a new file does: undo would mix two selections.
        set({ history: reset(reply.spec), recipeReport: reply.report });
        if (reply.reopened) await afterOpen(reply.reopened, true);
        else {
          set({ progress: null });
          await runSelect({ decisions: true });
        }
      } catch (err) {
        set({ progress: null, error: messageOf(err) });
      } finally {
        set({ busyExport: false });
      }
    },

    async restoreSession(id, file) {
      if (get().status === "loading")
        return { ok: false, needsFile: false, reason: "wait until the dataset has opened" };
      let saved: SavedSession | null;
      try {
        saved = await savedSessions().get(id);
      } catch (err) {
        return { ok: false, needsFile: false, reason: messageOf(err) };
      }
      if (!saved) return { ok: false, needsFile: false, reason: "this session is no longer saved" };
      const previous = get().status;
      const fail = (outcome: RestoreOutcome) => {
        set({ status: previous === "ready" ? "ready" : "empty", progress: null });
        return outcome;
      };
      set({ status: "loading", error: null, progress: { stage: "checking the file (SHA-256)", fraction: 0 } });
      try {
        let blob: Blob | null = file ?? null;
        // The bundled demo can be fetched again; any other file the browser did not keep must be chosen again.
        if (!blob && saved.dataset.name === DEMO_FILE_NAME) {
          const res = await fetch(DEMO_URL);
          if (res.ok) blob = await res.blob();
        }
        if (!blob) return fail({ ok: false, needsFile: true, reason: null });
        const sha256 = await datasetClient().call(
          "hashFile",
          { file: blob },
          { onProgress: (_stage, fraction) => set({ progress: { stage: "checking the file (SHA-256)", fraction } }) },
        );
        if (sha256 !== saved.dataset.sha256) {
          const reason = file
            ? describeHashMismatch(saved.dataset, { name: file.name, sha256 })
            : `the bundled demo file changed since this session was saved (its SHA-256 is ${sha256}, the ` +
              `session's is ${saved.dataset.sha256}): choose the file the session was saved with`;
          return fail({ ok: false, needsFile: true, reason });
        }
        let computed: SavedComputed | null = null;
        let computedProblem: string | null = null;
        try {
          computed = await savedSessions().getComputed({
            id: saved.id,
            rowCount: saved.dataset.rowCount,
            names: saved.computedColumns,
          });
          if (!computed && saved.computedColumns.length > 0)
            computedProblem = `its computed columns (${saved.computedColumns.join(", ")}) are not in this browser's storage`;
        } catch (err) {
          // The selection and view are still worth having: restore them, and say why the scores are not back.
          computedProblem = messageOf(err);
        }
        let reply = await openInWorker(
          { file: blob, name: saved.dataset.name, mapping: saved.mapping },
          (stage, fraction) => set({ progress: { stage, fraction } }),
        );
        resumeSession(saved, blob, computed ? computedNames(computed) : [], computedProblem !== null);
        set({
          history: reset(saved.spec),
          sort: saved.view.sort,
          histogramFields: saved.view.histogramFields,
          compare: null,
        });
        // Re-attached (the path of attachComputed) before the saved spec is first selected: its gates and ranking
        // may read scored columns (column:chosen_tokens, the rival rules' log-probs). attachComputed itself would
        // select once more before the rows are reset, and report a failure in the banner rather than here.
        if (computed && !isEmptyComputed(computed))
          reply = await sendAttach({
            columns: computed.columns,
            fields: computed.fields,
            ...(computed.explicit ? { explicit: computed.explicit } : {}),
            ...(computed.implicit ? { implicit: computed.implicit } : {}),
          });
        await afterOpen(reply, true);
        return { ok: true, computedColumns: computed ? computedNames(computed) : [], computedProblem };
      } catch (err) {
        return fail({ ok: false, needsFile: !!file, reason: messageOf(err) });
      }
    },

    dismissError() {
      set({ error: null });
    },

    async applyScores(implicit, beta) {
      try {
        const reply = await datasetClient().call("applyScores", { implicit, beta });
        if (!reply) return null;
        set({ summary: reply.summary });
        await runSelect({ margins: true });
        return reply.scored;
      } catch (err) {
        set({ error: messageOf(err) });
        return null;
      }
    },

    async attachComputed(args) {
      try {
        const reply = await sendAttach(args);
        set({ summary: reply.summary });
        await runSelect({ margins: true });
      } catch (err) {
        set({ error: messageOf(err) });
      }
    },
  };
});

// ---------------------------------------------------------------------------------------------------------------
// Saved sessions (lib/workbench/saved-session.ts): autosave of the open dataset's working state, and its restore.

/** Name the bundled demo is opened under (a saved session of it restores without asking for the file). */
export const DEMO_FILE_NAME = "demo-preferences.jsonl";

/** What {@link WorkbenchState.restoreSession} did: opened, or why not (`needsFile`: ask the user for the file). */
export type RestoreOutcome =
  | {
      ok: true;
      /** The computed columns brought back (attached columns, then view-only fields). */
      computedColumns: string[];
      /** Why the saved computed columns could not be brought back (the rest was restored); null when they were. */
      computedProblem: string | null;
    }
  | { ok: false; needsFile: boolean; reason: string | null };

/** Time between the last change and its autosave. */
export const AUTOSAVE_DELAY_MS = 1000;

/** What the autosave reports to the Sessions panel. */
export interface AutosaveStatus {
  /** The session the open dataset is saved into (null before a dataset is open). */
  sessionId: string | null;
  state: "clean" | "pending" | "saving" | "saved" | "error";
  savedAtMs: number | null;
  error: string | null;
  /** The error is a full storage quota. */
  quota: boolean;
}

let sessionStore: SessionStore | null = null;

/** The sessions saved in this browser (IndexedDB, created on first use). */
export function savedSessions(): SessionStore {
  return (sessionStore ??= createIndexedDbSessionStore());
}

/** The parts of the state a session records (references: specs, sorts and lists are replaced, never mutated). */
interface SessionSnapshot {
  summary: DatasetSummary;
  mappingJson: string;
  spec: SelectionSpec;
  sort: SortState;
  histogramFields: FieldKey[];
  /** `versions.margins`: a change means a scoring run attached results (or the file was re-mapped). */
  marginsVersion: number;
}

/** The session the open file is saved into; its first record is written on the first change after opening. */
interface ActiveSession {
  id: string;
  file: Blob;
  name: string;
  sha256: Promise<string> | null;
  createdAtMs: number;
  /** The state last seen (null until the dataset is ready: what it opened with is not a change). */
  seen: SessionSnapshot | null;
  /** Names of the computed columns in the stored computed record (what the session record lists). */
  computedNames: string[];
  /** The margins changed since the computed record was last written: the next write replaces it. */
  computedDirty: boolean;
}

let activeSession: ActiveSession | null = null;
/** The running autosave: flush (a session switch writes the previous session's pending change first) and cancel. */
let autosaveControl: { flush(): void; cancel(): void } | null = null;

function resumeSession(saved: SavedSession, file: Blob, names: string[], computedDirty: boolean): void {
  autosaveControl?.flush();
  activeSession = {
    id: saved.id,
    file,
    name: saved.dataset.name,
    sha256: Promise.resolve(saved.dataset.sha256),
    createdAtMs: saved.createdAtMs,
    seen: null,
    computedNames: names,
    // A record that did not come back (mismatch, missing) is replaced by the next write, not left to fail again.
    computedDirty,
  };
}

/** The id the open dataset is saved under (null before a dataset is open). */
export function activeSessionId(): string | null {
  return activeSession?.id ?? null;
}

/**
 * Starts saving the working state {@link AUTOSAVE_DELAY_MS} after each change (mapping, selection, sort, histogram
 * fields), and when the page is hidden. Returns the stop function (which writes a pending change first).
 */
export function startSessionAutosave(
  onStatus: (status: AutosaveStatus) => void,
  delayMs = AUTOSAVE_DELAY_MS,
): () => void {
  let status: AutosaveStatus = { sessionId: null, state: "clean", savedAtMs: null, error: null, quota: false };
  const report = (patch: Partial<AutosaveStatus>) => {
    status = { ...status, ...patch };
    onStatus(status);
  };
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pending: { session: ActiveSession; snap: SessionSnapshot } | null = null;
  let writes: Promise<void> = Promise.resolve();

  const write = async ({ session, snap }: { session: ActiveSession; snap: SessionSnapshot }) => {
    if (session === activeSession) report({ state: "saving" });
    try {
      // Once per session: the dataset worker's background hash of the open file (the first autosave of a large
      // file waits for it); hashed here only when the worker no longer has the file.
      session.sha256 ??= sha256Of(session.file);
      const sha256 = await session.sha256.catch((err) => {
        session.sha256 = null;
        throw err;
      });
      const rowCount = snap.summary.rowCount;
      // Read when written (debounced: a scoring run streaming results is saved once it pauses), and only while the
      // worker still holds this session's file: after a switch to another file, the last stored ones stay.
      let computed: SavedComputed | null | undefined;
      let names = session.computedNames;
      // The worker answers in order: with no open in flight, "computed" reads this session's file.
      if (session.computedDirty && openings === 0 && currentDatasetFile()?.file === session.file) {
        const state = await datasetClient().call("computed", {});
        computed = isEmptyComputed(state) ? null : createSavedComputed(session.id, rowCount, state);
        names = computedNames(state);
      }
      const record = createSavedSession({
        id: session.id,
        dataset: { name: session.name, bytes: session.file.size, sha256, rowCount },
        mapping: snap.summary.mapping,
        spec: snap.spec,
        view: { sort: snap.sort, histogramFields: snap.histogramFields },
        computedColumns: names,
        createdAtMs: session.createdAtMs,
      });
      await savedSessions().put(record, computed);
      if (computed !== undefined) {
        session.computedNames = names;
        session.computedDirty = false;
      }
      if (session === activeSession && !pending)
        report({ state: "saved", savedAtMs: record.updatedAtMs, error: null, quota: false });
    } catch (err) {
      report({ state: "error", error: messageOf(err), quota: isQuotaError(err) });
    }
  };

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!pending) return;
    const p = pending;
    pending = null;
    writes = writes.then(() => write(p));
  };

  const onChange = (s: WorkbenchState) => {
    if (s.status !== "ready" || !s.summary) return;
    const dataset = currentDatasetFile();
    if (!dataset) return;
    if (!activeSession || activeSession.file !== dataset.file) {
      flush();
      activeSession = {
        id: createSessionId(),
        file: dataset.file,
        name: dataset.name,
        sha256: null,
        createdAtMs: Date.now(),
        seen: null,
        computedNames: [],
        computedDirty: false,
      };
    }
    const seen = activeSession.seen;
    const spec = currentSpec(s);
    if (
      seen &&
      seen.spec === spec &&
      seen.sort === s.sort &&
      seen.histogramFields === s.histogramFields &&
      seen.marginsVersion === s.versions.margins &&
      (seen.summary === s.summary || seen.mappingJson === JSON.stringify(s.summary.mapping))
    )
      return;
    const snap: SessionSnapshot = {
      summary: s.summary,
      mappingJson: JSON.stringify(s.summary.mapping),
      spec,
      sort: s.sort,
      histogramFields: s.histogramFields,
      marginsVersion: s.versions.margins,
    };
    activeSession.seen = snap;
    if (!seen) {
      report({ sessionId: activeSession.id, state: "clean", savedAtMs: null, error: null, quota: false });
      return;
    }
    if (seen.marginsVersion !== snap.marginsVersion) activeSession.computedDirty = true;
    pending = { session: activeSession, snap };
    if (status.state !== "pending") report({ state: "pending" });
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, delayMs);
  };

  const cancel = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    pending = null;
  };

  const onHide = () => {
    if (document.visibilityState === "hidden") flush();
  };
  const unsubscribe = useWorkbench.subscribe(onChange);
  const control = { flush, cancel };
  autosaveControl = control;
  document.addEventListener("visibilitychange", onHide);
  window.addEventListener("pagehide", flush);
  onChange(useWorkbench.getState());
  return () => {
    flush();
    unsubscribe();
    if (autosaveControl === control) autosaveControl = null;
    document.removeEventListener("visibilitychange", onHide);
    window.removeEventListener("pagehide", flush);
  };
}

/** After "Delete" of the session being worked on: the next change starts a new session instead of re-creating it. */
export function forgetSession(id: string): void {
  if (activeSession?.id !== id) return;
  autosaveControl?.cancel();
  activeSession.id = createSessionId();
  activeSession.createdAtMs = Date.now();
  // Its computed record went with it: the new session writes its own.
  activeSession.computedNames = [];
  activeSession.computedDirty = true;
}
