/**
 * Columns that several workers read. In a cross-origin-isolated page (the app sends COOP / COEP, next.config.js) a
 * column in a SharedArrayBuffer goes to another worker without a copy: the dataset worker hands its M_AP column to
 * the scatter workers as it is, instead of copying 8 MB at 10^6 rows on every w change. Elsewhere (Node, the CLI, a
 * page without isolation) it is a plain array. A shared column follows the dataset's rule for every column: it is
 * replaced, never written after it is handed out; and it cannot be transferred (send a copy, `slice()`, for that).
 */

/** Whether columns can be shared between the workers of this page. */
export function canShareColumns(): boolean {
  return (
    typeof SharedArrayBuffer === "function" &&
    (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true
  );
}

/** A zero-filled column of `n` rows, in shared memory where {@link canShareColumns}. */
export function newColumn(n: number): Float64Array {
  return canShareColumns() ? new Float64Array(new SharedArrayBuffer(8 * n)) : new Float64Array(n);
}

/** Whether `values` lives in shared memory (then it goes to another worker as it is, never transferred). */
export function isShared(values: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer === "function" && values.buffer instanceof SharedArrayBuffer;
}
