/**
 * Reward-model scoring over a sequence-classification ONNX session, for the shapes reward models are exported in:
 * - decoder classifiers (Optimum's export of transformers' `*ForSequenceClassification`: input_ids, attention_mask
 *   [, position_ids] -> logits [B, num_labels]). Tracing writes transformers' pooling into the graph with
 *   config.json's pad_token_id as a constant, so rows are right-padded with that id: right padding never moves the
 *   pooled position under either rule transformers has used (see {@link lastNonPadIndex}).
 * - decoder graphs that return per-token scores ([B, T, num_labels], or [B, T] whose second dim is input_ids'):
 *   pooled here with transformers' current rule, {@link lastNonPadIndex}.
 * - encoder classifiers (BERT / RoBERTa / DeBERTa-v2: input_ids, attention_mask, token_type_ids -> logits), which
 *   pool the first token inside the graph; padding is masked.
 * - several outputs or labels (ArmoRM's `rewards` / `gating_output` / `score`, num_labels > 1): the reward is one
 *   label of one output ({@link RewardOutputChoice}), `logits` label 0 by default.
 */
import {
  planBatches,
  ScoringEngineError,
  type InferenceSessionLike,
  type ScoreOptions,
  type TensorCtor,
} from "./engine";
import { defaultRewardOutput, type RewardGraphOutput, type RewardOutputChoice } from "./reward-outputs";

/** IEEE 754 half-precision bits to a number (fp16 exports return float16 logits as raw Uint16 bits). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** A float32 or float16 output as numbers; null for any other type. */
function floatValues(t: { type: string; data: unknown }): ArrayLike<number> | null {
  if (t.type === "float32" && t.data instanceof Float32Array) return t.data;
  if (t.type !== "float16") return null;
  // onnxruntime-web hands back Float16Array where the runtime has one, raw bits (Uint16Array) elsewhere.
  if (t.data instanceof Uint16Array) return Float32Array.from(t.data, halfToFloat);
  return ArrayBuffer.isView(t.data) ? (t.data as unknown as ArrayLike<number>) : null;
}

/**
 * The position transformers pools for a row: the rightmost token that is not `padTokenId`, 0 when every token is
 * pad (argmax of all zeros), the last token when there is no pad_token_id. This is
 * `(token_indices * (input_ids != pad)).argmax(-1)` of `GenericForSequenceClassification` /
 * `LlamaForSequenceClassification`, transformers >= 4.49.0 (PR #35911). Versions 4.32-4.48 took
 * `argmax(input_ids == pad) - 1` (the token before the *first* pad, the last token when there is none): the two
 * differ when pad_token_id equals eos_token_id and EOS occurs inside the sequence, where the old rule pools the token
 * before that EOS and the current one the last non-EOS token. A sequence that *ends* in pad is pooled before that
 * trailing run under both, exactly as transformers does.
 */
export function lastNonPadIndex(ids: ArrayLike<number>, padTokenId: number | null): number {
  if (padTokenId === null) return ids.length - 1;
  for (let t = ids.length - 1; t > 0; t--) if (ids[t] !== padTokenId) return t;
  return 0;
}

/** Explicit margin of one pair: r(chosen) - r(rejected). */
export interface RewardPairScore {
  chosen: number;
  rejected: number;
  margin: number;
}

/** A reward-model input: token ids and, for encoders fed a text pair, each token's segment (token_type_ids). */
export interface RewardInput {
  ids: readonly number[];
  typeIds?: readonly number[];
}

/** Token ids alone, or ids with segment ids. */
export type RewardSequenceLike = readonly number[] | RewardInput;

/** Scores token sequences with a reward model. */
export interface RewardScorer {
  /** The output and label read as the reward. */
  readonly output: RewardOutputChoice;
  /** Where the reward is pooled: inside the graph, or here at the last non-pad token of per-token scores. */
  readonly pooling: "graph" | "last-non-pad";
  scoreSequences(seqs: readonly RewardSequenceLike[], options?: ScoreOptions): Promise<Float64Array>;
  scorePairs(
    pairs: readonly { chosen: RewardSequenceLike; rejected: RewardSequenceLike }[],
    options?: ScoreOptions,
  ): Promise<RewardPairScore[]>;
}

/** How to read a reward model's graph. */
export interface RewardScorerOptions {
  /** The reward's output and label; {@link defaultRewardOutput} when absent. */
  output?: RewardOutputChoice;
  /** "encoder": bidirectional, pooled on the first token inside the graph; "decoder" (default): causal classifier. */
  architecture?: "decoder" | "encoder";
  /** The graph's declared inputs and outputs (readModelInfo): tell a per-token [B, T] output from a pooled [B, L]. */
  graph?: { inputs: readonly RewardGraphOutput[]; outputs: readonly RewardGraphOutput[] };
}

const KNOWN_INPUTS = new Set(["input_ids", "attention_mask", "position_ids", "token_type_ids"]);

/** Whether a declared output holds one value per token (rank 3, or rank 2 with input_ids' sequence dim). */
function declaredPerToken(out: RewardGraphOutput | undefined, inputIds: RewardGraphOutput | undefined): boolean {
  if (!out) return false;
  if (out.dims.length === 3) return true;
  const seq = inputIds?.dims[1];
  return out.dims.length === 2 && typeof seq === "string" && out.dims[1] === seq;
}

/**
 * Creates a reward scorer. `padTokenId` must be config.json's pad_token_id (what an exported decoder compares
 * against); null when config.json has none: then, as transformers refuses batches over 1 without it, every sequence
 * is scored alone and pooled at its last token.
 */
