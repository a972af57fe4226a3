"use client";
import { Fragment, useEffect, useMemo, useState } from "react";
import { useWorkbench, currentSpec } from "@/components/workbench-store";
import { decisionOf, type SearchGate } from "@/lib/selection/spec";
import { metricLabel } from "@/lib/selection/ranking";
import { datasetClient } from "@/lib/dataset-client";
import { buffers } from "@/lib/workbench/buffers";
import { marginZScores } from "@/lib/inspector/z-scores";
import { wordDiff } from "@/lib/inspector/word-diff";
import { describeTruncation } from "@/lib/scoring/truncation";
import type { Message, RawRecord } from "@/lib/dataset/types";
import type { RowView } from "@/lib/workbench/types";
import MarkdownText, { type TextSearch } from "@/components/MarkdownText";
import PairDiff, { DiffSummary } from "@/components/PairDiff";
import TokenLogprobs from "@/components/TokenLogprobs";
import RowMetricScores from "@/components/RowMetricScores";

/** Options of how the messages are shown. */
interface TextView {
  search: TextSearch | undefined;
  raw: boolean;
}

/** A conversation: one item per message with its role; system messages are marked as such. */
function Messages({ messages, view }: { messages: Message[]; view: TextView }) {
  if (messages.length === 0) return <p className="empty">(empty)</p>;
  return (
    <ol className="messages">
      {messages.map((m, i) => {
        const role = m.role.replace(/[^a-z]/gi, "").toLowerCase();
        return (
          <li key={i} className={`msg role-${role}`}>
            <span className="role">{m.role}</span>
            {role === "system" && <span className="badge system-badge">system prompt</span>}
            <div className="content">
              <MarkdownText text={m.content} search={view.search} raw={view.raw} />
            </div>
          </li>
        );
      })}
    </ol>
  );
}

const joined = (messages: Message[]) => messages.map((m) => m.content).join("\n\n");

function fmt(v: number | undefined): string {
  return v === undefined || Number.isNaN(v) ? "missing" : v.toPrecision(6);
}

function fmtZ(v: number): string {
  return Number.isNaN(v) ? "—" : v.toFixed(3);
}

function fmtCount(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? "—" : String(v);
}

