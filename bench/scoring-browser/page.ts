/**
 * Browser side of the scoring benchmark (bundled by run.ts with esbuild, once per onnxruntime-web build: page-wasm.ts
 * and page-webgpu.ts): rewrites the demo LM with the app's `addTokenLogprobOutput`, and times
 * `createLogprobScorer(...).scorePairs` on token ids tokenized once in Node, with and without prompt sharing. One
 * page per thread count: ORT fixes `env.wasm.numThreads` when its WASM module starts. On WebGPU the session keeps
 * present.* on the GPU (the app's `withGpuResidentCache`) unless `gpuResidentKv` is false.
 */
import type * as OrtWeb from "onnxruntime-web";
import { createLogprobScorer, type TensorCtor } from "@/lib/scoring/engine";
import { addTokenLogprobOutput } from "@/lib/scoring/logprob-graph";
import { withGpuResidentCache } from "@/lib/scoring/model-loader";
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
  /** Execution provider; "webgpu" needs the page-webgpu bundle and a WebGPU adapter. */
  backend: "wasm" | "webgpu";
  /** WebGPU only: keep the prompt's KV cache on the GPU between the chosen and rejected runs. */
  gpuResidentKv: boolean;
  /** Prompt-sharing modes to time (default both). */
  shareModes?: boolean[];
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

async function run(ort: typeof OrtWeb, c: PageConfig): Promise<PageResult> {
  ort.env.wasm.numThreads = c.threads;
  ort.env.wasm.wasmPaths = new URL(c.wasmPrefix, location.href).href;
  const [modelBytes, config] = await Promise.all([
    fetch(c.modelUrl).then((r) => r.arrayBuffer()),
    fetch(c.configUrl).then((r) => r.json() as Promise<Record<string, unknown>>),
  ]);
  const t0 = performance.now();
  const model = addTokenLogprobOutput(new Uint8Array(modelBytes));
  const base = { executionProviders: [c.backend], graphOptimizationLevel: "all" };
  const options = c.gpuResidentKv ? withGpuResidentCache(model, base) : base;
  const session = await ort.InferenceSession.create(model, options as OrtWeb.InferenceSession.SessionOptions);
  const sessionMs = performance.now() - t0;
  const scorer = createLogprobScorer(session, ort.Tensor as unknown as TensorCtor, config);
  const runs: PageRun[] = [];
  for (const sharePrompt of c.shareModes ?? [false, true]) {
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

/** Registers `window.scoringBench` for `ort` (only in the page: ORT's pthread workers load another script). */
export function registerBench(ort: typeof OrtWeb): void {
  if (typeof window === "undefined") return;
  (window as unknown as { scoringBench: { run(c: PageConfig): Promise<PageResult> } }).scoringBench = {
    run: (c) => run(ort, c),
  };
}
