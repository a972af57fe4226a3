/**
 * The scoring worker's pool of forward workers (WASM): each holds its own ONNX Runtime session of the run's language
 * models with the threads of {@link planScoringPool}, and the coordinator (the scoring worker) shares out the
 * batches of every `scorePairs` call among them.
 *
 * Why batches and a queue rather than contiguous blocks of rows per worker (`partitionRows`): a batch's numbers
 * depend on which rows share its padded tensors (float rounding), so the pool runs exactly the batches one session
 * would run ({@link LogprobScorer.planPairs}) and the results are bit for bit those of the single-worker path; and a
 * queue (longest batch first, to whichever worker is free) keeps both cores busy when one is slowed by other load.
 * Results are put back in row order before the pipeline stores and delivers the chunk. A worker that dies fails
 * the call with a clear error (code {@link POOL_WORKER_FAILED}) and marks the pool broken: the chunk in flight is
 * neither stored nor delivered, so no row is lost or misplaced, and the next run starts fresh workers.
 */
import { WorkerCallError, isWorkerCrash, type CallFn } from "@/lib/worker/rpc";
import {
  ScoringEngineError,
  type LogprobScorer,
  type PairJob,
  type PairScore,
  type ResponseScore,
  type ScoreOptions,
} from "./engine";
import type { ForwardApi, ForwardRole, ForwardScoreOptions } from "./forward-protocol";
import type { ModelFolder } from "./model-source";
import type { PoolPlan } from "./pool-plan";
import type { TokenizedPair } from "./sequence";

/** Error code of a run stopped because a forward worker failed or died. */
export const POOL_WORKER_FAILED = "pool-worker-failed";

/** The part of a worker client the pool uses (lib/worker/rpc.ts `createWorkerClient` fits). */
export interface ForwardClient {
  call: CallFn<ForwardApi>;
  dispose(): void;
  /** Tells of the worker's death (between calls too), so an idle pool with a dead worker is replaced, not used. */
  onCrash?(listener: () => void): () => void;
}

/** A model the pool's workers open: its slot, the folder read again from its source, and the hash it must have. */
export interface PoolModel {
  role: ForwardRole;
  folder: ModelFolder;
  hash: string;
}

/** Options of {@link startScoringPool}. */
export interface ScoringPoolOptions {
  plan: PoolPlan;
  models: PoolModel[];
  /** Starts one forward worker (a fresh one per call). */
  createClient(): ForwardClient;
  sessionOptions: Record<string, unknown>;
}

/** Started forward workers with the run's models loaded. */
export interface ScoringPool {
  readonly plan: PoolPlan;
  /** Hashes of the loaded models by slot (the pool is reused while they match). */
  readonly hashes: ReadonlyMap<ForwardRole, string>;
  /** A worker failed or died during a call: dispose the pool, start another for the next run. */
  readonly broken: boolean;
  /** `base`'s scorer with its `scorePairs` batches run on the pool's workers (`scoreSequences` as well). */
  scorer(role: ForwardRole, base: LogprobScorer): LogprobScorer;
  dispose(): void;
}

/** The options a job carries to a worker. */
function wireOptions(o: ScoreOptions): ForwardScoreOptions {
  const { batchSize, maxBatchTokens, maxLogitsBytes, sharePrompt } = o;
  return { batchSize, maxBatchTokens, maxLogitsBytes, sharePrompt };
}

/** Tokens a job feeds (its cost for longest-first order). */
function jobTokens(job: PairJob, pairs: readonly TokenizedPair[]): number {
  const seqLen = (s: { promptIds: readonly number[]; responseIds: readonly number[] }) =>
    s.promptIds.length + s.responseIds.length;
  if (job.kind === "pairs")
    return job.pairs.reduce((a, i) => a + seqLen(pairs[i].chosen) + seqLen(pairs[i].rejected), 0);
  return job.sequences.reduce((a, k) => a + seqLen(k % 2 ? pairs[k >> 1].rejected : pairs[k >> 1].chosen), 0);
}

