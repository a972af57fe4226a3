/**
 * Decompressed .gz inputs of the CLI go to temporary files (lib/dataset/readers/gzip.ts `setDecompressedFiles`), read
 * back through `openFileBlob`'s file handle, so a 1 GB .jsonl.gz costs disk, not memory. Each file lives in its own
 * `margin-atlas-gunzip-*` directory under the system's temporary directory and is removed when its dataset is closed
 * or, at the latest, when the process exits.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DecompressedFile } from "@/lib/dataset/readers/gzip";
import { openFileBlob } from "./file-blob";

/** Prefix of the temporary directories. */
export const TEMP_PREFIX = "margin-atlas-gunzip-";

/** Directories still on disk, removed at exit. */
const live = new Set<string>();
let cleanupInstalled = false;

function remove(dir: string): void {
  live.delete(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A new temporary file for one decompressed output, written with positioned synchronous writes. */
export async function createTempFile(): Promise<DecompressedFile> {
  if (!cleanupInstalled) {
    cleanupInstalled = true;
    process.on("exit", () => {
      for (const dir of [...live]) remove(dir);
    });
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), TEMP_PREFIX));
  live.add(dir);
  const file = path.join(dir, "decompressed");
  let fd: number | null = fs.openSync(file, "w");
  let at = 0;
  const close = () => {
    if (fd !== null) fs.closeSync(fd);
    fd = null;
  };
  return {
    write(chunk) {
      if (fd === null) throw new Error(`${file} is no longer being written`);
      // A full disk throws (ENOSPC): the caller moves the output to memory.
      for (let done = 0; done < chunk.byteLength;) {
        done += fs.writeSync(fd, chunk, done, chunk.byteLength - done, at + done);
      }
      at += chunk.byteLength;
    },
    async finish() {
      close();
      return openFileBlob(file);
    },
    async abort() {
      close();
      remove(dir);
    },
    async release() {
      close();
      remove(dir);
    },
  };
}
