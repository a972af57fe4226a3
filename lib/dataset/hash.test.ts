import { describe, expect, it } from "vitest";
import {
  BackgroundHash,
  fileSha256,
  SAMPLE_CHUNK_BYTES,
  SAMPLE_CHUNKS,
  sampledKey,
  sampleOffsets,
  sha256Hex,
} from "@/lib/dataset/hash";
import { nodeSha256Hex } from "@/test/node-codecs";
import { fileBlob, haveFiles, readFileBytes, sharedDataset } from "@/test/shared-files";

describe("sha256Hex", () => {
  it.each([
    ["empty", new Uint8Array(0)],
    ["abc", new TextEncoder().encode("abc")],
    // Crosses the 8 MB read chunk, so the hash must be incremental and in order.
    ["9 MB of pseudo-random bytes", new Uint8Array(9 * 1024 * 1024).map((_, i) => (i * 2654435761) >>> 24)],
  ])("%s matches node:crypto", async (_name, bytes) => {
    const fractions: number[] = [];
    const hex = await sha256Hex(new Blob([bytes as BlobPart]), (f) => fractions.push(f));
    expect(hex).toBe(nodeSha256Hex(bytes));
    expect(fractions.at(-1)).toBe(1);
  });

  it("known vector", async () => {
    expect(await sha256Hex(new Blob(["abc"]))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  const gz = sharedDataset("hh-rlhf-harmless-base-test/test.jsonl.gz");
  it.skipIf(!haveFiles(gz))("hashes a real file as given (skipped: ../shared/datasets not found)", async () => {
    expect(await sha256Hex(await fileBlob(gz))).toBe(nodeSha256Hex(readFileBytes(gz)));
  });
});

describe("sampledKey", () => {
  const big = (n: number) => new Uint8Array(n).map((_, i) => (i * 2654435761) >>> 24);
  const size = 3 * 1024 * 1024 + 17;

  it("is the same for the same bytes and name, and names the size", async () => {
    const bytes = big(size);
    const a = await sampledKey(new Blob([bytes as BlobPart]), "a.jsonl");
    expect(await sampledKey(new Blob([bytes.slice() as BlobPart]), "a.jsonl")).toBe(a);
    expect(a.startsWith(`sampled:${size}:a.jsonl:`)).toBe(true);
    expect(await sampledKey(new Blob([bytes as BlobPart]), "b.jsonl")).not.toBe(a);
  });

  it.each([
    ["the first byte", 0],
    ["the last byte", size - 1],
    ["a byte in the middle sample", sampleOffsets(size)[7] + 100],
  ])("changes when %s changes", async (_name, at) => {
    const bytes = big(size);
    const before = await sampledKey(new Blob([bytes as BlobPart]), "f");
    bytes[at] ^= 1;
    expect(await sampledKey(new Blob([bytes as BlobPart]), "f")).not.toBe(before);
  });

  it("samples 16 chunks of 64 KiB, first and last included", () => {
    const offsets = sampleOffsets(size);
    expect(offsets).toHaveLength(SAMPLE_CHUNKS);
    expect(offsets[0]).toBe(0);
    expect(offsets.at(-1)).toBe(size - SAMPLE_CHUNK_BYTES);
  });

  it("hashes a small file whole: any changed byte changes the key", async () => {
    const bytes = big(100_000);
    const before = await sampledKey(new Blob([bytes as BlobPart]), "s");
    expect(before).toBe(`sampled:100000:s:${nodeSha256Hex(bytes)}`);
    bytes[50_000] ^= 1;
    expect(await sampledKey(new Blob([bytes as BlobPart]), "s")).not.toBe(before);
  });
});

describe("BackgroundHash", () => {
  it("gives the full SHA-256 to every waiter, with progress ending at 1", async () => {
    const bytes = new Uint8Array(9 * 1024 * 1024).map((_, i) => i & 0xff);
    const h = new BackgroundHash(new Blob([bytes as BlobPart]));
    const fractions: number[] = [];
    const [a, b] = await Promise.all([h.wait((f) => fractions.push(f)), fileSha256(h)]);
    expect(a).toBe(nodeSha256Hex(bytes));
    expect(b).toBe(a);
    expect(h.sha256).toBe(a);
    expect(h.fraction).toBe(1);
    expect(fractions.at(-1)).toBe(1);
  });
});

describe("hashing in slices", () => {
  /** How many turns of a self-reposting message run while `hash` runs: the hash's yields to the event loop. */
  async function turnsDuring(hash: () => Promise<string>): Promise<{ hex: string; turns: number }> {
    const channel = new MessageChannel();
    let turns = 0;
    let running = true;
    channel.port1.onmessage = () => {
      turns++;
      if (running) channel.port2.postMessage(null);
    };
    channel.port2.postMessage(null);
    const hex = await hash();
    running = false;
    channel.port1.close();
    return { hex, turns };
  }

  it("gives the same digest sliced, and yields to queued messages between slices", async () => {
    const bytes = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 31 + 7) & 255);
    const blob = new Blob([bytes]);
    const whole = await turnsDuring(() => sha256Hex(blob));
    const sliced = await turnsDuring(() => sha256Hex(blob, undefined, { sliceBytes: 64 * 1024 }));
    expect(sliced.hex).toBe(whole.hex);
    expect(whole.hex).toBe(nodeSha256Hex(bytes));
    // 49 slices: a turn between each two, where the unsliced hash yields only between the chunks it reads.
    expect(sliced.turns).toBeGreaterThanOrEqual(48);
    expect(sliced.turns).toBeGreaterThan(whole.turns + 40);
  });
});
