"use client";
import { Bar, BarChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useWorkbench } from "@/components/workbench-store";
import type { ColumnHistogram } from "@/lib/workbench/protocol";

interface HistogramProps {
  title: string;
  histogram: ColumnHistogram;
  /** Threshold positions drawn as vertical lines. */
  lines: { x: number; label: string }[];
}

function formatTick(v: number): string {
  return Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : v.toPrecision(3);
}

function Histogram({ title, histogram, lines }: HistogramProps) {
  const data = Array.from(histogram.all, (count, i) => ({
    x: (histogram.edges[i] + histogram.edges[i + 1]) / 2,
    others: count - histogram.selected[i],
    selected: histogram.selected[i],
  }));
  const lo = histogram.edges[0];
  const hi = histogram.edges[histogram.edges.length - 1];
  return (
    <figure className="histogram" aria-label={`Histogram of ${title}`}>
      <figcaption>
        {title}
        {histogram.missing > 0 && <span className="missing"> · {histogram.missing} missing</span>}
      </figcaption>
      <ResponsiveContainer width="100%" height={150}>
        <BarChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }} barCategoryGap={0}>
          <CartesianGrid strokeDasharray="2 4" vertical={false} />
          <XAxis dataKey="x" type="number" domain={[lo, hi]} tickFormatter={formatTick} fontSize={10} />
          <YAxis width={36} fontSize={10} allowDecimals={false} />
          <Tooltip
            formatter={(v, name) => [v as number, name === "selected" ? "selected" : "not selected"]}
            labelFormatter={(x) => `≈ ${formatTick(Number(x))}`}
            isAnimationActive={false}
          />
          <Bar dataKey="selected" stackId="a" fill="#f59e0b" isAnimationActive={false} />
          <Bar dataKey="others" stackId="a" fill="#64748b" isAnimationActive={false} />
          {lines.map((l) => (
            <ReferenceLine
              key={l.label}
              x={l.x}
              stroke="#dc2626"
              strokeDasharray="4 2"
              label={{ value: l.label, fontSize: 10, fill: "#dc2626" }}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** Histograms of M_AP, explicit and implicit margins: selected (amber) stacked on the rest, thresholds drawn. */
export default function MarginHistograms() {
  const histograms = useWorkbench((s) => s.histograms);
  const settings = useWorkbench((s) => s.settings);
  if (!histograms) return null;
  const floor = settings.explicitFloor;
  const ceiling = settings.implicitCeiling;
  return (
    <div className="histograms">
      <Histogram title={`M_AP (w = ${settings.weight})`} histogram={histograms.mAp} lines={[]} />
      <Histogram
        title="Explicit margin"
        histogram={histograms.explicit}
        lines={floor === undefined ? [] : [{ x: floor, label: "floor" }]}
      />
      <Histogram
        title="Implicit margin"
        histogram={histograms.implicit}
        lines={
          ceiling === undefined
            ? []
            : [
                { x: -ceiling, label: "−ceil" },
                { x: ceiling, label: "ceil" },
              ]
        }
      />
    </div>
  );
}
