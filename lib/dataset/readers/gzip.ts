/** Transparent gzip: decompress once into a Blob so rows can still be sliced by byte offset later. */
import type { ParseResult } from "@/lib/dataset/types";

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Decompresses a gzip Blob with `DecompressionStream`; progress is the fraction of compressed bytes consumed. */
export async function gunzipBlob(
  file: Blob,
  name: string,
  onProgress?: (fraction: number) => void,
): Promise<ParseResult<Blob>> {
  let consumed = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      consumed += chunk.byteLength;
      onProgress?.(consumed / file.size);
      controller.enqueue(chunk);
    },
  });
  // Folding output into Blobs every few MB lets the browser keep it in blob storage (possibly on disk)
  // instead of holding a second copy of a 1 GB file in JS memory until the end.
  const blobs: Blob[] = [];
  let parts: Uint8Array[] = [];
  let partBytes = 0;
  try {
    const reader = (file.stream() as ReadableStream<Uint8Array>)
      .pipeThrough(counter)
      .pipeThrough(new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>)
      .getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      partBytes += value.byteLength;
      if (partBytes >= 32 * 1024 * 1024) {
        blobs.push(new Blob(parts as BlobPart[]));
        parts = [];
        partBytes = 0;
      }
    }
  } catch (err) {
    return {
      ok: false,
      reason: {
        file: name,
        message: `the gzip data is damaged or cut short (${err instanceof Error ? err.message : String(err)})`,
      },
    };
  }
  return { ok: true, data: new Blob([...blobs, ...(parts as BlobPart[])]) };
}
