/**
 * Per-row z-scores: z(m_ex) and z(|m_im|), the two terms of M_AP = z(m_ex) − w·z(|m_im|), with the same numbers as
 * the `zExplicit` / `zAbsImplicit` fields (lib/metrics/stats `zScores` over each column's finite values, population
 * std, z = 0 when the std is 0) but without building a whole z column to read one row. The dataset worker computes
 * the moments once per margins version and reads rows against them (lib/workbench/row-numbers.ts).
 */
import { moments } from "@/lib/metrics/stats";

/** Mean and population std of a column's finite values, and how many there are. */
export interface FiniteMoments {
  mean: number;
  std: number;
  count: number;
}

/** Which transform of the column the moments describe. */
export type ColumnTransform = "identity" | "abs";

/** Moments of the finite values of `values` (or of their absolute values); NaN mean/std when there are none. */
export function finiteMoments(values: Float64Array, transform: ColumnTransform = "identity"): FiniteMoments {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) count++;
  // Compacted in row order, as zScores does, so the pairwise sums (and hence every bit of the result) agree.
  const packed = new Float64Array(count);
  for (let i = 0, j = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) packed[j++] = transform === "abs" ? Math.abs(v) : v;
  }
  const { mean, std } = moments(packed);
  return { mean, std, count };
}

/** z of one value against `m`: NaN when the value is missing, 0 when the column has no spread (as zScores). */
export function zOf(value: number, m: FiniteMoments): number {
  if (!Number.isFinite(value) || m.count === 0) return NaN;
  return m.std === 0 ? 0 : (value - m.mean) / m.std;
}

/** The moments both z-scores are taken against: of m_ex and of |m_im|. */
export interface MarginMoments {
  explicit: FiniteMoments;
  absImplicit: FiniteMoments;
}

/** Moments of the explicit column and of the absolute implicit column (one pass each). */
export function marginMoments(explicit: Float64Array, implicit: Float64Array): MarginMoments {
  return { explicit: finiteMoments(explicit), absImplicit: finiteMoments(implicit, "abs") };
}

/** The two z-scores of row `row`, NaN where its margin is missing (or the row is out of range). */
export interface MarginZScores {
  explicit: number;
  absImplicit: number;
}

/**
 * z(m_ex) and z(|m_im|) of one row from the full margin columns; pass `m` (from {@link marginMoments} of the same
 * columns) to read many rows without a pass over the columns each.
 */
export function marginZScores(
  explicit: Float64Array,
  implicit: Float64Array,
  row: number,
  m: MarginMoments = marginMoments(explicit, implicit),
): MarginZScores {
  const ex = row >= 0 && row < explicit.length ? explicit[row] : NaN;
  const im = row >= 0 && row < implicit.length ? implicit[row] : NaN;
  return {
    explicit: Number.isFinite(ex) ? zOf(ex, m.explicit) : NaN,
    absImplicit: Number.isFinite(im) ? zOf(Math.abs(im), m.absImplicit) : NaN,
  };
}
