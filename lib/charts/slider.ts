/**
 * The value logic of the app's own sliders (components/RatioSlider.tsx): a pointer position on a track, or a key
 * press, to a stepped value in [min, max]. A native `<input type="range">` takes its input events with the
 * frame-aligned `pointermove` (up to a frame late in Chromium); a slider of our own follows `pointerrawupdate`
 * (lib/charts/pointer-follow.ts).
 */
import { withoutFloatNoise } from "@/lib/charts/snap";

/** Decimals of a step as written (0.01 → 2, 1 → 0, 0.25 → 2). */
function decimalsOf(step: number): number {
  const text = String(step);
  const exp = /e-(\d+)$/.exec(text);
  if (exp) return Number(exp[1]) + (text.split("e")[0].split(".")[1]?.length ?? 0);
  return text.split(".")[1]?.length ?? 0;
}

/** `value` on the grid min + k·step, clamped to [min, max], written without float noise. */
export function stepValue(value: number, min: number, max: number, step: number): number {
  if (!Number.isFinite(value)) return min;
  const clamped = Math.min(Math.max(value, min), max);
  if (!(step > 0)) return clamped;
  const snapped = min + Math.round((clamped - min) / step) * step;
  return withoutFloatNoise(Math.min(Math.max(snapped, min), max), decimalsOf(step) + decimalsOf(min));
}

/** The value under `clientX` on a track whose left edge is `left` and width `width` (min at the left edge). */
export function trackValue(
  clientX: number,
  left: number,
  width: number,
  min: number,
  max: number,
  step: number,
): number {
  const fraction = width > 0 ? (clientX - left) / width : 0;
  return stepValue(min + fraction * (max - min), min, max, step);
}

/**
 * The value after a key press, as a native range input moves (arrows one step, Page Up / Down ten, Home / End the
 * ends); null for any other key.
 */
export function keyedValue(key: string, value: number, min: number, max: number, step: number): number | null {
  const by = (steps: number) => stepValue(value + steps * step, min, max, step);
  switch (key) {
    case "ArrowRight":
    case "ArrowUp":
      return by(1);
    case "ArrowLeft":
    case "ArrowDown":
      return by(-1);
    case "PageUp":
      return by(10);
    case "PageDown":
      return by(-10);
    case "Home":
      return min;
    case "End":
      return max;
    default:
      return null;
  }
}