/** Starts `plan.workers` forward workers and loads every model in each; any failure disposes them all and throws. */
export async function startScoringPool(options: ScoringPoolOptions): Promise<ScoringPool> {
  const { plan, models, sessionOptions } = options;
  const clients = Array.from({ length: plan.workers }, () => options.createClient());
  let broken = false;
  const dispose = () => {
    for (const c of clients) c.dispose();
  };
  try {
    // Workers load side by side (session creation is single-threaded, one core each); a worker's models in turn.
    await Promise.all(
      clients.map(async (client, w) => {
        for (const m of models) {
          const r = await client
            .call("load", { role: m.role, folder: m.folder, threads: plan.threadsPerWorker, sessionOptions })
            .catch((e: unknown) => {
              throw new WorkerCallError(
                `scoring worker ${w + 1} of ${plan.workers} could not open the ${m.role} model: ${(e as Error).message}`,
                POOL_WORKER_FAILED,
              );
            });
          if (r.hash !== m.hash) {
            throw new WorkerCallError(
              `the ${m.role} model's files changed since it was loaded (hash ${r.hash.slice(0, 12)} ≠ ` +
                `${m.hash.slice(0, 12)}): load the model again`,
              POOL_WORKER_FAILED,
            );
          }
        }
      }),
    );
  } catch (e) {
    dispose();
    throw e;
  }
  const hashes = new Map(models.map((m) => [m.role, m.hash] as const));
  // A fresh worker started in a dead one's place would hold no model: the pool is done once any worker dies.
  for (const c of clients) c.onCrash?.(() => (broken = true));

  /** Runs `jobs` on the workers (longest first, each to the next free worker); `run` stores each job's result. */
  async function share<T>(
    jobs: T[],
    cost: (job: T) => number,
    run: (client: ForwardClient, job: T) => Promise<void>,
    signal?: AbortSignal,
  ): Promise<void> {
    if (broken)
      throw new WorkerCallError("the scoring workers stopped: score again to start fresh ones", POOL_WORKER_FAILED);
    const order = jobs.map((job, i) => ({ job, i, c: cost(job) })).sort((a, b) => b.c - a.c || a.i - b.i);
    let next = 0;
    let failure: unknown = null;
    await Promise.all(
      clients.map(async (client, w) => {
        while (next < order.length && failure === null && !signal?.aborted) {
          const { job } = order[next++];
          try {
            await run(client, job);
          } catch (e) {
            if (failure !== null) return;
            broken = true;
            const why = isWorkerCrash(e) ? `it stopped: ${e.detail.cause}` : (e as Error).message;
            failure = new WorkerCallError(
              `scoring worker ${w + 1} of ${plan.workers} failed (${why}); the rows of this chunk were not stored: ` +
                "Score dataset again to go on (finished rows come back from stored results)",
              POOL_WORKER_FAILED,
            );
          }
        }
      }),
    );
    if (failure !== null) throw failure;
    if (signal?.aborted) throw new ScoringEngineError("scoring aborted", "ABORTED");
  }

  return {
    plan,
    hashes,
    get broken() {
      return broken;
    },
    scorer(role, base) {
      return {
        layout: base.layout,
        planPairs: base.planPairs,
        // Runs use scorePairs; a lone sequence call (none in a run) stays on the coordinator's own session.
        scoreSequences: (seqs, o) => base.scoreSequences(seqs, o),
        async scorePairs(pairs, o = {}) {
          const jobs = base.planPairs(pairs, o);
          const results = new Array<PairScore>(pairs.length);
          const sides = new Map<number, ResponseScore>();
          let done = 0;
          await share(
            jobs,
            (job) => jobTokens(job, pairs),
            async (client, job) => {
              if (job.kind === "pairs") {
                const r = await client.call("scorePairs", {
                  role,
                  pairs: job.pairs.map((i) => pairs[i]),
                  options: wireOptions(o),
                });
                job.pairs.forEach((i, k) => (results[i] = r[k]));
                done += job.pairs.length;
              } else {
                const r = await client.call("scoreSequences", {
                  role,
                  sequences: job.sequences.map((k) => (k % 2 ? pairs[k >> 1].rejected : pairs[k >> 1].chosen)),
                  options: wireOptions(o),
                });
                job.sequences.forEach((k, n) => sides.set(k, r[n]));
                done += job.sequences.length / 2;
              }
              o.onProgress?.(done, pairs.length);
            },
            o.signal,
          );
          if (sides.size) {
            pairs.forEach((_, i) => (results[i] = { chosen: sides.get(2 * i)!, rejected: sides.get(2 * i + 1)! }));
          }
          return results;
        },
      };
    },
    dispose() {
      // Terminating a worker frees its WASM heap, sessions included.
      broken = true;
      dispose();
    },
  };
}
