import { describe, expect, it } from "vitest";
import { createPaletteSet, hexToPixel, mixPixel, NEUTRAL_INDEX, packRgba, unpackRgba } from "./palette";
import { colorDomain, colorIndices, quantile, rasterize, type RasterInput } from "./raster";
import { createTransform } from "./viewport";

const W = 10;
const H = 10;
// Data = pixel centres: the viewport [0, 10]² on a 10×10 box maps x → px, y → 10 - py.
const transform = createTransform({ xMin: 0, xMax: 10, yMin: 0, yMax: 10 }, W, H);
const palette = createPaletteSet({ background: hexToPixel("#000000"), neutral: hexToPixel("#808080"), dim: 0.5 });

function input(points: [number, number][], colors: number[], mask: number[] | null, size = 1): RasterInput {
  const values = new Float64Array(colors);
  return {
    xs: new Float64Array(points.map((p) => p[0])),
    ys: new Float64Array(points.map((p) => p[1])),
    colorIndex: colorIndices(values, [0, 1]),
    mask: mask ? new Uint8Array(mask) : null,
    transform,
    pointSizePx: size,
    palette,
  };
}

/** Pixel at column c, row r. */
const at = (pixels: Uint32Array, c: number, r: number) => pixels[r * W + c];

describe("palette", () => {
  it("packs little-endian RGBA for ImageData", () => {
    const p = packRgba(1, 2, 3, 255);
    expect(Array.from(new Uint8Array(new Uint32Array([p]).buffer))).toEqual([1, 2, 3, 255]);
    expect(unpackRgba(hexToPixel("#ff8000"))).toEqual([255, 128, 0, 255]);
  });

  it("dims towards the background without reaching it", () => {
    expect(unpackRgba(mixPixel(hexToPixel("#ffffff"), hexToPixel("#000000"), 0.5))).toEqual([128, 128, 128, 255]);
    const set = createPaletteSet({ dim: 1 });
    expect(set.dim[200]).not.toBe(set.background);
  });

  it("is sequential in lightness (viridis, low end lifted off the dark background)", () => {
    const lum = (p: number) => {
      const [r, g, b] = unpackRgba(p);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    for (let i = 8; i < 256; i += 8) expect(lum(palette.bright[i])).toBeGreaterThan(lum(palette.bright[i - 8]));
    expect(palette.bright[NEUTRAL_INDEX]).toBe(hexToPixel("#808080"));
  });
});

describe("colour domain and indices", () => {
  it("takes the 1st and 99th percentile of finite values (NaN ignored)", () => {
    // 0..100 plus an outlier and NaNs: type-7 quantiles of 102 values.
    const values = [...Array.from({ length: 101 }, (_, i) => i), 1e9, NaN, NaN];
    const [lo, hi] = colorDomain(values)!;
    expect(lo).toBeCloseTo(1.01, 9);
    expect(hi).toBeCloseTo(99.99, 9);
    expect(colorDomain([NaN, NaN])).toBeNull();
  });

  it.each([
    [[5, 1, 4, 2, 3], 0.5, 3],
    [[5, 1, 4, 2, 3], 0, 1],
    [[5, 1, 4, 2, 3], 1, 5],
    [[10, 20], 0.25, 12.5],
    [[3, 3, 3, 1, 3, 3], 0.1, 2],
  ])("quantile(%j, %d) = %d", (values, q, expected) => {
    expect(quantile(new Float64Array(values), q)).toBeCloseTo(expected, 12);
  });

  it("matches a sorted reference on a sorted and a shuffled column", () => {
    const n = 10_001;
    const sorted = Float64Array.from({ length: n }, (_, i) => i * 0.5);
    const shuffled = sorted.slice();
    let seed = 7;
    for (let i = n - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const j = seed % (i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    expect(quantile(sorted.slice(), 0.01)).toBe(50);
    expect(quantile(shuffled, 0.99)).toBe(4950);
  });

  it("maps values to palette indices, clamps, and sends NaN to neutral", () => {
    expect(Array.from(colorIndices([0, 0.5, 1, -3, 7, NaN], [0, 1]))).toEqual([0, 128, 255, 0, 255, NEUTRAL_INDEX]);
    expect(Array.from(colorIndices([4, 4], [4, 4]))).toEqual([128, 128]);
  });
});

describe("rasterize", () => {
  it("draws a selected point bright and an unselected one dimmed at their pixels", () => {
    const pixels = new Uint32Array(W * H);
    const stats = rasterize(
      pixels,
      W,
      H,
      input(
        [
          [2.5, 7.5],
          [6.5, 3.5],
        ],
        [1, 1],
        [1, 0],
      ),
    );
    expect(at(pixels, 2, 2)).toBe(palette.bright[255]);
    expect(at(pixels, 6, 6)).toBe(palette.dim[255]);
    expect(palette.dim[255]).not.toBe(palette.bright[255]);
    expect(at(pixels, 0, 0)).toBe(palette.background);
    expect(stats).toEqual({ drawn: 2, skippedNaN: 0, outside: 0 });
  });

  it("draws selected points over dimmed ones regardless of row order", () => {
    const pixels = new Uint32Array(W * H);
    // Row 0 is selected (colour 0), row 1 unselected (colour 1) at the same pixel: row 0 must win.
    rasterize(
      pixels,
      W,
      H,
      input(
        [
          [4.5, 4.5],
          [4.5, 4.5],
        ],
        [0, 1],
        [1, 0],
      ),
    );
    expect(at(pixels, 4, 5)).toBe(palette.bright[0]);
  });

  it("treats any non-zero mask byte as selected", () => {
    const pixels = new Uint32Array(W * H);
    rasterize(
      pixels,
      W,
      H,
      input(
        [
          [4.5, 4.5],
          [1.5, 1.5],
        ],
        [1, 1],
        [255, 0],
      ),
    );
    expect(at(pixels, 4, 5)).toBe(palette.bright[255]);
    expect(at(pixels, 1, 8)).toBe(palette.dim[255]);
  });

  it("without a mask draws everything bright, later rows on top", () => {
    const pixels = new Uint32Array(W * H);
    rasterize(
      pixels,
      W,
      H,
      input(
        [
          [4.5, 4.5],
          [4.5, 4.5],
        ],
        [0, 1],
        null,
      ),
    );
    expect(at(pixels, 4, 5)).toBe(palette.bright[255]);
  });

  it("skips NaN rows and points outside the viewport, and counts them", () => {
    const pixels = new Uint32Array(W * H);
    const stats = rasterize(
      pixels,
      W,
      H,
      input(
        [
          [NaN, 1],
          [1, Infinity],
          [-5, 5],
          [5, 50],
          [1.5, 1.5],
        ],
        [0, 0, 0, 0, NaN],
        null,
      ),
    );
    expect(stats).toEqual({ drawn: 1, skippedNaN: 2, outside: 2 });
    expect(at(pixels, 1, 8)).toBe(palette.bright[NEUTRAL_INDEX]);
    expect(pixels.filter((p) => p !== palette.background).length).toBe(1);
  });

  it("draws 3×3 squares centred on the point and clips them at the edges", () => {
    const pixels = new Uint32Array(W * H);
    const stats = rasterize(
      pixels,
      W,
      H,
      input(
        [
          [5.5, 4.5],
          [0.2, 9.8],
        ],
        [1, 0],
        null,
        3,
      ),
    );
    const bright = palette.bright[255];
    for (const [c, r] of [
      [4, 4],
      [5, 5],
      [6, 6],
      [4, 6],
      [6, 4],
    ])
      expect(at(pixels, c, r)).toBe(bright);
    expect(at(pixels, 3, 5)).toBe(palette.background);
    expect(at(pixels, 7, 5)).toBe(palette.background);
    // The corner point keeps its 2×2 visible part.
    for (const [c, r] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ])
      expect(at(pixels, c, r)).toBe(palette.bright[0]);
    expect(stats.drawn).toBe(2);
  });

  it("clears the previous frame", () => {
    const pixels = new Uint32Array(W * H).fill(123);
    rasterize(pixels, W, H, input([], [], null));
    expect(pixels.every((p) => p === palette.background)).toBe(true);
  });
});
