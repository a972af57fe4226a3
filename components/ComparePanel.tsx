"use client";
import { useId, useMemo, useRef, useState } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useWorkbench } from "@/components/workbench-store";
import { metricLabel } from "@/lib/selection/ranking";
import type { Metric } from "@/lib/metrics/select";
import type { OrderFilter } from "@/lib/workbench/protocol";
import type { CompareReply, MetricPick } from "@/lib/workbench/types";

/**
 * One colour per metric, fixed so a metric keeps its colour whichever others are available. Okabe–Ito hues
 * (colour-blind safe) with the app's amber accent for M_AP, the paper's own metric.
 */
const METRIC_COLORS: Record<Metric, string> = {
  map: "#f59e0b",
  explicit: "#56b4e9",
  implicit: "#009e73",
  random: "#94a3b8",
  bees: "#cc79a7",
  "bees-add": "#d55e00",
  difficulty: "#f0e442",
};

const CHART_HEIGHT = 200;

function fmt4(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(4) : "—";
}

/** The split as an input's text: enough digits to round-trip a median, without float noise. */
function inputText(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(8))) : "";
}

/** A NaN split (no row has both margins) is sent as "unset", so the worker falls back to its median. */
function finiteOr(v: number): number | undefined {
  return Number.isFinite(v) ? v : undefined;
}

function quadrantHeaders(split: CompareReply["split"]): string[] {
  const x = fmt4(split.explicit);
  const y = fmt4(split.absImplicit);
  return [
    `m_ex ≥ ${x} · |m_im| ≤ ${y}`,
    `m_ex ≥ ${x} · |m_im| > ${y}`,
    `m_ex < ${x} · |m_im| ≤ ${y}`,
    `m_ex < ${x} · |m_im| > ${y}`,
  ];
}

function isCompareFilter(filter: OrderFilter): filter is { compare: [Metric, Metric] } {
  return typeof filter === "object";
}

function filterText(filter: OrderFilter, compare: CompareReply): string {
  if (filter === "all") return "Pairs table: all rows (pick a cell to list the rows two metrics both select).";
  if (filter === "selected") return "Pairs table: the current selection.";
  const [a, b] = filter.compare;
  const i = compare.picks.findIndex((p) => p.metric === a);
  const j = compare.picks.findIndex((p) => p.metric === b);
  const count = i >= 0 && j >= 0 ? compare.overlap[i][j] : 0;
  return a === b
    ? `Pairs table: the ${count} rows ${metricLabel(a)} selects.`
    : `Pairs table: the ${count} rows both ${metricLabel(a)} and ${metricLabel(b)} select.`;
}

interface SplitInputProps {
  label: string;
  value: number;
  onCommit(value: number): void;
}

/** Uncontrolled on purpose: its parent re-keys it by the reply's split, so a new reply refills it. */
function SplitInput({ label, value, onCommit }: SplitInputProps) {
  const id = useId();
  const initial = inputText(value);
  // Enter then blur would otherwise send the same split twice.
  const committed = useRef(initial);
  const commit = (input: HTMLInputElement) => {
    const text = input.value.trim();
    if (text === committed.current) return;
    const next = Number(text);
    if (text === "" || !Number.isFinite(next)) {
      input.value = committed.current;
      return;
    }
    committed.current = text;
    onCommit(next);
  };
  return (
    <span className="compare-split-field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        step="any"
        defaultValue={initial}
        onBlur={(e) => commit(e.currentTarget)}
        onKeyDown={(e) => {
          if (e.key === "Enter") commit(e.currentTarget);
        }}
      />
    </span>
  );
}

interface OverlapMatrixProps {
  compare: CompareReply;
  filter: OrderFilter;
  onPick(a: Metric, b: Metric): void;
}

