/**
 * The exact top k of a float64 column without sorting it: a radix select on the order-preserving 64-bit key of each
 * value, 16 bits at a time (O(n): two passes over the rows, then only the rows that share the boundary's digits).
 * Same order and tie rule as {@link radixArgsort} descending: higher value first, −0 = +0, and among equal values
 * the HIGHER row index first (numpy's stable argsort taking the last k).
 */

/** Index of the high 32-bit word of a float64 in a Uint32Array view: 1 on little-endian platforms. */
const HI_WORD = new Uint32Array(new Float64Array([-0]).buffer)[1] === 0x80000000 ? 1 : 0;

/** Reusable buffers of {@link topKMask}: the rows' high key words, the boundary rows, one 16-bit digit count table. */
export class TopKScratch {
  keys = new Uint32Array(0);
  rows = new Uint32Array(0);
  readonly counts = new Uint32Array(65536);

  /** Makes the buffers hold at least `n` rows. */
  ensure(n: number): void {
    if (this.keys.length >= n) return;
    this.keys = new Uint32Array(n);
    this.rows = new Uint32Array(n);
  }
}

// One per thread (the select is synchronous): ~8 MB at 10^6 rows that a re-rank would otherwise fault in afresh.
const sharedScratch = new TopKScratch();

/** Rows a {@link topKMask} call considered (non-NaN, not blocked) and how many it marked. */
export interface TopKCount {
  taken: number;
  considered: number;
}

/** Samples taken to bracket the k-th value (see {@link topKMask}). */
const SAMPLES = 8192;

/**
 * Writes into `out` (length ≥ n, every byte overwritten) 1 for the best min(⌊k⌋, considered) rows among those with a
 * non-NaN `score` and `blocked[i] === 0` (every non-NaN row without `blocked`), `missing` for rows whose score is NaN
 * (0 by default), 0 elsewhere.
 *
 * Method: a sample of the column brackets the k-th best value, so one pass of comparisons marks the rows above the
 * bracket and lists the rows inside it; the exact radix select then runs on the listed rows only. When the bracket
 * misses (k falls outside it: skewed or tiny data) the radix select runs over every row instead. Both give the
 * same rows.
 */
export function topKMask(
  score: Float64Array,
  k: number,
  blocked: Uint8Array | null,
  out: Uint8Array,
  scratch: TopKScratch = sharedScratch,
  missing = 0,
): TopKCount {
  const n = score.length;
  if (blocked && blocked.length < n) throw new RangeError(`topKMask: blocked has ${blocked.length} rows, need ${n}`);
  if (out.length < n) throw new RangeError(`topKMask: out has ${out.length} rows, need ${n}`);
  k = Math.trunc(k);
  scratch.ensure(n);
  if (k > 0 && n >= 16 * SAMPLES) {
    const done = bracketed(score, k, blocked, out, scratch, missing);
    if (done) return done;
  }
  return radixTopK(score, k, blocked, out, scratch, missing);
}

function bracketed(
  score: Float64Array,
  k: number,
  blocked: Uint8Array | null,
  out: Uint8Array,
  scratch: TopKScratch,
  missing: number,
): TopKCount | null {
  const n = score.length;
  // Evenly spaced rows: deterministic, and a periodic column only costs the fallback, never a wrong answer.
  const sample = new Float64Array(SAMPLES);
  let s = 0;
  for (let j = 0; j < SAMPLES; j++) {
    const i = Math.floor(((j + 0.5) * n) / SAMPLES);
    const v = score[i];
    if (v === v && (blocked === null || blocked[i] === 0)) sample[s++] = v;
  }
  if (s < SAMPLES / 8) return null;
  const sorted = sample.subarray(0, s).sort();
  // The k-th best sits near sample position s − k·s/considered (ascending), give or take 4σ of a sample quantile
  // (binomial) and 4σ of the error of `considered` itself, estimated from the same sample.
  const f = s / SAMPLES;
  const considered = n * f;
  if (k >= considered * 0.98) return null;
  const q = k / considered;
  const at = s - q * s;
  const spread = 4 * (Math.sqrt(s * q * (1 - q)) + q * s * Math.sqrt((1 - f) / (f * SAMPLES))) + 8;
  const loPos = Math.floor(at - spread);
  const hiPos = Math.ceil(at + spread);
  const lo = loPos <= 0 ? -Infinity : sorted[loPos];
  const hi = hiPos >= s ? Infinity : sorted[hiPos];
  // One pass: above the bracket in, inside it listed (ascending rows), below it out.
  const rows = scratch.rows;
  let m = 0;
  let above = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = score[i];
    if (v !== v) {
      out[i] = missing;
      continue;
    }
    if (blocked !== null && blocked[i] !== 0) {
      out[i] = 0;
      continue;
    }
    count++;
    // Branch-free: whether a score is above, inside or below the bracket is a coin toss per row, so branches would
    // mispredict (2.5× slower on real scores). The row is always written to the list; only a row inside keeps it.
    const a = +(v > hi);
    out[i] = a;
    above += a;
    rows[m] = i;
    m += +(v >= lo) - a;
  }
  if (above > k || above + m < k) return null;
  selectListed(score, rows, m, k - above, 0, scratch, out);
  return { taken: k, considered: count };
}

