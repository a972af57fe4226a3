/**
 * Scores and top-k selection following the paper's released code (Hesse73/Alignment-Potential-Metric,
 * `metric_selection.py`; restated in ../shared/reference/ref_select.py): z-scores with numpy's population std and
 * pairwise sums, `M_AP = z(m_ex) − w·z(|m_im|)`, keep `np.argsort(score, kind="stable")[-k:]`, k = int(ratio·N).
 */
import type { MarginColumns } from "@/lib/dataset/types";
import { quickselect, stableArgsort } from "@/lib/metrics/order";
import { randomScores } from "@/lib/metrics/random";
import { moments, zScoresCounted } from "@/lib/metrics/stats";
import { takeColumn } from "@/lib/metrics/shared-column";
import { noteExtent } from "@/lib/metrics/histogram";

/**
 * Ranking metric: alignment potential, the two single-margin baselines, a seeded random baseline, or a rival
 * published rule (BeeS multiplicative / additive, Deng et al. 2025; DPO reward gap smallest first, Qi et al. 2025;
 * see lib/metrics/rivals.ts). The rivals need summed log-prob columns of policy and reference.
 */
export type Metric = "map" | "explicit" | "implicit" | "random" | "bees" | "bees-add" | "difficulty";

/** Metrics that {@link computeScores} handles from the two margin columns alone. */
export type MarginMetric = "map" | "explicit" | "implicit" | "random";

/** The metric and its parameters. */
export interface ScoreOptions {
  metric: MarginMetric;
  /** w in `z(m_ex) − w·z(|m_im|)` (map only); the paper uses 1, and 2.5 for self-generated data. */
  weight: number;
  /** Seed of the random metric (taken modulo 2^32); the paper's code uses 42. */
  seed: number;
}

/** Per-row scores under one metric. */
export interface Scores {
  /** Score per row (higher = better); NaN for rows the metric can't score (missing margin). */
  score: Float64Array;
  /** Rows that have a score. */
  valid: number;
  /** Rows missing m_ex / m_im (counted separately; a row can miss both). */
  missingExplicit: number;
  missingImplicit: number;
  /**
   * The explicit and implicit metrics only: the population std of the margin they z-score (m_ex, |m_im|) over the
   * rows scored, NaN when none; 0 means every score is 0 (the ranking notes it, lib/selection/ranking.ts).
   */
  std?: number;
}

/** Defaults of the paper's code: w = 1, seed 42. */
export const DEFAULT_SCORE_OPTIONS: ScoreOptions = { metric: "map", weight: 1, seed: 42 };

function checkColumns(cols: MarginColumns): number {
  const n = cols.explicit.length;
  if (cols.implicit.length !== n) {
    throw new RangeError(`margin columns differ in length: explicit ${n}, implicit ${cols.implicit.length}`);
  }
  return n;
}

function absolute(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.abs(values[i]);
  return out;
}

/**
 * The two terms of M_AP per row, z(m_ex) and z(|m_im|) over the rows with BOTH margins (NaN elsewhere), and their
 * population stds: M_AP at any w is one pass over them.
 */
export interface MapTerms {
  zExplicit: Float64Array;
  zAbsImplicit: Float64Array;
  stdExplicit: number;
  stdAbsImplicit: number;
}

/** Computes {@link MapTerms} (numpy's sums on the compacted columns; zero std gives z = 0 like zScores). */
export function mapTerms(cols: MarginColumns): MapTerms {
  const n = checkColumns(cols);
  const { explicit, implicit } = cols;
  const zExplicit = new Float64Array(n).fill(NaN);
  const zAbsImplicit = new Float64Array(n).fill(NaN);
  let count = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(explicit[i]) && Number.isFinite(implicit[i])) count++;
  if (count === 0) return { zExplicit, zAbsImplicit, stdExplicit: NaN, stdAbsImplicit: NaN };
  // Both z-scores over the same rows (those with both margins), each on its compacted column as numpy would see it.
  const ex = new Float64Array(count);
  const im = new Float64Array(count);
  for (let i = 0, j = 0; i < n; i++) {
    if (Number.isFinite(explicit[i]) && Number.isFinite(implicit[i])) {
      ex[j] = explicit[i];
      im[j++] = Math.abs(implicit[i]);
    }
  }
  // zAbsImplicit is free until the last loop: it holds the squared deviations of both moments.
  const e = moments(ex, zAbsImplicit);
  const a = moments(im, zAbsImplicit);
  zAbsImplicit.fill(NaN);
  for (let i = 0, j = 0; i < n; i++) {
    if (Number.isFinite(explicit[i]) && Number.isFinite(implicit[i])) {
      // Same zero-std rule as zScores: z = 0 rather than numpy's NaN/±inf.
      zExplicit[i] = e.std === 0 ? 0 : (ex[j] - e.mean) / e.std;
      zAbsImplicit[i] = a.std === 0 ? 0 : (im[j] - a.mean) / a.std;
      j++;
    }
  }
  return { zExplicit, zAbsImplicit, stdExplicit: e.std, stdAbsImplicit: a.std };
}

