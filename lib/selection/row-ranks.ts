/**
 * The rank of a few rows in a score column without sorting it: what the pairs table shows for the rows on screen
 * right after a re-rank (a new w or metric), where the full argsort (four radix passes over 10^6 rows) would hold
 * the reply up.
 */

/** Buckets of the value range between the lowest and highest asked value (a table look-up per row). */
const BUCKETS = 4096;

/** The asked values and their bucket table (see {@link ranksOfRows}). */
interface Places {
  /** Distinct asked values, ascending. */
  values: Float64Array;
  lowest: number;
  highest: number;
  /** Buckets per unit of value; 0 when the range is empty or infinite (then a binary search places values). */
  scale: number;
  /** first[k]: how many asked values lie in buckets before k. */
  first: Int32Array;
}

// Module functions, not closures: a closure made per call would be a new call target each time, and V8 throws the
// optimised pass away on every call (measured: 7 ms → 20–40 ms at 10^6 rows).
function bucketOf(p: Places, v: number): number {
  return Math.min(BUCKETS - 1, Math.floor((v - p.lowest) * p.scale));
}

/** How many asked values are below `v` (v ≥ lowest, not NaN). */
function placeOf(p: Places, v: number): number {
  const { values } = p;
  const u = values.length;
  if (v > p.highest) return u;
  if (p.scale === 0) {
    let lo = 0;
    let hi = u;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (values[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  let b = p.first[bucketOf(p, v)];
  while (b < u && values[b] < v) b++;
  return b;
}

/**
 * Counts rows [from, to) into `below` / `equal` (see {@link ranksOfRows}); returns `to`. The hot loop, every row of
 * the column, kept in a function of its own: V8 optimises it after a call or two, where the loop inside the large
 * caller ran unoptimised on each first call of a process (18–30 ms instead of 7 at 10^6 rows).
 */
function scanRows(
  score: Float64Array,
  from: number,
  to: number,
  p: Places,
  below: Float64Array,
  equal: Float64Array,
): number {
  const { values, lowest, highest, scale, first } = p;
  const u = values.length;
  if (scale === 0) {
    for (let i = from; i < to; i++) {
      const v = score[i];
      if (!(v >= lowest)) continue;
      const b = placeOf(p, v);
      below[b]++;
      if (b < u && values[b] === v) equal[b]++;
    }
    return to;
  }
  for (let i = from; i < to; i++) {
    const v = score[i];
    // Rows scoring below every asked value, or NaN, outrank none of them.
    if (!(v >= lowest)) continue;
    if (v > highest) {
      below[u]++;
      continue;
    }
    const k = Math.floor((v - lowest) * scale);
    // Stops at u − 1 at the latest: values[u − 1] = highest ≥ v.
    let b = first[k < BUCKETS ? k : BUCKETS - 1];
    while (values[b] < v) b++;
    below[b]++;
    if (values[b] === v) equal[b]++;
  }
  return to;
}

/**
 * 1-based rank by score descending of each of `rows` (rank 1 = best; equal scores: the higher row index ranks
 * better; −0 equals +0), NaN for a row without a score: the same numbers as `rankOf(score)[row]`
 * (lib/metrics/select.ts). One pass over the column places each score among the asked rows' distinct values (a
 * bucket look-up, exact: `bucketOf` is monotonic in v, a correctly rounded subtraction and product then a floor, so
 * asked values in an earlier bucket than v are below it and those in a later one above it), then prefix sums:
 * O(n + m log m) for m rows asked.
 */
export function ranksOfRows(score: Float64Array, rows: ArrayLike<number>): Float64Array {
  const m = rows.length;
  const out = new Float64Array(m).fill(NaN);
  // The distinct finite values asked, ascending (+0 stands for −0: they compare equal).
  const asked: number[] = [];
  for (let j = 0; j < m; j++) {
    const v = score[rows[j]];
    if (v === v) asked.push(v === 0 ? 0 : v);
  }
  if (asked.length === 0) return out;
  const values = Float64Array.from(new Set(asked)).sort();
  const u = values.length;
  const lowest = values[0];
  const highest = values[u - 1];
  const span = highest - lowest;
  const scale = Number.isFinite(span) && span > 0 ? BUCKETS / span : 0;
  const first = new Int32Array(BUCKETS + 1);
  const p: Places = { values, lowest, highest, scale, first };
  if (scale > 0) {
    let j = 0;
    for (let k = 0; k <= BUCKETS; k++) {
      while (j < u && bucketOf(p, values[j]) < k) j++;
      first[k] = j;
    }
  }
  // below[b]: rows whose score exceeds exactly the b smallest asked values; equal[j]: rows scoring values[j].
  const below = new Float64Array(u + 1);
  const equal = new Float64Array(u);
  // The asked rows by row id: the pass stops at each to note how many equal scores lie at or before it.
  const byRow = Array.from({ length: m }, (_, j) => j).sort((a, b) => rows[a] - rows[b]);
  const equalUpTo = new Float64Array(m);
  const n = score.length;
  let i = 0;
  for (let next = 0; next <= m; next++) {
    const stop = next < m ? rows[byRow[next]] + 1 : n;
    i = scanRows(score, i, stop, p, below, equal);
    if (next < m) {
      const j = byRow[next];
      const w = score[rows[j]];
      if (w === w) equalUpTo[j] = equal[placeOf(p, w)];
    }
  }
  // Rows scoring above values[j]: exactly those whose b exceeds j.
  const above = new Float64Array(u);
  let acc = below[u];
  for (let j = u - 1; j >= 0; j--) {
    above[j] = acc;
    acc += below[j];
  }
  for (let j = 0; j < m; j++) {
    const v = score[rows[j]];
    if (v !== v) continue;
    const b = placeOf(p, v);
    out[j] = 1 + above[b] + (equal[b] - equalUpTo[j]);
  }
  return out;
}
