/**
 * JSON Lines: one record per non-blank line, indexed by scanning bytes for line feeds (no parse at open).
 *
 * The index can be built in one go (`indexJsonLines`) or piece by piece: `openJsonl` with `partialRows` indexes only
 * the first rows, and the source's first full scan indexes the rest from the same bytes it parses, so the file is
 * read once instead of twice (bench/RESULTS.md, ingest: in Chromium an 8 MB slice read plus `indexOf` costs as much
 * as a third of the per-line `JSON.parse` time).
 */
import type { LinedBytes } from "@/lib/dataset/readers/blob-reader";
import { CHUNK_BYTES, GrowableF64, hasBom, readBytes, readLineFeeds, searchable } from "@/lib/dataset/readers/bytes";
import { JsonRowsSource, type JsonRowIndex, type PendingRows } from "@/lib/dataset/readers/json-records";
import { decompressedStorage, type GunzipStream } from "@/lib/dataset/readers/gzip";
import type { InflatedPiece } from "@/lib/dataset/readers/inflate";
import type { FileInfo, ParseResult } from "@/lib/dataset/types";

abstract class LineIndexer {
  protected readonly starts = new GrowableF64();
  protected readonly ends = new GrowableF64();
  protected readonly lines = new GrowableF64();
  protected lineNo = 1;

  /** Rows indexed so far. */
  get rowCount(): number {
    return this.starts.length;
  }

  /** The rows indexed so far (views valid until the next read). */
  get index(): JsonRowIndex {
    return { starts: this.starts.view(), ends: this.ends.view(), lines: this.lines.view(), columns: null };
  }

  /** The complete index, right-sized; call once done. */
  finish(): JsonRowIndex {
    return { starts: this.starts.toArray(), ends: this.ends.toArray(), lines: this.lines.toArray(), columns: null };
  }

  /**
   * {@link indexLines} with the line feeds already found (by the reader's helper worker): `lineFeeds[k] + shift` is a
   * line feed of `bytes`, and `bytes` has none before `lineFeeds[0] + shift`.
   */
  protected indexFound(bytes: Uint8Array, lineFeeds: Int32Array, base: number, atEnd: boolean, shift = 0): number {
    let p = 0;
    for (const found of lineFeeds) {
      const nl = found + shift;
      this.addLine(bytes, base, p, nl);
      this.lineNo++;
      p = nl + 1;
    }
    // The last line has no line feed only at the end of the file; elsewhere the next read starts with it.
    if (atEnd && p < bytes.length) {
      this.addLine(bytes, base, p, bytes.length);
      return bytes.length;
    }
    return p;
  }

  /** Records the line [p, lineEnd) of `bytes` unless it is blank (spaces, tabs, a CR). */
  private addLine(bytes: Uint8Array, base: number, p: number, lineEnd: number): void {
    // Only the start of a line is inspected byte by byte.
    let q = p;
    let c = bytes[q];
    while (q < lineEnd && (c === 0x20 || c === 0x09 || c === 0x0d)) c = bytes[++q];
    if (q < lineEnd) {
      this.starts.push(base + p);
      this.ends.push(base + (bytes[lineEnd - 1] === 0x0d ? lineEnd - 1 : lineEnd));
      this.lines.push(this.lineNo);
    }
  }

  /** Indexes the whole lines of `bytes` (the last one too at the end of the file); returns the bytes consumed. */
  protected indexLines(bytes: Uint8Array, base: number, atEnd: boolean): number {
    const len = bytes.length;
    let p = 0;
    while (p < len) {
      const nl = bytes.indexOf(0x0a, p);
      if (nl < 0 && !atEnd) return p;
      // Finding line ends uses native indexOf.
      this.addLine(bytes, base, p, nl < 0 ? len : nl);
      if (nl < 0) return len;
      this.lineNo++;
      p = nl + 1;
    }
    return len;
  }
}

/**
 * Indexes a JSON Lines file a read at a time. Each read starts at the beginning of a line and covers whole lines
 * (it grows past `chunkBytes` for a line longer than that), so the rows it adds lie inside the bytes it returns.
 */
export class JsonLinesIndexer extends LineIndexer implements PendingRows {
  /** File offset where the next read starts (always the start of a line). */
  private offset = -1;
  /**
   * The read of the next piece, started as soon as the current one is indexed, so the disk (a Blob read is a round
   * trip to the browser process) works while the caller parses: without it a 1 GB load in Chromium sat idle 3.2 s of
   * 7.6 s waiting for reads.
   */
  private ahead: { start: number; end: number; read: Promise<LinedBytes> } | null = null;

  constructor(
    private readonly blob: Blob,
    private readonly chunkBytes = CHUNK_BYTES,
  ) {
    super();
  }

