import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeExportFile } from "./export-file";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-export-file-"));
const chunk = (n: number, byte: number) => new Uint8Array(n).fill(byte);

describe("writeExportFile", () => {
  it("writes every chunk in order, waiting for the stream to drain, then puts the file in place", async () => {
    const target = path.join(dir, "out.bin");
    let waited = 0;
    await writeExportFile(target, async (sink) => {
      for (let k = 0; k < 40; k++) {
        const pending = sink.write(chunk(256 * 1024, k));
        // A 256 KiB chunk is past the stream's 16 KiB high-water mark: the sink says to wait.
        if (pending instanceof Promise) waited++;
        await pending;
      }
      // Nothing is at the target until the export is done.
      expect(fs.existsSync(target)).toBe(false);
    });
    const bytes = fs.readFileSync(target);
    expect(bytes.length).toBe(40 * 256 * 1024);
    for (let k = 0; k < 40; k++) expect(bytes[k * 256 * 1024]).toBe(k);
    expect(waited).toBe(40);
    expect(fs.readdirSync(dir).filter((f) => f.includes(".partial-"))).toEqual([]);
  });

  it("leaves the previous file and no partial file when the export fails half-way", async () => {
    const target = path.join(dir, "kept.txt");
    fs.writeFileSync(target, "before\n");
    const err = await writeExportFile(target, async (sink) => {
      await sink.write(chunk(1 << 20, 1));
      throw new Error("bad row 7");
    }).catch((e) => e);
    expect((err as Error).message).toBe("bad row 7");
    expect(fs.readFileSync(target, "utf8")).toBe("before\n");
    expect(fs.readdirSync(dir).filter((f) => f.includes(".partial-"))).toEqual([]);
  });

  it("names the target when its folder does not exist", async () => {
    const target = path.join(dir, "no-such-folder", "out.jsonl");
    const err = await writeExportFile(target, async (sink) => {
      await sink.write(chunk(1 << 20, 2));
    }).catch((e) => e);
    expect((err as Error).message).toBe(`ENOENT: no such file or directory, open '${target}'`);
    expect(fs.existsSync(path.dirname(target))).toBe(false);
  });
});
