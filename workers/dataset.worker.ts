/// <reference lib="webworker" />
/** Dataset worker: parsing, selection, row fetch and export run here, off the main thread. */
import { cleanStaleDecompressed } from "@/lib/dataset/readers/gzip";
import { serveWorker } from "@/lib/worker/rpc";
import { createDatasetHandlers } from "@/lib/workbench/handlers";
import type { DatasetApi } from "@/lib/workbench/protocol";

serveWorker<DatasetApi>(self as unknown as DedicatedWorkerGlobalScope, createDatasetHandlers());
// Decompressed .gz copies (OPFS) left by closed or crashed tabs: their locks are free, so nobody reads them.
void cleanStaleDecompressed();
