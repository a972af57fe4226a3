/**
 * The direct path between the workers (issue 10, "one owner of the data"): a run reads its pairs from the dataset
 * worker and writes its results there over a MessagePort; the page gets stats only.
 */
import { describe, expect, it } from "vitest";
import * as ortWeb from "onnxruntime-web";
import type { HandlerContext } from "@/lib/worker/rpc";
import { defaultSpec } from "@/lib/selection/spec";
import { buildDemoModels } from "@/scripts/demo-models/demo-models";
import { bufferBytes, computedColumns, linkedWorkers, recordingCtx } from "@/test/linked-workers";
import { createDatasetHandlers } from "@/lib/workbench/handlers";
import type { OrtModule } from "./model-loader";
import type { ScoreProgress } from "./protocol";
import { createMemoryResultStore, type ResultStore } from "./result-store";
import { createScoringHandlers } from "./worker-handlers";

const demo = buildDemoModels();
const enc = (v: Uint8Array | string) => (typeof v === "string" ? new TextEncoder().encode(v) : v);
const lmFiles = Object.entries(demo["demo-lm"]).map(([p, v]) => ({ path: `demo-lm/${p}`, data: enc(v) }));
const ROWS = Array.from({ length: 10 }, (_, i) => ({
  prompt: `Question ${i}?`,
  chosen: `Answer ${i}, with some words.`,
  rejected: `No ${i}`,
  rm_margin: i / 2,
}));
const file = new Blob([ROWS.map((r) => JSON.stringify(r)).join("\n")]);
const ARGS = { maxLength: 2048, maxPromptLength: 1800, chunkPairs: 2, batchSize: 2 };

async function scoringWorker(store: ResultStore = createMemoryResultStore()) {
  ortWeb.env.wasm.numThreads = 1;
  const h = createScoringHandlers({
    store,
    loadOrt: async () => ortWeb as unknown as OrtModule,
    probeGpu: async () => ({ available: false, fallbackAdapter: false, shaderF16: false, reason: "none" }),
    threads: () => 1,
  });
  await h.loadModel({ role: "policy", source: { kind: "files", files: lmFiles }, backend: "wasm" }, recordingCtx());
  return h;
}

const ctx = (): HandlerContext => recordingCtx();

