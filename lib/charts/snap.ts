/**
 * Round values for dragged bounds. A handle dragged across a plot lands on whatever value its pixel maps to
 * (0.7234817263…), which the number box and the recipe then show in full; no pointer can aim finer than a pixel, so
 * the value is rounded to the coarsest power of ten no larger than what one pixel spans (0.72 where a pixel is 0.03).
 */

/** `value` written with `decimals` decimals (at most 100, what `toFixed` takes) as a number: 0.3, not 0.30000000000000004; 0, not -0. */
export function withoutFloatNoise(value: number, decimals: number): number {
  const written = Number(value.toFixed(Math.min(100, decimals)));
  return Object.is(written, -0) ? 0 : written;
}

/**
 * `value` rounded to a multiple of the largest power of ten ≤ `resolution`, written with no float noise
 * (0.1 · 3 is 0.3, not 0.30000000000000004). Non-finite values, or a resolution that is not a positive finite number,
 * come back unchanged.
 */
export function snapToResolution(value: number, resolution: number): number {
  if (!Number.isFinite(value) || !Number.isFinite(resolution) || resolution <= 0) return value;
  const exponent = Math.floor(Math.log10(resolution));
  // log10 of an exact power of ten can come out a hair under the integer.
  const power = 10 ** (exponent + 1) <= resolution ? exponent + 1 : exponent;
  const step = 10 ** power;
  const snapped = Math.round(value / step) * step;
  if (power >= 0) return snapped;
  // toFixed takes at most 100 digits; a resolution that fine leaves the value as it is.
  if (-power > 100) return value;
  return withoutFloatNoise(snapped, -power);
}
