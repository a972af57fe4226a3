/**
 * The forward pool of the scoring worker in Node: batches (`planPairs` jobs) shared among forward workers, each an
 * in-process `createForwardHandlers` on onnxruntime-web's Node build (a fake client standing in for the Worker),
 * give the single session's numbers bit for bit, in row order; a worker that dies fails the call clearly.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as ortWeb from "onnxruntime-web";
import { WorkerCallError, type HandlerContext } from "@/lib/worker/rpc";
import { demoFixture, demoGqaLmOnnx } from "@/test/scoring-fixtures";
import { buildDemoModels } from "@/scripts/demo-models/demo-models";
import { createLogprobScorer, type LogprobScorer, type PairScore, type ScoreOptions, type TensorCtor } from "./engine";
import { createForwardHandlers } from "./forward-handlers";
import type { ForwardApi } from "./forward-protocol";
import { addTokenLogprobOutput } from "./logprob-graph";
import type { OrtModule } from "./model-loader";
import { createFileMapReader, readModelFolder, type ModelFolder } from "./model-source";
import { loadModel, type LoadedLanguageModel } from "./model-loader";
import { POOL_WORKER_FAILED, startScoringPool, type ForwardClient } from "./scoring-pool";
import { tokenizePair, type TokenizedPair } from "./sequence";
import { readOpTypes } from "@/lib/onnx/onnx-model";

const f = demoFixture();
const WORDS = ["river", "stone", "lamp", "cloud", "bread", "salt", "garden", "winter", "clock", "storm"];
/** 23 pairs of varied lengths (so batches bucket by length and some pairs share no prompt prefix). */
const PAIRS: TokenizedPair[] = Array.from({ length: 23 }, (_, i) => {
  const w = (k: number) => WORDS[(i * 7 + k * 3) % WORDS.length];
  return tokenizePair(
    f.tokenizer,
    `Question ${i}: what about the ${w(0)} and the ${w(1)}?`.repeat(1 + (i % 4)),
    `The ${w(2)} is ${w(3)}, like the ${w(4)} by the ${w(5)}.`.repeat(1 + (i % 3)),
    `No ${w(6)}.`,
  );
});

const enc = (v: Uint8Array | string) => (typeof v === "string" ? new TextEncoder().encode(v) : v);
let folder: ModelFolder;
let base: LoadedLanguageModel;
const ort = ortWeb as unknown as OrtModule;

beforeAll(async () => {
  ortWeb.env.wasm.numThreads = 1;
  const files = Object.entries(buildDemoModels()["demo-lm"]).map(([p, v]) => ({ path: p, data: enc(v) }));
  folder = await readModelFolder(createFileMapReader(files), ["onnx/model.onnx"]);
  base = (await loadModel(folder, ort, "lm", { executionProviders: ["wasm"] })) as LoadedLanguageModel;
});

const ctx = (): HandlerContext => ({ progress: () => undefined, transfer: [] });

/** A forward worker in this process: the real handlers; `calls` counts its score calls; `dieAt` kills it there. */
function inProcess(calls: { n: number }, dieAt = Infinity): ForwardClient {
  const h = createForwardHandlers({ loadOrt: async () => ort });
  let disposed = false;
  return {
    call: (async (type: keyof ForwardApi, args: never) => {
      if (disposed) throw new WorkerCallError("disposed", "cancelled");
      if (type === "scorePairs" || type === "scoreSequences") {
        if (++calls.n >= dieAt) {
          const detail = {
            worker: "forward",
            code: "out-of-memory",
            cause: "RangeError: Array buffer allocation failed",
          };
          throw new WorkerCallError("The forward worker ran out of memory", "out-of-memory", detail);
        }
      }
      return (h[type] as (a: never, c: HandlerContext) => unknown)(args, ctx());
    }) as ForwardClient["call"],
    dispose: () => void (disposed = true),
  };
}

const PLAN2 = { workers: 2, threadsPerWorker: 1, reason: "2 workers × 1 thread (2 cores)", bound: "2 cores" };

/** Bit-level equality of two runs' scores (sums, counts and every token's log-prob). */
function expectIdentical(a: PairScore[], b: PairScore[]) {
  expect(a).toHaveLength(b.length);
  a.forEach((p, i) => {
    for (const side of ["chosen", "rejected"] as const) {
      expect(Object.is(p[side].sumLogp, b[i][side].sumLogp), `pair ${i} ${side}`).toBe(true);
      expect(p[side].tokens).toBe(b[i][side].tokens);
      expect(Array.from(p[side].tokenLogps)).toEqual(Array.from(b[i][side].tokenLogps));
    }
  });
}

