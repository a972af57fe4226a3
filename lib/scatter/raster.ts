/**
 * The scatter's pixel rasterizer: squares written straight into a Uint32Array that backs an ImageData.
 * Measured in /work/shared/notes/charts.md: 11 ms for 10^6 points on 2 cores without a GPU, where WebGL on
 * SwiftShader needs ≈2.4 s and Canvas2D fillRect ≈1.3 s. Optional density shading counts points per pixel
 * so that overlapping regions read (bench/RESULTS.md, "Scatter density shading"). With a {@link PointCache} (the
 * scene's), redraws at an unchanged scale (selection changes, whole-pixel pans) read the rows sorted into pixel cells,
 * and a frame at a new scale (a zoom step) writes one key per row instead of its square ({@link rasterizeKeyed});
 * both give the plain loops' frame to the byte (raster.test.ts compares them), the plain loops being the reference.
 */
import { DENSITY_DIM_FLOOR, DENSITY_FLOOR, NEUTRAL_INDEX, PALETTE_SIZE, type PaletteSet } from "./palette";
import type { RasterStats } from "./protocol";
import type { Transform } from "./viewport";

/**
 * A robust colour domain: the `lowQ` and `highQ` quantiles of the finite values (NaN ignored). On a long column the
 * two quantiles come from {@link bracketedQuantiles} (one pass, no copy of the column); the same order statistics as
 * the quickselect over a copy of every finite value, which stays the path for short columns and the fallback.
 */
export function colorDomain(values: ArrayLike<number>, lowQ = 0.01, highQ = 0.99): [number, number] | null {
  if (values instanceof Float64Array && values.length >= 16 * DOMAIN_SAMPLES) {
    const fast = bracketedQuantiles(values, lowQ, highQ);
    if (fast) return fast;
  }
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] - values[i] === 0) n++;
  if (n === 0) return null;
  const finite = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v - v === 0) finite[j++] = v;
  }
  return [quantile(finite, lowQ), quantile(finite, highQ)];
}

/** Evenly spaced values {@link bracketedQuantiles} sorts to bracket each quantile. */
const DOMAIN_SAMPLES = 4096;

/**
 * The `lowQ` and `highQ` quantiles (type 7, as {@link quantile}) of the finite values of a long column without
 * copying it: a sample of the column brackets each quantile's two order statistics, one pass counts the finite
 * values below each bracket and lists the values inside it, and the quickselect runs on those short lists. Null when
 * a bracket misses (a skewed or periodic column, too few finite values): the caller takes the full path then.
 */
export function bracketedQuantiles(values: Float64Array, lowQ: number, highQ: number): [number, number] | null {
  const len = values.length;
  const sample = new Float64Array(DOMAIN_SAMPLES);
  let s = 0;
  for (let j = 0; j < DOMAIN_SAMPLES; j++) {
    const v = values[Math.floor(((j + 0.5) * len) / DOMAIN_SAMPLES)];
    if (v - v === 0) sample[s++] = v;
  }
  if (s < DOMAIN_SAMPLES / 8) return null;
  const sorted = sample.subarray(0, s).sort();
  const qs = [lowQ, highQ].map((q) => Math.min(Math.max(q, 0), 1));
  // Each bracket spans 4σ of a sample quantile (binomial) on either side, plus a few positions. It holds about
  // (hiPos − loPos) / s of the finite values; its list takes twice that (and a floor) before it overflows.
  const bounds = qs.map((q) => {
    const at = q * (s - 1);
    const spread = 4 * Math.sqrt(s * q * (1 - q)) + 8;
    const loPos = Math.floor(at - spread);
    const hiPos = Math.ceil(at + spread);
    const lo = loPos <= 0 ? -Infinity : sorted[loPos];
    const hi = hiPos >= s - 1 ? Infinity : sorted[hiPos];
    return [lo, hi, Math.ceil((2 * (hiPos - loPos) * len) / s) + 1024] as const;
  });
  const [lo1, hi1, capacity1] = bounds[0];
  const [lo2, hi2, capacity2] = bounds[1];
  const list1 = new Float64Array(capacity1);
  const list2 = new Float64Array(capacity2);
  let n = 0;
  let below1 = 0;
  let below2 = 0;
  let m1 = 0;
  let m2 = 0;
  for (let i = 0; i < len; i++) {
    const v = values[i];
    if (v - v !== 0) continue;
    n++;
    below1 += +(v < lo1);
    below2 += +(v < lo2);
    if (v >= lo1 && v <= hi1) {
      if (m1 < capacity1) list1[m1] = v;
      m1++;
    }
    if (v >= lo2 && v <= hi2) {
      if (m2 < capacity2) list2[m2] = v;
      m2++;
    }
  }
  if (m1 > capacity1 || m2 > capacity2) return null;
  const low = rankValue(list1.subarray(0, m1), (n - 1) * qs[0], below1, n);
  if (low === null) return null;
  const high = rankValue(list2.subarray(0, m2), (n - 1) * qs[1], below2, n);
  if (high === null) return null;
  return [low, high];
}

/**
 * The `q` quantile of `values` with linear interpolation between order statistics (R type 7, numpy's
 * default). Reorders `values` in place: quickselect is O(n), a full sort of 10^6 values costs ≈80 ms.
 */
export function quantile(values: Float64Array, q: number): number {
  const n = values.length;
  if (n === 0) return NaN;
  // Every rank is in `values`, so there is always an answer.
  return rankValue(values, (n - 1) * Math.min(Math.max(q, 0), 1), 0, n)!;
}

/**
 * The value at fractional rank `h` (0-based, ascending) of `n` values, interpolated between order statistics ⌊h⌋ and
 * ⌊h⌋ + 1 as {@link quantile}, from a `list` that holds ranks `below` … `below + list.length − 1` of them (all of
 * them when `below` is 0 and the list has all `n`); null when a rank it needs is not in the list. Reorders `list`.
 */
function rankValue(list: Float64Array, h: number, below: number, n: number): number | null {
  const k = Math.floor(h);
  const interpolate = !(k + 1 >= n || h === k);
  const at = k - below;
  if (at < 0 || at >= list.length || (interpolate && at + 1 >= list.length)) return null;
  select(list, at);
  if (!interpolate) return list[at];
  let next = Infinity;
  for (let i = at + 1; i < list.length; i++) if (list[i] < next) next = list[i];
  return list[at] + (h - k) * (next - list[at]);
}

/** Hoare quickselect (median-of-three pivot): afterwards a[k] is the k-th smallest, smaller ones left of it. */
function select(a: Float64Array, k: number): void {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three guards against the O(n²) case on already sorted columns (common: margins sorted by id).
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/**
 * Palette index per row for colour values over `domain` (clamped to its ends); NaN → {@link NEUTRAL_INDEX}.
 * Computed once per colour change so that a redraw does one table lookup per point.
 */
export function colorIndices(
  values: ArrayLike<number>,
  domain: [number, number] | null,
  out?: Uint16Array,
): Uint16Array {
  const n = values.length;
  const idx = out && out.length === n ? out : new Uint16Array(n);
  const lo = domain ? domain[0] : 0;
  const span = domain ? domain[1] - domain[0] : 0;
  const scale = span > 0 ? PALETTE_SIZE / span : 0;
  const mid = PALETTE_SIZE >> 1;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== v) idx[i] = NEUTRAL_INDEX;
    else if (scale === 0) idx[i] = mid;
    else {
      const k = Math.floor((v - lo) * scale);
      idx[i] = k < 0 ? 0 : k >= PALETTE_SIZE ? PALETTE_SIZE - 1 : k;
    }
  }
  return idx;
}

/** Everything {@link rasterize} draws besides the target pixels. */
export interface RasterInput {
  xs: Float64Array;
  ys: Float64Array;
  /** From {@link colorIndices}: 0..255 colormap, 256 neutral. */
  colorIndex: Uint16Array;
  /** 1 = selected (drawn bright, on top); 0 = dimmed. Null: no selection, every point is bright. */
  mask: Uint8Array | null;
  /** Data → pixel transform in the same (device) pixels as the target. */
  transform: Transform;
  /** Side of each point's square in device pixels (rounded, at least 1). */
  pointSizePx: number;
  palette: PaletteSet;
  /**
   * Rows sorted into pixel cells by earlier frames ({@link createPointCache}): a frame at the same scale (a
   * selection or colour change, a pan by whole pixels) reads them instead of transforming every row again, and a
   * selection change with few flipped rows recomputes only their cells. A caller that rewrites `colorIndex` in place
   * calls {@link forgetCellFrame} first.
   */
  cache?: PointCache;
}

/**
 * The rows sorted by the pixel cell their square starts at, at one scale, so that redraws at that scale skip the
 * per-row float transform and write the plot in raster order instead of scattering writes over it: a selection
 * change is one pass over the rows in cell order reading their mask bytes, then a compose. Which row shows in a
 * pixel does not depend on that order (the highest row of a layer covering the pixel wins, as in row order), so
 * the frame is the uncached one. The cells cover the plot plus {@link CACHE_MARGIN} of it on every side, so a
 * pan by whole device pixels (what a mouse drag gives) within that margin reuses the order with an offset. A frame
 * at a new scale (a zoom step) draws without cells ({@link rasterizeKeyed}); the cells for it are sorted when the
 * scene is idle ({@link prepareCache}, a slice at a time) or else on the second frame at that scale.
 */
export interface PointCache {
  xs: Float64Array | null;
  ys: Float64Array | null;
  size: number;
  /** Plot box the cells were laid out for (device pixels). */
  width: number;
  height: number;
  /** Transform the cells were computed with. */
  sx: number;
  sy: number;
  ox: number;
  oy: number;
  /** Largest |x| and |y| of the finite rows: bounds how far a small change of scale moves any point. */
  xAbsMax: number;
  yAbsMax: number;
  /** Rows whose x or y is not finite (never drawn). */
  nonFinite: number;
  /** Cells past the plot on each side, in pixels (the largest pan that reuses the cells). */
  margin: number;
  /** Cells per grid row: the padded plot width plus both margins. */
  gridWidth: number;
  /** Rows of cell c are `order[start[c]] … order[start[c + 1] − 1]`, ascending. */
  start: Uint32Array;
  order: Uint32Array;
  /** Transform of the last frame that found no usable cells (built when the next frame has its scale). */
  pending: Transform | null;
  /** A sort under way for another scale ({@link prepareCache}); the cells above are invalid meanwhile. */
  build: CacheBuild | null;
  /** Cell of each row while sorting (grown when needed; per cache, since a sort may span several tasks). */
  cellOf: Int32Array;
  /** Non-finite rows of the columns last drawn at a new scale (that path does not test each row for them). */
  finite: { xs: Float64Array; ys: Float64Array; n: number; nonFinite: number } | null;
  /** Frames never sort (see {@link PointCacheOptions}). */
  sortWhenIdle: boolean;
  /** Counts the sorts that finished: a {@link CellFrame} is valid only for the cells of its generation. */
  generation: number;
  /** The last frame drawn from these cells, per cell before the box passes ({@link CellFrame}). */
  frame: CellFrame | null;
}

