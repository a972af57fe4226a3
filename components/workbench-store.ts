/**
 * UI state of the workbench (zustand): ids, versions, the selection spec with its undo history, counts and flags
 * only. Big buffers live in lib/workbench/buffers.ts; parsing and selection run in the dataset worker behind
 * lib/dataset-client.ts.
 */
import { create } from "zustand";
import { datasetClient, selectLatest } from "@/lib/dataset-client";
import { buffers } from "@/lib/workbench/buffers";
import type { ColumnMapping, DatasetFormat } from "@/lib/dataset/types";
import type { CompareReply, DatasetSummary } from "@/lib/workbench/types";
import type { ColumnHistogram, DatasetApi, OpenReply, SelectReply } from "@/lib/workbench/protocol";
import { WorkerCallError } from "@/lib/worker/rpc";
import { downloadBlob } from "@/lib/download";
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
import { createHistory, push, redo, seal, undo, type History } from "@/lib/selection/history";
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
export interface WorkbenchState {
  status: "empty" | "loading" | "ready";
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
  sort: SortState;
  busyExport: boolean;
  compare: CompareReply | null;

  loadFile(file: Blob, name: string): Promise<void>;
  loadDemo(): Promise<void>;
  remap(mapping: ColumnMapping): Promise<void>;
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
  runCompare(split?: { explicit?: number; absImplicit?: number }): Promise<void>;
  closeCompare(): void;
  /** A field column for a scatter axis (fetched once per margins version). */
  fieldColumn(field: FieldKey): Promise<Float64Array | null>;
  exportSelection(format: DatasetFormat, includeComputed: boolean): Promise<void>;
  exportRecipe(): Promise<void>;
  dismissError(): void;
  /**
   * Attaches computed columns (the scoring worker's log-probs / rewards) and margins to the loaded dataset, then
   * refreshes counts, views and the selection. Buffers in `args` are transferred.
   */
  attachComputed(args: DatasetApi["attach"]["args"]): Promise<void>;
}

/**
 * The file the open dataset came from, kept outside React state (a Blob can be large and is not UI state): the
 * scoring worker opens its own session over the same bytes.
 */
let loadedDataset: { file: Blob; name: string } | null = null;

/** The Blob and name of the dataset currently open in the workbench (null before the first successful load). */
export function currentDatasetFile(): { file: Blob; name: string } | null {
  return loadedDataset;
}

