import { describe, expect, it } from "vitest";
import {
  createPaletteSet,
  DENSITY_DIM_FLOOR,
  DENSITY_FLOOR,
  hexToPixel,
  mixPixel,
  NEUTRAL_INDEX,
  packRgba,
  unpackRgba,
  type PaletteSet,
} from "./palette";
import type { DensityMode } from "./protocol";
import {
  AUTO_DENSITY_COVERAGE,
  AUTO_DENSITY_MAX_COUNT,
  bracketedQuantiles,
  colorDomain,
  colorIndices,
  createPointCache,
  forgetCellFrame,
  KEYED_MAX_ROWS,
  prepareCache,
  quantile,
  rasterize,
  type PointCache,
  type RasterInput,
} from "./raster";
import { createTransform, pan, zoomAt } from "./viewport";

const W = 10;
const H = 10;
// Data = pixel centres: the viewport [0, 10]² on a 10×10 box maps x → px, y → 10 - py.
const transform = createTransform({ xMin: 0, xMax: 10, yMin: 0, yMax: 10 }, W, H);
const palette = createPaletteSet({ background: hexToPixel("#000000"), neutral: hexToPixel("#808080"), dim: 0.5 });

function inputWith(
  points: [number, number][],
  colors: number[],
  mask: number[] | null,
  size = 1,
  set: PaletteSet = palette,
): RasterInput {
  const values = new Float64Array(colors);
  return {
    xs: new Float64Array(points.map((p) => p[0])),
    ys: new Float64Array(points.map((p) => p[1])),
    colorIndex: colorIndices(values, [0, 1]),
    mask: mask ? new Uint8Array(mask) : null,
    transform,
    pointSizePx: size,
    palette: set,
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

  describe("on long columns (one pass, sample brackets)", () => {
    const len = 200_003;
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const normal = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
    const columns: [string, () => Float64Array][] = [
      ["normal", () => Float64Array.from({ length: len }, normal)],
      ["sorted", () => Float64Array.from({ length: len }, (_, i) => i * 0.25 - 7)],
      ["reversed", () => Float64Array.from({ length: len }, (_, i) => -i)],
      ["few distinct values", () => Float64Array.from({ length: len }, () => Math.floor(rand() * 5) - 2)],
      [
        "±0 ties and ±Infinity",
        () => Float64Array.from({ length: len }, (_, i) => [0, -0, Infinity, -Infinity, 1][i % 5]),
      ],
      [
        "60 % NaN, heavy tails",
        () => Float64Array.from({ length: len }, () => (rand() < 0.6 ? NaN : normal() ** 5 * (rand() < 0.5 ? -1 : 1))),
      ],
      ["constant", () => new Float64Array(len).fill(3.5)],
    ];
    /** The short path's answer: quickselect over a copy of every finite value. */
    const reference = (values: Float64Array, lowQ: number, highQ: number) => {
      const finite = values.filter((v) => Number.isFinite(v));
      return [quantile(finite.slice(), lowQ), quantile(finite, highQ)];
    };

    it.each(columns)("%s: the same quantiles as the quickselect over every finite value", (_name, make) => {
      const values = make();
      const before = values.slice();
      for (const [lowQ, highQ] of [
        [0.01, 0.99],
        [0, 1],
        [0.25, 0.75],
        [0.5, 0.5],
      ]) {
        const want = reference(values, lowQ, highQ);
        const got = colorDomain(values, lowQ, highQ)!;
        // −0 and +0 are the same order statistic; which one a quickselect lands on is not fixed.
        expect(got[0] === want[0] && got[1] === want[1], `${got} vs ${want} at ${lowQ}/${highQ}`).toBe(true);
      }
      // The column itself is never reordered (the scene keeps drawing from it).
      expect(values).toEqual(before);
    });

    it("takes the one-pass path on ordinary columns", () => {
      const values = columns[0][1]();
      const got = bracketedQuantiles(values, 0.01, 0.99);
      expect(got).not.toBeNull();
      expect(got).toEqual(reference(values, 0.01, 0.99));
    });

    it("falls back when the sample misses a quantile, with the right answer still", () => {
      // Every sampled row is 0 and every other row 1: the 99th-percentile bracket would hold every value.
      const values = new Float64Array(4096 * 16).fill(1);
      for (let j = 0; j < 4096; j++) values[Math.floor(((j + 0.5) * values.length) / 4096)] = 0;
      expect(bracketedQuantiles(values, 0.01, 0.99)).toBeNull();
      expect(colorDomain(values)).toEqual([0, 1]);
    });

    it("is null for a column of nearly no finite values", () => {
      const values = new Float64Array(len).fill(NaN);
      values[17] = 2;
      expect(bracketedQuantiles(values, 0.01, 0.99)).toBeNull();
      expect(colorDomain(values)).toEqual([2, 2]);
    });
  });

  it("maps values to palette indices, clamps, and sends NaN to neutral", () => {
    expect(Array.from(colorIndices([0, 0.5, 1, -3, 7, NaN], [0, 1]))).toEqual([0, 128, 255, 0, 255, NEUTRAL_INDEX]);
    expect(Array.from(colorIndices([4, 4], [4, 4]))).toEqual([128, 128]);
  });
});

