"use client";
import { useState } from "react";
import { useWorkbench, currentSpec, onSelectSent } from "@/components/workbench-store";
import MarginScatter from "@/components/MarginScatter";
import { fieldLabel, type FieldKey, type LassoGate, type RectGate } from "@/lib/selection/spec";
import { metricLabel } from "@/lib/selection/ranking";
import { scatterFieldVersion } from "@/lib/workbench/versions";

/** Axis choices of a scatter (file and scoring columns are added from the summary). */
const BASE_FIELDS: FieldKey[] = [
  "explicit",
  "implicit",
  "absImplicit",
  "mAp",
  "zExplicit",
  "zAbsImplicit",
  "score",
  "promptChars",
  "chosenChars",
  "rejectedChars",
];

/** The "Three views" layout: explicit × implicit, explicit × M_AP, |implicit| × M_AP. */
const THREE_VIEWS: [FieldKey, FieldKey][] = [
  ["explicit", "implicit"],
  ["explicit", "mAp"],
  ["absImplicit", "mAp"],
];

function ScatterView({
  xField,
  yField,
  index,
  domains,
  setDomains,
  linkedRow,
  setLinkedRow,
  quadrants,
}: {
  quadrants: boolean;
  xField: FieldKey;
  yField: FieldKey;
  index: number;
  domains: Record<string, [number, number]>;
  setDomains(patch: Record<string, [number, number] | null>): void;
  linkedRow: number | null;
  setLinkedRow(row: number | null): void;
}) {
  const rows = useWorkbench((s) => s.summary?.rowCount ?? 0);
  const maskVersion = useWorkbench((s) => s.versions.mask);
  const marginsVersion = useWorkbench((s) => s.versions.margins);
  const scoresVersion = useWorkbench((s) => s.versions.scores);
  const openRow = useWorkbench((s) => s.openRow);
  const spec = useWorkbench((s) => currentSpec(s));
  const setRegion = useWorkbench((s) => s.setRegion);
  const compare = useWorkbench((s) => s.compare);
  const runCompare = useWorkbench((s) => s.runCompare);
  const showSplit = quadrants && xField === "explicit" && (yField === "absImplicit" || yField === "implicit");
  const pick = compare?.picks.find((p) => p.metric === spec.ranking.metric);
  const split =
    showSplit && compare
      ? {
          x: Number.isFinite(compare.split.explicit) ? compare.split.explicit : null,
          y: Number.isFinite(compare.split.absImplicit) ? compare.split.absImplicit : null,
          mirrorY: yField === "implicit",
          labels: compare.quadrantTotals.map((n, q) => ({
            corner: q,
            text: `${n} rows${pick ? ` · ${pick.quadrants[q]} kept by ${metricLabel(pick.metric)}` : ""}`,
          })),
        }
      : null;
  const source = `scatter:${index}`;
  const region =
    (spec.gates.find((g) => (g.kind === "rect" || g.kind === "lasso") && g.source === source) as
      RectGate | LassoGate | undefined) ?? null;
  return (
    <MarginScatter
      // The renderer reads the axes, the M_AP colour and the mask from the dataset worker, not from this page.
      linked={{
        rows,
        color: "mAp",
        fieldVersion: (f) => scatterFieldVersion(f, marginsVersion, scoresVersion),
        onSelectSent,
      }}
      dataVersion={marginsVersion * 1000 + scoresVersion}
      maskVersion={maskVersion}
      xLabel={fieldLabel(xField)}
      yLabel={fieldLabel(yField)}
      source={source}
      xField={xField}
      yField={yField}
      region={region}
      onRegion={(r) => setRegion(source, r)}
      xDomain={domains[xField] ?? null}
      yDomain={domains[yField] ?? null}
      onDomains={(dx, dy) => setDomains({ [xField]: dx, [yField]: dy })}
      linkedRow={linkedRow}
      onHover={setLinkedRow}
      onSelectRow={openRow}
      height={index === -1 ? 420 : 320}
      split={split}
      onSplit={(sx, sy) => void runCompare({ explicit: sx ?? undefined, absImplicit: sy ?? undefined })}
    />
  );
}

