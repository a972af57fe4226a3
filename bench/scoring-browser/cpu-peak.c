/*
 * Measured single-core peaks for realistic.ts: the clock (a chain of dependent integer adds retires one per cycle),
 * AVX-512 FMA throughput (12 independent 16-lane FMA chains) and 128-bit SSE mul+add throughput (12 independent
 * 4-lane chains, what V8 compiles WASM's f32x4.mul/f32x4.add to, since ORT-web's build has no relaxed-SIMD FMA).
 * Prints one JSON line: {"ghz":...,"avx512FmaGflops":...,"sse128MulAddGflops":...}. Build: gcc -O2 -mavx512f -mfma -ffp-contract=off (no fusing
 * of the SSE mul+add into an FMA).
 */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static double ghz(void) {
  const long n = 200000000;
  long x = 1, one = 1;
  double t0 = now();
  for (long i = 0; i < n; i += 8) {
    /* 8 dependent register adds per iteration (not add-immediate: newer cores fold those at rename). */
    __asm__ volatile("add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
                     "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0" : "+r"(x) : "r"(one));
  }
  return n / (now() - t0) / 1e9;
}

/* Twelve accumulators named one by one, so that they stay in registers (an array would live in memory). */
#define CHAINS(T, SET, STEP)                                                                   \
  T a0 = SET(0.f), a1 = SET(1.f), a2 = SET(2.f), a3 = SET(3.f), a4 = SET(4.f), a5 = SET(5.f);   \
  T a6 = SET(6.f), a7 = SET(7.f), a8 = SET(8.f), a9 = SET(9.f), a10 = SET(10.f), a11 = SET(11.f); \
  double t0 = now();                                                                           \
  for (long i = 0; i < n; i++) {                                                               \
    a0 = STEP(a0); a1 = STEP(a1); a2 = STEP(a2); a3 = STEP(a3); a4 = STEP(a4); a5 = STEP(a5);   \
    a6 = STEP(a6); a7 = STEP(a7); a8 = STEP(a8); a9 = STEP(a9); a10 = STEP(a10); a11 = STEP(a11); \
    __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5));         \
    __asm__ volatile("" : "+v"(a6), "+v"(a7), "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11));       \
  }                                                                                            \
  double dt = now() - t0;

static double avx512(void) {
  const long n = 50000000;
  const __m512 b = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
#define FMA512(x) _mm512_fmadd_ps(x, b, c)
  CHAINS(__m512, _mm512_set1_ps, FMA512)
  return 12.0 * n * 16 * 2 / dt / 1e9;
}

static double sse(void) {
  const long n = 50000000;
  const __m128 b = _mm_set1_ps(0.999999f), c = _mm_set1_ps(1e-7f);
#define MULADD128(x) _mm_add_ps(_mm_mul_ps(x, b), c)
  CHAINS(__m128, _mm_set1_ps, MULADD128)
  return 12.0 * n * 4 * 2 / dt / 1e9;
}

int main(void) {
  double g = 0, f = 0, s = 0;
  /* Best of 3: other processes share these cores. */
  for (int r = 0; r < 3; r++) {
    double v;
    if ((v = ghz()) > g) g = v;
    if ((v = avx512()) > f) f = v;
    if ((v = sse()) > s) s = v;
  }
  printf("{\"ghz\":%.3f,\"avx512FmaGflops\":%.2f,\"sse128MulAddGflops\":%.2f}\n", g, f, s);
  return 0;
}