// The same expectations for every mode: these scenes have no pixel with more points than the frame's densest
// (cMax ≤ 1, or the overlapping pixel is the densest), so shading leaves them as they were; "off" and "auto"
// (too few rows to count) take the plain path.
// Each case twice: through the plain loops (no cache) and through the keyed path that a cache takes at a new scale.
describe.each<[DensityMode, "plain" | "keyed"]>([
  ["off", "plain"],
  ["auto", "plain"],
  ["on", "plain"],
  ["off", "keyed"],
  ["auto", "keyed"],
  ["on", "keyed"],
])("rasterize (density %s, %s path)", (density, path) => {
  const palette = createPaletteSet({
    background: hexToPixel("#000000"),
    neutral: hexToPixel("#808080"),
    dim: 0.5,
    density,
  });
  const input = (points: [number, number][], colors: number[], mask: number[] | null, size = 1): RasterInput => {
    const plain = inputWith(points, colors, mask, size, palette);
    return path === "plain" ? plain : { ...plain, cache: createPointCache({ sortWhenIdle: true }) };
  };

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
    expect(stats).toEqual({
      drawn: 2,
      skippedNaN: 0,
      outside: 0,
      density: density === "on",
      maxCount: density === "on" ? 1 : 0,
    });
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
    expect(stats).toMatchObject({ drawn: 1, skippedNaN: 2, outside: 2, density: density === "on" });
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

/** The documented intensity (fixed point, 256 = full colour): floor + (1 − floor) · log(1 + c) / log(1 + cMax). */
const level = (c: number, cMax: number, floor: number) =>
  Math.round(256 * (floor + (1 - floor) * (cMax > 1 ? Math.log(1 + c) / Math.log(1 + cMax) : 1)));

/** `colour` at intensity `a`/256 over a black background (the test palette's), channel by channel. */
const over = (colour: number, a: number) => {
  const [r, g, b] = unpackRgba(colour);
  return packRgba(Math.floor((r * a) / 256), Math.floor((g * a) / 256), Math.floor((b * a) / 256));
};

const luminance = (p: number) => {
  const [r, g, b] = unpackRgba(p);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};

const withDensity = (density: DensityMode) =>
  createPaletteSet({ background: hexToPixel("#000000"), neutral: hexToPixel("#808080"), dim: 0.5, density });

/** `count` copies of the centre of pixel (c, r). */
const pile = (c: number, r: number, count: number): [number, number][] =>
  Array.from({ length: count }, () => [c + 0.5, H - r - 0.5] as [number, number]);

/**
 * Reference of the density path, written the slow, obvious way: every square adds one to each pixel it covers
 * and leaves its palette index there; cMax is the largest count over both layers.
 */
function referenceDensity(inp: RasterInput): Uint32Array {
  const { xs, ys, colorIndex, mask, palette: set } = inp;
  const size = Math.max(1, Math.round(inp.pointSizePx));
  const count = [new Uint32Array(W * H), new Uint32Array(W * H)];
  const index = [new Uint16Array(W * H), new Uint16Array(W * H)];
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i]) || !Number.isFinite(ys[i])) continue;
    const left = Math.floor(xs[i] * inp.transform.sx + inp.transform.ox) - (size >> 1);
    const top = Math.floor(ys[i] * inp.transform.sy + inp.transform.oy) - (size >> 1);
    const layer = !mask || mask[i] ? 1 : 0;
    for (let r = top; r < top + size; r++) {
      for (let c = left; c < left + size; c++) {
        if (c < 0 || r < 0 || c >= W || r >= H) continue;
        count[layer][r * W + c]++;
        index[layer][r * W + c] = colorIndex[i];
      }
    }
  }
  const cMax = Math.max(...count[0], ...count[1]);
  const out = new Uint32Array(W * H);
  for (let p = 0; p < W * H; p++) {
    if (count[1][p]) out[p] = over(set.bright[index[1][p]], level(count[1][p], cMax, DENSITY_FLOOR));
    else if (count[0][p]) out[p] = over(set.dim[index[0][p]], level(count[0][p], cMax, DENSITY_DIM_FLOOR));
    else out[p] = set.background;
  }
  return out;
}

/** FNV-1a of a frame, to pin whole frames to the output of the rasterizer before density shading existed. */
function frameHash(pixels: Uint32Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < pixels.length; i++) h = Math.imul(h ^ pixels[i], 0x01000193) >>> 0;
  return h.toString(16);
}

/** 3000 pseudo-random rows (some NaN/∞, some outside, 40 % selected) on a 64×48 box. */
function crowd(withMask: boolean, size: number, density: DensityMode) {
  let seed = 12345;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const n = 3000;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  const colors = new Float64Array(n);
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = i % 97 === 0 ? NaN : rand() * 1.2 - 0.1;
    ys[i] = i % 89 === 0 ? Infinity : rand() * 1.2 - 0.1;
    colors[i] = i % 13 === 0 ? NaN : rand();
    mask[i] = rand() < 0.4 ? 1 : 0;
  }
  return {
    xs,
    ys,
    colorIndex: colorIndices(colors, [0, 1]),
    mask: withMask ? mask : null,
    transform: createTransform({ xMin: 0, xMax: 1, yMin: 0, yMax: 1 }, 64, 48),
    pointSizePx: size,
    palette: createPaletteSet({ density }),
  };
}

