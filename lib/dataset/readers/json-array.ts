/**
 * A JSON array of records (`[ {...}, {...} ]`, often pretty-printed): a byte-level scanner that is string- and
 * escape-aware and counts depth records each top-level element's byte range and start line/column. Elements
 * are parsed later; structural errors (not an array, truncated, garbage between elements) fail the open.
 */
import { CHUNK_BYTES, GrowableF64, hasBom, readBytes, readChunks } from "@/lib/dataset/readers/bytes";
import { JsonRowsSource, type JsonRowIndex } from "@/lib/dataset/readers/json-records";
import type { FileInfo, ParseResult } from "@/lib/dataset/types";

// Scanner states (plain numbers: this loop runs once per byte of the file).
const BeforeArray = 0;
const FirstElement = 1; // just after "[": an element or "]"
const NextElement = 2; // after ",": an element is required
const InContainer = 3; // inside an object or array element (depth > 0)
const InContainerString = 4;
const InContainerEscape = 5;
const InString = 6; // inside a top-level string element
const InStringEscape = 7;
const InScalar = 8; // inside a number or literal element
const AfterElement = 9; // after an element: "," or "]"
const AfterArray = 10;

const isWs = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** Where the scan stopped with a structural problem (byte offset in the file). */
interface StructuralError {
  offset: number;
  message: string;
}

/** Indexes the elements of a top-level JSON array, or returns the first structural problem. */
export async function indexJsonArray(
  blob: Blob,
  onProgress?: (fraction: number) => void,
  chunkBytes = CHUNK_BYTES,
): Promise<{ ok: true; index: JsonRowIndex } | { ok: false; error: StructuralError }> {
  const starts = new GrowableF64();
  const ends = new GrowableF64();
  const lines = new GrowableF64();
  const columns = new GrowableF64();
  let state = BeforeArray;
  let depth = 0;
  let line = 1;
  let lineStart = 0;
  // UTF-8 continuation bytes since the line start, so columns count characters, not bytes.
  let continuation = 0;
  let elementStart = 0;
  const fail = (offset: number, message: string) => ({ ok: false as const, error: { offset, message } });
  const found = (b: number) =>
    b === 0x0a || b === 0x0d
      ? "a line break"
      : b < 0x80
        ? JSON.stringify(String.fromCharCode(b))
        : "a non-ASCII character";
  const beginElement = (pos: number, b: number): number => {
    elementStart = pos;
    starts.push(pos);
    lines.push(line);
    columns.push(pos - lineStart - continuation + 1);
    if (b === 0x7b || b === 0x5b) {
      depth = 1;
      return InContainer;
    }
    return b === 0x22 ? InString : InScalar;
  };
  const endElement = (end: number) => ends.push(end);

  const bom = hasBom(await readBytes(blob, 0, 3)) ? 3 : 0;
  lineStart = bom;
  for await (const { offset, bytes } of readChunks(blob, bom, chunkBytes)) {
    let p = 0;
    const len = bytes.length;
    for (; p < len; p++) {
      const b = bytes[p];
      if (b === 0x0a) {
        line++;
        lineStart = offset + p + 1;
        continuation = 0;
      } else if (b >= 0x80 && b < 0xc0) continuation++;
      const pos = offset + p;
      switch (state) {
        case InContainer:
          if (b === 0x22) state = InContainerString;
          else if (b === 0x7b || b === 0x5b) depth++;
          else if (b === 0x7d || b === 0x5d) {
            if (--depth === 0) {
              endElement(pos + 1);
              state = AfterElement;
            }
          }
          break;
        case InContainerString:
          if (b === 0x22) state = InContainer;
          else if (b === 0x5c) state = InContainerEscape;
          break;
        case InContainerEscape:
          state = InContainerString;
          break;
        case InString:
          if (b === 0x22) {
            endElement(pos + 1);
            state = AfterElement;
          } else if (b === 0x5c) state = InStringEscape;
          break;
        case InStringEscape:
          state = InString;
          break;
        case InScalar:
          if (isWs(b) || b === 0x2c || b === 0x5d) {
            endElement(pos);
            state = AfterElement;
            p--; // the delimiter belongs to AfterElement; re-read it
            if (b === 0x0a) line--; // and it will be counted again
          }
          break;
        case BeforeArray:
          if (isWs(b)) break;
          if (b !== 0x5b) return fail(pos, `expected "[" to start a JSON array of records, found ${found(b)}`);
          state = FirstElement;
          break;
        case FirstElement:
        case NextElement:
          if (isWs(b)) break;
          if (b === 0x5d) {
            if (state === NextElement) return fail(pos, 'expected a record after ",", found "]"');
            state = AfterArray;
          } else if (b === 0x2c) return fail(pos, 'expected a record, found ","');
          else state = beginElement(pos, b);
          break;
        case AfterElement:
          if (isWs(b)) break;
          if (b === 0x2c) state = NextElement;
          else if (b === 0x5d) state = AfterArray;
          else return fail(pos, `expected "," or "]" after record ${starts.length}, found ${found(b)}`);
          break;
        case AfterArray:
          if (!isWs(b)) return fail(pos, `expected nothing after the closing "]" of the array, found ${found(b)}`);
          break;
      }
    }
    onProgress?.((offset + len) / blob.size);
  }
  const end = blob.size;
  if (state === InScalar) {
    endElement(end);
    state = AfterElement;
  }
  if (state !== AfterArray) {
    const n = starts.length;
    const open =
      state === InContainer ||
      state === InContainerString ||
      state === InContainerEscape ||
      state === InString ||
      state === InStringEscape;
    if (state === BeforeArray)
      return fail(end, 'expected "[" to start a JSON array of records, found the end of the file');
    const message = open
      ? `record ${n} (starting at line ${lines.toArray()[n - 1]}) is not closed: the file ends inside it (truncated file?)`
      : 'expected "]" to close the array, found the end of the file (truncated file?)';
    return fail(open ? elementStart : end, message);
  }
  return {
    ok: true,
    index: { starts: starts.toArray(), ends: ends.toArray(), lines: lines.toArray(), columns: columns.toArray() },
  };
}

