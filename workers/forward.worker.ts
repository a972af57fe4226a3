/// <reference lib="webworker" />
/** Forward worker: one of the scoring worker's pool, running ONNX Runtime (WASM) on the token batches it is sent. */
import { serveWorker } from "@/lib/worker/rpc";
import { loadOrtWeb } from "@/lib/scoring/backend";
import { createForwardHandlers } from "@/lib/scoring/forward-handlers";
import type { ForwardApi } from "@/lib/scoring/forward-protocol";

serveWorker<ForwardApi>(self as unknown as DedicatedWorkerGlobalScope, createForwardHandlers({ loadOrt: loadOrtWeb }));
