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

// A column made ahead of need: a fresh 8 MB array costs far more than the pass that fills it, since its pages are
// mapped (and zeroed) on first write. In Chromium at 10^6 rows a w change's M_AP pass takes ≈ 1 ms into mapped
// memory and 20–30 ms into a new SharedArrayBuffer (bench/RESULTS.md, issue 10 session 13).
let spare: Float64Array | null = null;

/** Writes a zero at every 4 KiB (the smallest page in use) of a new, zero-filled array: its pages are mapped now. */
function mapPages(array: Float64Array | Uint32Array): void {
  for (let i = 0; i < array.length; i += 4096 / array.BYTES_PER_ELEMENT) array[i] = 0;
}

/**
 * Makes a zero-filled column of `n` rows (shared where {@link canShareColumns}) with its pages mapped, for the next
 * {@link takeColumn}`(n)`; a spare of another length is let go. For a worker to call when idle (the dataset worker
 * after a re-rank): it keeps one column of memory standing.
 */
export function reserveColumn(n: number): void {
  if (hasReservedColumn(n)) return;
  spare = null;
  if (n === 0) return;
  const column = newColumn(n);
  mapPages(column);
  spare = column;
}

/**
 * A zero-filled column of `n` rows, as {@link newColumn} makes, never handed out before: the reserved one when it
 * fits ({@link reserveColumn}), else a new one. Each reserved column is taken once.
 */
export function takeColumn(n: number): Float64Array {
  if (!hasReservedColumn(n)) return newColumn(n);
  const column = spare!;
  spare = null;
  return column;
}

/** Whether a column of `n` rows is reserved now (the next {@link takeColumn}`(n)` takes it). */
export function hasReservedColumn(n: number): boolean {
  return spare !== null && spare.length === n && isShared(spare) === canShareColumns();
}

/**
 * `values` as a column of exactly `n` rows (cut, or NaN past its end), shared where {@link canShareColumns}:
 * `values` itself when it already is one, else a copy. For columns the scatters read (the margins), made once per
 * load.
 */
export function asColumn(values: Float64Array, n: number = values.length): Float64Array {
  if (values.length === n && isShared(values) === canShareColumns()) return values;
  const out = newColumn(n);
  out.set(values.length > n ? values.subarray(0, n) : values);
  if (values.length < n) out.fill(NaN, values.length);
  return out;
}

// Row ids made ahead of need, for the same reason: a table order of 10^6 rows is a fresh 4 MB array per sort click.
let spareIds: Uint32Array | null = null;

/**
 * Makes a zero-filled `Uint32Array` of `n` ids (plain: orders are transferred to the page) with its pages mapped,
 * for the next {@link takeIds} of at least half as many; for a worker to call when idle.
 */
export function reserveIds(n: number): void {
  if (spareIds?.length === n) return;
  spareIds = null;
  if (n === 0) return;
  const ids = new Uint32Array(n);
  mapPages(ids);
  spareIds = ids;
}

/**
 * A zero-filled `Uint32Array` of `m` ids, never handed out before: the first `m` of the reserved one when `m` is at
 * least half its length (its whole buffer goes with it), else a new array. Each reservation is taken once.
 */
export function takeIds(m: number): Uint32Array {
  const ids = spareIds;
  if (!ids || m > ids.length || m * 2 < ids.length) return new Uint32Array(m);
  spareIds = null;
  return m === ids.length ? ids : ids.subarray(0, m);
}

/** Whether ids are reserved now, and how many. */
export function reservedIds(): number {
  return spareIds?.length ?? 0;
}
