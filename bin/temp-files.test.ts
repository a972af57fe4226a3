import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { decompressedStorage, gunzipBlob, releaseDecompressed, setDecompressedFiles } from "@/lib/dataset/readers/gzip";
import { gzip } from "@/test/node-codecs";
import { createTempFile, TEMP_PREFIX } from "./temp-files";

const ROOT = path.resolve(import.meta.dirname, "..");
const text = (n: number) =>
  Array.from({ length: n }, (_, i) => `{"i":${i},"t":"ünï ${"x".repeat(i % 89)}"}\n`).join("");
const tempDirs = () => fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith(TEMP_PREFIX));

afterEach(() => setDecompressedFiles(null));

describe("decompressed .gz inputs of the CLI", () => {
  it("go to a temporary file, read back byte for byte, removed when the dataset is closed", async () => {
    setDecompressedFiles(createTempFile);
    const original = new TextEncoder().encode(text(30_000));
    const gz = new Blob([gzip(original) as BlobPart]);
    const before = new Set(tempDirs());
    const result = await gunzipBlob(gz, "x.jsonl.gz", undefined, { opfs: null });
    if (!result.ok) throw new Error(result.reason.message);
    expect(decompressedStorage(result.data)).toBe("file");
    const made = tempDirs().filter((d) => !before.has(d));
    expect(made).toHaveLength(1);
    const onDisk = fs.readFileSync(path.join(os.tmpdir(), made[0], "decompressed"));
    expect(onDisk.equals(Buffer.from(original))).toBe(true);
    expect(Buffer.from(await result.data.arrayBuffer()).equals(Buffer.from(original))).toBe(true);
    await releaseDecompressed([]);
    expect(fs.existsSync(path.join(os.tmpdir(), made[0]))).toBe(false);
  });

  it("leave nothing behind when the data is damaged", async () => {
    setDecompressedFiles(createTempFile);
    const before = new Set(tempDirs());
    const bad = new Blob([gzip(text(5000)).subarray(0, 300) as BlobPart]);
    const result = await gunzipBlob(bad, "x.jsonl.gz", undefined, { opfs: null });
    expect(result.ok).toBe(false);
    expect(tempDirs().filter((d) => !before.has(d))).toEqual([]);
  });

  it("stay in memory where the file cannot be made", async () => {
    setDecompressedFiles(() => Promise.reject(new Error("ENOSPC")));
    const gz = new Blob([gzip(text(100)) as BlobPart]);
    const result = await gunzipBlob(gz, "x.jsonl.gz", undefined, { opfs: null });
    if (!result.ok) throw new Error(result.reason.message);
    expect(decompressedStorage(result.data)).toBe("memory");
  });

  it("a CLI run on a .jsonl.gz selects as on the plain file and removes its temporary file at exit", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-cli-gz-"));
    const childTmp = fs.mkdtempSync(path.join(os.tmpdir(), "ma-cli-tmp-"));
    const lines = Array.from({ length: 400 }, (_, i) =>
      JSON.stringify({
        prompt: `q${i}`,
        chosen: `c${i}`,
        rejected: `r${i}`,
        score_chosen: (i * 7) % 13,
        score_rejected: (i * 5) % 11,
      }),
    ).join("\n");
    fs.writeFileSync(path.join(dir, "p.jsonl"), lines + "\n");
    fs.writeFileSync(path.join(dir, "p.jsonl.gz"), gzip(lines + "\n"));
    const run = (file: string, out: string) =>
      spawnSync(
        process.execPath,
        ["--import", "tsx", "bin/margin-atlas.ts", "select", path.join(dir, file), "--out", path.join(dir, out)],
        {
          cwd: ROOT,
          encoding: "utf8",
          env: { ...process.env, TMPDIR: childTmp },
        },
      );
    const plain = run("p.jsonl", "a.jsonl");
    const gz = run("p.jsonl.gz", "b.jsonl");
    expect(plain.status, plain.stderr).toBe(0);
    expect(gz.status, gz.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, "b.jsonl"), "utf8")).toBe(fs.readFileSync(path.join(dir, "a.jsonl"), "utf8"));
    expect(fs.readdirSync(childTmp).filter((d) => d.startsWith(TEMP_PREFIX))).toEqual([]);
  });
});
