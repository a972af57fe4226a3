/**
 * The scoring worker's handlers: loaded models per role, a link to the dataset worker (the one owner of rows and
 * result columns: pairs are read and results written over it), and one run at a time with pause / resume / cancel. Kept out of the worker file (dependencies injected) so Node
 * tests drive them with onnxruntime-web's Node build and an in-memory result store.
 */
import { sha256Hex } from "@/lib/dataset/hash";
import { formatProblem } from "@/lib/dataset/types";
import { HandlerError, WorkerCallError, type Handlers } from "@/lib/worker/rpc";
import { LINK_CLOSED, portClient, type PortClient } from "@/lib/worker/port-rpc";
import { chooseBackend, sessionOptionsFor, type GpuProbe } from "./backend";
import { modelShape, planBatchLimits, WASM_MEMORY_BYTES, WEBGPU_DEFAULT_LIMITS, type DeviceLimits } from "./batch-plan";
import { calibrate, calibrationBatch, calibrationNotice, CALIBRATION_MAX_BYTES } from "./calibrate";
import { ScoringEngineError } from "./engine";
import { createUrlReader } from "./model-cache";
import {
  loadModel,
  type LoadedLanguageModel,
  type LoadedModel,
  type LoadedRewardModel,
  type OrtModule,
} from "./model-loader";
import {
  createFileMapReader,
  onnxCandidates,
  readModelFolder,
  sourceBaseUrl,
  type ModelFileReader,
} from "./model-source";
import { inspectPair } from "./inspect";
import { RunCancelledError, scoreDataset } from "./pipeline";
import { POOL_STARTING_STAGE } from "./protocol";
import type {
  BatchPlan,
  DatasetLinkApi,
  ModelInfo,
  ModelRole,
  ModelSource,
  PoolStarting,
  PromptFormat,
  RunState,
  ScoreArgs,
  ScoredChunk,
  ScoreProgress,
  ScoringApi,
  SequenceRules,
} from "./protocol";
import { storeProblemNotice, type ResultStore } from "./result-store";
import { loadGenerator, readGenerationConfig, type LoadedGenerator } from "@/lib/generation/model";
import { checkPrompts, DEFAULT_PROMPT_FIELD, promptSourceFromRows, type PromptSource } from "@/lib/generation/prompts";
import { createMemoryGenerationStore, type GenerationStore } from "@/lib/generation/result-store";
import { checkGenerationSettings, GenerationCancelledError } from "@/lib/generation/run";
import { generationRunKey, runStoredGeneration } from "@/lib/generation/stored-run";
import { openSource } from "@/lib/dataset/source";
import { DEFAULT_SEQUENCE_OPTIONS } from "./sequence";
import { describePool, planScoringPool, type PoolPlan } from "./pool-plan";
import { startScoringPool, type ForwardClient, type PoolModel, type ScoringPool } from "./scoring-pool";
import type { ForwardRole } from "./forward-protocol";

/** What the handlers need from their environment. */
export interface ScoringEnvironment {
  store: ResultStore;
  /** Where finished generation prompts are kept (absent: `generate` keeps nothing across runs). */
  generationStore?: GenerationStore;
  loadOrt(backend: "webgpu" | "wasm", threads: number): Promise<OrtModule>;
  probeGpu(): Promise<GpuProbe>;
  threads(): number;
  fetchFn?: typeof fetch;
  /**
   * Starts one forward worker (workers/forward.worker.ts) for a WASM run's pool; absent where a worker cannot start
   * workers (`Worker` undefined in it): every run then scores in this worker.
   */
  forwardWorker?: () => ForwardClient;
  /** Logical cores (`navigator.hardwareConcurrency`) and cross-origin isolation, for {@link planScoringPool}. */
  cores?: () => number;
  crossOriginIsolated?: () => boolean;
}

function readerFor(source: ModelSource, fetchFn?: typeof fetch): ModelFileReader {
  if (source.kind === "files") {
    const folder = source.files.some((f) => f.path.includes("/"));
    return createFileMapReader(source.files, folder ? "local folder" : "local files");
  }
  return createUrlReader(sourceBaseUrl(source), fetchFn, { token: source.token });
}

