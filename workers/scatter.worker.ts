/// <reference lib="webworker" />
/** Scatter worker: rasterizes the margin scatter into an OffscreenCanvas and answers hit-tests. */
import { serveWorker } from "@/lib/worker/rpc";
import { createScatterHandlers } from "@/lib/scatter/handlers";
import type { ScatterApi } from "@/lib/scatter/protocol";

serveWorker<ScatterApi>(self as unknown as DedicatedWorkerGlobalScope, createScatterHandlers());