/**
 * What the last frame drawn from a {@link PointCache}'s cells computed per cell of its count grid, before the box
 * passes: each cell's key (its last selected row, else its last row) and its dimmed and selected counts, with a copy
 * of the mask bytes they came from. A selection change at the same cells and shift (a dragged threshold, a brush)
 * then finds the rows whose bit flipped by comparing the new mask with the copy, and recomputes only the cells
 * holding one ({@link rasterizeCellsKeyed}); a frame with many flips, another shift, colours or cells computes every
 * cell again. The copy is the frame's own, so a caller may reuse or change its mask array in place.
 */
interface CellFrame {
  /** The cells' generation it was computed for; −1 once a frame at a new scale wrote over its grids. */
  generation: number;
  dx: number;
  dy: number;
  countArea: number;
  colorIndex: Uint16Array;
  /** Whether the frame had a mask (the keys and counts differ without one: every row in layer 0). */
  masked: boolean;
  mask: Uint8Array;
  keys: Int32Array;
  /** Dimmed counts (every row's without a mask) from 0, selected counts from `countArea`. */
  counts: Uint16Array;
  drawn: number;
}

/**
 * Drops the cells' per-cell frame, so that the next frame computes every cell: call after changing `colorIndex` in
 * place (the frame keeps each cell's palette index and would not see it). New columns, cells or masks need no call.
 */
export function forgetCellFrame(cache: PointCache): void {
  cache.frame = null;
}

/** How a {@link PointCache} gets its cells. */
export interface PointCacheOptions {
  /**
   * The owner calls {@link prepareCache} when idle, so {@link rasterize} never sorts on a frame: one without fitting
   * cells is drawn at the keyed path's cost (a frame at a new scale), and one at the scale of a sort under way leaves
   * it to go on later. Default false: the second frame at a scale sorts (finishing a sort under way for it).
   */
  sortWhenIdle?: boolean;
}

/** An empty cache; {@link rasterize} fills it on the second frame at a scale, or {@link prepareCache} when idle. */
export function createPointCache(options: PointCacheOptions = {}): PointCache {
  return {
    xs: null,
    ys: null,
    size: 0,
    width: 0,
    height: 0,
    sx: NaN,
    sy: NaN,
    ox: NaN,
    oy: NaN,
    xAbsMax: 0,
    yAbsMax: 0,
    nonFinite: 0,
    margin: 0,
    gridWidth: 0,
    start: new Uint32Array(0),
    order: new Uint32Array(0),
    pending: null,
    build: null,
    cellOf: new Int32Array(0),
    finite: null,
    sortWhenIdle: options.sortWhenIdle ?? false,
    generation: 0,
    frame: null,
  };
}

/** Margin of the cell grid, as a fraction of the plot's larger side. */
const CACHE_MARGIN = 0.5;
/**
 * How far (in pixels) a cached position may be from the exact one and still be reused: a pan is rarely a whole
 * number of pixels in floating point (the viewport round-trips through data units), so a tolerance far below a
 * pixel is allowed. A point within it of a pixel edge may land one pixel off the uncached frame, which no one sees.
 */
const CACHE_TOLERANCE_PX = 1e-3;

/** Distance of `v` from the nearest integer. */
const offInteger = (v: number) => Math.abs(v - Math.round(v));

/** The whole-pixel shift under which `cache`'s cells are this frame's, or null when they are not. */
function fittingShift(
  cache: PointCache,
  input: RasterInput,
  width: number,
  height: number,
  size: number,
): { dx: number; dy: number } | null {
  const { xs, ys, transform: t } = input;
  const ddx = t.ox - cache.ox;
  const ddy = t.oy - cache.oy;
  const reusable =
    cache.xs === xs &&
    cache.ys === ys &&
    cache.size === size &&
    cache.width === width &&
    cache.height === height &&
    cache.start.length > 0 &&
    Math.abs(t.sx - cache.sx) * cache.xAbsMax + offInteger(ddx) <= CACHE_TOLERANCE_PX &&
    Math.abs(t.sy - cache.sy) * cache.yAbsMax + offInteger(ddy) <= CACHE_TOLERANCE_PX &&
    Math.abs(Math.round(ddx)) <= cache.margin &&
    Math.abs(Math.round(ddy)) <= cache.margin;
  return reusable ? { dx: Math.round(ddx), dy: Math.round(ddy) } : null;
}

/** Whether `build` sorts the rows of this frame's data, box and point size at this frame's scale. */
const buildFits = (build: CacheBuild, input: RasterInput, width: number, height: number, size: number) =>
  build.xs === input.xs &&
  build.ys === input.ys &&
  build.size === size &&
  build.width === width &&
  build.height === height &&
  sameScale(build.transform, input.transform);

/**
 * The whole-pixel shift (dx, dy) under which `cache` gives this frame's cells, rebuilding it when no shift does
 * (new data, size, box or scale, a sub-pixel pan, one past the margin) and the previous frame was at this scale
 * too; null: draw this frame uncached. A sort under way for another scale is dropped; one for this scale is
 * finished now, or (`sortWhenIdle`) left to go on when idle.
 */
function cachedShift(
  cache: PointCache,
  input: RasterInput,
  width: number,
  height: number,
  size: number,
  n: number,
): { dx: number; dy: number } | null {
  const { xs, ys, transform: t } = input;
  if (cache.build) {
    if (!(buildFits(cache.build, input, width, height, size) && cache.build.n === n)) cache.build = null;
    else if (!cache.sortWhenIdle) stepBuild(cache);
  }
  const shift = fittingShift(cache, input, width, height, size);
  if (shift || cache.sortWhenIdle) return shift;
  // A zoom changes the scale on every frame: sorting rows for cells that the next frame cannot use would cost a
  // pass for nothing, so a frame at a new scale draws uncached and the second frame at that scale builds.
  const same = cache.xs === xs && cache.ys === ys && cache.size === size;
  const again = same && cache.pending !== null && sameScale(cache.pending, t);
  if (!again) {
    Object.assign(cache, { pending: t, xs, ys, size, sx: NaN, sy: NaN });
    return null;
  }
  startBuild(cache, input, width, height, size, n);
  stepBuild(cache);
  return { dx: 0, dy: 0 };
}

/** Whether two transforms have the same scale up to rounding (a pan between them, or none). */
const sameScale = (a: Transform, b: Transform) =>
  Math.abs(a.sx - b.sx) <= 1e-12 * Math.abs(a.sx) && Math.abs(a.sy - b.sy) <= 1e-12 * Math.abs(a.sy);

/** A counting sort of the rows into cells, done a slice of rows at a time ({@link stepBuild}). */
export interface CacheBuild {
  xs: Float64Array;
  ys: Float64Array;
  n: number;
  size: number;
  width: number;
  height: number;
  transform: Transform;
  margin: number;
  gridWidth: number;
  gridHeight: number;
  start: Uint32Array;
  order: Uint32Array;
  /** 0: finding each row's cell and counting the cells; 1: placing the rows (then the build is dropped). */
  phase: number;
  /** First row of the next slice. */
  next: number;
  nonFinite: number;
  xAbsMax: number;
  yAbsMax: number;
  inGrid: number;
}

/** Rows per slice of a sort, between checks for whether to yield (≈1 ms at 10^6 rows). */
export const BUILD_SLICE_ROWS = 1 << 16;

/** Starts sorting the rows of `input` into cells at its transform; the cache's cells are invalid from now on. */
function startBuild(cache: PointCache, input: RasterInput, width: number, height: number, size: number, n: number) {
  const margin = Math.ceil(CACHE_MARGIN * Math.max(width, height));
  const pad = size - 1;
  const gridWidth = width + pad + 2 * margin;
  const gridHeight = height + pad + 2 * margin;
  const cells = gridWidth * gridHeight;
  // The build takes over the arrays of the cells it replaces (9 MB of starts at 800×600): invalidate those first.
  const start = cache.start.length === cells + 1 ? cache.start : new Uint32Array(cells + 1);
  start.fill(0);
  if (cache.cellOf.length < n) cache.cellOf = new Int32Array(n);
  Object.assign(cache, { sx: NaN, sy: NaN, start, pending: null });
  cache.build = {
    xs: input.xs,
    ys: input.ys,
    n,
    size,
    width,
    height,
    transform: input.transform,
    margin,
    gridWidth,
    gridHeight,
    start,
    order: cache.order,
    phase: 0,
    next: 0,
    nonFinite: 0,
    xAbsMax: 0,
    yAbsMax: 0,
    inGrid: 0,
  };
}

/**
 * Runs `cache.build` a slice of `sliceRows` rows at a time until it is done (then its cells replace the cache's;
 * returns false) or `shouldYield` says to stop after a slice (returns true). Stable: each cell's rows ascend.
 */
function stepBuild(cache: PointCache, shouldYield: () => boolean = () => false, sliceRows = Infinity): boolean {
  const b = cache.build!;
  const cellOf = cache.cellOf;
  const { xs, ys, n, size, start, gridWidth, gridHeight } = b;
  const { sx, ox, sy, oy } = b.transform;
  const half = size >> 1;
  // Grid column of a square whose left edge is at pixel l: l + pad + margin (the same for rows).
  const shift = size - 1 + b.margin;
  const slice = Math.max(1, sliceRows);
  for (;;) {
    const end = Math.min(n, b.next + slice);
    if (b.phase === 0) {
      let { nonFinite, xAbsMax, yAbsMax, inGrid } = b;
      for (let i = b.next; i < end; i++) {
        const x = xs[i];
        const y = ys[i];
        if (x - x !== 0 || y - y !== 0) {
          nonFinite++;
          cellOf[i] = -1;
          continue;
        }
        const ax = x < 0 ? -x : x;
        const ay = y < 0 ? -y : y;
        if (ax > xAbsMax) xAbsMax = ax;
        if (ay > yAbsMax) yAbsMax = ay;
        const px = x * sx + ox;
        const py = y * sy + oy;
        // Compared before truncating (far-off points can exceed the int32 range), loosely: the exact test is below.
        if (!(px > -shift - size && px < gridWidth && py > -shift - size && py < gridHeight)) {
          cellOf[i] = -1;
          continue;
        }
        // The uncached loops' arithmetic to the bit where they draw (px > −size); a plain floor in the margin.
        const gx = (px > -size ? ((px + size) | 0) - size : Math.floor(px)) - half + shift;
        const gy = (py > -size ? ((py + size) | 0) - size : Math.floor(py)) - half + shift;
        if (gx < 0 || gx >= gridWidth || gy < 0 || gy >= gridHeight) {
          cellOf[i] = -1;
          continue;
        }
        const c = gy * gridWidth + gx;
        cellOf[i] = c;
        start[c + 1]++;
        inGrid++;
      }
      Object.assign(b, { nonFinite, xAbsMax, yAbsMax, inGrid, next: end });
      if (end === n) {
        const cells = gridWidth * gridHeight;
        for (let c = 0; c < cells; c++) start[c + 1] += start[c];
        if (b.order.length !== inGrid) b.order = new Uint32Array(inGrid);
        Object.assign(b, { phase: 1, next: 0 });
      }
    } else {
      // Placing row i at its cell's next slot advances that cell's start; shifting the starts back restores them.
      const order = b.order;
      for (let i = b.next; i < end; i++) {
        const c = cellOf[i];
        if (c >= 0) order[start[c]++] = i;
      }
      b.next = end;
      if (end === n) {
        start.copyWithin(1, 0, gridWidth * gridHeight);
        start[0] = 0;
        Object.assign(cache, {
          xs,
          ys,
          size,
          width: b.width,
          height: b.height,
          sx,
          sy,
          ox,
          oy,
          xAbsMax: b.xAbsMax,
          yAbsMax: b.yAbsMax,
          nonFinite: b.nonFinite,
          margin: b.margin,
          gridWidth,
          start,
          order,
          pending: null,
          build: null,
          generation: cache.generation + 1,
          frame: null,
        });
        return false;
      }
    }
    if (shouldYield()) return true;
  }
}