describe("density shading", () => {
  // cMax = 100 in this frame (the pile at (7, 2)); a lone point at (1, 1), ten at (4, 6), all the top colour.
  const scene = () =>
    inputWith([[1.5, 8.5], ...pile(4, 6, 10), ...pile(7, 2, 100)], Array(111).fill(1), null, 1, withDensity("on"));

  it.each([
    ["1 point", 1, 1, 1],
    ["10 points", 4, 6, 10],
    ["100 points (the densest)", 7, 2, 100],
  ])("shades a pixel holding %s by log(1 + c) / log(1 + cMax)", (_, c, r, count) => {
    const pixels = new Uint32Array(W * H);
    const stats = rasterize(pixels, W, H, scene());
    expect(stats).toEqual({ drawn: 111, skippedNaN: 0, outside: 0, density: true, maxCount: 100 });
    expect(at(pixels, c, r)).toBe(over(palette.bright[255], level(count, 100, DENSITY_FLOOR)));
  });

  it("keeps a lone point visible and makes dense pixels brighter", () => {
    const pixels = new Uint32Array(W * H);
    rasterize(pixels, W, H, scene());
    const [one, ten, hundred] = [at(pixels, 1, 1), at(pixels, 4, 6), at(pixels, 7, 2)];
    expect(hundred).toBe(palette.bright[255]);
    expect(luminance(one)).toBeLessThan(luminance(ten));
    expect(luminance(ten)).toBeLessThan(luminance(hundred));
    expect(luminance(one)).toBeGreaterThanOrEqual(DENSITY_FLOOR * luminance(hundred) - 1);
  });

  it("with density off draws 1 and 100 points alike", () => {
    const pixels = new Uint32Array(W * H);
    const stats = rasterize(pixels, W, H, { ...scene(), palette: withDensity("off") });
    expect(stats).toMatchObject({ density: false, maxCount: 0 });
    expect(at(pixels, 1, 1)).toBe(palette.bright[255]);
    expect(at(pixels, 7, 2)).toBe(palette.bright[255]);
  });

  // Frames of lib/scatter/raster.ts as of 16f93f7 (its last change before density shading), hashed: "off" must
  // not change a byte.
  it.each([
    [false, 1, "cb828761"],
    [false, 2, "cb19b0b8"],
    [false, 3, "95827dfc"],
    [false, 5, "e5139347"],
    [true, 1, "897c374a"],
    [true, 2, "cdb28cbe"],
    [true, 3, "9c638a69"],
    [true, 5, "8afd9f57"],
  ])("with density off is byte-identical to before (mask %s, %d px)", (withMask, size, hash) => {
    const pixels = new Uint32Array(64 * 48);
    rasterize(pixels, 64, 48, crowd(withMask, size, "off"));
    expect(frameHash(pixels)).toBe(hash);
  });

  it.each([
    [false, 1],
    [false, 2],
    [false, 3],
    [false, 4],
    [false, 6],
    [true, 1],
    [true, 2],
    [true, 3],
    [true, 4],
    [true, 6],
  ])("matches the per-pixel reference (mask %s, %d px points, clipped at the edges)", (withMask, size) => {
    let seed = 99;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    // 150 rows over a little more than the box, so that squares are clipped on every side; some NaN.
    const points = Array.from({ length: 150 }, (_, i): [number, number] =>
      i % 17 === 0 ? [NaN, 5] : [rand() * 11 - 0.5, rand() * 11 - 0.5],
    );
    const colors = points.map(() => rand());
    const mask = withMask ? points.map(() => (rand() < 0.3 ? 1 : 0)) : null;
    const inp = inputWith(points, colors, mask, size, withDensity("on"));
    const pixels = new Uint32Array(W * H);
    const stats = rasterize(pixels, W, H, inp);
    expect(stats.density).toBe(true);
    expect(stats.skippedNaN).toBe(9);
    expect(Array.from(pixels)).toEqual(Array.from(referenceDensity(inp)));
  });

  it.each<[string, [number, number][], boolean]>([
    // 100 rows at one pixel: rows cover ≥ 20 % of the 100 pixels, and so do the drawn ones.
    ["a dense pile", pile(3, 3, 100), true],
    // 30 rows, one pixel each, spread: enough rows to count, drawn ones cover 30 %.
    ["30 spread rows", Array.from({ length: 30 }, (_, i) => [(i % 10) + 0.5, Math.floor(i / 10) + 0.5]), true],
    // 5 rows: cannot cover 20 % of the box, not even counted.
    ["5 sparse rows", pile(1, 1, 1).concat(pile(3, 3, 1), pile(5, 5, 1), pile(7, 7, 1), pile(8, 2, 1)), false],
    // Zoomed in: 40 rows, only 3 in view, no overlap.
    ["3 visible of 40", [...pile(1, 1, 1), ...pile(5, 5, 1), ...pile(8, 8, 1), ...pile(50, 50, 37)], false],
    // Zoomed into a pile of ties: 12 visible rows on one pixel (≥ AUTO_DENSITY_MAX_COUNT), 28 outside.
    ["a visible pile of 12", [...pile(2, 2, 12), ...pile(50, 50, 28)], true],
  ])("auto shades %s: %s", (_, points, shaded) => {
    expect(AUTO_DENSITY_COVERAGE).toBe(0.2);
    expect(AUTO_DENSITY_MAX_COUNT).toBe(10);
    const auto = new Uint32Array(W * H);
    const off = new Uint32Array(W * H);
    const colors = points.map((_, i) => (i % 7) / 6);
    const stats = rasterize(auto, W, H, inputWith(points, colors, null, 1, withDensity("auto")));
    rasterize(off, W, H, inputWith(points, colors, null, 1, withDensity("off")));
    expect(stats.density).toBe(shaded);
    // Unshaded, auto gives exactly the plain frame (also when it counted); shaded, the pile differs.
    if (!shaded) expect(Array.from(auto)).toEqual(Array.from(off));
  });

  it("auto on a dense pile: the pile gets the full colour, a lone point beside it less", () => {
    const dense = new Uint32Array(W * H);
    rasterize(
      dense,
      W,
      H,
      inputWith([[1.5, 8.5], ...pile(3, 3, 100)], Array(101).fill(1), null, 1, withDensity("auto")),
    );
    expect(at(dense, 1, 1)).not.toBe(palette.bright[255]);
    expect(at(dense, 3, 3)).toBe(palette.bright[255]);
  });

  it("keeps selected points on top of dimmed ones, and brighter than the densest dimmed pixel", () => {
    const pixels = new Uint32Array(W * H);
    // (2, 2): 50 dimmed rows of colour 1 and one selected row of colour 0 drawn first; (6, 6): 50 dimmed only.
    const points = [...pile(2, 2, 1), ...pile(2, 2, 50), ...pile(6, 6, 50), ...pile(8, 8, 1)];
    const colors = [0, ...Array(100).fill(1), 1];
    const mask = [1, ...Array(100).fill(0), 1];
    const stats = rasterize(pixels, W, H, inputWith(points, colors, mask, 1, withDensity("on")));
    expect(stats).toMatchObject({ density: true, maxCount: 50 });
    expect(at(pixels, 2, 2)).toBe(over(palette.bright[0], level(1, 50, DENSITY_FLOOR)));
    expect(at(pixels, 6, 6)).toBe(palette.dim[255]);
    expect(luminance(at(pixels, 8, 8))).toBeGreaterThan(luminance(at(pixels, 6, 6)));
  });

  it.each<DensityMode>(["on", "auto"])("skips NaN and infinite rows (density %s): they add to no count", (density) => {
    const pixels = new Uint32Array(W * H);
    // 60 non-finite rows would make cMax 61 at (3, 3) if they were counted there.
    const points: [number, number][] = [
      ...pile(3, 3, 1),
      ...Array.from({ length: 60 }, (_, i): [number, number] => (i % 2 ? [NaN, 6.5] : [3.5, Infinity])),
      ...pile(5, 5, 20),
    ];
    const stats = rasterize(pixels, W, H, inputWith(points, Array(81).fill(1), null, 1, withDensity(density)));
    expect(stats).toMatchObject({ drawn: 21, skippedNaN: 60, outside: 0, density: true, maxCount: 20 });
    expect(at(pixels, 3, 3)).toBe(over(palette.bright[255], level(1, 20, DENSITY_FLOOR)));
    expect(at(pixels, 5, 5)).toBe(palette.bright[255]);
  });
});

