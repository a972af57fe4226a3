"use client";
import { useState, useSyncExternalStore } from "react";
import { useWorkbench } from "@/components/workbench-store";
import { datasetClient } from "@/lib/dataset-client";
import type { ExportFormat } from "@/lib/dataset/types";
import { downloadBlob } from "@/lib/download";
import { exportFileName } from "@/lib/export/download-name";
import { createExportJob, describeExportState, type ExportJob, type ExportJobState } from "@/lib/export/export-job";
import { pickSaveFile, saveFilePicker } from "@/lib/export/save-picker";
import { describeMatch } from "@/lib/workbench/recipe";

/** Formats offered; the input's own format is preselected (TSV exports stay TSV). */
const FORMATS: { value: ExportFormat; label: string }[] = [
  { value: "jsonl", label: "JSONL" },
  { value: "json", label: "JSON" },
  { value: "csv", label: "CSV" },
  { value: "parquet", label: "Parquet" },
  { value: "trl", label: "TRL preference (prompt/chosen/rejected)" },
];

const noSubscription = () => () => {};

/** Whether this browser can save straight into a file (File System Access API); false while server-rendering. */
function useCanSaveToFile(): boolean {
  return useSyncExternalStore(
    noSubscription,
    () => saveFilePicker() !== null,
    () => false,
  );
}

/**
 * "Export selection": format, computed columns, the rows saved into a file as they are written ("Save to file…",
 * where the browser has the File System Access API) or downloaded (a chunked Blob), with progress and a cancel button;
 * download of the recipe, and "Apply recipe".
 */
export default function ExportPanel() {
  const summary = useWorkbench((s) => s.summary);
  const busy = useWorkbench((s) => s.busyExport);
  const exportSelection = useWorkbench((s) => s.exportSelection);
  const exportRecipe = useWorkbench((s) => s.exportRecipe);
  const applyRecipe = useWorkbench((s) => s.applyRecipe);
  const recipeReport = useWorkbench((s) => s.recipeReport);
  const [open, setOpen] = useState(false);
  const [format, setFormat] = useState<ExportFormat | null>(null);
  const [includeComputed, setIncludeComputed] = useState(false);
  const [shards, setShards] = useState(false);
  const [jobState, setJobState] = useState<ExportJobState>({ kind: "idle" });
  const [job] = useState<ExportJob>(() =>
    createExportJob({ client: datasetClient(), download: downloadBlob, onChange: setJobState }),
  );
  const canSaveToFile = useCanSaveToFile();
  if (!summary) return null;
  const fileCount = summary.info.files?.length ?? 1;
  const inputFormat = summary.info.format;
  const chosen = format ?? inputFormat;
  const options = inputFormat === "tsv" ? [...FORMATS, { value: "tsv" as const, label: "TSV" }] : FORMATS;
  const running = jobState.kind === "running";
  const asShards = fileCount > 1 && shards;
  const fileName = exportFileName(summary.info.name, chosen);

  const download = () => {
    if (asShards) void exportSelection(chosen, includeComputed, true);
    else void job.toDownload(fileName, chosen, includeComputed);
  };
  const saveToFile = () => {
    const picker = saveFilePicker();
    if (!picker) return;
    // The dialog is opened in the click's task (it needs the user's gesture); dismissing it exports nothing.
    void pickSaveFile(picker, fileName, chosen).then(
      (handle) => handle && job.toFile(handle, chosen, includeComputed),
      (err: unknown) =>
        setJobState({ kind: "failed", target: "file", fileName, message: `the save dialog failed: ${String(err)}` }),
    );
  };

  return (
    <div className="export">
      <button type="button" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
        Export selection
      </button>
      {open && (
        <div className="export-panel" role="group" aria-label="Export options">
          <label>
            Format
            <select aria-label="Format" value={chosen} onChange={(e) => setFormat(e.target.value as ExportFormat)}>
              {options.map((f) => (
                <option key={f.value} value={f.value}>
                  {f.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            <input type="checkbox" checked={includeComputed} onChange={(e) => setIncludeComputed(e.target.checked)} />
            Include computed columns
          </label>
          {fileCount > 1 && (
            <label>
              Files
              <select
                aria-label="Export files"
                value={shards ? "shards" : "one"}
                onChange={(e) => setShards(e.target.value === "shards")}
              >
                <option value="one">One file</option>
                <option value="shards">{`The same ${fileCount} files (one download each)`}</option>
              </select>
            </label>
          )}
          {fileCount > 1 && shards && (
            <p className="hint">
              Each input file&apos;s selected rows go to a file named after it (train-00000-of-00004 →
              train-00000-of-00004.selected…), an empty one where none is selected; the browser may ask once to allow
              several downloads.
            </p>
          )}
          <button type="button" disabled={busy || running} onClick={download}>
            Download
          </button>
          {canSaveToFile && !asShards && (
            <button type="button" disabled={busy || running} onClick={saveToFile}>
              Save to file…
            </button>
          )}
          {canSaveToFile && !asShards && (
            <p className="hint">
              Save to file… writes the rows into the file you pick while they are produced, a few MB at a time; Download
              builds the file in the browser, then downloads it. A cancelled or failed save leaves no file.
            </p>
          )}
          {jobState.kind !== "idle" && (
            <div className="export-job" role="status" aria-live="polite" data-testid="export-status">
              {running && (
                <progress
                  aria-label="Export progress"
                  value={jobState.totalRows > 0 ? jobState.rows / jobState.totalRows : undefined}
                  max={1}
                />
              )}
              <span>{describeExportState(jobState)}</span>
              {running && (
                <button type="button" disabled={jobState.cancelling} onClick={() => job.cancel()}>
                  Cancel export
                </button>
              )}
            </div>
          )}
          <button type="button" disabled={busy || running} onClick={() => void exportRecipe()}>
            Download recipe
          </button>
          <label style={{ display: "flex", flexDirection: "column", gap: 4 }}>
            Apply recipe
            <input
              style={{ maxWidth: "100%" }}
              type="file"
              accept=".json,application/json"
              aria-label="Apply recipe"
              disabled={busy}
              onChange={(e) => {
                const file = e.target.files?.[0];
                // Cleared so that choosing the same recipe again (after editing the selection) applies it again.
                e.target.value = "";
                if (file) void applyRecipe(file);
              }}
            />
          </label>
          {recipeReport && (
            <p role="status" aria-live="polite" data-testid="recipe-report">
              {describeMatch(recipeReport)}
            </p>
          )}
          <p className="hint">
            Input format: {inputFormat.toUpperCase()}. Rows keep their input order; in the input format they are written
            verbatim. Computed columns: explicit_margin, implicit_margin, m_ap, m_ap_rank. A recipe re-applies to this
            file or an edited version of it: its decisions follow the rows&apos; contents (prompt, chosen, rejected).
          </p>
          {chosen === "trl" && (
            <p className="hint" data-testid="trl-hint">
              TRL preference: a JSON Lines file of each selected pair (prompt, chosen, rejected as the workbench
              oriented it) that datasets.load_dataset(&quot;json&quot;) and TRL&apos;s DPOTrainer read as it is.
              Conversational (message lists) when the file has roles: chat lists, ShareGPT conversations, HH
              transcripts, message objects in the mapped fields, or a pair with a system message or several turns; else
              plain strings. Computed columns follow as numbers (null where missing); DPOTrainer uses ref_chosen_logps
              and ref_rejected_logps, when both are there, instead of its reference model.
            </p>
          )}
        </div>
      )}
    </div>
  );
}
