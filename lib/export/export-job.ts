/**
 * One export of the selection as the page runs it: streamed by the dataset worker into a file the user picked, or
 * built there as a chunked Blob and downloaded; its progress, its cancel button, and what it ended with. Plain
 * TypeScript over the dataset client (a fake one in tests); `components/ExportPanel.tsx` renders the state.
 */
import type { ExportFormat } from "@/lib/dataset/types";
import type { ExportProgressDetail } from "@/lib/export/export-runs";
import type { DatasetApi } from "@/lib/workbench/protocol";
import type { CallOptions } from "@/lib/worker/rpc";

/** Where an export goes: a picked file (written as it is produced) or a download. */
export type ExportTarget = "file" | "download";

/** The state of the page's export. */
export type ExportJobState =
  | { kind: "idle" }
  | {
      kind: "running";
      target: ExportTarget;
      fileName: string;
      stage: "typing" | "writing";
      rows: number;
      totalRows: number;
      bytes: number;
      /** A cancel was asked for and is on its way to the worker. */
      cancelling: boolean;
    }
  | { kind: "done"; target: ExportTarget; fileName: string; count: number; bytes: number }
  | { kind: "cancelled"; target: ExportTarget; fileName: string }
  | { kind: "failed"; target: ExportTarget; fileName: string; message: string };

/** The dataset client calls an export makes. */
export interface ExportJobClient {
  call<K extends "export" | "exportTo" | "cancelExport">(
    type: K,
    args: DatasetApi[K]["args"],
    options?: CallOptions,
  ): Promise<DatasetApi[K]["result"]>;
}

/** Options of {@link createExportJob}. */
export interface ExportJobOptions {
  client: ExportJobClient;
  /** Saves a finished download (lib/download.ts's `downloadBlob` in the app). */
  download: (blob: Blob, fileName: string) => void;
  onChange: (state: ExportJobState) => void;
}

/** The page's export runner: one export at a time. */
export interface ExportJob {
  /** Streams the selection into `handle` (from the save dialog). */
  toFile(handle: FileSystemFileHandle, format: ExportFormat, includeComputed: boolean): Promise<void>;
  /** Builds the selection as a Blob in the worker and downloads it as `fileName`. */
  toDownload(fileName: string, format: ExportFormat, includeComputed: boolean): Promise<void>;
  /** Asks the worker to stop the running export (it ends "cancelled"); nothing when none runs. */
  cancel(): void;
  readonly state: ExportJobState;
}

let nextExportId = 1;

/** Creates the export runner. */
export function createExportJob({ client, download, onChange }: ExportJobOptions): ExportJob {
  let state: ExportJobState = { kind: "idle" };
  let runningId: number | null = null;
  const set = (next: ExportJobState) => {
    state = next;
    onChange(next);
  };

  const run = async <T extends { count: number }>(
    target: ExportTarget,
    fileName: string,
    start: (exportId: number, options: CallOptions) => Promise<T>,
    finish: (result: T) => { fileName: string; bytes: number },
  ): Promise<void> => {
    if (state.kind === "running") throw new Error("an export is already running");
    const exportId = nextExportId++;
    runningId = exportId;
    set({ kind: "running", target, fileName, stage: "writing", rows: 0, totalRows: 0, bytes: 0, cancelling: false });
    const onProgress = (stage: string, _fraction: number, data?: unknown) => {
      if (state.kind !== "running" || runningId !== exportId) return;
      const detail = data as ExportProgressDetail | undefined;
      set({
        ...state,
        stage: stage === "typing" ? "typing" : "writing",
        rows: detail?.rows ?? state.rows,
        totalRows: detail?.totalRows ?? state.totalRows,
        bytes: detail?.bytes ?? state.bytes,
      });
    };
    try {
      const result = await start(exportId, { onProgress });
      const done = finish(result);
      set({ kind: "done", target, fileName: done.fileName, count: result.count, bytes: done.bytes });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      if (e?.code === "export-cancelled") set({ kind: "cancelled", target, fileName });
      else set({ kind: "failed", target, fileName, message: e?.message ?? String(err) });
    } finally {
      runningId = null;
    }
  };

  return {
    get state() {
      return state;
    },
    toFile(handle, format, includeComputed) {
      return run(
        "file",
        handle.name,
        (exportId, options) => client.call("exportTo", { handle, format, includeComputed, exportId }, options),
        (r) => ({ fileName: r.fileName, bytes: r.bytes }),
      );
    },
    toDownload(fileName, format, includeComputed) {
      return run(
        "download",
        fileName,
        (exportId, options) => client.call("export", { format, includeComputed, exportId }, options),
        (r) => {
          download(r.blob, r.fileName);
          return { fileName: r.fileName, bytes: r.blob.size };
        },
      );
    },
    cancel() {
      if (state.kind !== "running" || runningId === null || state.cancelling) return;
      set({ ...state, cancelling: true });
      // The export's own call settles "cancelled"; a cancel that comes too late (it had finished) changes nothing.
      void client.call("cancelExport", { exportId: runningId }).catch(() => {});
    },
  };
}

const MB = 1024 * 1024;

/** "12.3 MB" (MiB, one decimal). */
export function formatMegabytes(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}

/** The line the export panel shows for a state; "" when idle. */
export function describeExportState(state: ExportJobState): string {
  const n = (v: number) => v.toLocaleString("en-US");
  switch (state.kind) {
    case "idle":
      return "";
    case "running": {
      if (state.cancelling) return `Cancelling the export of ${state.fileName}…`;
      const what = state.stage === "typing" ? "Reading column types" : "Writing";
      const rows = state.totalRows > 0 ? `: ${n(state.rows)} of ${n(state.totalRows)} rows` : "";
      return `${what} ${state.fileName}${rows}, ${formatMegabytes(state.bytes)} ${state.target === "file" ? "saved" : "ready"} so far`;
    }
    case "done":
      return state.target === "file"
        ? `Saved ${n(state.count)} rows (${formatMegabytes(state.bytes)}) to ${state.fileName}.`
        : `Downloaded ${n(state.count)} rows (${formatMegabytes(state.bytes)}) as ${state.fileName}.`;
    case "cancelled":
      return state.target === "file"
        ? `Export cancelled: ${state.fileName} was not written.`
        : "Export cancelled: nothing was downloaded.";
    case "failed":
      return `Export of ${state.fileName} failed: ${state.message}`;
  }
}
