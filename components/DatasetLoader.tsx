"use client";
import { useRef, useState, type DragEvent } from "react";
import { useWorkbench } from "@/components/workbench-store";

/** Accepted extensions, shown to the user and given to the file picker. */
const ACCEPT = ".jsonl,.ndjson,.json,.csv,.tsv,.parquet,.gz";

/** Drag-and-drop zone, file picker and the demo button. */
export default function DatasetLoader() {
  const loadFile = useWorkbench((s) => s.loadFile);
  const loadDemo = useWorkbench((s) => s.loadDemo);
  const status = useWorkbench((s) => s.status);
  const inputRef = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const file = e.dataTransfer.files[0];
    if (file) void loadFile(file, file.name);
  };

  return (
    <div
      className={`loader${dragging ? " dragging" : ""}`}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
      data-testid="drop-zone"
    >
      <label className="button">
        Upload dataset
        <input
          ref={inputRef}
          type="file"
          accept={ACCEPT}
          aria-label="Upload dataset"
          className="visually-hidden"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void loadFile(file, file.name);
            e.target.value = "";
          }}
        />
      </label>
      <button type="button" onClick={() => void loadDemo()} disabled={status === "loading"}>
        Load demo dataset
      </button>
      <span className="hint">
        or drop a JSONL, JSON, CSV/TSV or Parquet file (optionally .gz) here — it never leaves this machine
      </span>
    </div>
  );
}
