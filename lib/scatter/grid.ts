/**
 * Hit-testing for the scatter: a uniform grid in data space, built once per data change (O(n) counting
 * sort), queried with a radius in pixels converted to data units for the current transform. Building per
 * viewport would cost a full pass on every pan; a data-space grid does not care about pan or zoom.
 */
import type { Transform } from "./viewport";

/** Rows bucketed by cell: rows of cell c are `items[start[c]] … items[start[c + 1] - 1]`. */
export interface SpatialGrid {
  cols: number;
  rows: number;
  xMin: number;
  yMin: number;
  /** Cells per data unit along x and y. */
  kx: number;
  ky: number;
  start: Uint32Array;
  items: Uint32Array;
}

/** Average rows per cell aimed for; a query touches a handful of cells around the cursor. */
const ROWS_PER_CELL = 4;
/** Cap of cells per side (1024² cells = 4 MB of offsets). */
const MAX_SIDE = 1024;

/** Buckets every row with finite x and y; rows with NaN/±Infinity are left out (they are never drawn). */
export function createGrid(xs: Float64Array, ys: Float64Array): SpatialGrid {
  const n = Math.min(xs.length, ys.length);
  let xLo = Infinity;
  let xHi = -Infinity;
  let yLo = Infinity;
  let yHi = -Infinity;
  let finite = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    const y = ys[i];
    if (x - x !== 0 || y - y !== 0) continue;
    finite++;
    if (x < xLo) xLo = x;
    if (x > xHi) xHi = x;
    if (y < yLo) yLo = y;
    if (y > yHi) yHi = y;
  }
  const side = Math.max(1, Math.min(MAX_SIDE, Math.ceil(Math.sqrt(finite / ROWS_PER_CELL))));
  if (finite === 0) {
    return { cols: 1, rows: 1, xMin: 0, yMin: 0, kx: 0, ky: 0, start: new Uint32Array(2), items: new Uint32Array(0) };
  }
  // The top edge belongs to the last cell: scale so that xHi maps just below `side`.
  const kx = xHi > xLo ? (side * (1 - 1e-9)) / (xHi - xLo) : 0;
  const ky = yHi > yLo ? (side * (1 - 1e-9)) / (yHi - yLo) : 0;
  const cols = kx > 0 ? side : 1;
  const rows = ky > 0 ? side : 1;
  const cellOf = new Int32Array(n);
  const start = new Uint32Array(cols * rows + 1);
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    const y = ys[i];
    if (x - x !== 0 || y - y !== 0) {
      cellOf[i] = -1;
      continue;
    }
    const c = Math.floor((y - yLo) * ky) * cols + Math.floor((x - xLo) * kx);
    cellOf[i] = c;
    start[c + 1]++;
  }
  for (let c = 0; c < cols * rows; c++) start[c + 1] += start[c];
  const fill = start.slice(0, cols * rows);
  const items = new Uint32Array(finite);
  for (let i = 0; i < n; i++) {
    const c = cellOf[i];
    if (c >= 0) items[fill[c]++] = i;
  }
  return { cols, rows, xMin: xLo, yMin: yLo, kx, ky, start, items };
}

/**
 * The row drawn nearest to pixel (`px`, `py`) within `radiusPx` (Euclidean, in pixels of `transform`),
 * or -1. Exact ties go to what the renderer draws on top: a selected row (mask 1) over a dimmed one, then
 * the later row.
 */
export function nearest(
  grid: SpatialGrid,
  xs: Float64Array,
  ys: Float64Array,
  transform: Transform,
  px: number,
  py: number,
  radiusPx: number,
  mask: Uint8Array | null = null,
): number {
  if (grid.items.length === 0) return -1;
  const { sx, ox, sy, oy } = transform;
  const dataX = (px - ox) / sx;
  const dataY = (py - oy) / sy;
  const rx = Math.abs(radiusPx / sx);
  const ry = Math.abs(radiusPx / sy);
  const clampCell = (v: number, count: number) => (v < 0 ? 0 : v >= count ? count - 1 : Math.floor(v));
  const cx0 = (dataX - rx - grid.xMin) * grid.kx;
  const cx1 = (dataX + rx - grid.xMin) * grid.kx;
  const cy0 = (dataY - ry - grid.yMin) * grid.ky;
  const cy1 = (dataY + ry - grid.yMin) * grid.ky;
  // A query box entirely beyond one side of the grid holds nothing (clamping alone would probe the edge cells).
  if (cx1 < 0 || cy1 < 0 || (grid.kx > 0 && cx0 >= grid.cols) || (grid.ky > 0 && cy0 >= grid.rows)) return -1;
  const colA = clampCell(cx0, grid.cols);
  const colB = clampCell(cx1, grid.cols);
  const rowA = clampCell(cy0, grid.rows);
  const rowB = clampCell(cy1, grid.rows);
  const r2 = radiusPx * radiusPx;
  let best = -1;
  let bestD2 = Infinity;
  let bestSel = -1;
  for (let row = rowA; row <= rowB; row++) {
    for (let col = colA; col <= colB; col++) {
      const c = row * grid.cols + col;
      for (let k = grid.start[c], end = grid.start[c + 1]; k < end; k++) {
        const i = grid.items[k];
        const dx = xs[i] * sx + ox - px;
        const dy = ys[i] * sy + oy - py;
        const d2 = dx * dx + dy * dy;
        if (d2 > r2 || d2 > bestD2) continue;
        const sel = mask ? (mask[i] !== 0 ? 1 : 0) : 1;
        if (d2 < bestD2 || sel > bestSel || (sel === bestSel && i > best)) {
          best = i;
          bestD2 = d2;
          bestSel = sel;
        }
      }
    }
  }
  return best;
}
