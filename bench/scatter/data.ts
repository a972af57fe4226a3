/** The scatter benches' synthetic margin pairs (page.ts, recharts-page.tsx, cache.ts): no DOM, runs in Node too. */

/** Deterministic synthetic margins: x ~ N(0.5, 1), y correlated with x, colour an M_AP-like mix, 1 % NaN colour. */
export function makeData(n: number) {
  let s = 0x9e3779b9;
  const rand = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  const color = new Float64Array(n);
  const maskA = new Uint8Array(n);
  const maskB = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = 0.5 + gauss();
    ys[i] = 0.3 * xs[i] + 0.8 * gauss();
    color[i] = rand() < 0.01 ? NaN : xs[i] - 0.5 * Math.abs(ys[i]);
    maskA[i] = color[i] > 0 ? 1 : 0;
    maskB[i] = rand() < 0.5 ? 1 : 0;
  }
  return { xs, ys, color, maskA, maskB };
}

/**
 * Masks of a threshold on `color` dragged in `count` steps, each moving `step` of the rows (0.5 % by default) across
 * it, from the median up; NaN rows are never selected. What a dragged ratio or handle does to the selection.
 */
export function thresholdMasks(color: Float64Array, count = 8, step = 0.005): Uint8Array[] {
  const sorted = Float64Array.from(color.filter((v) => !Number.isNaN(v))).sort();
  return Array.from({ length: count }, (_, k) => {
    const threshold = sorted[Math.floor(sorted.length * (0.5 + step * k))];
    return Uint8Array.from(color, (v) => (v >= threshold ? 1 : 0));
  });
}
