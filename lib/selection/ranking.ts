/**
 * The ranking clause's scores: the paper's metrics from the two margin columns, the rival published rules from the
 * summed log-prob columns. One place decides which metric can run on what the dataset holds.
 */
import type { MarginColumns } from "@/lib/dataset/types";
import { computeScores, type Metric, type Scores } from "@/lib/metrics/select";
import { beesScores, difficultyScores, type LogprobColumns } from "@/lib/metrics/rivals";
import type { Ranking } from "./spec";

/** Every metric the ranking offers, with its UI label (also the CLI's `--metric` names). */
export const METRIC_OPTIONS: { value: Metric; label: string }[] = [
  { value: "map", label: "Alignment potential (M_AP)" },
  { value: "explicit", label: "Explicit margin" },
  { value: "implicit", label: "Implicit margin" },
  { value: "random", label: "Random" },
  { value: "bees", label: "BeeS (Deng et al. 2025)" },
  { value: "bees-add", label: "BeeS additive (Deng et al. 2025)" },
  { value: "difficulty", label: "DPO reward gap (Qi et al. 2025)" },
];

/** Label of a metric. */
export function metricLabel(metric: Metric): string {
  return METRIC_OPTIONS.find((m) => m.value === metric)?.label ?? metric;
}

/** Why a metric cannot rank this dataset (null = it can). */
export function metricUnavailable(metric: Metric, hasLogprobs: boolean): string | null {
  if ((metric === "bees" || metric === "bees-add" || metric === "difficulty") && !hasLogprobs)
    return (
      "needs summed log-prob columns of the policy and the reference (chosen_logps, rejected_logps, " +
      "ref_chosen_logps, ref_rejected_logps): map a DPO implicit margin, or score with a reference model"
    );
  return null;
}

/** A key that changes exactly when the ranking's scores change (not with ratio / top-k). */
export function scoreKey(r: Ranking): string {
  switch (r.metric) {
    case "map":
      return `map|${r.weight}`;
    case "random":
      return `random|${r.seed}`;
    case "difficulty":
      return `difficulty|${r.beta}`;
    case "bees":
      return `bees|${r.beesNan}`;
    default:
      return r.metric;
  }
}

/** Notes a metric adds to the status (BeeS's 0/0 pairs and missing-as-zero rows, say). */
export interface RankingNotes {
  zeroOverZero?: number;
  missingToZero?: number;
  implicitBound?: number;
  explicitBound?: number;
}

/**
 * Scores of `ranking` (higher = better; NaN = not scored). Throws a RangeError when the metric is unavailable
 * (see {@link metricUnavailable}).
 */
export function rankingScores(
  ranking: Ranking,
  cols: MarginColumns,
  logps: LogprobColumns | null,
): { scores: Scores; notes: RankingNotes } {
  const { metric } = ranking;
  if (metric === "map" || metric === "explicit" || metric === "implicit" || metric === "random")
    return { scores: computeScores(cols, { metric, weight: ranking.weight, seed: ranking.seed }), notes: {} };
  const why = metricUnavailable(metric, logps !== null);
  if (why || !logps) throw new RangeError(`${metricLabel(metric)}: ${why}`);
  const n = cols.explicit.length;
  let missingExplicit = 0;
  let missingImplicit = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(cols.explicit[i])) missingExplicit++;
    if (!Number.isFinite(cols.implicit[i])) missingImplicit++;
  }
  if (metric === "difficulty") {
    const score = difficultyScores(logps, ranking.beta);
    return { scores: { score, valid: n, missingExplicit, missingImplicit }, notes: {} };
  }
  const b = beesScores(cols.explicit, logps, {
    variant: metric === "bees" ? "mul" : "add",
    nanRule: ranking.beesNan,
  });
  return {
    scores: { score: b.score, valid: n, missingExplicit, missingImplicit },
    notes: {
      zeroOverZero: b.zeroOverZero,
      missingToZero: b.missingToZero,
      implicitBound: b.implicitBound,
      explicitBound: b.explicitBound,
    },
  };
}
