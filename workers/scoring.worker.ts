/// <reference lib="webworker" />
/** Scoring worker: model loading, tokenization and ONNX Runtime inference run here, off the main thread. */
import { serveWorker } from "@/lib/worker/rpc";
import { loadOrtWeb, probeWebGpu, wasmThreads } from "@/lib/scoring/backend";
import { createIndexedDbGenerationStore } from "@/lib/generation/result-store";
import { createIndexedDbResultStore } from "@/lib/scoring/result-store";
import { createScoringHandlers } from "@/lib/scoring/worker-handlers";
import type { ScoringApi } from "@/lib/scoring/protocol";

serveWorker<ScoringApi>(
  self as unknown as DedicatedWorkerGlobalScope,
  createScoringHandlers({
    store: createIndexedDbResultStore(),
    generationStore: createIndexedDbGenerationStore(),
    loadOrt: loadOrtWeb,
    probeGpu: probeWebGpu,
    threads: wasmThreads,
  }),
);
