/**
 * Colours of the scatter as packed 32-bit pixels for `ImageData` on little-endian machines (every browser
 * platform): byte order R, G, B, A in memory, i.e. `0xAABBGGRR` as a Uint32.
 */
import type { DensityMode, PaletteOptions } from "./protocol";

/** Number of colormap entries; colour indices 0..PALETTE_SIZE-1 address them, PALETTE_SIZE is "no value". */
export const PALETTE_SIZE = 256;

/** Colour index of a row whose colour value is NaN: drawn in the neutral grey. */
export const NEUTRAL_INDEX = PALETTE_SIZE;

/** Packs 0-255 channels into one ImageData pixel (little-endian ABGR). */
export function packRgba(r: number, g: number, b: number, a = 255): number {
  return ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/** Unpacks a pixel into [r, g, b, a]. */
export function unpackRgba(pixel: number): [number, number, number, number] {
  return [pixel & 255, (pixel >>> 8) & 255, (pixel >>> 16) & 255, pixel >>> 24];
}

/** Parses `#rrggbb` into a packed opaque pixel. */
export function hexToPixel(hex: string): number {
  const v = parseInt(hex.replace(/^#/, ""), 16);
  return packRgba((v >> 16) & 255, (v >> 8) & 255, v & 255);
}

/**
 * Viridis (matplotlib, CC0) sampled at 9 evenly spaced stops. Perceptually uniform and colour-blind safe;
 * interpolating linearly between these stays within a few units of the 256-entry original.
 */
const VIRIDIS_STOPS = [
  "#440154",
  "#472d7b",
  "#3b528b",
  "#2c728e",
  "#21918c",
  "#28ae80",
  "#5ec962",
  "#addc30",
  "#fde725",
];

/**
 * Part of viridis used: its darkest purple vanishes on the app's dark background, so the map starts at 15 %
 * (still monotone in lightness, which is what keeps it perceptual).
 */
const VIRIDIS_START = 0.15;

/** CSS colour stops of the colormap in use (for the legend gradient), low → high. */
export function colormapCssStops(count = 9): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const [r, g, b] = sampleStops(VIRIDIS_STOPS, VIRIDIS_START + (1 - VIRIDIS_START) * (i / (count - 1)));
    out.push(`rgb(${r}, ${g}, ${b})`);
  }
  return out;
}

function sampleStops(stops: readonly string[], t: number): [number, number, number] {
  const pos = Math.min(Math.max(t, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(pos), stops.length - 2);
  const f = pos - i;
  const a = unpackRgba(hexToPixel(stops[i]));
  const b = unpackRgba(hexToPixel(stops[i + 1]));
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f)) as [number, number, number];
}

/** The 256-entry viridis-based sequential colormap as packed pixels, low → high. */
export function createColormap(): Uint32Array {
  const out = new Uint32Array(PALETTE_SIZE);
  for (let i = 0; i < PALETTE_SIZE; i++) {
    const [r, g, b] = sampleStops(VIRIDIS_STOPS, VIRIDIS_START + (1 - VIRIDIS_START) * (i / (PALETTE_SIZE - 1)));
    out[i] = packRgba(r, g, b);
  }
  return out;
}

/** Mixes `pixel` towards `background`: `amount` 0 keeps the colour, 1 gives the background. */
export function mixPixel(pixel: number, background: number, amount: number): number {
  const a = unpackRgba(pixel);
  const b = unpackRgba(background);
  const m = (c: number) => Math.round(a[c] + (b[c] - a[c]) * amount);
  return packRgba(m(0), m(1), m(2), 255);
}

/** Bright and dimmed lookup tables: entry i < 256 is the colormap, entry 256 the neutral (NaN) colour. */
export interface PaletteSet {
  bright: Uint32Array;
  dim: Uint32Array;
  background: number;
  /** Density shading mode of the rasterizer. */
  density: DensityMode;
}

/** Default background: the app's plot panel colour. */
export const DEFAULT_BACKGROUND = hexToPixel("#0b1222");
/** Default neutral colour of NaN colour values: a mid grey that is neither end of viridis. */
export const DEFAULT_NEUTRAL = hexToPixel("#9ca3af");
/** Default dimming of unselected points. */
export const DEFAULT_DIM = 0.7;

/** Default density shading: on when the frame has heavy overlap (raster.ts decides per frame). */
export const DEFAULT_DENSITY: DensityMode = "auto";
/**
 * Density shading: intensity of a lone point in the bright (selected / no selection) layer, as a fraction of its
 * palette colour over the background; a pixel as dense as the frame's densest gets the full colour. Half keeps
 * single points plainly visible on the dark panel while leaving a visible step up to dense pixels.
 */
export const DENSITY_FLOOR = 0.5;
/**
 * The same for the dimmed layer, relative to the already dimmed colour: a lone dimmed point keeps 70 % of it (21 %
 * of the bright colour at the default dim 0.7), a dimmed pixel as dense as the frame's densest keeps the dimmed
 * colour drawn without shading. Its range (21–30 % at dim 0.7) ends below {@link DENSITY_FLOOR}, so a lone
 * selected point still outshines the densest dimmed pixel of the same colour.
 */
export const DENSITY_DIM_FLOOR = 0.7;

/** Precomputes bright and dimmed tables once per style change, so a redraw is one lookup per point. */
export function createPaletteSet(options: PaletteOptions = {}): PaletteSet {
  const colormap = options.colormap ?? createColormap();
  const background = options.background ?? DEFAULT_BACKGROUND;
  const dim = Math.min(Math.max(options.dim ?? DEFAULT_DIM, 0), 0.95);
  const bright = new Uint32Array(PALETTE_SIZE + 1);
  bright.set(colormap.subarray(0, PALETTE_SIZE));
  bright[NEUTRAL_INDEX] = options.neutral ?? DEFAULT_NEUTRAL;
  const dimmed = new Uint32Array(PALETTE_SIZE + 1);
  for (let i = 0; i <= PALETTE_SIZE; i++) dimmed[i] = mixPixel(bright[i], background, dim);
  return { bright, dim: dimmed, background, density: options.density ?? DEFAULT_DENSITY };
}
