/**
 * Row orders of the pairs table: every row (or the rows a mask keeps) by a column, ascending or descending, equal
 * values in ascending row order, missing (NaN) values last in ascending row order. A column's ascending argsort is
 * computed once (lib/metrics/order.ts radix argsort, O(n)) and kept while the column lives; both directions and
 * every filter are then one O(n) pass over it.
 */
import { radixArgsort } from "@/lib/metrics/order";
import { takeIds } from "@/lib/metrics/shared-column";

/** A column's rows sorted ascending (NaN left out) and its NaN rows, ascending. */
interface SortedColumn {
  ascending: Uint32Array;
  missing: Uint32Array;
}

/** Orders by column, caching each column's argsort by the column's identity (cleared by {@link clear}). */
export class TableOrderCache {
  private sorted = new WeakMap<Float64Array, SortedColumn>();

  /** Forgets every cached argsort (the columns may have been written in place). */
  clear(): void {
    this.sorted = new WeakMap();
  }

  private sortedOf(values: Float64Array, ranked?: () => Uint32Array): SortedColumn {
    const hit = this.sorted.get(values);
    if (hit) return hit;
    // A ranking's best-first order (ties: higher row first) is the stable ascending argsort reversed.
    const ascending = ranked ? ranked().slice().reverse() : radixArgsort(values, false);
    const missing = new Uint32Array(values.length - ascending.length);
    for (let i = 0, j = 0; i < values.length; i++) if (values[i] !== values[i]) missing[j++] = i;
    const entry = { ascending, missing };
    this.sorted.set(values, entry);
    return entry;
  }

  /**
   * Rows kept by `mask` (every row when null) ordered by `values`; a fresh array. `ranked`, when given, returns the
   * ranking order of exactly these values (lib/selection/evaluate.ts `RankedScores.order`: non-NaN rows best first,
   * equal values higher row first), already sorted: then no sort runs.
   */
  order(values: Float64Array, descending: boolean, mask: Uint8Array | null, ranked?: () => Uint32Array): Uint32Array {
    const { ascending, missing } = this.sortedOf(values, ranked);
    const out = takeIds(mask ? countKept(mask) : values.length);
    let j = 0;
    if (!descending) {
      for (let p = 0; p < ascending.length; p++) {
        const r = ascending[p];
        if (!mask || mask[r]) out[j++] = r;
      }
    } else {
      // Walk the ascending order from its end, one run of equal values at a time, each run front to back: the
      // values descend while equal values keep ascending row order (−0 === 0, as the argsort's key has it).
      for (let end = ascending.length - 1; end >= 0;) {
        const v = values[ascending[end]];
        let start = end;
        while (start > 0 && values[ascending[start - 1]] === v) start--;
        for (let p = start; p <= end; p++) {
          const r = ascending[p];
          if (!mask || mask[r]) out[j++] = r;
        }
        end = start - 1;
      }
    }
    for (let p = 0; p < missing.length; p++) {
      const r = missing[p];
      if (!mask || mask[r]) out[j++] = r;
    }
    return out;
  }
}

function countKept(mask: Uint8Array): number {
  let count = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) count++;
  return count;
}

/** Rows 0..n−1 kept by `mask` (every row when null), ascending or descending. */
export function rowOrder(n: number, descending: boolean, mask: Uint8Array | null): Uint32Array {
  const out = takeIds(mask ? countKept(mask) : n);
  let j = 0;
  if (descending) {
    for (let i = n - 1; i >= 0; i--) if (!mask || mask[i]) out[j++] = i;
  } else for (let i = 0; i < n; i++) if (!mask || mask[i]) out[j++] = i;
  return out;
}

/**
 * Rows by decision: descending = kept, undecided, dropped; ascending the reverse; ascending row order within each
 * group. `keep` and `drop` are row ids; one bucket pass, O(n).
 */
export function decisionOrder(
  n: number,
  decisions: { keep: readonly number[]; drop: readonly number[] },
  descending: boolean,
  mask: Uint8Array | null,
): Uint32Array {
  // 0 = dropped, 1 = undecided, 2 = kept: the ascending order of the values −1, 0, 1.
  const group = new Uint8Array(n).fill(1);
  for (const r of decisions.keep) if (r >= 0 && r < n) group[r] = 2;
  for (const r of decisions.drop) if (r >= 0 && r < n) group[r] = 0;
  const starts = [0, 0, 0];
  for (let i = 0; i < n; i++) if (!mask || mask[i]) starts[group[i]]++;
  const total = starts[0] + starts[1] + starts[2];
  const sequence = descending ? [2, 1, 0] : [0, 1, 2];
  let at = 0;
  for (const g of sequence) {
    const size = starts[g];
    starts[g] = at;
    at += size;
  }
  const out = takeIds(total);
  for (let i = 0; i < n; i++) if (!mask || mask[i]) out[starts[group[i]]++] = i;
  return out;
}
