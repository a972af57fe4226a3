import { afterEach, describe, expect, it } from "vitest";
import {
  createWorkerBlobReader,
  findLineFeeds,
  readDirect,
  type BlobReadRequest,
  type BlobSliceRequest,
  type BlobReadWorker,
} from "./blob-reader";
import { readBytes, registerByteReader, setBlobReader } from "./bytes";
import { fakeBlobHelper } from "@/test/fake-blob-helper";

/** The slice reads among the requests. */
const slices = (requests: BlobReadRequest[]) => requests.filter((r): r is BlobSliceRequest => r.type === "read");

const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7919 + (i >> 8)) & 0xff);
const blob = new Blob([bytes]);

afterEach(() => setBlobReader(null));

describe("createWorkerBlobReader", () => {
  it("returns exactly the bytes of each range, large reads on the helper and small ones direct", async () => {
    const helper = fakeBlobHelper();
    let spawned = 0;
    const read = createWorkerBlobReader(() => (spawned++, helper.worker), 1000).read;
    const ranges: [number, number][] = [
      [0, 300_000],
      [5, 1004],
      [1, 1001],
      [299_000, 300_000],
      [123_456, 223_457],
      [7, 7],
    ];
    for (const [s, e] of ranges) expect(await read(blob, s, e)).toEqual(bytes.subarray(s, e));
    // Reads of ≥ 1000 bytes went to the helper (started once); the rest read the Blob directly.
    expect(slices(helper.requests).map((r) => [r.start, r.end])).toEqual([
      [0, 300_000],
      [1, 1001],
      [299_000, 300_000],
      [123_456, 223_457],
    ]);
    expect(spawned).toBe(1);
  });

  it("gives each of many concurrent reads its own bytes when replies arrive out of order", async () => {
    const helper = fakeBlobHelper({ reverse: true });
    const read = createWorkerBlobReader(() => helper.worker, 1).read;
    const starts = [0, 10_000, 50_000, 90_000, 200_000, 250_000];
    const got = await Promise.all(starts.map((s) => read(blob, s, s + 40_000)));
    starts.forEach((s, k) => expect(got[k]).toEqual(bytes.subarray(s, Math.min(s + 40_000, bytes.length))));
  });

  it("rejects with the read's own error name and message", async () => {
    const helper = fakeBlobHelper();
    const read = createWorkerBlobReader(() => helper.worker, 1).read;
    const broken = new Blob([bytes]);
    broken.slice = () =>
      ({
        arrayBuffer: () => Promise.reject(new DOMException("The requested file could not be read", "NotReadableError")),
      }) as unknown as Blob;
    const err = await read(broken, 0, 10).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe("NotReadableError");
    expect((err as Error).message).toBe("The requested file could not be read");
  });

  it("redoes the pending reads directly when the helper dies, and reads directly from then on", async () => {
    const requests: BlobReadRequest[] = [];
    let terminated = 0;
    const silent: BlobReadWorker = {
      onmessage: null,
      onerror: null,
      // A helper that takes requests and never answers, then reports an error event.
      postMessage: (m) => void requests.push(m),
      terminate: () => void terminated++,
    };
    const read = createWorkerBlobReader(() => silent, 1).read;
    const a = read(blob, 0, 100_000);
    const b = read(blob, 100_000, 300_000);
    expect(requests).toHaveLength(2);
    silent.onerror?.(new Event("error"));
    expect(await a).toEqual(bytes.subarray(0, 100_000));
    expect(await b).toEqual(bytes.subarray(100_000));
    expect(terminated).toBe(1);
    expect(await read(blob, 10, 20_010)).toEqual(bytes.subarray(10, 20_010));
    expect(requests).toHaveLength(2);
  });

  it("reads directly when the helper cannot be started", async () => {
    let tries = 0;
    const read = createWorkerBlobReader(() => {
      tries++;
      throw new Error("Worker is not defined");
    }, 1).read;
    expect(await read(blob, 3, 100_003)).toEqual(bytes.subarray(3, 100_003));
    expect(await read(blob, 0, 50_000)).toEqual(bytes.subarray(0, 50_000));
    expect(tries).toBe(1);
  });
});

describe("readLines", () => {
  it("returns the bytes with the line feeds the helper found; a small or direct read leaves them to the caller", async () => {
    const text = new TextEncoder().encode(Array.from({ length: 4000 }, (_, i) => `{"row":${i}}`).join("\n") + "\n");
    const lined = new Blob([text]);
    const helper = fakeBlobHelper();
    const { readLines } = createWorkerBlobReader(() => helper.worker, 1000);
    const big = await readLines(lined, 100, text.length);
    expect(big.bytes).toEqual(text.subarray(100));
    expect(big.lineFeeds).toEqual(findLineFeeds(text.subarray(100)));
    expect(big.lineFeeds!.length).toBe(text.subarray(100).filter((b) => b === 0x0a).length);
    expect(slices(helper.requests)[0].lineFeeds).toBe(true);
    expect(await readLines(lined, 0, 999)).toEqual({ bytes: text.subarray(0, 999), lineFeeds: null });
  });
});

describe("setBlobReader", () => {
  it("routes readBytes through the set reader with clamped ranges; a registered per-Blob reader still wins", async () => {
    const seen: [number, number][] = [];
    setBlobReader({
      read: (b, s, e) => {
        seen.push([s, e]);
        return readDirect(b, s, e);
      },
      readLines: () => Promise.reject(new Error("not asked for line feeds")),
    });
    expect(await readBytes(blob, -5, 10)).toEqual(bytes.subarray(0, 10));
    expect(await readBytes(blob, 299_990, 400_000)).toEqual(bytes.subarray(299_990));
    expect(seen).toEqual([
      [0, 10],
      [299_990, 300_000],
    ]);
    const own = new Blob([bytes]);
    registerByteReader(own, async (s, e) => bytes.slice(s, e));
    expect(await readBytes(own, 1, 4)).toEqual(bytes.subarray(1, 4));
    expect(seen).toHaveLength(2);
  });
});
