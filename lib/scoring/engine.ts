/**
 * Log-prob scoring engine over an ONNX Runtime session (onnxruntime-web in the browser, onnxruntime-node in the
 * CLI: both fit `InferenceSessionLike`). The session must be a decoder rewritten by `addTokenLogprobOutput`.
 *
 * Batches are right-padded: pad slots get attention_mask 0 (never attended to) and their outputs are dropped,
 * and every real token gets its true position id, so padding cannot change a result beyond float rounding.
 * Prompt sharing runs the common prompt prefix once and feeds its present.* as the past of the chosen and the
 * rejected continuation (two runs on the same past tensors, so nothing is copied).
 *
 * Graphs with `com.microsoft.GroupQueryAttention` (onnxruntime-genai exports) take no mask pattern: GQA reads each
 * row's length from sum(attention_mask) and assumes its tokens fill slots 0..len-1. Measured with onnxruntime-node
 * and -web 1.30 on a GQA build of the demo LM: right-padded batches without past are exact (max abs diff 0 vs one
 * row at a time), but with a past and more than one new token GQA refuses batches > 1 ("batch_size must be 1 when
 * sequence_length > 1 and past context is given"), and an all-padding row fails (seqlens_k = -1). So for those
 * graphs ({@link DecoderLayout.contiguousRowsOnly}) prompt sharing runs one pair at a time and an empty shared
 * prefix gets no prefix run; full runs keep their padded batches.
 *
 * Other export variants: a `logits_to_keep` / `num_logits_to_keep` input gets 0 (every position's logits); a
 * decoder without KV cache (the `text-generation` task) runs whole rows, never windows or shared prompts; a merged
 * decoder gets `use_cache_branch` = (past length > 0). Graphs with `DynamicQuantizeLinear` (int8 dynamic
 * quantisation) quantise activations per tensor at run time, so a row's numbers would depend on the rows, padding
 * and prompt split around it: those graphs score each sequence alone and whole, as a batch-of-one run would.
 * Vocabulary-sized tensors stay inside the runtime (see `logprob-graph.ts`), and the token budget per pass shrinks
 * with the vocabulary so that they fit ({@link ScoreOptions.maxLogitsBytes}).
 */
import { TARGET_IDS, TOKEN_LOGPROBS } from "./logprob-graph";
import type { TokenizedPair } from "./sequence";

/** The tensor surface the engine reads (ort.Tensor satisfies it). */
export interface TensorLike {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
}

/** A constructor like `ort.Tensor` (from onnxruntime-web or onnxruntime-node). */
export type TensorCtor = new (
  type: "int64" | "float32" | "float16" | "bool",
  data: BigInt64Array | Float32Array | Uint16Array | Uint8Array,
  dims: readonly number[],
) => TensorLike;

/** Input metadata as ORT >= 1.22 exposes it (`session.inputMetadata`). */
export interface ValueMetadataLike {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: ReadonlyArray<number | string>;
}

/** The part of `ort.InferenceSession` the engine uses. */
export interface InferenceSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly ValueMetadataLike[];
  run(feeds: Record<string, TensorLike>, fetches: readonly string[]): Promise<Record<string, TensorLike>>;
}

/** One KV-cache input and the output that returns its updated value. */
export interface PastSlot {
  input: string;
  output: string;
  heads: number;
  headDim: number;
  type: "float32" | "float16";
}

/** How to feed this decoder: which optional inputs it declares and the shape of its cache. */
export interface DecoderLayout {
  past: PastSlot[];
  hasPositionIds: boolean;
  hasUseCacheBranch: boolean;
  /**
   * Attention reads row lengths, not the mask (GroupQueryAttention): every row's real tokens must fill slots 0..n-1
   * of past ++ input, and no row may be empty. Right padding of a run without past is fine; a past under a
   * right-padded batch (holes) is not, so prompt sharing goes one pair per run.
   */
  contiguousRowsOnly: boolean;
  /** The `logits_to_keep` / `num_logits_to_keep` input (int64, fed 0 = keep all) and its rank; null when absent. */
  logitsToKeep: { input: string; rank: 0 | 1 } | null;
  /**
   * Activations are quantised per tensor at run time (DynamicQuantizeLinear): the numbers of a row depend on what
   * else is in its tensors, so every sequence runs alone, unpadded and unsplit.
   */
  rowsInteract: boolean;
}

