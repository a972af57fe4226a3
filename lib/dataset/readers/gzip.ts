/**
 * Transparent gzip: decompress once into a Blob so rows can still be sliced by byte offset later, piece by piece so a
 * reader can parse each piece as it comes (lib/dataset/readers/jsonl.ts `openStreamedJsonl`). In a browser with
 * the origin private file system the output goes to a file on disk (lib/dataset/readers/opfs-sink.ts), elsewhere
 * (Node, old browsers, a full disk) into Blobs folded every 32 MB.
 */
import { inflateBlob } from "@/lib/dataset/readers/bytes";
import { PIECE_BYTES, type InflatedPiece } from "@/lib/dataset/readers/inflate";
import { cleanStaleOpfsFiles, createOpfsSink, defaultOpfsPlace, type OpfsPlace } from "@/lib/dataset/readers/opfs-sink";
import { SourceError } from "@/lib/dataset/source-error";
import type { ParseResult } from "@/lib/dataset/types";

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Where decompressed bytes are kept: a file in the origin private file system, or Blobs the browser holds. */
export type DecompressedStorage = "opfs" | "file" | "memory";

/** A file on disk for one decompressed output, where the scope has no OPFS (the CLI's temporary files). */
export interface DecompressedFile {
  write(chunk: Uint8Array): Promise<void> | void;
  /** Closes the file and resolves it as a Blob to read; the file stays until `release`. */
  finish(): Promise<Blob>;
  /** Drops a file that will not be finished. */
  abort(): Promise<void>;
  /** Removes the finished file; reads of its Blob fail afterwards. */
  release(): Promise<void>;
}

/** How this scope makes disk files for decompressed output when it has no OPFS; null: memory. */
let decompressedFiles: (() => Promise<DecompressedFile>) | null = null;

/**
 * Makes scopes without OPFS keep decompressed output in files made by `create` (the CLI: temporary files, so a 1 GB
 * .jsonl.gz does not become 1 GB of memory); null keeps it in memory again.
 */
export function setDecompressedFiles(create: (() => Promise<DecompressedFile>) | null): void {
  decompressedFiles = create;
}

/** Options of {@link gunzipBlob}. */
export interface GunzipOptions {
  /** Where OPFS files go; default this scope's `navigator.storage` and `navigator.locks` (null: memory only). */
  opfs?: OpfsPlace | null;
}

/** Decompressed output: chunks in, one Blob out. */
interface Sink {
  readonly storage: DecompressedStorage;
  write(chunk: Uint8Array): Promise<void> | void;
  finish(): Promise<Blob>;
  abort(): Promise<void>;
  release(): Promise<void>;
}

function memorySink(): Sink {
  // Folding output into Blobs every few MB lets the browser keep it in blob storage (possibly on disk)
  // instead of holding a second copy of a 1 GB file in JS memory until the end.
  const blobs: Blob[] = [];
  let parts: Uint8Array[] = [];
  let partBytes = 0;
  return {
    storage: "memory",
    write(chunk) {
      parts.push(chunk);
      partBytes += chunk.byteLength;
      if (partBytes >= 32 * 1024 * 1024) {
        blobs.push(new Blob(parts as BlobPart[]));
        parts = [];
        partBytes = 0;
      }
    },
    finish: async () => new Blob([...blobs, ...(parts as BlobPart[])]),
    abort: async () => {},
    release: async () => {},
  };
}

/** Decompressed outputs of this scope that hold a file, by the compressed Blob they came from. */
const held = new Map<Blob, Sink[]>();
/** Where each output Blob of this scope lives. */
const storageOf = new WeakMap<Blob, DecompressedStorage>();

/** Where `gunzipBlob` kept this output Blob; null for a Blob it did not make. */
export function decompressedStorage(blob: Blob): DecompressedStorage | null {
  return storageOf.get(blob) ?? null;
}

/**
 * Removes the decompressed files of every compressed Blob not in `keep` (the files of the datasets still open):
 * called when a dataset is replaced or closed. Their output Blobs can no longer be read.
 */
