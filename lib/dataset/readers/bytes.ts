/**
 * Byte-level helpers shared by the readers: chunked Blob reading, growable offset arrays, range merging and
 * character columns. Only Blob / TextDecoder APIs common to browsers and Node 20.
 */
import { readDirect, type LinedBytes, type WorkerBlobReader } from "@/lib/dataset/readers/blob-reader";
import { inflatePieces, PIECE_BYTES, type PieceSource } from "@/lib/dataset/readers/inflate";

/** Bytes read per step when indexing or scanning (big enough to amortise Blob reads, small enough for a worker). */
export const CHUNK_BYTES = 8 * 1024 * 1024;

/** A Float64Array that doubles when full (row offsets exceed 2^32 in >4 GB files, so not Uint32). */
export class GrowableF64 {
  private data = new Float64Array(1024);
  length = 0;

  /** Appends one value. */
  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }

  /** The values so far, as a view (valid until the next `push` that grows the array). */
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }

  /** A right-sized copy of the values. */
  toArray(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

/** Reads the bytes [start, end) of what a Blob holds (0 <= start <= end <= size). */
export type ByteReader = (start: number, end: number) => Promise<Uint8Array>;

/**
 * Faster readers for particular Blobs. Node's file-backed Blob (`fs.openAsBlob`) reads 7× slower than a file handle
 * (470 ms vs 64 ms for 300 MB in 8 MB pieces), so the CLI registers a file-handle reader for each file it opens;
 * browsers' File slices need none. Every read of the readers, the hash and the export goes through `readBytes`.
 */
const byteReaders = new WeakMap<Blob, ByteReader>();

/** How Blobs without a registered reader are read ({@link setBlobReader}); null: their own slice, on this thread. */
let blobReader: WorkerBlobReader | null = null;

/**
 * Sets how `readBytes` and `readLineFeeds` read Blobs that have no registered reader: the dataset worker reads on a
 * helper worker (lib/dataset/readers/blob-reader.ts); null reads them directly again.
 */
export function setBlobReader(reader: WorkerBlobReader | null): void {
  blobReader = reader;
}

/** [start, end) clamped to the Blob's size, as `Blob.slice` clamps it. */
function clamp(blob: Blob, start: number, end: number): [number, number] {
  const to = Math.min(Math.max(end, 0), blob.size);
  return [Math.min(Math.max(start, 0), to), to];
}

/**
 * Reads [start, end) like {@link readBytes}, with the offsets of its line feeds where the reader finds them on another
 * thread; `lineFeeds: null` means the caller looks for them itself.
 */
export async function readLineFeeds(blob: Blob, start: number, end: number): Promise<LinedBytes> {
  if (!blobReader || byteReaders.has(blob)) return { bytes: await readBytes(blob, start, end), lineFeeds: null };
  return blobReader.readLines(blob, ...clamp(blob, start, end));
}

/** Makes `readBytes` / `readChunks` read `blob` through `read` (which must return exactly its bytes). */
export function registerByteReader(blob: Blob, read: ByteReader): void {
  byteReaders.set(blob, read);
}

/**
 * The concatenation of `parts` as one Blob; where a part has a registered reader, reads of the whole go through it
 * piece by piece (several shards of one dataset read as fast as one file).
 */
export function concatBlobs(parts: Blob[]): Blob {
  const joined = new Blob(parts);
  if (!parts.some((p) => byteReaders.has(p))) return joined;
  const offsets = [0];
  for (const p of parts) offsets.push(offsets[offsets.length - 1] + p.size);
  registerByteReader(joined, async (start, end) => {
    const out = new Uint8Array(end - start);
    for (let k = 0; k < parts.length && offsets[k] < end; k++) {
      const from = Math.max(start, offsets[k]);
      const to = Math.min(end, offsets[k + 1]);
      if (from < to) out.set(await readBytes(parts[k], from - offsets[k], to - offsets[k]), from - start);
    }
    return out;
  });
  return joined;
}

type BufferView = (buffer: ArrayBufferLike, byteOffset: number, length: number) => Uint8Array;

/** Node's `Buffer.from(arrayBuffer, offset, length)` (a view, no copy), or null outside Node. */
const nodeBufferView: BufferView | null = (() => {
  const g = globalThis as { Buffer?: { from: BufferView }; process?: { versions?: { node?: string } } };
  return g.process?.versions?.node && g.Buffer ? g.Buffer.from.bind(g.Buffer) : null;
})();

/**
 * The same bytes with the fastest `indexOf` at hand: in Node a Buffer view, whose `indexOf` is memchr (18 ms per
 * 200 MB of JSON Lines, against 124 ms for `Uint8Array#indexOf`); elsewhere the array itself.
 */
export function searchable(bytes: Uint8Array): Uint8Array {
  return nodeBufferView ? nodeBufferView(bytes.buffer, bytes.byteOffset, bytes.length) : bytes;
}

/** Reads `blob` in `CHUNK_BYTES` pieces from `start`, yielding each piece with its absolute offset. */
export async function* readChunks(
  blob: Blob,
  start = 0,
  chunkBytes = CHUNK_BYTES,
): AsyncGenerator<{ offset: number; bytes: Uint8Array }> {
  for (let offset = start; offset < blob.size; offset += chunkBytes) {
    yield { offset, bytes: await readBytes(blob, offset, Math.min(blob.size, offset + chunkBytes)) };
  }
}

/** Reads the bytes [start, end) of a Blob (clamped to its size, as `Blob.slice` does). */
export async function readBytes(blob: Blob, start: number, end: number): Promise<Uint8Array> {
  const [from, to] = clamp(blob, start, end);
  const read = byteReaders.get(blob);
  if (read) return read(from, to);
  return blobReader ? blobReader.read(blob, from, to) : readDirect(blob, from, to);
}

/**
 * Decompresses a gzip Blob piece by piece: on the set reader's helper worker where there is one (so the caller can
 * parse one piece while the next is made), else (or with `here`) on this thread, through the Blob's registered reader if it has one.
 */
export function inflateBlob(blob: Blob, pieceBytes = PIECE_BYTES, options: { here?: boolean } = {}): PieceSource {
  const read = byteReaders.get(blob);
  if (!read && !options.here && blobReader?.inflate) return blobReader.inflate(blob, pieceBytes);
  if (!read) return inflatePieces(blob, { pieceBytes });
  const chunks = readChunks(blob);
  const input = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value.bytes);
    },
  });
  return inflatePieces(blob, { pieceBytes, input });
}