/** Inputs that make a graph's numbers depend on the whole batch (onnxruntime's dynamic int8 quantisation). */
const BATCH_DEPENDENT_OPS = ["DynamicQuantizeLinear", "DynamicQuantizeMatMul", "MatMulIntegerToFloat"];

/** transformers' names for "compute the logits of the last N positions only" (0 = all), newest first. */
const LOGITS_TO_KEEP_INPUTS = ["logits_to_keep", "num_logits_to_keep"];

/** Ops whose attention takes row lengths (seqlens_k) instead of a mask, so a mask with holes cannot be honoured. */
const LENGTH_BASED_ATTENTION_OPS = ["GroupQueryAttention"];

/** The decoder cannot be scored (missing rewrite, unknown cache shape...). */
export class ScoringEngineError extends Error {
  constructor(
    message: string,
    readonly code: "NOT_REWRITTEN" | "UNKNOWN_CACHE_SHAPE" | "UNSUPPORTED_INPUT" | "ABORTED" | "BAD_OUTPUT",
  ) {
    super(message);
  }
}

const PAST_RE = /^past_key_values\.(\d+)\.(key|value)$/;

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/**
 * Reads the cache layout from `session.inputMetadata` ([B, H, P, D] with numeric H and D, as Optimum exports);
 * symbolic dims fall back to config.json (num_key_value_heads / n_head, head_dim / hidden size). `opTypes` are the
 * graph's node types (`readOpTypes` of the model bytes; a session does not expose them).
 */
export function describeDecoder(
  session: InferenceSessionLike,
  config: Record<string, unknown> = {},
  opTypes: ReadonlySet<string> = new Set(),
): DecoderLayout {
  if (!session.inputNames.includes(TARGET_IDS) || !session.outputNames.includes(TOKEN_LOGPROBS)) {
    throw new ScoringEngineError(
      "session lacks target_ids/token_logprobs: load it via addTokenLogprobOutput",
      "NOT_REWRITTEN",
    );
  }
  for (const required of ["input_ids", "attention_mask"]) {
    if (!session.inputNames.includes(required)) {
      throw new ScoringEngineError(
        `the decoder has no "${required}" input (inputs: ${session.inputNames.join(", ")}); the engine feeds ` +
          "input_ids and attention_mask as Optimum's causal-LM exports declare them",
        "UNSUPPORTED_INPUT",
      );
    }
  }
  const known = (name: string) =>
    ["input_ids", "attention_mask", "position_ids", "use_cache_branch", TARGET_IDS, ...LOGITS_TO_KEEP_INPUTS].includes(
      name,
    ) || PAST_RE.test(name);
  const unknown = session.inputNames.filter((n) => !known(n));
  if (unknown.length) {
    throw new ScoringEngineError(
      `the decoder needs input${unknown.length > 1 ? "s" : ""} ${unknown.map((n) => `"${n}"`).join(", ")} that the ` +
        "engine cannot fill (it feeds input_ids, attention_mask, position_ids, past_key_values.N.key/value, " +
        "use_cache_branch and logits_to_keep / num_logits_to_keep); a multimodal or encoder-decoder export " +
        "cannot be scored as a causal LM",
      "UNSUPPORTED_INPUT",
    );
  }
  return describeDecoderCache(session, config, opTypes);
}

