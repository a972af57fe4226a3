/// <reference lib="webworker" />
/** Dataset worker: parsing, selection, row fetch and export run here, off the main thread. */
import { serveWorker } from "@/lib/worker/rpc";
import { createDatasetHandlers } from "@/lib/workbench/handlers";
import type { DatasetApi } from "@/lib/workbench/protocol";

serveWorker<DatasetApi>(self as unknown as DedicatedWorkerGlobalScope, createDatasetHandlers());
