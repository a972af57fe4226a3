/**
 * A generation run that keeps what it finishes: prompts stored under the run's key are read back and reported
 * first, the others are generated (lib/generation/run.ts), scored by the reward model when one is given, stored,
 * and reported one by one. Used by the scoring worker; Node tests drive it with an in-memory store.
 */
import type { RewardScorer } from "@/lib/scoring/reward";
import type { RewardTokenization } from "@/lib/scoring/sequence";
import type { ScoringTokenizer } from "@/lib/scoring/tokenize";
import type { PromptFormat, GenerateSettings, GenerateStats, GeneratedPrompt } from "@/lib/scoring/protocol";
import type { PromptSource } from "./prompts";
import type { GenerationStore } from "./result-store";
import {
  generateResponses,
  scoreResponses,
  type GenerationModel,
  type GenerationStats,
  type PromptResult,
} from "./run";

/** The parts of a run key: what decides the responses and their scores. */
export interface RunKeyParts {
  /** Content hash of the prompts (file hash and field, or the dataset's key). */
  prompts: string;
  policyHash: string;
  rewardHash: string | null;
  rewardMaxLength: number;
  settings: GenerateSettings;
}

/** The store key of a run: every setting that decides the text, in a fixed order (so equal settings, equal key). */
export function generationRunKey(p: RunKeyParts): string {
  const s = p.settings;
  const decided = [
    s.k,
    s.temperature,
    s.topP,
    s.topK,
    s.repetitionPenalty,
    s.maxNewTokens,
    s.seed,
    s.promptFormat ?? "chat",
    s.rules ?? "paper",
  ];
  return JSON.stringify(["gen1", p.prompts, p.policyHash, p.rewardHash, p.rewardHash ? p.rewardMaxLength : 0, decided]);
}

/** Options of a stored run. */
export interface StoredRunOptions {
  runKey: string;
  store: GenerationStore;
  settings: GenerateSettings;
  reward?: { tokenizer: ScoringTokenizer; scorer: RewardScorer; tokenization?: RewardTokenization } | null;
  rewardMaxLength?: number;
  signal?: AbortSignal;
  waitWhilePaused?: () => Promise<void>;
  /** Finished prompts: stored ones first (in batches, `stored` true), then each new one as it is stored. */
  onResults(results: GeneratedPrompt[], stored: boolean, stats: GenerateStats): void;
  /** The current prompt's texts so far, at most once per `stepIntervalMs`. */
  onStep?(index: number, texts: string[], stats: GenerateStats): void;
  stepIntervalMs?: number;
  now?: () => number;
}

/** The run's stats as the protocol reports them; `failedBefore`: stored prompts that had failed. */
function statsOf(s: GenerationStats, failedBefore: number): GenerateStats {
  return {
    done: s.done,
    total: s.total,
    stored: s.skipped,
    failed: s.failed + failedBefore,
    generatedTokens: s.generatedTokens,
    promptsPerSec: s.promptsPerSec,
    tokensPerSec: s.tokensPerSec,
    etaSeconds: s.etaSeconds,
    elapsedMs: s.elapsedMs,
  };
}

/** Scores one prompt's responses with the reward model (the explicit-margin scorer's construction). */
async function rewardScores(
  reward: NonNullable<StoredRunOptions["reward"]>,
  result: PromptResult,
  maxLength: number,
  promptFormat: PromptFormat,
): Promise<number[]> {
  if (result.responses.length === 0) return [];
  return scoreResponses(reward, result.prompt, result.responses, { maxLength, promptFormat });
}

/** Runs generation over `source`, keeping every finished prompt in the store; returns the final stats. */
export async function runStoredGeneration(
  source: PromptSource,
  model: GenerationModel,
  options: StoredRunOptions,
): Promise<{ stats: GenerateStats; unreadableStored: number }> {
  const { runKey, store, settings } = options;
  const reward = options.reward ?? null;
  const rewardMaxLength = options.rewardMaxLength ?? 2048;
  const now = options.now ?? (() => performance.now());
  const loaded = await store.load(runKey);
  // Stored prompts past the source's end cannot belong to it (the key includes the prompts' hash); skip them.
  const stored = [...loaded.prompts.values()].filter((p) => p.index < source.count).sort((a, b) => a.index - b.index);
  const done = new Set(stored.map((p) => p.index));
  const initial: GenerateStats = {
    done: done.size,
    total: source.count,
    stored: done.size,
    failed: stored.filter((p) => p.error !== undefined).length,
    generatedTokens: 0,
    promptsPerSec: 0,
    tokensPerSec: 0,
    etaSeconds: null,
    elapsedMs: 0,
  };
  for (let at = 0; at < stored.length; at += 256) {
    options.onResults(stored.slice(at, at + 256), true, initial);
  }
  const interval = options.stepIntervalMs ?? 150;
  let lastStep = -Infinity;
  const { tokenizer } = model;
  const final = await generateResponses(source, model, {
    settings,
    isDone: (i) => done.has(i),
    signal: options.signal,
    waitWhilePaused: options.waitWhilePaused,
    onStep: options.onStep
      ? (index, ids, s) => {
          const t = now();
          if (t - lastStep < interval) return;
          lastStep = t;
          options.onStep!(
            index,
            ids.map((x) => tokenizer.decode([...x])),
            statsOf(s, initial.failed),
          );
        }
      : undefined,
    onResult: async (result, s) => {
      const rmScores = reward
        ? await rewardScores(reward, result, rewardMaxLength, settings.promptFormat ?? "chat")
        : null;
      const prompt: GeneratedPrompt = {
        index: result.index,
        prompt: result.prompt,
        promptTokens: result.promptTokens,
        responses: result.responses,
        rmScores,
        sumLogps: result.sumLogps,
        tokenCounts: result.tokenCounts,
        finish: result.finish,
        retokenizes: result.retokenizes,
        ...(result.error !== undefined ? { error: result.error } : {}),
      };
      await store.save(runKey, prompt);
      options.onResults([prompt], false, statsOf(s, initial.failed));
    },
  });
  return { stats: statsOf(final, initial.failed), unreadableStored: loaded.unreadable };
}
