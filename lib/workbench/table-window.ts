/**
 * The visible window of a virtualised table with fixed-height rows: which rows to render for a scroll position and
 * the spacer heights around them. Past `maxBodyHeightPx` (browsers cap an element's height: Chromium near 3.3·10⁷
 * px, Firefox near 1.8·10⁷) the body is scaled: the scrollbar spans a capped height and a scroll position maps
 * linearly onto the full virtual height, exactly at both ends, so every row (the last included) can be reached.
 */

/** The table's fixed geometry. */
export interface TableGeometry {
  rowCount: number;
  rowHeightPx: number;
  /** Height of the rows' visible area (the scroll box minus its sticky header). */
  viewportHeightPx: number;
  /** Rows rendered above and below the visible ones. */
  overscan: number;
  /** Tallest body to lay out; a taller table is scaled. */
  maxBodyHeightPx: number;
}

/** Rows `first` ≤ i < `last` to render, between spacers of `padTopPx` and `padBottomPx`. */
export interface TableWindow {
  first: number;
  last: number;
  padTopPx: number;
  padBottomPx: number;
  /** Laid-out height of the body (padTop + rows + padBottom). */
  bodyHeightPx: number;
}

interface Scale {
  full: number;
  body: number;
  /** Virtual px per scrolled px (1 when the body is not scaled). */
  ratio: number;
}

function scaleOf(g: TableGeometry): Scale {
  const full = g.rowCount * g.rowHeightPx;
  const body = Math.min(full, g.maxBodyHeightPx);
  const span = body - g.viewportHeightPx;
  const ratio = body < full && span > 0 ? (full - g.viewportHeightPx) / span : 1;
  return { full, body, ratio };
}

/** The virtual offset (px into the full table) shown at the top of the viewport at `scrollTopPx`. */
export function virtualOffset(scrollTopPx: number, g: TableGeometry): number {
  const { full, body, ratio } = scaleOf(g);
  const s = Math.min(Math.max(0, scrollTopPx), Math.max(0, body - g.viewportHeightPx));
  return Math.min(s * ratio, Math.max(0, full - g.viewportHeightPx));
}

/** The rows to render at `scrollTopPx`. */
export function tableWindow(scrollTopPx: number, g: TableGeometry): TableWindow {
  const { body } = scaleOf(g);
  const n = g.rowCount;
  const rh = g.rowHeightPx;
  if (n === 0) return { first: 0, last: 0, padTopPx: 0, padBottomPx: 0, bodyHeightPx: 0 };
  const s = Math.min(Math.max(0, scrollTopPx), Math.max(0, body - g.viewportHeightPx));
  const v = virtualOffset(s, g);
  const top = Math.min(n - 1, Math.floor(v / rh));
  const within = v - top * rh;
  // Where the first visible row is laid out; unscaled this is top·rh exactly. Scaled, a scroll position under one
  // row from the top can ask for a row partly above the body: it starts at 0 instead (a sub-row shift).
  const topAt = Math.max(0, s - within);
  const above = Math.min(g.overscan, top, Math.floor(topAt / rh));
  const first = top - above;
  const padTopPx = topAt - above * rh;
  let last = Math.min(n, top + Math.ceil((g.viewportHeightPx + within) / rh) + g.overscan);
  // Scaled, the rows below must still fit in the body.
  while (last > first + 1 && padTopPx + (last - first) * rh > body) last--;
  const padBottomPx = Math.max(0, body - padTopPx - (last - first) * rh);
  return { first, last, padTopPx, padBottomPx, bodyHeightPx: body };
}

/**
 * The scroll position that brings row position `index` fully into view with the least movement from
 * `scrollTopPx` (unchanged when it is in view already).
 */
export function scrollTopForIndex(index: number, scrollTopPx: number, g: TableGeometry): number {
  const { ratio } = scaleOf(g);
  const v = virtualOffset(scrollTopPx, g);
  const top = index * g.rowHeightPx;
  let next = v;
  if (top < v) next = top;
  else if (top + g.rowHeightPx > v + g.viewportHeightPx) next = top + g.rowHeightPx - g.viewportHeightPx;
  if (next === v) return scrollTopPx;
  return next / ratio;
}