function messageOf(err: unknown): string {
  if (err instanceof WorkerCallError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

/** Demo dataset bundled in public/demo (synthetic, paper-style columns). */
export const DEMO_URL = "/demo/demo-preferences.jsonl";

/** The selection in force. */
export function currentSpec(s: Pick<WorkbenchState, "history">): SelectionSpec {
  return s.history.present;
}

/** The workbench store. */
export const useWorkbench = create<WorkbenchState>()((set, get) => {
  const histogramRequests = () =>
    get().histogramFields.map((field) => ({ field, source: histogramSource(field), bins: HISTOGRAM_BINS }));

  let fieldFetches = new Map<string, Promise<Float64Array | null>>();

  const refreshOrder = async () => {
    const { key, descending, filter } = get().sort;
    const order = await datasetClient().call("order", { key, descending, filter });
    buffers.set({ order });
    set((s) => ({ versions: { ...s.versions, order: s.versions.order + 1 } }));
  };

  const applySelection = async (reply: SelectReply, extra: Changes = {}) => {
    const patch: Parameters<typeof buffers.set>[0] = { mask: reply.mask };
    if (reply.columns) Object.assign(patch, reply.columns);
    buffers.set(patch);
    const changes: Changes = { ...extra, mask: true, scores: !!reply.columns || extra.scores };
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
    if (get().compare) void get().runCompare(get().compare?.split);
  };

  /** Runs the spec in force; only the newest of overlapping calls is applied (drags). */
  const runSelect = async (extra: Changes = {}) => {
    try {
      const reply = await selectLatest({ spec: currentSpec(get()), histograms: histogramRequests() });
      if (!reply) return;
      await applySelection(reply, extra);
    } catch (err) {
      set({ error: messageOf(err) });
    }
  };

  const afterOpen = async (reply: OpenReply, rowsChanged: boolean) => {
    buffers.set({ explicit: reply.explicit, implicit: reply.implicit });
    fieldFetches = new Map();
    set({ summary: reply.summary, progress: null, ...(rowsChanged ? { selectedRow: null } : {}) });
    const selected = await datasetClient().call("select", {
      spec: currentSpec(get()),
      histograms: histogramRequests(),
    });
    await applySelection(selected, rowsChanged ? { rows: true } : { margins: true });
    set({ status: "ready" });
  };

  const setSpec = (next: SelectionSpec, coalesceKey?: string) => {
    const before = get().history;
    const history = push(before, next, coalesceKey ?? null);
    if (history === before) return;
    set({ history, error: null });
    if (get().status === "ready") void runSelect({ decisions: before.present.decisions !== next.decisions });
  };

  return {
    status: "empty",
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
    sort: { key: "row", descending: false, filter: "all" },
    busyExport: false,
    compare: null,

    async loadFile(file, name) {
      const previous = get().status;
      set({ status: "loading", error: null, progress: { stage: "reading", fraction: 0 } });
      try {
        const reply = await datasetClient().call(
          "open",
          { file, name },
          { onProgress: (stage, fraction) => set({ progress: { stage, fraction } }) },
        );
        loadedDataset = { file, name };
        // A new file: gates and decisions about the old rows mean nothing here; the ranking settings stay.
        const ranking = currentSpec(get()).ranking;
        set({ history: createHistory({ ...defaultSpec(), ranking }), compare: null });
        await afterOpen(reply, true);
      } catch (err) {
        // The worker keeps the previous dataset when a new file fails, so the app keeps working on it.
        set({ status: previous === "ready" ? "ready" : "empty", progress: null, error: messageOf(err) });
      }
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
        const reply = await datasetClient().call(
          "remap",
          { mapping },
          { onProgress: (stage, fraction) => set({ progress: { stage, fraction } }) },
        );
        await afterOpen(reply, true);
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

    async runCompare(split) {
      try {
        const compare = await datasetClient().call("compare", { split });
        set({ compare });
      } catch (err) {
        set({ error: messageOf(err) });
      }
    },

    closeCompare() {
      set({ compare: null });
      if (typeof get().sort.filter === "object") void get().setSort({ filter: "all" });
    },

    fieldColumn(field) {
      const have = buffers.field(field);
      if (have && have.length) return Promise.resolve(have);
      const key = `${get().versions.margins}|${field}`;
      let p = fieldFetches.get(key);
      if (!p) {
        p = datasetClient()
          .call("column", { field })
          .then((values) => {
            if (values) buffers.setField(field, values);
            return values;
          });
        fieldFetches.set(key, p);
        p.catch((err) => {
          fieldFetches.delete(key);
          set({ error: messageOf(err) });
        });
      }
      return p;
    },

    async exportSelection(format, includeComputed) {
      set({ busyExport: true, error: null });
      try {
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
        const base = recipe.input.name.replace(/(\.gz)?$/, "").replace(/\.[^.]+$/, "");
        downloadBlob(blob, `${base}.recipe.json`);
      } catch (err) {
        set({ error: messageOf(err) });
      } finally {
        set({ busyExport: false });
      }
    },

    dismissError() {
      set({ error: null });
    },

    async attachComputed(args) {
      const transfer = [
        ...args.columns.map((c) => c.values.buffer),
        ...(args.explicit ? [args.explicit.buffer] : []),
        ...(args.implicit ? [args.implicit.buffer] : []),
        ...(args.fields ?? []).map((f) => f.values.buffer),
      ];
      try {
        const reply = await datasetClient().call("attach", args, { transfer });
        buffers.set({ explicit: reply.explicit, implicit: reply.implicit });
        set({ summary: reply.summary });
        await runSelect({ margins: true });
      } catch (err) {
        set({ error: messageOf(err) });
      }
    },
  };
});
