/**
 * UI state of in-browser scoring (zustand): loaded models, run progress and settings. Result columns live in a
 * module-level {@link ScoreColumns} (big buffers stay out of React state); each streamed chunk is added there and
 * attached to the dataset worker, throttled, through the workbench store.
 */
import { create } from "zustand";
import { currentDatasetFile, useWorkbench } from "@/components/workbench-store";
import {
  clearModelCache,
  HUB_ENDPOINT,
  modelCacheBytes,
  parseHubEndpoint,
  parseModelLocation,
  scoringClient,
  type ModelSource,
} from "@/lib/scoring-client";
import { DEFAULT_DPO_BETA } from "@/lib/metrics/margin-formulas";
import type { ImplicitKind } from "@/lib/scoring/columns";
import { dropScoringLink, linkScoringToDataset } from "@/lib/worker-link";
import type {
  BackendChoice,
  BatchPlan,
  InspectedPair,
  ModelInfo,
  ModelRole,
  PromptFormat,
  RunStats,
  PoolStarting,
  SequenceRules,
  ScoreProgress,
} from "@/lib/scoring/protocol";
import { POOL_STARTING_STAGE } from "@/lib/scoring/protocol";
import { DEFAULT_SEQUENCE_OPTIONS } from "@/lib/scoring/sequence";
import { parseRewardOutput } from "@/lib/scoring/reward-outputs";
import { forcedWorkersFromQuery } from "@/lib/scoring/pool-plan";
import { isWorkerCrash, WorkerCallError, type CallFn } from "@/lib/worker/rpc";
import { recoveryLog, type CrashReport } from "@/lib/worker/recovery";
import { onDatasetRestored } from "@/components/workbench-store";
import type { ScoringApi } from "@/lib/scoring/protocol";

/** URL of the bundled demo LM (public/models, built by `npm run prepare:assets`). */
export const DEMO_MODEL_URL = "/models/demo-lm/";

/** localStorage key of the Hub endpoint the user set (a mirror); the token is never stored. */
const HUB_ENDPOINT_KEY = "margin-atlas.hub-endpoint";

function storedHubEndpoint(): string {
  try {
    return globalThis.localStorage?.getItem(HUB_ENDPOINT_KEY) || HUB_ENDPOINT;
  } catch {
    return HUB_ENDPOINT;
  }
}

/** Least time between two attaches while a run streams (each one re-runs selection and redraws the views). */
const ATTACH_INTERVAL_MS = 1000;

/** Progress of the current or last run. */
export interface RunView extends Omit<RunStats, "elapsedMs"> {
  state: "idle" | "running" | "paused" | "done" | "cancelled" | "error";
}

/** Scoring UI state and actions. */
export interface ScoringState {
  backend: BackendChoice;
  implicit: ImplicitKind;
  beta: number;
  maxLength: number;
  maxPromptLength: number;
  /** ONNX graph file to load (`model_q4.onnx`...); "" picks the best available. */
  variant: string;
  /** Chat template (when the model has one) or plain concatenation of prompt and response texts. */
  promptFormat: PromptFormat;
  /** Which trainer's sequence rules the run reproduces (`paper` by default); part of the stored-results key. */
  sequenceRules: SequenceRules;
  /**
   * The reward model's output and label read as the reward, as `name:index` (lib/scoring/reward-outputs.ts); "" for
   * the model's default. Part of the stored-results key; reset when another reward model loads.
   */
  rewardOutput: string;
  /** Where Hub ids are resolved (https://huggingface.co or a mirror); kept in localStorage. */
  hubEndpoint: string;
  /** Hub access token for gated/private repositories: memory only, sent to the Hub endpoint only. */
  hubToken: string;
  models: Partial<Record<ModelRole, ModelInfo>>;
  loading: { role: ModelRole; stage: string; fraction: number } | null;
  run: RunView;
  /** Batch limits of the current or last run (from the device's limits); null before a run reports. */
  plan: BatchPlan | null;
  /** What the run is doing before its first results (its forward workers starting), or null. */
  runNote: string | null;
  error: string | null;
  /** Bytes in the model download cache; null until measured. */
  cacheBytes: number | null;