/**
 * Idle work for the scene: sorts the rows of `input` into cells at its scale a slice at a time, so that the next
 * frame at that scale (the selection change after a zoom) finds them instead of sorting on that frame. Returns
 * true while work remains (call again, after yielding), false when the cells fit `input` (nothing was left to do,
 * or the last slice finished them). `shouldYield` is asked after each slice of {@link BUILD_SLICE_ROWS} rows
 * (`sliceRows`: smaller slices, for tests). A frame drawn in between drops a sort for another scale; one for its
 * scale it finishes, or with `sortWhenIdle` leaves to go on. Nothing to do beyond {@link KEYED_MAX_ROWS} rows.
 */
export function prepareCache(
  cache: PointCache,
  width: number,
  height: number,
  input: RasterInput,
  shouldYield: () => boolean,
  sliceRows = BUILD_SLICE_ROWS,
): boolean {
  const size = Math.max(1, Math.round(input.pointSizePx));
  const n = Math.min(input.xs.length, input.ys.length, input.colorIndex.length);
  if (width * height <= 0 || n > KEYED_MAX_ROWS) return false;
  if (cache.build && !(buildFits(cache.build, input, width, height, size) && cache.build.n === n)) cache.build = null;
  if (!cache.build) {
    if (fittingShift(cache, input, width, height, size)) return false;
    startBuild(cache, input, width, height, size, n);
  }
  return stepBuild(cache, shouldYield, sliceRows);
}

/**
 * Scratch reused across frames (grown when needed) and the combined colour table. One buffer, two views: the
 * plain path keeps its colour layers in `layerScratch`; the density path keeps palette-index layers and
 * counts in `shortScratch`, so toggling density does not hold two sets of layers (≈66 MB each at 4K).
 */
let layerScratch = new Uint32Array(0);
let shortScratch = new Uint16Array(0);
let intScratch = new Int32Array(0);
const tableScratch = new Uint32Array(1024);

/** Grows the scratch buffer to at least `bytes`. */
function scratch(bytes: number): void {
  if (layerScratch.byteLength >= bytes) return;
  layerScratch = new Uint32Array(Math.ceil(bytes / 4));
  shortScratch = new Uint16Array(layerScratch.buffer);
  intScratch = new Int32Array(layerScratch.buffer);
}

/**
 * "auto" counts points per pixel when the rows could cover this fraction of the plot (rows × square area ≥
 * 20 % of the pixels), and shades when the points actually drawn do, or when one pixel holds
 * {@link AUTO_DENSITY_MAX_COUNT} points. Below that bound a frame is drawn as with "off", at no extra cost.
 */
export const AUTO_DENSITY_COVERAGE = 0.2;
/** "auto" also shades a counted frame (e.g. zoomed into a pile of ties) when some pixel holds this many points. */
export const AUTO_DENSITY_MAX_COUNT = 10;

/** Writes the part of a square at (`left`, `top`) inside the box (a colour, or a palette index); false if none is. */
function drawClipped(
  target: Uint32Array | Uint16Array,
  width: number,
  height: number,
  layer: number,
  left: number,
  top: number,
  size: number,
  colour: number,
): boolean {
  const x0 = left < 0 ? 0 : left;
  const x1 = left + size > width ? width : left + size;
  const y0 = top < 0 ? 0 : top;
  const y1 = top + size > height ? height : top + size;
  if (x0 >= x1 || y0 >= y1) return false;
  for (let row = layer + y0 * width, end = layer + y1 * width; row < end; row += width) {
    for (let p = row + x0, stop = row + x1; p < stop; p++) target[p] = colour;
  }
  return true;
}

/** Offset of the bright table in `tableScratch`: colour = table[(selected << 9) | colourIndex]. */
const SELECTED_TABLE_SHIFT = 9;

/** Geometry shared by the two point loops. */
interface PointPass {
  xs: Float64Array;
  ys: Float64Array;
  colorIndex: Uint16Array;
  mask: Uint8Array | null;
  n: number;
  sx: number;
  ox: number;
  sy: number;
  oy: number;
  size: number;
  width: number;
  height: number;
  area: number;
}

/** A cache and the whole-pixel shift under which it gives this frame's cells. */
interface CachedPass {
  cache: PointCache;
  dx: number;
  dy: number;
}

/** What a point loop drew. */
interface PassStats {
  drawn: number;
  skipped: number;
  outside: number;
}

/**
 * Clears `pixels` (a `width × height` ImageData view) to the background and draws every point as a square:
 * unselected rows dimmed, selected rows bright on top so that the selection is always visible, whatever the
 * row order; within each group later rows overwrite earlier ones. Allocates no buffers per frame.
 *
 * With a mask, each row goes to one of two layers chosen arithmetically from its mask byte (no branch: a
 * random selection made the branchy two-pass version mispredict on every other row), then the selected
 * layer is composited over the dimmed one (0.5 ms at 800×600). Measured at 10^6 rows with a random half
 * selected (Node 20, 2 px points, best of 20): ≈10 ms, against ≈15 ms for "draw the dimmed rows, collect
 * the selected, draw those" and ≈27 ms for two scans filtered by the mask.
 *
 * Density shading (`palette.density`; "auto" is described at {@link AUTO_DENSITY_COVERAGE}) counts the points
 * of each layer per pixel and scales the pixel's intensity over the background with the log of its count:
 * `t = log(1 + c) / log(1 + cMax)`, intensity = floor + (1 − floor) · t, with DENSITY_FLOOR for the bright
 * layer and DENSITY_DIM_FLOOR (relative to the dimmed colour) for the dimmed one. A lone point keeps at least
 * the floor, the frame's densest pixel gets the full colour, and a frame without overlap (cMax = 1) comes out
 * unchanged. The log keeps a pile of duplicates (ties are common in margins) from flattening everything else,
 * as a linear scale would. cMax is shared by both layers so that a count means the same intensity in each,
 * and a small selection is not drawn as if it were dense. The pixel's colour stays the palette colour of the
 * last point drawn there, as with shading off: the colormap still reads as values and only intensity encodes
 * density (a mean colour would need three more accumulators per pixel and mixes colours off the colormap).
 */
export function rasterize(pixels: Uint32Array, width: number, height: number, input: RasterInput): RasterStats {
  const { xs, ys, colorIndex, mask } = input;
  const { sx, ox, sy, oy } = input.transform;
  const { bright, dim, background, density } = input.palette;
  const size = Math.max(1, Math.round(input.pointSizePx));
  // The square spans [c - half, c - half + size) around the pixel c that contains the point.
  const half = size >> 1;
  const n = Math.min(xs.length, ys.length, colorIndex.length);
  const area = width * height;
  const counting =
    density === "on" || (density === "auto" && area > 0 && n * size * size >= AUTO_DENSITY_COVERAGE * area);
  // Up to KEYED_MAX_ROWS rows a cache draws from cells, or keyed at a new scale; beyond, the plain loops.
  if (input.cache && area > 0 && n <= KEYED_MAX_ROWS) {
    const pass: PointPass = { xs, ys, colorIndex, mask, n, sx, ox, sy, oy, size, width, height, area };
    const shift = cachedShift(input.cache, input, width, height, size, n);
    return shift
      ? rasterizeCellsKeyed(pixels, input.palette, pass, { cache: input.cache, ...shift }, counting)
      : rasterizeKeyed(pixels, input.palette, pass, input.cache, counting);
  }
  if (counting) {
    const pass: PointPass = { xs, ys, colorIndex, mask, n, sx, ox, sy, oy, size, width, height, area };
    return rasterizeDensity(pixels, input.palette, pass);
  }
  if (mask) scratch(8 * area);
  const target = mask ? layerScratch : pixels;
  if (mask) {
    target.fill(background, 0, area);
    // 0 marks "no selected point here" (every palette colour is opaque, hence non-zero).
    target.fill(0, area, 2 * area);
  } else pixels.fill(background, 0, area);
  const table = tableScratch;
  table.set(mask ? dim : bright, 0);
  table.set(bright, 1 << SELECTED_TABLE_SHIFT);
  const xLast = width - size;
  const yLast = height - size;
  let drawn = 0;
  let skipped = 0;
  let outside = 0;
  // The hot loop is written out inline on purpose: a helper per point cost +40 % (V8 did not inline it).
  for (let i = 0; i < n; i++) {
    // 1 for any non-zero mask byte, 0 otherwise, without a branch.
    const m = mask === null ? 0 : (-mask[i] >> 31) & 1;
    const x = xs[i];
    const y = ys[i];
    // `v - v !== 0` is true for NaN and ±Infinity in one comparison.
    if (x - x !== 0 || y - y !== 0) {
      skipped++;
      continue;
    }
    const px = x * sx + ox;
    const py = y * sy + oy;
    // Compare before truncating: far-off points (deep zoom) can exceed the int32 range.
    if (!(px > -size && px < width + size && py > -size && py < height + size)) {
      outside++;
      continue;
    }
    // `(v + size) | 0` floors for v > -size and is much cheaper than Math.floor in this loop.
    const left = ((px + size) | 0) - size - half;
    const top = ((py + size) | 0) - size - half;
    const colour = table[(m << SELECTED_TABLE_SHIFT) | colorIndex[i]];
    const layer = m * area;
    if (left >= 0 && top >= 0 && left <= xLast && top <= yLast) {
      let p = layer + top * width + left;
      if (size === 2) {
        target[p] = colour;
        target[p + 1] = colour;
        p += width;
        target[p] = colour;
        target[p + 1] = colour;
      } else if (size === 1) target[p] = colour;
      else if (size === 3) {
        target[p] = colour;
        target[p + 1] = colour;
        target[p + 2] = colour;
        p += width;
        target[p] = colour;
        target[p + 1] = colour;
        target[p + 2] = colour;
        p += width;
        target[p] = colour;
        target[p + 1] = colour;
        target[p + 2] = colour;
      } else {
        for (let row = 0; row < size; row++, p += width) for (let c = 0; c < size; c++) target[p + c] = colour;
      }
      drawn++;
      continue;
    }
    // Partly outside: clip the square to the box (rare; kept out of the loop body).
    if (drawClipped(target, width, height, layer, left, top, size, colour)) drawn++;
    else outside++;
  }
  if (mask) {
    for (let p = 0; p < area; p++) {
      const s = target[area + p];
      pixels[p] = s !== 0 ? s : target[p];
    }
  }
  return { drawn, skippedNaN: skipped, outside, density: false, maxCount: 0 };
}

