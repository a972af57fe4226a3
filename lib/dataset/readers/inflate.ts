/**
 * Gzip decompression as a sequence of large pieces, pulled one at a time. The dataset worker pulls the pieces of a
 * `.jsonl.gz` and parses each while the next is decompressed: on a helper worker (lib/dataset/readers/blob-reader.ts)
 * the two run on different cores, where decompressing the whole file first and then parsing it ran one after the
 * other (bench/RESULTS.md, "Ingest in Chromium": a 300 MB .jsonl.gz loaded at 0.67× a baseline that parsed while it
 * decompressed).
 */

/** One piece of decompressed output. */
export interface InflatedPiece {
  bytes: Uint8Array;
  /** Offsets of the piece's line feeds (ascending, into `bytes`) where the inflater found them; null otherwise. */
  lineFeeds: Int32Array | null;
  /** Compressed bytes consumed so far (for progress: a fraction of the compressed file's size). */
  consumed: number;
}

/** Decompressed output in order; `next` resolves null once it has all been delivered, and throws on bad data. */
export interface PieceSource {
  next(): Promise<InflatedPiece | null>;
  /** Stops decompressing (no further `next`). */
  cancel(): void;
}

/** Pieces are at least this large (the last one excepted): the size of the readers' other reads. */
export const PIECE_BYTES = 8 * 1024 * 1024;

/** Options of {@link inflatePieces}. */
export interface InflateOptions {
  /** Minimum piece size (default {@link PIECE_BYTES}). */
  pieceBytes?: number;
  /** Decompressed bytes to drop from the start: resumes a stream that was cut off after delivering them. */
  skip?: number;
  /** The compressed bytes, when not `blob.stream()` (the CLI reads its files faster through a file handle). */
  input?: ReadableStream<Uint8Array>;
}

function join(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/**
 * Decompresses a gzip Blob on the calling thread with `DecompressionStream`, gathering its output (chunks of tens of
 * KB) into pieces of at least `pieceBytes`. The decompressor runs only while a piece is asked for, so an unread
 * source holds at most one piece's worth of output.
 */
export function inflatePieces(blob: Blob, options: InflateOptions = {}): PieceSource {
  const pieceBytes = Math.max(1, options.pieceBytes ?? PIECE_BYTES);
  let skip = Math.max(0, options.skip ?? 0);
  let consumed = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      consumed += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  const reader = (options.input ?? (blob.stream() as ReadableStream<Uint8Array>))
    .pipeThrough(counter)
    .pipeThrough(new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>)
    .getReader();
  let finished = false;
  return {
    async next() {
      if (finished) return null;
      const parts: Uint8Array[] = [];
      let total = 0;
      while (total < pieceBytes) {
        const { done, value } = await reader.read();
        if (done) {
          finished = true;
          break;
        }
        let chunk = value;
        if (skip > 0) {
          const dropped = Math.min(skip, chunk.byteLength);
          skip -= dropped;
          chunk = chunk.subarray(dropped);
        }
        if (chunk.byteLength === 0) continue;
        parts.push(chunk);
        total += chunk.byteLength;
      }
      if (total === 0) return null;
      return { bytes: join(parts, total), lineFeeds: null, consumed };
    },
    cancel() {
      finished = true;
      reader.cancel().catch(() => {});
    },
  };
}
