/**
 * The scoring worker's `score` with a pool of forward workers (in-process handlers standing in for the nested
 * Workers): the dataset worker gets the same numbers, in the same row order, as from the one-worker run; the
 * progress names the pool; a worker that dies mid-run fails the run clearly with no chunk half-delivered, and one
 * that died between runs is replaced.
 */
import { describe, expect, it } from "vitest";
import * as ortWeb from "onnxruntime-web";
import { WorkerCallError, type HandlerContext } from "@/lib/worker/rpc";
import { computedColumns, linkedWorkers } from "@/test/linked-workers";
import { buildDemoModels } from "@/scripts/demo-models/demo-models";
import { createForwardHandlers } from "./forward-handlers";
import type { ForwardApi } from "./forward-protocol";
import type { OrtModule } from "./model-loader";
import { POOL_STARTING_STAGE, type PoolStarting, type ScoreProgress } from "./protocol";
import { createMemoryResultStore } from "./result-store";
import { POOL_WORKER_FAILED, type ForwardClient } from "./scoring-pool";
import { createScoringHandlers } from "./worker-handlers";

const enc = (v: Uint8Array | string) => (typeof v === "string" ? new TextEncoder().encode(v) : v);
const lmFiles = Object.entries(buildDemoModels()["demo-lm"]).map(([p, v]) => ({ path: `demo-lm/${p}`, data: enc(v) }));
const ROWS = Array.from({ length: 40 }, (_, i) => ({
  prompt: `Question ${i}: ${"why ".repeat(1 + (i % 5))}?`,
  chosen: `Answer ${i}, ${"because ".repeat(1 + (i % 7))}.`,
  rejected: `No ${i}`,
}));
const file = new Blob([ROWS.map((r) => JSON.stringify(r)).join("\n")]);
const ort = ortWeb as unknown as OrtModule;
/** A handler context keeping the run's progress data, the pool's start notes apart. */
const ctx = (progress: unknown[] = [], starting: unknown[] = []): HandlerContext => ({
  progress: (stage, _f, d) => (stage === POOL_STARTING_STAGE ? starting : progress).push(d),
  transfer: [],
});

/** Forward workers in this process; `dieAt` makes the Nth score call (over all of them) a crash. */
function forwardWorkers(dieAt = Infinity) {
  const state = { started: 0, scoreCalls: 0, crash: [] as (() => void)[] };
  const create = (): ForwardClient => {
    state.started++;
    const h = createForwardHandlers({ loadOrt: async () => ort });
    const listeners = new Set<() => void>();
    state.crash.push(() => listeners.forEach((l) => l()));
    return {
      call: (async (type: keyof ForwardApi, args: never) => {
        if ((type === "scorePairs" || type === "scoreSequences") && ++state.scoreCalls === dieAt) {
          const detail = { worker: "forward", code: "worker-closed", cause: "closed by itself or by the browser" };
          throw new WorkerCallError("The forward worker stopped", "worker-closed", detail);
        }
        return (h[type] as (a: never, c: HandlerContext) => unknown)(args, ctx());
      }) as ForwardClient["call"],
      dispose: () => undefined,
      onCrash: (l) => (listeners.add(l), () => listeners.delete(l)),
    };
  };
  return { state, create };
}

function handlers(workers?: ReturnType<typeof forwardWorkers>) {
  ortWeb.env.wasm.numThreads = 1;
  return createScoringHandlers({
    store: createMemoryResultStore(),
    loadOrt: async () => ort,
    probeGpu: async () => ({ available: false, fallbackAdapter: false, shaderF16: false }),
    threads: () => 2,
    forwardWorker: workers?.create,
    cores: () => 2,
    crossOriginIsolated: () => true,
  });
}

async function scored(h: ReturnType<typeof handlers>, args: { workers?: number; chunkPairs?: number } = {}) {
  const linked = await linkedWorkers(h, file, "rows.jsonl");
  await h.loadModel({ role: "policy", source: { kind: "files", files: lmFiles }, backend: "wasm" }, ctx());
  const progress: ScoreProgress[] = [];
  const starting: PoolStarting[] = [];
  const stats = await h.score({ maxLength: 256, maxPromptLength: 128, batchSize: 2, ...args }, ctx(progress, starting));
  await linked.dataset.applyScores({ implicit: "simpo", beta: 0.1 }, ctx());
  return { linked, progress, starting, stats, cols: await computedColumns(linked.dataset) };
}

const LOGP = ["chosen_logps", "rejected_logps", "chosen_logps_norm", "rejected_logps_norm"];