describe("point cache", () => {
  // 400 rows over a little more than a 32×24 box (squares clipped on every side), some NaN, one far away.
  function rows(): { xs: Float64Array; ys: Float64Array; colorIndex: Uint16Array; masks: Uint8Array[] } {
    let seed = 7;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    const n = 400;
    const xs = new Float64Array(n);
    const ys = new Float64Array(n);
    const colors = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      xs[i] = i % 23 === 0 ? NaN : rand() * 11 - 0.5;
      ys[i] = rand() * 11 - 0.5;
      colors[i] = rand();
    }
    xs[5] = 1e300;
    const masks = [0.3, 0.7].map((p) => Uint8Array.from(xs, () => (rand() < p ? 1 : 0)));
    return { xs, ys, colorIndex: colorIndices(colors, [0, 1]), masks };
  }
  const BW = 32;
  const BH = 24;
  const home = { xMin: 0, xMax: 10, yMin: 0, yMax: 10 };
  /** Draws `input` plainly and through `cache`: the two frames' stats and pixels must be the same. */
  const expectCachedFrame = (input: RasterInput, cache: PointCache, label = "") => {
    const plain = new Uint32Array(BW * BH);
    const viaCache = new Uint32Array(BW * BH);
    const expected = rasterize(plain, BW, BH, input);
    expect(rasterize(viaCache, BW, BH, { ...input, cache }), label).toEqual(expected);
    expect(Array.from(viaCache), label).toEqual(Array.from(plain));
  };

  it.each([
    ["off", 1],
    ["off", 2],
    ["off", 3],
    ["off", 5],
    ["on", 1],
    ["on", 2],
    ["on", 3],
    ["on", 5],
  ] as [DensityMode, number][])(
    "gives the uncached frame and stats through selection changes, whole-pixel pans and zooms (%s, %d px)",
    (density, size) => {
      const { xs, ys, colorIndex, masks } = rows();
      const set = withDensity(density);
      const cache = createPointCache();
      const views = [
        home,
        home,
        pan(home, BW, BH, 3, -2),
        pan(pan(home, BW, BH, 3, -2), BW, BH, -7, 5),
        pan(home, BW, BH, 40, 0),
        zoomAt(home, BW, BH, 10, 8, 0.5),
        pan(zoomAt(home, BW, BH, 10, 8, 0.5), BW, BH, 2, 2),
        home,
      ];
      views.forEach((vp, k) => {
        const base = {
          xs,
          ys,
          colorIndex,
          mask: k === 1 ? null : masks[k % 2],
          transform: createTransform(vp, BW, BH),
          pointSizePx: size,
          palette: set,
        };
        expectCachedFrame(base, cache);
      });
    },
  );

  it.each([
    ["off", 2],
    ["on", 1],
    ["on", 2],
    ["auto", 3],
  ] as [DensityMode, number][])(
    "recomputes only the cells whose rows flipped and still gives the uncached frame (%s, %d px)",
    (density, size) => {
      const { xs, ys, colorIndex, masks } = rows();
      const palette = withDensity(density);
      const cache = createPointCache();
      let seed = 11;
      const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
      const check = (mask: Uint8Array | null, vp = home, label = "") =>
        expectCachedFrame(
          { xs, ys, colorIndex, mask, transform: createTransform(vp, BW, BH), pointSizePx: size, palette },
          cache,
          label,
        );
      // Two frames at the scale sort the rows; from then on the frames come from the cells.
      check(masks[0]);
      check(masks[0]);
      const frame = cache.frame;
      expect(frame).not.toBeNull();
      // One array changed in place, a few bits at a time (what a dragged threshold does to a reused mask): fewer
      // flips than the limit update the kept frame, with bytes other than 1 meaning "selected" too.
      const mask = masks[0].slice();
      for (let step = 0; step < 12; step++) {
        for (let j = 0; j < 3; j++) {
          const i = Math.floor(rand() * mask.length);
          mask[i] = mask[i] ? 0 : step % 2 ? 255 : 1;
        }
        check(mask, home, `step ${step}`);
        expect(cache.frame).toBe(frame);
      }
      // A byte changing between two non-zero values flips nothing.
      const i = mask.findIndex((v) => v !== 0);
      mask[i] = mask[i] === 1 ? 7 : 1;
      check(mask, home, "same bit");
      // Many flips at once (a new rule): every cell again; then no mask, and a mask again.
      check(masks[1], home, "half flipped");
      check(null, home, "no mask");
      check(masks[0], home, "mask again");
      // A pan by whole pixels reads the cells at another shift: every cell again, then updates at that shift.
      const panned = pan(home, BW, BH, 2, -1);
      check(masks[1], panned, "panned");
      mask.set(masks[1]);
      mask[3] = mask[3] ? 0 : 1;
      check(mask, panned, "panned, one flip");
      check(masks[1], home, "back home");
    },
  );

  it.each([0, 1, 2, 3, 4])(
    "reads every byte of a mask at byte offset %d, longer than the rows, as selected when non-zero (from cells)",
    (offset) => {
      const { xs, ys, colorIndex } = rows();
      const cache = createPointCache();
      // 400 rows: 12 words of 32 bits and a 16-row tail; bytes 0, 1, 2, 128 and 255 in runs of every length up to 9.
      const values = [0, 1, 2, 128, 255, 0, 0, 7];
      const backing = new Uint8Array(offset + xs.length + 5).fill(9);
      const mask = backing.subarray(offset, offset + xs.length + 5);
      for (let i = 0, run = 0; i < xs.length; run++) {
        for (let k = 0; k <= run % 9 && i < xs.length; k++) mask[i++] = values[run % values.length];
      }
      const input: RasterInput = {
        xs,
        ys,
        colorIndex,
        mask,
        transform: createTransform(home, BW, BH),
        pointSizePx: 2,
        palette: withDensity("on"),
      };
      expectCachedFrame(input, cache);
      expectCachedFrame(input, cache);
      expect(cache.frame).not.toBeNull();
      // A mask of the rows' length exactly, selecting the rows the first left out, every cell again (a half flip).
      expectCachedFrame({ ...input, mask: Uint8Array.from(xs, (_, i) => (mask[i] === 0 ? 1 : 0)) }, cache);
    },
  );

  it("draws new palette indices written in place once the cell frame is forgotten, as the scene does", () => {
    const { xs, ys, colorIndex, masks } = rows();
    const palette = withDensity("off");
    const cache = createPointCache();
    const input = {
      xs,
      ys,
      colorIndex,
      mask: masks[0],
      transform: createTransform(home, BW, BH),
      pointSizePx: 2,
      palette,
    };
    const draw = (c?: PointCache) => {
      const pixels = new Uint32Array(BW * BH);
      rasterize(pixels, BW, BH, c ? { ...input, cache: c } : input);
      return Array.from(pixels);
    };
    draw(cache);
    draw(cache);
    for (let i = 0; i < colorIndex.length; i++) colorIndex[i] = (colorIndex[i] + 97) % 256;
    const expected = draw();
    forgetCellFrame(cache);
    expect(draw(cache)).toEqual(expected);
  });

  it("sorts rows into cells on the second frame at a scale, reuses them for selection changes and whole-pixel pans", () => {
    const { xs, ys, colorIndex, masks } = rows();
    const cache = createPointCache();
    const draw = (vp: typeof home, mask: Uint8Array) =>
      rasterize(new Uint32Array(BW * BH), BW, BH, {
        xs,
        ys,
        colorIndex,
        mask,
        transform: createTransform(vp, BW, BH),
        pointSizePx: 2,
        palette: withDensity("off"),
        cache,
      });
    // A first frame at a scale (a zoom step) draws without building: the next may be at another scale.
    draw(home, masks[0]);
    expect(cache.order).toHaveLength(0);
    draw(home, masks[1]);
    const order = cache.order;
    // Every finite row but the far one (x = 1e300) starts on the grid of cells (the plot and its margins).
    expect(order).toHaveLength(400 - 18 - 1);
    expect(cache.nonFinite).toBe(18);
    expect(
      Array.from(order.subarray(cache.start[0], cache.start[cache.start.length - 1])).sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 400 }, (_, i) => i).filter((i) => i % 23 !== 0 && i !== 5));
    draw(pan(home, BW, BH, 4, 0), masks[0]);
    draw(home, masks[1]);
    // The same cells, not sorted again: a pan shifts them as they are drawn.
    expect(cache.order).toBe(order);
    // A zoom leaves them alone until its scale is drawn twice; a sub-pixel pan keeps its scale but not the pixels.
    const zoomed = zoomAt(home, BW, BH, 16, 12, 0.5);
    const ox = cache.ox;
    draw(zoomed, masks[1]);
    expect(cache.ox).toBe(ox);
    draw(pan(zoomed, BW, BH, 0.5, 0), masks[1]);
    expect(cache.ox).toBe(createTransform(pan(zoomed, BW, BH, 0.5, 0), BW, BH).ox);
    // A pan past the margin (half the larger side, 16 px here) cannot shift the cells either.
    draw(pan(pan(zoomed, BW, BH, 0.5, 0), BW, BH, 20, 0), masks[1]);
    expect(cache.ox).toBe(createTransform(pan(zoomed, BW, BH, 0.5, 0), BW, BH).ox);
  });
});

