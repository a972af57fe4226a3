/**
 * Scores every row of a dataset in chunks with a policy LM (and optionally a reference LM and a reward model),
 * shared by the scoring worker and the CLI. Each finished chunk is saved to a {@link ResultStore} before it is
 * reported, so a run cut short (reload, cancel, crash) resumes where it stopped with identical numbers, and rows
 * already stored for the same dataset, model and sequence settings cost nothing.
 */
import type { Pair } from "@/lib/dataset/types";
import type { PairScore } from "./engine";
import type { LoadedLanguageModel, LoadedRewardModel } from "./model-loader";
import type { ResultStore, RowValues, StoredRecordProblem } from "./result-store";
import {
  tokenizeForReward,
  tokenizePair,
  type RewardSequence,
  type SequenceOptions,
  type TokenizedPair,
} from "./sequence";
import type { ChatMessage, ScoringTokenizer } from "./tokenize";
import type { LmChunk, RmChunk, RunStats, ScoredChunk } from "./protocol";
import { truncationCode } from "./truncation";

/**
 * The models of a run: a policy (implicit margin), optionally a reference (DPO), and/or a reward model (explicit
 * margin). A reward model alone is a valid run (the file already has log-probs, or only scores are wanted); a
 * reference needs a policy.
 */
export interface ScoringModels {
  policy?: LoadedLanguageModel;
  reference?: LoadedLanguageModel;
  reward?: LoadedRewardModel;
}

/** Rows of the dataset as normalised pairs (DatasetSession.rows in practice). */
export interface PairSource {
  rowCount: number;
  pairs(rows: number[]): Promise<Pair[]>;
}

/** Run options. */
export interface RunOptions {
  /** Identity of the dataset contents and of how rows become pairs (hash + mapping). */
  datasetKey: string;
  sequence: SequenceOptions;
  store: ResultStore;
  /** Pairs per chunk (one store write and one progress report each); default 16. */
  chunkPairs?: number;
  batchSize?: number;
  maxBatchTokens?: number;
  signal?: AbortSignal;
  /** Awaited between chunks; resolves when the run may go on (pause support). */
  waitWhilePaused?: () => Promise<void>;
  onChunk?: (chunk: ScoredChunk, stats: RunStats) => void;
  /** Clock in ms (injectable for tests). */
  now?: () => number;
  /**
   * Called once, before the first chunk, when stored records of the run's keys were unusable (an older layout, a
   * damaged write): those rows are scored again. `storeProblemNotice` (result-store.ts) words them for the UI.
   */
  onStoreProblems?: (problems: StoredRecordProblem[]) => void;
  /** Only hand out the stored results (one chunk), score nothing (a restarted dataset worker gets them back). */
  storedOnly?: boolean;
}

/** A run stopped by its AbortSignal between chunks (stored chunks stay stored). */
export class RunCancelledError extends Error {
  readonly code = "cancelled";
  constructor() {
    super("scoring cancelled");
    this.name = "RunCancelledError";
  }
}

/** Version of the stored value layout; bump to invalidate stored results when it changes. */
const STORE_LAYOUT = "v1";

/**
 * Key of one model's results over one dataset under one set of sequence settings. A reward model's `outputKey`
 * (the output and label read as the reward, "" for the default) keys its scores apart.
 */
export function runKey(
  datasetKey: string,
  model: { kind: string; hash: string; outputKey?: string },
  seq: SequenceOptions,
): string {
  // "chat" (the default) adds nothing, so keys stored before the prompt format existed stay valid.
  const plain = seq.promptFormat === "plain" ? "/plain" : "";
  // Likewise "paper" (the default rules) adds nothing; other rules build other sequences, so they key apart.
  const rules = seq.rules && seq.rules !== "paper" ? `/${seq.rules}` : "";
  const s = `${seq.maxLength}/${seq.maxPromptLength}/${seq.truncationMode}/${seq.appendEos ? "eos" : "noeos"}${plain}${rules}`;
  // The default output adds nothing, so reward scores stored before outputs could be picked stay valid.
  const rm = `${seq.maxLength}${plain}${model.outputKey ? `/out=${model.outputKey}` : ""}`;
  return `${STORE_LAYOUT}|${datasetKey}|${model.kind}:${model.hash}|${model.kind === "rm" ? rm : s}`;
}

/** Response text of one side: its assistant turns (usually one), joined by newlines. */
function responseText(messages: { content: string }[]): string {
  return messages.map((m) => m.content).join("\n");
}

function promptOf(pair: Pair): ChatMessage[] {
  return pair.prompt.map((m) => ({ role: m.role, content: m.content }));
}

