/**
 * numpy-compatible float64 reductions: the same summation order as numpy's `add.reduce`, so `mean`,
 * `populationStd` and `zScores` reproduce `x.mean()`, `x.std()` and `(x - x.mean()) / x.std()` bit for bit.
 */

/** numpy's unroll/leaf size (`PW_BLOCKSIZE` in numpy/_core/src/umath/loops_utils.h.src). */
const PW_BLOCKSIZE = 128;

// Port of numpy's `pairwise_sum` (loops_utils.h.src): leaves of ≤ 128 use 8 interleaved accumulators combined as
// ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)) and then the tail; above that, split at n/2 rounded down to a multiple of 8.
function pairwise(a: Float64Array, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= PW_BLOCKSIZE) {
    let r0 = a[start],
      r1 = a[start + 1],
      r2 = a[start + 2],
      r3 = a[start + 3],
      r4 = a[start + 4],
      r5 = a[start + 5],
      r6 = a[start + 6],
      r7 = a[start + 7];
    const end = start + (n - (n % 8));
    let i = start + 8;
    for (; i < end; i += 8) {
      r0 += a[i];
      r1 += a[i + 1];
      r2 += a[i + 2];
      r3 += a[i + 3];
      r4 += a[i + 4];
      r5 += a[i + 5];
      r6 += a[i + 6];
      r7 += a[i + 7];
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (const stop = start + n; i < stop; i++) res += a[i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwise(a, start, n2) + pairwise(a, start + n2, n - n2);
}

/**
 * Sum of `values[start .. start+length)` in numpy's pairwise order (what `np.sum` does for a contiguous float64
 * array): bit-identical to numpy, more accurate than a running sum. Empty → 0.
 */
export function pairwiseSum(values: Float64Array, start = 0, length = values.length - start): number {
  if (start < 0 || length < 0 || start + length > values.length) {
    throw new RangeError(`pairwiseSum: [${start}, ${start + length}) is outside 0..${values.length}`);
  }
  // numpy's reduction starts from the identity +0.0, which turns a sum of -0.0s into +0.0 like np.sum does.
  return 0 + pairwise(values, start, length);
}

/** Arithmetic mean like numpy's `x.mean()` (pairwise sum / n); NaN when empty. */
export function mean(values: Float64Array): number {
  return values.length === 0 ? NaN : pairwiseSum(values) / values.length;
}

/**
 * Population standard deviation like numpy's `x.std()` (ddof = 0): sqrt(mean((x − mean)²)) with both sums
 * pairwise. NaN when empty.
 */
export function populationStd(values: Float64Array): number {
  return moments(values).std;
}

/**
 * numpy's `x.mean()` and `x.std()` in one go. `scratch` (length ≥ n, overwritten) lets callers on large columns
 * reuse a buffer for the squared deviations instead of allocating one per call.
 */
export function moments(values: Float64Array, scratch?: Float64Array): { mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN };
  const m = pairwiseSum(values) / n;
  const sq = scratch !== undefined && scratch.length >= n ? scratch : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = values[i] - m;
    sq[i] = d * d;
  }
  return { mean: m, std: Math.sqrt(pairwiseSum(sq, 0, n) / n) };
}

/** zScores' packing buffer (grown on demand, kept: one column's worth). */
let packScratch = new Float64Array(0);

/**
 * z-scores `(x − mean) / std` (population std) over the rows with `include[i] ≠ 0` (all rows when `include` is
 * null) whose value is finite; every other row gets NaN. Equals numpy on the compacted included values. When the
 * std is 0 (or only one row is included) every included row gets z = 0 rather than numpy's NaN/±inf.
 */
export function zScores(values: Float64Array, include: Uint8Array | null): Float64Array {
  return zScoresCounted(values, include).z;
}

/**
 * {@link zScores} with what it found on the way: how many rows it scored (the non-NaN z-scores) and their mean and
 * population std (NaN when none): a caller that needs the count or asks whether the std is 0 needs no pass of its own.
 * The z-scores go into `out` when given (a column of `values`' length, whatever it holds), else into a new column.
 */
export function zScoresCounted(
  values: Float64Array,
  include: Uint8Array | null,
  out: Float64Array = new Float64Array(values.length),
): { z: Float64Array; count: number; mean: number; std: number } {
  const n = values.length;
  if (include !== null && include.length !== n) {
    throw new RangeError(`zScores: include has ${include.length} rows, values has ${n}`);
  }
  if (out.length !== n) throw new RangeError(`zScores: out has ${out.length} rows, values has ${n}`);
  let count = 0;
  for (let i = 0; i < n; i++) if ((include === null || include[i] !== 0) && Number.isFinite(values[i])) count++;
  if (count === 0) return { z: out.fill(NaN), count: 0, mean: NaN, std: NaN };
  // numpy reduces the compacted column, so the summation tree must be built over included rows only. The packing
  // buffer is reused across calls (a metric switch at 10^6 rows would otherwise fault in a fresh 8 MB each time).
  if (count < n && packScratch.length < count) packScratch = new Float64Array(count);
  const packed = count === n ? values : packScratch.subarray(0, count);
  if (packed !== values) {
    for (let i = 0, j = 0; i < n; i++) {
      if ((include === null || include[i] !== 0) && Number.isFinite(values[i])) packed[j++] = values[i];
    }
  }
  // `out` is free until the last loop: it holds the squared deviations (no second column-sized buffer).
  const { mean: m, std: sd } = moments(packed, out);
  if (count < n) out.fill(NaN);
  for (let i = 0; i < n; i++) {
    if ((include === null || include[i] !== 0) && Number.isFinite(values[i])) {
      out[i] = sd === 0 ? 0 : (values[i] - m) / sd;
    }
  }
  return { z: out, count, mean: m, std: sd };
}
