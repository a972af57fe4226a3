import { describe, expect, it } from "vitest";
import { sampledKey } from "@/lib/dataset/hash";
import type { HandlerContext } from "@/lib/worker/rpc";
import { nodeSha256Hex } from "@/test/node-codecs";
import { createDatasetHandlers } from "./handlers";

/** A JSONL of `n` pairs (about 100 bytes a row): 100k rows cross the 8 MB read chunk of the hash. */
function jsonl(n: number): Uint8Array {
  const lines: string[] = [];
  for (let i = 0; i < n; i++)
    lines.push(
      JSON.stringify({ prompt: `prompt ${i}`, chosen: `chosen ${i}`, rejected: `rejected ${i}`, rm_margin: i % 7 }),
    );
  return new TextEncoder().encode(lines.join("\n") + "\n");
}

function ctx(progress: number[] = []): HandlerContext {
  return { progress: (_stage, fraction) => progress.push(fraction), transfer: [] };
}

describe("dataset identity in the dataset worker", () => {
  const bytes = jsonl(100_000);

  it("answers the summary before the full SHA-256, which arrives afterwards and is the file's", async () => {
    expect(bytes.length).toBeGreaterThan(8 * 1024 * 1024);
    const h = createDatasetHandlers();
    const file = new Blob([bytes as BlobPart]);
    const opened = await h.open({ file, name: "big.jsonl" }, ctx());
    expect(opened.summary.rowCount).toBe(100_000);
    // The selection works while the hash runs.
    const progress: number[] = [];
    const identity = h.identity({}, ctx(progress));
    const rows = await h.rows({ rows: [0, 99_999] }, ctx());
    expect(rows.map((r) => r.row)).toEqual([0, 99_999]);
    const { sha256, key } = await identity;
    expect(sha256).toBe(nodeSha256Hex(bytes));
    expect(key).toBe(await sampledKey(file, "big.jsonl"));
    expect(progress[0]).toBeLessThan(1);
    expect(progress.at(-1)).toBe(1);
  });

  it("puts the full SHA-256 in the recipe, the same as `identity` gives", async () => {
    const small = jsonl(20);
    const h = createDatasetHandlers();
    await h.open({ file: new Blob([small as BlobPart]), name: "small.jsonl" }, ctx());
    const recipe = await h.recipe({}, ctx());
    expect(recipe.input.sha256).toBe(nodeSha256Hex(small));
    expect((await h.identity({}, ctx())).sha256).toBe(recipe.input.sha256);
  });

  it("refuses the identity before a dataset is open", async () => {
    await expect(Promise.resolve().then(() => createDatasetHandlers().identity({}, ctx()))).rejects.toThrow(
      "no dataset is loaded",
    );
  });
});