/** config.json's id2label as strings (label names of a classifier's `logits`); undefined when it has none. */
function id2label(config: Record<string, unknown>): Record<string, string> | undefined {
  const v = config.id2label;
  if (!v || typeof v !== "object" || Array.isArray(v)) return undefined;
  return Object.fromEntries(Object.entries(v).map(([k, name]) => [k, String(name)]));
}

/** Creates the handler set; state lives in the closure. */
export function createScoringHandlers(env: ScoringEnvironment): Handlers<ScoringApi> {
  let link: PortClient<DatasetLinkApi> | null = null;
  /** The settings of the last `score` call (what `replayStored` sends again). */
  let lastRun: ScoreArgs | null = null;
  const models = new Map<
    ModelRole,
    { model: LoadedModel; info: ModelInfo; limits?: GpuProbe["limits"]; source: ModelSource }
  >();
  const generationStore = env.generationStore ?? createMemoryGenerationStore();
  /** The policy opened for generation (its own session, with the last-logits output), made on first `generate`. */
  let generator: {
    hash: string;
    onnxPath: string;
    backend: string;
    loaded: LoadedGenerator;
    notice: string | null;
  } | null = null;
  const dropGenerator = async () => {
    const g = generator;
    generator = null;
    await g?.loaded.release();
  };
  /** The forward workers of the last pooled run, kept (models loaded) while the run's models stay the same. */
  let pool: ScoringPool | null = null;
  const dropPool = () => {
    pool?.dispose();
    pool = null;
  };
  let run: RunControl | null = null;
  /** Settles when the run in progress (if any) has ended. */
  let runEnded: Promise<void> = Promise.resolve();
  const startRun = (): { current: RunControl; end(): void } => {
    const current = newRun();
    run = current;
    let end!: () => void;
    runEnded = new Promise<void>((resolve) => (end = resolve));
    return {
      current,
      end() {
        run = null;
        end();
      },
    };
  };

  const state = (): RunState => (!run ? "idle" : run.paused ? "paused" : "running");

  /** The linked dataset worker's open dataset; its errors ("no dataset is loaded") keep their codes. */
  const linked = async () => {
    if (!link) throw new HandlerError("the scoring worker is not linked to the dataset worker", "no-dataset");
    const l = link;
    return { l, info: await l.call("info", {}) };
  };

  /** The models of a run with `args` (the reward output applied), or a specific error. */
  const runModels = (args: ScoreArgs) => {
    const policy = models.get("policy")?.model as LoadedLanguageModel | undefined;
    const reference = models.get("reference")?.model as LoadedLanguageModel | undefined;
    const loadedReward = models.get("reward")?.model as LoadedRewardModel | undefined;
    if (!policy && !loadedReward) throw new HandlerError("load a model or a reward model first", "no-model");
    let reward = loadedReward;
    if (loadedReward && args.rewardOutput) {
      try {
        reward = loadedReward.withOutput(args.rewardOutput);
      } catch (e) {
        throw new HandlerError((e as Error).message, "bad-output");
      }
    }
    return { policy, reference, reward };
  };

  /**
   * Sends a run's chunks to the dataset worker as they come (buffers transferred); `settled()` waits for every
   * acknowledgement and throws the first failure (the link closed: the dataset worker restarted).
   */
  const deliverer = (l: PortClient<DatasetLinkApi>, runId: number, onFailure: () => void) => {
    let delivered = 0;
    let failure: unknown = null;
    const acks: Promise<void>[] = [];
    return {
      get delivered() {
        return delivered;
      },
      send(chunk: ScoredChunk) {
        const buffers = [chunk.rows, ...Object.values(chunk.policy ?? {}), ...Object.values(chunk.reference ?? {})];
        buffers.push(...Object.values(chunk.reward ?? {}));
        const transfer = buffers.map((b) => (b as Float64Array | Int32Array).buffer);
        acks.push(
          l.call("chunk", { run: runId, chunk }, transfer).then(
            (r) => void (delivered = Math.max(delivered, r.scored)),
            (e: unknown) => {
              if (failure === null) {
                failure = e;
                onFailure();
              }
            },
          ),
        );
      },
      async settled() {
        await Promise.all(acks);
        if (failure !== null) throw linkFailure(failure);
      },
    };
  };

  /** Workers × threads for a run's language models: one worker (this one) on WebGPU or without nested workers. */
  const planPool = (args: ScoreArgs, batchSize: number, rows: number): PoolPlan => {
    const policy = models.get("policy");
    const isolated = env.crossOriginIsolated?.() ?? false;
    const cores = env.cores?.() ?? 1;
    const inWorker = (bound: string): PoolPlan => ({
      workers: 1,
      threadsPerWorker: env.threads(),
      reason: describePool(1, env.threads(), bound),
      bound,
    });
    if (!policy) return inWorker("reward model only");
    if (policy.info.backend.backend === "webgpu") return inWorker("WebGPU: one device, one worker");
    if (!env.forwardWorker) return inWorker("this browser cannot start workers from a worker");
    const plan = planScoringPool({
      backend: "wasm",
      cores,
      crossOriginIsolated: isolated,
      modelBytes: policy.info.bytes + (models.get("reference")?.info.bytes ?? 0),
      rows,
      batchSize,
      forcedWorkers: args.workers,
    });
    // One worker is this worker's own session, with the threads it was loaded with.
    return plan.workers > 1 ? plan : inWorker(plan.bound);
  };

  /** The run's language models with their batches on the pool (started, or the last one when it still fits). */
  const pooledModels = async (
    plan: PoolPlan,
    policy: LoadedLanguageModel | undefined,
    reference: LoadedLanguageModel | undefined,
    onStarting: (starting: PoolStarting) => void,
  ) => {
    const slots = [
      ...(policy ? [["policy", policy] as const] : []),
      ...(reference ? [["reference", reference] as const] : []),
    ] as [ForwardRole, LoadedLanguageModel][];
    const fits =
      pool &&
      !pool.broken &&
      pool.plan.workers === plan.workers &&
      pool.plan.threadsPerWorker === plan.threadsPerWorker &&
      pool.hashes.size === slots.length &&
      slots.every(([role, m]) => pool!.hashes.get(role) === m.hash);
    if (!fits) {
      dropPool();
      // Seconds on a big model (the folder read again, a session per worker): the page says so meanwhile.
      onStarting({ starting: `starting ${plan.workers} scoring workers (each opens the model)` });
      // Each worker opens the model from the same files the coordinator opened (read again: the coordinator keeps
      // only its session), through the same loader and session options.
      const poolModels: PoolModel[] = [];
      for (const [role] of slots) {
        const entry = models.get(role)!;
        const folder = await readModelFolder(readerFor(entry.source, env.fetchFn), [entry.info.onnxPath]);
        poolModels.push({ role, folder, hash: entry.info.hash });
      }
      pool = await startScoringPool({
        plan,
        models: poolModels,
        createClient: env.forwardWorker!,
        sessionOptions: sessionOptionsFor("wasm"),
      });
    }
    const p = pool!;
    const wrap = (m: LoadedLanguageModel | undefined, role: ForwardRole) =>
      m && { ...m, scorer: p.scorer(role, m.scorer) };
    return { policy: wrap(policy, "policy"), reference: wrap(reference, "reference") };
  };

  return {
    linkDataset({ port }) {
      link?.close(DATASET_RESTARTED);
      link = portClient<DatasetLinkApi>(port);
      return null;
    },

    async replayStored() {
      await runEnded;
      const args = lastRun;
      if (!args || !link) return { rows: 0 };
      const { policy, reference, reward } = runModels(args);
      const { l, info } = await linked();
      const { run: runId } = await l.call("beginRun", { datasetKey: info.datasetKey });
      const { current, end } = startRun();
      const delivery = deliverer(l, runId, () => current.controller.abort());
      try {
        const stats = await scoreDataset(
          { rowCount: info.rowCount, pairs: (rows) => l.call("pairs", { rows, run: runId }) },
          { policy, reference, reward },
          {
            datasetKey: info.datasetKey,
            sequence: sequenceOf(args),
            store: env.store,
            storedOnly: true,
            onChunk: (chunk) => delivery.send(chunk),
          },
        );
        await delivery.settled();
        return { rows: stats.cached };
      } finally {
        end();
      }
    },

    async loadModel({ role, source, backend: choice, variant }, ctx) {
      if (run) throw new HandlerError("a scoring run is in progress: cancel it first", "busy");
      const started = performance.now();
      const threads = env.threads();
      const probe = choice === "wasm" ? NO_GPU : await env.probeGpu();
      let backend = chooseBackend(choice, probe, threads);
      const reader = readerFor(source, env.fetchFn);
      ctx.progress("reading model files", 0);
      const folder = await readModelFolder(
        reader,
        variant
          ? [`onnx/${variant}`]
          : onnxCandidates({ webgpu: backend.backend === "webgpu", shaderF16: backend.shaderF16 }),
        (f, path) => ctx.progress(`reading ${path}`, f),
      );
      ctx.progress("creating session", 1);
      const expect = role === "reward" ? "rm" : "lm";
      const open = async (b: "webgpu" | "wasm") =>
        loadModel(folder, await env.loadOrt(b, threads), expect, sessionOptionsFor(b));
      /** The backend left when the other could not open the model, with why. */
      const onlyOn = (b: "webgpu" | "wasm", why: string) => ({
        ...backend,
        backend: b,
        notice:
          b === "webgpu"
            ? `WASM cannot open this model (${why}): running on WebGPU.`
            : `WebGPU failed to start this model (${why}): running on WASM (CPU).`,
      });
      let model: LoadedModel;
      if (choice === "auto" && probe.available && folder.bytes <= CALIBRATION_MAX_BYTES) {
        // Both backends may work: time one small batch on each and keep the faster (a software adapter, or a
        // tiny model on a real GPU, can lose to WASM).
        ctx.progress("calibrating backends", 0);
        // Either side may fail to open the graph (an fp16-only export on WASM, an op WebGPU lacks): keep the other.
        const attempt = async (b: "webgpu" | "wasm") => {
          try {
            return { model: await open(b), error: null };
          } catch (e) {
            if ((e as { code?: string }).code === "WRONG_KIND") throw e;
            return { model: null, error: e as Error };
          }
        };
        const wasm = await attempt("wasm");
        const gpu = await attempt("webgpu");
        if (gpu.model && wasm.model) {
          const result = await calibrate({ webgpu: calibrationBatch(gpu.model), wasm: calibrationBatch(wasm.model) });
          await (result.backend === "webgpu" ? wasm.model : gpu.model).release();
          model = result.backend === "webgpu" ? gpu.model : wasm.model;
          backend = { ...backend, backend: result.backend, notice: calibrationNotice(result), calibration: result };
        } else if (gpu.model) {
          model = gpu.model;
          backend = onlyOn("webgpu", wasm.error?.message ?? "unknown error");
        } else if (wasm.model) {
          model = wasm.model;
          backend = onlyOn("wasm", gpu.error?.message ?? "unknown error");
        } else {
          throw wasm.error ?? gpu.error ?? new Error("no backend could open this model");
        }
      } else {
        try {
          model = await open(backend.backend);
        } catch (e) {
          // "Auto" must still work where WebGPU is advertised but the session cannot start on it.
          if (backend.backend !== "webgpu" || choice !== "auto" || (e as { code?: string }).code === "WRONG_KIND")
            throw e;
          backend = onlyOn("wasm", (e as Error).message);
          model = await open("wasm");
        }
        if (choice === "auto" && probe.available && backend.backend === "webgpu") {
          backend = {
            ...backend,
            notice: `Not calibrated: the model (${Math.round(folder.bytes / 1024 ** 2)} MB) is too big to load twice; using WebGPU.`,
          };
        }
      }
      await models.get(role)?.model.release();
      if (role === "policy") await dropGenerator();
      if (role !== "reward") dropPool();
      const info: ModelInfo = {
        role,
        kind: model.kind,
        location: folder.location,
        onnxPath: folder.onnxPath,
        bytes: folder.bytes,
        hash: model.hash,
        isDemo: model.isDemo,
        backend,
        loadMs: Math.round(performance.now() - started),
        hasChatTemplate: model.tokenizer.hasChatTemplate,
        notices: folder.notices ?? [],
        ...(model.kind === "rm"
          ? {
              outputs: model.outputs,
              labels: id2label(folder.config),
              rewardInput: model.tokenization.kind,
            }
          : {}),
      };
      models.set(role, { model, info, limits: probe.limits, source });
      return info;
    },

    async unloadModel({ role }) {
      if (run) throw new HandlerError("a scoring run is in progress: cancel it first", "busy");
      await models.get(role)?.model.release();
      models.delete(role);
      if (role === "policy") await dropGenerator();
      if (role !== "reward") dropPool();
      return null;
    },

    async score(args, ctx) {
      if (run) throw new HandlerError("a scoring run is already in progress", "busy");
      const { policy, reference, reward } = runModels(args);
      const { l, info } = await linked();
      if (run) throw new HandlerError("a scoring run is already in progress", "busy");
      // The policy's limits bound the batches (its logits are the big tensors); a reward-only run uses the RM's.
      const planned = models.get(policy ? "policy" : "reward")!;
      const batchPlan = args.batchSize ? fixedPlan(args) : planFor(planned, args.maxLength);
      const { current, end } = startRun();
      lastRun = args;
      let storeNotice: string | null = null;
      try {
        const poolPlan = planPool(args, batchPlan.batchSize, info.rowCount);
        const pooled =
          poolPlan.workers > 1
            ? await pooledModels(poolPlan, policy, reference, (starting) =>
                ctx.progress(POOL_STARTING_STAGE, 0, starting),
              )
            : { policy, reference };
        const plan = { ...batchPlan, note: `${batchPlan.note} · ${poolPlan.reason}` };
        const { workers, threadsPerWorker, reason } = poolPlan;
        const poolInfo = { workers, threadsPerWorker, reason };
        const { run: runId } = await l.call("beginRun", { datasetKey: info.datasetKey });
        const delivery = deliverer(l, runId, () => current.controller.abort());
        const stats = await scoreDataset(
          { rowCount: info.rowCount, pairs: (rows) => l.call("pairs", { rows, run: runId }) },
          { ...pooled, reward },
          {
            datasetKey: info.datasetKey,
            sequence: sequenceOf(args),
            store: env.store,
            // Not scaled with the pool: a chunk's pairs decide its batches, and so the last bits of their numbers.
            chunkPairs: args.chunkPairs,
            batchSize: batchPlan.batchSize,
            maxBatchTokens: args.maxBatchTokens ?? batchPlan.maxBatchTokens,
            signal: current.controller.signal,
            waitWhilePaused: () => pausedUntilResumed(current),
            onStoreProblems: (problems) => (storeNotice = storeProblemNotice(problems)),
            onChunk: (chunk, chunkStats) => {
              delivery.send(chunk);
              const stats = { ...chunkStats, storeNotice };
              const progress: ScoreProgress = { stats, plan, pool: poolInfo, delivered: delivery.delivered };
              ctx.progress("scoring", stats.total ? stats.done / stats.total : 1, progress);
            },
          },
        ).catch(async (e: unknown) => {
          // A run aborted because its results could not be delivered fails with that cause, not "cancelled".
          await delivery.settled();
          if (e instanceof WorkerCallError && (e.code === LINK_CLOSED || e.code === "stale-run")) throw linkFailure(e);
          throw e;
        });
        await delivery.settled();
        return { ...stats, storeNotice };
      } catch (e) {
        // A forward worker that failed leaves the pool unusable: the next run starts fresh workers.
        if (pool?.broken) dropPool();
        if (e instanceof RunCancelledError || (e instanceof ScoringEngineError && e.code === "ABORTED")) {
          throw new HandlerError("scoring cancelled", "cancelled");
        }
        throw e;
      } finally {
        end();
      }
    },

    pause() {
      if (run) run.paused = true;
      return state();
    },

    resume() {
      if (run) {
        run.paused = false;
        run.wake?.();
        run.wake = null;
      }
      return state();
    },

    cancel() {
      if (run) {
        run.controller.abort();
        run.wake?.();
        run.wake = null;
      }
      return state();
    },

    async inspectPair({ row, maxLength, maxPromptLength, promptFormat, sequenceRules }) {
      if (run && !run.paused) throw new HandlerError("a scoring run is using the model: pause it first", "busy");
      const policy = models.get("policy")?.model as LoadedLanguageModel | undefined;
      if (!policy) throw new HandlerError("load a model first", "no-model");
      const { l, info } = await linked();
      const { rowCount } = info;
      if (!Number.isInteger(row) || row < 0 || row >= rowCount)
        throw new HandlerError(`row ${row} is outside 0..${rowCount - 1}`, "bad-input");
      const [pair] = await l.call("pairs", { rows: [row] });
      return inspectPair(pair, policy, sequenceOf({ maxLength, maxPromptLength, promptFormat, sequenceRules }));
    },

    async clearResults() {
      await env.store.clear();
      return null;
    },

    async generate({ prompts, settings, rewardMaxLength = 2048, rewardOutput }, ctx) {
      if (run) throw new HandlerError("a run is already in progress: cancel it first", "busy");
      const problem = checkGenerationSettings(settings);
      if (problem) throw new HandlerError(problem, "bad-input");
      const policy = models.get("policy");
      if (!policy || policy.model.kind !== "lm")
        throw new HandlerError("load a policy model (or the demo model) first: it writes the responses", "no-model");
      const rewardEntry = models.get("reward");
      let reward = rewardEntry?.model.kind === "rm" ? rewardEntry.model : null;
      if (reward && rewardOutput) {
        try {
          reward = reward.withOutput(rewardOutput);
        } catch (e) {
          throw new HandlerError((e as Error).message, "bad-output");
        }
      }
      const { current, end } = startRun();
      try {
        let source: PromptSource;
        let promptsKey: string;
        if (prompts.kind === "dataset") {
          const { l, info } = await linked();
          source = {
            count: info.rowCount,
            prompts: async (rows) =>
              (await l.call("pairs", { rows: [...rows] })).map((p) =>
                p.prompt.map((m) => ({ role: m.role, content: m.content })),
              ),
          };
          promptsKey = `dataset:${info.datasetKey}`;
        } else {
          const field = prompts.field || DEFAULT_PROMPT_FIELD;
          const opened = await openSource(prompts.file, prompts.name, (f) => ctx.progress("reading prompts", f));
          if (!opened.ok) throw new HandlerError(formatProblem(opened.reason), "bad-input", opened.reason);
          const bad = await checkPrompts(opened.data, field);
          if (bad) throw new HandlerError(formatProblem(bad), "bad-input", bad);
          source = promptSourceFromRows(opened.data, field);
          const hash = await sha256Hex(prompts.file, (f) => ctx.progress("hashing prompts", f));
          promptsKey = `file:${hash}:${field}`;
        }
        const backend = policy.info.backend.backend;
        if (
          !generator ||
          generator.hash !== policy.info.hash ||
          generator.onnxPath !== policy.info.onnxPath ||
          generator.backend !== backend
        ) {
          await dropGenerator();
          ctx.progress("opening the policy for generation", 0);
          const reader = readerFor(policy.source, env.fetchFn);
          const folder = await readModelFolder(reader, [policy.info.onnxPath], (f, path) =>
            ctx.progress(`reading ${path}`, f),
          );
          const generationConfig = await readGenerationConfig(reader);
          const open = async (b: "webgpu" | "wasm") =>
            loadGenerator(folder, await env.loadOrt(b, env.threads()), sessionOptionsFor(b), generationConfig);
          let loaded: LoadedGenerator;
          let notice: string | null = null;
          try {
            loaded = await open(backend);
          } catch (e) {
            // As for scoring: a generation session WebGPU cannot start falls back to WASM, with the reason shown.
            if (backend !== "webgpu" || (e as { code?: string }).code === "WRONG_KIND") throw e;
            notice = `WebGPU failed to start the generation session (${(e as Error).message}): generating on WASM (CPU).`;
            loaded = await open("wasm");
          }
          generator = { hash: policy.info.hash, onnxPath: policy.info.onnxPath, backend, loaded, notice };
        }
        const { loaded, notice: backendNotice } = generator;
        const runKey = generationRunKey({
          prompts: promptsKey,
          policyHash: loaded.hash,
          // A non-default reward output is another score: it keys another run (as the scorer's result key does).
          rewardHash: reward ? `${reward.hash}${reward.outputKey ? `/out=${reward.outputKey}` : ""}` : null,
          rewardMaxLength,
          settings,
        });
        const fraction = (s: { done: number; total: number }) => (s.total ? s.done / s.total : 1);
        const { stats, unreadableStored } = await runStoredGeneration(
          source,
          { generator: loaded.generator, tokenizer: loaded.tokenizer },
          {
            runKey,
            store: generationStore,
            settings,
            reward,
            rewardMaxLength,
            signal: current.controller.signal,
            waitWhilePaused: () => pausedUntilResumed(current),
            onResults: (results, stored, s) =>
              ctx.progress("generating", fraction(s), { kind: "results", results, stored, stats: s }),
            onStep: (index, texts, s) =>
              ctx.progress("generating", fraction(s), { kind: "step", index, texts, stats: s }),
          },
        );
        return {
          stats,
          runKey,
          policyHash: loaded.hash,
          rewardHash: reward?.hash ?? null,
          unreadableStored,
          backendNotice,
        };
      } catch (e) {
        if (e instanceof GenerationCancelledError) throw new HandlerError("generation cancelled", "cancelled");
        throw e;
      } finally {
        end();
      }
    },

    async clearGenerations() {
      await generationStore.clear();
      return null;
    },
  };
}

