/** JSON Lines: one record per non-blank line, indexed by scanning bytes for line feeds (no parse at open). */
import { CHUNK_BYTES, GrowableF64, hasBom, readBytes, readChunks } from "@/lib/dataset/readers/bytes";
import { JsonRowsSource, type JsonRowIndex } from "@/lib/dataset/readers/json-records";
import type { FileInfo, ParseResult } from "@/lib/dataset/types";

/** Byte ranges (line feed and a trailing CR excluded) and 1-based line numbers of the non-blank lines. */
export async function indexJsonLines(
  blob: Blob,
  onProgress?: (fraction: number) => void,
  chunkBytes = CHUNK_BYTES,
): Promise<JsonRowIndex> {
  const starts = new GrowableF64();
  const ends = new GrowableF64();
  const lines = new GrowableF64();
  let lineNo = 1;
  let lineStart = 0;
  let hasContent = false;
  let prevByte = -1; // last byte of the previous chunk, for a CR just before a chunk boundary
  const push = (end: number, lastByte: number) => {
    starts.push(lineStart);
    ends.push(lastByte === 0x0d ? end - 1 : end);
    lines.push(lineNo);
  };
  const bom = hasBom(await readBytes(blob, 0, 3)) ? 3 : 0;
  lineStart = bom;
  for await (const { offset, bytes } of readChunks(blob, bom, chunkBytes)) {
    let p = 0;
    const len = bytes.length;
    while (p < len) {
      if (!hasContent) {
        // Only the start of a line is inspected byte by byte: finding line ends uses native indexOf.
        let c = bytes[p];
        while (c === 0x20 || c === 0x09 || c === 0x0d) {
          if (++p >= len) break;
          c = bytes[p];
        }
        if (p >= len) break;
        if (c === 0x0a) {
          lineNo++;
          lineStart = offset + p + 1;
          p++;
          continue;
        }
        hasContent = true;
      }
      const nl = bytes.indexOf(0x0a, p);
      if (nl < 0) break;
      push(offset + nl, nl > 0 ? bytes[nl - 1] : prevByte);
      lineNo++;
      lineStart = offset + nl + 1;
      hasContent = false;
      p = nl + 1;
    }
    prevByte = len > 0 ? bytes[len - 1] : prevByte;
    onProgress?.((offset + len) / blob.size);
  }
  if (hasContent) push(blob.size, prevByte);
  return { starts: starts.toArray(), ends: ends.toArray(), lines: lines.toArray(), columns: null };
}

/** Opens a JSON Lines file: indexes its lines; records are parsed by `scan` / `getRecords`. */
export async function openJsonl(
  blob: Blob,
  info: FileInfo,
  onProgress?: (fraction: number) => void,
): Promise<ParseResult<JsonRowsSource>> {
  const index = await indexJsonLines(blob, onProgress);
  if (index.starts.length === 0) {
    return { ok: false, reason: { file: info.name, message: "the file contains only blank lines: no records" } };
  }
  return { ok: true, data: new JsonRowsSource(info, blob, index) };
}
