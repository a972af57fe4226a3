import { describe, expect, it } from "vitest";
import { sha256Hex } from "@/lib/dataset/hash";
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
