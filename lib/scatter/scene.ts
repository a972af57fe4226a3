/**
 * The scatter's state and drawing, shared by the worker (OffscreenCanvas) and the main-thread fallback so
 * both paths run the same code: columns, cached colour indices, selection mask, hit-test grid and the pixel
 * buffer. Each setter invalidates only what depends on it (a mask change does not recompute colours).
 */
import { createGrid, nearest, type SpatialGrid } from "./grid";
import { createPaletteSet, type PaletteSet } from "./palette";
import type { PaletteOptions, PickResult, RasterStats, RenderResult, SceneView } from "./protocol";
import {
  colorDomain,
  colorIndices,
  createPointCache,
  forgetCellFrame,
  prepareCache,
  rasterize,
  type RasterInput,
} from "./raster";
import { createTransform } from "./viewport";

// Kept for components/MarginScatter.tsx, which still imports them from here; new code imports ./protocol.
export type { PickResult, RenderResult, SceneView } from "./protocol";

/** Minimal 2D context shape used to upload pixels (CanvasRenderingContext2D and its Offscreen twin). */
export interface PixelTarget {
  readonly canvas: { width: number; height: number };
  putImageData(data: ImageData, dx: number, dy: number): void;
}

/** Options of {@link ScatterScene}. */
export interface ScatterSceneOptions {
  /**
   * The owner calls {@link ScatterScene.idleWork} between frames (handlers.ts, the page's fallback): frames then
   * never sort rows into cells (raster.ts `PointCacheOptions`), the idle work does. Default false.
   */
  sortWhenIdle?: boolean;
}

/** Holds the columns and draws them; see the module comment. */
export class ScatterScene {
  private xs: Float64Array = new Float64Array(0);
  private ys: Float64Array = new Float64Array(0);
  private colors: Float64Array = new Float64Array(0);
  private colorIndex: Uint16Array = new Uint16Array(0);
  private domain: [number, number] | null = null;
  private mask: Uint8Array | null = null;
  private grid: SpatialGrid | null = null;
  private palette: PaletteSet;
  private image: ImageData | null = null;
  private pixels = new Uint32Array(0);
  private view: SceneView | null = null;
  private frames = 0;
  // Rows sorted into pixel cells at the current scale: a selection change or a whole-pixel pan skips the transform.
  private readonly positions: ReturnType<typeof createPointCache>;

  constructor(palette: PaletteOptions = {}, options: ScatterSceneOptions = {}) {
    this.palette = createPaletteSet(palette);
    this.positions = createPointCache({ sortWhenIdle: options.sortWhenIdle });
  }

  /** Replaces the x/y columns (taken, not copied). The colour column must be resent if its length changed. */
  setData(xs: Float64Array, ys: Float64Array): void {
    this.xs = xs;
    this.ys = ys;
    this.grid = null;
    if (this.colors.length !== xs.length) this.setColor(new Float64Array(xs.length).fill(NaN));
  }

  /** Replaces the colour column: recomputes the robust domain and the per-row palette indices once. */
  setColor(values: Float64Array): void {
    this.colors = values;
    this.domain = colorDomain(values);
    this.colorIndex = colorIndices(values, this.domain, this.colorIndex);
    // The indices were rewritten in place: the cells' last frame holds the old ones.
    forgetCellFrame(this.positions);
  }

  /** Replaces the selection mask (1 = selected); null or a wrong-length mask means "no selection". */
  setMask(mask: Uint8Array | null): void {
    this.mask = mask && mask.length === this.xs.length ? mask : null;
  }

  /** Replaces the palette (colormap, background, dim factor). */
  setPalette(options: PaletteOptions): void {
    this.palette = createPaletteSet(options);
  }

  /** Sets size and viewport of the next render. */
  setView(view: SceneView): void {
    this.view = view;
  }

  /** Number of rows. */
  get rowCount(): number {
    return this.xs.length;
  }

  /** Builds the hit-test grid now (otherwise on the first pick), e.g. while the worker is idle. */
  prepareHitTest(): void {
    this.grid ??= createGrid(this.xs, this.ys);
  }

  /**
   * Idle work between frames: sorts the rows into cells for the current view's scale, a slice at a time, asking
   * `shouldYield` between slices (`sliceRows` rows each; smaller in tests). True while work remains.
   */
  idleWork(shouldYield: () => boolean, sliceRows?: number): boolean {
    const view = this.view;
    if (!view || this.xs.length === 0) return false;
    const { width, height } = devicePixels(view);
    return prepareCache(this.positions, width, height, this.rasterInput(view, width, height), shouldYield, sliceRows);
  }

  /** What {@link rasterize} draws for `view` at `width × height` device pixels. */
  private rasterInput(view: SceneView, width: number, height: number): RasterInput {
    return {
      xs: this.xs,
      ys: this.ys,
      colorIndex: this.colorIndex,
      mask: this.mask,
      transform: createTransform(view.viewport, width, height),
      pointSizePx: view.pointSizeCss * view.pixelRatio,
      palette: this.palette,
      cache: this.positions,
    };
  }

  /** Rasterizes into the scene's ImageData and uploads it to `target`, resizing its canvas when needed. */
  render(target: PixelTarget, createImage: (w: number, h: number) => ImageData): RenderResult {
    const t0 = performance.now();
    const view = this.view;
    const empty: RasterStats = { drawn: 0, skippedNaN: 0, outside: 0, density: false, maxCount: 0 };
    if (!view)
      return {
        ...empty,
        renderMs: 0,
        uploadMs: 0,
        colorDomain: this.domain,
        rowCount: this.xs.length,
        frame: this.frames,
      };
    const { width, height } = devicePixels(view);
    if (target.canvas.width !== width || target.canvas.height !== height) {
      target.canvas.width = width;
      target.canvas.height = height;
    }
    if (!this.image || this.image.width !== width || this.image.height !== height) {
      this.image = createImage(width, height);
      this.pixels = new Uint32Array(this.image.data.buffer);
    }
    const stats = rasterize(this.pixels, width, height, this.rasterInput(view, width, height));
    const t1 = performance.now();
    target.putImageData(this.image, 0, 0);
    const t2 = performance.now();
    return {
      ...stats,
      renderMs: t2 - t0,
      uploadMs: t2 - t1,
      colorDomain: this.domain,
      rowCount: this.xs.length,
      frame: ++this.frames,
    };
  }

  /** The row nearest to CSS pixel (`xCss`, `yCss`) of `view` (default: the current one) within `radiusCss`. */
  pick(xCss: number, yCss: number, radiusCss: number, view: SceneView | null = this.view): PickResult | null {
    if (!view || this.xs.length === 0) return null;
    this.prepareHitTest();
    const t = createTransform(view.viewport, view.widthCss, view.heightCss);
    const row = nearest(this.grid!, this.xs, this.ys, t, xCss, yCss, radiusCss, this.mask);
    if (row < 0) return null;
    return {
      row,
      x: this.xs[row],
      y: this.ys[row],
      color: this.colors[row] ?? NaN,
      selected: this.mask ? this.mask[row] !== 0 : true,
    };
  }
}

/** The plot's size in device pixels. */
function devicePixels(view: SceneView): { width: number; height: number } {
  return {
    width: Math.max(1, Math.round(view.widthCss * view.pixelRatio)),
    height: Math.max(1, Math.round(view.heightCss * view.pixelRatio)),
  };
}