/** What a run feeds the tokenizer for a pair: the prompt turns and each side's response text. */
export function pairTexts(pair: Pair): { prompt: ChatMessage[]; chosen: string; rejected: string } {
  return { prompt: promptOf(pair), chosen: responseText(pair.chosen), rejected: responseText(pair.rejected) };
}

function lmChunk(n: number): LmChunk {
  const nan = () => new Float64Array(n).fill(NaN);
  return { chosenLogps: nan(), rejectedLogps: nan(), chosenTokens: nan(), rejectedTokens: nan(), truncated: nan() };
}

function rmChunk(n: number): RmChunk {
  return { scoreChosen: new Float64Array(n).fill(NaN), scoreRejected: new Float64Array(n).fill(NaN) };
}

function putLm(c: LmChunk, k: number, v: RowValues) {
  c.chosenLogps[k] = v[0];
  c.rejectedLogps[k] = v[1];
  c.chosenTokens[k] = v[2];
  c.rejectedTokens[k] = v[3];
  // Records stored before the truncation code existed hold four values: their truncation is unknown, not "none".
  c.truncated[k] = v.length > LM_TRUNCATED ? v[LM_TRUNCATED] : NaN;
}

function putRm(c: RmChunk, k: number, v: RowValues) {
  c.scoreChosen[k] = v[0];
  c.scoreRejected[k] = v[1];
}

/**
 * Index of the truncation code in an LM row's stored values, after the two sums and the two token counts. Appended
 * rather than keyed anew: the log-probs of rows stored without it are still exact, so STORE_LAYOUT stays "v1" and
 * such rows are reused (their code reads as unknown until results are cleared and the rows scored again).
 */
const LM_TRUNCATED = 4;
const LM_VALUES = LM_TRUNCATED + 1;

const lmValues = (p: PairScore, tp: TokenizedPair): RowValues =>
  Float64Array.of(p.chosen.sumLogp, p.rejected.sumLogp, p.chosen.tokens, p.rejected.tokens, truncationCode(tp));

/**
 * Scores every row not yet stored; reports stored rows first (one chunk, `fromCache`), then each new chunk.
 * Returns the final stats. Throws {@link RunCancelledError} when `signal` aborts.
 */
