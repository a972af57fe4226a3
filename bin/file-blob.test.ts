import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { concatBlobs, readBytes } from "@/lib/dataset/readers/bytes";
import { openFileBlob } from "./file-blob";

function tempFile(content: string | Uint8Array): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "file-blob-"));
  const file = path.join(dir, "data.jsonl");
  fs.writeFileSync(file, content);
  return file;
}

describe("openFileBlob", () => {
  it("reads every range exactly as the file holds it", async () => {
    const bytes = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 31 + 7) % 251);
    const file = tempFile(bytes);
    const blob = await openFileBlob(file);
    expect(blob.size).toBe(bytes.length);
    for (const [start, end] of [
      [0, 1],
      [5, 5],
      [1024 * 1024 - 3, 2 * 1024 * 1024 + 9],
      [bytes.length - 10, bytes.length + 50],
    ]) {
      expect(Array.from(await readBytes(blob, start, end))).toEqual(
        Array.from(bytes.subarray(start, Math.min(end, bytes.length))),
      );
    }
  });

  it("refuses to read a file changed on disk after it was opened", async () => {
    const file = tempFile('{"a":1}\n');
    const blob = await openFileBlob(file);
    expect(new TextDecoder().decode(await readBytes(blob, 0, 7))).toBe('{"a":1}');
    fs.writeFileSync(file, '{"a":2}\n{"b":3}\n');
    await expect(readBytes(blob, 0, 7)).rejects.toThrow(/changed on disk after it was opened/);
  });

  it("joins several files read through their handles", async () => {
    const a = await openFileBlob(tempFile('{"a":1}\n'));
    const b = await openFileBlob(tempFile('{"b":2}\n'));
    const joined = concatBlobs([a, b]);
    expect(new TextDecoder().decode(await readBytes(joined, 4, 12))).toBe(':1}\n{"b"');
  });
});
