/**
 * Blob reads on a helper worker. A `Blob.slice().arrayBuffer()` started in the dataset worker only makes progress
 * while that worker's thread is idle: with one read ahead and the scan busy parsing, Chromium still left the worker
 * waiting ≈ 0.75 s per GB of JSON Lines; the same reads started on a second worker and transferred back left it
 * waiting ≈ 0.1 s (bench/RESULTS.md, "Ingest in Chromium"). {@link createWorkerBlobReader} is the dataset worker's
 * side, {@link serveBlobReads} the helper's; a helper that cannot start or dies mid-read is dropped and every read
 * (the interrupted ones included) goes to the Blob itself, so no read is lost. The helper also decompresses gzip
 * files piece by piece (lib/dataset/readers/inflate.ts), so a `.jsonl.gz` is parsed while it is decompressed.
 */
import { inflatePieces, type InflatedPiece, type PieceSource } from "@/lib/dataset/readers/inflate";

/** Reads [start, end) of a Blob (already clamped to its size). */
export type BlobReader = (blob: Blob, start: number, end: number) => Promise<Uint8Array>;

/** Bytes of a read and, where the reader found them, the offsets of their line feeds (ascending, into `bytes`). */
export interface LinedBytes {
  bytes: Uint8Array;
  lineFeeds: Int32Array | null;
}

/** Reads [start, end) of a Blob and finds its line feeds (JSON Lines indexing, lib/dataset/readers/jsonl.ts). */
export type LineFeedReader = (blob: Blob, start: number, end: number) => Promise<LinedBytes>;

/** What one helper does for the dataset worker. */
export interface WorkerBlobReader {
  read: BlobReader;
  readLines: LineFeedReader;
  /** Decompresses a gzip Blob piece by piece on the helper (pieces of at least `pieceBytes`, with their line feeds). */
  inflate?: (blob: Blob, pieceBytes: number) => PieceSource;
}

/** Request to the helper: one slice of one Blob. */
export interface BlobSliceRequest {
  type: "read";
  id: number;
  blob: Blob;
  start: number;
  end: number;
  /** Also find the line feeds: the helper's core does the `indexOf` pass the indexer would (0.5 s per GB in Chromium). */
  lineFeeds?: boolean;
}

/**
 * Requests to the helper: a slice; or a decompression, started by `inflate` (which also asks for the first piece),
 * each further piece asked for by `inflate-next`, and stopped early by `inflate-cancel`.
 */
export type BlobReadRequest =
  | BlobSliceRequest
  | { type: "inflate"; id: number; blob: Blob; pieceBytes: number }
  | { type: "inflate-next"; id: number }
  | { type: "inflate-cancel"; id: number };

/**
 * The helper's replies: a slice's bytes (transferred) with their line feeds when asked; a decompressed piece with its
 * line feeds and the compressed bytes consumed so far, or the end of the output; or the error of a read or a
 * decompression (its DOMException name and message).
 */
export type BlobReadReply =
  | { type: "result"; id: number; bytes: ArrayBuffer; lineFeeds?: Int32Array }
  | { type: "piece"; id: number; bytes: ArrayBuffer; lineFeeds: Int32Array; consumed: number }
  | { type: "end"; id: number }
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

/** The buffer of exactly these bytes, to transfer (a copy when `bytes` is a view of part of a larger buffer). */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return (whole ? bytes.buffer : bytes.slice().buffer) as ArrayBuffer;
}

/**
 * Reads that send slices of at least `minBytes` to a helper worker made by `spawn` (lazily, once), and
 * decompressions that run there. Where `spawn` throws, or the helper reports an error event (a failed start, a
 * crash), the helper is dropped for good: its pending reads are redone directly (line feeds then left to the caller:
 * `lineFeeds: null`), and each decompression goes on on this thread from the first byte it had not delivered.
 */
