/**
 * Reward-model scoring over a sequence-classification ONNX session (Optimum export: input_ids, attention_mask
 * [, position_ids] -> logits [B, num_labels]); the reward is label 0. Rows are right-padded with the model's
 * pad_token_id because HF's classifier pools the rightmost non-pad token *inside the graph*.
 */
import {
  planBatches,
  ScoringEngineError,
  type InferenceSessionLike,
  type ScoreOptions,
  type TensorCtor,
} from "./engine";

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

/** Explicit margin of one pair: r(chosen) - r(rejected). */
export interface RewardPairScore {
  chosen: number;
  rejected: number;
  margin: number;
}

/** Scores token sequences with a reward model. */
export interface RewardScorer {
  scoreSequences(seqs: readonly (readonly number[])[], options?: ScoreOptions): Promise<Float64Array>;
  scorePairs(
    pairs: readonly { chosen: readonly number[]; rejected: readonly number[] }[],
    options?: ScoreOptions,
  ): Promise<RewardPairScore[]>;
}

/**
 * Creates a reward scorer. `padTokenId` must be config.json's pad_token_id (what the exported graph compares
 * against); a sequence must not end in it, or pooling would pick an earlier token, exactly as in transformers.
 */
export function createRewardScorer(
  session: InferenceSessionLike,
  Tensor: TensorCtor,
  padTokenId: number,
): RewardScorer {
  const output = session.outputNames.includes("logits") ? "logits" : session.outputNames[0];
  const i64 = (values: number[], dims: number[]) => new Tensor("int64", BigInt64Array.from(values, BigInt), dims);

  async function scoreSequences(
    seqs: readonly (readonly number[])[],
    options: ScoreOptions = {},
  ): Promise<Float64Array> {
    const { batchSize = 8, maxBatchTokens = 4096 } = options;
    const rewards = new Float64Array(seqs.length);
    let done = 0;
    for (const batch of planBatches(
      seqs.map((s) => s.length),
      batchSize,
      maxBatchTokens,
    )) {
      if (options.signal?.aborted) throw new ScoringEngineError("scoring aborted", "ABORTED");
      const B = batch.length;
      const T = Math.max(1, ...batch.map((i) => seqs[i].length));
      const ids: number[] = [];
      const mask: number[] = [];
      const positions: number[] = [];
      for (const i of batch) {
        for (let t = 0; t < T; t++) {
          const real = t < seqs[i].length;
          ids.push(real ? seqs[i][t] : padTokenId);
          mask.push(real ? 1 : 0);
          positions.push(real ? t : 0);
        }
      }
      const feeds: Record<string, ReturnType<typeof i64>> = {
        input_ids: i64(ids, [B, T]),
        attention_mask: i64(mask, [B, T]),
      };
      if (session.inputNames.includes("position_ids")) feeds.position_ids = i64(positions, [B, T]);
      const out = (await session.run(feeds, [output]))[output];
      const values = out && out.dims[0] === B ? floatValues(out) : null;
      if (!values) {
        throw new ScoringEngineError(
          `reward output ${output} is ${out?.type ?? "missing"} [${out?.dims.join(",") ?? ""}], expected float [${B}, labels]`,
          "BAD_OUTPUT",
        );
      }
      const labels = values.length / B;
      batch.forEach((i, k) => (rewards[i] = values[k * labels]));
      done += B;
      options.onProgress?.(done, seqs.length);
    }
    return rewards;
  }

  return {
    scoreSequences,
    async scorePairs(pairs, options) {
      const r = await scoreSequences(
        pairs.flatMap((p) => [p.chosen, p.rejected]),
        options,
      );
      return pairs.map((_, i) => ({ chosen: r[2 * i], rejected: r[2 * i + 1], margin: r[2 * i] - r[2 * i + 1] }));
    },
  };
}
