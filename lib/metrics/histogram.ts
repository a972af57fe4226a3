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
  const { edges, missing, min, max } = histogramEdges(values, bins, range);
  const { counts, outside } = countInBins(values, edges, null);
  return { edges, counts, missing, outside, min, max };
}

/**
 * {@link histogram} over the default range together with each value's {@link binIndices}, the counts read from
 * the bin indices: a new column (M_AP at a new w) costs the min / max pass and the binning pass, not a third pass
 * of float comparisons. Same numbers as `histogram(values, bins)` and `binIndices(values, edges)`.
 */
export function histogramWithBins(values: Float64Array, bins: number): { all: Histogram; bin: Uint16Array } {
  const { edges, missing, min, max } = histogramEdges(values, bins);
  const counts = new Uint32Array(bins + 1);
  const bin = binIndices(values, edges, counts);
  // Over its own [min, max] no finite value is outside: the last slot holds the missing values only.
  return { all: { edges, counts: counts.slice(0, bins), missing, outside: 0, min, max }, bin };
}

/** What {@link histogramEdges}' pass finds in a column: min / max of the finite values, count of the others. */
export interface ColumnExtent {
  min: number;
  max: number;
  missing: number;
}

// Extents that a column's producer found on its way (M_AP, in the pass that computes it): its histogram over the
// default range skips the min / max pass. Columns are replaced, never written in place, so an extent stays true.
const knownExtents = new WeakMap<Float64Array, ColumnExtent>();

/**
 * Records the extent of `values` (min / max of its finite values, Infinity / −Infinity when there is none, and the
 * number of non-finite values), found by whoever computed the column; it must not be written afterwards.
 */
export function noteExtent(values: Float64Array, extent: ColumnExtent): void {
  knownExtents.set(values, extent);
}

/** The extent of `values` in one pass. */
function columnExtent(values: Float64Array): ColumnExtent {
  let min = Infinity;
  let max = -Infinity;
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // v − v is 0 for a finite v, NaN for NaN and ±Infinity: cheaper than a Number.isFinite call per row.
    if (v - v !== 0) {
      missing++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max, missing };
}

/** The edges of {@link histogram} and its min / max / missing (one pass over the values, unless noted). */
function histogramEdges(
  values: Float64Array,
  bins: number,
  range?: [number, number],
): Pick<Histogram, "edges" | "missing" | "min" | "max"> {
  if (!Number.isInteger(bins) || bins < 1)
    throw new RangeError(`histogram: bins must be a positive integer, got ${bins}`);
  const { min, max, missing } = knownExtents.get(values) ?? columnExtent(values);
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
  return { edges, missing, min: any ? min : NaN, max: any ? max : NaN };
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
  const norm = bins / (last - first);
  const counts = new Uint32Array(bins);
  let outside = 0;
  for (let i = 0; i < values.length; i++) {
    if (mask && mask[i] === 0) continue;
    const v = values[i];
    if (v - v !== 0) continue;
    if (v < first || v > last) {
      outside++;
      continue;
    }
    // numpy computes a provisional bin from the scaled offset (times bins / (last − first)), then corrects it
    // against the actual edges, which rounding in either step could otherwise disagree with.
    let b = ((v - first) * norm) | 0;
    if (b === bins) b--;
    if (v < edges[b]) b--;
    else if (b !== bins - 1 && v >= edges[b + 1]) b++;
    counts[b]++;
  }
  return { counts, outside };
}

/**
 * The bin of each value under `edges` ({@link countInBins}' rule), or `bins` (one past the last) for a value in no
 * bin (missing, non-finite or beyond the edges): computed once per column so that counting a masked subset is one
 * branch-free add per row (a drag recounts 4 histograms per pointer move). With `counts` (bins + 1 slots, zeroed),
 * also counts the rows per bin, the last slot those in none.
 */
export function binIndices(values: Float64Array, edges: Float64Array, counts?: Uint32Array): Uint16Array {
  const bins = edges.length - 1;
  if (bins >= 0xffff) throw new RangeError(`binIndices: at most ${0xffff - 1} bins, got ${bins}`);
  if (counts && counts.length !== bins + 1) throw new RangeError(`binIndices: counts must hold ${bins + 1} slots`);
  const first = edges[0];
  const last = edges[bins];
  // numpy's own scale: (v − first) · (bins / (last − first)), truncated, then corrected against the edges.
  const norm = bins / (last - first);
  const out = new Uint16Array(values.length);
  // Counted in the same pass (into a throw-away array when not asked for: one loop body either way).
  const tally = counts ?? new Uint32Array(bins + 1);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    let b = bins;
    // NaN fails both comparisons, ±Infinity one of them: all three land in no bin.
    if (v >= first && v <= last) {
      // 0 ≤ (v − first)·norm ≤ bins here, so `| 0` truncates like Math.trunc (and is about twice as fast).
      b = ((v - first) * norm) | 0;
      if (b === bins) b--;
      // After a decrement v lies below the old edge b, i.e. the new edge b + 1: at most one correction applies.
      if (v < edges[b]) b--;
      else if (b !== bins - 1 && v >= edges[b + 1]) b++;
    }
    out[i] = b;
    tally[b]++;
  }
  return out;
}

