/**
 * Two rival published selection rules, restated from their authors' released code (spec, line references and the
 * numpy oracle: ../shared/reference/rivals/README.md and ref_rivals.py): BeeS (Deng et al., arXiv 2502.14560,
 * `Sampling_ensemble()` in m_sampler.py) and the DPO reward gap "difficulty" (Qi, Xu, Jin, arXiv 2508.04149,
 * `DPODifficultySelector`). Each returns one score per row, higher = kept, with no NaN, so `selectTop` in
 * lib/metrics/select.ts (ties: the higher row index is kept) with `valid` = N reproduces the released selections.
 */
import { DEFAULT_DPO_BETA } from "@/lib/metrics/margin-formulas";

/** Log-probabilities of each response given its prompt, SUMMED over the response tokens; NaN = missing. */
export interface LogprobColumns {
  /** log π(chosen) under the trained policy (BeeS: a DPO model trained on a small random subset). */
  chosen: Float64Array;
  /** log π(rejected) under the trained policy. */
  rejected: Float64Array;
  /** log π_ref(chosen) under the reference (SFT) model. */
  refChosen: Float64Array;
  /** log π_ref(rejected) under the reference (SFT) model. */
  refRejected: Float64Array;
}

/**
 * Where BeeS's 0/0 pairs (P = NaN) rank: "released" above every number (numpy sorts NaN last, so the released
 * top-K keeps them first; the default), "lowest" below every number (the fix, offered as an option).
 */
export type BeesNanRule = "released" | "lowest";

/** BeeS strategy ("mul" = the paper's Bayesian product, "add" = m_im + m_ex) and the 0/0 rule. */
export interface BeesOptions {
  variant: "mul" | "add";
  nanRule: BeesNanRule;
}

/** The released behaviour: the `mul` strategy, 0/0 pairs ranked above every number. */
export const DEFAULT_BEES_OPTIONS: BeesOptions = { variant: "mul", nanRule: "released" };

/** BeeS scores and what was done to get them. */
export interface BeesResult {
  /** P (mul) or m_im + m_ex (add) per row, higher = kept; never NaN (P = NaN becomes ±Infinity by the NaN rule). */
  score: Float64Array;
  /** U: the integer upper bound of the implicit margin (divisor 2). */
  implicitBound: number;
  /** V: the integer upper bound of the explicit margin (divisor 1.5). */
  explicitBound: number;
  /** Rows whose P was NaN (0/0), now ±Infinity in `score`; 0 for "add". */
  zeroOverZero: number;
  /** Rows with at least one missing margin, scored with that margin as 0. */
  missingToZero: number;
}

/** The released loop stops once fewer than this many margins lie above the bound. */
const MIN_ABOVE_BOUND = 30;

function checkLengths(logps: LogprobColumns, n: number, what: string): void {
  for (const key of ["chosen", "rejected", "refChosen", "refRejected"] as const) {
    if (logps[key].length !== n) {
      throw new RangeError(`${what}: log-prob column ${key} has ${logps[key].length} rows, expected ${n}`);
    }
  }
}

/** First index with sorted[i] > x (sorted ascending, no NaN). */
function firstAbove(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * BeeS step 3 (m_sampler.py L52–65): start at U = trunc(max / divisor) (2 implicit, 1.5 explicit), then raise U by
 * 1 until `n < M − U || n < 30 || U > M`, n = #{m > U}. Margins must be finite (missing already mapped to 0).
 */
export function beesBound(margins: Float64Array, divisor: number): number {
  const n = margins.length;
  if (n === 0) throw new RangeError("beesBound: no margins (the released code takes the max of an empty array)");
  if (!(divisor > 0 && Number.isFinite(divisor))) throw new RangeError(`beesBound: divisor ${divisor} is not > 0`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(margins[i])) throw new RangeError(`beesBound: margin ${margins[i]} in row ${i} is not finite`);
  }
  // Sorted once so each step counts by binary search: the loop can run up to ~N steps (it continues only while
  // M − U ≤ n ≤ N), which would be O(N²) with a scan per step.
  const sorted = Float64Array.from(margins).sort();
  const max = sorted[n - 1];
  // `+ 0` turns trunc's −0 (e.g. max = −0.4) into 0, as Python's int() gives.
  let bound = Math.trunc(max / divisor) + 0;
  for (;;) {
    const above = n - firstAbove(sorted, bound);
    if (above < max - bound || above < MIN_ABOVE_BOUND || bound > max) return bound;
    // Past 2^53, U + 1 === U and the loop would never end (Python's exact int only ends it after ~ulp(M) steps).
    if (bound + 1 === bound) throw new RangeError(`beesBound: margins near ${max} are too large for an integer bound`);
    bound += 1;
  }
}