  /** True once every byte of the file has been indexed. */
  get done(): boolean {
    return this.offset >= this.blob.size;
  }

  /**
   * Reads and indexes the next whole lines. Resolves their bytes (`base` is the file offset of `bytes[0]`) and the
   * rows added, `first` to `first + count − 1`; null once the file is done.
   */
  async next(): Promise<{ bytes: Uint8Array; base: number; first: number; count: number } | null> {
    if (this.offset < 0) this.offset = hasBom(await readBytes(this.blob, 0, 3)) ? 3 : 0;
    const size = this.blob.size;
    if (this.offset >= size) return null;
    const base = this.offset;
    const first = this.starts.length;
    let want = this.chunkBytes;
    for (;;) {
      const end = Math.min(size, base + want);
      const read = await this.read(base, end);
      const bytes = searchable(read.bytes);
      const used = read.lineFeeds
        ? this.indexFound(bytes, read.lineFeeds, base, end === size)
        : this.indexLines(bytes, base, end === size);
      // A read with no line end in it (a line longer than the read): read more of it at once.
      if (used === 0 && end < size) {
        want *= 2;
        continue;
      }
      this.offset = base + used;
      if (this.offset < size) {
        const start = this.offset;
        const next = Math.min(size, start + this.chunkBytes);
        const ahead = readLineFeeds(this.blob, start, next);
        // A failed read ahead is reported by the `next` call that uses it, not as an unhandled rejection.
        ahead.catch(() => undefined);
        this.ahead = { start, end: next, read: ahead };
      }
      return { bytes, base, first, count: this.starts.length - first };
    }
  }

  /** The bytes [start, end) (with their line feeds where the reader found them), from the read ahead when it covers them. */
  private read(start: number, end: number): Promise<LinedBytes> {
    const ahead = this.ahead;
    this.ahead = null;
    if (ahead && ahead.start === start && ahead.end === end) return ahead.read;
    return readLineFeeds(this.blob, start, end);
  }
}

/** Byte ranges (line feed and a trailing CR excluded) and 1-based line numbers of the non-blank lines. */
export async function indexJsonLines(
  blob: Blob,
  onProgress?: (fraction: number) => void,
  chunkBytes = CHUNK_BYTES,
): Promise<JsonRowIndex> {
  const indexer = new JsonLinesIndexer(blob, chunkBytes);
  for (let read = await indexer.next(); read; read = await indexer.next()) {
    onProgress?.((read.base + read.bytes.length) / blob.size);
  }
  return indexer.finish();
}

/**
 * Opens a JSON Lines file: indexes its lines; records are parsed by `scan` / `getRecords`. With `partialRows`, only
 * reads until that many rows (or the whole file) are indexed: the first `scan` indexes the rest as it parses, and
 * `rowCount` counts the rows indexed so far until then.
 */
export async function openJsonl(
  blob: Blob,
  info: FileInfo,
  onProgress?: (fraction: number) => void,
  partialRows?: number,
  chunkBytes = CHUNK_BYTES,
): Promise<ParseResult<JsonRowsSource>> {
  const indexer = new JsonLinesIndexer(blob, chunkBytes);
  for (let read = await indexer.next(); read; read = await indexer.next()) {
    onProgress?.((read.base + read.bytes.length) / blob.size);
    if (partialRows !== undefined && indexer.rowCount >= partialRows) break;
  }
  if (indexer.rowCount === 0) {
    return { ok: false, reason: { file: info.name, message: "the file contains only blank lines: no records" } };
  }
  const source = indexer.done
    ? new JsonRowsSource(info, blob, indexer.finish())
    : new JsonRowsSource(info, blob, indexer.index, indexer);
  return { ok: true, data: source };
}

/**
 * Indexes JSON Lines as they come out of a gzip stream (lib/dataset/readers/gzip.ts `openGunzip`): the bytes after
 * a piece's last line feed are carried into the next piece, so each `next` returns whole lines, as
 * {@link JsonLinesIndexer} does for a file. Offsets are those of the decompressed file, which the stream writes as
 * it goes; once the stream ends, `completeBytes` is that file.
 */
export class StreamedLinesIndexer extends LineIndexer implements PendingRows {
  /** Bytes after the last line feed delivered so far, and the decompressed offset of their first byte. */
  private carry: Uint8Array = new Uint8Array(0);
  private carryBase = 0;
  /**
   * The two buffers a piece is joined to the carried bytes in, in turn: a read's bytes stay whole until the read
   * after next, and the carry (a view of the last one) is never the buffer written. A new 8 MB array per piece cost
   * more than the copy (bench/RESULTS.md, session 13).
   */
  private joins: [Uint8Array, Uint8Array] = [new Uint8Array(0), new Uint8Array(0)];
  private joinTurn = 0;
  private bomChecked = false;
  private ended = false;
  private complete: Blob | null = null;
  /** Pieces kept while the source is being opened: the first rows are read from them before the file is complete. */
  private head: Uint8Array[] | null = [];

