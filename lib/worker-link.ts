/**
 * The link between the scoring worker and the dataset worker: a MessageChannel whose ends go one to each, so a
 * scoring run reads pairs from, and writes its results to, the dataset worker directly (the page only starts runs
 * and shows their stats). Made once, and again after either worker restarted.
 */
import { datasetClient } from "@/lib/dataset-client";
import { scoringClient } from "@/lib/scoring-client";
import type { CallFn } from "@/lib/worker/rpc";
import type { DatasetApi } from "@/lib/workbench/protocol";
import type { ScoringApi } from "@/lib/scoring/protocol";

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
