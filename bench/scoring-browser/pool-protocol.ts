/**
 * Messages between the throughput page (pool-page.ts) and its scoring workers (pool-worker.ts). Bench-only: the
 * app's scoring worker speaks lib/scoring/protocol.ts.
 */
import type { ScoreOptions } from "@/lib/scoring/engine";
import type { TokenizedPair } from "@/lib/scoring/sequence";

/** How a worker opens its session. */
export interface PoolWorkerInit {
  type: "init";
  /** ORT's WASM thread count in this worker (`env.wasm.numThreads`). */
  threads: number;
  modelUrl: string;
  configUrl: string;
  /** Absolute URL prefix of ORT's .mjs/.wasm. */
  wasmPrefix: string;
  /** onnxruntime-web session options (executionProviders is always ['wasm']). */
  sessionOptions: Record<string, unknown>;
}

/** Score these pairs (a worker's share of the run). */
export interface PoolWorkerScore {
  type: "score";
  pairs: TokenizedPair[];
  options: Pick<ScoreOptions, "batchSize" | "maxBatchTokens" | "sharePrompt">;
}

/** Requests a worker takes. */
export type PoolWorkerRequest = PoolWorkerInit | PoolWorkerScore | { type: "release" };

/** Replies: ready (session made), scored (meanLogp chosen/rejected interleaved), released, or an error. */
export type PoolWorkerReply =
  | { type: "ready"; sessionMs: number; crossOriginIsolated: boolean }
  | { type: "scored"; meanLogp: number[]; ms: number }
  | { type: "released" }
  | { type: "error"; message: string };
