/**
 * Links between workers, each a MessageChannel whose ends go one to each, so the dataset worker is the one owner of
 * rows and columns: a scoring run reads pairs from, and writes its results to, the dataset worker directly (the page
 * only starts runs and shows their stats), and each scatter worker reads the columns it draws from it. Made once,
 * and again after a worker restarted.
 */
import { datasetClient } from "@/lib/dataset-client";
import { scoringClient } from "@/lib/scoring-client";
import type { CallFn } from "@/lib/worker/rpc";
import type { DatasetApi } from "@/lib/workbench/protocol";
import type { ScoringApi } from "@/lib/scoring/protocol";
import type { LinkedSource } from "@/lib/scatter/handlers";

let linked: Promise<void> | null = null;

/** The calls to make the link with (a restore passes the fresh worker's own call function). */
export interface LinkCalls {
  dataset?: CallFn<DatasetApi>;
  scoring?: CallFn<ScoringApi>;
}

/**
 * Links the two workers unless they are linked already; `fresh` links again (a worker restarted). Calls to the
 * worker being restored must go through its restore's call function: pass it in `calls`.
 */
export function linkScoringToDataset(calls: LinkCalls = {}, fresh = false): Promise<void> {
  if (fresh) linked = null;
  linked ??= (async () => {
    const dataset: CallFn<DatasetApi> = calls.dataset ?? ((t, a, o) => datasetClient().call(t, a, o));
    const scoring: CallFn<ScoringApi> = calls.scoring ?? ((t, a, o) => scoringClient().call(t, a, o));
    const { port1, port2 } = new MessageChannel();
    await dataset("linkScoring", { port: port1 }, { transfer: [port1] });
    await scoring("linkDataset", { port: port2 }, { transfer: [port2] });
  })();
  const attempt = linked;
  attempt.catch(() => {
    if (linked === attempt) linked = null;
  });
  return attempt;
}

/** Forgets the link (a worker died): the next {@link linkScoringToDataset} makes a new one. */
export function dropScoringLink(): void {
  linked = null;
}

/** A port linked to the dataset worker for one scatter worker (lib/scatter-client.ts `link`). */
export async function linkScatterPort(): Promise<MessagePort> {
  const { port1, port2 } = new MessageChannel();
  await datasetClient().call("linkScatter", { port: port1 }, { transfer: [port1] });
  return port2;
}

/**
 * Where a scatter drawn on the main thread (no OffscreenCanvas) reads its linked columns: the dataset worker's
 * `scatterRead`, the read a scatter worker makes over its link (only then do columns come to the page: it draws them).
 */
export const mainThreadScatterSource: LinkedSource = {
  read: (request) => datasetClient().call("scatterRead", request),
};
