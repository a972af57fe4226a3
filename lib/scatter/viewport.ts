/**
 * Data ↔ pixel transforms of the scatter, fit-to-extent, zoom about a cursor, pan, and 1-2-5 axis ticks.
 * Pixel y grows downwards (canvas convention); data y grows upwards.
 */
import type { Viewport } from "./protocol";

// Kept for components/MarginScatter.tsx, which still imports it from here; new code imports ./protocol.
export type { Viewport } from "./protocol";

/** Affine map data → pixel: `px = x * sx + ox`, `py = y * sy + oy` (sy < 0 because pixel y points down). */
export interface Transform {
  sx: number;
  ox: number;
  sy: number;
  oy: number;
}

/** The transform that maps `vp` onto a `width × height` pixel box. */
export function createTransform(vp: Viewport, width: number, height: number): Transform {
  const sx = width / (vp.xMax - vp.xMin);
  const sy = -height / (vp.yMax - vp.yMin);
  return { sx, ox: -vp.xMin * sx, sy, oy: -vp.yMax * sy };
}

/** Pixel position of a data point. */
export function dataToPixel(t: Transform, x: number, y: number): [number, number] {
  return [x * t.sx + t.ox, y * t.sy + t.oy];
}

/** Data position under a pixel. */
export function pixelToData(t: Transform, px: number, py: number): [number, number] {
  return [(px - t.ox) / t.sx, (py - t.oy) / t.sy];
}

/** Finite min/max of `values` (NaN and ±Infinity ignored); null when nothing is finite. */
export function finiteExtent(values: ArrayLike<number>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // `v - v === 0` is false for NaN and ±Infinity in one comparison.
    if (v - v === 0) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

/** Widens a degenerate (zero-width) or missing range so that a transform stays finite. */
function widen(range: [number, number] | null): [number, number] {
  if (!range) return [-1, 1];
  const [lo, hi] = range;
  if (hi > lo) return range;
  const half = lo === 0 ? 1 : Math.abs(lo) * 0.1;
  return [lo - half, hi + half];
}

/**
 * A viewport showing every finite point (rows where x or y is NaN are skipped by the renderer, so they do
 * not count), padded by `padding` of each range on every side.
 */
export function fitExtent(xs: ArrayLike<number>, ys: ArrayLike<number>, padding = 0.05): Viewport {
  let xLo = Infinity;
  let xHi = -Infinity;
  let yLo = Infinity;
  let yHi = -Infinity;
  const n = Math.min(xs.length, ys.length);
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    const y = ys[i];
    if (x - x !== 0 || y - y !== 0) continue;
    if (x < xLo) xLo = x;
    if (x > xHi) xHi = x;
    if (y < yLo) yLo = y;
    if (y > yHi) yHi = y;
  }
  const [x0, x1] = widen(xLo <= xHi ? [xLo, xHi] : null);
  const [y0, y1] = widen(yLo <= yHi ? [yLo, yHi] : null);
  const px = (x1 - x0) * padding;
  const py = (y1 - y0) * padding;
  return { xMin: x0 - px, xMax: x1 + px, yMin: y0 - py, yMax: y1 + py };
}

/** Ranges narrower than this relative to their magnitude stop zooming in: float64 precision runs out. */
const MIN_RELATIVE_SPAN = 1e-12;

/**
 * Zooms by `factor` (> 1 zooms in) keeping the data point under pixel (`px`, `py`) of a `width × height`
 * box where it is.
 */
export function zoomAt(vp: Viewport, width: number, height: number, px: number, py: number, factor: number): Viewport {
  const t = createTransform(vp, width, height);
  const [cx, cy] = pixelToData(t, px, py);
  const spanX = (vp.xMax - vp.xMin) / factor;
  const spanY = (vp.yMax - vp.yMin) / factor;
  const scale = Math.max(Math.abs(cx), Math.abs(cy), 1);
  if (factor > 1 && Math.min(spanX, spanY) < scale * MIN_RELATIVE_SPAN) return vp;
  const fx = px / width;
  const fy = py / height;
  return {
    xMin: cx - fx * spanX,
    xMax: cx + (1 - fx) * spanX,
    yMax: cy + fy * spanY,
    yMin: cy - (1 - fy) * spanY,
  };
}

/** Moves the view so that content follows a drag of (`dxPx`, `dyPx`) pixels. */
export function pan(vp: Viewport, width: number, height: number, dxPx: number, dyPx: number): Viewport {
  const dx = (dxPx / width) * (vp.xMax - vp.xMin);
  const dy = (dyPx / height) * (vp.yMax - vp.yMin);
  return { xMin: vp.xMin - dx, xMax: vp.xMax - dx, yMin: vp.yMin + dy, yMax: vp.yMax + dy };
}

/** Step of about `(hi - lo) / count` rounded to 1, 2 or 5 times a power of ten. */
export function tickStep(lo: number, hi: number, count: number): number {
  const raw = Math.abs(hi - lo) / Math.max(1, count);
  if (!(raw > 0) || !Number.isFinite(raw)) return 0;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const error = raw / power;
  // Geometric midpoints between 1, 2, 5 and 10 (as d3-array's tickStep): round in log space.
  const mult = error >= Math.sqrt(50) ? 10 : error >= Math.sqrt(10) ? 5 : error >= Math.SQRT2 ? 2 : 1;
  return mult * power;
}

/** About `count` round tick values (1-2-5 steps) inside [lo, hi], ascending. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (lo > hi) [lo, hi] = [hi, lo];
  const step = tickStep(lo, hi, count);
  if (step === 0) return Number.isFinite(lo) ? [lo] : [];
  // Integer multiples of the step (then divided) avoid accumulating float error: 0.1 + 0.2 ≠ 0.3.
  const power = Math.pow(10, Math.floor(Math.log10(step)));
  const start = Math.ceil(lo / step - 1e-9);
  const end = Math.floor(hi / step + 1e-9);
  const ticks: number[] = [];
  for (let k = start; k <= end; k++) {
    const v = power < 1 ? (k * Math.round(step / power)) / Math.round(1 / power) : k * step;
    ticks.push(v === 0 ? 0 : v);
  }
  return ticks;
}

/** Short label of a tick value, precise enough to tell neighbouring ticks `step` apart. */
export function formatTick(value: number, step: number): string {
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-4)
    return value.toExponential(Math.max(0, Math.min(6, -Math.floor(Math.log10(step)) + Math.floor(Math.log10(abs)))));
  const decimals = step > 0 ? Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9))) : 2;
  return value.toFixed(decimals);
}

/**
 * The viewport a scatter shows: the axis ranges the user zoomed or panned to (per field, shared by every view of
 * that field), else the data's fit. New data (a scoring run) moves only the fit, never a range the user chose.
 */
export function resolveViewport(
  fit: Viewport,
  xDomain: [number, number] | null,
  yDomain: [number, number] | null,
): Viewport {
  return {
    xMin: xDomain?.[0] ?? fit.xMin,
    xMax: xDomain?.[1] ?? fit.xMax,
    yMin: yDomain?.[0] ?? fit.yMin,
    yMax: yDomain?.[1] ?? fit.yMax,
  };
}