/** True when the first bytes are the UTF-8 byte order mark. */
export function hasBom(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/** A run of rows whose byte ranges are read with one Blob read. */
export interface ByteRun {
  start: number;
  end: number;
  /** Row indices (into the caller's arrays) covered by the run, in byte order. */
  members: number[];
}

/**
 * Groups byte ranges into runs read at once: ranges closer than `gapBytes` merge, runs stop growing at
 * `maxBytes`. Thousands of tiny Blob reads are much slower than a few big ones (data-layer.md: 80k slices, 32 s).
 */
export function* groupRanges(
  order: ArrayLike<number>,
  starts: Float64Array,
  ends: Float64Array,
  gapBytes = 64 * 1024,
  maxBytes = CHUNK_BYTES,
): Generator<ByteRun> {
  let run: ByteRun | null = null;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    const s = starts[i];
    const e = ends[i];
    if (run && s >= run.start && s - run.end <= gapBytes && Math.max(run.end, e) - run.start <= maxBytes) {
      run.end = Math.max(run.end, e);
      run.members.push(i);
    } else {
      if (run) yield run;
      run = { start: s, end: e, members: [i] };
    }
  }
  if (run) yield run;
}

/** Number of Unicode code points in `text` before UTF-16 offset `end` (columns count characters, not units). */
export function codePointCount(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is one character.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** 1-based line and column (in characters) of UTF-16 offset `offset` within `text`. */
export function lineColumnIn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: codePointCount(text, lineStart, end) + 1 };
}

/** Describes the character at `offset` for messages: `"x"`, `a line break`, or `the end of the record`. */
export function describeCharAt(text: string, offset: number, end = "the end of the record"): string {
  if (offset >= text.length) return end;
  const c = text[offset];
  if (c === "\n" || c === "\r") return "a line break";
  if (c === "\t") return "a tab";
  const cp = text.codePointAt(offset) ?? 0;
  if (cp < 0x20) return `control character U+${cp.toString(16).padStart(4, "0").toUpperCase()}`;
  return JSON.stringify(String.fromCodePoint(cp));
}

/** The distinct row indices of a `getRecords` call, each checked against `rowCount` (RangeError otherwise). */
export function distinctRows(rows: ArrayLike<number>, rowCount: number): number[] {
  const unique = [...new Set(Array.from(rows))];
  for (const row of unique) {
    if (!Number.isInteger(row) || row < 0 || row >= rowCount) {
      throw new RangeError(`row ${row} is out of range (0…${rowCount - 1})`);
    }
  }
  return unique;
}
