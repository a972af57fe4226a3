"use client";
import { useState } from "react";
import { useWorkbench } from "@/components/workbench-store";
import type { DatasetFormat } from "@/lib/dataset/types";
import { describeMatch } from "@/lib/workbench/recipe";

/** Formats offered; the input's own format is preselected (TSV exports stay TSV). */
const FORMATS: { value: DatasetFormat; label: string }[] = [
  { value: "jsonl", label: "JSONL" },
  { value: "json", label: "JSON" },
  { value: "csv", label: "CSV" },
  { value: "parquet", label: "Parquet" },
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
  const [format, setFormat] = useState<DatasetFormat | null>(null);
  const [includeComputed, setIncludeComputed] = useState(false);
  if (!summary) return null;
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
            <select aria-label="Format" value={chosen} onChange={(e) => setFormat(e.target.value as DatasetFormat)}>
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
          <button type="button" disabled={busy} onClick={() => void exportSelection(chosen, includeComputed)}>
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
        </div>
      )}
    </div>
  );
}
