/**
 * Which pointer positions a drag follows. Chromium dispatches `pointermove` aligned to animation frames: measured
 * under Playwright, a move reached its listener a median 13.0 ms after its timestamp, a `pointerrawupdate` 0.4 ms
 * after (bench/RESULTS.md, "A dragged bound follows the raw pointer"). A drag that listens to both computes each
 * step up to a frame earlier; raw updates come as often as the device reports (125–1000 Hz for some mice), so they
 * are taken at most every `rawMinMs`, and the frame-aligned `pointermove` (which carries the latest position) takes
 * whatever the raw updates skipped. A position already followed is never followed twice.
 */

/** Decides, per pointer event of one drag, whether the drag follows it. */
export interface PointerFollower {
  /** True when the drag should follow this event (`raw`: a `pointerrawupdate`; `now`: its handling time, ms). */
  accept(clientX: number, clientY: number, raw: boolean, now: number): boolean;
  /** A new drag starts: nothing followed yet. */
  reset(): void;
}

/** Raw updates closer than this (ms) to the last followed one wait for the frame's `pointermove`. */
export const RAW_MIN_MS = 12;

export function createPointerFollower(rawMinMs = RAW_MIN_MS): PointerFollower {
  let last: { x: number; y: number; t: number } | null = null;
  return {
    accept(clientX, clientY, raw, now) {
      if (last && last.x === clientX && last.y === clientY) return false;
      if (raw && last && now - last.t < rawMinMs) return false;
      last = { x: clientX, y: clientY, t: now };
      return true;
    },
    reset() {
      last = null;
    },
  };
}

/** Whether this browser fires `pointerrawupdate` (Chromium in secure contexts); elsewhere drags follow `pointermove`. */
export function hasRawPointerUpdates(scope: object | undefined = globalThis.window): boolean {
  return scope !== undefined && "onpointerrawupdate" in scope;
}
