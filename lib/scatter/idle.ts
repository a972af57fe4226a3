/**
 * Background work of the scatter between frames: once no frame has been asked for in `delayMs` (the wheel or the
 * drag has stopped), run a resumable job in slices of about `sliceMs`, each its own task, so that a request that
 * arrives meanwhile is served after at most one slice. Used to sort the rows into cells for the scale a zoom left
 * (raster.ts `prepareCache`), so that the selection change that follows draws from them.
 */

/** Timers and a clock, injectable so that tests drive the schedule by hand. */
export interface IdleScheduler {
  /** Calls `run` after `delayMs`; the returned function cancels it. */
  later(run: () => void, delayMs: number): () => void;
  /** Milliseconds on a monotonic clock. */
  now(): number;
}

/** setTimeout and performance.now (a worker or the page). */
export const timerScheduler: IdleScheduler = {
  later(run, delayMs) {
    const id = setTimeout(run, delayMs);
    return () => clearTimeout(id);
  },
  now: () => performance.now(),
};

/** Options of {@link createIdleWork}. */
export interface IdleWorkOptions {
  /** Quiet time after the last frame before work starts: a bit more than a frame, so a gesture's frames never wait. */
  delayMs?: number;
  /** Time one slice may take before it yields (a main-thread slice stays far below a 50 ms long task). */
  sliceMs?: number;
  scheduler?: IdleScheduler;
}

/** The handle of {@link createIdleWork}. */
export interface IdleWork {
  /** A frame was drawn: (re)start the quiet period; the job resumes after it. */
  poke(): void;
  /** A frame is about to be drawn (or the owner is going away): nothing runs until the next poke. */
  cancel(): void;
}

/** Default quiet period: just over one 60 Hz frame. */
export const IDLE_DELAY_MS = 20;
/** Default slice length. */
export const IDLE_SLICE_MS = 4;

/**
 * Runs `step` when idle: `step(shouldYield)` does some work, asking `shouldYield()` at its own checkpoints, and
 * returns true while work remains (it is then called again in a new task) or false when there is none.
 */
export function createIdleWork(step: (shouldYield: () => boolean) => boolean, options: IdleWorkOptions = {}): IdleWork {
  const { delayMs = IDLE_DELAY_MS, sliceMs = IDLE_SLICE_MS, scheduler = timerScheduler } = options;
  let stop: (() => void) | null = null;
  const slice = () => {
    stop = null;
    const end = scheduler.now() + sliceMs;
    if (step(() => scheduler.now() >= end)) stop = scheduler.later(slice, 0);
  };
  const cancel = () => {
    stop?.();
    stop = null;
  };
  return {
    poke() {
      cancel();
      stop = scheduler.later(slice, delayMs);
    },
    cancel,
  };
}
