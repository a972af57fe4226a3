"use client";
import { formatBytes } from "@/lib/format/units";
import { useState, type FormEvent } from "react";
import HubSettings from "@/components/HubSettings";
import { useWorkbench } from "@/components/workbench-store";
import { listHub, openHubFiles, openUrl, type DownloadProgress } from "@/components/remote-dataset";
import { preferredGroup, type HubDataFile, type HubListing } from "@/lib/dataset/hub-datasets";

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The dataset loader's view of the shared Hub settings (a dataset may come before any model). */
function DatasetHubSettings() {
  return (
    <HubSettings
      tokenPlaceholder="hf_… (gated or private datasets)"
      hint={(endpoint) => (
        <>
          The same settings as the model loader&apos;s. Dataset ids list {endpoint}/api/datasets/org/name/tree/… and
          download {endpoint}/datasets/org/name/resolve/…; the token is kept in memory only and sent to that endpoint
          only.
        </>
      )}
    />
  );
}

/**
 * "Open from Hub" (dataset id and revision → "List files" → files grouped by config / split, to tick → "Open")
 * and "Open from URL" (one file). Downloads are streamed; the files then open as one dataset.
 */
export default function HubDatasetForm({ onOpened }: { onOpened: () => void }) {
  const [id, setId] = useState("");
  const [revision, setRevision] = useState("");
  const [url, setUrl] = useState("");
  const [listing, setListing] = useState<HubListing | null>(null);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<DownloadProgress | null>(null);
  const [error, setError] = useState<string | null>(null);

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
      setProgress(null);
    }
  };

  /** Opens what was downloaded; the workbench reports a file it cannot read in its own status bar. */
  const afterOpen = () => {
    if (useWorkbench.getState().status === "ready" && !useWorkbench.getState().error) onOpened();
  };

  const list = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      setListing(null);
      const found = await listHub(id, revision);
      setListing(found);
      setPicked(new Set(preferredGroup(found.groups, found.ref)?.files.map((f) => f.path) ?? []));
    });
  };

  const files: HubDataFile[] = listing ? listing.groups.flatMap((g) => g.files).filter((f) => picked.has(f.path)) : [];

  const toggle = (paths: string[], on: boolean) =>
    setPicked((old) => {
      const next = new Set(old);
      for (const p of paths) {
        if (on) next.add(p);
        else next.delete(p);
      }
      return next;
    });

  return (
    <div className="hub-datasets" style={{ display: "flex", flexDirection: "column", gap: 8 }}>
      <form aria-label="Open from Hub" onSubmit={list} style={{ display: "flex", flexDirection: "column", gap: 6 }}>
        <strong>Open from Hub</strong>
        <label>
          Dataset id{" "}
          <input
            type="text"
            aria-label="Hub dataset id"
            placeholder="org/name, org/name@revision:config/split"
            value={id}
            onChange={(e) => setId(e.target.value)}
          />
        </label>
        <label>
          Revision{" "}
          <input
            type="text"
            aria-label="Revision"
            placeholder="main"
            value={revision}
            onChange={(e) => setRevision(e.target.value)}
          />
        </label>
        <button type="submit" disabled={busy || id.trim() === ""}>
          List files
        </button>
      </form>
      {listing && (
        <div role="group" aria-label="Dataset files" style={{ display: "flex", flexDirection: "column", gap: 6 }}>
          <span className="hint" data-testid="hub-listing">
            {listing.ref.id}@{listing.ref.revision}: {listing.groups.reduce((n, g) => n + g.files.length, 0)} data files
            in {listing.groups.length} config / split groups ({listing.skipped} other files)
          </span>
          <div style={{ maxHeight: 260, overflow: "auto", display: "flex", flexDirection: "column", gap: 6 }}>
            {listing.groups.map((g) => {
              const label = `${g.config} / ${g.split}`;
              const paths = g.files.map((f) => f.path);
              const all = paths.every((p) => picked.has(p));
              return (
                <fieldset key={label} style={{ margin: 0 }}>
                  <legend>
                    <label>
                      <input type="checkbox" checked={all} onChange={(e) => toggle(paths, e.target.checked)} />
                      {label} ({g.files.length} {g.files.length === 1 ? "file" : "files"}, {formatBytes(g.bytes)})
                    </label>
                  </legend>
                  {g.files.map((f) => (
                    <label key={f.path} style={{ display: "block", overflowWrap: "anywhere" }}>
                      <input
                        type="checkbox"
                        aria-label={f.path}
                        checked={picked.has(f.path)}
                        onChange={(e) => toggle([f.path], e.target.checked)}
                      />
                      {f.path} <span className="hint">{formatBytes(f.size)}</span>
                    </label>
                  ))}
                </fieldset>
              );
            })}
          </div>
          <button
            type="button"
            disabled={busy || files.length === 0}
            onClick={() =>
              void run(async () => {
                await openHubFiles(files, setProgress);
                afterOpen();
              })
            }
          >
            {`Open ${files.length} ${files.length === 1 ? "file" : "files"}`}
          </button>
        </div>
      )}
      <form
        aria-label="Open from URL"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            await openUrl(url, setProgress);
            afterOpen();
          });
        }}
        style={{ display: "flex", flexDirection: "column", gap: 6 }}
      >
        <strong>Open from URL</strong>
        <label>
          File URL{" "}
          <input
            type="url"
            aria-label="Dataset URL"
            placeholder="https://…/train.jsonl"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
          />
        </label>
        <button type="submit" disabled={busy || url.trim() === ""}>
          Open URL
        </button>
      </form>
      <DatasetHubSettings />
      {progress && (
        <span role="status" className="hint">
          <progress value={progress.fraction} max={1} aria-label="Download progress" /> downloading {progress.file}{" "}
          {Math.round(progress.fraction * 100)}%
        </span>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <p className="hint">
        Files are downloaded into this tab and read here, like a picked file. Another origin than the Hub must be
        allowed by the server&apos;s MARGIN_ATLAS_CONNECT_SRC.
      </p>
    </div>
  );
}
