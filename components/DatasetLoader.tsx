"use client";
import { useState, type DragEvent } from "react";
import { useWorkbench } from "@/components/workbench-store";
import HubDatasetForm from "@/components/HubDatasetForm";
import { DATA_FILE_EXTENSION, type NamedBlob } from "@/lib/dataset/shard-names";

/** Accepted extensions, shown to the user and given to the file picker. */
const ACCEPT = ".jsonl,.ndjson,.json,.csv,.tsv,.parquet,.gz";

/** Picked files under the names the user knows them by: the path inside a picked folder, else the file name. */
function named(files: FileList | File[]): NamedBlob[] {
  return Array.from(files, (f) => ({ blob: f, name: f.webkitRelativePath || f.name }));
}

/**
 * The data files of a picked or dropped folder: files the readers know by their extension, without hidden ones
 * (`.git/…`, `.gitattributes`); a README or a script beside the shards is not a shard.
 */
function dataFiles(files: NamedBlob[]): NamedBlob[] {
  return files.filter((f) => {
    const segments = f.name.split("/");
    return !segments.some((s) => s.startsWith(".")) && DATA_FILE_EXTENSION.test(f.name);
  });
}

/** Every file under a dropped folder entry, named by its path from the dropped folder (folder name included). */
async function entryFiles(entry: FileSystemEntry): Promise<NamedBlob[]> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    return [{ blob: file, name: entry.fullPath.replace(/^\//, "") }];
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const children: FileSystemEntry[] = [];
  // readEntries hands out a directory in batches (100 in Chromium) until it returns an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    children.push(...batch);
  }
  return (await Promise.all(children.map(entryFiles))).flat();
}

/** Files of a drop: folders are walked (DataTransferItem entries) and keep their data files; plain files as they are. */
async function droppedFiles(data: DataTransfer): Promise<NamedBlob[]> {
  const entries = Array.from(data.items, (item) => item.webkitGetAsEntry?.() ?? null);
  if (entries.length === 0 || entries.some((e) => e === null) || !entries.some((e) => e!.isDirectory)) {
    return named(data.files);
  }
  const all = (await Promise.all(entries.map((e) => entryFiles(e!)))).flat();
  return dataFiles(all);
}

/** "N files · M rows" and the file list of a dataset read from several files. */
function DatasetFiles() {
  const summary = useWorkbench((s) => s.summary);
  const files = summary?.info.files;
  if (!summary || !files || files.length < 2) return null;
  const unit = summary.plan ? "records" : "rows";
  return (
    <details className="dataset-files" data-testid="dataset-files">
      <summary>{`${files.length} files · ${summary.rowCount} rows`}</summary>
      <ol style={{ margin: 0, paddingLeft: 18, maxHeight: 200, overflow: "auto" }}>
        {files.map((f) => (
          <li key={`${f.firstRow}:${f.name}`}>
            {f.name} · {f.rowCount} {unit} (rows {f.firstRow}–{f.firstRow + f.rowCount - 1})
          </li>
        ))}
      </ol>
    </details>
  );
}

/** Drag-and-drop zone, file and folder pickers, "Open from Hub or URL", the demo button and the file list. */
export default function DatasetLoader() {
  const loadFiles = useWorkbench((s) => s.loadFiles);
  const loadDemo = useWorkbench((s) => s.loadDemo);
  const status = useWorkbench((s) => s.status);
  const [dragging, setDragging] = useState(false);
  const [remote, setRemote] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const open = (files: NamedBlob[], what: string) => {
    setProblem(null);
    if (files.length === 0) {
      setProblem(`${what} holds no data files (JSONL, JSON, CSV/TSV or Parquet, optionally .gz)`);
      return;
    }
    void loadFiles(files);
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    void droppedFiles(e.dataTransfer).then(
      (files) => open(files, "the dropped folder"),
      (err: unknown) => setProblem(`could not read the dropped files: ${err instanceof Error ? err.message : err}`),
    );
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
          type="file"
          accept={ACCEPT}
          multiple
          aria-label="Upload dataset"
          className="visually-hidden"
          onChange={(e) => {
            const files = named(e.target.files ?? []);
            e.target.value = "";
            if (files.length > 0) open(files, "the selection");
          }}
        />
      </label>
      <label className="button">
        Upload folder
        <input
          type="file"
          // React has no typed prop for it; every current browser supports the attribute.
          {...{ webkitdirectory: "" }}
          multiple
          aria-label="Upload folder"
          className="visually-hidden"
          onChange={(e) => {
            const files = dataFiles(named(e.target.files ?? []));
            e.target.value = "";
            open(files, "the folder");
          }}
        />
      </label>
      <div className="export">
        <button type="button" aria-expanded={remote} onClick={() => setRemote((r) => !r)}>
          Open from Hub or URL
        </button>
        {remote && (
          <div
            className="export-panel"
            role="group"
            aria-label="Open a remote dataset"
            style={{ left: 0, right: "auto", width: 420 }}
          >
            <HubDatasetForm onOpened={() => setRemote(false)} />
          </div>
        )}
      </div>
      <button type="button" onClick={() => void loadDemo()} disabled={status === "loading"}>
        Load demo dataset
      </button>
      <DatasetFiles />
      {problem && (
        <span role="alert" className="error">
          {problem}
        </span>
      )}
      <span className="hint">
        or drop files or a folder (JSONL, JSON, CSV/TSV or Parquet, optionally .gz; several files are read as one
        dataset) — they never leave this machine
      </span>
    </div>
  );
}
