/**
 * The ranking clause's scores: the paper's metrics from the two margin columns, the rival published rules from the
 * summed log-prob columns. One place decides which metric can run on what the dataset holds.
 */
import type { MarginColumns } from "@/lib/dataset/types";
import { computeScores, type Metric, type ScoreCache, type Scores } from "@/lib/metrics/select";
import { moments } from "@/lib/metrics/stats";
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
  /**
   * Margins whose population std over the rows the metric z-scores is 0: their z-score is undefined (numpy gives
   * NaN) and this tool uses z = 0, so M_AP ranks by the other term alone (see {@link describeZeroVariance}).
   */
  zeroVariance?: ("explicit" | "implicit")[];
  zeroOverZero?: number;
  missingToZero?: number;
  implicitBound?: number;
  explicitBound?: number;
}

/**
 * Scores of `ranking` (higher = better; NaN = not scored), with `nonNaN`, the count of non-NaN scores, where it was
 * counted on the way (it saves the ranking that pass). Throws a RangeError when the metric is unavailable
 * (see {@link metricUnavailable}). A {@link ScoreCache} of the same columns makes a w change one pass over the rows.
 */
export function rankingScores(
  ranking: Ranking,
  cols: MarginColumns,
  logps: LogprobColumns | null,
  cache?: ScoreCache,
): { scores: Scores; notes: RankingNotes; nonNaN?: number } {
  const { metric } = ranking;
  if (metric === "map" || metric === "explicit" || metric === "implicit" || metric === "random") {
    const scores = computeScores(cols, { metric, weight: ranking.weight, seed: ranking.seed }, cache);
    let zeroVariance: ("explicit" | "implicit")[];
    if (metric === "random") zeroVariance = [];
    else if (metric === "map" && cache) {
      // The cached terms carry the stds zeroVarianceMargins would recompute (same rows, same sums).
      const t = cache.mapTerms(cols);
      zeroVariance = [];
      if (t.stdExplicit === 0) zeroVariance.push("explicit");
      if (t.stdAbsImplicit === 0) zeroVariance.push("implicit");
    } else if (scores.std !== undefined) {
      // The z-scores' own std over the same rows (zScoresCounted): what zeroVarianceMargins would compute again.
      zeroVariance = scores.std === 0 ? [metric as "explicit" | "implicit"] : [];
    } else zeroVariance = zeroVarianceMargins(cols, metric);
    // computeScores' `valid` is the count of non-NaN scores (the rival rules' below counts every row).
    return { scores, notes: zeroVariance.length ? { zeroVariance } : {}, nonNaN: scores.valid };
  }
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

/** The margins a metric z-scores whose std is 0 over the rows it uses (M_AP: rows with both margins). */
export function zeroVarianceMargins(
  cols: MarginColumns,
  metric: "map" | "explicit" | "implicit",
): ("explicit" | "implicit")[] {
  const n = cols.explicit.length;
  const counted = (i: number) =>
    metric === "map"
      ? Number.isFinite(cols.explicit[i]) && Number.isFinite(cols.implicit[i])
      : Number.isFinite(metric === "explicit" ? cols.explicit[i] : cols.implicit[i]);
  // One pass first: the count and each term's range. A range that is not tiny proves a std > 0 (below), so the
  // copies and the moments, which would give the same answer, are only made for a (near-)constant term.
  let count = 0;
  let exLo = Infinity;
  let exHi = -Infinity;
  let imLo = Infinity;
  let imHi = -Infinity;
  for (let i = 0; i < n; i++)
    if (counted(i)) {
      count++;
      const e = cols.explicit[i];
      const m = Math.abs(cols.implicit[i]);
      if (e < exLo) exLo = e;
      if (e > exHi) exHi = e;
      if (m < imLo) imLo = m;
      if (m > imHi) imHi = m;
    }
  if (count === 0) return [];
  const wantEx = metric !== "implicit" && !surelyVaries(exLo, exHi);
  const wantIm = metric !== "explicit" && !surelyVaries(imLo, imHi);
  if (!wantEx && !wantIm) return [];
  const ex = new Float64Array(wantEx ? count : 0);
  const im = new Float64Array(wantIm ? count : 0);
  for (let i = 0, j = 0; i < n; i++)
    if (counted(i)) {
      if (wantEx) ex[j] = cols.explicit[i];
      if (wantIm) im[j] = Math.abs(cols.implicit[i]);
      j++;
    }
  const out: ("explicit" | "implicit")[] = [];
  if (wantEx && moments(ex).std === 0) out.push("explicit");
  if (wantIm && moments(im).std === 0) out.push("implicit");
  return out;
}

/**
 * Whether finite values spanning [lo, hi] have a population std above 0 in float64 whatever their layout: the
 * computed mean lies within [lo, hi] up to a relative error far below 10^-12 (pairwise sums), so some value is at
 * least ≈ (hi − lo) / 2 from it, and the square of that (a normal number past 10^-150) keeps the sum of squares,
 * a sum of non-negative terms, above 0. A smaller range says nothing: the exact computation decides.
 */
function surelyVaries(lo: number, hi: number): boolean {
  const span = hi - lo;
  return Number.isFinite(span) && span > 1e-150 && span > 1e-12 * Math.max(Math.abs(lo), Math.abs(hi));
}

/** The sentence the counts line and the CLI print for zero-variance margins (null when there are none). */
export function describeZeroVariance(metric: Metric, margins: ("explicit" | "implicit")[] | undefined): string | null {
  if (!margins || margins.length === 0) return null;
  const names = margins.map((m) => (m === "explicit" ? "z(m_ex)" : "z(|m_im|)")).join(" and ");
  const what =
    metric !== "map"
      ? "every scored row ties; ties keep the higher row index"
      : margins.length === 2
        ? "M_AP is 0 for every row; ties keep the higher row index"
        : margins[0] === "explicit"
          ? "M_AP ranks by −w·z(|m_im|) alone"
          : "M_AP ranks by z(m_ex) alone";
  return `${names} undefined (zero variance): taken as 0, so ${what}`;
}
