/**
 * UI state of the workbench (zustand): ids, versions, settings, counts and flags only. Big buffers live in
 * lib/workbench/buffers.ts; parsing and selection run in the dataset worker behind lib/dataset-client.ts.
 */
import { create } from "zustand";
import { datasetClient, selectLatest } from "@/lib/dataset-client";
import { buffers } from "@/lib/workbench/buffers";
import type { ColumnMapping, DatasetFormat } from "@/lib/dataset/types";
import type { DatasetSummary, SelectionSettings } from "@/lib/workbench/session";
import { DEFAULT_SETTINGS } from "@/lib/workbench/defaults";
import type { DatasetApi, OrderKey, SelectReply } from "@/lib/workbench/protocol";
import { WorkerCallError } from "@/lib/worker/rpc";
import { downloadBlob } from "@/lib/download";

/** Bins of each histogram. */
const HISTOGRAM_BINS = 40;

/** Counts of the current selection. */
export interface SelectionStats {
  selectedCount: number;
  k: number;
  scored: number;
  candidates: number;
}

/** Sort state of the pairs table. */
export interface SortState {
  key: OrderKey;
  descending: boolean;
  selectedOnly: boolean;
}

/** Workbench UI state and actions. */
export interface WorkbenchState {
  status: "empty" | "loading" | "ready";
  progress: { stage: string; fraction: number } | null;
  /** Last error shown to the user (a bad file names file, line, column and field). */
  error: string | null;
  summary: DatasetSummary | null;
  /** Bumps when margin columns change (open/remap). */
  dataVersion: number;
  /** Bumps when score columns change. */
  scoreVersion: number;
  /** Bumps when the selection mask changes. */
  maskVersion: number;
  /** Bumps when the table order changes. */
  orderVersion: number;
  settings: SelectionSettings;
  stats: SelectionStats | null;
  histograms: SelectReply["histograms"] | null;
  selectedRow: number | null;
  sort: SortState;
  busyExport: boolean;

  loadFile(file: Blob, name: string): Promise<void>;
  loadDemo(): Promise<void>;
  remap(mapping: ColumnMapping): Promise<void>;
  updateSettings(patch: Partial<SelectionSettings>): void;
  setSort(patch: Partial<SortState>): Promise<void>;
  openRow(row: number | null): void;
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

/** The workbench store. */
export const useWorkbench = create<WorkbenchState>()((set, get) => {
  const applySelection = (reply: SelectReply) => {
    const patch: Parameters<typeof buffers.set>[0] = { mask: reply.mask };
    if (reply.columns) Object.assign(patch, reply.columns);
    buffers.set(patch);
    set((s) => ({
      stats: {
        selectedCount: reply.selectedCount,
        k: reply.k,
        scored: reply.scored,
        candidates: reply.candidates,
      },
      histograms: reply.histograms,
      maskVersion: s.maskVersion + 1,
      scoreVersion: reply.columns ? s.scoreVersion + 1 : s.scoreVersion,
    }));
  };

  const runSelect = async () => {
    try {
      const reply = await selectLatest({ settings: get().settings, bins: HISTOGRAM_BINS });
      if (!reply) return;
      applySelection(reply);
      if (get().sort.selectedOnly || get().sort.key === "score") await refreshOrder();
    } catch (err) {
      set({ error: messageOf(err) });
    }
  };

  const refreshOrder = async () => {
    const { key, descending, selectedOnly } = get().sort;
    const order = await datasetClient().call("order", { key, descending, selectedOnly });
    buffers.set({ order });
    set((s) => ({ orderVersion: s.orderVersion + 1 }));
  };

  const afterOpen = async (reply: { summary: DatasetSummary; explicit: Float64Array; implicit: Float64Array }) => {
    buffers.set({ explicit: reply.explicit, implicit: reply.implicit });
    set((s) => ({
      summary: reply.summary,
      dataVersion: s.dataVersion + 1,
      selectedRow: null,
      progress: null,
    }));
    const selected = await datasetClient().call("select", { settings: get().settings, bins: HISTOGRAM_BINS });
    applySelection(selected);
    await refreshOrder();
    set({ status: "ready" });
  };

  return {
    status: "empty",
    progress: null,
    error: null,
    summary: null,
    dataVersion: 0,
    scoreVersion: 0,
    maskVersion: 0,
    orderVersion: 0,
    settings: { ...DEFAULT_SETTINGS },
    stats: null,
    histograms: null,
    selectedRow: null,
    sort: { key: "row", descending: false, selectedOnly: false },
    busyExport: false,

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
        await afterOpen(reply);
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
        await afterOpen(reply);
      } catch (err) {
        set({ progress: null, error: messageOf(err) });
      }
    },

    updateSettings(patch) {
      set((s) => ({ settings: { ...s.settings, ...patch } }));
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
      ];
      try {
        const reply = await datasetClient().call("attach", args, { transfer });
        buffers.set({ explicit: reply.explicit, implicit: reply.implicit });
        set((s) => ({ summary: reply.summary, dataVersion: s.dataVersion + 1 }));
        await runSelect();
        if (get().sort.key !== "row") await refreshOrder();
      } catch (err) {
        set({ error: messageOf(err) });
      }
    },
  };
});
