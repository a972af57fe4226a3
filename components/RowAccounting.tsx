"use client";
import { useState } from "react";
import { useWorkbench } from "@/components/workbench-store";
import { datasetClient } from "@/lib/dataset-client";
import { downloadBlob } from "@/lib/download";
import { describeAccounting, describeDuplicateKey, describeResponseIssues } from "@/lib/workbench/plan-text";

/**
 * What ingest noticed, under the status bar: records in the file = loaded + skipped (the skipped ones downloadable
 * with their lines), keys JSON.parse overwrote, and pairs with identical or empty responses ("Drop these" drops them
 * through the selection's decisions, one undo step).
 */
export default function RowAccounting() {
  const summary = useWorkbench((s) => s.summary);
  const decide = useWorkbench((s) => s.decide);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!summary) return null;
  const { accounting, duplicateKeys, responseIssues } = summary;
  const issues = describeResponseIssues(responseIssues);

  // The worker hands out every row (the summary lists the first ones only): all of them are dropped.
  const dropIssues = async () => {
    setBusy(true);
    setError(null);
    try {
      const rows = await datasetClient().call("responseIssueRows", {});
      decide(Array.from(rows), "drop");
    } catch (err) {
      setError(`Could not drop the rows: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  const downloadSkipped = async () => {
    setBusy(true);
    setError(null);
    try {
      const { blob, fileName } = await datasetClient().call("skippedRows", {});
      downloadBlob(blob, fileName);
    } catch (err) {
      setError(`Could not write the skipped rows: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="status-bar row-accounting" aria-label="Row accounting">
      <span data-testid="row-accounting">{describeAccounting(accounting)}</span>
      <button
        type="button"
        onClick={() => void downloadSkipped()}
        disabled={busy || accounting.skipped === 0}
        title={
          accounting.skipped === 0 ? "No record was skipped" : "JSON Lines: line, reason and the record as written"
        }
      >
        Download skipped rows
      </button>
      {duplicateKeys.length > 0 && (
        <span role="note" className="warning" data-testid="duplicate-keys">
          {duplicateKeys.map((d) => describeDuplicateKey(d)).join(" · ")}
        </span>
      )}
      {issues && (
        <span role="note" className="warning" data-testid="response-issues">
          {issues}{" "}
          <button type="button" onClick={() => void dropIssues()} disabled={busy}>
            Drop these
          </button>
        </span>
      )}
      {error && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
    </div>
  );
}
