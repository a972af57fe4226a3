import { afterEach, describe, expect, it, vi } from "vitest";
import {
  cleanStaleOpfsFiles,
  createOpfsSink,
  DECOMPRESSED_PREFIX,
  OPFS_DIRECTORY,
} from "@/lib/dataset/readers/opfs-sink";
import {
  cleanStaleDecompressed,
  decompressedStorage,
  gunzipBlob,
  releaseDecompressed,
} from "@/lib/dataset/readers/gzip";
import { openSource } from "@/lib/dataset/source";
import { openSources } from "@/lib/dataset/multi-source";
import { FakeDir, FakeLocks, place } from "@/test/fake-opfs";
import { gzip } from "@/test/node-codecs";

// Buffer comparison: vitest's element-wise diff of megabyte arrays takes seconds.
const bytesOf = async (blob: Blob) => Buffer.from(await blob.arrayBuffer());
const text = (n: number) =>
  Array.from({ length: n }, (_, i) => `{"i":${i},"t":"ünïcode ${"x".repeat(i % 97)}"}\n`).join("");

describe("createOpfsSink", () => {
  it.each(["sync", "writable"] as const)(
    "writes chunks to a locked file under margin-atlas/ (%s handle)",
    async (w) => {
      const root = new FakeDir(w);
      const p = place(root);
      const sink = await createOpfsSink(p);
      expect(sink.name.startsWith(DECOMPRESSED_PREFIX)).toBe(true);
      expect(p.locks.held.has(sink.name)).toBe(true);
      const parts = [new Uint8Array([1, 2, 3]), new Uint8Array(5 * 1024 * 1024).fill(7), new Uint8Array([9])];
      for (const part of parts) await sink.write(part);
      const blob = await sink.finish();
      const expected = new Uint8Array(3 + 5 * 1024 * 1024 + 1);
      expected.set(parts[0]);
      expected.set(parts[1], 3);
      expected[expected.length - 1] = 9;
      expect((await bytesOf(blob)).equals(expected)).toBe(true);
      const dir = root.dirs.get(OPFS_DIRECTORY)!;
      expect([...dir.files.keys()]).toEqual([sink.name]);
      await sink.release();
      expect(dir.files.size).toBe(0);
      expect(p.locks.held.size).toBe(0);
    },
  );

  it("abort removes the half-written file and frees its lock", async () => {
    const root = new FakeDir();
    const p = place(root);
    const sink = await createOpfsSink(p);
    await sink.write(new Uint8Array([1, 2]));
    await sink.abort();
    expect(root.dirs.get(OPFS_DIRECTORY)!.files.size).toBe(0);
    expect(p.locks.held.size).toBe(0);
    await expect(sink.write(new Uint8Array([3]))).rejects.toThrow(/no longer being written/);
  });

  it("fails a short write (full disk) instead of losing bytes", async () => {
    const sink = await createOpfsSink(place(new FakeDir("sync", 4)));
    await sink.write(new Uint8Array([1, 2, 3]));
    await expect(sink.write(new Uint8Array([4, 5]))).rejects.toThrow("wrote 1 of 2 bytes to OPFS");
  });
});

describe("cleanStaleOpfsFiles", () => {
  it("removes decompressed files whose lock is free, keeps locked ones and other names", async () => {
    const root = new FakeDir();
    const p = place(root);
    const live = await createOpfsSink(p);
    await live.write(new Uint8Array([1]));
    await live.finish();
    const dir = root.dirs.get(OPFS_DIRECTORY)!;
    dir.files.set(`${DECOMPRESSED_PREFIX}old-tab`, { bytes: new Uint8Array(10), size: 10, open: false });
    dir.files.set("export.jsonl", { bytes: new Uint8Array(3), size: 3, open: false });
    expect(await cleanStaleOpfsFiles(p)).toBe(1);
    expect([...dir.files.keys()].sort()).toEqual([live.name, "export.jsonl"].sort());
    await live.release();
  });

  it("is a no-op before the directory exists", async () => {
    const root = new FakeDir();
    expect(await cleanStaleOpfsFiles(place(root))).toBe(0);
    expect(root.dirs.size).toBe(0);
  });

  it("cleanStaleDecompressed without OPFS (Node) removes nothing", async () => {
    expect(await cleanStaleDecompressed(null)).toBe(0);
  });
});

