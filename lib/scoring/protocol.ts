/**
 * The scoring worker's API: one typed protocol (see lib/worker/rpc.ts for the message envelope). Every type a
 * message carries is declared here, so the client, the page and the worker share these declarations without
 * importing the modules that implement them (the implementations import their types from here).
 */
import type { Pair } from "@/lib/dataset/types";

/** Where to read a model folder from. */
export type ModelSource =
  /** Files picked with a directory or multi-file input; `path` is relative to the model folder. */
  | { kind: "files"; files: { path: string; data: Blob | ArrayBuffer | Uint8Array }[] }
  /** A folder served over HTTP(S) (or the app's own static `/models/...`). */
  | { kind: "url"; baseUrl: string; token?: string }
  /**
   * `org/name` on the Hugging Face Hub, read through its `resolve/<revision>/` URLs. `endpoint` replaces
   * https://huggingface.co (a mirror, like `HF_ENDPOINT` in huggingface_hub); `token` is sent as a Bearer token
   * (gated and private repositories).
   */
  | { kind: "hub"; id: string; revision?: string; endpoint?: string; token?: string };

/** How prompts become text: through the chat template (when the tokenizer has one) or concatenated as they are. */
export type PromptFormat = "chat" | "plain";

/** Which trainer's sequence construction a run reproduces (lib/scoring/sequence.ts `SEQUENCE_RULES`). */
export type SequenceRules = "paper" | "trl-0.12" | "trl-0.28";

/** Batching limits for a run, and why. */
export interface BatchPlan {
  /** Max rows per forward pass. */
  batchSize: number;
  /** Max padded tokens (rows × longest) per forward pass. */
  maxBatchTokens: number;
  /** False when one max-length row exceeds the device's limit: such rows are scored in KV-cached windows. */
  longestFits: boolean;
  /** One line for the UI: the limits and what bound them. */
  note: string;
}

/** Backend calibration's outcome (calibrate.ts): the backend kept and each backend's time for one batch. */
export interface CalibrationResult {
  backend: "webgpu" | "wasm";
  webgpuMs: number;
  wasmMs: number;
}

/** One scored token: its text (as it appears in the rendered response) and log p(token | everything before). */
export interface TokenLogp {
  id: number;
  text: string;
  logp: number;
}

/** One side of the inspected pair. */
export interface InspectedResponse {
  tokens: TokenLogp[];
  sumLogp: number;
  meanLogp: number;
  /** Prompt tokens the model read before the response (after truncation). */
  promptTokens: number;
  /** The exact ids the model read: the prompt's (after truncation) and the whole response's (EOS included). */
  promptIds: number[];
  responseIds: number[];
}

/** Both sides plus what tokenization changed. */
export interface InspectedPair {
  chosen: InspectedResponse;
  rejected: InspectedResponse;
  promptTruncated: boolean;
  responseTruncated: boolean;
  boundaryMerged: boolean;
  /** The tokenizer's BOS and EOS ids (marked in the id view), null when it has none. */
  bosTokenId: number | null;
  eosTokenId: number | null;
}

/** Log-prob results of one LM over a chunk (sums and scored-token counts per side). */
export interface LmChunk {
  chosenLogps: Float64Array;
  rejectedLogps: Float64Array;
  chosenTokens: Float64Array;
  rejectedTokens: Float64Array;
  /** Truncation code per row (bit flags of lib/scoring/truncation.ts); NaN = unknown (e.g. stored by an older version). */
  truncated: Float64Array;
}

/** Reward scores of both sides over a chunk. */
export interface RmChunk {
  scoreChosen: Float64Array;
  scoreRejected: Float64Array;
}

/** Results of a set of rows, aligned with `rows`. */
export interface ScoredChunk {
  rows: Int32Array;
  /** Absent in a reward-model-only run. */
  policy?: LmChunk;
  reference?: LmChunk;
  reward?: RmChunk;
  /** True for rows that came from the result store. */
  fromCache: boolean;
}

