/// <reference lib="webworker" />
/** Dataset worker: parsing, selection, row fetch and export run here, off the main thread. */
import { createWorkerBlobReader, type BlobReadWorker } from "@/lib/dataset/readers/blob-reader";
import { setBlobReader } from "@/lib/dataset/readers/bytes";
import { cleanStaleDecompressed } from "@/lib/dataset/readers/gzip";
import { serveWorker } from "@/lib/worker/rpc";
import { createDatasetHandlers } from "@/lib/workbench/handlers";
import type { DatasetApi } from "@/lib/workbench/protocol";

// File reads run on a helper worker where this browser can start one from a worker (lib/dataset/readers/blob-reader.ts).
if (typeof Worker === "function") {
  setBlobReader(
    createWorkerBlobReader(
      () =>
        new Worker(new URL("./blob-reader.worker.ts", import.meta.url), {
          type: "module",
          name: "blob-reader",
        }) as unknown as BlobReadWorker,
    ),
  );
}
serveWorker<DatasetApi>(self as unknown as DedicatedWorkerGlobalScope, createDatasetHandlers());
// Decompressed .gz copies (OPFS) left by closed or crashed tabs: their locks are free, so nobody reads them.
void cleanStaleDecompressed();
