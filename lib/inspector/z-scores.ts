/**
 * The inspector's per-row z-scores: z(m_ex) and z(|m_im|), the two terms of M_AP = z(m_ex) − w·z(|m_im|), with the
 * same numbers as the `zExplicit` / `zAbsImplicit` fields (lib/metrics/stats `zScores` over each column's finite
 * values, population std, z = 0 when the std is 0) but without building a whole z column to read one row.
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

// Keyed by the column's identity: buffers.ts replaces a column rather than mutating it, so a new margins version is
// a new array and the cached moments of the old one are collected with it.
const cache: Record<ColumnTransform, WeakMap<Float64Array, FiniteMoments>> = {
  identity: new WeakMap(),
  abs: new WeakMap(),
};

/** Moments of the finite values of `values` (or of their absolute values); NaN mean/std when there are none. */
export function finiteMoments(values: Float64Array, transform: ColumnTransform = "identity"): FiniteMoments {
  const hit = cache[transform].get(values);
  if (hit) return hit;
  let count = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) count++;
  // Compacted in row order, as zScores does, so the pairwise sums (and hence every bit of the result) agree.
  const packed = new Float64Array(count);
  for (let i = 0, j = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) packed[j++] = transform === "abs" ? Math.abs(v) : v;
  }
  const { mean, std } = moments(packed);
  const out = { mean, std, count };
  cache[transform].set(values, out);
  return out;
}

/** z of one value against `m`: NaN when the value is missing, 0 when the column has no spread (as zScores). */
export function zOf(value: number, m: FiniteMoments): number {
  if (!Number.isFinite(value) || m.count === 0) return NaN;
  return m.std === 0 ? 0 : (value - m.mean) / m.std;
}

/** The two z-scores of row `row`, NaN where its margin is missing (or the row is out of range). */
export interface MarginZScores {
  explicit: number;
  absImplicit: number;
}

/** z(m_ex) and z(|m_im|) of one row from the full margin columns. */
export function marginZScores(explicit: Float64Array, implicit: Float64Array, row: number): MarginZScores {
  const ex = row >= 0 && row < explicit.length ? explicit[row] : NaN;
  const im = row >= 0 && row < implicit.length ? implicit[row] : NaN;
  return {
    explicit: Number.isFinite(ex) ? zOf(ex, finiteMoments(explicit)) : NaN,
    absImplicit: Number.isFinite(im) ? zOf(Math.abs(im), finiteMoments(implicit, "abs")) : NaN,
  };
}
