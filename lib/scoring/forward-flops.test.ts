import { describe, expect, it } from "vitest";
import { flopShapeFromConfig, rowFlops, scoringWork } from "./forward-flops";
import type { TokenizedPair } from "./sequence";

/** config.json of the 100 M-parameter bench model (scripts/demo-models/realistic-llama.ts). */
const LLAMA_100M = {
  model_type: "llama",
  vocab_size: 32000,
  hidden_size: 768,
  intermediate_size: 2048,
  num_hidden_layers: 8,
  num_attention_heads: 12,
  num_key_value_heads: 4,
  head_dim: 64,
};
/** config.json of public/models/demo-lm. */
const DEMO_GPT2 = { model_type: "gpt2", vocab_size: 320, n_layer: 2, n_head: 4, n_embd: 64, n_inner: null };

describe("flopShapeFromConfig", () => {
  it.each([
    // 8 · (2·768·768 + 2·768·256 + 3·768·2048) + 768·32000
    ["Llama 100M", LLAMA_100M, { matmulParams: 74_907_648, layers: 8, heads: 12, headDim: 64 }],
    // 2 · (4·64² + 2·64·256) + 64·320
    ["demo GPT-2", DEMO_GPT2, { matmulParams: 118_784, layers: 2, heads: 4, headDim: 16 }],
    [
      "Qwen2.5-0.5B",
      {
        vocab_size: 151936,
        hidden_size: 896,
        intermediate_size: 4864,
        num_hidden_layers: 24,
        num_attention_heads: 14,
        num_key_value_heads: 2,
      },
      {
        matmulParams: 24 * (2 * 896 * 896 + 2 * 896 * 128 + 3 * 896 * 4864) + 896 * 151936,
        layers: 24,
        heads: 14,
        headDim: 64,
      },
    ],
  ])("%s", (_, config, shape) => {
    expect(flopShapeFromConfig(config)).toEqual(shape);
  });
  it("gives null when a size is missing", () => {
    expect(flopShapeFromConfig({ ...LLAMA_100M, intermediate_size: undefined })).toBeNull();
    expect(flopShapeFromConfig({ model_type: "gpt2", n_layer: 2 })).toBeNull();
  });
});

describe("rowFlops", () => {
  const shape = { matmulParams: 1000, layers: 2, heads: 3, headDim: 4 };
  it.each([
    // 3 tokens, no past: keys 1+2+3 = 6 → 2·1000·3 + 4·2·3·4·6
    [3, 0, 6000 + 96 * 6],
    // 2 tokens after 5: keys 6+7 = 13
    [2, 5, 4000 + 96 * 13],
    [0, 5, 0],
  ])("%i tokens after %i", (tokens, past, flops) => {
    expect(rowFlops(shape, tokens, past)).toBe(flops);
  });
});

describe("scoringWork", () => {
  const shape = { matmulParams: 10, layers: 1, heads: 1, headDim: 1 };
  const side = (promptIds: number[], responseIds: number[]) => ({ promptIds, responseIds, boundaryMerged: false });
  const pair = (chosen: ReturnType<typeof side>, rejected: ReturnType<typeof side>): TokenizedPair => ({
    chosen,
    rejected,
    promptTruncated: false,
    responseTruncated: false,
    chosenTruncated: false,
    rejectedTruncated: false,
    templateMismatch: false,
  });
  // Prompt of 4 shared tokens, responses of 2 and 3: lengths 6 and 7.
  const p = pair(side([1, 2, 3, 4], [5, 6]), side([1, 2, 3, 4], [7, 8, 9]));
  it("without sharing: both sides whole", () => {
    expect(scoringWork(shape, [p], false)).toEqual({ tokens: 13, flops: rowFlops(shape, 6) + rowFlops(shape, 7) });
  });
  it("with sharing: the prompt minus its last token once, then each remainder on that past", () => {
    // shared = 4 − 1 = 3; remainders 3 and 4 tokens after 3.
    expect(scoringWork(shape, [p], true)).toEqual({
      tokens: 3 + 3 + 4,
      flops: rowFlops(shape, 3) + rowFlops(shape, 3, 3) + rowFlops(shape, 4, 3),
    });
  });
  it("prompts that differ early share only their common prefix", () => {
    const q = pair(side([1, 2, 3], [4]), side([1, 9, 3], [4]));
    // common prefix 1 → shared 0: both sides whole.
    expect(scoringWork(shape, [q], true)).toEqual(scoringWork(shape, [q], false));
  });
});