// Masks declared (recordMaskChange) to differ from an earlier mask at a few rows, and the counts made of each such
// mask, so that a handle drag recounts only the rows that changed. Weak on the masks: nothing here keeps one alive,
// and a child holds its parent's counts, not the parent itself.
const lineage = new WeakMap<
  Uint8Array,
  { parentCounts: Map<Uint16Array, Uint32Array>; rows: Uint32Array; toggles: boolean }
>();
const countsOf = new WeakMap<Uint8Array, Map<Uint16Array, Uint32Array>>();

/**
 * Declares that `mask` equals `parent` except at `rows` (each listed once), or, with `parent` null, only that
 * `mask` is final. Both arrays must never change afterwards: {@link countMasked} then derives the counts of `mask`
 * from those of `parent` in O(rows) and remembers them.
 */
export function recordMaskChange(mask: Uint8Array, parent: Uint8Array | null, rows: Uint32Array | null): void {
  if (!countsOf.has(mask)) countsOf.set(mask, new Map());
  if (!parent || !rows || parent.length !== mask.length) return;
  let parentCounts = countsOf.get(parent);
  if (!parentCounts) countsOf.set(parent, (parentCounts = new Map()));
  lineage.set(mask, { parentCounts, rows, toggles: false });
}

/**
 * Like {@link recordMaskChange}, but `toggles` lists each flip from `parent` to `mask` as `2·row + newBit`, in order
 * (a row may flip more than once: its flips cancel out), so whoever made the mask need not dedupe the rows.
 */
export function recordMaskToggles(mask: Uint8Array, parent: Uint8Array, toggles: Uint32Array): void {
  if (!countsOf.has(mask)) countsOf.set(mask, new Map());
  if (parent.length !== mask.length) return;
  let parentCounts = countsOf.get(parent);
  if (!parentCounts) countsOf.set(parent, (parentCounts = new Map()));
  lineage.set(mask, { parentCounts, rows: toggles, toggles: true });
}

/**
 * Counts per bin of the rows with `mask[i] === 1` (masks hold 0 or 1), from precomputed {@link binIndices}. For a
 * mask declared with {@link recordMaskChange} whose parent was counted on the same `bin`, only the changed rows are
 * visited.
 */
export function countMasked(bin: Uint16Array, bins: number, mask: Uint8Array): Uint32Array {
  const own = countsOf.get(mask);
  const known = own?.get(bin);
  if (known && known.length === bins + 1) return known.slice(0, bins);
  const change = lineage.get(mask);
  const base = change?.parentCounts.get(bin);
  let counts: Uint32Array;
  if (change && base && base.length === bins + 1 && mask.length === bin.length) {
    counts = base.slice();
    const { rows } = change;
    // Each listed row adds itself when now set and removes itself when now clear (a flip: set by its low bit).
    // Branch-free (+1 or −1): a changed row is as likely set as cleared, so a branch would mispredict half the time.
    if (change.toggles)
      for (let j = 0; j < rows.length; j++) {
        const t = rows[j];
        counts[bin[t >>> 1]] += 2 * (t & 1) - 1;
      }
    else
      for (let j = 0; j < rows.length; j++) {
        const r = rows[j];
        counts[bin[r]] += 2 * mask[r] - 1;
      }
  } else {
    counts = new Uint32Array(bins + 1);
    for (let i = 0; i < bin.length; i++) counts[bin[i]] += mask[i];
  }
  if (own) own.set(bin, counts);
  return counts.slice(0, bins);
}

/**
 * The rows where `b` differs from `a` (same length), ascending, or null when more than `limit` do: a cheap pass
 * that compares four bytes at a time.
 */
export function changedRows(a: Uint8Array, b: Uint8Array, limit: number): Uint32Array | null {
  if (a.length !== b.length) return null;
  const n = a.length;
  const out: number[] = [];
  let i = 0;
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const words = n >>> 2;
    const wa = new Uint32Array(a.buffer, a.byteOffset, words);
    const wb = new Uint32Array(b.buffer, b.byteOffset, words);
    for (let w = 0; w < words; w++) {
      if (wa[w] === wb[w]) continue;
      for (let r = 4 * w; r < 4 * w + 4; r++) if (a[r] !== b[r]) out.push(r);
      if (out.length > limit) return null;
    }
    i = words * 4;
  }
  for (; i < n; i++) if (a[i] !== b[i]) out.push(i);
  return out.length > limit ? null : Uint32Array.from(out);
}
