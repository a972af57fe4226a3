import { afterEach, describe, expect, it } from "vitest";
import { createWorkerBlobReader, findLineFeeds } from "@/lib/dataset/readers/blob-reader";
import { setBlobReader } from "@/lib/dataset/readers/bytes";
import { decompressedStorage, openGunzip, releaseDecompressed } from "@/lib/dataset/readers/gzip";
import { inflatePieces, type PieceSource } from "@/lib/dataset/readers/inflate";
import type { JsonRowsSource } from "@/lib/dataset/readers/json-records";
import { OPFS_DIRECTORY } from "@/lib/dataset/readers/opfs-sink";
import { SourceError } from "@/lib/dataset/source-error";
import { openSource } from "@/lib/dataset/source";
import type { RawRecord } from "@/lib/dataset/types";
import { DatasetSession } from "@/lib/workbench/session";
import { FakeDir, FakeLocks, place } from "@/test/fake-opfs";
import { gzip } from "@/test/node-codecs";
import { blobOf, pairLines } from "@/test/source-helpers";
import { fakeBlobHelper } from "@/test/fake-blob-helper";

// Buffer comparison: vitest's element-wise diff of megabyte arrays takes seconds.
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

async function drain(source: PieceSource): Promise<{ parts: Uint8Array[]; feeds: (Int32Array | null)[] }> {
  const parts: Uint8Array[] = [];
  const feeds: (Int32Array | null)[] = [];
  for (let p = await source.next(); p; p = await source.next()) {
    parts.push(p.bytes);
    feeds.push(p.lineFeeds);
  }
  return { parts, feeds };
}

/** `n` JSON Lines of varied length and non-ASCII text. */
const lines = (n: number) =>
  Array.from({ length: n }, (_, i) => `{"i":${i},"t":"ünï ${"x".repeat((i * 37) % 211)}"}\n`).join("");
const original = new TextEncoder().encode(lines(3000));
const gz = blobOf(gzip(original));

afterEach(() => setBlobReader(null));

