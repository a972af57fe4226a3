import { describe, expect, it } from "vitest";
import type { HandlerContext } from "@/lib/worker/rpc";
import { portClient } from "@/lib/worker/port-rpc";
import { sha256Hex } from "@/lib/dataset/hash";
import { scoringDatasetKey } from "@/lib/scoring/dataset-key";
import type { DatasetLinkApi } from "@/lib/scoring/protocol";
import { defaultSpec } from "@/lib/selection/spec";
import { createDatasetHandlers } from "./handlers";

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
    expect(reply.summary.rowCount).toBe(6);
    expect(Array.from((await h.column({ field: "explicit" }, ctx()))!)).toEqual([0, 1, 2, 10, 20, 21]);
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

  it("serves the scoring worker the rows of every shard, in shard order, over the link", async () => {
    const h = createDatasetHandlers();
    const { summary } = await h.open({ file: concatenation, name: "train.jsonl", files }, ctx());
    const channel = new MessageChannel();
    await h.linkScoring({ port: channel.port1 }, ctx());
    const link = portClient<DatasetLinkApi>(channel.port2);
    const info = await link.call("info", {});
    expect(info.rowCount).toBe(summary.rowCount);
    expect(info.datasetKey).toBe(scoringDatasetKey(await sha256Hex(concatenation), summary.mapping));
    const pairs = await link.call("pairs", { rows: [0, 1, 2, 3, 4, 5] });
    expect(pairs.map((p) => p.prompt.at(-1)!.content)).toEqual(["q0.0", "q0.1", "q0.2", "q1.0", "q2.0", "q2.1"]);
    link.close("done");
    channel.port1.close();
  });
});