/** Speed and completion after a chunk. */
export interface RunStats {
  /** Rows finished, cached ones included. */
  done: number;
  total: number;
  /** Rows taken from the result store. */
  cached: number;
  /** Rows whose pair could not be tokenized (their values are NaN). */
  failed: number;
  /** Over rows scored in this run (cached rows excluded); 0 before the first scored chunk. */
  pairsPerSec: number;
  tokensPerSec: number;
  /** Seconds left at the current speed; null before the first scored chunk. */
  etaSeconds: number | null;
  elapsedMs: number;
  /** Stored results that could not be used (damaged, foreign, old layout), worded for the UI; absent when none. */
  storeNotice?: string | null;
}

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
  /** What loading found and repaired (a damaged cache entry downloaded again...); empty when nothing. */
  notices?: string[];
  /**
   * A reward model's graph outputs with their declared dims (e.g. ArmoRM's `rewards` [batch, 19], `score` [batch, 1]):
   * what `ScoreArgs.rewardOutput` may name. Absent for language models.
   */
  outputs?: { name: string; dims: (number | string)[] }[];
  /** A reward model's config.json id2label (names of the `logits` labels), when it has one. */
  labels?: Record<string, string>;
  /** A reward model's input: its chat-templated conversation (decoder) or a question/answer text pair (encoder). */
  rewardInput?: "conversation" | "text-pair";
}

/** Settings of a run (TRL's truncation; margins are formed on the main thread from the stored log-probs). */
export interface ScoreArgs {
  maxLength: number;
  maxPromptLength: number;
  /** Chat template (default) or plain concatenation; see SequenceOptions.promptFormat. */
  promptFormat?: PromptFormat;
  /** Trainer sequence rules; `paper` when absent. */
  sequenceRules?: SequenceRules;
  chunkPairs?: number;
  batchSize?: number;
  maxBatchTokens?: number;
  /**
   * WASM forward workers for this run (1..4: the `?scoringWorkers=N` dev option); absent: `planScoringPool` decides
   * from the cores, the model's memory and the rows (lib/scoring/pool-plan.ts).
   */
  workers?: number;
  /**
   * Which output of the reward model, and which label of it, is the reward (one of `ModelInfo.outputs`); the default
   * (`logits`, else `score`, label 0) when absent. Part of the stored-results key.
   */
  rewardOutput?: { name: string; index: number };
}

/**
 * Payload of the `score` call's progress messages: the run's stats. The results themselves went to the dataset
 * worker over the link ({@link DatasetLinkApi} `chunk`), not through the page.
 */
export interface ScoreProgress {
  stats: RunStats;
  /** Batch limits of the run, from the policy's device limits and shape; its note ends with the pool's reason. */
  plan: BatchPlan;
  /** Workers × threads the run's language models ran on (WASM; one worker on WebGPU or without nested workers). */
  pool?: { workers: number; threadsPerWorker: number; reason: string };
  /** Rows the dataset worker has acknowledged so far (cached ones included). */
  delivered: number;
}

/** Progress stage of a run while its forward workers start (each opens the model); its data is {@link PoolStarting}. */
export const POOL_STARTING_STAGE = "starting-workers";

/** What a run says while its pool starts (before the first chunk's {@link ScoreProgress}). */
export interface PoolStarting {
  starting: string;
}

/** The dataset open in the dataset worker, as the scoring worker sees it over the link. */
export interface LinkedDataset {
  rowCount: number;
  /** Keys stored results: the file's full SHA-256 and the pair mapping (`sha256:mappingKey`). */
  datasetKey: string;
  name: string;
}

/**
 * What the scoring worker asks of the dataset worker, the one owner of rows and columns, over a MessagePort the page
 * links between them (lib/worker/port-rpc.ts): the dataset's identity, the pairs of some rows (to tokenize), and the
 * results of a run, chunk by chunk (buffers transferred).
 */
export type DatasetLinkApi = {
  /** The open dataset (waits for its SHA-256, hashed in the background since it opened). */
  info: { args: Record<string, never>; result: LinkedDataset };
  /** Pairs of `rows`, in that order; with `run`, refused (code "stale-run") once that run's dataset is not open. */
  pairs: { args: { rows: number[]; run?: number }; result: Pair[] };
  /** Starts a run's result columns (the previous run's are replaced); `datasetKey` must still be the open dataset's. */
  beginRun: { args: { datasetKey: string }; result: { run: number } };
  /** One chunk of the run's results; replies with the rows the run has so far. */
  chunk: { args: { run: number; chunk: ScoredChunk }; result: { scored: number } };
};

/** A chat message as generation reads a prompt (`{role, content}`). */
export interface GenerationMessage {
  role: string;
  content: string;
}

/** Where a generation run's prompts come from. */
export type GenerationPrompts =
  /** A prompts file (JSONL, JSON, CSV, Parquet, optionally gzipped) with a prompt field (a string or messages). */
  | { kind: "file"; file: Blob; name: string; field?: string }
  /** The prompts of the dataset open in the dataset worker (over the link, see `linkDataset`), one per row. */
  | { kind: "dataset" };