describe("planPairs: each job on its own runs the whole call's batches", () => {
  const gqa = async () => {
    const bytes = addTokenLogprobOutput(demoGqaLmOnnx());
    const session = await ortWeb.InferenceSession.create(bytes, { executionProviders: ["wasm"] });
    return createLogprobScorer(session, ortWeb.Tensor as unknown as TensorCtor, f.lmConfig, {
      opTypes: readOpTypes(bytes),
    });
  };
  it.each<[string, ScoreOptions, boolean]>([
    ["shared prompts, batch 8", { batchSize: 8 }, false],
    ["shared prompts, batch 2 / 128 tokens (long pairs in windows)", { batchSize: 2, maxBatchTokens: 128 }, false],
    ["no prompt sharing (sequence jobs), batch 3", { batchSize: 3, sharePrompt: false }, false],
    ["GroupQueryAttention (one pair per shared run)", { batchSize: 4 }, true],
  ])("%s", async (_, options, useGqa) => {
    const scorer: LogprobScorer = useGqa ? await gqa() : base.scorer;
    const whole = await scorer.scorePairs(PAIRS, options);
    const jobs = scorer.planPairs(PAIRS, options);
    // Every pair (or side) is in exactly one job.
    const items = jobs.flatMap((j) => (j.kind === "pairs" ? j.pairs.flatMap((i) => [2 * i, 2 * i + 1]) : j.sequences));
    expect([...items].sort((a, b) => a - b)).toEqual(Array.from({ length: 2 * PAIRS.length }, (_, k) => k));
    expect(jobs.length).toBeGreaterThan(1);
    const parts: PairScore[] = new Array(PAIRS.length);
    const sides = new Map<number, PairScore["chosen"]>();
    for (const job of jobs) {
      if (job.kind === "pairs") {
        const r = await scorer.scorePairs(
          job.pairs.map((i) => PAIRS[i]),
          options,
        );
        job.pairs.forEach((i, k) => (parts[i] = r[k]));
      } else {
        const seqs = job.sequences.map((k) => (k % 2 ? PAIRS[k >> 1].rejected : PAIRS[k >> 1].chosen));
        const r = await scorer.scoreSequences(seqs, options);
        job.sequences.forEach((k, n) => sides.set(k, r[n]));
      }
    }
    sides.forEach((_, k) => {
      if (k % 2 === 0) parts[k >> 1] = { chosen: sides.get(k)!, rejected: sides.get(k + 1)! };
    });
    expectIdentical(parts, whole);
  });
});

describe("startScoringPool", () => {
  it.each<[string, ScoreOptions]>([
    ["batch 8 / 8,192 tokens", { batchSize: 8, maxBatchTokens: 8192 }],
    ["batch 2 / 1,024 tokens", { batchSize: 2, maxBatchTokens: 1024 }],
    ["no prompt sharing", { batchSize: 4, sharePrompt: false }],
  ])("2 workers score %s bit for bit as the single session, in row order", async (_, options) => {
    const calls = [{ n: 0 }, { n: 0 }];
    let started = 0;
    const pool = await startScoringPool({
      plan: PLAN2,
      models: [{ role: "policy", folder, hash: base.hash }],
      createClient: () => inProcess(calls[started++]),
      sessionOptions: { executionProviders: ["wasm"] },
    });
    const progress: number[] = [];
    const pooled = pool.scorer("policy", base.scorer);
    const got = await pooled.scorePairs(PAIRS, { ...options, onProgress: (d) => progress.push(d) });
    expectIdentical(got, await base.scorer.scorePairs(PAIRS, options));
    // Both workers took batches, every batch once; progress rises to every pair.
    expect(calls.map((c) => c.n > 0)).toEqual([true, true]);
    expect(calls[0].n + calls[1].n).toBe(base.scorer.planPairs(PAIRS, options).length);
    expect(progress.at(-1)).toBe(PAIRS.length);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    pool.dispose();
    expect(pool.broken).toBe(true);
  });

  it("a worker that dies fails the call with a clear error and leaves the pool broken", async () => {
    const calls = [{ n: 0 }, { n: 0 }];
    let started = 0;
    const pool = await startScoringPool({
      plan: PLAN2,
      models: [{ role: "policy", folder, hash: base.hash }],
      createClient: () => inProcess(calls[started], started++ === 1 ? 2 : Infinity),
      sessionOptions: { executionProviders: ["wasm"] },
    });
    const pooled = pool.scorer("policy", base.scorer);
    const err = await pooled.scorePairs(PAIRS, { batchSize: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerCallError);
    expect(err).toMatchObject({ code: POOL_WORKER_FAILED });
    expect((err as Error).message).toMatch(
      /^scoring worker 2 of 2 failed \(it stopped: RangeError: Array buffer allocation failed\); the rows of this chunk were not stored/,
    );
    expect(pool.broken).toBe(true);
    await expect(pooled.scorePairs(PAIRS.slice(0, 2))).rejects.toMatchObject({ code: POOL_WORKER_FAILED });
  });

  it("refuses a worker whose model differs from the coordinator's", async () => {
    const disposed: boolean[] = [];
    const promise = startScoringPool({
      plan: PLAN2,
      models: [{ role: "policy", folder, hash: "0".repeat(64) }],
      createClient: () => {
        const c = inProcess({ n: 0 });
        const i = disposed.push(false) - 1;
        return { call: c.call, dispose: () => (disposed[i] = true) };
      },
      sessionOptions: { executionProviders: ["wasm"] },
    });
    await expect(promise).rejects.toMatchObject({ code: POOL_WORKER_FAILED });
    await expect(promise).rejects.toThrow(/the policy model's files changed since it was loaded/);
    expect(disposed).toEqual([true, true]);
  });

  it("stops between batches when the signal aborts", async () => {
    const pool = await startScoringPool({
      plan: PLAN2,
      models: [{ role: "policy", folder, hash: base.hash }],
      createClient: () => inProcess({ n: 0 }),
      sessionOptions: { executionProviders: ["wasm"] },
    });
    const ac = new AbortController();
    ac.abort();
    await expect(
      pool.scorer("policy", base.scorer).scorePairs(PAIRS, { batchSize: 2, signal: ac.signal }),
    ).rejects.toMatchObject({ code: "ABORTED" });
    pool.dispose();
  });
});
