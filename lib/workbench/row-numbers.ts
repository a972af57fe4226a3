/**
 * The numbers the pairs table and the inspector show for a row, read in the dataset worker (the one owner of the
 * columns) for the few rows on screen: the page asks by row id and never holds a column.
 */
import { decisionOf, type SelectionSpec } from "@/lib/selection/spec";
import { marginZScores, type MarginMoments } from "@/lib/inspector/z-scores";
import type { RowNumbers } from "./types";

/** What one row's numbers are read from: the session's current columns, selection and spec. */
export interface RowNumberSource {
  explicit: Float64Array;
  implicit: Float64Array;
  score: Float64Array;
  mAp: Float64Array;
  /** The M_AP rank of each of the rows asked, in their order (the full rank column need not exist). */
  mApRankOf(rows: ArrayLike<number>): ArrayLike<number>;
  mask: Uint8Array;
  spec: SelectionSpec;
  /** Moments of `explicit` and of |`implicit`| (the z-scores' mean and std); null = no z-scores. */
  moments: MarginMoments | null;
}

/** Throws a RangeError naming the first entry of `rows` that is not a row id below `rowCount`. */
export function checkRowIds(rows: ArrayLike<number>, rowCount: number): void {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (!(Number.isInteger(r) && r >= 0 && r < rowCount))
      throw new RangeError(`row ${r} is not in the dataset (it has ${rowCount} rows)`);
  }
}

/** The numbers of `rows`, in the order asked (rows must be valid ids, see {@link checkRowIds}). */
export function readRowNumbers(source: RowNumberSource, rows: ArrayLike<number>): RowNumbers[] {
  const out: RowNumbers[] = [];
  const ranks = rows.length ? source.mApRankOf(rows) : [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    out.push({
      row,
      explicit: source.explicit[row],
      implicit: source.implicit[row],
      z: source.moments && marginZScores(source.explicit, source.implicit, row, source.moments),
      score: source.score[row],
      mAp: source.mAp[row],
      mApRank: ranks[i],
      selected: source.mask[row] === 1,
      decision: decisionOf(source.spec, row),
    });
  }
  return out;
}
