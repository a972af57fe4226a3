/**
 * Blob reads on a helper worker. A `Blob.slice().arrayBuffer()` started in the dataset worker only makes progress
 * while that worker's thread is idle: with one read ahead and the scan busy parsing, Chromium still left the worker
 * waiting ≈ 0.75 s per GB of JSON Lines; the same reads started on a second worker and transferred back left it
 * waiting ≈ 0.1 s (bench/RESULTS.md, "Ingest in Chromium"). {@link createWorkerBlobReader} is the dataset worker's
 * side, {@link serveBlobReads} the helper's; a helper that cannot start or dies mid-read is dropped and every read
 * (the interrupted ones included) goes to the Blob itself, so no read is lost.
 */

/** Reads [start, end) of a Blob (already clamped to its size). */
export type BlobReader = (blob: Blob, start: number, end: number) => Promise<Uint8Array>;

/** Bytes of a read and, where the reader found them, the offsets of their line feeds (ascending, into `bytes`). */
export interface LinedBytes {
  bytes: Uint8Array;
  lineFeeds: Int32Array | null;
}

/** Reads [start, end) of a Blob and finds its line feeds (JSON Lines indexing, lib/dataset/readers/jsonl.ts). */
export type LineFeedReader = (blob: Blob, start: number, end: number) => Promise<LinedBytes>;

/** Both reads of one helper. */
export interface WorkerBlobReader {
  read: BlobReader;
  readLines: LineFeedReader;
}

/** Request to the helper: one slice of one Blob. */
export interface BlobReadRequest {
  type: "read";
  id: number;
  blob: Blob;
  start: number;
  end: number;
  /** Also find the line feeds: the helper's core does the `indexOf` pass the indexer would (0.5 s per GB in Chromium). */
  lineFeeds?: boolean;
}

/**
 * The helper's reply: the bytes (transferred) with their line feeds when asked, or the read's error (its DOMException
 * name and message).
 */
export type BlobReadReply =
  | { type: "result"; id: number; bytes: ArrayBuffer; lineFeeds?: Int32Array }
  | { type: "error"; id: number; name: string; message: string };

/** The part of a `Worker` the reader uses (a fake in tests). */
export interface BlobReadWorker {
  postMessage(message: BlobReadRequest): void;
  onmessage: ((event: { data: BlobReadReply }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  terminate(): void;
}

/** Reads below this size go to the Blob directly: the round trip is not worth it for a row fetch. */
export const HELPER_MIN_BYTES = 1 << 20;

/** Reads a slice on the calling thread. */
export const readDirect: BlobReader = async (blob, start, end) =>
  new Uint8Array(await blob.slice(start, end).arrayBuffer());

/** The offsets of every line feed (0x0a) in `bytes`, ascending. */
export function findLineFeeds(bytes: Uint8Array): Int32Array {
  let out = new Int32Array(Math.max(16, bytes.length >> 9));
  let n = 0;
  for (let p = bytes.indexOf(0x0a); p >= 0; p = bytes.indexOf(0x0a, p + 1)) {
    if (n === out.length) {
      const grown = new Int32Array(out.length * 2);
      grown.set(out);
      out = grown;
    }
    out[n++] = p;
  }
  return out.slice(0, n);
}

/** The helper's read error as the same kind of error the direct read throws (name and message kept). */
function readError(name: string, message: string): Error {
  if (typeof DOMException === "function") return new DOMException(message, name);
  const err = new Error(message);
  err.name = name;
  return err;
}

/**
 * Reads that send slices of at least `minBytes` to a helper worker made by `spawn` (lazily, once). Where `spawn`
 * throws, or the helper reports an error event (a failed start, a crash), the helper is dropped for good and its
 * pending reads are redone directly (line feeds then left to the caller: `lineFeeds: null`).
 */
export function createWorkerBlobReader(spawn: () => BlobReadWorker, minBytes = HELPER_MIN_BYTES): WorkerBlobReader {
  let helper: BlobReadWorker | null = null;
  let broken = false;
  let nextId = 1;
  const pending = new Map<
    number,
    { blob: Blob; start: number; end: number; resolve: (b: LinedBytes) => void; reject: (e: unknown) => void }
  >();
  const direct = async (blob: Blob, start: number, end: number): Promise<LinedBytes> => ({
    bytes: await readDirect(blob, start, end),
    lineFeeds: null,
  });

  const drop = () => {
    broken = true;
    helper?.terminate();
    helper = null;
    const waiting = [...pending.values()];
    pending.clear();
    for (const p of waiting) direct(p.blob, p.start, p.end).then(p.resolve, p.reject);
  };

  const start = (): BlobReadWorker | null => {
    if (helper || broken) return helper;
    try {
      helper = spawn();
    } catch {
      broken = true;
      return null;
    }
    helper.onmessage = ({ data }) => {
      const p = pending.get(data.id);
      if (!p) return;
      pending.delete(data.id);
      if (data.type === "result") p.resolve({ bytes: new Uint8Array(data.bytes), lineFeeds: data.lineFeeds ?? null });
      else p.reject(readError(data.name, data.message));
    };
    helper.onerror = drop;
    return helper;
  };

  const readLines = (blob: Blob, from: number, to: number, lineFeeds = true): Promise<LinedBytes> => {
    if (to - from < minBytes) return direct(blob, from, to);
    const worker = start();
    if (!worker) return direct(blob, from, to);
    return new Promise<LinedBytes>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { blob, start: from, end: to, resolve, reject });
      try {
        worker.postMessage({ type: "read", id, blob, start: from, end: to, lineFeeds });
      } catch {
        // A Blob the helper cannot be sent (never seen in browsers): read it here.
        pending.delete(id);
        direct(blob, from, to).then(resolve, reject);
      }
    });
  };
  return {
    read: async (blob, from, to) => (await readLines(blob, from, to, false)).bytes,
    readLines,
  };
}

/** The scope a helper worker serves reads on (a `DedicatedWorkerGlobalScope`, or a fake in tests). */
export interface BlobReadScope {
  onmessage: ((event: { data: BlobReadRequest }) => void) | null;
  postMessage(message: BlobReadReply, transfer: Transferable[]): void;
}

/** The helper's message loop: reads each requested slice (finding its line feeds when asked) and transfers it back. */
export function serveBlobReads(scope: BlobReadScope): void {
  scope.onmessage = ({ data }) => {
    const { id, blob, start, end } = data;
    blob
      .slice(start, end)
      .arrayBuffer()
      .then(
        (bytes) => {
          if (!data.lineFeeds) return scope.postMessage({ type: "result", id, bytes }, [bytes]);
          const lineFeeds = findLineFeeds(new Uint8Array(bytes));
          scope.postMessage({ type: "result", id, bytes, lineFeeds }, [bytes, lineFeeds.buffer]);
        },
        (err: unknown) => {
          const e = err as { name?: unknown; message?: unknown };
          const name = typeof e?.name === "string" ? e.name : "Error";
          const message = typeof e?.message === "string" ? e.message : String(err);
          scope.postMessage({ type: "error", id, name, message }, []);
        },
      );
  };
}