export async function releaseDecompressed(keep: Iterable<Blob>): Promise<void> {
  const kept = new Set(keep);
  for (const [input, sinks] of [...held]) {
    if (kept.has(input)) continue;
    held.delete(input);
    for (const sink of sinks) await sink.release();
  }
}

/** Removes decompressed files left in OPFS by closed or crashed tabs (their locks are free); 0 without OPFS. */
export async function cleanStaleDecompressed(opfs: OpfsPlace | null = defaultOpfsPlace()): Promise<number> {
  if (!opfs) return 0;
  try {
    return await cleanStaleOpfsFiles(opfs);
  } catch {
    // Clean-up is housekeeping: a refused directory listing must not fail the file being opened.
    return 0;
  }
}

async function openSink(opfs: OpfsPlace | null): Promise<Sink> {
  if (!opfs) {
    if (!decompressedFiles) return memorySink();
    try {
      const file = await decompressedFiles();
      return { storage: "file", write: file.write, finish: file.finish, abort: file.abort, release: file.release };
    } catch {
      // No room for a temporary file: memory still works.
      return memorySink();
    }
  }
  try {
    const file = await createOpfsSink(opfs);
    return { storage: "opfs", write: file.write, finish: file.finish, abort: file.abort, release: file.release };
  } catch {
    // OPFS refused (quota, private mode, a browser without sync handles or writables): memory still works.
    return memorySink();
  }
}

/** The message of damaged or truncated gzip data (kept word for word: tests and users search for it). */
function damaged(name: string, err: unknown): SourceError {
  const detail = err instanceof Error ? err.message : String(err);
  return new SourceError({ file: name, message: `the gzip data is damaged or cut short (${detail})` });
}

/** A gzip file being decompressed piece by piece into its output (an OPFS file, or memory). */
export interface GunzipStream {
  /**
   * The next piece of decompressed bytes, already written to the output; null at the end. Throws a `SourceError`
   * for damaged data (and again on every later call), after removing the output.
   */
  next(): Promise<InflatedPiece | null>;
  /** Decompressed bytes delivered so far. */
  readonly offset: number;
  /** The fraction of the compressed file consumed so far. */
  readonly fraction: number;
  /** Where the output is kept now. */
  readonly storage: DecompressedStorage;
  /** Decompresses and writes what is left, then resolves the whole output as one Blob (same Blob on every call). */
  finish(): Promise<Blob>;
  /** Stops and removes the output. */
  abort(): Promise<void>;
}

/**
 * Starts decompressing a gzip Blob (on the helper worker where the scope has one: lib/dataset/readers/bytes.ts
 * `inflateBlob`), each piece written to an OPFS file where the scope has one, else to memory. When the disk or the
 * quota fills up, the output moves to memory: what the file held is decompressed again into it, so nothing is lost.
 * `releaseDecompressed` removes the output, unfinished or not, once its dataset is closed.
 */