describe("gunzipBlob to OPFS", () => {
  const original = new TextEncoder().encode(text(20_000));
  const gz = new Blob([gzip(original) as BlobPart]);

  it.each(["sync", "writable"] as const)("decompresses into an OPFS file, removed on release (%s)", async (w) => {
    const root = new FakeDir(w);
    const p = place(root);
    const result = await gunzipBlob(gz, "x.jsonl.gz", undefined, { opfs: p });
    if (!result.ok) throw new Error(result.reason.message);
    expect((await bytesOf(result.data)).equals(original)).toBe(true);
    expect(decompressedStorage(result.data)).toBe("opfs");
    const dir = root.dirs.get(OPFS_DIRECTORY)!;
    expect(dir.files.size).toBe(1);
    await releaseDecompressed([gz]);
    expect(dir.files.size).toBe(1);
    await releaseDecompressed([]);
    expect(dir.files.size).toBe(0);
    expect(p.locks.held.size).toBe(0);
  });

  it("keeps the damaged-data message and leaves no file behind", async () => {
    const root = new FakeDir();
    const bad = new Blob([gzip(original).subarray(0, 200) as BlobPart]);
    const result = await gunzipBlob(bad, "x.jsonl.gz", undefined, { opfs: place(root) });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatchObject({ file: "x.jsonl.gz" });
    if (!result.ok) expect(result.reason.message).toMatch(/^the gzip data is damaged or cut short/);
    expect(root.dirs.get(OPFS_DIRECTORY)!.files.size).toBe(0);
  });

  it.each(["sync", "writable"] as const)("falls back to memory when the disk fills up (%s)", async (w) => {
    const root = new FakeDir(w, 1000);
    const p = place(root);
    const result = await gunzipBlob(gz, "x.jsonl.gz", undefined, { opfs: p });
    if (!result.ok) throw new Error(result.reason.message);
    expect((await bytesOf(result.data)).equals(original)).toBe(true);
    expect(decompressedStorage(result.data)).toBe("memory");
    expect(root.dirs.get(OPFS_DIRECTORY)!.files.size).toBe(0);
    expect(p.locks.held.size).toBe(0);
  });

  it("uses memory where there is no OPFS", async () => {
    const result = await gunzipBlob(gz, "x.jsonl.gz", undefined, { opfs: null });
    if (!result.ok) throw new Error(result.reason.message);
    expect((await bytesOf(result.data)).equals(original)).toBe(true);
    expect(decompressedStorage(result.data)).toBe("memory");
  });
});

describe("the file info says where a gzip file's copy is", () => {
  const one = new TextEncoder().encode(text(300));
  /** This scope's navigator with an OPFS and Web Locks, as a browser worker has them. */
  const withOpfs = (root: FakeDir, locks: FakeLocks) =>
    vi.stubGlobal("navigator", { storage: { getDirectory: async () => root }, locks });
  afterEach(() => vi.unstubAllGlobals());

  it("openSource: on disk with OPFS, no mark without it (Node)", async () => {
    const gz = new Blob([gzip(one) as BlobPart]);
    const plain = await openSource(gz, "x.jsonl.gz");
    if (!plain.ok) throw new Error(plain.reason.message);
    expect(plain.data.info).toEqual({ name: "x.jsonl.gz", format: "jsonl", gzip: true, byteLength: gz.size });

    const root = new FakeDir();
    const locks = new FakeLocks();
    withOpfs(root, locks);
    const opened = await openSource(gz, "x.jsonl.gz");
    if (!opened.ok) throw new Error(opened.reason.message);
    expect(opened.data.info.gunzippedTo).toBe("opfs");
    expect(opened.data.rowCount).toBe(300);
    expect(root.dirs.get(OPFS_DIRECTORY)!.files.size).toBe(1);
    await releaseDecompressed([]);
    expect(root.dirs.get(OPFS_DIRECTORY)!.files.size).toBe(0);
    expect(locks.held.size).toBe(0);
  });

  it("openSources: on disk only when every file's copy is", async () => {
    const gzA = { name: "p-1.jsonl.gz", blob: new Blob([gzip(one) as BlobPart]) };
    const gzB = { name: "p-2.jsonl.gz", blob: new Blob([gzip(one) as BlobPart]) };
    const plainB = { name: "p-2.jsonl", blob: new Blob([one as BlobPart]) };
    withOpfs(new FakeDir(), new FakeLocks());
    const both = await openSources([gzA, gzB]);
    if (!both.ok) throw new Error(both.reason.message);
    expect(both.data.info).toMatchObject({ gzip: true, gunzippedTo: "opfs" });
    expect(both.data.rowCount).toBe(600);
    const mixed = await openSources([gzA, plainB]);
    if (!mixed.ok) throw new Error(mixed.reason.message);
    expect(mixed.data.info.gzip).toBe(false);
    expect(mixed.data.info.gunzippedTo).toBeUndefined();
    await releaseDecompressed([]);
  });
});
