/** Typed client of the dataset worker: the only way components reach parsing, selection and export. */
import { createWorkerClient, latestOnly, type WorkerClient } from "@/lib/worker/rpc";
import type { DatasetApi } from "@/lib/workbench/protocol";

let client: WorkerClient<DatasetApi> | null = null;

/**
 * The shared dataset worker client (the worker starts on first use; one that dies is reported and replaced, see
 * lib/worker/rpc.ts, and components/workbench-store.ts reopens the file with its selection).
 */
export function datasetClient(): WorkerClient<DatasetApi> {
  client ??= createWorkerClient<DatasetApi>(
    () => new Worker(new URL("../workers/dataset.worker.ts", import.meta.url), { type: "module", name: "dataset" }),
    { name: "dataset" },
  );
  return client;
}

/**
 * `compare` coalesced: only the newest settings are computed (superseded calls resolve to null); it ranks every
 * metric (about a second at 10^6 rows), so a backlog would hold up the selects queued behind it in the worker.
 * (`select` is kept in step by components/workbench-store.ts with lib/workbench/latest-sync.ts.)
 */
export const compareLatest = latestOnly((args: DatasetApi["compare"]["args"]) => datasetClient().call("compare", args));