/** Explicit-then-implicit check, as ref_rivals.py: the reference refuses infinite margins. */
function refuseInfinite(margin: Float64Array, name: string): void {
  for (let i = 0; i < margin.length; i++) {
    const m = margin[i];
    if (m === Infinity || m === -Infinity) {
      throw new RangeError(
        `BeeS: ${name} margin is ${m} in row ${i}; infinite margins are refused (the released code crashes at ` +
          "int(inf) or maps them to ±1.8e308)",
      );
    }
  }
}

/** Step 4: (clip(m, −2, bound) + 2) / max_j(clip(m_j, −2, bound) + 2), in numpy's order of operations. */
function linearMap(margin: Float64Array, bound: number): Float64Array {
  const p = new Float64Array(margin.length);
  let max = -Infinity;
  for (let i = 0; i < margin.length; i++) {
    // np.clip is minimum(maximum(m, lo), hi), with no check that lo ≤ hi.
    p[i] = Math.min(Math.max(margin[i], -2), bound) + 2;
    if (p[i] > max) max = p[i];
  }
  for (let i = 0; i < p.length; i++) p[i] /= max;
  return p;
}

/**
 * BeeS scores from the explicit margin m_ex (NaN = missing) and the four log-prob columns: m_im = (c − r) −
 * (ref_c − ref_r), no β; a missing margin counts as 0; "mul" = Bayesian product of the clipped, scaled margins
 * (P = NaN → ±Infinity by `nanRule`), "add" = m_im + m_ex. Throws RangeError on an infinite margin.
 */
export function beesScores(explicit: Float64Array, logps: LogprobColumns, opts: BeesOptions): BeesResult {
  const n = explicit.length;
  checkLengths(logps, n, "beesScores");
  if (n === 0) throw new RangeError("beesScores: no rows");
  const { chosen, rejected, refChosen, refRejected } = logps;
  const implicitRaw = new Float64Array(n);
  for (let i = 0; i < n; i++) implicitRaw[i] = chosen[i] - rejected[i] - (refChosen[i] - refRejected[i]);
  refuseInfinite(explicit, "explicit");
  refuseInfinite(implicitRaw, "implicit");

  const ex = new Float64Array(n);
  const im = new Float64Array(n);
  let missingToZero = 0;
  for (let i = 0; i < n; i++) {
    const e = explicit[i];
    const m = implicitRaw[i];
    if (Number.isNaN(e) || Number.isNaN(m)) missingToZero++;
    ex[i] = Number.isNaN(e) ? 0 : e;
    im[i] = Number.isNaN(m) ? 0 : m;
  }

  // The released code runs both bound loops for every strategy, though "add" ignores them.
  const implicitBound = beesBound(im, 2);
  const explicitBound = beesBound(ex, 1.5);
  const score = new Float64Array(n);
  let zeroOverZero = 0;
  if (opts.variant === "add") {
    for (let i = 0; i < n; i++) score[i] = im[i] + ex[i];
  } else {
    const pIm = linearMap(im, implicitBound);
    const pEx = linearMap(ex, explicitBound);
    const nanScore = opts.nanRule === "lowest" ? -Infinity : Infinity;
    for (let i = 0; i < n; i++) {
      const both = pIm[i] * pEx[i];
      const p = both / (both + (1 - pIm[i]) * (1 - pEx[i]));
      if (Number.isNaN(p)) {
        score[i] = nanScore;
        zeroOverZero++;
      } else {
        score[i] = p;
      }
    }
  }
  return { score, implicitBound, explicitBound, zeroOverZero, missingToZero };
}

/**
 * Difficulty scores: Δ = β(c − ref_c) − β(r − ref_r) in double precision, returned as −Δ so the top k keep the
 * smallest gaps; a NaN Δ (missing log-prob) becomes −Infinity, after every number. Throws RangeError on a
 * non-finite β or an infinite log-prob or Δ, which would otherwise tie with the missing rows.
 */
export function difficultyScores(logps: LogprobColumns, beta: number = DEFAULT_DPO_BETA): Float64Array {
  const n = logps.chosen.length;
  checkLengths(logps, n, "difficultyScores");
  if (!Number.isFinite(beta)) throw new RangeError(`difficultyScores: β = ${beta} is not a finite number`);
  const { chosen, rejected, refChosen, refRejected } = logps;
  const score = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const gap = beta * (chosen[i] - refChosen[i]) - beta * (rejected[i] - refRejected[i]);
    const infiniteInput =
      Math.abs(chosen[i]) === Infinity ||
      Math.abs(rejected[i]) === Infinity ||
      Math.abs(refChosen[i]) === Infinity ||
      Math.abs(refRejected[i]) === Infinity;
    if (infiniteInput || gap === Infinity || gap === -Infinity) {
      throw new RangeError(`difficultyScores: reward gap in row ${i} is infinite (log-probs out of range)`);
    }
    score[i] = Number.isNaN(gap) ? -Infinity : -gap;
  }
  return score;
}