/**
 * What re-scoring the same margin columns can reuse: M_AP's two z-score terms and the missing counts, so a new w
 * costs one pass over the rows instead of compaction, four pairwise sums and their buffers. Keyed by the columns'
 * identity: give it columns that are replaced, never changed in place (a DatasetSession's are), or call
 * {@link ScoreCache.clear}. Holds 2 float64 columns.
 */
export class ScoreCache {
  private explicit: Float64Array | null = null;
  private implicit: Float64Array | null = null;
  private terms: MapTerms | null = null;
  private missing: { explicit: number; implicit: number } | null = null;

  /** Forgets everything (the columns changed in place). */
  clear(): void {
    this.explicit = this.implicit = null;
    this.terms = this.missing = null;
  }

  private check(cols: MarginColumns): void {
    if (cols.explicit !== this.explicit || cols.implicit !== this.implicit) {
      this.clear();
      this.explicit = cols.explicit;
      this.implicit = cols.implicit;
    }
  }

  /** M_AP's terms of `cols`, computed on first use. */
  mapTerms(cols: MarginColumns): MapTerms {
    this.check(cols);
    return (this.terms ??= mapTerms(cols));
  }

  /** Rows of `cols` missing m_ex / m_im (non-finite), counted on first use. */
  missingCounts(cols: MarginColumns): { explicit: number; implicit: number } {
    this.check(cols);
    return (this.missing ??= countMissing(cols));
  }
}

function countMissing(cols: MarginColumns): { explicit: number; implicit: number } {
  const n = checkColumns(cols);
  let explicit = 0;
  let implicit = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(cols.explicit[i])) explicit++;
    if (!Number.isFinite(cols.implicit[i])) implicit++;
  }
  return { explicit, implicit };
}

function mapScores(cols: MarginColumns, weight: number, cache?: ScoreCache): Float64Array {
  return mapScoresCounted(cols, weight, cache).score;
}

