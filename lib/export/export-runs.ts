/**
 * The dataset worker's running exports, by the id the page gave each, so that a `cancelExport` request (answered
 * while the export awaits its next read or write) can stop one; and the export's progress as worker replies carry it.
 */
import type { ExportProgress } from "@/lib/export/export-output";

/** What a progress reply of an export carries besides its stage and fraction. */
export interface ExportProgressDetail {
  rows: number;
  totalRows: number;
  bytes: number;
}

/** Registry of cancellable exports. */
export class ExportRuns {
  private readonly running = new Map<number, AbortController>();

  /** Runs `task` with a signal that `cancel(exportId)` aborts; without an id it can't be cancelled. */
  async run<T>(exportId: number | undefined, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    if (exportId !== undefined) this.running.set(exportId, controller);
    try {
      return await task(controller.signal);
    } finally {
      if (this.running.get(exportId as number) === controller) this.running.delete(exportId as number);
    }
  }

  /** Cancels the export of that id; false when none of that id is running (it finished, or never started). */
  cancel(exportId: number): boolean {
    const controller = this.running.get(exportId);
    if (!controller) return false;
    controller.abort();
    return true;
  }
}

/**
 * An `onProgress` for `writeRows` that reports as a worker handler does: stage, fraction of the stage's rows, and
 * {@link ExportProgressDetail} as the payload.
 */
export function reportExportProgress(
  emit: (stage: string, fraction: number, data?: unknown) => void,
): (progress: ExportProgress) => void {
  return ({ stage, rows, totalRows, bytes }) => {
    const detail: ExportProgressDetail = { rows, totalRows, bytes };
    emit(stage, totalRows > 0 ? rows / totalRows : 1, detail);
  };
}