/** {@link describeDecoder} without the log-prob rewrite check (the generation engine's sessions lack it). */
export function describeDecoderCache(
  session: InferenceSessionLike,
  config: Record<string, unknown> = {},
  opTypes: ReadonlySet<string> = new Set(),
): DecoderLayout {
  const meta = new Map((session.inputMetadata ?? []).map((m) => [m.name, m]));
  const cfgHeads = num(config.num_key_value_heads) ?? num(config.n_head) ?? num(config.num_attention_heads);
  const hidden = num(config.n_embd) ?? num(config.hidden_size);
  const attnHeads = num(config.num_attention_heads) ?? num(config.n_head);
  const cfgHeadDim = num(config.head_dim) ?? (hidden && attnHeads ? hidden / attnHeads : null);
  const past: PastSlot[] = [];
  for (const input of session.inputNames) {
    if (!PAST_RE.test(input)) continue;
    const m = meta.get(input);
    const shape = m?.shape ?? [];
    const heads = num(shape[1]) ?? cfgHeads;
    const headDim = num(shape[3]) ?? cfgHeadDim;
    if (heads === null || headDim === null) {
      throw new ScoringEngineError(
        `cannot tell the shape of ${input} from metadata or config.json`,
        "UNKNOWN_CACHE_SHAPE",
      );
    }
    const type = m?.type === "float16" ? "float16" : "float32";
    past.push({ input, output: input.replace("past_key_values", "present"), heads, headDim, type });
  }
  const keepName = LOGITS_TO_KEEP_INPUTS.find((n) => session.inputNames.includes(n));
  return {
    past,
    hasPositionIds: session.inputNames.includes("position_ids"),
    hasUseCacheBranch: session.inputNames.includes("use_cache_branch"),
    contiguousRowsOnly: LENGTH_BASED_ATTENTION_OPS.some((op) => opTypes.has(op)),
    logitsToKeep: keepName ? { input: keepName, rank: meta.get(keepName)?.shape?.length === 1 ? 1 : 0 } : null,
    rowsInteract: BATCH_DEPENDENT_OPS.some((op) => opTypes.has(op)),
  };
}

/** Log-prob result of one response. */
export interface ResponseScore {
  /** Sum of the response tokens' log-probs (DPO's log pi). */
  sumLogp: number;
  /** Number of scored tokens (the first token of a sequence with no prompt has no prediction and is not scored). */
  tokens: number;
  /** sumLogp / tokens (SimPO's length-normalised score); NaN when no token was scored. */
  meanLogp: number;
  /** Per-token log-probs of the scored tokens, in order. */
  tokenLogps: Float32Array;
}

/** Scores of both sides of a pair. */
export interface PairScore {
  chosen: ResponseScore;
  rejected: ResponseScore;
}

/** One sequence to score: the model reads promptIds ++ responseIds and the response tokens are scored. */
export interface ScoreSequence {
  promptIds: readonly number[];
  responseIds: readonly number[];
}