describe("frames at a new scale (keyed) and the idle sort", () => {
  const BW = 40;
  const BH = 30;
  const home = { xMin: 0, xMax: 10, yMin: 0, yMax: 10 };
  // 600 rows: a cloud over a bit more than the plot, piles of ties, NaN / ±Infinity rows, far-off points, and rows
  // on exact pixel edges of the home view (multiples of 0.25 = one pixel) and a hair either side of them.
  function rows() {
    let seed = 11;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    const n = 600;
    const xs = new Float64Array(n);
    const ys = new Float64Array(n);
    const colors = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const k = i % 10;
      if (k === 0) {
        xs[i] = 5;
        ys[i] = 5;
      } else if (k === 1) {
        xs[i] = Math.round(rand() * 40) * 0.25 + [0, 1e-13, -1e-13, 1e-17][i % 4];
        ys[i] = Math.round(rand() * 40) * 0.25 - [0, 1e-13, -1e-13, 1e-17][(i >> 2) % 4];
      } else {
        xs[i] = rand() * 12 - 1;
        ys[i] = rand() * 12 - 1;
      }
      colors[i] = i % 17 === 0 ? NaN : rand();
    }
    xs[3] = NaN;
    ys[13] = NaN;
    xs[23] = Infinity;
    ys[33] = -Infinity;
    xs[43] = 1e300;
    ys[53] = -1e300;
    xs[63] = -1e-300;
    const masks: (Uint8Array | null)[] = [
      Uint8Array.from(xs, () => (rand() < 0.5 ? 1 : 0)),
      null,
      Uint8Array.from(xs, (_, i) => (i % 3 === 0 ? 255 : i % 3 === 1 ? 2 : 0)),
      new Uint8Array(n).fill(1),
    ];
    return { xs, ys, colorIndex: colorIndices(colors, [0, 1]), masks };
  }
  // Zooms in and out about various points (several steps, one deep enough to overflow int32 pixel offsets),
  // sub-pixel and whole-pixel pans, the same scale again.
  const zoom = (vp: typeof home, f: number, cx = 20, cy = 15) => zoomAt(vp, BW, BH, cx, cy, f);
  const views = [
    home,
    zoom(home, 1.1),
    zoom(zoom(home, 1.1), 1.1, 3, 27),
    zoom(home, 1 / 1.1),
    zoom(home, 0.25, 0, 0),
    zoom(home, 4, 37, 2),
    pan(zoom(home, 4, 37, 2), BW, BH, 0.5, -0.25),
    pan(zoom(home, 4, 37, 2), BW, BH, 6, 3),
    zoom(home, 1e9, 20, 15),
    zoom(home, 1e-6),
    pan(home, BW, BH, 13, -7),
    home,
  ];

  const draw = (input: RasterInput, cache?: PointCache) => {
    const pixels = new Uint32Array(BW * BH);
    const stats = rasterize(pixels, BW, BH, cache ? { ...input, cache } : input);
    return { pixels: Array.from(pixels), stats };
  };

  it.each(
    (["off", "auto", "on"] as DensityMode[]).flatMap((density) =>
      [1, 2, 3, 4, 6].map((size) => [density, size] as [DensityMode, number]),
    ),
  )("gives the plain loops' pixels and stats through zooms, pans, masks and NaN rows (%s, %d px)", (density, size) => {
    const { xs, ys, colorIndex, masks } = rows();
    const palette = withDensity(density);
    const idle = createPointCache({ sortWhenIdle: true });
    const eager = createPointCache();
    views.forEach((vp, k) => {
      masks.forEach((mask) => {
        const input = { xs, ys, colorIndex, mask, transform: createTransform(vp, BW, BH), pointSizePx: size, palette };
        const expected = draw(input);
        // The first frame at a scale is keyed for both caches; the eager one sorts on the second.
        expect(draw(input, idle), `view ${k}`).toEqual(expected);
        expect(draw(input, eager), `view ${k}`).toEqual(expected);
      });
    });
    expect(idle.order).toHaveLength(0);
    expect(eager.order.length).toBeGreaterThan(0);
  });

  it("keeps the highest key: a selected row over later dimmed ones, then the later row, in every covered pixel", () => {
    // Three 3 px squares overlapping at pixel (2, 2) of a 6×6 box (data = pixel units): rows 0 (selected), 1 and 2.
    const t = { sx: 1, ox: 0, sy: 1, oy: 0 };
    const input: RasterInput = {
      xs: new Float64Array([2.5, 3.5, 1.5]),
      ys: new Float64Array([2.5, 2.5, 3.5]),
      colorIndex: new Uint16Array([10, 20, 30]),
      mask: new Uint8Array([1, 0, 0]),
      transform: t,
      pointSizePx: 3,
      palette: withDensity("off"),
      cache: createPointCache({ sortWhenIdle: true }),
    };
    const pixels = new Uint32Array(36);
    const stats = rasterize(pixels, 6, 6, input);
    const { bright, dim } = input.palette;
    const px = (c: number, r: number) => pixels[r * 6 + c];
    // Row 0 covers columns/rows 1..3; row 1 covers columns 2..4, rows 1..3; row 2 columns 0..2, rows 2..4.
    expect([px(2, 2), px(3, 3), px(1, 1)]).toEqual([bright[10], bright[10], bright[10]]);
    expect([px(4, 2), px(0, 4), px(2, 4)]).toEqual([dim[20], dim[30], dim[30]]);
    expect(px(5, 5)).toBe(input.palette.background);
    expect(stats).toEqual({ drawn: 3, skippedNaN: 0, outside: 0, density: false, maxCount: 0 });
  });

  it.each(
    (["on", "auto"] as DensityMode[]).flatMap((density) =>
      [1, 2, 3].flatMap((size) => [true, false].map((withMask) => [density, size, withMask] as const)),
    ),
  )(
    "shades piles past the intensity table and the 16-bit counts as the plain loops do (%s, %d px, mask %s)",
    (density, size, withMask) => {
      // Selected and dimmed piles of 5,000 (past the 4,096-entry intensity table) and 70,000 rows (past 65,535, where
      // counts saturate) overlapping as their squares grow, ties in between, a few lone points; 40×30 px, pixel units.
      const piles: [number, number, number, number][] = [
        [5.5, 5.5, 5000, 1],
        [6.5, 5.5, 5000, 0],
        [20.5, 12.5, 70000, 0],
        [21.5, 13.5, 70000, 1],
        [30.5, 20.5, 40, 1],
      ];
      const n = piles.reduce((sum, p) => sum + p[2], 0) + 3;
      const xs = new Float64Array(n);
      const ys = new Float64Array(n);
      const colorIndex = new Uint16Array(n);
      const selected = new Uint8Array(n);
      let i = 0;
      for (const [x, y, count, sel] of piles) {
        for (let k = 0; k < count; k++, i++) [xs[i], ys[i], colorIndex[i], selected[i]] = [x, y, (i * 7) % 257, sel];
      }
      for (const [x, y] of [
        [1.5, 1.5],
        [38.5, 2.5],
        [2.5, 28.5],
      ])
        [xs[i], ys[i], colorIndex[i], selected[i++]] = [x, y, 3, 1];
      const input: RasterInput = {
        xs,
        ys,
        colorIndex,
        mask: withMask ? selected : null,
        transform: { sx: 1, ox: 0, sy: 1, oy: 0 },
        pointSizePx: size,
        palette: withDensity(density),
      };
      const expected = draw(input);
      expect(expected.stats).toMatchObject({ density: true, maxCount: 65535 });
      const cache = createPointCache({ sortWhenIdle: true });
      // Keyed (a new scale), then from the cells sorted when idle: every cell, then the kept cells after a flip.
      expect(draw(input, cache)).toEqual(expected);
      while (prepareCache(cache, BW, BH, input, () => false));
      expect(draw(input, cache)).toEqual(expected);
      if (withMask) {
        const flipped = { ...input, mask: selected.map((m, k) => (k === n - 1 ? 0 : m)) };
        expect(draw(flipped, cache)).toEqual(draw(flipped));
      }
    },
  );

  it.each<[DensityMode, number]>([
    ["off", 2],
    ["auto", 2],
    ["on", 3],
  ])("draws from cells again after a frame at a new scale wrote over the kept cell frame (%s, %d px)", (d, size) => {
    const { xs, ys, colorIndex, masks } = rows();
    const mask = masks[0]!;
    const cache = createPointCache({ sortWhenIdle: true });
    const input = (vp: typeof home): RasterInput => ({
      xs,
      ys,
      colorIndex,
      mask,
      transform: createTransform(vp, BW, BH),
      pointSizePx: size,
      palette: withDensity(d),
    });
    while (prepareCache(cache, BW, BH, input(home), () => false));
    expect(draw(input(home), cache)).toEqual(draw(input(home)));
    const frame = cache.frame;
    expect(frame).not.toBeNull();
    // A zoom (keyed, over the kept frame's grids), then back to the cells' scale and shift with the same mask: the
    // kept frame no longer holds those cells, so every cell is computed again.
    const zoomed = zoom(home, 1.1);
    expect(draw(input(zoomed), cache)).toEqual(draw(input(zoomed)));
    expect(draw(input(home), cache)).toEqual(draw(input(home)));
    expect(cache.frame).toBe(frame);
  });

  it("holds rows up to 2^22 − 1 in a key", () => {
    expect(KEYED_MAX_ROWS).toBe(4194303);
  });

  it("sorts when asked, a slice at a time, and its cells then give the next frames at that scale", () => {
    const { xs, ys, colorIndex, masks } = rows();
    const palette = withDensity("auto");
    const cache = createPointCache({ sortWhenIdle: true });
    const input = (vp: typeof home, mask: Uint8Array | null): RasterInput => ({
      xs,
      ys,
      colorIndex,
      mask,
      transform: createTransform(vp, BW, BH),
      pointSizePx: 2,
      palette,
    });
    const zoomed = zoom(home, 1.1);
    // A keyed frame at the zoom's scale; an idle sort in slices of 64 rows (600 rows: 10 slices per pass, 2 passes).
    expect(draw(input(zoomed, masks[0]), cache)).toEqual(draw(input(zoomed, masks[0])));
    let slices = 0;
    while (prepareCache(cache, BW, BH, input(zoomed, masks[0]), () => true, 64)) slices++;
    expect(slices).toBe(19);
    expect(cache.build).toBeNull();
    expect(cache.sx).toBe(createTransform(zoomed, BW, BH).sx);
    const order = cache.order;
    // Nothing left to do for this view, a whole-pixel pan of it, or another mask.
    expect(prepareCache(cache, BW, BH, input(pan(zoomed, BW, BH, 3, 2), masks[2]), () => true, 64)).toBe(false);
    for (const [vp, mask] of [
      [zoomed, masks[1]],
      [pan(zoomed, BW, BH, 3, 2), masks[2]],
      [zoomed, masks[3]],
    ] as const) {
      expect(draw(input(vp, mask), cache)).toEqual(draw(input(vp, mask)));
    }
    expect(cache.order).toBe(order);
    // A sort under way survives a frame at its scale (drawn keyed) and is dropped by one at another scale.
    const again = zoom(zoomed, 1.1);
    expect(prepareCache(cache, BW, BH, input(again, masks[0]), () => true, 64)).toBe(true);
    expect(draw(input(again, masks[1]), cache)).toEqual(draw(input(again, masks[1])));
    expect(cache.build).not.toBeNull();
    expect(draw(input(zoomed, masks[1]), cache)).toEqual(draw(input(zoomed, masks[1])));
    expect(cache.build).toBeNull();
    // A new sort for the current view starts over; without yielding it finishes in one call.
    expect(prepareCache(cache, BW, BH, input(zoomed, null), () => false)).toBe(false);
    expect(draw(input(zoomed, masks[0]), cache)).toEqual(draw(input(zoomed, masks[0])));
    expect(prepareCache(cache, BW, BH, input(zoomed, null), () => true)).toBe(false);
  });

  it("finishes a sort under way on the next frame at its scale when frames sort (the default)", () => {
    const { xs, ys, colorIndex, masks } = rows();
    const cache = createPointCache();
    const zoomed = zoom(home, 1.1);
    const input: RasterInput = {
      xs,
      ys,
      colorIndex,
      mask: masks[0],
      transform: createTransform(zoomed, BW, BH),
      pointSizePx: 2,
      palette: withDensity("on"),
    };
    expect(prepareCache(cache, BW, BH, input, () => true, 100)).toBe(true);
    expect(draw({ ...input, mask: masks[2] }, cache)).toEqual(draw({ ...input, mask: masks[2] }));
    expect(cache.build).toBeNull();
    expect(cache.order.length).toBeGreaterThan(0);
  });
});
