/**
 * Order statistics on float64 columns: Floyd–Rivest selection (O(n) average) and a stable LSD radix argsort
 * (O(n)) that orders exactly like numpy's `np.argsort(x, kind="stable")`.
 */

/**
 * Rearranges `values[left..right]` in place so that `values[k]` holds the value it would have after an ascending
 * sort, smaller-or-equal values before it and greater-or-equal after. Values must not be NaN. Average O(n).
 */
export function quickselect(values: Float64Array, k: number, left = 0, right = values.length - 1): void {
  if (!(k >= left && k <= right)) throw new RangeError(`quickselect: k=${k} is outside [${left}, ${right}]`);
  // Floyd & Rivest, "Algorithm 489: SELECT", CACM 18(3), 1975: recursing on a sample brackets k tightly, so large
  // inputs converge in about 1.5 n comparisons and sorted or constant inputs do not degrade.
  while (right > left) {
    if (right - left > 600) {
      const n = right - left + 1;
      const m = k - left + 1;
      const z = Math.log(n);
      const s = 0.5 * Math.exp((2 * z) / 3);
      const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * (m - n / 2 < 0 ? -1 : 1);
      const newLeft = Math.max(left, Math.floor(k - (m * s) / n + sd));
      const newRight = Math.min(right, Math.floor(k + ((n - m) * s) / n + sd));
      quickselect(values, k, newLeft, newRight);
    }
    const t = values[k];
    let i = left;
    let j = right;
    swap(values, left, k);
    if (values[right] > t) swap(values, left, right);
    while (i < j) {
      swap(values, i, j);
      i++;
      j--;
      while (values[i] < t) i++;
      while (values[j] > t) j--;
    }
    if (values[left] === t) swap(values, left, j);
    else {
      j++;
      swap(values, j, right);
    }
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
}

/** Index of the high 32-bit word of a float64 in a Uint32Array view: 1 on little-endian platforms (all current ones). */
const HI_WORD = new Uint32Array(new Float64Array([-0]).buffer)[1] === 0x80000000 ? 1 : 0;

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/**
 * Row indices of the non-NaN entries of `values`, ascending by value, equal values (−0 = +0 included) in
 * ascending row order: the same permutation as numpy's `np.argsort(x[~isnan(x)], kind="stable")` mapped back to
 * rows.
 */
export function stableArgsort(values: Float64Array): Uint32Array {
  const n = values.length;
  let m = 0;
  for (let i = 0; i < n; i++) if (!Number.isNaN(values[i])) m++;
  let idx = new Uint32Array(m);
  let hi = new Uint32Array(m);
  let lo = new Uint32Array(m);
  // Reinterpreting a float64 buffer as 32-bit words is much faster than a DataView per value.
  const packed = new Float64Array(m);
  const words = new Uint32Array(packed.buffer);
  for (let i = 0, j = 0; i < n; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    // +0 maps −0 onto +0 so they compare equal (as numpy's comparisons do).
    packed[j] = v + 0;
    idx[j++] = i;
  }
  for (let j = 0; j < m; j++) {
    const h = words[2 * j + HI_WORD];
    const l = words[2 * j + 1 - HI_WORD];
    // The usual float→unsigned key: flip every bit of negatives, only the sign bit of positives.
    const neg = h >>> 31 === 1;
    hi[j] = neg ? ~h >>> 0 : (h | 0x80000000) >>> 0;
    lo[j] = neg ? ~l >>> 0 : l;
  }
  // LSD radix over four 16-bit digits; each counting pass is stable and rows start in ascending order, so ties
  // keep ascending row order.
  const counts = new Uint32Array(4 * 65536);
  for (let j = 0; j < m; j++) {
    counts[lo[j] & 0xffff]++;
    counts[65536 + (lo[j] >>> 16)]++;
    counts[131072 + (hi[j] & 0xffff)]++;
    counts[196608 + (hi[j] >>> 16)]++;
  }
  let idx2 = new Uint32Array(m);
  let hi2 = new Uint32Array(m);
  let lo2 = new Uint32Array(m);
  for (let pass = 0; pass < 4; pass++) {
    const base = pass * 65536;
    // A digit every key shares leaves the order unchanged: skip the pass (common for the high digits).
    let trivial = false;
    for (let d = 0; d < 65536; d++) {
      const c = counts[base + d];
      if (c === m) trivial = true;
      if (c !== 0) break;
    }
    if (trivial || m === 0) continue;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = counts[base + d];
      counts[base + d] = sum;
      sum += c;
    }
    const keys = pass < 2 ? lo : hi;
    const shift = pass % 2 === 0 ? 0 : 16;
    for (let j = 0; j < m; j++) {
      const d = (keys[j] >>> shift) & 0xffff;
      const p = counts[base + d]++;
      idx2[p] = idx[j];
      hi2[p] = hi[j];
      lo2[p] = lo[j];
    }
    [idx, idx2] = [idx2, idx];
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
  }
  return idx;
}