/** The radix select over every row (see {@link topKMask}). */
function radixTopK(
  score: Float64Array,
  k: number,
  blocked: Uint8Array | null,
  out: Uint8Array,
  scratch: TopKScratch,
  missing: number,
): TopKCount {
  const n = score.length;
  const { keys, counts } = scratch;
  const words = new Uint32Array(score.buffer, score.byteOffset, 2 * n);
  const H = HI_WORD;
  counts.fill(0);
  let considered = 0;
  // Pass 1: the high word of each row's ascending key (0 marks a NaN score, 1 a blocked row: a non-NaN key is
  // ≥ 0x000fffff, the key of −Infinity) and the counts of its top 16 bits.
  for (let i = 0; i < n; i++) {
    const v = score[i];
    if (v !== v) {
      keys[i] = 0;
      continue;
    }
    if (blocked !== null && blocked[i] !== 0) {
      keys[i] = 1;
      continue;
    }
    const h = v === 0 ? 0 : words[2 * i + H];
    const kh = (h ^ ((h >> 31) | 0x80000000)) >>> 0;
    keys[i] = kh;
    counts[kh >>> 16]++;
    considered++;
  }
  if (!(k > 0)) {
    if (missing === 0) out.fill(0, 0, n);
    else for (let i = 0; i < n; i++) out[i] = keys[i] === 0 ? missing : 0;
    return { taken: 0, considered };
  }
  if (k >= considered) {
    for (let i = 0; i < n; i++) out[i] = keys[i] > 1 ? 1 : keys[i] === 0 ? missing : 0;
    return { taken: considered, considered };
  }
  // The bucket holding the k-th best key, scanning from the top.
  let need = k;
  let bucket = 65535;
  for (; bucket >= 0; bucket--) {
    const c = counts[bucket];
    if (c >= need) break;
    need -= c;
  }
  // Pass 2: rows above the bucket are in; the bucket's rows (ascending) go on to the next digit.
  // (The bucket is ≥ 0x000f, so rows left out, keys 0 and 1, are never in it or above it.)
  const rows = scratch.rows;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const key = keys[i];
    const d = key >>> 16;
    out[i] = d > bucket ? 1 : key === 0 ? missing : 0;
    if (d === bucket) rows[m++] = i;
  }
  selectListed(score, rows, m, need, 1, scratch, out);
  return { taken: k, considered };
}

/**
 * Marks (out = 1) the best `need` of the `m` listed rows (ascending row order, all sharing the key digits above
 * `level`), going down the key 16 bits at a time: digit 0 is the top of the high word, 3 the bottom of the low word.
 * Overwrites `scratch.keys` (the listed rows' high words, kept in step with the list).
 */
function selectListed(
  score: Float64Array,
  rows: Uint32Array,
  m: number,
  need: number,
  level: number,
  scratch: TopKScratch,
  out: Uint8Array,
): void {
  const { counts } = scratch;
  const hiKeys = scratch.keys;
  const words = new Uint32Array(score.buffer, score.byteOffset, 2 * score.length);
  const H = HI_WORD;
  const L = 1 - HI_WORD;
  for (let j = 0; j < m; j++) {
    const r = rows[j];
    const h = score[r] === 0 ? 0 : words[2 * r + H];
    hiKeys[j] = h ^ ((h >> 31) | 0x80000000);
  }
  const digit = (lvl: number, j: number): number => {
    const kh = hiKeys[j];
    if (lvl === 0) return kh >>> 16;
    if (lvl === 1) return kh & 0xffff;
    const r = rows[j];
    // The low word of the key: flipped with the sign (bit 31 of kh clear means a negative value).
    const l = score[r] === 0 ? 0 : (words[2 * r + L] ^ ((kh >>> 31) - 1)) >>> 0;
    return lvl === 2 ? l >>> 16 : l & 0xffff;
  };
  for (; level <= 3 && need < m && need > 0; level++) {
    counts.fill(0);
    for (let j = 0; j < m; j++) counts[digit(level, j)]++;
    let b = 65535;
    for (; b >= 0; b--) {
      const c = counts[b];
      if (c >= need) break;
      need -= c;
    }
    let w = 0;
    for (let j = 0; j < m; j++) {
      const d = digit(level, j);
      if (d > b) out[rows[j]] = 1;
      else if (d === b) {
        rows[w] = rows[j];
        hiKeys[w++] = hiKeys[j];
      }
    }
    m = w;
  }
  // What is left has equal keys (equal values), or all of it is in: the highest rows win.
  for (let j = Math.max(0, m - need); j < m; j++) out[rows[j]] = 1;
}
