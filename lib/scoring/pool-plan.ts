/**
 * Scoring on several WASM workers at once: how many workers and threads each for the cores a browser reports, and
 * which rows each worker scores. Pure (unit-tested); the bench (`bench/scoring-browser/realistic.ts`) measured the
 * choices on 2 cores.
 */

/** Cost of a row for balancing: its tokens (prompt + both responses of a pair, or one sequence). */
export type RowCost = number;

/**
 * Splits rows 0..n-1 into `parts` contiguous blocks of nearly equal total cost (a block boundary falls where the
 * running cost is nearest k/parts of the total), so each worker's results come back as one run of rows and every
 * block's sum lies within the largest row of total/parts. Never returns an empty block while rows remain for it;
 * fewer rows than parts gives one row per block; all-zero costs split by row count.
 */
export function partitionRows(costs: readonly RowCost[], parts: number): number[][] {
  if (!Number.isInteger(parts) || parts < 1) throw new RangeError(`parts must be a positive integer, got ${parts}`);
  for (const c of costs) {
    if (!(c >= 0)) throw new RangeError(`row costs must be non-negative numbers, got ${c}`);
  }
  const n = costs.length;
  const k = Math.min(parts, n);
  if (k === 0) return [];
  const sum0 = costs.reduce((a, b) => a + b, 0);
  const cost = sum0 > 0 ? costs : costs.map(() => 1);
  const total = sum0 > 0 ? sum0 : n;
  const blocks: number[][] = [];
  let start = 0;
  let before = 0;
  for (let b = 0; b < k; b++) {
    const last = b === k - 1;
    // Leave at least one row for each block still to come.
    const maxEnd = n - (k - 1 - b);
    let end = start + 1;
    let sum = before + cost[start];
    const target = (total * (b + 1)) / k;
    while (!last && end < maxEnd && Math.abs(sum + cost[end] - target) <= Math.abs(sum - target)) {
      sum += cost[end];
      end++;
    }
    if (last) {
      end = n;
      sum = total;
    }
    blocks.push(Array.from({ length: end - start }, (_, i) => start + i));
    before = sum;
    start = end;
  }
  return blocks;
}

/** What {@link planScoringPool} decides from. */
export interface PoolPlanInput {
  backend: "wasm" | "webgpu";
  /** Logical cores (`navigator.hardwareConcurrency`). */
  cores: number;
  /** SharedArrayBuffer is available, so a worker may run several WASM threads. */
  crossOriginIsolated: boolean;
  /** Graph plus external data: every worker holds its own copy of the weights. */
  modelBytes: number;
  /** Rows (pairs) the run scores and rows per batch: a worker with less than one batch is not worth its start. */
  rows: number;
  batchSize: number;
  /** Memory all workers' models may take together (default {@link DEFAULT_POOL_MEMORY_BYTES}). */
  memoryBudgetBytes?: number;
  /** A worker count set by the page (the `?scoringWorkers=N` dev option), 1..4; WASM only. */
  forcedWorkers?: number;
}

/** How many scoring workers to start and the WASM threads of each. */
export interface PoolPlan {
  workers: number;
  threadsPerWorker: number;
  /** Workers × threads and the limit that decided them, for the run's notice ({@link describePool}). */
  reason: string;
  /** The limit alone ("2 cores", "memory for the model copies", "set by the page", …). */
  bound: string;
}

/** "2 workers × 1 thread (2 cores)": a plan's notice. */
export function describePool(workers: number, threadsPerWorker: number, bound: string): string {
  return `${workers} worker${workers > 1 ? "s" : ""} × ${threadsPerWorker} thread${threadsPerWorker > 1 ? "s" : ""} (${bound})`;
}

/** Default memory for the pool's model copies: 2 GiB (half of one 32-bit WASM heap). */
export const DEFAULT_POOL_MEMORY_BYTES = 2 * 1024 ** 3;
/** More workers than this only multiply memory; ORT's own threads gain little past 4 (backend.ts). */
const MAX_WORKERS = 4;
/** A worker's memory beyond its model: ORT's arena, activations, the runtime itself. */
const WORKER_OVERHEAD_BYTES = 128 * 1024 ** 2;

/**
 * Workers × threads for a scoring run. On WASM, one single-threaded worker per core beat one worker with a thread per
 * core on the 2-core machine the bench ran on (bench/scoring-browser/realistic.ts): independent sessions never wait
 * at each other's barriers, which on shared cores is where multi-threaded ORT loses its time, and without
 * cross-origin isolation workers are the only way to use more than one core. The count is capped by cores, by
 * memory (a model copy each), by the rows (at least one batch each) and at 4; spare cores go to threads when the
 * page is isolated. WebGPU runs on one device: one worker.
 */
export function planScoringPool(input: PoolPlanInput): PoolPlan {
  const { backend, crossOriginIsolated, modelBytes, rows, batchSize } = input;
  const cores = Math.max(1, Math.floor(input.cores) || 1);
  const threadCap = crossOriginIsolated ? Math.min(4, cores) : 1;
  if (backend === "webgpu")
    return {
      workers: 1,
      threadsPerWorker: threadCap,
      reason: "WebGPU: one device, one worker",
      bound: "WebGPU: one device, one worker",
    };
  const budget = input.memoryBudgetBytes ?? DEFAULT_POOL_MEMORY_BYTES;
  const byMemory = Math.max(1, Math.floor(budget / (1.25 * Math.max(0, modelBytes) + WORKER_OVERHEAD_BYTES)));
  const byRows = Math.max(1, Math.ceil(Math.max(0, rows) / Math.max(1, batchSize)));
  const limits: [number, string][] = [
    [
      Math.min(cores, MAX_WORKERS),
      cores > MAX_WORKERS ? `at most ${MAX_WORKERS} workers` : `${cores} core${cores > 1 ? "s" : ""}`,
    ],
    [byMemory, "memory for the model copies"],
    [byRows, "rows for one batch per worker"],
  ];
  const forced = input.forcedWorkers;
  if (forced !== undefined) {
    if (!Number.isInteger(forced) || forced < 1 || forced > MAX_WORKERS)
      throw new RangeError(`forced workers must be 1..${MAX_WORKERS}, got ${forced}`);
    limits.splice(0, limits.length, [forced, "set by the page"]);
  }
  const [workers, bound] = limits.reduce((a, b) => (b[0] < a[0] ? b : a));
  const threadsPerWorker = crossOriginIsolated ? Math.max(1, Math.min(4, Math.floor(cores / workers))) : 1;
  return { workers, threadsPerWorker, reason: describePool(workers, threadsPerWorker, bound), bound };
}

/**
 * The dev option `?scoringWorkers=N` (1..4) of the page's address: the worker count a run is forced to (for tests
 * and benches comparing the pool with one worker); undefined when absent or not a count.
 */
export function forcedWorkersFromQuery(search: string): number | undefined {
  const v = new URLSearchParams(search).get("scoringWorkers");
  const n = v === null ? NaN : Number(v);
  return Number.isInteger(n) && n >= 1 && n <= MAX_WORKERS ? n : undefined;
}