export function createRewardScorer(
  session: InferenceSessionLike,
  Tensor: TensorCtor,
  padTokenId: number | null,
  options: RewardScorerOptions = {},
): RewardScorer {
  const encoder = options.architecture === "encoder";
  const output = options.output ?? defaultRewardOutput(session.outputNames);
  if (!session.outputNames.includes(output.name)) {
    throw new ScoringEngineError(
      `reward output "${output.name}" is not an output of this graph (it has ${session.outputNames.join(", ")})`,
      "BAD_OUTPUT",
    );
  }
  if (!Number.isInteger(output.index) || output.index < 0) {
    throw new ScoringEngineError(`reward label index ${output.index} must be a whole number >= 0`, "BAD_OUTPUT");
  }
  const unknown = session.inputNames.filter((n) => !KNOWN_INPUTS.has(n));
  if (unknown.length) {
    throw new ScoringEngineError(
      `this reward model's graph needs input ${unknown.join(", ")}; a reward graph may only take ${[...KNOWN_INPUTS].join(", ")}`,
      "UNSUPPORTED_INPUT",
    );
  }
  const declared = options.graph?.outputs.find((o) => o.name === output.name);
  const perTokenDeclared = declaredPerToken(
    declared,
    options.graph?.inputs.find((i) => i.name === "input_ids"),
  );
  if (encoder && perTokenDeclared) {
    throw new ScoringEngineError(
      `reward output "${output.name}" [${declared!.dims.join(", ")}] holds a value per token; an encoder reward model must pool inside its graph`,
      "BAD_OUTPUT",
    );
  }
  // Encoders mask padding, so any id pads; decoders pool on the pad id and need config.json's.
  const pad = padTokenId ?? (encoder ? 0 : null);
  const i64 = (values: number[], dims: number[]) => new Tensor("int64", BigInt64Array.from(values, BigInt), dims);
  const toInput = (s: RewardSequenceLike): RewardInput => ("ids" in s ? (s as RewardInput) : { ids: s as number[] });

  async function scoreSequences(
    seqsIn: readonly RewardSequenceLike[],
    scoreOptions: ScoreOptions = {},
  ): Promise<Float64Array> {
    const seqs = seqsIn.map(toInput);
    const { maxBatchTokens = 4096 } = scoreOptions;
    const batchSize = pad === null ? 1 : (scoreOptions.batchSize ?? 8);
    const rewards = new Float64Array(seqs.length);
    let done = 0;
    for (const batch of planBatches(
      seqs.map((s) => s.ids.length),
      batchSize,
      maxBatchTokens,
    )) {
      if (scoreOptions.signal?.aborted) throw new ScoringEngineError("scoring aborted", "ABORTED");
      const B = batch.length;
      const T = Math.max(1, ...batch.map((i) => seqs[i].ids.length));
      const ids: number[] = [];
      const mask: number[] = [];
      const positions: number[] = [];
      const types: number[] = [];
      for (const i of batch) {
        const { ids: row, typeIds } = seqs[i];
        for (let t = 0; t < T; t++) {
          const real = t < row.length;
          ids.push(real ? row[t] : (pad ?? 0));
          mask.push(real ? 1 : 0);
          positions.push(real ? t : 0);
          types.push(real ? (typeIds?.[t] ?? 0) : 0);
        }
      }
      const feeds: Record<string, ReturnType<typeof i64>> = {
        input_ids: i64(ids, [B, T]),
        attention_mask: i64(mask, [B, T]),
      };
      if (session.inputNames.includes("position_ids")) feeds.position_ids = i64(positions, [B, T]);
      if (session.inputNames.includes("token_type_ids")) feeds.token_type_ids = i64(types, [B, T]);
      const out = (await session.run(feeds, [output.name]))[output.name];
      const values = out && out.dims[0] === B ? floatValues(out) : null;
      const perToken = !!out && (out.dims.length === 3 || (perTokenDeclared && out.dims.length === 2));
      if (!values || (perToken && out.dims[1] !== T)) {
        const want = perToken ? `[${B}, ${T}, labels]` : `[${B}, labels]`;
        throw new ScoringEngineError(
          `reward output ${output.name} is ${out?.type ?? "missing"} [${out?.dims.join(",") ?? ""}], expected float ${want}`,
          "BAD_OUTPUT",
        );
      }
      if (perToken && encoder) {
        throw new ScoringEngineError(
          `reward output "${output.name}" [${out.dims.join(", ")}] holds a value per token; an encoder reward model must pool inside its graph`,
          "BAD_OUTPUT",
        );
      }
      const labels = perToken ? (out.dims.length === 3 ? out.dims[2] : 1) : values.length / B;
      if (output.index >= labels) {
        throw new ScoringEngineError(
          `reward output "${output.name}" has ${labels} label${labels === 1 ? "" : "s"}; label ${output.index} does not exist`,
          "BAD_OUTPUT",
        );
      }
      batch.forEach((i, k) => {
        if (!perToken) {
          rewards[i] = values[k * labels + output.index];
          return;
        }
        // Pooled over the padded row, as transformers sees it: right padding adds pad ids after the real tokens.
        const at = lastNonPadIndex(ids.slice(k * T, (k + 1) * T), pad);
        rewards[i] = values[(k * T + at) * labels + output.index];
      });
      done += B;
      scoreOptions.onProgress?.(done, seqs.length);
    }
    return rewards;
  }

  return {
    output,
    pooling: perTokenDeclared ? "last-non-pad" : "graph",
    scoreSequences,
    async scorePairs(pairs, scoreOptions) {
      const r = await scoreSequences(
        pairs.flatMap((p) => [p.chosen, p.rejected]),
        scoreOptions,
      );
      return pairs.map((_, i) => ({ chosen: r[2 * i], rejected: r[2 * i + 1], margin: r[2 * i] - r[2 * i + 1] }));
    },
  };
}