export async function openGunzip(
  file: Blob,
  name: string,
  options: GunzipOptions & { pieceBytes?: number } = {},
): Promise<GunzipStream> {
  const opfs = options.opfs === undefined ? defaultOpfsPlace() : options.opfs;
  const pieceBytes = options.pieceBytes ?? PIECE_BYTES;
  const source = inflateBlob(file, pieceBytes);
  let sink = await openSink(opfs);
  let closed = false;
  // Registered from the start: a dataset closed while it loads frees its file too.
  const registration: Sink = {
    get storage() {
      return sink.storage;
    },
    write: (chunk) => sink.write(chunk),
    finish: () => sink.finish(),
    abort: () => sink.abort(),
    release: async () => {
      closed = true;
      source.cancel();
      await sink.release();
    },
  };
  held.set(file, [...(held.get(file) ?? []), registration]);
  let offset = 0;
  let consumed = 0;
  let failure: SourceError | null = null;
  let ended = false;
  let output: Promise<Blob> | null = null;

  const fail = async (err: SourceError): Promise<never> => {
    failure = err;
    source.cancel();
    await sink.abort();
    throw err;
  };
  const closedError = () => new SourceError({ file: name, message: "the file was closed while it was being read" });

  /** Writes the first `bytes` bytes of the decompressed file, decompressed again on this thread, to `out`. */
  const refill = async (out: Sink, bytes: number): Promise<void> => {
    const again = inflateBlob(file, pieceBytes, { here: true });
    try {
      for (let written = 0; written < bytes;) {
        const piece = await again.next();
        if (!piece) break;
        const part = piece.bytes.subarray(0, Math.min(piece.bytes.byteLength, bytes - written));
        await out.write(part);
        written += part.byteLength;
      }
    } finally {
      again.cancel();
    }
  };

  /** A memory output that holds the first `bytes` bytes already delivered. */
  const inMemory = async (bytes: number): Promise<Sink> => {
    const memory = memorySink();
    await refill(memory, bytes);
    return memory;
  };

  const write = async (bytes: Uint8Array) => {
    try {
      await sink.write(bytes);
    } catch (err) {
      if (closed) throw closedError();
      if (sink.storage === "memory") throw err;
      // The disk or the quota is full: the output goes on in memory, starting with what the file held.
      await sink.abort();
      sink = await inMemory(offset);
      await sink.write(bytes);
    }
  };

  const next = async (): Promise<InflatedPiece | null> => {
    if (failure) throw failure;
    if (closed) return fail(closedError());
    if (ended) return null;
    let piece: InflatedPiece | null;
    try {
      piece = await source.next();
    } catch (err) {
      return fail(closed ? closedError() : damaged(name, err));
    }
    if (!piece) {
      ended = true;
      return null;
    }
    try {
      await write(piece.bytes);
    } catch (err) {
      return fail(
        err instanceof SourceError
          ? err
          : new SourceError({
              file: name,
              message: `could not keep the decompressed data (${err instanceof Error ? err.message : String(err)})`,
            }),
      );
    }
    offset += piece.bytes.byteLength;
    consumed = piece.consumed;
    return piece;
  };

  const finish = async (): Promise<Blob> => {
    while (await next());
    let blob: Blob;
    try {
      blob = await sink.finish();
    } catch (err) {
      if (sink.storage === "memory" || closed) throw err;
      // Closing the file failed (the disk filled up at the end): keep the bytes in memory instead.
      await sink.abort();
      sink = await inMemory(offset);
      blob = await sink.finish();
    }
    storageOf.set(blob, sink.storage);
    if (sink.storage === "memory")
      held.set(
        file,
        (held.get(file) ?? []).filter((s) => s !== registration),
      );
    return blob;
  };

  return {
    next,
    get offset() {
      return offset;
    },
    get fraction() {
      return file.size > 0 ? Math.min(1, consumed / file.size) : 1;
    },
    get storage() {
      return sink.storage;
    },
    finish: () => (output ??= finish()),
    abort: async () => {
      closed = true;
      source.cancel();
      await sink.abort();
      held.set(
        file,
        (held.get(file) ?? []).filter((s) => s !== registration),
      );
    },
  };
}

/**
 * Decompresses a gzip Blob whole (piece by piece, {@link openGunzip}); progress is the fraction of compressed bytes
 * consumed. The output goes to an OPFS file where the scope has one (moving to memory if writing it fails);
 * `decompressedStorage(output)` says which, and `releaseDecompressed` removes the file once its dataset is closed.
 */
export async function gunzipBlob(
  file: Blob,
  name: string,
  onProgress?: (fraction: number) => void,
  options: GunzipOptions = {},
): Promise<ParseResult<Blob>> {
  const stream = await openGunzip(file, name, options);
  try {
    while (await stream.next()) onProgress?.(stream.fraction);
    return { ok: true, data: await stream.finish() };
  } catch (err) {
    if (err instanceof SourceError) return { ok: false, reason: err.detail };
    throw err;
  }
}