describe("inflatePieces", () => {
  it("delivers the whole output in pieces of at least the asked size (the last excepted), and can resume", async () => {
    for (const pieceBytes of [1, 1000, 65_536, 1 << 24]) {
      const { parts } = await drain(inflatePieces(gz, { pieceBytes }));
      expect(same(concat(parts), original)).toBe(true);
      parts.slice(0, -1).forEach((p) => expect(p.byteLength).toBeGreaterThanOrEqual(pieceBytes));
    }
    const resumed = await drain(inflatePieces(gz, { pieceBytes: 5000, skip: 123_457 }));
    expect(same(concat(resumed.parts), original.subarray(123_457))).toBe(true);
  });

  it("counts the compressed bytes consumed, up to the file's size", async () => {
    const source = inflatePieces(gz, { pieceBytes: 20_000 });
    const consumed: number[] = [];
    for (let p = await source.next(); p; p = await source.next()) consumed.push(p.consumed);
    expect(consumed.at(-1)).toBe(gz.size);
    expect(consumed).toEqual([...consumed].sort((a, b) => a - b));
  });

  it("throws on data cut short, after the pieces before the cut", async () => {
    const cut = blobOf(gzip(original).subarray(0, Math.floor(gz.size * 0.6)));
    const source = inflatePieces(cut, { pieceBytes: 10_000 });
    let delivered = 0;
    const err = await (async () => {
      for (let p = await source.next(); p; p = await source.next()) delivered += p.bytes.byteLength;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(delivered).toBeGreaterThan(0);
    expect(delivered).toBeLessThan(original.byteLength);
  });
});

describe("decompression on the helper worker", () => {
  it("gives the same bytes, with each piece's line feeds", async () => {
    const helper = fakeBlobHelper();
    const reader = createWorkerBlobReader(() => helper.worker);
    const { parts, feeds } = await drain(reader.inflate!(gz, 30_000));
    expect(same(concat(parts), original)).toBe(true);
    parts.forEach((p, k) => expect(feeds[k]).toEqual(findLineFeeds(p)));
    expect(helper.requests.map((r) => r.type)).toEqual(["inflate", ...parts.map(() => "inflate-next")]);
  });

  it("goes on on this thread from the first byte not delivered when the helper dies mid-stream", async () => {
    const helper = fakeBlobHelper();
    const reader = createWorkerBlobReader(() => helper.worker);
    const source = reader.inflate!(gz, 25_000);
    const parts: Uint8Array[] = [];
    for (let p = await source.next(); p; p = await source.next()) {
      parts.push(p.bytes);
      if (parts.length === 3) helper.kill();
    }
    expect(parts.length).toBeGreaterThan(4);
    expect(same(concat(parts), original)).toBe(true);
  });

  it("reports damaged data with the decompressor's own error", async () => {
    const helper = fakeBlobHelper();
    const reader = createWorkerBlobReader(() => helper.worker);
    const cut = blobOf(gzip(original).subarray(0, 500));
    const err = await drain(reader.inflate!(cut, 1000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message.length).toBeGreaterThan(0);
  });
});

/** BOM, CRLF, blank and whitespace-only lines, leading blanks, non-ASCII, no final newline. */
const TEXT = '\uFEFF{"a":1}\r\n\r\n  \n{"a":"é"}\r\n \t{"b":2}\n{"a":3,"c":[1,2]}\n\n{"a":"ü€"}\r\n{"a":6}';

async function scanAll(source: JsonRowsSource): Promise<[RawRecord, number, number | undefined][]> {
  const seen: [RawRecord, number, number | undefined][] = [];
  const problem = await source.scan((r, where) => void seen.push([r, where.row, where.line]));
  expect(problem).toBeNull();
  return seen;
}

async function openGz(text: string | Uint8Array, pieceBytes: number, partialRows?: number): Promise<JsonRowsSource> {
  const opened = await openSource(blobOf(gzip(text)), "p.jsonl.gz", undefined, { pieceBytes, partialRows });
  if (!opened.ok) throw new Error(opened.reason.message);
  return opened.data as JsonRowsSource;
}

describe("JSON Lines parsed as they are decompressed", () => {
  it.each(["this thread", "helper"] as const)(
    "gives the rows, lines, fields and index of the plain file, whatever the piece size (%s)",
    async (where) => {
      if (where === "helper") setBlobReader(createWorkerBlobReader(() => fakeBlobHelper().worker, 1));
      const plain = await openSource(blobOf(TEXT), "p.jsonl");
      if (!plain.ok) throw new Error(plain.reason.message);
      const full = plain.data as JsonRowsSource;
      const expected = await scanAll(full);
      for (let pieceBytes = 1; pieceBytes <= 24; pieceBytes++) {
        for (const partialRows of [1, 2, 4, undefined]) {
          const source = await openGz(TEXT, pieceBytes, partialRows);
          expect(source.info).toMatchObject({ format: "jsonl", gzip: true });
          expect(await scanAll(source)).toEqual(expected);
          expect(source.indexPending).toBe(false);
          expect(source.index).toEqual(full.index);
          expect(source.fields).toEqual(["a", "b", "c"]);
          expect(await source.getRecords([5, 0])).toEqual([{ a: 6 }, { a: 1 }]);
          expect(same(new Uint8Array(await source.bytes.arrayBuffer()), new TextEncoder().encode(TEXT))).toBe(true);
        }
      }
    },
  );

  it("indexes only the first rows at open and the rest while the scan parses", async () => {
    const source = await openGz(original, 20_000, 10);
    expect(source.indexPending).toBe(true);
    expect(source.rowCount).toBeGreaterThanOrEqual(10);
    expect(source.rowCount).toBeLessThan(3000);
    // Rows already indexed are read from the bytes delivered so far.
    expect(await source.getRecords([3, 0])).toEqual([JSON.parse(lines(4).split("\n")[3]), { i: 0, t: "ünï " }]);
    const progress: number[] = [];
    let rows = 0;
    expect(
      await source.scan(
        () => void rows++,
        (f) => progress.push(f),
      ),
    ).toBeNull();
    expect(rows).toBe(3000);
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it("reads a row past the bytes delivered so far by reading the stream to its end first", async () => {
    const source = await openGz(original, 20_000, 10);
    const before = source.rowCount;
    const [late] = await source.getRecords([before - 1]);
    expect(late).toEqual(JSON.parse(lines(before).split("\n")[before - 1]));
    expect(await scanAll(source)).toHaveLength(3000);
  });

  it("reports a bad record past the first rows with its file line and column, and scans again from the start", async () => {
    const text = lines(2000) + '{"a":3,}\n' + lines(500);
    const source = await openGz(text, 10_000, 5);
    const seen: number[] = [];
    const problem = await source.scan((_, where) => void seen.push(where.row));
    expect(problem).toMatchObject({ file: "p.jsonl.gz", line: 2001, column: 8, row: 2000 });
    expect(seen).toHaveLength(2000);
    // The next try (another mapping) reads the whole file again and stops at the same record.
    const again: number[] = [];
    expect(await source.scan((_, where) => void again.push(where.row))).toMatchObject({ line: 2001, column: 8 });
    expect(again).toEqual(seen);
    expect(source.rowCount).toBe(2501);
    expect(await source.getRecords([2500])).toEqual([JSON.parse(lines(500).split("\n")[499])]);
  });

  it("stops a visitor's scan where it asks, and a later scan sees every row", async () => {
    const source = await openGz(original, 10_000, 5);
    const problem = { file: "p.jsonl.gz", message: "stop" };
    expect(await source.scan((_, where) => (where.row === 700 ? problem : undefined))).toBe(problem);
    expect(await scanAll(source)).toHaveLength(3000);
  });

  it("reports gzip data cut short mid-file as damaged, on every later scan and fetch too", async () => {
    const cut = gzip(original).subarray(0, Math.floor(gz.size * 0.7));
    const opened = await openSource(blobOf(cut), "p.jsonl.gz", undefined, { pieceBytes: 10_000, partialRows: 5 });
    if (!opened.ok) throw new Error(opened.reason.message);
    const source = opened.data as JsonRowsSource;
    let rows = 0;
    const problem = await source.scan(() => void rows++);
    expect(problem).toMatchObject({ file: "p.jsonl.gz" });
    expect(problem!.message).toMatch(/^the gzip data is damaged or cut short \(.+\)$/);
    expect(rows).toBeGreaterThan(5);
    expect(rows).toBeLessThan(3000);
    expect(await source.scan(() => undefined)).toEqual(problem);
    await expect(source.getRecords([0])).rejects.toBeInstanceOf(SourceError);
  });

  it("refuses a file of whitespace, one of blank lines past its first bytes, and an empty one", async () => {
    const white = await openSource(blobOf(gzip(" \n\r\n\t\n")), "p.jsonl.gz", undefined, { pieceBytes: 2 });
    expect(white).toMatchObject({ ok: false, reason: { message: "the file contains only whitespace" } });
    const blank = await openSource(blobOf(gzip(" \n".repeat(40_000))), "p.jsonl.gz", undefined, { pieceBytes: 2 });
    expect(blank).toMatchObject({ ok: false, reason: { message: "the file contains only blank lines: no records" } });
    const empty = await openSource(blobOf(gzip("")), "p.jsonl.gz");
    expect(empty).toMatchObject({ ok: false, reason: { message: "the file is empty (after gunzip)" } });
  });

  it("opens the other formats decompressed whole first, whatever the piece size", async () => {
    const csv = 'prompt,chosen,rejected\nq,a,b\n"multi\nline",c,d\n';
    for (const pieceBytes of [1, 7, 1 << 20]) {
      const opened = await openSource(blobOf(gzip(csv)), "p.csv.gz", undefined, { pieceBytes });
      if (!opened.ok) throw new Error(opened.reason.message);
      expect(opened.data.info).toMatchObject({ format: "csv", gzip: true });
      expect(await opened.data.getRecords([0, 1])).toEqual([
        { prompt: "q", chosen: "a", rejected: "b" },
        { prompt: "multi\nline", chosen: "c", rejected: "d" },
      ]);
    }
  });
});

describe("the decompressed copy on disk while it is parsed", () => {
  const many = new TextEncoder().encode(lines(20_000));
  const manyGz = blobOf(gzip(many));

  it("moves to memory when the disk fills up mid-stream, losing nothing", async () => {
    const root = new FakeDir("sync", 300_000);
    const p = place(root);
    const stream = await openGunzip(manyGz, "p.jsonl.gz", { opfs: p, pieceBytes: 50_000 });
    expect(stream.storage).toBe("opfs");
    const parts: Uint8Array[] = [];
    for (let piece = await stream.next(); piece; piece = await stream.next()) parts.push(piece.bytes);
    expect(stream.storage).toBe("memory");
    const blob = await stream.finish();
    expect(same(concat(parts), many)).toBe(true);
    expect(same(new Uint8Array(await blob.arrayBuffer()), many)).toBe(true);
    expect(decompressedStorage(blob)).toBe("memory");
    expect(root.dirs.get(OPFS_DIRECTORY)!.files.size).toBe(0);
    expect(p.locks.held.size).toBe(0);
  });

  it("is on disk when it fits, and removed (unfinished or not) when its dataset is closed", async () => {
    const root = new FakeDir();
    const p = place(root);
    const done = await openGunzip(manyGz, "p.jsonl.gz", { opfs: p, pieceBytes: 50_000 });
    const blob = await done.finish();
    expect(decompressedStorage(blob)).toBe("opfs");
    expect(same(new Uint8Array(await blob.arrayBuffer()), many)).toBe(true);
    const other = blobOf(gzip(many));
    const halfway = await openGunzip(other, "q.jsonl.gz", { opfs: p, pieceBytes: 50_000 });
    await halfway.next();
    expect(root.dirs.get(OPFS_DIRECTORY)!.files.size).toBe(2);
    await releaseDecompressed([manyGz]);
    expect(root.dirs.get(OPFS_DIRECTORY)!.files.size).toBe(1);
    await expect(halfway.next()).rejects.toThrow("the file was closed while it was being read");
    await releaseDecompressed([]);
    expect(root.dirs.get(OPFS_DIRECTORY)!.files.size).toBe(0);
    expect(p.locks.held.size).toBe(0);
  });

  it("a session over a .jsonl.gz parsed as it is decompressed equals the session over the plain file", async () => {
    const navigatorBefore = globalThis.navigator;
    const root = new FakeDir();
    const locks = new FakeLocks();
    Object.defineProperty(globalThis, "navigator", {
      value: { storage: { getDirectory: async () => root }, locks },
      configurable: true,
    });
    try {
      // 4,000 pairs (and 4 blank lines).
      const text = pairLines((lines) => lines.length < 4004);
      const a = await DatasetSession.open(blobOf(gzip(text)), "big.jsonl.gz");
      const b = await DatasetSession.open(blobOf(text), "big.jsonl");
      if (!a.ok || !b.ok) throw new Error("open failed");
      expect(a.data.source.info.gunzippedTo).toBe("opfs");
      expect(a.data.source.rowCount).toBe(4000);
      expect({ ...a.data.summary(), info: null }).toEqual({ ...b.data.summary(), info: null });
      expect(a.data.margins().explicit).toEqual(b.data.margins().explicit);
      const spec = a.data.currentSpec();
      expect(a.data.select(spec).indices).toEqual(b.data.select(spec).indices);
      expect(await a.data.source.getRecords([3999, 0])).toEqual(await b.data.source.getRecords([3999, 0]));
      await releaseDecompressed([]);
      expect(root.dirs.get(OPFS_DIRECTORY)!.files.size).toBe(0);
    } finally {
      Object.defineProperty(globalThis, "navigator", { value: navigatorBefore, configurable: true });
    }
  });
});