/** The one run (scoring or generation) in progress: cancel aborts it, pause holds it between batches or prompts. */
interface RunControl {
  controller: AbortController;
  paused: boolean;
  wake: (() => void) | null;
}

/** Why calls pending on a replaced link fail: the page linked a fresh dataset worker (the old one restarted). */
const DATASET_RESTARTED =
  "the dataset worker restarted during the run, so its results could not be delivered: Score dataset again to go on " +
  "(finished rows come back from stored results)";

/** A failed delivery as the run's error: a closed link keeps its wording; anything else names the dataset worker. */
function linkFailure(err: unknown): HandlerError {
  if (err instanceof WorkerCallError && err.code === LINK_CLOSED) return new HandlerError(err.message, "link-closed");
  if (err instanceof WorkerCallError && err.code === "stale-run")
    return new HandlerError(`the run stopped: ${err.message}`, "stale-run");
  const message = err instanceof Error ? err.message : String(err);
  return new HandlerError(`the dataset worker refused the run's results: ${message}`, "link-failed");
}

function newRun(): RunControl {
  return { controller: new AbortController(), paused: false, wake: null };
}

/** Resolves at once unless the run is paused (then when it is resumed or cancelled). */
function pausedUntilResumed(run: RunControl): Promise<void> {
  return run.paused && !run.controller.signal.aborted
    ? new Promise<void>((resolve) => (run.wake = resolve))
    : Promise.resolve();
}

