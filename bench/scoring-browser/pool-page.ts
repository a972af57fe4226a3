/**
 * Page side of the throughput bench (realistic.ts). `setup` starts every configuration's scoring workers
 * (pool-worker.ts; `workers` of them with `threads` WASM threads each) and warms them up; `pass(k)` then times
 * configuration k over all pairs, from the first request to the last reply. The driver interleaves passes of all
 * configurations (and of onnxruntime-node) round by round, so that the load of a shared machine falls on all alike.
 */
import type { ScoreOptions } from "@/lib/scoring/engine";
import type { TokenizedPair } from "@/lib/scoring/sequence";
import type { PoolWorkerReply, PoolWorkerRequest } from "./pool-protocol";

/** One configuration: workers × threads, batch shape, session options, and each worker's pairs. */
export interface PoolSetup {
  workers: number;
  threads: number;
  /** Indices into the pairs, one list per worker. */
  partition: number[][];
  options: Pick<ScoreOptions, "batchSize" | "maxBatchTokens" | "sharePrompt">;
  sessionOptions: Record<string, unknown>;
}

/** What every configuration shares. */
export interface PoolCommon {
  pairs: TokenizedPair[];
  /** URLs relative to the page. */
  modelUrl: string;
  configUrl: string;
  wasmPrefix: string;
}

/** One timed pass: wall time and meanLogp of chosen and rejected, interleaved per pair in the pairs' order. */
export interface PoolPass {
  ms: number;
  meanLogp: number[];
}

/** The page's API (window.scoringPool). */
export interface ScoringPoolApi {
  /** Starts and warms up every configuration; returns each one's slowest session creation (ms). */
  setup(configs: PoolSetup[], common: PoolCommon): Promise<{ sessionMs: number[]; crossOriginIsolated: boolean }>;
  pass(k: number): Promise<PoolPass>;
  teardown(): Promise<void>;
}

function call(w: Worker, m: PoolWorkerRequest): Promise<PoolWorkerReply> {
  return new Promise((resolve, reject) => {
    w.onmessage = (e: MessageEvent<PoolWorkerReply>) =>
      e.data.type === "error" ? reject(new Error(e.data.message)) : resolve(e.data);
    w.onerror = (e) => reject(new Error(`worker failed: ${e.message}`));
    w.postMessage(m);
  });
}

let live: { setup: PoolSetup; workers: Worker[] }[] = [];
let shared: PoolCommon | null = null;

async function scoreAll(k: number, limit?: number): Promise<PoolPass> {
  const { setup, workers } = live[k];
  const pairs = shared!.pairs;
  const t0 = performance.now();
  const replies = await Promise.all(
    workers.map((w, j) =>
      call(w, {
        type: "score",
        pairs: setup.partition[j].slice(0, limit).map((i) => pairs[i]),
        options: setup.options,
      }),
    ),
  );
  const ms = performance.now() - t0;
  const meanLogp = new Array<number>(2 * pairs.length).fill(NaN);
  replies.forEach((r, j) => {
    if (r.type !== "scored") throw new Error(`unexpected reply ${r.type}`);
    setup.partition[j].slice(0, limit).forEach((i, n) => {
      meanLogp[2 * i] = r.meanLogp[2 * n];
      meanLogp[2 * i + 1] = r.meanLogp[2 * n + 1];
    });
  });
  return { ms, meanLogp };
}

const api: ScoringPoolApi = {
  async setup(configs, common) {
    shared = common;
    const abs = (u: string) => new URL(u, location.href).href;
    const sessionMs: number[] = [];
    let isolated = globalThis.crossOriginIsolated === true;
    for (const setup of configs) {
      const workers = Array.from({ length: setup.workers }, () => new Worker("./pool-worker.js", { type: "module" }));
      live.push({ setup, workers });
      let slowest = 0;
      // One worker at a time: model copies arriving together would only contend for the same cores.
      for (const w of workers) {
        const r = await call(w, {
          type: "init",
          threads: setup.threads,
          modelUrl: abs(common.modelUrl),
          configUrl: abs(common.configUrl),
          wasmPrefix: abs(common.wasmPrefix),
          sessionOptions: setup.sessionOptions,
        });
        if (r.type !== "ready") throw new Error(`unexpected reply ${r.type}`);
        slowest = Math.max(slowest, r.sessionMs);
        isolated &&= r.crossOriginIsolated;
      }
      sessionMs.push(slowest);
      // Warm-up: each worker's first batch (kernels, arena, thread pool start).
      await scoreAll(live.length - 1, setup.options.batchSize ?? 8);
    }
    return { sessionMs, crossOriginIsolated: isolated };
  },
  pass: (k) => scoreAll(k),
  async teardown() {
    for (const { workers } of live) {
      for (const w of workers) {
        await call(w, { type: "release" }).catch(() => undefined);
        w.terminate();
      }
    }
    live = [];
    shared = null;
  },
};

(window as unknown as { scoringPool: ScoringPoolApi }).scoringPool = api;
