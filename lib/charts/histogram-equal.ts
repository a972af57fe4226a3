/**
 * Content equality of histogram replies: every selection reply carries fresh `ColumnHistogram` objects, most of
 * them with the same numbers as before (a dragged histogram's own counts, any view whose context did not change),
 * so views compare contents to redraw only the histograms whose bars or range actually changed.
 */
import type { ColumnHistogram } from "@/lib/workbench/protocol";

/** Whether two numeric arrays hold the same values (NaN equal to NaN), in the same order. */
export function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i]) && a[i] !== b[i]) return false;
  return true;
}

/** Whether two histograms draw the same: field, source, edges, counts, missing count and data range. */
export function sameHistogram(a: ColumnHistogram, b: ColumnHistogram): boolean {
  return (
    a === b ||
    (a.field === b.field &&
      a.source === b.source &&
      a.missing === b.missing &&
      Object.is(a.min, b.min) &&
      Object.is(a.max, b.max) &&
      sameValues(a.edges, b.edges) &&
      sameValues(a.all, b.all) &&
      sameValues(a.selected, b.selected))
  );
}
