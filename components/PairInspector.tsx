"use client";
import { useEffect, useState, type ReactNode } from "react";
import { useWorkbench, currentSpec } from "@/components/workbench-store";
import { decisionOf, type SearchGate } from "@/lib/selection/spec";
import { matchRanges } from "@/lib/selection/search";
import { datasetClient } from "@/lib/dataset-client";
import { buffers } from "@/lib/workbench/buffers";
import type { Message } from "@/lib/dataset/types";
import type { RowView } from "@/lib/workbench/types";
import TokenLogprobs from "@/components/TokenLogprobs";

/** Text with the search's matches wrapped in <mark> (React text nodes only). */
function Highlighted({ text, search }: { text: string; search: SearchGate | undefined }) {
  const ranges = search ? matchRanges(text, search) : [];
  if (ranges.length === 0) return <>{text}</>;
  const parts: ReactNode[] = [];
  let at = 0;
  ranges.forEach(([a, b], i) => {
    if (a > at) parts.push(text.slice(at, a));
    parts.push(<mark key={i}>{text.slice(a, b)}</mark>);
    at = b;
  });
  if (at < text.length) parts.push(text.slice(at));
  return <>{parts}</>;
}

function Messages({ messages, search }: { messages: Message[]; search?: SearchGate }) {
  if (messages.length === 0) return <p className="empty">(empty)</p>;
  // Text is rendered as React text nodes: HTML or scripts in the data are shown, never executed.
  return (
    <ol className="messages">
      {messages.map((m, i) => (
        <li key={i} className={`msg role-${m.role.replace(/[^a-z]/gi, "")}`}>
          <span className="role">{m.role}</span>
          <div className="content">
            <Highlighted text={m.content} search={search} />
          </div>
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
  const rowsVersion = useWorkbench((s) => s.versions.rows);
  const maskVersion = useWorkbench((s) => s.versions.mask);
  const openRow = useWorkbench((s) => s.openRow);
  const spec = useWorkbench((s) => currentSpec(s));
  const decide = useWorkbench((s) => s.decide);
  const search = spec.gates.find((g): g is SearchGate => g.kind === "search");
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
  }, [row, rowsVersion]);

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
        <div className="decision" role="group" aria-label="Decision">
          {(() => {
            const d = decisionOf(spec, row);
            return (
              <>
                <span data-testid="decision-badge" className={`badge decision-${d ?? "none"}`}>
                  {d === "keep" ? "kept by hand" : d === "drop" ? "dropped by hand" : "no decision"}
                </span>
                <button type="button" aria-pressed={d === "keep"} onClick={() => decide([row], "keep")}>
                  Keep
                </button>
                <button type="button" aria-pressed={d === "drop"} onClick={() => decide([row], "drop")}>
                  Drop
                </button>
                <button type="button" disabled={d === null} onClick={() => decide([row], "clear")}>
                  Clear decision
                </button>
              </>
            );
          })()}
        </div>
        <button type="button" onClick={() => openRow(null)} aria-label="Close pair">
          ×
        </button>
      </header>
      {error && <p role="alert">{error}</p>}
      {shown ? (
        <>
          <section className="prompt" aria-label="Prompt">
            <h3>Prompt</h3>
            <Messages messages={shown.pair.prompt} search={search} />
          </section>
          <div className="responses">
            <section aria-label="Chosen">
              <h3>Chosen</h3>
              <Messages messages={shown.pair.chosen} search={search} />
            </section>
            <section aria-label="Rejected">
              <h3>Rejected</h3>
              <Messages messages={shown.pair.rejected} search={search} />
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
