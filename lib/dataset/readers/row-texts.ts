/**
 * Row texts of a scan, decoded a run of ASCII rows at a time. A JSON Lines scan decodes each row's bytes before
 * `JSON.parse`; in Chromium one `TextDecoder.decode` call per row is most of the per-row cost, and decoding a whole
 * piece at once makes it one two-byte string as soon as one character is not ASCII (bench/RESULTS.md, "Ingest in
 * Chromium"). Runs of consecutive ASCII rows are decoded with one call into a one-byte string whose substrings are
 * the rows (their byte offsets are their character offsets); every other row is decoded alone, as before. 300 MB of
 * the 10⁶-row file in a Chromium worker, decode + `JSON.parse`: 1.14–1.29 s row by row, 0.92–0.99 s by runs. Node's
 * per-row decode is cheap (the same work: 624–643 ms row by row, 668–686 ms by runs), so Node decodes row by row.
 */

/** Whether this scope decodes by runs: everywhere but Node (measured above). */
export const DECODE_BY_RUNS = !(globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;

let byRunsDefault = DECODE_BY_RUNS;

/** Makes new {@link RowTexts} decode by runs or not (tests run the browsers' path in Node); null restores the default. */
export function setDecodeByRuns(byRuns: boolean | null): void {
  byRunsDefault = byRuns ?? DECODE_BY_RUNS;
}

/** Most rows one decode call covers. */
export const ASCII_RUN_ROWS = 64;

/**
 * Most bytes one decode call covers: well under V8's regular object size (128 KB), past which a string is made in the
 * large object space, freed only by a full collection (the 1 GB file's rows are ≈ 4 KB: 64 of them would be 256 KB).
 */
export const ASCII_RUN_BYTES = 32 * 1024;

/** The whole 4-byte words of `bytes`' buffer, for {@link isAscii}. */
export function wordsOf(bytes: Uint8Array): Uint32Array {
  return new Uint32Array(bytes.buffer, 0, bytes.buffer.byteLength >> 2);
}

/**
 * True when bytes [from, to) of `bytes` are all ASCII (below 0x80): 4 bytes per step through `words`
 * ({@link wordsOf} the same bytes), byte by byte at the unaligned ends.
 */
export function isAscii(bytes: Uint8Array, words: Uint32Array, from: number, to: number): boolean {
  const base = bytes.byteOffset;
  let i = from;
  while (i < to && ((base + i) & 3) !== 0) if (bytes[i++] & 0x80) return false;
  const wordEnd = (base + to) >> 2;
  for (let w = (base + i) >> 2; w < wordEnd; w++) if (words[w] & 0x80808080) return false;
  for (i = Math.max(i, (wordEnd << 2) - base); i < to; i++) if (bytes[i] & 0x80) return false;
  return true;
}

/**
 * The texts of rows visited in ascending order (not necessarily every row) within one chunk of bytes: `text(row)` decodes the run of ASCII rows
 * that starts there (up to {@link ASCII_RUN_ROWS} rows and {@link ASCII_RUN_BYTES} bytes, not past `lastRow`) once and cuts later rows of it out of that
 * string. A row that is not ASCII is decoded alone (the decoder throws on invalid UTF-8, as it would for that row).
 */
export class RowTexts {
  private chunk: Uint8Array = new Uint8Array(0);
  private words: Uint32Array = new Uint32Array(0);
  private base = 0;
  private starts: ArrayLike<number> = [];
  private ends: ArrayLike<number> = [];
  private lastRow = -1;
  private runFirst = 0;
  private runEnd = 0;
  private runStart = 0;
  private runText = "";

  constructor(
    private readonly decoder: TextDecoder,
    /** False: every row decoded alone. */
    private readonly byRuns = byRunsDefault,
  ) {}

  /** The chunk whose bytes start at file offset `base` and hold rows up to `lastRow` (their `starts` / `ends`). */
  reset(chunk: Uint8Array, base: number, starts: ArrayLike<number>, ends: ArrayLike<number>, lastRow: number): void {
    this.chunk = chunk;
    this.words = wordsOf(chunk);
    this.base = base;
    this.starts = starts;
    this.ends = ends;
    this.lastRow = lastRow;
    this.runFirst = this.runEnd = 0;
    this.runText = "";
  }

  /** The row's text; throws the decoder's TypeError where its bytes are not valid UTF-8. */
  text(row: number): string {
    if (row >= this.runFirst && row < this.runEnd)
      return this.runText.substring(this.starts[row] - this.runStart, this.ends[row] - this.runStart);
    const { chunk, words, base, starts, ends } = this;
    const from = starts[row] - base;
    const to = ends[row] - base;
    this.runFirst = this.runEnd = 0;
    this.runText = "";
    if (!this.byRuns || !isAscii(chunk, words, from, to)) return this.decoder.decode(chunk.subarray(from, to));
    // Rows after it while they (and the line ends between) are ASCII.
    let end = row + 1;
    const limit = Math.min(this.lastRow + 1, row + ASCII_RUN_ROWS);
    const byteLimit = starts[row] + ASCII_RUN_BYTES;
    while (end < limit && ends[end] <= byteLimit && isAscii(chunk, words, ends[end - 1] - base, ends[end] - base))
      end++;
    const text = this.decoder.decode(chunk.subarray(from, ends[end - 1] - base));
    if (end === row + 1) return text;
    this.runFirst = row + 1;
    this.runEnd = end;
    this.runStart = starts[row];
    this.runText = text;
    return text.substring(0, to - from);
  }
}