describe("scoring worker → dataset worker link", () => {
  it("delivers every chunk to the dataset worker; the page's messages carry no result buffer", async () => {
    const h = await scoringWorker();
    const linked = await linkedWorkers(h, file, "rows.jsonl");
    const progress: [string, number, unknown][] = [];
    const run = recordingCtx(progress);
    const stats = await h.score(ARGS, run);
    expect(stats).toMatchObject({ done: 10, total: 10, cached: 0, failed: 0 });
    expect(progress).toHaveLength(5);
    expect(progress.map(([, , d]) => bufferBytes(d))).toEqual([0, 0, 0, 0, 0]);
    expect(run.transfer).toEqual([]);
    expect(progress.map(([, , d]) => (d as ScoreProgress).stats.done)).toEqual([2, 4, 6, 8, 10]);

    // Counts update once the page asks the dataset worker to attach what it holds.
    const before = await linked.dataset.select({ spec: defaultSpec(), histograms: [] }, ctx());
    const applied = await linked.dataset.applyScores({ implicit: "simpo", beta: 0.1 }, ctx());
    expect(applied!.scored).toBe(10);
    expect(applied!.summary.attachedColumns).toEqual(
      expect.arrayContaining(["chosen_logps", "rejected_logps", "chosen_logps_norm", "rejected_logps_norm"]),
    );
    const after = await linked.dataset.select({ spec: defaultSpec(), histograms: [] }, ctx());
    // Before: the file has no implicit margin, so no row has an M_AP score; after: every row has one.
    expect(before.scored).toBe(0);
    expect(after.scored).toBe(10);
    // The implicit margin is SimPO's: mean chosen log-prob minus mean rejected log-prob, per row.
    const cols = await computedColumns(linked.dataset);
    const norm = (name: string) => Array.from(cols.get(name)!);
    const expected = norm("chosen_logps_norm").map((c, i) => c - norm("rejected_logps_norm")[i]);
    const column = async (field: "explicit" | "implicit") =>
      Array.from((await linked.dataset.column({ field }, ctx()))!);
    (await column("implicit")).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
    // The explicit margin is still the file's (no reward model ran).
    expect(await column("explicit")).toEqual(ROWS.map((r) => r.rm_margin));
    linked.close();
  });

  it("a DPO margin without a reference model falls back to SimPO; with none scored there is nothing to apply", async () => {
    const h = await scoringWorker();
    const linked = await linkedWorkers(h, file, "rows.jsonl");
    expect(await linked.dataset.applyScores({ implicit: "simpo", beta: 0.1 }, ctx())).toBeNull();
    await h.score(ARGS, ctx());
    const implicit = async () => Array.from((await linked.dataset.column({ field: "implicit" }, ctx()))!);
    await linked.dataset.applyScores({ implicit: "simpo", beta: 0.1 }, ctx());
    const simpo = await implicit();
    await linked.dataset.applyScores({ implicit: "dpo", beta: 0.1 }, ctx());
    expect(await implicit()).toEqual(simpo);
    await linked.dataset.applyScores({ implicit: "sum", beta: 0.1 }, ctx());
    const cols = await computedColumns(linked.dataset);
    (await implicit()).forEach((v, i) =>
      expect(v).toBeCloseTo(cols.get("chosen_logps")![i] - cols.get("rejected_logps")![i], 12),
    );
    linked.close();
  });

  it("a run whose dataset worker restarts stops with a clear error; the stored rows are replayed to the new one", async () => {
    const store = createMemoryResultStore();
    const h = await scoringWorker(store);
    const linked = await linkedWorkers(h, file, "rows.jsonl");
    const c = recordingCtx();
    let chunks = 0;
    // Pause after the second chunk, as a long run would be when the dataset worker dies.
    c.progress = () => {
      if (++chunks === 2) h.pause({}, c);
    };
    const run = Promise.resolve(h.score(ARGS, c));
    await expect.poll(() => chunks).toBe(2);
    // The page links a fresh dataset worker (the old one "crashed"): the run's pending deliveries fail.
    const fresh = createDatasetHandlers();
    await fresh.open({ file, name: "rows.jsonl" }, ctx());
    await linked.relink(fresh);
    h.resume({}, c);
    await expect(run).rejects.toMatchObject({
      code: "link-closed",
      message: expect.stringMatching(/^the dataset worker restarted during the run/),
    });
    // Nothing is scored again: the stored chunks go to the fresh worker.
    const replayed = await h.replayStored({}, ctx());
    expect(replayed.rows).toBeGreaterThanOrEqual(4);
    expect(replayed.rows).toBeLessThan(10);
    const applied = await fresh.applyScores({ implicit: "simpo", beta: 0.1 }, ctx());
    expect(applied!.scored).toBe(replayed.rows);
    // Score again: the rest is scored, the replayed rows come from the store.
    const again = await h.score(ARGS, ctx());
    expect(again).toMatchObject({ done: 10, cached: replayed.rows });
    expect((await fresh.applyScores({ implicit: "simpo", beta: 0.1 }, ctx()))!.scored).toBe(10);
    linked.close();
  });

  it("results of a run are refused once another file is open, and the page is told why", async () => {
    const h = await scoringWorker();
    const linked = await linkedWorkers(h, file, "rows.jsonl");
    const c = recordingCtx();
    let chunks = 0;
    c.progress = () => {
      if (++chunks === 1) h.pause({}, c);
    };
    const run = Promise.resolve(h.score(ARGS, c));
    await expect.poll(() => chunks).toBe(1);
    const other = new Blob([
      ROWS.slice(0, 3)
        .map((r) => JSON.stringify(r))
        .join("\n"),
    ]);
    await linked.dataset.open({ file: other, name: "other.jsonl" }, ctx());
    h.resume({}, c);
    await expect(run).rejects.toMatchObject({
      code: "stale-run",
      message: "the run stopped: its dataset is no longer open (another file, mapping or run replaced it)",
    });
    expect(await linked.dataset.applyScores({ implicit: "simpo", beta: 0.1 }, ctx())).toBeNull();
    linked.close();
  });

  it("without a link, or without a dataset, a run says so", async () => {
    const h = await scoringWorker();
    await expect(h.score(ARGS, ctx())).rejects.toMatchObject({
      code: "no-dataset",
      message: "the scoring worker is not linked to the dataset worker",
    });
    const dataset = createDatasetHandlers();
    const channel = new MessageChannel();
    await dataset.linkScoring({ port: channel.port1 }, ctx());
    await h.linkDataset({ port: channel.port2 }, ctx());
    await expect(h.score(ARGS, ctx())).rejects.toMatchObject({ code: "no-dataset", message: "no dataset is loaded" });
    channel.port1.close();
  });
});
