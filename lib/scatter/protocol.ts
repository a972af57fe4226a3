/**
 * Messages of the scatter worker, spoken through the shared request/reply protocol of lib/worker/rpc.ts
 * (discriminated by `type`, every message has an `id`, replies are result | error | progress, plus `ready`).
 * Every type a message carries is declared here; the implementations (scene.ts, raster.ts, palette.ts,
 * viewport.ts) import them from this file, never the other way round.
 */

/** The visible data rectangle. Axes scale independently (margins have unrelated units). */
export interface Viewport {
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

/** How the plot is looked at: data rectangle, size in CSS pixels and the device pixel ratio. */
export interface SceneView {
  viewport: Viewport;
  widthCss: number;
  heightCss: number;
  pixelRatio: number;
  /** Point side in CSS pixels (scaled by pixelRatio when drawn). */
  pointSizeCss: number;
}

/**
 * Density shading of the rasterizer (raster.ts): "on" scales each pixel's intensity with the number of points
 * drawn there, "off" paints the last point opaque, "auto" shades only when heavy overlap is likely.
 */
export type DensityMode = "auto" | "on" | "off";

/** Colours of the scatter (palette.ts's `createPaletteSet`); absent fields take the defaults. */
export interface PaletteOptions {
  /** 256 packed pixels, low → high; default viridis (palette.ts's `createColormap`). */
  colormap?: Uint32Array;
  /** Colour of rows without a colour value. */
  neutral?: number;
  /** Canvas background, also the colour dimmed points fade towards. */
  background?: number;
  /** How far unselected points fade towards the background, 0..1 (kept < 1 so they are dimmed, never hidden). */
  dim?: number;
  /** Density shading; default "auto". Sent like the rest of the palette: a patch replaces the whole options. */
  density?: DensityMode;
}

/** What one rasterization drew. */
export interface RasterStats {
  /** Points that wrote at least one pixel. */
  drawn: number;
  /** Rows skipped because x or y is NaN or infinite. */
  skippedNaN: number;
  /** Finite points that fell outside the pixel box. */
  outside: number;
  /** Whether this frame was density-shaded ("on", or "auto" that found heavy overlap). */
  density: boolean;
  /** Most points counted in one device pixel of one layer; 0 when the frame was drawn without counting. */
  maxCount: number;
}

/** One frame's outcome. */
export interface RenderResult extends RasterStats {
  /** Time spent rasterizing and uploading the pixels. */
  renderMs: number;
  /** The part of `renderMs` spent uploading them (`putImageData`). */
  uploadMs: number;
  /** Robust (1st–99th percentile) colour domain, null when no colour value is finite. */
  colorDomain: [number, number] | null;
  rowCount: number;
  /** On a frame with new x / y: the fit of their finite values (viewport.ts `fitExtent`), null before any data. */
  extent?: Viewport | null;
  /**
   * How many frames this renderer has drawn: an update that changed nothing (its columns and mask were the ones on
   * the canvas) answers the last frame's result again, with the same number.
   */
  frame: number;
  /** Where a worker frame's time went, in ms (for benchmarks): reading linked columns, applying the patch. */
  timings?: { readMs: number; applyMs: number };
}

/** A hovered or clicked row with its values. */
export interface PickResult {
  row: number;
  x: number;
  y: number;
  color: number;
  selected: boolean;
}

/**
 * A change to the scatter; absent fields stay as they were. `mask: null` clears the selection. Columns sent
 * to the worker are copies whose buffers are transferred, so the caller's arrays stay usable.
 */
export interface ScatterPatch {
  /** x and y travel together: both or neither. */
  data?: { xs: Float64Array; ys: Float64Array };
  color?: Float64Array;
  mask?: Uint8Array | null;
  /**
   * Columns to read from the dataset worker (over the link, see `ScatterApi.link`) instead of being sent them: the
   * page names the fields and a version, the columns never pass through it. A null `color` draws every point neutral.
   */
  linked?: LinkedColumns;
  /** Read the selection mask from the dataset worker; the number is the page's mask version (a new one refetches). */
  linkedMask?: number;
  /**
   * The sequence number of a `select` the page has just sent to the dataset worker: the linked columns and the mask
   * are read once that select's selection is computed, before the dataset worker replies to the page (its
   * histograms and table rows come after), and a field or mask the select left as it was is not copied again. The
   * frame draws while the page is still waiting for its reply. Not kept in the renderer's state (a restarted worker
   * reads the columns as they are).
   */
  linkedAfter?: number;
  palette?: PaletteOptions;
  view?: SceneView;
}

/** A hit-test at a CSS pixel of a given view (sent with the query so a pending redraw cannot make it stale). */
export interface PickArgs {
  xCss: number;
  yCss: number;
  radiusCss: number;
  view: SceneView;
}

/** Field names of the columns a scatter reads from the dataset worker, and the version they belong to. */
export interface LinkedColumns {
  x: string;
  y: string;
  color: string | null;
  version: number;
  /**
   * The version of each field's values, where the page knows which change moves which field (a w change moves the
   * M_AP colour, not the margins on the axes): a field named again at the same version is not read again. Without it
   * every field takes `version`.
   */
  fieldVersions?: { x: number; y: number; color: number };
}

/**
 * A read of linked columns and the mask. `have` is the generation of the values the reader holds (from an earlier
 * answer; -1 for none): the dataset worker copies only what moved since. Generations name arrays, which the dataset
 * worker replaces and never writes in place.
 */
export interface LinkedRead {
  fields: { field: string; have: number }[];
  /** Absent: the mask is not read. */
  mask?: { have: number };
  /** Answer once the page's `select` of this sequence number is computed (or a newer one, or 2 s passed). */
  after?: number;
  /**
   * With `after`: answer once that select's scores are computed, before its selection (a re-rank's new M_AP, for
   * the colour). Only for reads without `mask`, which would be the last selection's.
   */
  scored?: boolean;
}

/**
 * The answer to a {@link LinkedRead}, one entry per field in its order. `same`: the reader's values are current
 * (`values` null). Otherwise `values` is a copy, or null for a field the dataset does not have (generation 0). The
 * mask is empty before the first selection.
 */
export interface LinkedReadResult {
  columns: { gen: number; same: boolean; values: Float64Array | null }[];
  mask?: { gen: number; same: boolean; values: Uint8Array | null };
}

/**
 * What the scatter worker asks of the dataset worker, the owner of the columns, over a MessagePort the page made:
 * copies of field columns and of the selection mask in force, those it holds already left out.
 */
export type ScatterLinkApi = {
  read: { args: LinkedRead; result: LinkedReadResult };
};

/** Request name → arguments and result of the scatter worker. */
export type ScatterApi = {
  /** Hands the worker the canvas it draws into (from `transferControlToOffscreen`). */
  init: { args: { canvas: OffscreenCanvas }; result: null };
  /**
   * Links the worker to the dataset worker (the other end of `port` went to its `linkScatter`), where `linked`
   * patches read their columns; a new link replaces the old one (the dataset worker restarted).
   */
  link: { args: { port: MessagePort }; result: null };
  /** The x / y values of one row as drawn (a point linked from another view); null outside the data or not finite. */
  point: { args: { row: number }; result: { x: number; y: number } | null };
  /** Applies a patch and redraws (when a view is known); answers the frame's stats. */
  update: { args: ScatterPatch; result: RenderResult };
  pick: { args: PickArgs; result: PickResult | null };
};
