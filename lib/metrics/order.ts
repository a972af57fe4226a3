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

/** Reusable work buffers of {@link radixArgsort} (four `Uint32Array`s of the row count), grown on demand. */
export class SortScratch {
  idx = new Uint32Array(0);
  idx2 = new Uint32Array(0);
  hi = new Uint32Array(0);
  hi2 = new Uint32Array(0);
  readonly counts = new Uint32Array(3 * 2048);

  /** Makes every buffer hold at least `m` keys. */
  ensure(m: number): void {
    if (this.idx.length >= m) return;
    this.idx = new Uint32Array(m);
    this.idx2 = new Uint32Array(m);
    this.hi = new Uint32Array(m);
    this.hi2 = new Uint32Array(m);
  }
}

// One scratch per thread is enough (sorting is synchronous); it keeps ~16 MB at 10^6 rows, which a re-rank would
// otherwise allocate and fault in afresh every time (the dominant cost of a sort in the shared sandbox).
const sharedScratch = new SortScratch();

// The high 32 bits of the key in three LSD digits (11, 11, 10 bits): each pass scatters into ≤ 2048 buckets, so
// the write targets stay in cache.
const DIGIT_SHIFT = [0, 11, 22];
const DIGIT_MASK = [2047, 2047, 1023];

/** Runs longer than this are ordered by a stable library sort instead of an insertion sort. */
const INSERTION_RUN = 24;

/**
 * Row indices of the non-NaN entries of `values` sorted by value (−0 = +0), ascending with equal values in
 * ascending row order (numpy's `np.argsort(x[~isnan(x)], kind="stable")` mapped back to rows), or `descending`
 * with equal values in DESCENDING row order (that permutation reversed: the paper's `[-k:]` tie rule, higher row
 * first). `scratch` defaults to a module-wide one; the result is always a fresh array.
 *
 * Method: the float64 bits map to an order-preserving unsigned 64-bit key; a stable LSD radix sort (three 11-bit
 * passes, a digit every key shares is skipped) orders the rows by the key's high word, then each run of equal high
 * words (rare on continuous data: sign, exponent and 20 mantissa bits agree) is ordered by the low word with a
 * stable sort. Ties (equal full keys) keep the order the rows entered in, which is the tie order.
 */
export function radixArgsort(
  values: Float64Array,
  descending = false,
  scratch: SortScratch = sharedScratch,
): Uint32Array {
  const n = values.length;
  // Reading the float's two 32-bit words through a view of its own buffer avoids a DataView call per value.
  const words = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  const H = HI_WORD;
  const L = 1 - HI_WORD;
  // XOR that turns the ascending key into the descending one (all bits flipped).
  const flip = descending ? -1 : 0;
  const counts = scratch.counts;
  counts.fill(0);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== v) continue;
    m++;
    // −0 and +0 compare equal, so they get the same key; the usual float→unsigned map flips every bit of negatives
    // and only the sign bit of positives.
    const h = v === 0 ? 0 : words[2 * i + H];
    const kh = h ^ ((h >> 31) | 0x80000000) ^ flip;
    counts[kh & 2047]++;
    counts[2048 + ((kh >>> 11) & 2047)]++;
    counts[4096 + (kh >>> 22)]++;
  }
  const start = descending ? n - 1 : 0;
  const step = descending ? -1 : 1;
  const out = new Uint32Array(m);
  // Passes whose digit is not shared by every key; the others leave the order as it is.
  const passes: number[] = [];
  for (let q = 0; q < 3; q++) {
    const base = q * 2048;
    let shared = false;
    for (let d = 0; d <= DIGIT_MASK[q]; d++) {
      const c = counts[base + d];
      if (c === m) shared = true;
      if (c !== 0) break;
    }
    if (shared || m === 0) continue;
    let sum = 0;
    for (let d = 0; d <= DIGIT_MASK[q]; d++) {
      const c = counts[base + d];
      counts[base + d] = sum;
      sum += c;
    }
    passes.push(q);
  }
  scratch.ensure(m);
  let { idx, idx2, hi, hi2 } = scratch;
  if (passes.length === 0) {
    // Every high word equal: rows in tie order, then the low words decide.
    for (let i = start, j = 0; j < m; i += step) {
      const v = values[i];
      if (v !== v) continue;
      const h = v === 0 ? 0 : words[2 * i + H];
      out[j] = i;
      hi[j++] = h ^ ((h >> 31) | 0x80000000) ^ flip;
    }
  }
  for (let t = 0; t < passes.length; t++) {
    const q = passes[t];
    const base = q * 2048;
    const shift = DIGIT_SHIFT[q];
    const mask = DIGIT_MASK[q];
    const dst = t === passes.length - 1 ? out : idx2;
    if (t === 0) {
      // The first pass reads the rows themselves, in tie order, and builds the keys as it scatters them.
      for (let c = 0, i = start; c < n; c++, i += step) {
        const v = values[i];
        if (v !== v) continue;
        const h = v === 0 ? 0 : words[2 * i + H];
        const kh = h ^ ((h >> 31) | 0x80000000) ^ flip;
        const p = counts[base + ((kh >>> shift) & mask)]++;
        dst[p] = i;
        hi2[p] = kh;
      }
    } else {
      for (let j = 0; j < m; j++) {
        const k = hi[j];
        const p = counts[base + ((k >>> shift) & mask)]++;
        dst[p] = idx[j];
        hi2[p] = k;
      }
    }
    [idx, idx2] = [idx2, idx];
    [hi, hi2] = [hi2, hi];
  }
  // `hi` now holds the high words in `out`'s order: order each run of equal high words by the low word.
  const low = (row: number): number => {
    const v = values[row];
    const l = v === 0 ? 0 : words[2 * row + L];
    const h = v === 0 ? 0 : words[2 * row + H];
    return (l ^ (h >> 31) ^ flip) >>> 0;
  };
  for (let a = 0; a < m;) {
    let b = a + 1;
    while (b < m && hi[b] === hi[a]) b++;
    if (b - a > 1) {
      if (b - a <= INSERTION_RUN) {
        // Insertion sort is stable: equal low words keep their (tie) order.
        for (let j = a + 1; j < b; j++) {
          const row = out[j];
          const key = low(row);
          let p = j - 1;
          while (p >= a && low(out[p]) > key) {
            out[p + 1] = out[p];
            p--;
          }
          out[p + 1] = row;
        }
      } else {
        const run = Array.from(out.subarray(a, b), (row, pos) => ({ row, key: low(row), pos }));
        run.sort((x, y) => x.key - y.key || x.pos - y.pos);
        for (let j = 0; j < run.length; j++) out[a + j] = run[j].row;
      }
    }
    a = b;
  }
  return out;
}

/**
 * Row indices of the non-NaN entries of `values`, ascending by value, equal values (−0 = +0 included) in
 * ascending row order: the same permutation as numpy's `np.argsort(x[~isnan(x)], kind="stable")` mapped back to
 * rows.
 */
export function stableArgsort(values: Float64Array): Uint32Array {
  return radixArgsort(values, false);
}