/**
 * The density path of {@link rasterize}. The point loop writes each row's palette index into its square, as the
 * plain loop writes colours, and adds one to a count at the square's top-left pixel only; a box sum over the
 * point size then turns those into the number of squares covering each pixel. Costs ≈ +4 ms over the plain
 * path at 10^6 rows, 900×420 px, 1–3 px points (bench/RESULTS.md). Counting at every covered pixel instead
 * (index and count packed in one Int32 per pixel) adds a dependent load per pixel per point: the same at 2 px,
 * but ≈1.7× this path's extra cost at 3 and 4 px in a side-by-side run, while the box sum's cost does not grow
 * with the point size.
 */
function rasterizeDensity(pixels: Uint32Array, palette: PaletteSet, pass: PointPass): RasterStats {
  const { bright, dim, background, density } = palette;
  const { mask, size, width, height, area } = pass;
  const layers = mask ? 2 : 1;
  // Counts live on a grid padded by size − 1 at the top and left, where squares clipped by the box start.
  const pad = size - 1;
  const countWidth = width + pad;
  const countArea = countWidth * (height + pad);
  const counts = layers * area;
  scratch(2 * (counts + layers * countArea));
  const buf = shortScratch;
  buf.fill(0, counts, counts + layers * countArea);
  const s = countPoints(buf, counts, countWidth, countArea, pass);
  let maxCount = 0;
  for (let l = 0; l < layers; l++) {
    const m = boxSum(buf, counts + l * countArea, countWidth, width, height, size);
    if (m > maxCount) maxCount = m;
  }
  const shaded =
    density === "on" || s.drawn * size * size >= AUTO_DENSITY_COVERAGE * area || maxCount >= AUTO_DENSITY_MAX_COUNT;
  // Layer 0 holds the dimmed rows under a mask, every row without one; the bright layer is the last one.
  const over = layers - 1;
  const layout: LayerLayout = { area, width, height, countBase: counts, countWidth, countArea, over };
  if (!shaded) composite(pixels, buf, layout, bright, mask ? dim : bright, background);
  else {
    const overLevels = intensityTable(overLevelScratch, maxCount, DENSITY_FLOOR);
    const underLevels = mask ? intensityTable(underLevelScratch, maxCount, DENSITY_DIM_FLOOR) : overLevels;
    shadeLayers(pixels, buf, layout, bright, mask ? dim : bright, overLevels, underLevels, maxCount, background);
  }
  return { drawn: s.drawn, skippedNaN: s.skipped, outside: s.outside, density: shaded, maxCount };
}

/** Where the density path's layers lie in `shortScratch`: index layers from 0, count grids from `countBase`. */
interface LayerLayout {
  area: number;
  width: number;
  height: number;
  countBase: number;
  countWidth: number;
  countArea: number;
  /** Layer drawn on top (0 without a mask, 1 with one). */
  over: number;
}

/** Per-column running sums of {@link boxSum} (grown when needed). */
let columnScratch = new Uint32Array(0);

/** Largest count Uint16 holds: counts and box sums saturate there (such a pixel is at full intensity anyway). */
const COUNT_MAX = 0xffff;

/**
 * Turns top-left counts into coverage counts in place: afterwards `buf[base + y * stride + x]` (x < width,
 * y < height) is the number of `size`-squares covering pixel (x, y), the sum of the counts in the size × size
 * window right of and below it. Each cell is overwritten only after the last window that reads it, so no
 * second buffer is needed. Sizes 2 and 3 take one pass; larger ones keep running sums along rows, then down
 * columns. Returns the largest coverage.
 */
function boxSum(buf: Uint16Array, base: number, stride: number, width: number, height: number, size: number): number {
  return boxSumFrom(buf, base, buf, base, stride, width, height, size);
}

/**
 * {@link boxSum} reading the top-left counts from `src` at `srcBase` and writing the coverage to `buf` at `base`
 * (the same array and base: in place). Sizes 1–3 read the source directly (each of their loops reads only cells at
 * or past the one it writes); larger sizes copy the grid first.
 */
function boxSumFrom(
  src: Uint16Array,
  srcBase: number,
  buf: Uint16Array,
  base: number,
  stride: number,
  width: number,
  height: number,
  size: number,
): number {
  let max = 0;
  if (size === 1) {
    if (src !== buf || srcBase !== base) buf.set(src.subarray(srcBase, srcBase + stride * height), base);
    for (let p = base, end = base + stride * height; p < end; p++) if (buf[p] > max) max = buf[p];
    return max;
  }
  // Offset of a cell's source from its target (0 in place).
  const d = srcBase - base;
  if (size > 3 && (src !== buf || d !== 0)) {
    buf.set(src.subarray(srcBase, srcBase + stride * (height + size - 1)), base);
    return boxSumFrom(buf, base, buf, base, stride, width, height, size);
  }
  // Sizes 2 and 3 slide along each row keeping the last column sums of the window (read before overwritten).
  if (size === 2) {
    for (let row = base, end = base + height * stride; row < end; row += stride) {
      let right = src[row + d] + src[row + d + stride];
      for (let p = row, stop = row + width; p < stop; p++) {
        const left = right;
        right = src[p + d + 1] + src[p + d + 1 + stride];
        const sum = left + right;
        const c = sum > COUNT_MAX ? COUNT_MAX : sum;
        buf[p] = c;
        if (c > max) max = c;
      }
    }
    return max;
  }
  if (size === 3) {
    const s2 = 2 * stride;
    for (let row = base, end = base + height * stride; row < end; row += stride) {
      const r = row + d;
      let c0 = src[r] + src[r + stride] + src[r + s2];
      let c1 = src[r + 1] + src[r + 1 + stride] + src[r + 1 + s2];
      for (let p = row, stop = row + width; p < stop; p++) {
        const q = p + d;
        const c2 = src[q + 2] + src[q + 2 + stride] + src[q + 2 + s2];
        const sum = c0 + c1 + c2;
        c0 = c1;
        c1 = c2;
        const c = sum > COUNT_MAX ? COUNT_MAX : sum;
        buf[p] = c;
        if (c > max) max = c;
      }
    }
    return max;
  }
  // Running sums, O(1) per cell whatever the size: along each row, then down each column (one total per column).
  // Each reads the cell `size` ahead before that cell is overwritten; the last step of a row/column reads none.
  for (let row = base, end = base + (height + size - 1) * stride; row < end; row += stride) {
    let run = 0;
    for (let i = 0; i < size; i++) run += buf[row + i];
    for (let p = row, last = row + width - 1; p <= last; p++) {
      const old = buf[p];
      buf[p] = run > COUNT_MAX ? COUNT_MAX : run;
      if (p < last) run += buf[p + size] - old;
    }
  }
  if (columnScratch.length < width) columnScratch = new Uint32Array(width);
  const column = columnScratch;
  column.fill(0, 0, width);
  for (let j = 0; j < size; j++) for (let x = 0; x < width; x++) column[x] += buf[base + j * stride + x];
  const below = size * stride;
  for (let y = 0, row = base; y < height; y++, row += stride) {
    for (let x = 0, p = row; x < width; x++, p++) {
      const run = column[x];
      const c = run > COUNT_MAX ? COUNT_MAX : run;
      const old = buf[p];
      buf[p] = c;
      if (c > max) max = c;
      if (y < height - 1) column[x] = run + buf[p + below] - old;
    }
  }
  return max;
}

/** Unshaded composite of the density layers: exactly the plain path's pixels (last point's colour, bright on top). */
function composite(
  pixels: Uint32Array,
  buf: Uint16Array,
  layout: LayerLayout,
  bright: Uint32Array,
  under: Uint32Array,
  background: number,
): void {
  const { area, width, height, countBase, countWidth, countArea, over } = layout;
  const overIndex = over * area;
  const overShift = over * countArea;
  for (let y = 0, p = 0; y < height; y++) {
    for (let x = 0, c = countBase + y * countWidth; x < width; x++, p++, c++) {
      pixels[p] = buf[c + overShift] !== 0 ? bright[buf[overIndex + p]] : buf[c] !== 0 ? under[buf[p]] : background;
    }
  }
}

/**
 * Composites the bright layer over the dimmed one into `pixels`, each pixel's palette colour shaded to its
 * coverage's intensity (`overLevels` / `underLevels` below INTENSITY_TABLE_SIZE, computed above it).
 */
function shadeLayers(
  pixels: Uint32Array,
  buf: Uint16Array,
  layout: LayerLayout,
  bright: Uint32Array,
  under: Uint32Array,
  overLevels: Uint16Array,
  underLevels: Uint16Array,
  maxCount: number,
  background: number,
): void {
  const { area, width, height, countBase, countWidth, countArea, over } = layout;
  const overIndex = over * area;
  const overShift = over * countArea;
  const underFloor = over === 0 ? DENSITY_FLOOR : DENSITY_DIM_FLOOR;
  const bgRB = background & 0xff00ff;
  const bgG = background & 0xff00;
  for (let y = 0, p = 0; y < height; y++) {
    for (let x = 0, c = countBase + y * countWidth; x < width; x++, p++, c++) {
      const v = buf[c + overShift];
      if (v !== 0) {
        const a = v < INTENSITY_TABLE_SIZE ? overLevels[v] : intensity(v, maxCount, DENSITY_FLOOR);
        pixels[p] = shade(bright[buf[overIndex + p]], a, bgRB, bgG);
        continue;
      }
      const u = buf[c];
      if (u === 0) pixels[p] = background;
      else {
        const a = u < INTENSITY_TABLE_SIZE ? underLevels[u] : intensity(u, maxCount, underFloor);
        pixels[p] = shade(under[buf[p]], a, bgRB, bgG);
      }
    }
  }
}

/**
 * The point loop of {@link rasterize} for the density path: palette indices into the index layers of `buf`
 * (from 0), one count per drawn point at its square's top-left on the padded count grids (from `countBase`).
 * A copy rather than a flag in the plain loop, so that the unshaded path stays exactly as fast as before.
 */