  setOptions(
    patch: Partial<
      Pick<
        ScoringState,
        | "backend"
        | "implicit"
        | "beta"
        | "maxLength"
        | "maxPromptLength"
        | "promptFormat"
        | "sequenceRules"
        | "variant"
        | "rewardOutput"
      >
    >,
  ): void;
  /** Sets the Hub endpoint (checked; an error is shown and the old one kept when it is not a URL) and token. */
  setHub(patch: { endpoint?: string; token?: string }): void;
  loadModelFiles(role: ModelRole, files: File[]): Promise<void>;
  loadModelLocation(role: ModelRole, text: string): Promise<void>;
  unloadModel(role: ModelRole): Promise<void>;
  scoreDataset(): Promise<void>;
  /** Per-token log-probs of `row` under the policy with the current settings (throws a readable error). */
  inspectRow(row: number): Promise<InspectedPair>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  cancel(): Promise<void>;
  refreshCacheSize(): Promise<void>;
  clearModelCache(): Promise<void>;
  clearStoredScores(): Promise<void>;
}

function messageOf(err: unknown): string {
  if (err instanceof WorkerCallError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

const IDLE_RUN: RunView = {
  state: "idle",
  done: 0,
  total: 0,
  cached: 0,
  failed: 0,
  pairsPerSec: 0,
  tokensPerSec: 0,
  etaSeconds: null,
};

/** Rows the dataset worker holds results for, after the last run (what a restart of the scoring worker keeps). */
let scoredRows = 0;

/**
 * What each loaded model was loaded from, with the backend and graph file asked for: what a fresh scoring worker is
 * given again after a crash. Outside React state: a picked folder's files are Blobs.
 */
const loadedSources = new Map<ModelRole, { source: ModelSource; backend: BackendChoice; variant: string }>();

/** The scoring store. */
export const useScoring = create<ScoringState>()((set, get) => {
  let attachChain: Promise<void> = Promise.resolve();
  let lastAttach = 0;
  let attachQueued = false;

  /**
   * Queues an attach of the run's results, which the dataset worker holds (the scoring worker wrote them there);
   * while streaming, at most one per interval (the last one always runs).
   */
  const attach = (force: boolean) => {
    if (attachQueued && !force) return attachChain;
    if (!force && performance.now() - lastAttach < ATTACH_INTERVAL_MS) return attachChain;
    attachQueued = true;
    lastAttach = performance.now();
    attachChain = attachChain.then(async () => {
      attachQueued = false;
      if (!useWorkbench.getState().summary) return;
      const { implicit, beta } = get();
      const scored = await useWorkbench.getState().applyScores(implicit, beta);
      if (scored !== null) scoredRows = scored;
    });
    return attachChain;
  };

  const load = async (role: ModelRole, source: ModelSource) => {
    if (get().run.state === "running" || get().run.state === "paused") {
      set({ error: "cancel the scoring run before loading another model" });
      return;
    }
    set({ loading: { role, stage: "starting", fraction: 0 }, error: null });
    try {
      const { backend, variant } = get();
      const info = await scoringClient().call(
        "loadModel",
        { role, source, backend, ...(variant ? { variant } : {}) },
        { onProgress: (stage, fraction) => set({ loading: { role, stage, fraction } }) },
      );
      loadedSources.set(role, { source, backend, variant });
      set((s) => ({ models: { ...s.models, [role]: info }, ...(role === "reward" ? { rewardOutput: "" } : {}) }));
    } catch (err) {
      set({ error: isWorkerCrash(err) ? null : messageOf(err) });
    } finally {
      set({ loading: null });
      void get().refreshCacheSize();
    }
  };

  /**
   * Runs first on the fresh worker after a crash (lib/worker/rpc.ts): reopens the dataset and reloads each model as
   * it was loaded. Finished scores need nothing: they are attached to the dataset, and stored in IndexedDB, so the
   * next "Score dataset" reuses them.
   */
  const restore = async (call: CallFn<ScoringApi>) => {
    const problems: string[] = [];
    const reloaded: string[] = [];
    try {
      await linkScoringToDataset({ scoring: call }, true);
    } catch (err) {
      if (isWorkerCrash(err)) throw err;
      problems.push(`it could not be linked to the dataset worker again: ${messageOf(err)}`);
    }
    for (const [role, { source, backend, variant }] of [...loadedSources]) {
      set({ loading: { role, stage: "reloading after the crash", fraction: 0 } });
      try {
        const info = await call(
          "loadModel",
          { role, source, backend, ...(variant ? { variant } : {}) },
          { onProgress: (stage, fraction) => set({ loading: { role, stage: `reloading: ${stage}`, fraction } }) },
        );
        // A picked folder's name was added to its location when first loaded: keep it.
        set((s) => ({
          models: { ...s.models, [role]: { ...info, location: s.models[role]?.location ?? info.location } },
        }));
        reloaded.push(info.location);
      } catch (err) {
        if (isWorkerCrash(err)) throw err;
        loadedSources.delete(role);
        set((s) => {
          const models = { ...s.models };
          delete models[role];
          return { models };
        });
        problems.push(`the ${role} model could not be reloaded (load it again): ${messageOf(err)}`);
      } finally {
        set({ loading: null });
      }
    }
    const kept = scoredRows;
    recoveryLog.update("scoring", {
      state: "restored",
      outcome:
        `restarted; ${kept} score${kept === 1 ? "" : "s"} kept` +
        (reloaded.length ? `; reloaded ${reloaded.join(", ")}` : "") +
        (problems.length === 0 ? "; linked to the dataset again" : ""),
      problems,
    });
  };

  const onCrash = (report: CrashReport) => {
    // The fresh worker has no link to the dataset worker: the restore links it again.
    dropScoringLink();
    set({ loading: null });
    recoveryLog.crashed(report);
    if (report.duringRestore) {
      recoveryLog.update("scoring", {
        state: "failed",
        problems: ["it stopped again while its models were being reloaded; the next action starts it again"],
      });
      return;
    }
    void scoringClient()
      .restart()
      .catch(() => {
        // A second crash is reported through onCrash.
      });
  };

  const client = scoringClient();
  client.setRestore(restore);
  client.onCrash(onCrash);
  // The dataset worker restarted empty: link it again, and have the scoring worker send the last run's stored
  // results to it (nothing is scored again), then attach them.
  onDatasetRestored(async () => {
    try {
      await linkScoringToDataset({}, true);
      const { rows } = await scoringClient().call("replayStored", {});
      if (rows > 0) await attach(true);
    } catch (err) {
      if (!isWorkerCrash(err)) set({ error: `the scores could not be brought back: ${messageOf(err)}` });
    }
  });

  return {
    backend: "auto",
    implicit: "simpo",
    beta: DEFAULT_DPO_BETA,
    maxLength: DEFAULT_SEQUENCE_OPTIONS.maxLength,
    maxPromptLength: DEFAULT_SEQUENCE_OPTIONS.maxPromptLength,
    promptFormat: "chat",
    sequenceRules: "paper",
    rewardOutput: "",
    variant: "",
    hubEndpoint: storedHubEndpoint(),
    hubToken: "",
    models: {},
    loading: null,
    run: IDLE_RUN,
    plan: null,
    runNote: null,
    error: null,
    cacheBytes: null,

    setOptions(patch) {
      const before = get();
      set(patch);
      // The margin is formed here from stored log-probs: switching SimPO / sum / DPO needs no re-scoring.
      if (
        (patch.implicit && patch.implicit !== before.implicit) ||
        (patch.beta !== undefined && patch.beta !== before.beta)
      )
        void attach(true);
    },

    setHub({ endpoint, token }) {
      if (token !== undefined) set({ hubToken: token.trim() });
      if (endpoint === undefined) return;
      try {
        const checked = parseHubEndpoint(endpoint);
        set({ hubEndpoint: checked, error: null });
        try {
          globalThis.localStorage?.setItem(HUB_ENDPOINT_KEY, checked);
        } catch {
          // Storage may be disabled: the endpoint still holds for this page.
        }
      } catch (err) {
        set({ error: messageOf(err) });
      }
    },

    loadModelFiles(role, files) {
      const picked = files.map((f) => ({ path: f.webkitRelativePath || f.name, data: f as Blob }));
      // A directory input gives "folder/…" paths; a multi-file input gives bare names (no folder to name).
      const top = picked[0]?.path.includes("/") ? picked[0].path.split("/")[0] : "";
      return load(role, { kind: "files", files: picked }).then(() => {
        const info = get().models[role];
        if (info && info.location === "local folder" && top)
          set((s) => ({ models: { ...s.models, [role]: { ...info, location: `local folder ${top}` } } }));
      });
    },

    async loadModelLocation(role, text) {
      let source: ModelSource;
      try {
        source = parseModelLocation(text);
      } catch (err) {
        set({ error: messageOf(err) });
        return;
      }
      const { hubEndpoint, hubToken } = get();
      if (source.kind === "hub") {
        source = { ...source, endpoint: hubEndpoint, ...(hubToken ? { token: hubToken } : {}) };
      } else if (
        hubToken &&
        source.kind === "url" &&
        new URL(source.baseUrl, location.href).origin === new URL(hubEndpoint).origin
      ) {
        // A pasted resolve URL of the same Hub gets the token too; other sites never see it.
        source = { ...source, token: hubToken };
      }
      await load(role, source);
    },

    async unloadModel(role) {
      try {
        await scoringClient().call("unloadModel", { role });
        loadedSources.delete(role);
        set((s) => {
          const models = { ...s.models };
          delete models[role];
          return { models };
        });
      } catch (err) {
        set({ error: messageOf(err) });
      }
    },

    async scoreDataset() {
      const dataset = currentDatasetFile();
      const summary = useWorkbench.getState().summary;
      const { models, implicit, maxLength, maxPromptLength, promptFormat, sequenceRules, rewardOutput } = get();
      if (!dataset || !summary) return set({ error: "load a dataset first" });
      if (!models.policy && !models.reward)
        return set({ error: "load a model (or the demo model), or a reward model, first" });
      if (models.reference && !models.policy) return set({ error: "a reference model needs a policy model" });
      if (models.policy && implicit === "dpo" && !models.reference)
        return set({ error: "a DPO implicit margin needs a reference model: load one, or choose SimPO or sum" });
      if (maxPromptLength >= maxLength) return set({ error: "max prompt length must be below max length" });
      set({ error: null, run: { ...IDLE_RUN, state: "running", total: summary.rowCount } });
      try {
        await linkScoringToDataset();
        const stats = await scoringClient().call(
          "score",
          {
            maxLength,
            maxPromptLength,
            promptFormat,
            sequenceRules,
            ...(models.reward && rewardOutput ? { rewardOutput: parseRewardOutput(rewardOutput) } : {}),
            workers: forcedWorkersFromQuery(window.location.search),
          },
          {
            onProgress: (stage, _fraction, data) => {
              if (stage === POOL_STARTING_STAGE) return set({ runNote: (data as PoolStarting).starting });
              const { stats: s, plan } = data as ScoreProgress;
              set((st) => ({
                run: { ...s, state: st.run.state === "paused" ? "paused" : "running" },
                plan,
                runNote: null,
              }));
              void attach(false);
            },
          },
        );
        await attach(true);
        set({ run: { ...stats, state: "done" }, runNote: null });
      } catch (err) {
        await attach(true);
        const cancelled = err instanceof WorkerCallError && err.code === "cancelled";
        set((s) => ({
          runNote: null,
          run: { ...s.run, state: cancelled ? "cancelled" : "error", etaSeconds: null },
          // A dead worker's cause, suggestion and recovery are in its crash report (recoveryLog): not said twice.
          error: cancelled || isWorkerCrash(err) ? null : messageOf(err),
        }));
      }
    },

    async inspectRow(row) {
      const { maxLength, maxPromptLength, promptFormat, sequenceRules } = get();
      try {
        await linkScoringToDataset();
        return await scoringClient().call("inspectPair", {
          row,
          maxLength,
          maxPromptLength,
          promptFormat,
          sequenceRules,
        });
      } catch (err) {
        throw new Error(messageOf(err));
      }
    },

    async pause() {
      try {
        await scoringClient().call("pause", {});
        set((s) => ({ run: { ...s.run, state: s.run.state === "running" ? "paused" : s.run.state } }));
      } catch (err) {
        set({ error: messageOf(err) });
      }
    },

    async resume() {
      try {
        await scoringClient().call("resume", {});
        set((s) => ({ run: { ...s.run, state: s.run.state === "paused" ? "running" : s.run.state } }));
      } catch (err) {
        set({ error: messageOf(err) });
      }
    },

    async cancel() {
      try {
        await scoringClient().call("cancel", {});
      } catch (err) {
        // The run's own call settles with the cause (a dead worker ends it in "error"); this one adds nothing.
        if (!isWorkerCrash(err)) set({ error: messageOf(err) });
      }
    },

    async refreshCacheSize() {
      try {
        set({ cacheBytes: await modelCacheBytes() });
      } catch {
        set({ cacheBytes: null });
      }
    },

    async clearModelCache() {
      await clearModelCache();
      await get().refreshCacheSize();
    },

    async clearStoredScores() {
      try {
        await scoringClient().call("clearResults", {});
      } catch (err) {
        set({ error: messageOf(err) });
      }
    },
  };
});