export function createWorkerBlobReader(spawn: () => BlobReadWorker, minBytes = HELPER_MIN_BYTES): WorkerBlobReader {
  let helper: BlobReadWorker | null = null;
  let broken = false;
  let nextId = 1;
  const pending = new Map<
    number,
    { blob: Blob; start: number; end: number; resolve: (b: LinedBytes) => void; reject: (e: unknown) => void }
  >();
  /** Decompressions waiting for the helper's next reply: called with null when the helper is dropped. */
  const inflating = new Map<number, (reply: BlobReadReply | null) => void>();
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
    const cut = [...inflating.values()];
    inflating.clear();
    for (const w of cut) w(null);
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
      const w = inflating.get(data.id);
      if (w) {
        inflating.delete(data.id);
        return w(data);
      }
      const p = pending.get(data.id);
      if (!p) return;
      pending.delete(data.id);
      if (data.type === "result") p.resolve({ bytes: new Uint8Array(data.bytes), lineFeeds: data.lineFeeds ?? null });
      else if (data.type === "error") p.reject(readError(data.name, data.message));
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

  const inflate = (blob: Blob, pieceBytes: number): PieceSource => {
    const id = nextId++;
    let delivered = 0;
    let started = false;
    let local: PieceSource | null = null;
    let done = false;
    /** From here on on this thread, resuming after the bytes already delivered. */
    const onThisThread = () => (local ??= inflatePieces(blob, { pieceBytes, skip: delivered }));
    const ask = (worker: BlobReadWorker, request: BlobReadRequest) =>
      new Promise<BlobReadReply | null>((resolve) => {
        inflating.set(id, resolve);
        try {
          worker.postMessage(request);
        } catch {
          inflating.delete(id);
          resolve(null);
        }
      });
    const source: PieceSource = {
      async next() {
        if (done) return null;
        const worker = local ? null : start();
        let reply: BlobReadReply | null = null;
        if (worker) {
          const first = !started;
          started = true;
          reply = await ask(worker, first ? { type: "inflate", id, blob, pieceBytes } : { type: "inflate-next", id });
        }
        let piece: InflatedPiece | null;
        if (reply?.type === "error") throw readError(reply.name, reply.message);
        if (reply?.type === "piece") {
          const { bytes, lineFeeds, consumed } = reply;
          piece = { bytes: new Uint8Array(bytes), lineFeeds, consumed };
        } else if (reply?.type === "end") piece = null;
        else piece = await onThisThread().next();
        if (piece) delivered += piece.bytes.byteLength;
        else done = true;
        return piece;
      },
      cancel() {
        done = true;
        if (local) local.cancel();
        if (started && helper) helper.postMessage({ type: "inflate-cancel", id });
      },
    };
    return source;
  };

  return {
    read: async (blob, from, to) => (await readLines(blob, from, to, false)).bytes,
    readLines,
    inflate,
  };
}

/** The scope a helper worker serves reads on (a `DedicatedWorkerGlobalScope`, or a fake in tests). */
export interface BlobReadScope {
  onmessage: ((event: { data: BlobReadRequest }) => void) | null;
  postMessage(message: BlobReadReply, transfer: Transferable[]): void;
}

/** How an error reaches the other side: its name and message. */
function errorReply(id: number, err: unknown): BlobReadReply {
  const e = err as { name?: unknown; message?: unknown };
  const name = typeof e?.name === "string" ? e.name : "Error";
  const message = typeof e?.message === "string" ? e.message : String(err);
  return { type: "error", id, name, message };
}

/** One decompression served by the helper: its next piece is made while the previous one is being parsed. */
interface ServedInflate {
  source: PieceSource;
  ahead: Promise<InflatedPiece | null>;
}

/**
 * The helper's message loop: reads each requested slice (finding its line feeds when asked) and transfers it back;
 * decompresses with one piece ready ahead, so the next piece is being made while the dataset worker parses this one.
 */
export function serveBlobReads(scope: BlobReadScope): void {
  const streams = new Map<number, ServedInflate>();
  const pull = (source: PieceSource) => {
    const ahead = source.next();
    // A failure is reported when the piece is asked for, not as an unhandled rejection.
    ahead.catch(() => undefined);
    return ahead;
  };
  const deliver = (id: number) => {
    const stream = streams.get(id);
    if (!stream) return scope.postMessage(errorReply(id, new Error("the decompression was stopped")), []);
    stream.ahead.then(
      (piece) => {
        if (streams.get(id) !== stream) return;
        if (!piece) {
          streams.delete(id);
          return scope.postMessage({ type: "end", id }, []);
        }
        stream.ahead = pull(stream.source);
        const lineFeeds = findLineFeeds(piece.bytes);
        const bytes = ownBuffer(piece.bytes);
        scope.postMessage({ type: "piece", id, bytes, lineFeeds, consumed: piece.consumed }, [bytes, lineFeeds.buffer]);
      },
      (err: unknown) => {
        streams.delete(id);
        scope.postMessage(errorReply(id, err), []);
      },
    );
  };
  scope.onmessage = ({ data }) => {
    if (data.type === "inflate") {
      const source = inflatePieces(data.blob, { pieceBytes: data.pieceBytes });
      streams.set(data.id, { source, ahead: pull(source) });
      return deliver(data.id);
    }
    if (data.type === "inflate-next") return deliver(data.id);
    if (data.type === "inflate-cancel") {
      streams.get(data.id)?.source.cancel();
      streams.delete(data.id);
      return;
    }
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
        (err: unknown) => scope.postMessage(errorReply(id, err), []),
      );
  };
}
