/** The scoring worker's API: one typed protocol (see lib/worker/rpc.ts for the message envelope). */
import type { ColumnMapping } from "@/lib/dataset/types";
import type { BatchPlan } from "./batch-plan";
import type { CalibrationResult } from "./calibrate";
import type { InspectedPair } from "./inspect";
import type { ModelSource } from "./model-source";
import type { PromptFormat } from "./sequence";
import type { RunStats, ScoredChunk } from "./pipeline";

/** Which slot a model fills: the policy (implicit margin), a DPO reference, or a reward model (explicit margin). */
export type ModelRole = "policy" | "reference" | "reward";

/** The user's backend choice. */
export type BackendChoice = "auto" | "webgpu" | "wasm";

/** The backend a model actually runs on, and why when it is not what was asked. */
export interface BackendInfo {
  backend: "webgpu" | "wasm";
  requested: BackendChoice;
  /** Shown to the user when WebGPU was wanted but is missing, a software fallback, or failed to start. */
  notice: string | null;
  /** WASM threads (1 without cross-origin isolation). */
  threads: number;
  /** The WebGPU adapter supports fp16 shaders (only then is model_fp16.onnx picked). */
  shaderF16: boolean;
  /** Set when Auto timed both backends on this model and kept the faster. */
  calibration?: CalibrationResult;
}

/** A loaded model as the UI shows it. */
export interface ModelInfo {
  role: ModelRole;
  kind: "lm" | "rm";
  location: string;
  onnxPath: string;
  bytes: number;
  /** SHA-256 of the model files (keys stored results). */
  hash: string;
  /** The bundled demo model (tiny): its margins are illustrative only. */
  isDemo: boolean;
  backend: BackendInfo;
  loadMs: number;
  hasChatTemplate: boolean;
}

/** Settings of a run (TRL's truncation; margins are formed on the main thread from the stored log-probs). */
export interface ScoreArgs {
  maxLength: number;
  maxPromptLength: number;
  /** Chat template (default) or plain concatenation; see SequenceOptions.promptFormat. */
  promptFormat?: PromptFormat;
  chunkPairs?: number;
  batchSize?: number;
  maxBatchTokens?: number;
}

/** Payload of the `score` call's progress messages: one chunk of results and the run's stats. */
export interface ScoreProgress {
  chunk: ScoredChunk;
  stats: RunStats;
  /** Batch limits of the run, from the policy's device limits and shape. */
  plan: BatchPlan;
}

/** Run control state. */
export type RunState = "idle" | "running" | "paused";

/** Scoring worker API. */
export type ScoringApi = {
  /** Opens the worker's own session over the file the page loaded, and hashes it (keys stored results). */
  openDataset: {
    args: { file: Blob; name: string; mapping: ColumnMapping };
    result: { rowCount: number; datasetKey: string };
  };
  /** `variant` names one graph file (e.g. `model_q4.onnx`); without it the best available one is picked. */
  loadModel: {
    args: { role: ModelRole; source: ModelSource; backend: BackendChoice; variant?: string };
    result: ModelInfo;
  };
  unloadModel: { args: { role: ModelRole }; result: null };
  /** Scores every row not yet stored; progress carries {@link ScoreProgress} (buffers transferred). */
  score: { args: ScoreArgs; result: RunStats };
  pause: { args: Record<string, never>; result: RunState };
  resume: { args: Record<string, never>; result: RunState };
  /** Stops the run after the current batch; stored chunks stay stored. */
  cancel: { args: Record<string, never>; result: RunState };
  /** Per-token log-probs of one row under the policy, scored with the run's settings (not while a run scores). */
  inspectPair: {
    args: { row: number; maxLength: number; maxPromptLength: number; promptFormat?: PromptFormat };
    result: InspectedPair;
  };
  /** Forgets every stored result (IndexedDB). */
  clearResults: { args: Record<string, never>; result: null };
};
