/** Typed client of the scoring worker: the only way components reach model loading and scoring. */
import { createWorkerClient, type WorkerClient } from "@/lib/worker/rpc";
import type { ScoringApi } from "@/lib/scoring/protocol";

export { clearModelCache, modelCacheBytes } from "@/lib/scoring/model-cache";
export { HUB_ENDPOINT, ONNX_VARIANTS, parseHubEndpoint, parseModelLocation } from "@/lib/scoring/model-source";
export type { ModelSource } from "@/lib/scoring/protocol";

let client: WorkerClient<ScoringApi> | null = null;

/**
 * The shared scoring worker client (the worker starts on first use; one that dies is reported and replaced, see
 * lib/worker/rpc.ts, and components/scoring-store.ts restores its dataset and models).
 */
export function scoringClient(): WorkerClient<ScoringApi> {
  client ??= createWorkerClient<ScoringApi>(
    () => new Worker(new URL("../workers/scoring.worker.ts", import.meta.url), { type: "module", name: "scoring" }),
    { name: "scoring" },
  );
  return client;
}