/** TRL's sequence settings from a call's arguments. */
function sequenceOf(args: {
  maxLength: number;
  maxPromptLength: number;
  promptFormat?: PromptFormat;
  sequenceRules?: SequenceRules;
}) {
  const { maxLength, maxPromptLength, promptFormat = "chat", sequenceRules = "paper" } = args;
  return { ...DEFAULT_SEQUENCE_OPTIONS, maxLength, maxPromptLength, promptFormat, rules: sequenceRules };
}

/** Batch limits for the policy on its backend (WebGPU buffer limits or WASM memory) at `maxLength`. */
function planFor(entry: { model: LoadedModel; info: ModelInfo; limits?: GpuProbe["limits"] }, maxLength: number) {
  const limits: DeviceLimits =
    entry.info.backend.backend === "webgpu"
      ? { backend: "webgpu", ...(entry.limits ?? WEBGPU_DEFAULT_LIMITS) }
      : { backend: "wasm", memoryBytes: WASM_MEMORY_BYTES };
  return planBatchLimits(modelShape(entry.model.folder.config), limits, { maxLength, modelBytes: entry.info.bytes });
}

/** The plan reported when the caller fixed the batch limits itself. */
function fixedPlan(args: { batchSize?: number; maxBatchTokens?: number }): BatchPlan {
  const rows = args.batchSize ?? 8;
  const tokens = args.maxBatchTokens ?? 4096;
  return {
    batchSize: rows,
    maxBatchTokens: tokens,
    longestFits: true,
    note: `batches ≤ ${rows} rows / ${tokens} tokens (set by the caller)`,
  };
}

const NO_GPU: GpuProbe = { available: false, fallbackAdapter: false, shaderF16: false };