function countPoints(
  buf: Uint16Array,
  countBase: number,
  countWidth: number,
  countArea: number,
  pass: PointPass,
): PassStats {
  const { xs, ys, colorIndex, mask, n, sx, ox, sy, oy, size, width, height, area } = pass;
  const half = size >> 1;
  const xLast = width - size;
  const yLast = height - size;
  // The count of a square at (left, top) sits at (left + pad, top + pad) of its layer's grid.
  const pad = size - 1;
  const countOrigin = countBase + pad * countWidth + pad;
  let drawn = 0;
  let skipped = 0;
  let outside = 0;
  for (let i = 0; i < n; i++) {
    const m = mask === null ? 0 : (-mask[i] >> 31) & 1;
    const x = xs[i];
    const y = ys[i];
    if (x - x !== 0 || y - y !== 0) {
      skipped++;
      continue;
    }
    const px = x * sx + ox;
    const py = y * sy + oy;
    if (!(px > -size && px < width + size && py > -size && py < height + size)) {
      outside++;
      continue;
    }
    const left = ((px + size) | 0) - size - half;
    const top = ((py + size) | 0) - size - half;
    const idx = colorIndex[i];
    const layer = m * area;
    if (left >= 0 && top >= 0 && left <= xLast && top <= yLast) {
      let p = layer + top * width + left;
      if (size === 2) {
        buf[p] = idx;
        buf[p + 1] = idx;
        p += width;
        buf[p] = idx;
        buf[p + 1] = idx;
      } else if (size === 1) buf[p] = idx;
      else if (size === 3) {
        buf[p] = idx;
        buf[p + 1] = idx;
        buf[p + 2] = idx;
        p += width;
        buf[p] = idx;
        buf[p + 1] = idx;
        buf[p + 2] = idx;
        p += width;
        buf[p] = idx;
        buf[p + 1] = idx;
        buf[p + 2] = idx;
      } else {
        for (let row = 0; row < size; row++, p += width) for (let c = 0; c < size; c++) buf[p + c] = idx;
      }
    } else if (!drawClipped(buf, width, height, layer, left, top, size, idx)) {
      outside++;
      continue;
    }
    const k = countOrigin + m * countArea + top * countWidth + left;
    // Saturating +1 without a branch: c >>> 16 is 1 only when c reached 65,536.
    const c = buf[k] + 1;
    buf[k] = c - (c >>> 16);
    drawn++;
  }
  return { drawn, skipped, outside };
}

/** Counts below this bound take their intensity from a per-frame table; the few denser pixels compute it. */
const INTENSITY_TABLE_SIZE = 4096;
const overLevelScratch = new Uint16Array(INTENSITY_TABLE_SIZE);
const underLevelScratch = new Uint16Array(INTENSITY_TABLE_SIZE);

/** Intensity (fixed point, 256 = the full colour) of a pixel holding `count` points when the densest holds `max`. */
function intensity(count: number, max: number, floor: number): number {
  const t = max > 1 ? Math.log1p(count) / Math.log1p(max) : 1;
  return Math.round(256 * (floor + (1 - floor) * t));
}

/** Fills `table[c]` with {@link intensity} for 1 ≤ c ≤ min(max, table size − 1). */
function intensityTable(table: Uint16Array, max: number, floor: number): Uint16Array {
  const last = max < INTENSITY_TABLE_SIZE - 1 ? max : INTENSITY_TABLE_SIZE - 1;
  for (let c = 1; c <= last; c++) table[c] = intensity(c, max, floor);
  return table;
}

/**
 * `colour` moved towards the background (its red|blue bits `bgRB`, green bits `bgG`) to intensity `a`/256: the
 * fixed-point form of palette.ts's `mixPixel(colour, background, 1 − a/256)`, which allocates and is too slow
 * per pixel. Red and blue are blended together in one multiply (each product stays below 2^16 in its lane);
 * a = 256 gives the colour itself; the result is opaque.
 */
function shade(colour: number, a: number, bgRB: number, bgG: number): number {
  const rb = (((Math.imul(colour & 0xff00ff, a) + Math.imul(bgRB, 256 - a)) | 0) >>> 8) & 0xff00ff;
  const g = ((Math.imul(colour & 0xff00, a) + Math.imul(bgG, 256 - a)) >>> 8) & 0xff00;
  return (0xff000000 | rb | g) >>> 0;
}

/**
 * Rows a {@link rasterizeKeyed} key holds: (row + 1) takes 22 bits, under the selection bit and above 9 bits of
 * palette index (0..256). Larger tables draw their frames at a new scale with the plain loops.
 */
export const KEYED_MAX_ROWS = 2 ** 22 - 1;
/** Low bits of a key: the palette index, as in the colour table of the plain path (`SELECTED_TABLE_SHIFT`). */
const KEY_INDEX_MASK = (1 << SELECTED_TABLE_SHIFT) - 1;
/** A cell no row starts at. Keys are stored with the selection bit flipped so that signed order ranks them. */
const KEY_EMPTY = -0x80000000;

/**
 * A frame at a new scale (a zoom step, a sub-pixel pan, new data) for a scene with a {@link PointCache}: the same
 * pixels and stats as the plain and density loops, from one write per row instead of one per pixel of its square.
 *
 * Each row writes a key at its square's top-left cell of one padded grid (the density path's count grid):
 * selected · 2^31 + (row + 1) · 2^9 + palette index, compared as unsigned, so that a cell keeps the largest, and
 * counts itself in its layer's count grid when the frame counts. A box max over the point size then gives each
 * pixel the largest key covering it — a selected row before any dimmed one, then the highest row, which is exactly
 * the row that the plain loop leaves on top — and the density path's box sum its coverage. A selection bit and a
 * row per pixel replace the two colour layers: 4 bytes of keys and 1 (plus a rarely used carry byte) per count layer
 * per cell, where the density loop writes 2 bytes per layer per pixel of every square (4 writes per 2 px point) and
 * the count beside them. At 2 px the box passes and the colouring are one read-only pass ({@link composeKeys2Bytes}).
 */
function rasterizeKeyed(
  pixels: Uint32Array,
  palette: PaletteSet,
  pass: PointPass,
  cache: PointCache,
  counting: boolean,
): RasterStats {
  const { mask, n, size, width, height } = pass;
  const countWidth = width + size - 1;
  const countArea = countWidth * (height + size - 1);
  const layers = mask ? 2 : 1;
  const { keys, buf, countBase } = keyedGrids(cache, countArea, layers, counting);
  if (!mask && zeroMask.length < n) zeroMask = new Uint8Array(n);
  const rowMask = mask ?? zeroMask;
  const skipped = nonFiniteRows(cache, pass.xs, pass.ys, n);
  if (!counting) {
    const drawn = keyUncounted(keys, countWidth, pass, rowMask);
    return composeKeys(pixels, palette, pass, keys, buf, countBase, counting, drawn, skipped);
  }
  // The count layers' bytes (zeroed) hold the byte counts, then their overflow bytes ({@link keyCounted}).
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset + 2 * countBase, 2 * layers * countArea);
  const drawn = keyCounted(keys, bytes, countWidth, countArea, layers * countArea, pass, rowMask);
  if (!countsSpilled && size === 2)
    return composeKeys2Bytes(pixels, palette, pass, keys, bytes, countArea, drawn, skipped);
  const wide = widenCounts(bytes, layers * countArea);
  return composeKeys(pixels, palette, pass, keys, wide, 0, counting, drawn, skipped);
}

/** Whether the last {@link keyCounted} pass had a cell of a layer reach 256 rows (its counts then need widening). */
let countsSpilled = false;

/** 16-bit counts of {@link widenCounts} (grown when needed). */
let wideScratch = new Uint16Array(0);

/**
 * The `cells` 16-bit counts of {@link keyCounted}'s byte counts (low bytes from 0, overflow bytes from `cells`): what
 * the box passes read for sizes other than 2 and for frames whose counts spilled.
 */
function widenCounts(bytes: Uint8Array, cells: number): Uint16Array {
  if (wideScratch.length < cells) wideScratch = new Uint16Array(cells);
  const wide = wideScratch;
  for (let c = 0; c < cells; c++) wide[c] = (bytes[cells + c] << 8) | bytes[c];
  return wide;
}

/**
 * {@link rasterize} from a {@link PointCache}'s cells, keyed: each non-empty cell's key (its last selected row, else
 * its last row) and its two counts, from one pass over the rows in cell order reading their mask bytes, then the box
 * max and compose of {@link rasterizeKeyed}. Rows of a cell ascend, so "last" is the largest. The per-cell values
 * are kept ({@link CellFrame}): the next frame at the same cells and shift with few flipped mask bits recomputes only
 * the cells holding those rows.
 */
function rasterizeCellsKeyed(
  pixels: Uint32Array,
  palette: PaletteSet,
  pass: PointPass,
  cached: CachedPass,
  counting: boolean,
): RasterStats {
  const { mask, size, width, height } = pass;
  const cache = cached.cache;
  const countArea = (width + size - 1) * (height + size - 1);
  const frame = cellFrame(cache, pass, cached, countArea);
  const { keys, buf, countBase } = keyedScratch(countArea, mask ? 2 : 1, counting, false);
  return composeKeys(pixels, palette, pass, keys, buf, countBase, counting, frame.drawn, cache.nonFinite, frame);
}

/** Flipped rows past which a frame computes every cell again rather than the cells holding them (a fraction of n). */
const FLIPS_FOR_FULL_FRAME = 1 / 32;

/** Rows whose mask bit flipped ({@link changedRows}; grown when needed). */
let flippedScratch = new Int32Array(0);
/** Cells marked for recomputing in one frame, and the list of them (grown when needed; marks cleared after use). */
let dirtyMarks = new Uint8Array(0);
let dirtyScratch = new Int32Array(0);

/**
 * The cache's {@link CellFrame} for this frame: the last one updated in place when only mask bits flipped (few
 * enough of them), else every cell computed again into it (its arrays reused when their sizes fit).
 */
function cellFrame(cache: PointCache, pass: PointPass, cached: CachedPass, countArea: number): CellFrame {
  const { colorIndex, mask, n } = pass;
  const last = cache.frame;
  const same =
    last !== null &&
    last.generation === cache.generation &&
    last.dx === cached.dx &&
    last.dy === cached.dy &&
    last.countArea === countArea &&
    last.colorIndex === colorIndex &&
    last.masked === (mask !== null) &&
    (mask === null || (mask.length >= n && last.mask.length === n));
  if (same) {
    if (mask === null) return last;
    const flips = manyFlips(mask, last.mask, n)
      ? -1
      : changedRows(mask, last.mask, n, Math.floor(n * FLIPS_FOR_FULL_FRAME));
    if (flips >= 0) {
      recomputeFlipped(last, cache, pass, cached, flips);
      return last;
    }
  }
  const frame: CellFrame =
    last && last.countArea === countArea && (mask === null || last.mask.length === n)
      ? last
      : {
          generation: 0,
          dx: 0,
          dy: 0,
          countArea,
          colorIndex,
          masked: false,
          mask: mask ? new Uint8Array(n) : new Uint8Array(0),
          keys: new Int32Array(countArea),
          counts: new Uint16Array(2 * countArea),
          drawn: 0,
        };
  Object.assign(frame, { generation: cache.generation, dx: cached.dx, dy: cached.dy, colorIndex, masked: !!mask });
  if (mask) frame.mask.set(mask.length === n ? mask : mask.subarray(0, n));
  computeCells(frame, cache, pass, cached);
  cache.frame = frame;
  return frame;
}

