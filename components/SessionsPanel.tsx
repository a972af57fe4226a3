"use client";
import { useCallback, useEffect, useId, useState } from "react";
import {
  savedSessions,
  startSessionAutosave,
  forgetSession,
  useWorkbench,
  type AutosaveStatus,
} from "@/components/workbench-store";
import { formatStorage, type SessionSummary } from "@/lib/workbench/saved-session";

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function formatTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

function describeSession(s: SessionSummary): string {
  return `${s.name} · ${s.rowCount} rows · last change ${formatTime(s.updatedAtMs)}`;
}

/** The saved sessions (or why they could not be listed) and the storage line. */
async function readSessions(): Promise<{
  list: SessionSummary[] | null;
  error: string | null;
  storageText: string | null;
}> {
  let list: SessionSummary[] | null = null;
  let error: string | null = null;
  try {
    list = await savedSessions().list();
  } catch (err) {
    error = messageOf(err);
  }
  let storageText: string | null = null;
  try {
    storageText = formatStorage(await navigator.storage?.estimate?.());
  } catch {
    // No estimate (an old browser, a sandboxed frame): the line is left out rather than guessed.
  }
  return { list, error, storageText };
}

/**
 * Saved sessions: the autosave's state, the "Restore session" offer for the last session, the "Sessions" list with
 * "Delete", the file a restore asks for (checked by SHA-256), storage use and a full quota as an alert.
 */
export default function SessionsPanel() {
  const status = useWorkbench((s) => s.status);
  const restoreSession = useWorkbench((s) => s.restoreSession);
  const [autosave, setAutosave] = useState<AutosaveStatus | null>(null);
  const [sessions, setSessions] = useState<SessionSummary[]>([]);
  const [listError, setListError] = useState<string | null>(null);
  const [storage, setStorage] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const [offerDismissed, setOfferDismissed] = useState(false);
  /** The session whose restore waits for the user's file. */
  const [asking, setAsking] = useState<SessionSummary | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [restoredNote, setRestoredNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const detailId = useId();

  const refresh = useCallback(() => {
    void readSessions().then(({ list, error, storageText }) => {
      if (list) setSessions(list);
      setListError(error);
      setStorage(storageText);
    });
  }, []);

  useEffect(() => {
    let live = true;
    const stop = startSessionAutosave((s) => {
      if (!live) return;
      setAutosave(s);
      if (s.state === "saved" || s.state === "error") refresh();
    });
    refresh();
    return () => {
      live = false;
      stop();
    };
  }, [refresh]);

  const restore = async (s: SessionSummary, file?: File) => {
    setBusy(true);
    setRefusal(null);
    setRestoredNote(null);
    const outcome = await restoreSession(s.id, file);
    setBusy(false);
    if (outcome.ok) {
      setAsking(null);
      setOpen(false);
      setOfferDismissed(true);
      if (outcome.computedProblem)
        setRestoredNote(
          `Restored without its computed columns: ${outcome.computedProblem}. Load the same model and run “Score ` +
            "dataset” again; rows already scored are read back from the stored results, not computed again.",
        );
      return;
    }
    setAsking(outcome.needsFile ? s : null);
    setRefusal(outcome.reason);
  };

  const remove = async (s: SessionSummary) => {
    try {
      await savedSessions().delete(s.id);
      forgetSession(s.id);
      if (asking?.id === s.id) {
        setAsking(null);
        setRefusal(null);
      }
    } catch (err) {
      setListError(messageOf(err));
    }
    refresh();
  };

  const latest = sessions.find((s) => s.problem === null) ?? null;
  const offer = latest && !offerDismissed && latest.id !== autosave?.sessionId && !asking ? latest : null;
  const saveText =
    autosave?.state === "pending"
      ? "Unsaved changes"
      : autosave?.state === "saving"
        ? "Saving…"
        : autosave?.state === "saved" && autosave.savedAtMs !== null
          ? `Saved in this browser at ${new Date(autosave.savedAtMs).toLocaleTimeString()}`
          : "";

  return (
    <div className="export sessions">
      {offer && (
        <span className="session-offer">
          <button
            type="button"
            onClick={() => void restore(offer)}
            disabled={busy || status === "loading"}
            aria-describedby={detailId}
          >
            Restore session
          </button>{" "}
          <span id={detailId} className="hint" data-testid="restore-offer">
            {describeSession(offer)}
          </span>{" "}
          <button type="button" aria-label="Dismiss the restore offer" onClick={() => setOfferDismissed(true)}>
            ×
          </button>
        </span>
      )}{" "}
      <button
        type="button"
        aria-expanded={open}
        onClick={() => {
          if (!open) refresh();
          setOpen((o) => !o);
        }}
      >
        Sessions
      </button>{" "}
      <span className="hint" data-testid="session-save-state">
        {saveText}
      </span>
      {asking && (
        <div className="session-ask" role="group" aria-label="File for the session">
          <p className="hint">
            The browser does not keep files between visits: choose “{asking.name}” ({asking.rowCount} rows) again. It is
            checked by its SHA-256 before it opens, and read here only.
          </p>
          <label className="button">
            Choose the file for this session
            <input
              type="file"
              aria-label="Choose the file for this session"
              className="visually-hidden"
              disabled={busy}
              onChange={(e) => {
                const file = e.target.files?.[0];
                e.target.value = "";
                if (file) void restore(asking, file);
              }}
            />
          </label>{" "}
          <button
            type="button"
            onClick={() => {
              setAsking(null);
              setRefusal(null);
            }}
          >
            Cancel
          </button>
        </div>
      )}
      {refusal && (
        <div role="alert" className="error">
          {refusal}
        </div>
      )}
      {autosave?.state === "error" && (
        <div role="alert" className="error">
          {autosave.quota ? "The session could not be saved — storage is full: " : "The session could not be saved: "}
          {autosave.error}
          {storage ? ` (${storage})` : ""}
        </div>
      )}
      {listError && (
        <div role="alert" className="error">
          {listError}
        </div>
      )}
      {restoredNote && <p className="hint">{restoredNote}</p>}
      {open && (
        <div className="export-panel" role="group" aria-label="Saved sessions" style={{ width: 460 }}>
          {storage && <p data-testid="storage-use">{storage}</p>}
          {sessions.length === 0 ? (
            <p className="hint">No saved sessions yet: the work on a dataset is saved here as you change it.</p>
          ) : (
            <table aria-label="Saved sessions">
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col">Rows</th>
                  <th scope="col">Last change</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {sessions.map((s) => (
                  <tr key={s.id}>
                    <td>
                      {s.name}
                      {s.id === autosave?.sessionId && <span className="hint"> (open)</span>}
                      {s.problem && <div className="error">{s.problem}</div>}
                    </td>
                    <td>{s.problem ? "" : s.rowCount}</td>
                    <td>{s.problem ? "" : formatTime(s.updatedAtMs)}</td>
                    <td>
                      {!s.problem && (
                        <button type="button" disabled={busy || status === "loading"} onClick={() => void restore(s)}>
                          Restore
                        </button>
                      )}{" "}
                      <button type="button" onClick={() => void remove(s)}>
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p className="hint">
            Saved in this browser only (IndexedDB), never sent anywhere: the file&apos;s name, size and SHA-256, the
            column mapping, the selection (ranking, filters, decisions), the table sort and histograms, and the columns
            a scoring run computed here (log-probs, rewards, the margins from them, token counts). The file itself is
            not kept: a restore asks for it again.
          </p>
        </div>
      )}
    </div>
  );
}
