/**
 * Messages between the scoring worker (the coordinator: tokenizing, run bookkeeping, the dataset link) and its
 * forward workers (workers/forward.worker.ts), each with its own ONNX Runtime session of the run's language models.
 * The coordinator sends token ids of one batch ({@link PairJob} of engine.ts) and gets its log-probs back.
 */
import type { PairScore, ResponseScore, ScoreOptions, ScoreSequence } from "./engine";
import type { ModelFolder } from "./model-source";
import type { TokenizedPair } from "./sequence";

/** The language-model slots a forward worker holds a session for. */
export type ForwardRole = "policy" | "reference";

/** Batch options that cross the worker boundary (no callbacks, no signal: the coordinator cancels between jobs). */
export type ForwardScoreOptions = Pick<ScoreOptions, "batchSize" | "maxBatchTokens" | "maxLogitsBytes" | "sharePrompt">;

/** What a forward worker answers. */
export type ForwardApi = {
  /**
   * Opens `folder` (as read by the coordinator) with the app's loader and these session options; ORT's WASM thread
   * count is fixed by the first load. Returns the model's hash, which must equal the coordinator's.
   */
  load: {
    args: { role: ForwardRole; folder: ModelFolder; threads: number; sessionOptions: Record<string, unknown> };
    result: { hash: string; threads: number; loadMs: number };
  };
  /** `scorePairs` of one job's pairs (engine.ts), tokenLogps transferred. */
  scorePairs: {
    args: { role: ForwardRole; pairs: TokenizedPair[]; options: ForwardScoreOptions };
    result: PairScore[];
  };
  /** `scoreSequences` of one job's sequences. */
  scoreSequences: {
    args: { role: ForwardRole; sequences: ScoreSequence[]; options: ForwardScoreOptions };
    result: ResponseScore[];
  };
  /** Releases every session (the worker is terminated after). */
  release: { args: Record<string, never>; result: null };
};
