/** Point-in-polygon over whole columns, for the scatter's lasso. */

/**
 * Sets `out[i] = 1` for the points (xs[i], ys[i]) inside the polygon `flat` ([x0, y0, x1, y1, …], closed
 * implicitly), by the even-odd rule; NaN coordinates are outside. A bounding-box test skips most points first.
 */
export function pointInPolygon(xs: Float64Array, ys: Float64Array, flat: number[], out: Uint8Array): void {
  const m = flat.length >> 1;
  const px = new Float64Array(m);
  const py = new Float64Array(m);
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let j = 0; j < m; j++) {
    px[j] = flat[2 * j];
    py[j] = flat[2 * j + 1];
    if (px[j] < minX) minX = px[j];
    if (px[j] > maxX) maxX = px[j];
    if (py[j] < minY) minY = py[j];
    if (py[j] > maxY) maxY = py[j];
  }
  const n = xs.length;
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    const y = ys[i];
    if (!(x >= minX && x <= maxX && y >= minY && y <= maxY)) {
      out[i] = 0;
      continue;
    }
    let inside = false;
    for (let a = 0, b = m - 1; a < m; b = a++) {
      const ya = py[a];
      const yb = py[b];
      if (ya > y !== yb > y && x < ((px[b] - px[a]) * (y - ya)) / (yb - ya) + px[a]) inside = !inside;
    }
    out[i] = inside ? 1 : 0;
  }
}

/**
 * Drops lasso vertices closer than `minStep` to the previous kept one (pointer moves come at every pixel), and
 * at most `maxPoints` are kept by striding; returns a flat [x, y, …] list.
 */
export function simplifyPath(points: [number, number][], minStep: number, maxPoints = 256): [number, number][] {
  const kept: [number, number][] = [];
  for (const p of points) {
    const last = kept[kept.length - 1];
    if (!last || Math.hypot(p[0] - last[0], p[1] - last[1]) >= minStep) kept.push(p);
  }
  if (kept.length <= maxPoints) return kept;
  const stride = kept.length / maxPoints;
  return Array.from({ length: maxPoints }, (_, i) => kept[Math.floor(i * stride)]);
}