  constructor(
    private readonly stream: GunzipStream,
    /** Pieces already taken from the stream (those format detection looked at), in order. */
    private readonly pushedBack: InflatedPiece[],
    private readonly info: FileInfo,
  ) {
    super();
  }

  /** True once the stream has ended and every line is indexed. */
  get done(): boolean {
    return this.ended;
  }

  /** The fraction of the compressed file read so far. */
  get fraction(): number {
    return this.stream.fraction;
  }

  /** The whole decompressed file, once `next` has resolved null; null before. */
  get completeBytes(): Blob | null {
    return this.complete;
  }

  /** Decompressed bytes delivered so far: every row indexed lies below this offset. */
  get availableBytes(): number {
    return this.stream.offset;
  }

  /** Stops keeping pieces and resolves a Blob of the bytes delivered so far (they hold every row indexed yet). */
  takeHead(): Blob {
    const head = new Blob((this.head ?? []) as BlobPart[]);
    this.head = null;
    return head;
  }

  /** The bytes of `a` then `b` (`b` itself when `a` is empty), in the join buffer whose turn it is. */
  private joined(a: Uint8Array, b: Uint8Array): Uint8Array {
    if (a.byteLength === 0) return b;
    const need = a.byteLength + b.byteLength;
    const turn = this.joinTurn;
    this.joinTurn ^= 1;
    // A quarter more than asked: the next pieces (at least as large, plus a carried line) fit without a new one.
    if (this.joins[turn].byteLength < need) this.joins[turn] = new Uint8Array(need + (need >>> 2));
    const out = this.joins[turn].subarray(0, need);
    out.set(a);
    out.set(b, a.byteLength);
    return out;
  }

  async next(): Promise<{ bytes: Uint8Array; base: number; first: number; count: number; fraction: number } | null> {
    if (this.ended) return null;
    const first = this.starts.length;
    for (;;) {
      const piece = this.pushedBack.shift() ?? (await this.stream.next());
      if (piece) this.head?.push(piece.bytes);
      const atEnd = piece === null;
      let bytes = piece ? this.joined(this.carry, piece.bytes) : this.carry;
      let shift = piece ? this.carry.byteLength : 0;
      let base = this.carryBase;
      if (!this.bomChecked && (bytes.byteLength >= 3 || atEnd)) {
        this.bomChecked = true;
        if (hasBom(bytes)) {
          bytes = bytes.subarray(3);
          base += 3;
          shift -= 3;
        }
      }
      if (!this.bomChecked) {
        this.carry = bytes;
        continue;
      }
      const search = searchable(bytes);
      const used =
        piece?.lineFeeds && shift >= 0
          ? this.indexFound(search, piece.lineFeeds, base, atEnd, shift)
          : this.indexLines(search, base, atEnd);
      this.carry = bytes.subarray(used);
      this.carryBase = base + used;
      if (atEnd) {
        this.ended = true;
        this.joins = [new Uint8Array(0), new Uint8Array(0)];
        this.complete = await this.stream.finish();
        if (this.info.gzip) {
          if (decompressedStorage(this.complete) === "opfs") this.info.gunzippedTo = "opfs";
          else delete this.info.gunzippedTo;
        }
      }
      if (used > 0 || atEnd) {
        if (this.starts.length === first && atEnd) return null;
        return { bytes: search, base, first, count: this.starts.length - first, fraction: this.stream.fraction };
      }
    }
  }
}

/**
 * Opens a JSON Lines file that is being decompressed ({@link StreamedLinesIndexer}): indexes the first `partialRows`
 * rows (every row without it), and leaves the rest to the first `scan`, which parses each piece as the stream
 * delivers it, while the helper worker decompresses the next.
 */
export async function openStreamedJsonl(
  stream: GunzipStream,
  taken: InflatedPiece[],
  info: FileInfo,
  onProgress?: (fraction: number) => void,
  partialRows?: number,
): Promise<ParseResult<JsonRowsSource>> {
  const indexer = new StreamedLinesIndexer(stream, [...taken], info);
  for (let read = await indexer.next(); read; read = await indexer.next()) {
    onProgress?.(read.fraction);
    if (partialRows !== undefined && indexer.rowCount >= partialRows) break;
  }
  if (indexer.rowCount === 0) {
    return { ok: false, reason: { file: info.name, message: "the file contains only blank lines: no records" } };
  }
  const head = indexer.takeHead();
  const source = indexer.done
    ? new JsonRowsSource(info, indexer.completeBytes!, indexer.finish())
    : new JsonRowsSource(info, head, indexer.index, indexer);
  return { ok: true, data: source };
}