/** The row's original fields, stringified only once the section is opened (a record can be megabytes). */
function RawRecordView({ record }: { record: RawRecord }) {
  const [open, setOpen] = useState(false);
  return (
    <details onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Raw record</summary>
      {open && (
        <pre className="raw-record">
          {JSON.stringify(record, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}
        </pre>
      )}
    </details>
  );
}

/** Token counts of the open row, when a scoring run attached them (view-only fields `chosen_tokens`, `rejected_tokens`). */
function useTokenCounts(row: number): { chosen: number; rejected: number } | null {
  const attached = useWorkbench((s) => s.summary?.attachedColumns);
  const marginsVersion = useWorkbench((s) => s.versions.margins);
  const hasTokens = !!attached?.includes("chosen_tokens") && attached.includes("rejected_tokens");
  const [columns, setColumns] = useState<{ key: number; chosen: Float64Array; rejected: Float64Array } | null>(null);
  useEffect(() => {
    if (!hasTokens) return;
    let live = true;
    const { fieldColumn } = useWorkbench.getState();
    Promise.all([fieldColumn("column:chosen_tokens"), fieldColumn("column:rejected_tokens")])
      .then(([chosen, rejected]) => {
        if (live && chosen && rejected) setColumns({ key: marginsVersion, chosen, rejected });
      })
      // fieldColumn reports its own failures in the store's error line.
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [hasTokens, marginsVersion]);
  if (!hasTokens || !columns || columns.key !== marginsVersion) return null;
  return { chosen: columns.chosen[row], rejected: columns.rejected[row] };
}

/**
 * The open row's truncation code, when a scoring run attached it (view-only field `truncated`); undefined before
 * that. NaN (rows stored by a version that did not record it) is shown as unknown.
 */
function useTruncation(row: number): number | undefined {
  const attached = useWorkbench((s) => s.summary?.attachedColumns);
  const marginsVersion = useWorkbench((s) => s.versions.margins);
  const hasTruncation = !!attached?.includes("truncated");
  const [column, setColumn] = useState<{ key: number; values: Float64Array } | null>(null);
  useEffect(() => {
    if (!hasTruncation) return;
    let live = true;
    useWorkbench
      .getState()
      .fieldColumn("column:truncated")
      .then((values) => {
        if (live && values) setColumn({ key: marginsVersion, values });
      })
      // fieldColumn reports its own failures in the store's error line.
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [hasTruncation, marginsVersion]);
  if (!hasTruncation || !column || column.key !== marginsVersion) return undefined;
  return column.values[row];
}

/**
 * Every number of the row: margins and their z-scores, M_AP and its rank, the metric's score, token counts and
 * what was truncated.
 */
function PairNumbers({ row }: { row: number }) {
  // Subscribed so that the numbers follow new margins (remap, scoring) and a new metric.
  useWorkbench((s) => s.versions.margins);
  useWorkbench((s) => s.versions.scores);
  const metric = useWorkbench((s) => currentSpec(s).ranking.metric);
  const tokens = useTokenCounts(row);
  const truncation = useTruncation(row);
  const b = buffers.get();
  const z = marginZScores(b.explicit, b.implicit, row);
  return (
    <dl className="pair-numbers" data-testid="pair-numbers">
      <dt>explicit margin</dt>
      <dd>{fmt(b.explicit[row])}</dd>
      <dt title="z-score of the explicit margin over the rows that have one (population std)">z(m_ex)</dt>
      <dd>{fmtZ(z.explicit)}</dd>
      <dt>implicit margin</dt>
      <dd>{fmt(b.implicit[row])}</dd>
      <dt title="z-score of |implicit margin| over the rows that have one (population std)">z(|m_im|)</dt>
      <dd>{fmtZ(z.absImplicit)}</dd>
      <dt>M_AP</dt>
      <dd>{fmt(b.mAp[row])}</dd>
      <dt>M_AP rank</dt>
      <dd>{Number.isNaN(b.mApRank[row]) ? "—" : b.mApRank[row]}</dd>
      <dt>score ({metricLabel(metric)})</dt>
      <dd>{fmt(b.score[row])}</dd>
      {tokens && (
        <>
          <dt>tokens chosen / rejected</dt>
          <dd>
            {fmtCount(tokens.chosen)} / {fmtCount(tokens.rejected)}
          </dd>
        </>
      )}
      {truncation !== undefined && (
        <>
          <dt title="What TRL-style tokenization cut to fit Max length when the policy scored the row">truncated</dt>
          <dd data-testid="pair-truncated">{describeTruncation(truncation)}</dd>
        </>
      )}
    </dl>
  );
}

/** Side-by-side prompt / chosen / rejected of the open row, with its numbers, a word diff and the raw record. */
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
  const [raw, setRaw] = useState(false);
  const [showDiff, setShowDiff] = useState(false);

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

  const shown = view && view.row === row ? view : null;
  const diff = useMemo(
    () => (showDiff && shown ? wordDiff(joined(shown.pair.chosen), joined(shown.pair.rejected)) : null),
    [showDiff, shown],
  );

  if (row === null)
    return <aside className="inspector empty-state">Click a point or a table row to read the pair.</aside>;
  const b = buffers.get();
  void maskVersion;
  const textView: TextView = {
    search: search && { query: search.query, regex: search.regex, caseSensitive: search.caseSensitive },
    raw,
  };
  const turns = shown?.pair.prompt.length ?? 0;
  return (
    <aside className="inspector" aria-label={`Pair ${row}`}>
      <header>
        <h2>Pair {row}</h2>
        <span className={b.mask[row] ? "badge selected" : "badge"}>{b.mask[row] ? "selected" : "not selected"}</span>
        <PairNumbers row={row} />
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
        <div className="inspector-toggles" role="group" aria-label="Text view">
          <label>
            <input type="checkbox" checked={raw} onChange={(e) => setRaw(e.target.checked)} /> Show raw text
          </label>
          <label>
            <input type="checkbox" checked={showDiff} onChange={(e) => setShowDiff(e.target.checked)} /> Show diff
          </label>
        </div>
        <button type="button" onClick={() => openRow(null)} aria-label="Close pair">
          ×
        </button>
      </header>
      {error && <p role="alert">{error}</p>}
      {shown ? (
        // Keyed by row: each message's "render anyway" and deferred rendering start afresh on another pair.
        <Fragment key={row}>
          <section className="prompt" aria-label="Prompt">
            <h3>Prompt{turns > 1 && <span className="turns"> · conversation of {turns} messages</span>}</h3>
            <Messages messages={shown.pair.prompt} view={textView} />
          </section>
          {diff && <DiffSummary diff={diff} />}
          <div className="responses">
            <section aria-label="Chosen">
              <h3>Chosen</h3>
              {diff?.ok ? (
                <PairDiff parts={diff.chosen} side="chosen" />
              ) : (
                <Messages messages={shown.pair.chosen} view={textView} />
              )}
            </section>
            <section aria-label="Rejected">
              <h3>Rejected</h3>
              {diff?.ok ? (
                <PairDiff parts={diff.rejected} side="rejected" />
              ) : (
                <Messages messages={shown.pair.rejected} view={textView} />
              )}
            </section>
          </div>
          <RowMetricScores row={row} />
          <TokenLogprobs row={row} />
          <RawRecordView record={shown.record} />
        </Fragment>
      ) : (
        !error && <p>Loading…</p>
      )}
    </aside>
  );
}