/** Batching and progress options. */
export interface ScoreOptions {
  /** Max rows per forward pass (default 8). */
  batchSize?: number;
  /**
   * Max padded tokens (rows x longest) per forward pass (default 4096). A longer row goes alone, and a decoder with
   * a KV cache scores it in windows of this many tokens, each reading the cache of the windows before it.
   */
  maxBatchTokens?: number;
  /**
   * Max bytes of vocabulary-sized float32 tensors per forward pass inside the runtime (default 512 MiB): the
   * rewritten graph holds logits and their log-softmax, 8 x vocab_size bytes per token, so with config.json's
   * vocab_size the token budget becomes min(maxBatchTokens, maxLogitsBytes / (8 x vocab_size)). For Qwen2's 151,936
   * tokens that is 441 tokens per pass (0.54 GB), where 4096 would need 5 GB, more than a 32-bit WASM heap.
   */
  maxLogitsBytes?: number;
  /** Run each pair's common prompt once and reuse its KV cache (default true). */
  sharePrompt?: boolean;
  /** Called after each batch with rows done so far and the total. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Default {@link ScoreOptions.maxLogitsBytes}: 512 MiB, an eighth of a 32-bit WASM heap. */
export const DEFAULT_MAX_LOGITS_BYTES = 512 * 2 ** 20;
/** Bytes per (token, vocabulary entry) in a pass: float32 logits plus their float32 log-softmax. */
const LOGITS_BYTES_PER_ENTRY = 8;

/**
 * Tokens per forward pass: `maxBatchTokens` (default 4096), capped so that the pass's vocabulary-sized tensors fit
 * `maxLogitsBytes`; the cap is skipped when the vocabulary size is unknown.
 */
export function tokensPerPass(vocabSize: number | null, options: ScoreOptions = {}): number {
  const { maxBatchTokens = 4096, maxLogitsBytes = DEFAULT_MAX_LOGITS_BYTES } = options;
  if (!vocabSize) return maxBatchTokens;
  return Math.max(1, Math.min(maxBatchTokens, Math.floor(maxLogitsBytes / (LOGITS_BYTES_PER_ENTRY * vocabSize))));
}

/** Groups indices of similar length (length bucketing) under row and token budgets; keeps padding small. */
export function planBatches(lengths: readonly number[], batchSize: number, maxBatchTokens: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const batches: number[][] = [];
  let cur: number[] = [];
  for (const i of order) {
    const longest = Math.max(lengths[i], ...cur.map((j) => lengths[j]));
    if (cur.length && (cur.length + 1 > batchSize || (cur.length + 1) * longest > maxBatchTokens)) {
      batches.push(cur);
      cur = [];
    }
    cur.push(i);
  }
  if (cur.length) batches.push(cur);
  return batches;
}

/** {@link planBatches} over the rows `indices` of `lengths`; batches hold indices into `lengths`. */
function planSubset(indices: number[], lengths: readonly number[], batchSize: number, maxBatchTokens: number) {
  const sub = indices.map((i) => lengths[i]);
  return planBatches(sub, batchSize, maxBatchTokens).map((b) => b.map((k) => indices[k]));
}

/** Frees tensors a caller is done with: GPU-resident ones (WebGPU) hold device memory until then. */
function disposeAll(tensors: Record<string, TensorLike>): void {
  for (const t of Object.values(tensors)) (t as { dispose?: () => void }).dispose?.();
}

function finishScore(values: number[]): ResponseScore {
  const tokenLogps = Float32Array.from(values);
  const sumLogp = values.reduce((a, b) => a + b, 0);
  return { sumLogp, tokens: values.length, meanLogp: values.length ? sumLogp / values.length : NaN, tokenLogps };
}

/** A row of one forward pass: the tokens fed now, the past length before them, and which outputs to keep. */
interface Row {
  ids: readonly number[];
  pastLen: number;
  /** Index (within `ids`) of the first position whose prediction is a scored token; scores run to the end. */
  firstScored: number;
  /** The token after `ids` when the row is one window of a longer sequence: the last position predicts it. */
  nextId?: number;
}

/**
 * One independent piece of a {@link LogprobScorer.scorePairs} call: the same call on just these items (in this order)
 * runs exactly the forward passes the whole call runs for them, so its numbers are bit for bit the same wherever it
 * runs (another worker's session of the same graph). `pairs` go to `scorePairs`; `sequences` (index `2i` is pair
 * i's chosen side, `2i + 1` its rejected side) to `scoreSequences`, where the call flattens pairs into sequences.
 */
export type PairJob = { kind: "pairs"; pairs: number[] } | { kind: "sequences"; sequences: number[] };

/** Scores sequences and pairs on one rewritten decoder session. */
export interface LogprobScorer {
  readonly layout: DecoderLayout;
  scoreSequences(seqs: readonly ScoreSequence[], options?: ScoreOptions): Promise<ResponseScore[]>;
  scorePairs(pairs: readonly TokenizedPair[], options?: ScoreOptions): Promise<PairScore[]>;
  /** How `scorePairs(pairs, options)` splits into independent batches (what a pool of workers shares out). */
  planPairs(pairs: readonly TokenizedPair[], options?: ScoreOptions): PairJob[];
}

/** What the scorer knows about the graph beyond the session's inputs and outputs. */
export interface LogprobScorerOptions {
  /** The graph's node op types (`readOpTypes(modelBytes)`); GroupQueryAttention among them limits batching. */
  opTypes?: ReadonlySet<string>;
}

/** Creates the scorer; `Tensor` is the ORT module's Tensor class, `config` the model's config.json. */
export function createLogprobScorer(
  session: InferenceSessionLike,
  Tensor: TensorCtor,
  config: Record<string, unknown> = {},
  { opTypes }: LogprobScorerOptions = {},
): LogprobScorer {
  const layout = describeDecoder(session, config, opTypes);
  const i64 = (values: number[], dims: number[]) => new Tensor("int64", BigInt64Array.from(values, BigInt), dims);
  const tokenBudget = (options: ScoreOptions) => tokensPerPass(num(config.vocab_size), options);

  function emptyPast(batch: number): Record<string, TensorLike> {
    const feeds: Record<string, TensorLike> = {};
    for (const p of layout.past) {
      const data = p.type === "float16" ? new Uint16Array(0) : new Float32Array(0);
      feeds[p.input] = new Tensor(p.type, data, [batch, p.heads, 0, p.headDim]);
    }
    return feeds;
  }

  /**
   * One forward pass over right-padded rows. `past` holds the cache of the prefix (length `pastSlots`, right-padded,
   * `pastMask` marks real slots). Returns per-row log-prob arrays and, when asked, the present.* tensors.
   */
  async function forward(
    rows: Row[],
    past: { feeds: Record<string, TensorLike>; slots: number; mask: number[][] } | null,
    wantPresent: boolean,
  ): Promise<{ logps: number[][]; present: Record<string, TensorLike> }> {
    const B = rows.length;
    const T = Math.max(1, ...rows.map((r) => r.ids.length));
    const P = past?.slots ?? 0;
    const ids: number[] = [];
    const targets: number[] = [];
    const positions: number[] = [];
    const mask: number[] = [];
    rows.forEach((r, b) => {
      if (past) mask.push(...past.mask[b]);
      for (let t = 0; t < T; t++) {
        const real = t < r.ids.length;
        ids.push(real ? r.ids[t] : 0);
        targets.push(t + 1 < r.ids.length ? r.ids[t + 1] : t + 1 === r.ids.length ? (r.nextId ?? 0) : 0);
        positions.push(real ? r.pastLen + t : 0);
        mask.push(real ? 1 : 0);
      }
    });
    const feeds: Record<string, TensorLike> = {
      input_ids: i64(ids, [B, T]),
      attention_mask: i64(mask, [B, P + T]),
      [TARGET_IDS]: i64(targets, [B, T]),
      ...(past ? past.feeds : emptyPast(B)),
    };
    if (layout.hasPositionIds) feeds.position_ids = i64(positions, [B, T]);
    if (layout.hasUseCacheBranch) feeds.use_cache_branch = new Tensor("bool", Uint8Array.of(P > 0 ? 1 : 0), [1]);
    // 0 keeps every position's logits (transformers slices hidden_states[:, -0:] = all): each one is scored.
    if (layout.logitsToKeep) feeds[layout.logitsToKeep.input] = i64([0], layout.logitsToKeep.rank ? [1] : []);
    const fetches = [TOKEN_LOGPROBS, ...(wantPresent ? layout.past.map((p) => p.output) : [])];
    const out = await session.run(feeds, fetches);
    const lp = out[TOKEN_LOGPROBS];
    if (!lp || !(lp.data instanceof Float32Array) || lp.data.length !== B * T) {
      throw new ScoringEngineError(
        `token_logprobs has shape [${lp?.dims.join(",")}], expected [${B},${T}]`,
        "BAD_OUTPUT",
      );
    }
    const data = lp.data;
    const logps = rows.map((r, b) => {
      const vals: number[] = [];
      // Position t predicts ids[t+1]; the last real position predicts `nextId` when there is one, else nothing.
      const end = r.nextId === undefined ? r.ids.length - 1 : r.ids.length;
      for (let t = r.firstScored; t < end; t++) vals.push(data[b * T + t]);
      return vals;
    });
    const present: Record<string, TensorLike> = {};
    if (wantPresent) for (const p of layout.past) present[p.input] = out[p.output];
    return { logps, present };
  }

  function checkAbort(signal?: AbortSignal) {
    if (signal?.aborted) throw new ScoringEngineError("scoring aborted", "ABORTED");
  }

  /**
   * One sequence longer than `window` tokens, in windows of `window`: each window reads the KV cache of the ones
   * before it (batch of one, so no padding and no holes), so no tensor ever holds more than `window` positions of
   * logits. Equal to a single pass up to float rounding.
   */
  async function scoreWindowed(s: ScoreSequence, window: number, signal?: AbortSignal): Promise<ResponseScore> {
    const ids = [...s.promptIds, ...s.responseIds];
    const firstScored = Math.max(0, s.promptIds.length - 1);
    const values: number[] = [];
    let past: Record<string, TensorLike> | null = null;
    try {
      for (let at = 0; at < ids.length; at += window) {
        checkAbort(signal);
        const end = Math.min(ids.length, at + window);
        const more = end < ids.length;
        const row: Row = {
          ids: ids.slice(at, end),
          pastLen: at,
          firstScored: Math.max(0, firstScored - at),
          nextId: more ? ids[end] : undefined,
        };
        const pastArg = past ? { feeds: past, slots: at, mask: [new Array<number>(at).fill(1)] } : null;
        const { logps, present } = await forward([row], pastArg, more);
        values.push(...logps[0]);
        if (past) disposeAll(past);
        past = more ? present : null;
      }
    } finally {
      if (past) disposeAll(past);
    }
    return finishScore(values);
  }

  async function scoreSequences(seqs: readonly ScoreSequence[], options: ScoreOptions = {}): Promise<ResponseScore[]> {
    const batchSize = layout.rowsInteract ? 1 : (options.batchSize ?? 8);
    const maxBatchTokens = tokenBudget(options);
    const results = new Array<ResponseScore>(seqs.length);
    const lengths = seqs.map((s) => s.promptIds.length + s.responseIds.length);
    let done = 0;
    // An empty sequence has nothing to score, and an all-padding row breaks length-based attention (seqlens_k -1).
    const empty = lengths.flatMap((n, i) => (n === 0 ? [i] : []));
    for (const i of empty) results[i] = finishScore([]);
    done += empty.length;
    const nonEmpty = lengths.flatMap((n, i) => (n > 0 ? [i] : []));
    for (const batch of planSubset(nonEmpty, lengths, batchSize, maxBatchTokens)) {
      checkAbort(options.signal);
      // A row over the token budget goes alone; with a KV cache it is split into windows instead of one pass (a
      // decoder without one cannot split it, so its logits exceed the budget). Under dynamic quantisation a window's
      // activations are quantised apart from the rest's: windows differ from a whole-row run by that rounding.
      if (batch.length === 1 && lengths[batch[0]] > maxBatchTokens && layout.past.length > 0) {
        results[batch[0]] = await scoreWindowed(seqs[batch[0]], Math.max(1, maxBatchTokens), options.signal);
        done += 1;
        options.onProgress?.(done, seqs.length);
        continue;
      }
      const rows = batch.map((i) => {
        const s = seqs[i];
        return {
          ids: [...s.promptIds, ...s.responseIds],
          pastLen: 0,
          firstScored: Math.max(0, s.promptIds.length - 1),
        };
      });
      const { logps } = await forward(rows, null, false);
      batch.forEach((i, k) => (results[i] = finishScore(logps[k])));
      done += batch.length;
      options.onProgress?.(done, seqs.length);
    }
    return results;
  }

  /**
   * Mirrors the batching of {@link scoreSequences} and {@link scorePairs} below; engine.test.ts checks that running
   * every job on its own gives those calls' numbers exactly.
   */
  function planPairs(pairs: readonly TokenizedPair[], options: ScoreOptions = {}): PairJob[] {
    const maxBatchTokens = tokenBudget(options);
    const sharePrompt = (options.sharePrompt ?? true) && !layout.rowsInteract;
    if (!sharePrompt || layout.past.length === 0) {
      const lengths = pairs.flatMap((p) => [
        p.chosen.promptIds.length + p.chosen.responseIds.length,
        p.rejected.promptIds.length + p.rejected.responseIds.length,
      ]);
      const batchSize = layout.rowsInteract ? 1 : (options.batchSize ?? 8);
      const empty = lengths.flatMap((n, i) => (n === 0 ? [i] : []));
      const nonEmpty = lengths.flatMap((n, i) => (n > 0 ? [i] : []));
      const jobs: PairJob[] = planSubset(nonEmpty, lengths, batchSize, maxBatchTokens).map((b) => ({
        kind: "sequences",
        sequences: b,
      }));
      // Empty sequences run no forward pass: one job for all of them.
      return empty.length ? [{ kind: "sequences", sequences: empty }, ...jobs] : jobs;
    }
    const batchSize = layout.contiguousRowsOnly ? 1 : (options.batchSize ?? 8);
    const lengths = pairs.map((p) =>
      Math.max(
        p.chosen.promptIds.length + p.chosen.responseIds.length,
        p.rejected.promptIds.length + p.rejected.responseIds.length,
      ),
    );
    const long = lengths.flatMap((n, i) => (n > maxBatchTokens ? [i] : []));
    const fits = lengths.flatMap((n, i) => (n <= maxBatchTokens ? [i] : []));
    return [
      ...long.map((i): PairJob => ({ kind: "pairs", pairs: [i] })),
      ...planSubset(fits, lengths, batchSize, maxBatchTokens).map((b): PairJob => ({ kind: "pairs", pairs: b })),
    ];
  }

  async function scorePairs(pairs: readonly TokenizedPair[], options: ScoreOptions = {}): Promise<PairScore[]> {
    const maxBatchTokens = tokenBudget(options);
    // Per-tensor activation quantisation would quantise the shared prompt apart from its continuation.
    const sharePrompt = (options.sharePrompt ?? true) && !layout.rowsInteract;
    // Length-based attention refuses a past under a batch of several multi-token rows: one pair per run.
    const batchSize = layout.contiguousRowsOnly ? 1 : (options.batchSize ?? 8);
    if (!sharePrompt || layout.past.length === 0) {
      const flat = await scoreSequences(
        pairs.flatMap((p) => [p.chosen, p.rejected]),
        { ...options, onProgress: options.onProgress && ((d, t) => options.onProgress?.(d / 2, t / 2)) },
      );
      return pairs.map((_, i) => ({ chosen: flat[2 * i], rejected: flat[2 * i + 1] }));
    }
    // Shared prefix: the common prompt minus its last token, which is fed with each continuation so that the
    // continuation's first position predicts the first response token (prompts differ at most in a merged token).
    const shared = pairs.map((p) => {
      const a = p.chosen.promptIds;
      const b = p.rejected.promptIds;
      let k = 0;
      while (k < a.length && k < b.length && a[k] === b[k]) k++;
      return Math.max(0, k - 1);
    });
    const lengths = pairs.map((p) =>
      Math.max(
        p.chosen.promptIds.length + p.chosen.responseIds.length,
        p.rejected.promptIds.length + p.rejected.responseIds.length,
      ),
    );
    const results = new Array<PairScore>(pairs.length);
    let done = 0;
    // Pairs longer than the token budget are scored side by side in windows (see scoreWindowed), not shared.
    const long = lengths.flatMap((n, i) => (n > maxBatchTokens ? [i] : []));
    for (const i of long) {
      const [chosen, rejected] = await scoreSequences([pairs[i].chosen, pairs[i].rejected], {
        ...options,
        onProgress: undefined,
      });
      results[i] = { chosen, rejected };
      done += 1;
      options.onProgress?.(done, pairs.length);
    }
    const fits = lengths.flatMap((n, i) => (n <= maxBatchTokens ? [i] : []));
    for (const batch of planSubset(fits, lengths, batchSize, maxBatchTokens)) {
      checkAbort(options.signal);
      const prefixRows = batch.map((i) => ({
        ids: pairs[i].chosen.promptIds.slice(0, shared[i]),
        pastLen: 0,
        firstScored: 0,
      }));
      // No shared prefix in the whole batch: nothing to run once (and a row of padding only would break GQA).
      const hasPrefix = prefixRows.some((r) => r.ids.length > 0);
      const { present } = hasPrefix ? await forward(prefixRows, null, true) : { present: {} };
      const slots = Math.max(1, ...prefixRows.map((r) => r.ids.length));
      const pastMask = prefixRows.map((r) => Array.from({ length: slots }, (_, j) => (j < r.ids.length ? 1 : 0)));
      const past = hasPrefix ? { feeds: present, slots, mask: pastMask } : null;
      const side = async (pick: (p: TokenizedPair) => ScoreSequence) => {
        const rows = batch.map((i) => {
          const s = pick(pairs[i]);
          const full = [...s.promptIds, ...s.responseIds];
          return {
            ids: full.slice(shared[i]),
            pastLen: shared[i],
            firstScored: Math.max(0, s.promptIds.length - 1 - shared[i]),
          };
        });
        return (await forward(rows, past, false)).logps;
      };
      let chosen: number[][];
      let rejected: number[][];
      try {
        chosen = await side((p) => p.chosen);
        rejected = await side((p) => p.rejected);
      } finally {
        disposeAll(present);
      }
      batch.forEach((i, k) => (results[i] = { chosen: finishScore(chosen[k]), rejected: finishScore(rejected[k]) }));
      done += batch.length;
      options.onProgress?.(done, pairs.length);
    }
    return results;
  }

  return { layout, scoreSequences, scorePairs, planPairs };
}