/**
 * The scatter views: one scatter with axes of the user's choice, or the linked "Three views" layout (hover rings
 * the row in the others; zooming an axis zooms every view that shows that field).
 */
export default function ScatterPanel() {
  const summary = useWorkbench((s) => s.summary);
  const rowsVersion = useWorkbench((s) => s.versions.rows);
  const [layout, setLayout] = useState<"single" | "three">("single");
  const [axes, setAxes] = useState<[FieldKey, FieldKey]>(["explicit", "implicit"]);
  const [domains, setDomainsState] = useState<Record<string, [number, number]>>({});
  const [linkedRow, setLinkedRow] = useState<number | null>(null);
  const [quadrants, setQuadrants] = useState(false);
  const compareOpen = useWorkbench((s) => s.compare !== null);
  const runCompare = useWorkbench((s) => s.runCompare);
  // A new file or mapping: the zoom of the old data means nothing.
  const [seenRows, setSeenRows] = useState(rowsVersion);
  if (seenRows !== rowsVersion) {
    setSeenRows(rowsVersion);
    setDomainsState({});
  }
  const setDomains = (patch: Record<string, [number, number] | null>) =>
    setDomainsState((d) => {
      const next = { ...d };
      for (const [k, v] of Object.entries(patch)) {
        if (v) next[k] = v;
        else delete next[k];
      }
      return next;
    });
  const fields: FieldKey[] = [
    ...BASE_FIELDS,
    ...(summary?.attachedColumns ?? []).map((c) => `column:${c}` as FieldKey),
    ...(summary?.fields.numeric ?? []).map((c) => `column:${c}` as FieldKey),
  ].filter((f, i, all) => all.indexOf(f) === i);
  const axisSelect = (which: 0 | 1, name: string) => (
    <label>
      {name}
      <select
        aria-label={name}
        value={axes[which]}
        onChange={(e) =>
          setAxes((a) => (which === 0 ? [e.target.value as FieldKey, a[1]] : [a[0], e.target.value as FieldKey]))
        }
      >
        {fields.map((f) => (
          <option key={f} value={f}>
            {fieldLabel(f)}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <section className="scatter-panel" aria-label="Scatter views">
      <div className="scatter-controls">
        <label>
          Layout
          <select
            aria-label="Scatter layout"
            value={layout}
            onChange={(e) => setLayout(e.target.value as "single" | "three")}
          >
            <option value="single">One view</option>
            <option value="three">Three views</option>
          </select>
        </label>
        <label title="Large / small explicit margin × large / small |implicit margin|; drag the lines to move the split">
          <input
            type="checkbox"
            aria-label="Show quadrants"
            checked={quadrants}
            onChange={(e) => {
              setQuadrants(e.target.checked);
              if (e.target.checked && !compareOpen) void runCompare();
            }}
          />
          Quadrants
        </label>
        {layout === "single" && (
          <>
            {axisSelect(0, "X axis")}
            {axisSelect(1, "Y axis")}
          </>
        )}
      </div>
      {layout === "single" ? (
        <ScatterView
          xField={axes[0]}
          yField={axes[1]}
          index={-1}
          domains={domains}
          setDomains={setDomains}
          linkedRow={null}
          setLinkedRow={() => {}}
          quadrants={quadrants}
        />
      ) : (
        <div className="three-views">
          {THREE_VIEWS.map(([xf, yf], i) => (
            <ScatterView
              key={i}
              xField={xf}
              yField={yf}
              index={i}
              domains={domains}
              setDomains={setDomains}
              linkedRow={linkedRow}
              setLinkedRow={setLinkedRow}
              quadrants={quadrants}
            />
          ))}
        </div>
      )}
    </section>
  );
}
