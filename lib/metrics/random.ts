/**
 * Seeded randomness for the `random` baseline: xoshiro128** seeded through splitmix32, 32-bit integer arithmetic
 * only (Math.imul), so a seed gives the same stream in every browser and in Node. It does NOT reproduce Python's
 * `random.sample` (the paper's random baseline); only the distribution matches.
 */

function splitmix32(state: number): [next: number, out: number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

/** Uniform generator on [0, 1) with 53 random bits per draw. */
export type Rng = () => number;

/** Creates a xoshiro128** stream for `seed` (taken modulo 2^32, so 42 and 42 + 2^32 give the same stream). */
export function createRng(seed: number): Rng {
  let sm = Number.isFinite(seed) ? (Math.trunc(seed) % 0x100000000) | 0 : 0;
  const s = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    const [next, out] = splitmix32(sm);
    sm = next;
    s[i] = out;
  }
  // xoshiro128** must not start from the all-zero state; splitmix32 makes that practically impossible, but be sure.
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  };
  return () => {
    // 27 + 26 bits, as in the reference xoshiro/Mersenne double construction: exact multiples of 2^-53.
    const hi = nextU32() >>> 5;
    const lo = nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** One uniform [0, 1) score per row from `createRng(seed)`, row 0 first; equal seeds give equal arrays. */
export function randomScores(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = rng();
  return out;
}

/**
 * mulberry32: a small seeded PRNG (32-bit state) used where byte-identical fixtures matter (demo data, demo model
 * weights); the selection baseline uses {@link createRng} (xoshiro128**).
 */
export function createMulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
