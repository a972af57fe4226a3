/// <reference lib="webworker" />
/** Scoring worker: model loading, tokenization and ONNX Runtime inference run here, off the main thread. */
import { createWorkerClient, serveWorker } from "@/lib/worker/rpc";
import { loadOrtWeb, probeWebGpu, wasmThreads } from "@/lib/scoring/backend";
import { createIndexedDbGenerationStore } from "@/lib/generation/result-store";
import { createIndexedDbResultStore } from "@/lib/scoring/result-store";
import { createScoringHandlers } from "@/lib/scoring/worker-handlers";
import type { ForwardApi } from "@/lib/scoring/forward-protocol";
import type { ScoringApi } from "@/lib/scoring/protocol";

// Nested dedicated workers: Chromium, Firefox and Safari ≥ 15.5 have them; where `Worker` is missing here, every
// run scores in this worker.
const forwardWorker =
  typeof Worker === "undefined"
    ? undefined
    : () =>
        createWorkerClient<ForwardApi>(
          () => new Worker(new URL("./forward.worker.ts", import.meta.url), { type: "module", name: "forward" }),
          { name: "forward" },
        );

serveWorker<ScoringApi>(
  self as unknown as DedicatedWorkerGlobalScope,
  createScoringHandlers({
    store: createIndexedDbResultStore(),
    generationStore: createIndexedDbGenerationStore(),
    loadOrt: loadOrtWeb,
    probeGpu: probeWebGpu,
    threads: wasmThreads,
    forwardWorker,
    cores: () => navigator.hardwareConcurrency || 1,
    crossOriginIsolated: () => self.crossOriginIsolated === true,
  }),
);