/** Everything that decides a generation run's text (lib/generation/run.ts `GenerationSettings`). */
export interface GenerateSettings {
  /** Samples per prompt. */
  k: number;
  /** 0 = greedy. */
  temperature: number;
  topP: number;
  /** 0 = off. */
  topK: number;
  /** 1 = off. */
  repetitionPenalty: number;
  maxNewTokens: number;
  seed: number;
  promptFormat?: PromptFormat;
  rules?: SequenceRules;
}

/** One prompt's k responses, as generated (or read back from the generation store). */
export interface GeneratedPrompt {
  /** 0-based index of the prompt in its source. */
  index: number;
  prompt: string | GenerationMessage[];
  promptTokens: number;
  /** Response texts in sample order. */
  responses: string[];
  /** Reward-model score per response; null when no reward model was loaded. */
  rmScores: number[] | null;
  /** Sum of the policy's log-probs of each response's generated ids (the stop token included). */
  sumLogps: number[];
  /** Generated ids per response (the stop token included). */
  tokenCounts: number[];
  finish: ("stop" | "length" | "context")[];
  /** Whether each response's text re-tokenises to its sampled ids (else the scorer reads other tokens). */
  retokenizes: boolean[];
  /** Why the prompt got no responses (too long for the model's context...). */
  error?: string;
}

/** Speed and completion of a generation run. */
export interface GenerateStats {
  /** Prompts finished, stored ones included. */
  done: number;
  total: number;
  /** Prompts read back from the generation store (a resumed run). */
  stored: number;
  /** Prompts that got an error instead of responses. */
  failed: number;
  /** Tokens generated by this run so far (stored prompts excluded). */
  generatedTokens: number;
  promptsPerSec: number;
  tokensPerSec: number;
  etaSeconds: number | null;
  elapsedMs: number;
}

/** Payload of the `generate` call's progress messages. */
export type GenerateProgress =
  /** Finished prompts: read back from the store (`stored`) or just generated and scored. */
  | { kind: "results"; results: GeneratedPrompt[]; stored: boolean; stats: GenerateStats }
  /** The prompt being generated: its samples' text so far (throttled). */
  | { kind: "step"; index: number; texts: string[]; stats: GenerateStats };

/** What a finished generation run reports. */
export interface GenerateResult {
  stats: GenerateStats;
  /** The run's key in the generation store. */
  runKey: string;
  /** Content hash of the policy that generated (recorded in each row's settings). */
  policyHash: string;
  rewardHash: string | null;
  /** Stored entries that could not be read back (old or foreign): those prompts were generated again. */
  unreadableStored: number;
  /** Set when the generation session could not use the policy's backend (WebGPU → WASM), with why. */
  backendNotice: string | null;
}

/** Run control state. */
export type RunState = "idle" | "running" | "paused";

/** Scoring worker API. */
export type ScoringApi = {
  /**
   * Links this worker to the dataset worker (the other end of `port` went to its `linkScoring`): rows are read and
   * results written through it. A new link replaces the old one; calls pending on the old one fail (code
   * "link-closed"), so a run whose dataset worker restarted stops with a clear error.
   */
  linkDataset: { args: { port: MessagePort }; result: null };
  /**
   * Sends the stored results of the last run's settings to the dataset worker again, without scoring anything (a
   * restarted dataset worker gets the page's scores back); waits for a run in progress to end. Replies with the rows
   * sent (0 when no run was made since this worker started).
   */
  replayStored: { args: Record<string, never>; result: { rows: number } };
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
    args: {
      row: number;
      maxLength: number;
      maxPromptLength: number;
      promptFormat?: PromptFormat;
      sequenceRules?: SequenceRules;
    };
    result: InspectedPair;
  };
  /** Forgets every stored result (IndexedDB). */
  clearResults: { args: Record<string, never>; result: null };
  /**
   * Samples `settings.k` responses per prompt with the loaded policy, scores them with the loaded reward model (when
   * one is loaded) and stores each finished prompt; prompts stored by an earlier run with the same key are read back,
   * not generated again. Progress carries {@link GenerateProgress}. Pause / resume / cancel control it like `score`.
   */
  generate: {
    args: {
      prompts: GenerationPrompts;
      settings: GenerateSettings;
      rewardMaxLength?: number;
      /** The reward model's output and label read as the score (as `ScoreArgs.rewardOutput`); default when absent. */
      rewardOutput?: { name: string; index: number };
    };
    result: GenerateResult;
  };
  /** Forgets every stored generation run (IndexedDB). */
  clearGenerations: { args: Record<string, never>; result: null };
};
