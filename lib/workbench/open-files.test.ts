import { describe, expect, it } from "vitest";
import * as ortWeb from "onnxruntime-web";
import type { HandlerContext } from "@/lib/worker/rpc";
import { createMemoryResultStore } from "@/lib/scoring/result-store";
import { createScoringHandlers } from "@/lib/scoring/worker-handlers";
import type { OrtModule } from "@/lib/scoring/model-loader";
import { defaultSpec } from "@/lib/selection/spec";
import { createDatasetHandlers } from "./handlers";
import { inspectFiles } from "./open-files";

const ctx = (): HandlerContext => ({ progress: () => undefined, transfer: [] });

/** Three JSON Lines shards of TRL rows with a margin column, given out of shard order. */
const shard = (k: number, n: number) => ({
  name: `data/train-0000${k}-of-00003.jsonl`,
  blob: new Blob(
    Array.from(
      { length: n },
      (_, i) =>
        JSON.stringify({ prompt: `q${k}.${i}`, chosen: `good ${k}.${i}`, rejected: `bad`, rm_margin: k * 10 + i }) +
        "\n",
    ),
  ),
});
const files = [shard(2, 2), shard(0, 3), shard(1, 1)];
const ordered = [files[1], files[2], files[0]];
const concatenation = new Blob(ordered.map((f) => f.blob));

describe("several files through the dataset worker and the scoring worker", () => {
  it("opens them as one dataset with global row ids and exports the same shards", async () => {
    const h = createDatasetHandlers();
    const reply = await h.open({ file: concatenation, name: "train.jsonl", files }, ctx());
    expect(reply.summary.rowCount).toBe(6);
    expect(reply.summary.info.files?.map((f) => [f.name, f.firstRow, f.rowCount])).toEqual([
      ["data/train-00000-of-00003.jsonl", 0, 3],
      ["data/train-00001-of-00003.jsonl", 3, 1],
      ["data/train-00002-of-00003.jsonl", 4, 2],
    ]);
    expect(Array.from(reply.explicit)).toEqual([0, 1, 2, 10, 20, 21]);
    const rows = await h.rows({ rows: [3] }, ctx());
    expect(rows[0].pair.chosen[0].content).toBe("good 1.0");
    // Every row selected (ranked by the explicit margin, the only one these rows have): each shard comes back whole.
    const spec = defaultSpec();
    await h.select(
      { spec: { ...spec, ranking: { ...spec.ranking, metric: "explicit", ratio: 1 } }, histograms: [] },
      ctx(),
    );
    const parts = await h.exportShards({ format: "jsonl", includeComputed: false }, ctx());
    expect(parts.map((p) => [p.fileName, p.count])).toEqual([
      ["train-00000-of-00003.selected.jsonl", 3],
      ["train-00001-of-00003.selected.jsonl", 1],
      ["train-00002-of-00003.selected.jsonl", 2],
    ]);
    for (const [k, p] of parts.entries()) expect(await p.blob.text()).toBe(await ordered[k].blob.text());
  });

  it("gives the scoring worker the same rows as the dataset worker", async () => {
    const opened = await inspectFiles(concatenation, "train.jsonl", files);
    if (!opened.ok) throw new Error(opened.reason.message);
    ortWeb.env.wasm.numThreads = 1;
    const scoring = createScoringHandlers({
      store: createMemoryResultStore(),
      loadOrt: async () => ortWeb as unknown as OrtModule,
      probeGpu: async () => ({ available: false, fallbackAdapter: false, shaderF16: false, reason: "none" }),
      threads: () => 1,
    });
    const h = createDatasetHandlers();
    const { summary } = await h.open({ file: concatenation, name: "train.jsonl", files }, ctx());
    const result = await scoring.openDataset(
      { file: concatenation, name: "train.jsonl", mapping: summary.mapping, files },
      ctx(),
    );
    expect(result.rowCount).toBe(summary.rowCount);
    expect(opened.data.sample.map((r) => r.prompt)).toEqual(["q0.0", "q0.1", "q0.2", "q1.0", "q2.0", "q2.1"]);
  });
});
