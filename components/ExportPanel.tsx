"use client";
import { useState } from "react";
import { useWorkbench } from "@/components/workbench-store";
import type { ExportFormat } from "@/lib/dataset/types";
import { describeMatch } from "@/lib/workbench/recipe";

/** Formats offered; the input's own format is preselected (TSV exports stay TSV). */
const FORMATS: { value: ExportFormat; label: string }[] = [
  { value: "jsonl", label: "JSONL" },
  { value: "json", label: "JSON" },
  { value: "csv", label: "CSV" },
  { value: "parquet", label: "Parquet" },
  { value: "trl", label: "TRL preference (prompt/chosen/rejected)" },
];

/** "Export selection": format, computed columns, download of rows and of the recipe, and "Apply recipe". */
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
  if (!summary) return null;
  const fileCount = summary.info.files?.length ?? 1;
  const inputFormat = summary.info.format;
  const chosen = format ?? inputFormat;
  const options = inputFormat === "tsv" ? [...FORMATS, { value: "tsv" as const, label: "TSV" }] : FORMATS;

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
          <button
            type="button"
            disabled={busy}
            onClick={() => void exportSelection(chosen, includeComputed, fileCount > 1 && shards)}
          >
            Download
          </button>
          <button type="button" disabled={busy} onClick={() => void exportRecipe()}>
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
