/** Equal-width histograms of float64 columns, binned exactly like `np.histogram(x[isfinite(x)], bins, range)`. */

/** Counts per bin plus what was left out. */
export interface Histogram {
  /** bins + 1 edges, ascending; bin i is [edges[i], edges[i+1]), the last bin also includes its right edge. */
  edges: Float64Array;
  counts: Uint32Array;
  /** Non-finite values (NaN = missing, ±Infinity). */
  missing: number;
  /** Finite values outside a fixed `range` (always 0 without one). */
  outside: number;
  /** Smallest and largest finite value (NaN when there is none), whatever the range. */
  min: number;
  max: number;
}

/**
 * Bins the finite values of `values` into `bins` equal-width bins over `range` (default [min, max] of the finite
 * values; [0, 1] when there are none; a zero-width range widens by ±0.5, as numpy does). Edges and bin assignment
 * follow numpy's `linspace` and its edge-correction steps, so counts match `np.histogram`.
 */
export function histogram(values: Float64Array, bins: number, range?: [number, number]): Histogram {
  if (!Number.isInteger(bins) || bins < 1)
    throw new RangeError(`histogram: bins must be a positive integer, got ${bins}`);
  let min = Infinity;
  let max = -Infinity;
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      missing++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const any = missing < values.length;
  let first: number;
  let last: number;
  if (range !== undefined) {
    [first, last] = range;
    if (!Number.isFinite(first) || !Number.isFinite(last) || first > last) {
      throw new RangeError(`histogram: range [${first}, ${last}] must be finite and ascending`);
    }
  } else if (any) {
    first = min;
    last = max;
  } else {
    first = 0;
    last = 1;
  }
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }

  // np.linspace(first, last, bins + 1): i·step + first, the last edge set to `last` exactly.
  const edges = new Float64Array(bins + 1);
  const delta = last - first;
  const step = delta / bins;
  for (let i = 0; i <= bins; i++) edges[i] = step === 0 ? (i / bins) * delta + first : i * step + first;
  edges[bins] = last;

  const { counts, outside } = countInBins(values, edges, null);
  return { edges, counts, missing, outside, min: any ? min : NaN, max: any ? max : NaN };
}

/**
 * Counts of the finite `values` in the bins of `edges` (as {@link histogram} assigns them, numpy's rule), only
 * rows with `mask[i] !== 0` when a mask is given; `outside` counts finite values beyond the edges.
 */
export function countInBins(
  values: Float64Array,
  edges: Float64Array,
  mask: Uint8Array | null,
): { counts: Uint32Array; outside: number } {
  const bins = edges.length - 1;
  const first = edges[0];
  const last = edges[bins];
  const delta = last - first;
  const counts = new Uint32Array(bins);
  let outside = 0;
  for (let i = 0; i < values.length; i++) {
    if (mask && mask[i] === 0) continue;
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < first || v > last) {
      outside++;
      continue;
    }
    // numpy computes a provisional bin from the scaled offset, then corrects it against the actual edges, which
    // rounding in either step could otherwise disagree with.
    let b = Math.trunc(((v - first) / delta) * bins);
    if (b === bins) b--;
    if (v < edges[b]) b--;
    if (v >= edges[b + 1] && b !== bins - 1) b++;
    counts[b]++;
  }
  return { counts, outside };
}

/**
 * The bin of each value under `edges` ({@link countInBins}' rule), or `bins` (one past the last) for a value in no
 * bin (missing, non-finite or beyond the edges): computed once per column so that counting a masked subset is one
 * branch-free add per row (a drag recounts 4 histograms per pointer move).
 */
export function binIndices(values: Float64Array, edges: Float64Array): Uint16Array {
  const bins = edges.length - 1;
  if (bins >= 0xffff) throw new RangeError(`binIndices: at most ${0xffff - 1} bins, got ${bins}`);
  const first = edges[0];
  const last = edges[bins];
  const delta = last - first;
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v) || v < first || v > last) {
      out[i] = bins;
      continue;
    }
    let b = Math.trunc(((v - first) / delta) * bins);
    if (b === bins) b--;
    if (v < edges[b]) b--;
    if (v >= edges[b + 1] && b !== bins - 1) b++;
    out[i] = b;
  }
  return out;
}

/** Counts per bin of the rows with `mask[i] === 1` (masks hold 0 or 1), from precomputed {@link binIndices}. */
export function countMasked(bin: Uint16Array, bins: number, mask: Uint8Array): Uint32Array {
  const counts = new Uint32Array(bins + 1);
  for (let i = 0; i < bin.length; i++) counts[bin[i]] += mask[i];
  return counts.slice(0, bins);
}