describe("scoring worker with a forward pool", () => {
  it("2 workers × 1 thread: the dataset worker gets the one-worker run's numbers, bit for bit, in row order", async () => {
    const one = await scored(handlers());
    expect(one.progress.at(-1)!.pool).toEqual({
      workers: 1,
      threadsPerWorker: 2,
      reason: "1 worker × 2 threads (this browser cannot start workers from a worker)",
    });
    const workers = forwardWorkers();
    const twoHandlers = handlers(workers);
    const two = await scored(twoHandlers);
    expect(workers.state.started).toBe(2);
    expect(workers.state.scoreCalls).toBeGreaterThan(2);
    expect(two.stats).toMatchObject({ done: 40, total: 40, failed: 0 });
    const last = two.progress.at(-1)!;
    expect(last.pool).toEqual({ workers: 2, threadsPerWorker: 1, reason: "2 workers × 1 thread (2 cores)" });
    expect(last.plan.note).toMatch(/ · 2 workers × 1 thread \(2 cores\)$/);
    // Chunks of 16 pairs as in the one-worker run (a chunk's pairs decide its batches).
    expect(two.progress.map((p) => p.stats.done)).toEqual([16, 32, 40]);
    // While the workers started, the run said so (once); a run without a pool says nothing of the kind.
    expect(two.starting).toEqual([{ starting: "starting 2 scoring workers (each opens the model)" }]);
    expect(one.starting).toEqual([]);
    // The same models scored again: the pool is reused, nothing starts and nothing is said.
    const again: PoolStarting[] = [];
    await twoHandlers.score({ maxLength: 256, maxPromptLength: 128, batchSize: 2 }, ctx([], again));
    expect(workers.state.started).toBe(2);
    expect(again).toEqual([]);
    for (const name of LOGP) {
      const a = Array.from(one.cols.get(name)!);
      expect(a).toHaveLength(40);
      a.forEach((v) => expect(Number.isFinite(v)).toBe(true));
      expect(Array.from(two.cols.get(name)!), name).toEqual(a);
    }
    // Forced to one worker, the pool is not started and the run is this worker's own.
    const forced = forwardWorkers();
    const f1 = await scored(handlers(forced), { workers: 1 });
    expect(forced.state.started).toBe(0);
    expect(f1.progress.at(-1)!.pool!.reason).toBe("1 worker × 2 threads (set by the page)");
    expect(Array.from(f1.cols.get("chosen_logps")!)).toEqual(Array.from(one.cols.get("chosen_logps")!));
    [one, two, f1].forEach((r) => r.linked.close());
  });

  it("a worker dying mid-run fails the run clearly; the next run starts fresh workers and finishes the rows", async () => {
    const reference = await scored(handlers(), { chunkPairs: 8 });
    // Chunks of 8 pairs are 4 batches of 2: the 10th batch is in the third chunk.
    const workers = forwardWorkers(10);
    const h = handlers(workers);
    const linked = await linkedWorkers(h, file, "rows.jsonl");
    await h.loadModel({ role: "policy", source: { kind: "files", files: lmFiles }, backend: "wasm" }, ctx());
    const progress: ScoreProgress[] = [];
    const args = { maxLength: 256, maxPromptLength: 128, batchSize: 2, chunkPairs: 8 };
    const err = await Promise.resolve(h.score(args, ctx(progress))).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: POOL_WORKER_FAILED });
    expect((err as Error).message).toMatch(
      /^scoring worker \d of 2 failed \(it stopped: closed by itself or by the browser\); the rows of this chunk were not stored: Score dataset again/,
    );
    // The first two chunks were delivered whole, nothing of the third.
    expect(progress.map((p) => p.stats.done)).toEqual([8, 16]);
    await linked.dataset.applyScores({ implicit: "simpo", beta: 0.1 }, ctx());
    const partial = Array.from((await computedColumns(linked.dataset)).get("chosen_logps")!);
    const want = Array.from(reference.cols.get("chosen_logps")!);
    expect(partial.slice(0, 16)).toEqual(want.slice(0, 16));
    expect(partial.slice(16).every((v) => Number.isNaN(v))).toBe(true);

    const again: ScoreProgress[] = [];
    expect(await h.score(args, ctx(again))).toMatchObject({ done: 40, cached: 16 });
    expect(workers.state.started).toBe(4);
    await linked.dataset.applyScores({ implicit: "simpo", beta: 0.1 }, ctx());
    expect(Array.from((await computedColumns(linked.dataset)).get("chosen_logps")!)).toEqual(want);

    // A worker that dies while the pool is idle is replaced before the next run (new rows: a fresh store).
    workers.state.crash[2]();
    await h.clearResults({}, ctx());
    expect(await h.score(args, ctx())).toMatchObject({ done: 40, cached: 0 });
    expect(workers.state.started).toBe(6);
    [reference.linked, linked].forEach((l) => l.close());
  });
});