function OverlapMatrix({ compare, filter, onPick }: OverlapMatrixProps) {
  const { picks, overlap, jaccard } = compare;
  const pressed = isCompareFilter(filter) ? filter.compare : null;
  return (
    <div className="compare-scroll">
      <table aria-label="Metric overlap">
        <thead>
          <tr>
            <td />
            {picks.map((p) => (
              <th key={p.metric} scope="col" title={p.unavailable ?? undefined}>
                {metricLabel(p.metric)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {picks.map((pa, i) => (
            <tr key={pa.metric}>
              <th scope="row" title={pa.unavailable ?? undefined}>
                {metricLabel(pa.metric)}
              </th>
              {picks.map((pb, j) => {
                const why = pa.unavailable ?? pb.unavailable;
                if (why)
                  return (
                    <td key={pb.metric} className="is-unavailable" title={why}>
                      —
                    </td>
                  );
                const count = overlap[i][j];
                const jac = jaccard[i][j];
                const isPressed = pressed !== null && pressed[0] === pa.metric && pressed[1] === pb.metric;
                return (
                  <td key={pb.metric}>
                    <button
                      type="button"
                      aria-pressed={isPressed}
                      aria-label={`Overlap of ${metricLabel(pa.metric)} and ${metricLabel(pb.metric)}: ${count} rows`}
                      // Heat by Jaccard so the matrix reads at a glance; the text carries the exact numbers.
                      style={{
                        background: `rgba(245, 158, 11, ${Number.isFinite(jac) ? (0.06 + 0.34 * jac).toFixed(3) : 0})`,
                      }}
                      onClick={() => onPick(pa.metric, pb.metric)}
                    >
                      {count} · J {Number.isFinite(jac) ? jac.toFixed(2) : "—"}
                    </button>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function QuadrantTable({ compare, available }: { compare: CompareReply; available: MetricPick[] }) {
  const headers = quadrantHeaders(compare.split);
  return (
    <div className="compare-scroll">
      <table aria-label="Quadrants">
        <thead>
          <tr>
            <td />
            {headers.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">all rows</th>
            {compare.quadrantTotals.map((n, q) => (
              <td key={q}>{n}</td>
            ))}
          </tr>
          {available.map((p) => (
            <tr key={p.metric}>
              <th scope="row">{metricLabel(p.metric)}</th>
              {p.quadrants.map((n, q) => (
                <td key={q}>{n}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

type CurvePoint = { ratio: number } & Partial<Record<Metric, number | null>>;

function curveData(compare: CompareReply, available: MetricPick[], field: "meanExplicit" | "meanAbsImplicit") {
  return compare.ratios.map((ratio, i) => {
    const point: CurvePoint = { ratio };
    // NaN (an empty selection at that ratio) becomes a gap in the line rather than a point at 0.
    for (const p of available) point[p.metric] = Number.isFinite(p[field][i]) ? p[field][i] : null;
    return point;
  });
}

function CurveChart({ title, data, available }: { title: string; data: CurvePoint[]; available: MetricPick[] }) {
  return (
    <figure aria-label={title}>
      <figcaption>{title}</figcaption>
      <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
        <LineChart data={data} margin={{ top: 6, right: 12, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="#1b2640" />
          <XAxis
            dataKey="ratio"
            type="number"
            domain={["dataMin", "dataMax"]}
            stroke="#94a3b8"
            tickFormatter={(r: number) => r.toFixed(2)}
          />
          <YAxis stroke="#94a3b8" width={52} tickFormatter={(v: number) => fmt4(v)} domain={["auto", "auto"]} />
          <Tooltip
            contentStyle={{ background: "#0b1222", border: "1px solid #24324f", color: "#e2e8f0" }}
            labelFormatter={(r) => `ratio ${typeof r === "number" ? r.toFixed(2) : String(r)}`}
            formatter={(v) => (typeof v === "number" ? fmt4(v) : String(v))}
          />
          <Legend wrapperStyle={{ fontSize: "0.75rem" }} />
          {available.map((p) => (
            <Line
              key={p.metric}
              type="monotone"
              dataKey={p.metric}
              name={metricLabel(p.metric)}
              stroke={METRIC_COLORS[p.metric]}
              dot={false}
              strokeWidth={p.metric === "map" ? 2 : 1.5}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

const EXPLICIT_TITLE = "Mean explicit margin of the selection vs ratio";
const IMPLICIT_TITLE = "Mean |implicit margin| of the selection vs ratio";

/**
 * "Compare metrics": every ranking metric's selection at the current k (same gates and decisions) — their overlap
 * matrix (a cell lists its shared rows in the pairs table), the margin quadrants each keeps, and mean-margin curves.
 */
export default function ComparePanel() {
  const compare = useWorkbench((s) => s.compare);
  const status = useWorkbench((s) => s.status);
  const filter = useWorkbench((s) => s.sort.filter);
  const runCompare = useWorkbench((s) => s.runCompare);
  const closeCompare = useWorkbench((s) => s.closeCompare);
  const setSort = useWorkbench((s) => s.setSort);
  const [busy, setBusy] = useState(false);

  const run = async (split?: { explicit?: number; absImplicit?: number }) => {
    setBusy(true);
    try {
      await runCompare(split);
    } finally {
      setBusy(false);
    }
  };

  const available = useMemo(() => compare?.picks.filter((p) => p.unavailable === null) ?? [], [compare]);
  const unavailable = useMemo(() => compare?.picks.filter((p) => p.unavailable !== null) ?? [], [compare]);
  const explicitCurve = useMemo(
    () => (compare ? curveData(compare, available, "meanExplicit") : []),
    [compare, available],
  );
  const implicitCurve = useMemo(
    () => (compare ? curveData(compare, available, "meanAbsImplicit") : []),
    [compare, available],
  );

  return (
    <section className="compare" aria-label="Compare metrics" aria-busy={busy}>
      <header>
        <h2>Compare metrics</h2>
        {compare ? (
          <button type="button" onClick={closeCompare}>
            Close comparison
          </button>
        ) : (
          <button type="button" disabled={status !== "ready" || busy} onClick={() => void run()}>
            Compare metrics
          </button>
        )}
      </header>
      {compare && (
        <>
          <p className="hint">k = {compare.k} rows per metric (same gates and decisions)</p>

          <OverlapMatrix
            compare={compare}
            filter={filter}
            onPick={(a, b) => void setSort({ filter: { compare: [a, b] } })}
          />
          {unavailable.length > 0 && (
            <ul className="notes" aria-label="Unavailable metrics">
              {unavailable.map((p) => (
                <li key={p.metric}>
                  {metricLabel(p.metric)}: {p.unavailable}
                </li>
              ))}
            </ul>
          )}
          <p className="compare-filter">
            <span aria-live="polite">{filterText(filter, compare)}</span>
            <button type="button" disabled={filter === "all"} onClick={() => void setSort({ filter: "all" })}>
              Show all rows
            </button>
          </p>

          <QuadrantTable compare={compare} available={available} />
          <div className="compare-split">
            <SplitInput
              key={`x|${compare.split.explicit}`}
              label="Quadrant split: explicit margin"
              value={compare.split.explicit}
              onCommit={(explicit) => void run({ explicit, absImplicit: finiteOr(compare.split.absImplicit) })}
            />
            <SplitInput
              key={`y|${compare.split.absImplicit}`}
              label="Quadrant split: |implicit margin|"
              value={compare.split.absImplicit}
              onCommit={(absImplicit) => void run({ explicit: finiteOr(compare.split.explicit), absImplicit })}
            />
            <button type="button" disabled={busy} onClick={() => void run()}>
              Split at medians
            </button>
          </div>

          <div className="compare-curves">
            <CurveChart title={EXPLICIT_TITLE} data={explicitCurve} available={available} />
            <CurveChart title={IMPLICIT_TITLE} data={implicitCurve} available={available} />
          </div>
        </>
      )}
    </section>
  );
}
