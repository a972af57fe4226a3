/** The flat settings of the CLI flags and of recipe version 1, and their translation to a {@link SelectionSpec}. */
import type { Metric } from "@/lib/metrics/select";
import { DEFAULT_RANKING, histogramSource, type BeesNanRule, type SelectionSpec } from "./spec";

/** Ranking and the two classic hand thresholds, as flags. */
export interface SelectionSettings {
  metric: Metric;
  weight: number;
  seed: number;
  ratio: number;
  topK?: number;
  beta?: number;
  beesNan?: BeesNanRule;
  /** Only rows with m_ex ≥ floor are candidates. */
  explicitFloor?: number;
  /** Only rows with m_ex ≤ ceiling are candidates. */
  explicitCeiling?: number;
  /** Only rows with |m_im| ≤ ceiling are candidates. */
  implicitCeiling?: number;
}

/** The paper's released selection as flat settings. */
export const DEFAULT_SETTINGS: SelectionSettings = {
  metric: DEFAULT_RANKING.metric,
  weight: DEFAULT_RANKING.weight,
  seed: DEFAULT_RANKING.seed,
  ratio: DEFAULT_RANKING.ratio,
};

/**
 * The spec of flat settings: the ranking, an interval gate on the explicit histogram for the explicit floor /
 * ceiling, one on the |implicit| histogram for the implicit ceiling; no decisions.
 */
export function specFromSettings(s: SelectionSettings): SelectionSpec {
  const spec: SelectionSpec = {
    ranking: {
      metric: s.metric,
      weight: s.weight,
      seed: s.seed,
      ratio: s.ratio,
      beta: s.beta ?? DEFAULT_RANKING.beta,
      beesNan: s.beesNan ?? DEFAULT_RANKING.beesNan,
      ...(s.topK !== undefined ? { topK: s.topK } : {}),
    },
    gates: [],
    decisions: { keep: [], drop: [] },
  };
  const finite = (v: number | undefined) => (v !== undefined && !Number.isNaN(v) ? v : null);
  const floor = finite(s.explicitFloor);
  const ceiling = finite(s.explicitCeiling);
  if (floor !== null || ceiling !== null)
    spec.gates.push({
      kind: "interval",
      source: histogramSource("explicit"),
      field: "explicit",
      lo: floor,
      hi: ceiling,
    });
  const imCeiling = finite(s.implicitCeiling);
  if (imCeiling !== null)
    spec.gates.push({
      kind: "interval",
      source: histogramSource("absImplicit"),
      field: "absImplicit",
      lo: null,
      hi: imCeiling,
    });
  return spec;
}
