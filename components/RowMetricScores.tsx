"use client";
import { useEffect, useState } from "react";
import { useWorkbench } from "@/components/workbench-store";
import { datasetClient } from "@/lib/dataset-client";
import { metricLabel } from "@/lib/selection/ranking";
import type { Metric } from "@/lib/metrics/select";

type RowScore = { metric: Metric; score: number; unavailable: string | null };

function fmt(v: number): string {
  if (Number.isNaN(v)) return "not scored";
  if (v === Infinity) return "+∞ (ranked first)";
  if (v === -Infinity) return "−∞ (ranked last)";
  return v.toPrecision(6);
}

/** The open row's score under every metric (M_AP, the baselines, BeeS, the DPO reward gap), higher = kept first. */
export default function RowMetricScores({ row }: { row: number }) {
  const scoresVersion = useWorkbench((s) => s.versions.scores);
  const [scores, setScores] = useState<RowScore[] | null>(null);
  useEffect(() => {
    let live = true;
    datasetClient()
      .call("rowMetrics", { row })
      .then((r) => live && setScores(r))
      .catch(() => live && setScores(null));
    return () => {
      live = false;
    };
  }, [row, scoresVersion]);
  if (!scores) return null;
  return (
    <details className="row-metrics" data-testid="row-metric-scores">
      <summary>Scores under every metric</summary>
      <dl>
        {scores.map((s) => (
          <div key={s.metric} title={s.unavailable ?? undefined}>
            <dt>{metricLabel(s.metric)}</dt>
            <dd>{s.unavailable ? "— (needs log-prob columns)" : fmt(s.score)}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}
