"use client";
import { useEffect, useState } from "react";
import { useWorkbench } from "@/components/workbench-store";
import { datasetClient } from "@/lib/dataset-client";
import { buffers } from "@/lib/workbench/buffers";
import type { Message } from "@/lib/dataset/types";
import type { RowView } from "@/lib/workbench/session";
import TokenLogprobs from "@/components/TokenLogprobs";

function Messages({ messages }: { messages: Message[] }) {
  if (messages.length === 0) return <p className="empty">(empty)</p>;
  // Text is rendered as React text nodes: HTML or scripts in the data are shown, never executed.
  return (
    <ol className="messages">
      {messages.map((m, i) => (
        <li key={i} className={`msg role-${m.role.replace(/[^a-z]/gi, "")}`}>
          <span className="role">{m.role}</span>
          <div className="content">{m.content}</div>
        </li>
      ))}
    </ol>
  );
}

function fmt(v: number | undefined): string {
  return v === undefined || Number.isNaN(v) ? "missing" : v.toPrecision(6);
}

/** Side-by-side prompt / chosen / rejected of the open row, with its margins and the raw record. */
export default function PairInspector() {
  const row = useWorkbench((s) => s.selectedRow);
  const dataVersion = useWorkbench((s) => s.dataVersion);
  const maskVersion = useWorkbench((s) => s.maskVersion);
  const openRow = useWorkbench((s) => s.openRow);
  const [view, setView] = useState<RowView | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (row === null) return;
    let live = true;
    datasetClient()
      .call("rows", { rows: [row] })
      .then(([v]) => {
        if (!live) return;
        setView(v);
        setError(null);
      })
      .catch((err: Error) => live && setError(err.message));
    return () => {
      live = false;
    };
  }, [row, dataVersion]);

  if (row === null)
    return <aside className="inspector empty-state">Click a point or a table row to read the pair.</aside>;
  const shown = view && view.row === row ? view : null;
  const b = buffers.get();
  void maskVersion;
  return (
    <aside className="inspector" aria-label={`Pair ${row}`}>
      <header>
        <h2>Pair {row}</h2>
        <span className={b.mask[row] ? "badge selected" : "badge"}>{b.mask[row] ? "selected" : "not selected"}</span>
        <dl>
          <dt>explicit</dt>
          <dd>{fmt(b.explicit[row])}</dd>
          <dt>implicit</dt>
          <dd>{fmt(b.implicit[row])}</dd>
          <dt>M_AP</dt>
          <dd>{fmt(b.mAp[row])}</dd>
          <dt>rank</dt>
          <dd>{Number.isNaN(b.mApRank[row]) ? "—" : b.mApRank[row]}</dd>
        </dl>
        <button type="button" onClick={() => openRow(null)} aria-label="Close pair">
          ×
        </button>
      </header>
      {error && <p role="alert">{error}</p>}
      {shown ? (
        <>
          <section className="prompt" aria-label="Prompt">
            <h3>Prompt</h3>
            <Messages messages={shown.pair.prompt} />
          </section>
          <div className="responses">
            <section aria-label="Chosen">
              <h3>Chosen</h3>
              <Messages messages={shown.pair.chosen} />
            </section>
            <section aria-label="Rejected">
              <h3>Rejected</h3>
              <Messages messages={shown.pair.rejected} />
            </section>
          </div>
          <TokenLogprobs row={row} />
          <details>
            <summary>Raw record</summary>
            <pre>{JSON.stringify(shown.record, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}</pre>
          </details>
        </>
      ) : (
        !error && <p>Loading…</p>
      )}
    </aside>
  );
}
