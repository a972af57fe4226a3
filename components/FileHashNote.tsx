"use client";
import { useWorkbench } from "@/components/workbench-store";

/**
 * The open file's full SHA-256: a note with its progress while the dataset worker hashes it in the background (the
 * dataset is usable meanwhile; a recipe export or session save waits for it), then the hash itself.
 */
export default function FileHashNote() {
  const fileHash = useWorkbench((s) => s.fileHash);
  const hasSummary = useWorkbench((s) => s.summary !== null);
  if (!fileHash || !hasSummary) return null;
  return (
    <div className="status-bar file-hash" data-testid="file-hash" data-state={fileHash.state}>
      {fileHash.state === "computing" ? (
        <span role="status" aria-live="polite">
          <progress value={fileHash.fraction} max={1} aria-label="SHA-256 progress" /> Computing the file&apos;s SHA-256
          (for recipes and stored scores)… {Math.round(fileHash.fraction * 100)} %
        </span>
      ) : fileHash.state === "done" ? (
        <span title={`sampled key ${fileHash.key}`}>
          SHA-256 <code data-testid="file-sha256">{fileHash.sha256}</code>
        </span>
      ) : (
        <span role="note" className="warning">
          The file&apos;s SHA-256 could not be computed in the background ({fileHash.error}); a recipe or saved session
          computes it when needed.
        </span>
      )}
    </div>
  );
}
