import { describe, expect, it } from "vitest";
import { modelShape, planBatchLimits, WASM_MEMORY_BYTES } from "./batch-plan";

/** config.json of Qwen/Qwen2.5-0.5B-Instruct (the fields that matter). */
const QWEN_05B = {
  vocab_size: 151936,
  num_hidden_layers: 24,
  num_attention_heads: 14,
  num_key_value_heads: 2,
  hidden_size: 896,
};
const GPT2 = { vocab_size: 50257, n_layer: 12, n_head: 12, n_embd: 768 };
const MiB = 1024 ** 2;

describe("modelShape", () => {
  it("reads Llama/Qwen names with grouped KV heads", () => {
    expect(modelShape(QWEN_05B)).toEqual({
      vocab: 151936,
      layers: 24,
      heads: 14,
      kvHeads: 2,
      headDim: 64,
      hidden: 896,
    });
  });
  it("reads GPT-2 names", () => {
    expect(modelShape(GPT2)).toEqual({ vocab: 50257, layers: 12, heads: 12, kvHeads: 12, headDim: 64, hidden: 768 });
  });
  it("reads a multimodal config's text_config; gives null without a vocabulary size", () => {
    expect(modelShape({ text_config: GPT2 })?.vocab).toBe(50257);
    expect(modelShape({ n_layer: 2 })).toBeNull();
  });
});

describe("planBatchLimits", () => {
  it("WASM: Qwen2.5-0.5B q4 (500 MiB) at 2048 tokens fits 2436 tokens per batch", () => {
    // free = 4096 − 1.25·500 − 256 MiB = 3,371,171,840 B; per token = 2·607,744 + 14·2048·4 + 2·24·2·64·4 + 2·4·896·4.
    const plan = planBatchLimits(
      modelShape(QWEN_05B),
      { backend: "wasm", memoryBytes: WASM_MEMORY_BYTES },
      {
        maxLength: 2048,
        modelBytes: 500 * MiB,
      },
    );
    expect(plan).toMatchObject({ batchSize: 2, maxBatchTokens: 2436, longestFits: true });
    expect(plan.note).toBe("batches ≤ 2 rows / 2,436 tokens (WASM memory 4.0 GB, 500 MB of it model)");
  });

  it("WASM: the fp32 model (1.9 GiB) leaves room for 1038 tokens: longer rows go alone, in windows", async () => {
    const plan = planBatchLimits(
      modelShape(QWEN_05B),
      { backend: "wasm", memoryBytes: WASM_MEMORY_BYTES },
      {
        maxLength: 2048,
        modelBytes: 1976 * MiB,
      },
    );
    // free = 4096 − 2470 − 256 = 1370 MiB = 1,436,549,120 B → 1038 tokens; rows capped at 2 (WASM cap).
    expect(plan).toMatchObject({ batchSize: 2, maxBatchTokens: 1038, longestFits: false });
    expect(plan.note).toBe(
      "one row of 2,048 tokens needs more than the WASM memory 4.0 GB, 1.9 GB of it model allows: batches ≤ 1,038 " +
        "tokens, longer rows scored alone in windows over their KV cache (slower)",
    );
  });

  it("WebGPU: the smaller of maxBufferSize and maxStorageBufferBindingSize bounds the logits buffer", () => {
    const limits = { backend: "webgpu", maxBufferSize: 4096 * MiB, maxStorageBufferBindingSize: 2048 * MiB } as const;
    const plan = planBatchLimits(modelShape(GPT2), limits, { maxLength: 1024, modelBytes: 500 * MiB });
    // 2 GiB / (50257 · 4) = 10,682 tokens; 32 rows cap.
    expect(plan).toMatchObject({ batchSize: 32, maxBatchTokens: 10682, longestFits: true });
    expect(plan.note).toBe("batches ≤ 32 rows / 10,682 tokens (WebGPU buffer limit 2.0 GB)");
  });

  it("WebGPU at WebGPU's default limits (128 MiB binding): a 151k vocabulary fits 220 tokens per buffer", () => {
    const limits = { backend: "webgpu", maxBufferSize: 256 * MiB, maxStorageBufferBindingSize: 128 * MiB } as const;
    const plan = planBatchLimits(modelShape(QWEN_05B), limits, { maxLength: 2048, modelBytes: 500 * MiB });
    expect(plan).toMatchObject({ batchSize: 1, maxBatchTokens: 220, longestFits: false });
  });

  it("a model that leaves almost no memory still tries 16-token windows, and says so", () => {
    const plan = planBatchLimits(
      modelShape(QWEN_05B),
      { backend: "wasm", memoryBytes: WASM_MEMORY_BYTES },
      {
        maxLength: 2048,
        modelBytes: 3200 * MiB,
      },
    );
    expect(plan).toMatchObject({ batchSize: 1, maxBatchTokens: 16, longestFits: false });
    expect(plan.note).toMatch(/^the model leaves almost no room under the WASM memory 4\.0 GB, 3\.1 GB of it model/);
  });

  it("caps rows (2 on WASM) and tokens for a tiny model; unknown shapes keep 8 rows / 4096 tokens", () => {
    const tiny = { vocab: 512, layers: 2, heads: 4, kvHeads: 4, headDim: 16, hidden: 64 };
    expect(
      planBatchLimits(tiny, { backend: "wasm", memoryBytes: WASM_MEMORY_BYTES }, { maxLength: 2048, modelBytes: 1e6 }),
    ).toMatchObject({ batchSize: 2, maxBatchTokens: 8192, longestFits: true });
    expect(
      planBatchLimits(null, { backend: "wasm", memoryBytes: WASM_MEMORY_BYTES }, { maxLength: 2048, modelBytes: 1e6 }),
    ).toMatchObject({ batchSize: 8, maxBatchTokens: 4096 });
  });
});