export async function scoreDataset(source: PairSource, models: ScoringModels, options: RunOptions): Promise<RunStats> {
  const { store, sequence, signal } = options;
  const now = options.now ?? (() => performance.now());
  const chunkPairs = Math.max(1, options.chunkPairs ?? 16);
  const started = now();
  const n = source.rowCount;
  if (!models.policy && !models.reward) throw new Error("a run needs a policy model or a reward model");
  if (models.reference && !models.policy) throw new Error("a reference model needs a policy model");
  const slots = [
    ...(models.policy ? [{ name: "policy" as const, model: models.policy }] : []),
    ...(models.reference ? [{ name: "reference" as const, model: models.reference }] : []),
    ...(models.reward ? [{ name: "reward" as const, model: models.reward }] : []),
  ].map((s) => ({ ...s, key: runKey(options.datasetKey, s.model, sequence) }));
  const problems: StoredRecordProblem[] = [];
  const stored = await Promise.all(
    slots.map((s) =>
      store.load(s.key, {
        // An LM row holds 4 values when stored before the truncation code existed (see LM_TRUNCATED), else 5.
        valueCounts: s.model.kind === "lm" ? [LM_TRUNCATED, LM_VALUES] : [2],
        onProblems: (p) => problems.push(...p),
      }),
    ),
  );
  if (problems.length) options.onStoreProblems?.(problems);

  const emptyChunk = (rows: number[]): ScoredChunk => ({
    rows: Int32Array.from(rows),
    policy: models.policy ? lmChunk(rows.length) : undefined,
    reference: models.reference ? lmChunk(rows.length) : undefined,
    reward: models.reward ? rmChunk(rows.length) : undefined,
    fromCache: false,
  });
  const fill = (chunk: ScoredChunk, slot: (typeof slots)[number]["name"], k: number, v: RowValues) => {
    if (slot === "reward") putRm(chunk.reward!, k, v);
    else putLm(slot === "policy" ? chunk.policy! : chunk.reference!, k, v);
  };

  const cachedRows: number[] = [];
  const todo: number[] = [];
  for (let row = 0; row < n; row++) (stored.every((m) => m.has(row)) ? cachedRows : todo).push(row);

  const stats: RunStats = {
    done: cachedRows.length,
    total: n,
    cached: cachedRows.length,
    failed: 0,
    pairsPerSec: 0,
    tokensPerSec: 0,
    etaSeconds: todo.length === 0 ? 0 : null,
    elapsedMs: 0,
  };
  if (cachedRows.length) {
    const chunk = { ...emptyChunk(cachedRows), fromCache: true };
    cachedRows.forEach((row, k) => slots.forEach((s, j) => fill(chunk, s.name, k, stored[j].get(row)!)));
    options.onChunk?.(chunk, { ...stats, elapsedMs: now() - started });
  }
  if (options.storedOnly) return { ...stats, elapsedMs: now() - started };

  let scoredPairs = 0;
  let scoredTokens = 0;
  let scoringMs = 0;
  const scoreOptions = { batchSize: options.batchSize, maxBatchTokens: options.maxBatchTokens, signal };
  for (let at = 0; at < todo.length; at += chunkPairs) {
    await options.waitWhilePaused?.();
    if (signal?.aborted) throw new RunCancelledError();
    const t0 = now();
    const rows = todo.slice(at, at + chunkPairs);
    const pairs = await source.pairs(rows);
    const chunk = emptyChunk(rows);
    const failed = new Set<number>();
    // Policy and reference usually share a tokenizer; tokenize once per distinct tokenizer object.
    const tokenized = new Map<ScoringTokenizer, (TokenizedPair | null)[]>();
    const tokenizeLm = (tok: ScoringTokenizer) => {
      let t = tokenized.get(tok);
      if (!t) {
        t = pairs.map((p, k) => {
          try {
            const t = pairTexts(p);
            return tokenizePair(tok, t.prompt, t.chosen, t.rejected, sequence);
          } catch {
            failed.add(k);
            return null;
          }
        });
        tokenized.set(tok, t);
      }
      return t;
    };
    for (const [j, slot] of slots.entries()) {
      const missing = rows.map((_, k) => k).filter((k) => !stored[j].has(rows[k]));
      for (const k of rows.keys()) if (stored[j].has(rows[k])) fill(chunk, slot.name, k, stored[j].get(rows[k])!);
      const values = new Map<number, RowValues>();
      if (slot.model.kind === "lm") {
        const toks = tokenizeLm(slot.model.tokenizer);
        const ks = missing.filter((k) => toks[k] !== null);
        const batch = ks.map((k) => toks[k]!);
        const scores = await slot.model.scorer.scorePairs(batch, scoreOptions);
        ks.forEach((k, i) => values.set(k, lmValues(scores[i], batch[i])));
        for (const tp of batch) {
          scoredTokens +=
            tp.chosen.promptIds.length +
            tp.chosen.responseIds.length +
            tp.rejected.promptIds.length +
            tp.rejected.responseIds.length;
        }
      } else {
        const { tokenizer: tok, tokenization } = slot.model;
        const ks: number[] = [];
        const seqs: { chosen: RewardSequence; rejected: RewardSequence }[] = [];
        for (const k of missing) {
          try {
            const p = pairs[k];
            const side = (text: string) =>
              tokenizeForReward(tok, promptOf(p), text, sequence.maxLength, sequence.promptFormat, tokenization);
            const c = side(responseText(p.chosen));
            const r = side(responseText(p.rejected));
            seqs.push({ chosen: c, rejected: r });
            ks.push(k);
          } catch {
            failed.add(k);
          }
        }
        const scores = await slot.model.scorer.scorePairs(seqs, scoreOptions);
        ks.forEach((k, i) => values.set(k, Float64Array.of(scores[i].chosen, scores[i].rejected)));
        for (const s of seqs) scoredTokens += s.chosen.ids.length + s.rejected.ids.length;
      }
      // Rows that failed to tokenize are stored as NaN too: re-running would fail the same way.
      for (const k of missing) {
        const v = values.get(k) ?? Float64Array.from({ length: slot.model.kind === "lm" ? LM_VALUES : 2 }, () => NaN);
        fill(chunk, slot.name, k, v);
        values.set(k, v);
      }
      const ordered = [...values.keys()].sort((a, b) => a - b);
      await store.save(
        slot.key,
        ordered.map((k) => rows[k]),
        ordered.map((k) => values.get(k)!),
      );
    }
    scoringMs += now() - t0;
    scoredPairs += rows.length;
    stats.done += rows.length;
    stats.failed += failed.size;
    stats.pairsPerSec = scoringMs > 0 ? (scoredPairs * 1000) / scoringMs : 0;
    stats.tokensPerSec = scoringMs > 0 ? (scoredTokens * 1000) / scoringMs : 0;
    stats.etaSeconds = stats.pairsPerSec > 0 ? (n - stats.done) / stats.pairsPerSec : null;
    stats.elapsedMs = now() - started;
    options.onChunk?.(chunk, { ...stats });
  }
  stats.elapsedMs = now() - started;
  return stats;
}
