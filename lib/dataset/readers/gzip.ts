/**
 * Transparent gzip: decompress once into a Blob so rows can still be sliced by byte offset later. In a browser with
 * the origin private file system the output goes to a file on disk (lib/dataset/readers/opfs-sink.ts), elsewhere
 * (Node, old browsers, a full disk) into Blobs folded every 32 MB.
 */
import type { ParseResult } from "@/lib/dataset/types";
import { cleanStaleOpfsFiles, createOpfsSink, defaultOpfsPlace, type OpfsPlace } from "@/lib/dataset/readers/opfs-sink";

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Where decompressed bytes are kept: a file in the origin private file system, or Blobs the browser holds. */
export type DecompressedStorage = "opfs" | "memory";

/** Options of {@link gunzipBlob}. */
export interface GunzipOptions {
  /** Where OPFS files go; default this scope's `navigator.storage` and `navigator.locks` (null: memory only). */
  opfs?: OpfsPlace | null;
}

/** A write to the output failed (disk or quota full, OPFS gone), as opposed to the gzip data being bad. */
class SinkWriteError extends Error {}

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
  if (!opfs) return memorySink();
  try {
    const file = await createOpfsSink(opfs);
    return { storage: "opfs", write: file.write, finish: file.finish, abort: file.abort, release: file.release };
  } catch {
    // OPFS refused (quota, private mode, a browser without sync handles or writables): memory still works.
    return memorySink();
  }
}

async function inflateInto(
  file: Blob,
  sink: Sink,
  onProgress?: (fraction: number) => void,
): Promise<{ ok: true; data: Blob } | { ok: false; error: unknown }> {
  let consumed = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      consumed += chunk.byteLength;
      onProgress?.(consumed / file.size);
      controller.enqueue(chunk);
    },
  });
  try {
    const reader = (file.stream() as ReadableStream<Uint8Array>)
      .pipeThrough(counter)
      .pipeThrough(new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>)
      .getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      try {
        await sink.write(value);
      } catch (err) {
        await reader.cancel().catch(() => {});
        throw new SinkWriteError(err instanceof Error ? err.message : String(err));
      }
    }
    try {
      return { ok: true, data: await sink.finish() };
    } catch (err) {
      throw new SinkWriteError(err instanceof Error ? err.message : String(err));
    }
  } catch (error) {
    await sink.abort();
    return { ok: false, error };
  }
}

/**
 * Decompresses a gzip Blob with `DecompressionStream`; progress is the fraction of compressed bytes consumed. The
 * output goes to an OPFS file where the scope has one (falling back to memory, from the start, if writing it fails);
 * `decompressedStorage(output)` says which, and `releaseDecompressed` removes the file once its dataset is closed.
 */
export async function gunzipBlob(
  file: Blob,
  name: string,
  onProgress?: (fraction: number) => void,
  options: GunzipOptions = {},
): Promise<ParseResult<Blob>> {
  const opfs = options.opfs === undefined ? defaultOpfsPlace() : options.opfs;
  let sink = await openSink(opfs);
  let result = await inflateInto(file, sink, onProgress);
  if (!result.ok && result.error instanceof SinkWriteError && sink.storage === "opfs") {
    sink = memorySink();
    result = await inflateInto(file, sink, onProgress);
  }
  if (!result.ok) {
    const err = result.error;
    return {
      ok: false,
      reason: {
        file: name,
        message: `the gzip data is damaged or cut short (${err instanceof Error ? err.message : String(err)})`,
      },
    };
  }
  storageOf.set(result.data, sink.storage);
  if (sink.storage === "opfs") held.set(file, [...(held.get(file) ?? []), sink]);
  return { ok: true, data: result.data };
}
