"use client";
import { useCallback, useEffect, useRef, type KeyboardEvent as ReactKeyboardEvent } from "react";
import { useWorkbench, currentSpec } from "@/components/workbench-store";
import { SEARCH_INPUT_ID } from "@/components/SearchBox";
import { buffers } from "@/lib/workbench/buffers";
import { decisionOf, type SearchGate } from "@/lib/selection/spec";
import { cursorRowOf, OTHER_KEYS, SHORTCUTS, shortcutFor, type ShortcutAction } from "@/lib/workbench/shortcuts";

/** The decision each decision key leaves on the row. */
const DECISION_OF = { keep: "keep", drop: "drop", clear: null } as const;

/** Elements Tab can reach inside the dialog (for the focus trap). */
const FOCUSABLE =
  'button:not([disabled]), [href], input:not([disabled]), select, textarea, [tabindex]:not([tabindex="-1"])';

/** Whether a modal dialog (this one or any other) has the page: then the keys are its own. */
function modalOpen(): boolean {
  return document.querySelector(':modal, [aria-modal="true"]') !== null;
}

/** Runs one action on the store; returns whether it did something (then the key's default action is prevented). */
function run(action: ShortcutAction, openHelp: () => void): boolean {
  const s = useWorkbench.getState();
  const row = s.status === "ready" ? cursorRowOf(buffers.get().order, s.cursorRow) : null;
  switch (action) {
    case "next":
    case "previous":
      if (row === null) return false;
      s.moveCursor(action === "next" ? 1 : -1);
      return true;
    case "open":
      if (row === null) return false;
      s.openRow(row);
      return true;
    case "keep":
    case "drop":
    case "clear":
      if (row === null) return false;
      // A key that changes nothing (x on a kept row, u on an undecided one) must not add an empty undo step.
      if (decisionOf(currentSpec(s), row) !== DECISION_OF[action]) s.decide([row], action);
      return true;
    case "search": {
      const input = document.getElementById(SEARCH_INPUT_ID);
      if (!(input instanceof HTMLInputElement)) return false;
      input.focus();
      input.select();
      return true;
    }
    case "escape": {
      const search = currentSpec(s).gates.find((g): g is SearchGate => g.kind === "search");
      if (!search) return false;
      s.setSearch("", { regex: search.regex, caseSensitive: search.caseSensitive });
      return true;
    }
    case "undo":
      s.undo();
      return true;
    case "redo":
      s.redo();
      return true;
    case "help":
      openHelp();
      return true;
  }
}

function Keys({ labels }: { labels: readonly string[] }) {
  return (
    <>
      {labels.map((label, i) => (
        <span key={label}>
          {i > 0 && " or "}
          <kbd>{label}</kbd>
        </span>
      ))}
    </>
  );
}

/**
 * The workbench's keyboard flow: one window key handler driven by the table in lib/workbench/shortcuts.ts (row
 * cursor, open, keep / drop / clear, search, undo / redo), a "Shortcuts" button and the "?" dialog that lists the
 * same table. The dialog is a native modal `<dialog>`: the page behind is inert while it is open, Esc closes it,
 * and focus goes back where it was.
 */
export default function KeyboardShortcuts() {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const returnTo = useRef<HTMLElement | null>(null);

  const openHelp = useCallback(() => {
    const dialog = dialogRef.current;
    if (!dialog || dialog.open) return;
    returnTo.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialog.showModal();
  }, []);

  useEffect(() => {
    // On window, in the bubble phase: React's handlers on the target (a histogram handle, the scatter) run first,
    // and a key they used arrives with `defaultPrevented`.
    const onKey = (e: KeyboardEvent) => {
      const target = e.target instanceof Element ? e.target : null;
      const action = shortcutFor(e, target, { dialogOpen: modalOpen() });
      if (action && run(action, openHelp)) e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [openHelp]);

  // The modal makes the page inert, but Tab can still leave for the browser's own UI: keep it cycling inside.
  const trapTab = (e: ReactKeyboardEvent<HTMLDialogElement>) => {
    if (e.key !== "Tab") return;
    const items = Array.from(e.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE));
    if (items.length === 0) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };

  return (
    <>
      <button type="button" onClick={openHelp} aria-keyshortcuts="?" title="Keyboard shortcuts (?)">
        Shortcuts
      </button>
      <dialog
        ref={dialogRef}
        className="shortcuts-dialog"
        aria-labelledby="shortcuts-title"
        onKeyDown={trapTab}
        onClose={() => {
          const back = returnTo.current;
          returnTo.current = null;
          if (back && back.isConnected) back.focus();
        }}
      >
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        <p className="hint">
          Row keys act on the highlighted row of the table. No shortcut fires while you type in a field; Esc leaves the
          search box.
        </p>
        <table className="shortcuts-table">
          <thead>
            <tr>
              <th scope="col">Keys</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.action} data-testid="shortcut-row">
                <td>
                  <Keys labels={s.keys.map((k) => k.label)} />
                </td>
                <td>{s.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h3>Elsewhere on the page</h3>
        <table className="shortcuts-table">
          <tbody>
            {OTHER_KEYS.map((o) => (
              <tr key={o.description}>
                <td>
                  <Keys labels={o.keys} />
                </td>
                <td>{o.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <button type="button" onClick={() => dialogRef.current?.close()}>
          Close
        </button>
      </dialog>
    </>
  );
}