/**
 * Every cell of the count grid into `frame`: each non-empty cell's key and counts (empty cells: KEY_EMPTY, 0), and
 * the number of rows drawn.
 */
function computeCells(frame: CellFrame, cache: PointCache, pass: PointPass, cached: CachedPass): void {
  const { colorIndex, mask, size, width, height } = pass;
  const { order, start, gridWidth, margin } = cache;
  const { keys, counts, countArea } = frame;
  const countWidth = width + size - 1;
  const countHeight = height + size - 1;
  // Count-grid cell (cx, cy) is grid cell (cx + margin − dx, cy + margin − dy).
  const gridLeft = margin - cached.dx;
  const gridTop = margin - cached.dy;
  keys.fill(KEY_EMPTY);
  counts.fill(0);
  const bits = mask ? packMask(mask, pass.n) : null;
  let drawn = 0;
  for (let cy = 0; cy < countHeight; cy++) {
    const gridRow = (cy + gridTop) * gridWidth + gridLeft;
    for (let cx = 0, cell = cy * countWidth; cx < countWidth; cx++, cell++) {
      const c = gridRow + cx;
      const first = start[c];
      const end = start[c + 1];
      if (first === end) continue;
      drawn += end - first;
      if (mask === null) {
        const row = order[end - 1];
        keys[cell] = ((row + 1) << SELECTED_TABLE_SHIFT) | colorIndex[row] | KEY_EMPTY;
        counts[cell] = end - first > COUNT_MAX ? COUNT_MAX : end - first;
        continue;
      }
      packedCell(keys, counts, countArea, cell, order, first, end, bits!, colorIndex);
    }
  }
  frame.drawn = drawn;
}

/** Selection bits of {@link packMask} (grown when needed). */
let bitScratch = new Int32Array(0);

/**
 * The mask's first `n` bytes as bits (row i at bit i & 31 of word i >> 5; any non-zero byte is 1), for a pass that
 * reads them in cell order, i.e. at random: 125 KB at 10⁶ rows stay in the L1 and L2 caches, where the bytes (1 MB)
 * compete with the row order and the grids. Four bytes at a time where the mask is aligned (0.35 ms at 10⁶ rows in
 * Node); the cell pass that reads them took 7.1 ms on the bytes and 5.4 on the bits, packing included.
 */
function packMask(mask: Uint8Array, n: number): Int32Array {
  const wordCount = (n + 31) >> 5;
  if (bitScratch.length < wordCount) bitScratch = new Int32Array(wordCount);
  const bits = bitScratch;
  const full = n >> 5;
  let w = 0;
  if (mask.byteOffset % 4 === 0) {
    const quads = new Uint32Array(mask.buffer, mask.byteOffset, full << 3);
    for (let q = 0; w < full; w++) {
      let word = 0;
      for (let j = 0; j < 32; j += 4, q++) {
        const v = quads[q];
        // Bit 7 of each byte set when the byte is non-zero; moved to bits 0, 8, 16, 24, then gathered into bits 24–27
        // by one multiply (no two partial products share a bit, so nothing carries).
        const nonZero = ((((v & 0x7f7f7f7f) + 0x7f7f7f7f) | v) >>> 7) & 0x01010101;
        word |= (Math.imul(nonZero, 0x01020408) >>> 24) << j;
      }
      bits[w] = word;
    }
  }
  for (; w < wordCount; w++) {
    let word = 0;
    for (let i = w << 5, end = Math.min(n, i + 32); i < end; i++) word |= ((-mask[i] >> 31) & 1) << (i & 31);
    bits[w] = word;
  }
  return bits;
}

/**
 * Writes one cell's key and counts from its rows' tally (`total` rows, `selected` of them selected, the last selected
 * and last dimmed row, −1 for none): the last selected row's key, else the last dimmed row's. Shared by
 * {@link maskedCell} and {@link packedCell}, whose row loops differ only in how they read the selection.
 */
function storeCell(
  keys: Int32Array,
  counts: Uint16Array,
  countArea: number,
  cell: number,
  total: number,
  selected: number,
  lastSelected: number,
  lastDim: number,
  colorIndex: Uint16Array,
): void {
  // All ones when the cell holds a selected row: its key then, else the last dimmed row's.
  const any = -selected >> 31;
  const row = (lastSelected & any) | (lastDim & ~any);
  keys[cell] = ((row + 1) << SELECTED_TABLE_SHIFT) | colorIndex[row] | (~any & KEY_EMPTY);
  const dimmed = total - selected;
  counts[cell] = dimmed > COUNT_MAX ? COUNT_MAX : dimmed;
  counts[countArea + cell] = selected > COUNT_MAX ? COUNT_MAX : selected;
}

/** {@link maskedCell} reading the selection from {@link packMask}'s bits. */
function packedCell(
  keys: Int32Array,
  counts: Uint16Array,
  countArea: number,
  cell: number,
  order: Uint32Array,
  first: number,
  end: number,
  bits: Int32Array,
  colorIndex: Uint16Array,
): void {
  let selected = 0;
  let lastDim = -1;
  let lastSelected = -1;
  for (let k = first; k < end; k++) {
    const row = order[k];
    const m = (bits[row >>> 5] >>> (row & 31)) & 1;
    selected += m;
    lastSelected = (row & -m) | (lastSelected & (m - 1));
    lastDim = (row & (m - 1)) | (lastDim & -m);
  }
  storeCell(keys, counts, countArea, cell, end - first, selected, lastSelected, lastDim, colorIndex);
}

/**
 * Key and counts of one cell holding rows `order[first] … order[end − 1]` (ascending) under `mask`: its last
 * selected row's key, else its last dimmed row's. Branch-free (a random selection mispredicts every other row): m is
 * 1 for a selected row, else 0, and `-m` / `m - 1` are all-ones masks that pick the row into one of two slots.
 */
function maskedCell(
  keys: Int32Array,
  counts: Uint16Array,
  countArea: number,
  cell: number,
  order: Uint32Array,
  first: number,
  end: number,
  mask: Uint8Array,
  colorIndex: Uint16Array,
): void {
  let selected = 0;
  let lastDim = -1;
  let lastSelected = -1;
  for (let k = first; k < end; k++) {
    const row = order[k];
    const m = (-mask[row] >> 31) & 1;
    selected += m;
    lastSelected = (row & -m) | (lastSelected & (m - 1));
    lastDim = (row & (m - 1)) | (lastDim & -m);
  }
  storeCell(keys, counts, countArea, cell, end - first, selected, lastSelected, lastDim, colorIndex);
}

/** Rows {@link manyFlips} reads. */
const FLIP_SAMPLE = 1024;

/**
 * Whether a sample of the rows says that far more than {@link FLIPS_FOR_FULL_FRAME} of them flipped (a new rule, a
 * switch of selections), so that {@link changedRows} would only scan until it gave up: ≈1 ms at 10⁶ rows when half
 * flip. Rows spread by a large odd step modulo n, so a periodic mask does not alias with the sample.
 */
function manyFlips(mask: Uint8Array, copy: Uint8Array, n: number): boolean {
  if (n < 8 * FLIP_SAMPLE) return false;
  const step = Math.floor(n * 0.6180339887) | 1;
  let flips = 0;
  for (let k = 0, i = 0; k < FLIP_SAMPLE; k++, i = (i + step) % n) if ((mask[i] !== 0) !== (copy[i] !== 0)) flips++;
  return flips > 2 * FLIPS_FOR_FULL_FRAME * FLIP_SAMPLE;
}

/**
 * The rows `i < n` whose mask bit (any non-zero byte) differs between `mask` and `copy`, into `flippedScratch`, with
 * `copy` brought up to `mask`; their number, or −1 once it passes `limit` (then `copy` is left part updated: the
 * caller computes every cell and copies the whole mask). Compares four bytes at a time where both are aligned.
 */
function changedRows(mask: Uint8Array, copy: Uint8Array, n: number, limit: number): number {
  if (flippedScratch.length < limit + 4) flippedScratch = new Int32Array(limit + 4);
  const out = flippedScratch;
  let count = 0;
  let i = 0;
  if (mask.byteOffset % 4 === 0 && copy.byteOffset % 4 === 0) {
    const a = new Uint32Array(mask.buffer, mask.byteOffset, n >> 2);
    const b = new Uint32Array(copy.buffer, copy.byteOffset, n >> 2);
    for (let w = 0; w < a.length; w++) {
      if (a[w] === b[w]) continue;
      for (let j = w << 2, end = j + 4; j < end; j++) {
        if ((mask[j] !== 0) !== (copy[j] !== 0)) out[count++] = j;
        copy[j] = mask[j];
      }
      if (count > limit) return -1;
    }
    i = a.length << 2;
  }
  for (; i < n; i++) {
    if (mask[i] === copy[i]) continue;
    if ((mask[i] !== 0) !== (copy[i] !== 0)) out[count++] = i;
    copy[i] = mask[i];
    if (count > limit) return -1;
  }
  return count;
}

/** Recomputes the cells of `frame` that hold one of the `flips` rows of `flippedScratch` (each cell once). */
function recomputeFlipped(frame: CellFrame, cache: PointCache, pass: PointPass, cached: CachedPass, flips: number) {
  const { colorIndex, mask, size, width, height } = pass;
  const { order, start, gridWidth, margin, cellOf } = cache;
  const { keys, counts, countArea } = frame;
  const countWidth = width + size - 1;
  const countHeight = height + size - 1;
  const gridLeft = margin - cached.dx;
  const gridTop = margin - cached.dy;
  if (dirtyMarks.length < countArea) dirtyMarks = new Uint8Array(countArea);
  if (dirtyScratch.length < flips) dirtyScratch = new Int32Array(flips);
  const marks = dirtyMarks;
  const dirty = dirtyScratch;
  let cells = 0;
  for (let f = 0; f < flips; f++) {
    const c = cellOf[flippedScratch[f]];
    if (c < 0) continue;
    const gy = Math.floor(c / gridWidth);
    const cx = c - gy * gridWidth - gridLeft;
    const cy = gy - gridTop;
    if (cx < 0 || cx >= countWidth || cy < 0 || cy >= countHeight) continue;
    const cell = cy * countWidth + cx;
    if (marks[cell] !== 0) continue;
    marks[cell] = 1;
    dirty[cells++] = cell;
  }
  for (let d = 0; d < cells; d++) {
    const cell = dirty[d];
    marks[cell] = 0;
    const cy = Math.floor(cell / countWidth);
    const c = (cy + gridTop) * gridWidth + gridLeft + (cell - cy * countWidth);
    maskedCell(keys, counts, countArea, cell, order, start[c], start[c + 1], mask!, colorIndex);
  }
}

/**
 * The scratch of a keyed frame: `countArea` keys (Int32, all {@link KEY_EMPTY}) from the start of the scratch
 * buffer, then, when counting, `layers` count grids (Uint16, zeroed) from `countBase`; not cleared when `clear` is
 * false (the caller writes every cell).
 */
