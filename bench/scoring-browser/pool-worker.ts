/**
 * One scoring worker of the throughput bench: onnxruntime-web (WASM) with `threads` threads, the app's log-prob
 * rewrite and engine, scoring the pairs it is sent.
 */
import * as ort from "onnxruntime-web/wasm";
import { createLogprobScorer, type LogprobScorer, type TensorCtor } from "@/lib/scoring/engine";
import { addTokenLogprobOutput } from "@/lib/scoring/logprob-graph";
import type { PoolWorkerReply, PoolWorkerRequest } from "./pool-protocol";

let scorer: LogprobScorer | null = null;
let session: ort.InferenceSession | null = null;
const post = (m: PoolWorkerReply) => (self as unknown as Worker).postMessage(m);

async function handle(m: PoolWorkerRequest): Promise<PoolWorkerReply> {
  if (m.type === "init") {
    ort.env.wasm.numThreads = m.threads;
    ort.env.wasm.wasmPaths = m.wasmPrefix;
    const [bytes, config] = await Promise.all([
      fetch(m.modelUrl).then((r) => r.arrayBuffer()),
      fetch(m.configUrl).then((r) => r.json() as Promise<Record<string, unknown>>),
    ]);
    const t0 = performance.now();
    const model = addTokenLogprobOutput(new Uint8Array(bytes));
    const options = { ...m.sessionOptions, executionProviders: ["wasm"] } as ort.InferenceSession.SessionOptions;
    session = await ort.InferenceSession.create(model, options);
    scorer = createLogprobScorer(session, ort.Tensor as unknown as TensorCtor, config);
    return { type: "ready", sessionMs: performance.now() - t0, crossOriginIsolated: self.crossOriginIsolated };
  }
  if (m.type === "score") {
    if (!scorer) throw new Error("score before init");
    const t0 = performance.now();
    const scores = await scorer.scorePairs(m.pairs, m.options);
    const meanLogp = scores.flatMap((s) => [s.chosen.meanLogp, s.rejected.meanLogp]);
    return { type: "scored", meanLogp, ms: performance.now() - t0 };
  }
  await session?.release();
  session = null;
  scorer = null;
  return { type: "released" };
}

self.onmessage = (e: MessageEvent<PoolWorkerRequest>) =>
  void handle(e.data).then(post, (err: unknown) =>
    post({ type: "error", message: String((err as Error)?.stack ?? err) }),
  );