/** {@link mapScores} and how many of them are not NaN, counted in the same pass (a re-rank at a new w). */
function mapScoresCounted(
  cols: MarginColumns,
  weight: number,
  cache?: ScoreCache,
): { score: Float64Array; valid: number } {
  const t = cache ? cache.mapTerms(cols) : mapTerms(cols);
  const { zExplicit, zAbsImplicit } = t;
  const n = zExplicit.length;
  // Shared where the page allows it: the scatters read M_AP without a copy; the column reserved when the worker was
  // idle where there is one (shared-column.ts).
  const out = takeColumn(n);
  let valid = 0;
  let finite = 0;
  let min = Infinity;
  let max = -Infinity;
  // Rows without both margins are NaN in both terms, so NaN here too. The extent found on the way spares the
  // M_AP histogram its own pass (histogram.ts `noteExtent`).
  for (let i = 0; i < n; i++) {
    const v = zExplicit[i] - weight * zAbsImplicit[i];
    out[i] = v;
    if (v === v) valid++;
    if (v - v === 0) {
      finite++;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  noteExtent(out, { min, max, missing: n - finite });
  return { score: out, valid };
}

/**
 * map: z(m_ex) − w·z(|m_im|) over rows with BOTH margins; explicit: z(m_ex) over rows with m_ex; implicit:
 * −z(|m_im|) over rows with m_im; random: seeded uniform score for every row (see random.ts; not Python's
 * `random.sample`). Non-finite margins count as missing. Zero std (e.g. one scored row, constant margins) gives
 * z = 0 for every scored row instead of numpy's NaN, so ties then fall to the row-index rule of {@link selectTop}.
 * A {@link ScoreCache} for the same columns makes a w change one pass (same numbers bit for bit).
 */
export function computeScores(cols: MarginColumns, opts: ScoreOptions, cache?: ScoreCache): Scores {
  const n = checkColumns(cols);
  const missing = cache ? cache.missingCounts(cols) : countMissing(cols);
  const missingExplicit = missing.explicit;
  const missingImplicit = missing.implicit;
  let score: Float64Array;
  let counted = -1;
  let std: number | undefined;
  switch (opts.metric) {
    case "map": {
      const m = mapScoresCounted(cols, opts.weight, cache);
      score = m.score;
      counted = m.valid;
      break;
    }
    case "explicit": {
      const z = zScoresCounted(cols.explicit, null, takeColumn(n));
      ({ z: score, count: counted, std } = z);
      break;
    }
    case "implicit": {
      const z = zScoresCounted(absolute(cols.implicit), null, takeColumn(n));
      ({ z: score, count: counted, std } = z);
      for (let i = 0; i < n; i++) score[i] = -score[i];
      break;
    }
    case "random":
      score = randomScores(n, opts.seed);
      break;
    default: {
      const never: never = opts.metric;
      throw new RangeError(`unknown metric ${String(never)}`);
    }
  }
  let valid = counted;
  if (valid < 0) {
    valid = 0;
    for (let i = 0; i < n; i++) if (!Number.isNaN(score[i])) valid++;
  }
  return { score, valid, missingExplicit, missingImplicit, ...(std !== undefined ? { std } : {}) };
}

/** M_AP column (always the map metric with weight w) for colouring, same NaN rules as {@link computeScores}. */
export function alignmentPotential(cols: MarginColumns, weight: number, cache?: ScoreCache): Float64Array {
  return mapScores(cols, weight, cache);
}

/** How many rows to keep and which rows may be kept. */
export interface SelectOptions {
  /** Keep the top ⌊ratio·N⌋, N = number of scored rows (floor computed like Python int(ratio*N) in float64). */
  ratio: number;
  /** When set, overrides ratio (truncated, clamped to [0, N]). */
  topK?: number;
  /** Hand threshold: only rows with m_ex ≥ floor are candidates. */
  explicitFloor?: number;
  /** Hand threshold: only rows with |m_im| ≤ ceiling are candidates. */
  implicitCeiling?: number;
}

/** The chosen rows. */
export interface Selection {
  /** 1 = selected, per row. */
  mask: Uint8Array;
  /** Selected rows, ascending. */
  indices: Uint32Array;
  /** Target k (⌊ratio·N⌋ or topK); `indices.length` = min(k, candidates). */
  k: number;
  /** Scored rows passing the thresholds. */
  candidates: number;
}

/** Target k = int(ratio·N) (or topK), clamped to [0, N]; NaN or negative give 0 (numpy's `[-0:]` would keep all). */
export function targetCount(scored: number, opts: Pick<SelectOptions, "ratio" | "topK">): number {
  const raw = opts.topK !== undefined ? Math.trunc(opts.topK) : Math.trunc(opts.ratio * scored);
  if (!(raw > 0)) return 0;
  return Math.min(raw, scored);
}

/**
 * Top-k rows by score among candidates (rows with a score passing the thresholds); k = ⌊ratio·N⌋ (or topK) over
 * ALL scored rows, capped at the candidate count: tightening a threshold keeps k rows while enough candidates
 * remain rather than shrinking k. Without thresholds the rows equal ref_select.py's. Ties match numpy's stable
 * argsort taking the last k: among equal scores the HIGHER row index wins. O(N) average (Floyd–Rivest select).
 */
export function selectTop(scores: Scores, cols: MarginColumns, opts: SelectOptions): Selection {
  const { score } = scores;
  const n = score.length;
  const floor = opts.explicitFloor;
  const ceiling = opts.implicitCeiling;
  const useFloor = floor !== undefined && !Number.isNaN(floor);
  const useCeiling = ceiling !== undefined && !Number.isNaN(ceiling);
  if ((useFloor && cols.explicit.length !== n) || (useCeiling && cols.implicit.length !== n)) {
    throw new RangeError(`selectTop: margin columns do not have ${n} rows`);
  }
  const k = targetCount(scores.valid, opts);

  const isCandidate = new Uint8Array(n);
  let candidates = 0;
  for (let i = 0; i < n; i++) {
    const s = score[i];
    if (Number.isNaN(s)) continue;
    // Comparisons with a missing (NaN) margin are false, so a threshold on a margin excludes rows missing it.
    if (useFloor && !(cols.explicit[i] >= floor)) continue;
    if (useCeiling && !(Math.abs(cols.implicit[i]) <= ceiling)) continue;
    isCandidate[i] = 1;
    candidates++;
  }

  const take = Math.min(k, candidates);
  const mask = new Uint8Array(n);
  if (take === candidates) {
    mask.set(isCandidate);
  } else if (take > 0) {
    const pool = new Float64Array(candidates);
    for (let i = 0, j = 0; i < n; i++) if (isCandidate[i]) pool[j++] = score[i];
    // The take-th largest score; rows above it are in, rows equal to it fill the rest from the highest index down.
    const pos = candidates - take;
    quickselect(pool, pos);
    const t = pool[pos];
    let above = 0;
    for (let i = 0; i < n; i++) {
      if (isCandidate[i] && score[i] > t) {
        mask[i] = 1;
        above++;
      }
    }
    let ties = take - above;
    for (let i = n - 1; i >= 0 && ties > 0; i--) {
      if (isCandidate[i] && score[i] === t) {
        mask[i] = 1;
        ties--;
      }
    }
  }
  const indices = new Uint32Array(take);
  for (let i = 0, j = 0; i < n; i++) if (mask[i]) indices[j++] = i;
  return { mask, indices, k, candidates };
}

/**
 * 1-based rank by score descending (rank 1 = best) with {@link selectTop}'s tie rule (equal scores: higher row
 * index ranks better), so without thresholds the selected rows are exactly ranks 1..k; NaN where no score.
 */
export function rankOf(score: Float64Array): Float64Array {
  const order = stableArgsort(score);
  const out = new Float64Array(score.length).fill(NaN);
  const m = order.length;
  for (let p = 0; p < m; p++) out[order[p]] = m - p;
  return out;
}
