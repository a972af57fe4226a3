"use client";
import { useWorkbench, currentSpec } from "@/components/workbench-store";
import { describeZeroVariance } from "@/lib/selection/ranking";
import { describeCoercion } from "@/lib/dataset/schema-extract";

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
          <span className="file-name" title={summary.info.name}>
            {summary.info.name} ({summary.info.format}
            {summary.info.gzip ? ", gzip" : ""})
          </span>
        </>
      )}
      {progress && (
        <span className="progress-text">
          <progress value={progress.fraction} max={1} aria-label="Loading progress" /> {progress.stage}{" "}
          {Math.round(progress.fraction * 100)}%
        </span>
      )}
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
