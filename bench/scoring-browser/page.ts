/**
 * Browser side of the scoring benchmark (bundled by run.ts with esbuild): loads onnxruntime-web's WASM build,
 * rewrites the demo LM with the app's `addTokenLogprobOutput`, and times `createLogprobScorer(...).scorePairs`
 * on token ids tokenized once in Node, with and without prompt sharing. One page per thread count: ORT fixes
 * `env.wasm.numThreads` when its WASM module starts.
 */
import * as ort from "onnxruntime-web/wasm";
import { createLogprobScorer } from "@/lib/scoring/engine";
import { addTokenLogprobOutput } from "@/lib/scoring/logprob-graph";
import type { TokenizedPair } from "@/lib/scoring/sequence";

/** One page's settings. */
export interface PageConfig {
  threads: number;
  pairs: TokenizedPair[];
  /** Timed passes per prompt-sharing mode (after one warm-up pass over the first batch). */
  reps: number;
  batchSize: number;
  /** URLs relative to the page. */
  modelUrl: string;
  configUrl: string;
  wasmPrefix: string;
}

/** Timings and results of one prompt-sharing mode. */
export interface PageRun {
  sharePrompt: boolean;
  /** Wall time of each timed pass over all pairs (ms). */
  ms: number[];
  /** meanLogp of chosen and rejected, interleaved per pair, from the last pass. */
  meanLogp: number[];
}

/** What a page reports back. */
export interface PageResult {
  threads: number;
  crossOriginIsolated: boolean;
  sessionMs: number;
  runs: PageRun[];
}

async function run(c: PageConfig): Promise<PageResult> {
  ort.env.wasm.numThreads = c.threads;
  ort.env.wasm.wasmPaths = new URL(c.wasmPrefix, location.href).href;
  const [modelBytes, config] = await Promise.all([
    fetch(c.modelUrl).then((r) => r.arrayBuffer()),
    fetch(c.configUrl).then((r) => r.json() as Promise<Record<string, unknown>>),
  ]);
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(addTokenLogprobOutput(new Uint8Array(modelBytes)), {
    executionProviders: ["wasm"],
    graphOptimizationLevel: "all",
  });
  const sessionMs = performance.now() - t0;
  const scorer = createLogprobScorer(session, ort.Tensor, config);
  const runs: PageRun[] = [];
  for (const sharePrompt of [false, true]) {
    const options = { sharePrompt, batchSize: c.batchSize };
    await scorer.scorePairs(c.pairs.slice(0, c.batchSize), options);
    const ms: number[] = [];
    let meanLogp: number[] = [];
    for (let r = 0; r < c.reps; r++) {
      const start = performance.now();
      const scores = await scorer.scorePairs(c.pairs, options);
      ms.push(performance.now() - start);
      meanLogp = scores.flatMap((s) => [s.chosen.meanLogp, s.rejected.meanLogp]);
    }
    runs.push({ sharePrompt, ms, meanLogp });
  }
  await session.release();
  return { threads: c.threads, crossOriginIsolated: globalThis.crossOriginIsolated === true, sessionMs, runs };
}

// Only the page registers the entry point (ORT's own pthread workers load ort-wasm-simd-threaded.mjs, not this).
if (typeof window !== "undefined") {
  (window as unknown as { scoringBench: { run: typeof run } }).scoringBench = { run };
}
