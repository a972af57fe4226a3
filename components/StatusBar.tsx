"use client";
import { useSyncExternalStore } from "react";
import { useWorkbench, currentSpec } from "@/components/workbench-store";
import { describeZeroVariance } from "@/lib/selection/ranking";
import { describeCoercion } from "@/lib/dataset/schema-extract";
import { describeCrash, recoveryLog, type RecoveryEntry, type WorkerName } from "@/lib/worker/recovery";

const NO_ENTRIES: readonly RecoveryEntry[] = [];

/** The latest crash of each worker (lib/worker/recovery.ts), with how its recovery went. */
export function useWorkerCrashes(): readonly RecoveryEntry[] {
  return useSyncExternalStore(recoveryLog.subscribe, recoveryLog.entries, () => NO_ENTRIES);
}

/** One worker's crash report: which worker, the cause, a suggestion, and what the restart brought back. */
export function WorkerCrashAlert({ entry }: { entry: RecoveryEntry }) {
  const { report, state, outcome, problems } = entry;
  return (
    <div role="alert" className="error worker-crash" data-testid={`worker-crash-${report.worker}`}>
      <span>{describeCrash(report)}</span>{" "}
      <span data-testid={`worker-recovery-${report.worker}`}>
        {state === "restarting"
          ? "Restarting it…"
          : state === "restored"
            ? `${capitalise(outcome ?? "restarted")}.`
            : "Not restarted."}
      </span>
      {problems.length > 0 && (
        <ul>
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      <button
        type="button"
        onClick={() => recoveryLog.dismiss(report.worker)}
        aria-label={`Dismiss ${report.worker} worker report`}
      >
        ×
      </button>
    </div>
  );
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The workers whose crashes the status bar reports (the scoring panel reports its own). */
const STATUS_BAR_WORKERS: WorkerName[] = ["dataset", "scatter"];

/** Always-visible counts: selected N of M, rows with missing margins, load progress and errors. */
export default function StatusBar() {
  const summary = useWorkbench((s) => s.summary);
  const stats = useWorkbench((s) => s.stats);
  const progress = useWorkbench((s) => s.progress);
  const error = useWorkbench((s) => s.error);
  const dismissError = useWorkbench((s) => s.dismissError);
  const notes = useWorkbench((s) => s.notes);
  const metric = useWorkbench((s) => currentSpec(s).ranking.metric);
  const zeroVariance = describeZeroVariance(metric, notes.zeroVariance);
  const crashes = useWorkerCrashes().filter((e) => STATUS_BAR_WORKERS.includes(e.report.worker));

  return (
    <div className="status-bar">
      {summary && stats && (
        <>
          <strong role="status" aria-live="polite" data-testid="selected-count">
            {`Selected ${stats.selectedCount} of ${summary.rowCount}`}
          </strong>
          <span data-testid="missing-counts">
            missing explicit margin: {summary.missingExplicit} · missing implicit margin: {summary.missingImplicit}
            {summary.missingAny > 0 && <> · {summary.missingAny} rows excluded from M_AP z-scores</>}
          </span>
          {summary.coercions.length > 0 && (
            <span role="note" className="warning" data-testid="coercions">
              {summary.coercions.map((c) => describeCoercion(c)).join(" · ")}
            </span>
          )}
          {zeroVariance && (
            <span role="note" className="warning" data-testid="zero-variance">
              {zeroVariance}
            </span>
          )}
          <span data-testid="selection-counts">
            scored {stats.scored} · candidates after filters {stats.candidates} · target k {stats.k} · ranked{" "}
            {stats.ranked} · kept by hand {stats.keepCount} · dropped by hand {stats.droppedByHand}
          </span>
          <span className="file-name" data-testid="file-name" title={summary.info.name}>
            {summary.info.name} ({summary.info.format}
            {summary.info.gzip
              ? summary.info.gunzippedTo === "opfs"
                ? ", gzip, decompressed to disk"
                : ", gzip, decompressed in memory"
              : ""}
            )
          </span>
        </>
      )}
      {progress && (
        <span className="progress-text">
          <progress value={progress.fraction} max={1} aria-label="Loading progress" /> {progress.stage}{" "}
          {Math.round(progress.fraction * 100)}%
        </span>
      )}
      {crashes.map((entry) => (
        <WorkerCrashAlert key={entry.report.worker} entry={entry} />
      ))}
      {error && (
        <div role="alert" className="error">
          <span>{error}</span>
          <button type="button" onClick={dismissError} aria-label="Dismiss error">
            ×
          </button>
        </div>
      )}
    </div>
  );
}