function keyedScratch(
  countArea: number,
  layers: number,
  counting: boolean,
  clear = true,
): { keys: Int32Array; buf: Uint16Array; countBase: number } {
  const countBase = 2 * countArea;
  scratch(4 * countArea + (counting ? 2 * layers * countArea : 0));
  if (clear) intScratch.fill(KEY_EMPTY, 0, countArea);
  if (clear && counting) shortScratch.fill(0, countBase, countBase + layers * countArea);
  return { keys: intScratch, buf: shortScratch, countBase };
}

/**
 * Where a frame at a new scale writes its keys and counts ({@link keyedScratch}'s layout, cleared): the grids of the
 * cache's last {@link CellFrame} when their size fits, which that frame then no longer vouches for (its generation
 * is set to one no sort has), else the shared scratch. The last frame's grids are the memory the last redraws read:
 * the row pass's random writes over them took 10.5–11 ms at 10⁶ rows after a frame from cells, against 11.6–12.5 on
 * the scratch that no frame from cells touches (Node, same process, interleaved); its clear 0.25 against 0.47 ms.
 */
function keyedGrids(
  cache: PointCache,
  countArea: number,
  layers: number,
  counting: boolean,
): { keys: Int32Array; buf: Uint16Array; countBase: number } {
  const frame = cache.frame;
  if (!frame || frame.countArea !== countArea) return keyedScratch(countArea, layers, counting);
  frame.generation = -1;
  frame.keys.fill(KEY_EMPTY);
  if (counting) frame.counts.fill(0, 0, layers * countArea);
  return { keys: frame.keys, buf: frame.counts, countBase: 0 };
}

/**
 * The end of a keyed frame: coverage box sums of the count grids (when counting), the box max of the keys, then
 * each pixel's colour from its key (background where none), shaded by its winner's layer's coverage when the frame
 * is shaded. The stats are the plain loops'. With a `source`, the box passes read its keys and counts (which stay as
 * they are, for the next frame) and write `keys` and `buf`; without one they work on `keys` and `buf` in place. At
 * 2 px, {@link composeKeys2} does it all without writing either.
 */
function composeKeys(
  pixels: Uint32Array,
  palette: PaletteSet,
  pass: PointPass,
  keys: Int32Array,
  buf: Uint16Array,
  countBase: number,
  counting: boolean,
  drawn: number,
  skipped: number,
  source?: CellFrame,
): RasterStats {
  const { bright, dim, background, density } = palette;
  const { mask, n, size, width, height, area } = pass;
  const layers = mask ? 2 : 1;
  const countWidth = width + size - 1;
  const countArea = countWidth * (height + size - 1);
  if (size === 2) {
    const grid: KeyGrid = source
      ? { keys: source.keys, counts: source.counts, countBase: 0, countArea }
      : { keys, counts: buf, countBase, countArea };
    return composeKeys2(pixels, palette, pass, grid, counting, drawn, skipped);
  }
  let maxCount = 0;
  if (counting) {
    for (let l = 0; l < layers; l++) {
      const target = countBase + l * countArea;
      const m = source
        ? boxSumFrom(source.counts, l * countArea, buf, target, countWidth, width, height, size)
        : boxSum(buf, target, countWidth, width, height, size);
      if (m > maxCount) maxCount = m;
    }
  }
  boxMaxFrom(source ? source.keys : keys, keys, countWidth, width, height, size);
  const table = tableScratch;
  table.set(mask ? dim : bright, 0);
  table.set(bright, 1 << SELECTED_TABLE_SHIFT);
  const stats = { drawn, skippedNaN: skipped, outside: n - skipped - drawn };
  const shaded =
    counting &&
    (density === "on" || drawn * size * size >= AUTO_DENSITY_COVERAGE * area || maxCount >= AUTO_DENSITY_MAX_COUNT);
  if (!shaded) {
    for (let y = 0, p = 0; y < height; y++) {
      for (let c = y * countWidth, end = c + width; c < end; c++, p++) {
        const k = keys[c];
        pixels[p] = k === KEY_EMPTY ? background : table[((~k >>> 31) << SELECTED_TABLE_SHIFT) | (k & KEY_INDEX_MASK)];
      }
    }
    return { ...stats, density: false, maxCount: counting ? maxCount : 0 };
  }
  // Intensity by layer and coverage: the dimmed layer's levels (or the only layer's) below, the selected above.
  const levels = levelScratch;
  const underFloor = mask ? DENSITY_DIM_FLOOR : DENSITY_FLOOR;
  intensityTable(underLevelHalf, maxCount, underFloor);
  intensityTable(overLevelHalf, maxCount, DENSITY_FLOOR);
  const bgRB = background & 0xff00ff;
  const bgG = background & 0xff00;
  for (let y = 0, p = 0; y < height; y++) {
    for (let c = y * countWidth, end = c + width; c < end; c++, p++) {
      const k = keys[c];
      if (k === KEY_EMPTY) {
        pixels[p] = background;
        continue;
      }
      const m = ~k >>> 31;
      // The winner's layer covers the pixel, so its coverage is at least 1.
      const v = buf[countBase + m * countArea + c];
      const a =
        v < INTENSITY_TABLE_SIZE
          ? levels[m * INTENSITY_TABLE_SIZE + v]
          : intensity(v, maxCount, m ? DENSITY_FLOOR : underFloor);
      pixels[p] = shade(table[(m << SELECTED_TABLE_SHIFT) | (k & KEY_INDEX_MASK)], a, bgRB, bgG);
    }
  }
  return { ...stats, density: true, maxCount };
}

/** Where a keyed frame's grids lie: keys from 0 and count grids from `countBase` (`countArea` apart), read only. */
interface KeyGrid {
  keys: Int32Array;
  counts: Uint16Array;
  countBase: number;
  countArea: number;
}

/**
 * {@link composeKeys} for 2 px squares (2 CSS px at pixel ratio 1, the app's default) in at most two passes that
 * only read the grids: the largest coverage when counting (the shading's scale), then each pixel's winning key and
 * its layer's coverage computed as it is coloured, from the 2 × 2 window's column maxima and sums carried along the
 * row. The general path writes the box sums, then the box maxima, then reads both again to colour: three passes over
 * grids that do not fit the L2 cache, where this takes one pass over the counts and one over keys and counts.
 */
function composeKeys2(
  pixels: Uint32Array,
  palette: PaletteSet,
  pass: PointPass,
  grid: KeyGrid,
  counting: boolean,
  drawn: number,
  skipped: number,
): RasterStats {
  const { bright, dim, background, density } = palette;
  const { mask, n, width, height, area } = pass;
  const { keys, counts, countBase, countArea } = grid;
  const stride = width + 1;
  // Without a mask every row is in layer 0 and keys never carry the selected bit, so layer 1 is never read.
  const base0 = countBase;
  const base1 = mask ? countBase + countArea : countBase;
  let maxCount = 0;
  if (counting) {
    maxCount = boxMax2(counts, base0, stride, width, height);
    if (mask) {
      const m = boxMax2(counts, base1, stride, width, height);
      if (m > maxCount) maxCount = m;
    }
  }
  const table = tableScratch;
  table.set(mask ? dim : bright, 0);
  table.set(bright, 1 << SELECTED_TABLE_SHIFT);
  const stats = { drawn, skippedNaN: skipped, outside: n - skipped - drawn };
  const shaded =
    counting && (density === "on" || drawn * 4 >= AUTO_DENSITY_COVERAGE * area || maxCount >= AUTO_DENSITY_MAX_COUNT);
  if (!shaded) {
    unshaded2(pixels, keys, width, height, table, background);
    return { ...stats, density: false, maxCount: counting ? maxCount : 0 };
  }
  const levels = levelScratch;
  const underFloor = mask ? DENSITY_DIM_FLOOR : DENSITY_FLOOR;
  intensityTable(underLevelHalf, maxCount, underFloor);
  intensityTable(overLevelHalf, maxCount, DENSITY_FLOOR);
  const bgRB = background & 0xff00ff;
  const bgG = background & 0xff00;
  for (let y = 0, p = 0; y < height; y++) {
    const row = y * stride;
    let left = maxKey(keys[row], keys[row + stride]);
    let left0 = counts[base0 + row] + counts[base0 + row + stride];
    let left1 = counts[base1 + row] + counts[base1 + row + stride];
    for (let c = row + 1, end = row + width + 1; c < end; c++, p++) {
      const right = maxKey(keys[c], keys[c + stride]);
      const right0 = counts[base0 + c] + counts[base0 + c + stride];
      const right1 = counts[base1 + c] + counts[base1 + c + stride];
      const k = maxKey(left, right);
      const under = left0 + right0;
      const over = left1 + right1;
      left = right;
      left0 = right0;
      left1 = right1;
      if (k === KEY_EMPTY) {
        pixels[p] = background;
        continue;
      }
      const m = ~k >>> 31;
      // The winner's layer covers the pixel, so its coverage is at least 1. Picked without a branch (-m: all ones).
      const sum = under ^ ((under ^ over) & -m);
      const v = sum > COUNT_MAX ? COUNT_MAX : sum;
      const a =
        v < INTENSITY_TABLE_SIZE
          ? levels[m * INTENSITY_TABLE_SIZE + v]
          : intensity(v, maxCount, m ? DENSITY_FLOOR : underFloor);
      pixels[p] = shade(table[(m << SELECTED_TABLE_SHIFT) | (k & KEY_INDEX_MASK)], a, bgRB, bgG);
    }
  }
  return { ...stats, density: true, maxCount };
}

/** The unshaded colours of {@link composeKeys2}: each pixel's winning key from the 2 × 2 window, no counts. */
function unshaded2(
  pixels: Uint32Array,
  keys: Int32Array,
  width: number,
  height: number,
  table: Uint32Array,
  background: number,
): void {
  const stride = width + 1;
  for (let y = 0, p = 0; y < height; y++) {
    const row = y * stride;
    let left = maxKey(keys[row], keys[row + stride]);
    for (let c = row + 1, end = row + width + 1; c < end; c++, p++) {
      const right = maxKey(keys[c], keys[c + stride]);
      const k = maxKey(left, right);
      left = right;
      pixels[p] = k === KEY_EMPTY ? background : table[((~k >>> 31) << SELECTED_TABLE_SHIFT) | (k & KEY_INDEX_MASK)];
    }
  }
}

/**
 * {@link composeKeys2} over {@link keyCounted}'s byte counts (layers `countArea` apart from 0) when none spilled:
 * a 2 × 2 window's coverage is then at most 1,020, below the intensity table's end, so neither saturation nor the
 * computed intensity is needed. A copy of the 16-bit pass rather than one function over both array types, so that
 * each reads one element type (V8 compiles monomorphic element loads to plain loads).
 */
