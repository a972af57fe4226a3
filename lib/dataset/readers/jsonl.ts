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
import type { FileInfo, ParseResult } from "@/lib/dataset/types";

/**
 * Indexes a JSON Lines file a read at a time. Each read starts at the beginning of a line and covers whole lines
 * (it grows past `chunkBytes` for a line longer than that), so the rows it adds lie inside the bytes it returns.
 */
export class JsonLinesIndexer implements PendingRows {
  private readonly starts = new GrowableF64();
  private readonly ends = new GrowableF64();
  private readonly lines = new GrowableF64();
  /** File offset where the next read starts (always the start of a line). */
  private offset = -1;
  private lineNo = 1;
  /**
   * The read of the next piece, started as soon as the current one is indexed, so the disk (a Blob read is a round
   * trip to the browser process) works while the caller parses: without it a 1 GB load in Chromium sat idle 3.2 s of
   * 7.6 s waiting for reads.
   */
  private ahead: { start: number; end: number; read: Promise<LinedBytes> } | null = null;

  constructor(
    private readonly blob: Blob,
    private readonly chunkBytes = CHUNK_BYTES,
  ) {}

  /** Rows indexed so far. */
  get rowCount(): number {
    return this.starts.length;
  }

  /** True once every byte of the file has been indexed. */
  get done(): boolean {
    return this.offset >= this.blob.size;
  }

  /** The rows indexed so far (views valid until the next read). */
  get index(): JsonRowIndex {
    return { starts: this.starts.view(), ends: this.ends.view(), lines: this.lines.view(), columns: null };
  }

  /** The complete index, right-sized; call once `done`. */
  finish(): JsonRowIndex {
    return { starts: this.starts.toArray(), ends: this.ends.toArray(), lines: this.lines.toArray(), columns: null };
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

  /** {@link indexLines} with the line feeds already found (by the reader's helper worker). */
  private indexFound(bytes: Uint8Array, lineFeeds: Int32Array, base: number, atEnd: boolean): number {
    let p = 0;
    for (const nl of lineFeeds) {
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
  private indexLines(bytes: Uint8Array, base: number, atEnd: boolean): number {
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
