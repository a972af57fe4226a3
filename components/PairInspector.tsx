"use client";
import { Fragment, useEffect, useMemo, useState } from "react";
import { useWorkbench, currentSpec } from "@/components/workbench-store";
import { decisionOf, type FieldKey, type SearchGate } from "@/lib/selection/spec";
import { metricLabel } from "@/lib/selection/ranking";
import { datasetClient } from "@/lib/dataset-client";
import { useRowNumbers } from "@/components/use-row-views";
import { wordDiff } from "@/lib/inspector/word-diff";
import { describeTruncation } from "@/lib/scoring/truncation";
import type { Message, RawRecord } from "@/lib/dataset/types";
import type { RowNumbers, RowView } from "@/lib/workbench/types";
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
  if (v === undefined) return "…";
  return Number.isNaN(v) ? "missing" : v.toPrecision(6);
}

function fmtZ(v: number | undefined): string {
  if (v === undefined) return "…";
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

/**
 * Values of view-only fields at the open row, read from the dataset worker (which holds the columns) when the
 * fields are attached; null before that. Read again when the margins change.
 */
function useRowFields(row: number, fields: FieldKey[]): number[] | null {
  const attached = useWorkbench((s) => s.summary?.attachedColumns);
  const marginsVersion = useWorkbench((s) => s.versions.margins);
  const have = fields.every((f) => attached?.includes(f.replace(/^column:/, "")));
  const key = `${row}|${marginsVersion}|${fields.join(",")}`;
  const [values, setValues] = useState<{ key: string; values: number[] } | null>(null);
  useEffect(() => {
    if (!have) return;
    let live = true;
    datasetClient()
      .call("fieldValues", { row, fields })
      .then(
        (v) => live && setValues({ key, values: v }),
        () => live && setValues(null),
      );
    return () => {
      live = false;
    };
    // `key` stands for row, fields and the margins version.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [have, key]);
  return have && values?.key === key ? values.values : null;
}

const TOKEN_FIELDS: FieldKey[] = ["column:chosen_tokens", "column:rejected_tokens"];
const TRUNCATION_FIELDS: FieldKey[] = ["column:truncated"];

/** Token counts of the open row, when a scoring run attached them (view-only fields `chosen_tokens`, `rejected_tokens`). */
function useTokenCounts(row: number): { chosen: number; rejected: number } | null {
  const v = useRowFields(row, TOKEN_FIELDS);
  return v ? { chosen: v[0], rejected: v[1] } : null;
}

/**
 * The open row's truncation code, when a scoring run attached it (view-only field `truncated`); undefined before
 * that. NaN (rows stored by a version that did not record it) is shown as unknown.
 */
function useTruncation(row: number): number | undefined {
  const v = useRowFields(row, TRUNCATION_FIELDS);
  return v ? v[0] : undefined;
}

/**
 * Every number of the row: margins and their z-scores, M_AP and its rank, the metric's score (all from the dataset
 * worker, `numbers`; "…" until they come), token counts and what was truncated.
 */
function PairNumbers({ row, numbers }: { row: number; numbers: RowNumbers | undefined }) {
  const metric = useWorkbench((s) => currentSpec(s).ranking.metric);
  const tokens = useTokenCounts(row);
  const truncation = useTruncation(row);
  const n = numbers;
  return (
    <dl className="pair-numbers" data-testid="pair-numbers">
      <dt>explicit margin</dt>
      <dd>{fmt(n?.explicit)}</dd>
      <dt title="z-score of the explicit margin over the rows that have one (population std)">z(m_ex)</dt>
      <dd>{fmtZ(n?.z?.explicit)}</dd>
      <dt>implicit margin</dt>
      <dd>{fmt(n?.implicit)}</dd>
      <dt title="z-score of |implicit margin| over the rows that have one (population std)">z(|m_im|)</dt>
      <dd>{fmtZ(n?.z?.absImplicit)}</dd>
      <dt>M_AP</dt>
      <dd>{fmt(n?.mAp)}</dd>
      <dt>M_AP rank</dt>
      <dd>{n === undefined ? "…" : Number.isNaN(n.mApRank) ? "—" : n.mApRank}</dd>
      <dt>score ({metricLabel(metric)})</dt>
      <dd>{fmt(n?.score)}</dd>
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
  const versions = useWorkbench((s) => s.versions);
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

  // The row's numbers follow new margins (remap, scoring), a new ranking and every selection change.
  const rowNumbers = useRowNumbers(versions, { withZ: true });
  const requestNumbers = rowNumbers.request;
  useEffect(() => {
    if (row !== null) requestNumbers([row]);
  }, [row, requestNumbers]);

  const shown = view && view.row === row ? view : null;
  const diff = useMemo(
    () => (showDiff && shown ? wordDiff(joined(shown.pair.chosen), joined(shown.pair.rejected)) : null),
    [showDiff, shown],
  );

  if (row === null)
    return <aside className="inspector empty-state">Click a point or a table row to read the pair.</aside>;
  const numbers = rowNumbers.get(row);
  const textView: TextView = {
    search: search && { query: search.query, regex: search.regex, caseSensitive: search.caseSensitive },
    raw,
  };
  const turns = shown?.pair.prompt.length ?? 0;
  return (
    <aside className="inspector" aria-label={`Pair ${row}`}>
      <header>
        <h2>Pair {row}</h2>
        <span className={numbers?.selected ? "badge selected" : "badge"}>
          {numbers === undefined ? "…" : numbers.selected ? "selected" : "not selected"}
        </span>
        <PairNumbers row={row} numbers={numbers} />
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