/** 1-based line and column (in characters) of byte `offset`, by decoding the file up to it (error path only). */
async function locateByte(blob: Blob, offset: number): Promise<{ line: number; column: number }> {
  let line = 1;
  let lineStartByte = 0;
  for await (const { offset: base, bytes } of readChunks(blob, 0)) {
    const stop = Math.min(bytes.length, offset - base);
    for (let p = bytes.indexOf(0x0a); p >= 0 && p < stop; p = bytes.indexOf(0x0a, p + 1)) {
      line++;
      lineStartByte = base + p + 1;
    }
    if (base + bytes.length >= offset) break;
  }
  const prefix = await readBytes(blob, lineStartByte, offset);
  let column = 1;
  for (const b of prefix) if (b < 0x80 || b >= 0xc0) column++;
  if (lineStartByte === 0 && hasBom(prefix)) column--;
  return { line, column };
}

/** Opens a JSON array file: indexes its elements; records are parsed by `scan` / `getRecords`. */
export async function openJsonArray(
  blob: Blob,
  info: FileInfo,
  onProgress?: (fraction: number) => void,
): Promise<ParseResult<JsonRowsSource>> {
  const result = await indexJsonArray(blob, onProgress);
  if (!result.ok) {
    const { line, column } = await locateByte(blob, result.error.offset);
    return { ok: false, reason: { file: info.name, line, column, message: result.error.message } };
  }
  if (result.index.starts.length === 0) {
    return { ok: false, reason: { file: info.name, message: "the JSON array is empty: no records" } };
  }
  return { ok: true, data: new JsonRowsSource(info, blob, result.index) };
}
