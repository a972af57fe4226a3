/**
 * Files as Blobs for the CLI: `fs.openAsBlob` plus a file-handle reader registered for it (lib/dataset/readers/bytes.ts),
 * because Node's file-backed Blob reads about 7× slower than `FileHandle.read` (bench/RESULTS.md, ingest). A file
 * that changes on disk after it was opened is refused on the next read, as Node's own Blob refuses it.
 */
import fs from "node:fs";
import { registerByteReader } from "@/lib/dataset/readers/bytes";

/** Closes a Blob's file handle once the Blob is gone (a CLI run keeps its few inputs to the end). */
const handles = new FinalizationRegistry<Promise<fs.promises.FileHandle>>((handle) => {
  void handle.then((h) => h.close()).catch(() => undefined);
});

/** Opens `file` as a Blob whose reads go through one file handle, checked against the file's size and mtime. */
export async function openFileBlob(file: string): Promise<Blob> {
  const blob = await fs.openAsBlob(file);
  const opened = fs.statSync(file);
  let handle: Promise<fs.promises.FileHandle> | null = null;
  registerByteReader(blob, async (start, end) => {
    if (!handle) {
      handle = fs.promises.open(file, "r");
      handles.register(blob, handle);
    }
    const fh = await handle;
    const now = await fh.stat();
    if (now.size !== opened.size || now.mtimeMs !== opened.mtimeMs)
      throw new Error(`${file} changed on disk after it was opened (size or modification time differs): open it again`);
    const out = new Uint8Array(end - start);
    for (let at = 0; at < out.length;) {
      const { bytesRead } = await fh.read(out, at, out.length - at, start + at);
      if (bytesRead === 0) throw new Error(`${file}: the file ended at byte ${start + at}, expected ${opened.size}`);
      at += bytesRead;
    }
    return out;
  });
  return blob;
}