function composeKeys2Bytes(
  pixels: Uint32Array,
  palette: PaletteSet,
  pass: PointPass,
  keys: Int32Array,
  counts: Uint8Array,
  countArea: number,
  drawn: number,
  skipped: number,
): RasterStats {
  const { bright, dim, background, density } = palette;
  const { mask, n, width, height, area } = pass;
  const stride = width + 1;
  const base1 = mask ? countArea : 0;
  let maxCount = boxMax2Bytes(counts, 0, stride, width, height);
  if (mask) {
    const m = boxMax2Bytes(counts, base1, stride, width, height);
    if (m > maxCount) maxCount = m;
  }
  const table = tableScratch;
  table.set(mask ? dim : bright, 0);
  table.set(bright, 1 << SELECTED_TABLE_SHIFT);
  const stats = { drawn, skippedNaN: skipped, outside: n - skipped - drawn };
  const shaded = density === "on" || drawn * 4 >= AUTO_DENSITY_COVERAGE * area || maxCount >= AUTO_DENSITY_MAX_COUNT;
  if (!shaded) {
    unshaded2(pixels, keys, width, height, table, background);
    return { ...stats, density: false, maxCount };
  }
  const levels = levelScratch;
  intensityTable(underLevelHalf, maxCount, mask ? DENSITY_DIM_FLOOR : DENSITY_FLOOR);
  intensityTable(overLevelHalf, maxCount, DENSITY_FLOOR);
  const bgRB = background & 0xff00ff;
  const bgG = background & 0xff00;
  for (let y = 0, p = 0; y < height; y++) {
    const row = y * stride;
    let left = maxKey(keys[row], keys[row + stride]);
    let left0 = counts[row] + counts[row + stride];
    let left1 = counts[base1 + row] + counts[base1 + row + stride];
    for (let c = row + 1, end = row + width + 1; c < end; c++, p++) {
      const right = maxKey(keys[c], keys[c + stride]);
      const right0 = counts[c] + counts[c + stride];
      const right1 = counts[base1 + c] + counts[base1 + c + stride];
      const k = maxKey(left, right);
      const under = left0 + right0;
      const over = left1 + right1;
      left = right;
      left0 = right0;
      left1 = right1;
      if (k === KEY_EMPTY) {
        pixels[p] = background;
        continue;
      }
      const m = ~k >>> 31;
      const v = under ^ ((under ^ over) & -m);
      pixels[p] = shade(
        table[(m << SELECTED_TABLE_SHIFT) | (k & KEY_INDEX_MASK)],
        levels[m * INTENSITY_TABLE_SIZE + v],
        bgRB,
        bgG,
      );
    }
  }
  return { ...stats, density: true, maxCount };
}

/** {@link boxMax2} over byte counts (no saturation: four bytes sum to at most 1,020). */
function boxMax2Bytes(counts: Uint8Array, base: number, stride: number, width: number, height: number): number {
  let max = 0;
  for (let y = 0, row = base; y < height; y++, row += stride) {
    let left = counts[row] + counts[row + stride];
    for (let c = row + 1, end = row + width + 1; c < end; c++) {
      const right = counts[c] + counts[c + stride];
      const sum = left + right;
      if (sum > max) max = sum;
      left = right;
    }
  }
  return max;
}

/** The largest 2 × 2 window sum of the count grid at `base` over the `width × height` pixels, saturated. */
function boxMax2(counts: Uint16Array, base: number, stride: number, width: number, height: number): number {
  let max = 0;
  for (let y = 0, row = base; y < height; y++, row += stride) {
    let left = counts[row] + counts[row + stride];
    for (let c = row + 1, end = row + width + 1; c < end; c++) {
      const right = counts[c] + counts[c + stride];
      const sum = left + right;
      if (sum > max) max = sum;
      left = right;
    }
  }
  return max > COUNT_MAX ? COUNT_MAX : max;
}

/** Both layers' intensity tables of {@link rasterizeKeyed}, side by side. */
const levelScratch = new Uint16Array(2 * INTENSITY_TABLE_SIZE);
const underLevelHalf = levelScratch.subarray(0, INTENSITY_TABLE_SIZE);
const overLevelHalf = levelScratch.subarray(INTENSITY_TABLE_SIZE);

/** All-zero mask of {@link rasterizeKeyed} frames without a selection (grown when needed). */
let zeroMask = new Uint8Array(0);

/**
 * The point loop of {@link rasterizeKeyed} when it counts: one key per row at its square's top-left cell (the larger
 * of it and the cell's) and one saturating count in its layer, a byte per cell and layer from 0 with an overflow
 * byte from `spillBase` ({@link countsSpilled} says whether any was used). Byte counts halve the grid that the row
 * pass writes at random (0.96 MB for two layers at 800 × 600, where the keys take 1.9 MB of a 2 MB L2 cache): the
 * pass at 10⁶ rows took 9.5–10.0 ms in Chromium against 10.3–12.6 with 16-bit counts, a whole zoom frame 14.4 against
 * 15.5–15.7 ms (medians of 33, same page); in Node 20 the frame took as long either way. The plain loop tests px > −size and
 * px < width + size, then takes left = ((px + size) | 0) − size − half and draws when the clipped square is not
 * empty, i.e. −pad ≤ left < width; on u = px + size, computed as there, that is shift ≤ u < countWidth + shift
 * (shift = size + half − pad, an integer, so no flooring is needed to compare), which also fails for NaN and
 * ±Infinity: one test per axis instead of four and the finite check. Rows i < {@link KEYED_MAX_ROWS}.
 */
function keyCounted(
  keys: Int32Array,
  bytes: Uint8Array,
  countWidth: number,
  countArea: number,
  spillBase: number,
  pass: PointPass,
  mask: Uint8Array,
): number {
  const { xs, ys, colorIndex, n, sx, ox, sy, oy, size, height } = pass;
  const pad = size - 1;
  const shift = size + (size >> 1) - pad;
  const xEnd = countWidth + shift;
  const yEnd = height + pad + shift;
  const origin = shift * countWidth + shift;
  let drawn = 0;
  let spilled = false;
  for (let i = 0; i < n; i++) {
    const u = xs[i] * sx + ox + size;
    const v = ys[i] * sy + oy + size;
    if (!(u >= shift && u < xEnd && v >= shift && v < yEnd)) continue;
    const c = (v | 0) * countWidth + (u | 0) - origin;
    const m = (-mask[i] >> 31) & 1;
    // (1 − m) << 31 is the flipped selection bit; (i + 1) << 9 stays below 2^31.
    const key = ((i + 1) << SELECTED_TABLE_SHIFT) | colorIndex[i] | ((1 - m) << 31);
    // The larger key (rows ascend: the new one unless it is dimmed and the cell's is selected), without a branch:
    // with a random selection `if (key > old)` mispredicted often enough to cost ≈50 %. maxKey's set-on-compare form
    // took 0.6–0.7 ms less of this pass at 10⁶ rows in Chromium than masks built from the sign bits (10.6 vs 11.2 ms).
    const old = keys[c];
    keys[c] = key ^ ((old ^ key) & -(old > key));
    // A byte count (the stored 256 wraps to 0) carrying into the cell's overflow byte: 16 bits in all, saturating at
    // 65,535 (both bytes stay 255). The carry is rare and predictable: only cells of 256 rows or more take it.
    const k = m * countArea + c;
    const w = bytes[k] + 1;
    bytes[k] = w;
    if (w > 255) {
      spilled = true;
      if (bytes[spillBase + k] < 255) bytes[spillBase + k]++;
      else bytes[k] = 255;
    }
    drawn++;
  }
  countsSpilled = spilled;
  return drawn;
}

/** {@link keyCounted} without the counts (density off, or "auto" below its coverage bound): a copy, not a flag. */
function keyUncounted(keys: Int32Array, countWidth: number, pass: PointPass, mask: Uint8Array): number {
  const { xs, ys, colorIndex, n, sx, ox, sy, oy, size, height } = pass;
  const pad = size - 1;
  const shift = size + (size >> 1) - pad;
  const xEnd = countWidth + shift;
  const yEnd = height + pad + shift;
  const origin = shift * countWidth + shift;
  let drawn = 0;
  for (let i = 0; i < n; i++) {
    const u = xs[i] * sx + ox + size;
    const v = ys[i] * sy + oy + size;
    if (!(u >= shift && u < xEnd && v >= shift && v < yEnd)) continue;
    const c = (v | 0) * countWidth + (u | 0) - origin;
    const m = (-mask[i] >> 31) & 1;
    const key = ((i + 1) << SELECTED_TABLE_SHIFT) | colorIndex[i] | ((1 - m) << 31);
    const old = keys[c];
    keys[c] = key ^ ((old ^ key) & -(old > key));
    drawn++;
  }
  return drawn;
}

/** Rows of `xs` / `ys` (the first `n`) whose x or y is not finite, counted once per pair of columns. */
function nonFiniteRows(cache: PointCache, xs: Float64Array, ys: Float64Array, n: number): number {
  const seen = cache.finite;
  if (seen && seen.xs === xs && seen.ys === ys && seen.n === n) return seen.nonFinite;
  let nonFinite = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    const y = ys[i];
    if (x - x !== 0 || y - y !== 0) nonFinite++;
  }
  cache.finite = { xs, ys, n, nonFinite };
  return nonFinite;
}

/**
 * The larger of two stored keys (signed order: a selected key, stored ≥ 0, above every dimmed one), without a branch:
 * with a random selection, neighbouring keys' order is a coin toss, and the ternary took 2.3× as long on such a grid.
 * V8 turns `-(a > b)` into a set-on-compare, so this takes 0.43× the time of the earlier sign-of-difference form
 * (1.75 → 0.75 ms for 3 per cell of an 801 × 601 grid in Node).
 */
function maxKey(a: number, b: number): number {
  return b ^ ((a ^ b) & -(a > b));
}

/**
 * Replaces each key of the grid (`stride` per row) by the largest in the size × size window right of and below
 * it, for the `width × height` cells the frame reads: along rows in place first, then down columns (each cell is
 * overwritten only after the windows that read it). Size 2 does both in one pass. The keys are read from `src` (the
 * same array: in place); sizes other than 2 copy them into `keys` first.
 */
function boxMaxFrom(src: Int32Array, keys: Int32Array, stride: number, width: number, height: number, size: number) {
  if (src !== keys && size !== 2) keys.set(src.subarray(0, stride * (height + size - 1)));
  if (size === 1) return;
  if (size === 2) {
    for (let row = 0, end = height * stride; row < end; row += stride) {
      let left = maxKey(src[row], src[row + stride]);
      for (let p = row, stop = row + width; p < stop; p++) {
        const right = maxKey(src[p + 1], src[p + 1 + stride]);
        keys[p] = maxKey(left, right);
        left = right;
      }
    }
    return;
  }
  for (let row = 0, end = (height + size - 1) * stride; row < end; row += stride) {
    for (let p = row, stop = row + width; p < stop; p++) {
      let k = keys[p];
      for (let j = 1; j < size; j++) k = maxKey(k, keys[p + j]);
      keys[p] = k;
    }
  }
  for (let row = 0, end = height * stride; row < end; row += stride) {
    for (let p = row, stop = row + width; p < stop; p++) {
      let k = keys[p];
      for (let q = p + stride, last = p + size * stride; q < last; q += stride) k = maxKey(k, keys[q]);
      keys[p] = k;
    }
  }
}
