/**
 * Undo / redo of selection specs. Immutable snapshots (specs share structure, so a step costs what changed);
 * consecutive changes with the same coalesce key (one handle drag, one typed number) merge into one step.
 */

/** Most steps kept (the issue asks for at least 100). */
export const HISTORY_LIMIT = 200;

/** An undo stack over values of type T. */
export interface History<T> {
  past: T[];
  present: T;
  future: T[];
  /** Key of the change that made `present`, while it may still be merged with the next one. */
  coalesceKey: string | null;
}

/** A history whose only state is `initial`. */
export function createHistory<T>(initial: T): History<T> {
  return { past: [], present: initial, future: [], coalesceKey: null };
}

/**
 * Records `next` as a new step, or, when `coalesceKey` equals the previous change's key, replaces the present
 * step (a drag produces one undo step, not one per pointer move). Equal values (===) record nothing.
 */
export function push<T>(h: History<T>, next: T, coalesceKey: string | null = null, limit = HISTORY_LIMIT): History<T> {
  if (next === h.present) return h;
  if (coalesceKey !== null && coalesceKey === h.coalesceKey && h.past.length > 0)
    return { past: h.past, present: next, future: [], coalesceKey };
  const past = [...h.past, h.present];
  if (past.length > limit) past.splice(0, past.length - limit);
  return { past, present: next, future: [], coalesceKey };
}

/** Ends coalescing: the next change starts a new step even with the same key (pointer released). */
export function seal<T>(h: History<T>): History<T> {
  return h.coalesceKey === null ? h : { ...h, coalesceKey: null };
}

/** One step back (no-op at the start). */
export function undo<T>(h: History<T>): History<T> {
  if (h.past.length === 0) return h;
  const present = h.past[h.past.length - 1];
  return { past: h.past.slice(0, -1), present, future: [h.present, ...h.future], coalesceKey: null };
}

/** One step forward (no-op at the end). */
export function redo<T>(h: History<T>): History<T> {
  if (h.future.length === 0) return h;
  const [present, ...future] = h.future;
  return { past: [...h.past, h.present], present, future, coalesceKey: null };
}

/** Replaces the whole history (a new dataset, a loaded recipe). */
export function reset<T>(value: T): History<T> {
  return createHistory(value);
}
