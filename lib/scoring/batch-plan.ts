/**
 * Batch limits from the device's limits and the model's shape, so a run neither fails on a too-big buffer nor
 * wastes the device on tiny batches.
 *
 * What grows with a batch of `B` rows padded to `T` tokens (fp32, bytes):
 * - logits and their log-softmax: `2 · B·T · V · 4` (the log-prob rewrite keeps them inside the graph, but ORT
 *   still allocates them);
 * - one layer's attention scores: `B · H · T · T · 4` (unfused attention; fused kernels need less);
 * - the KV cache the graph returns for every layer: `2 · L · B · H_kv · T · D · 4`;
 * - MLP activations: `B·T · 4·hidden · 4`, twice.
 * WebGPU caps every single buffer (`maxStorageBufferBindingSize`, `maxBufferSize`), so the biggest of these
 * (logits, or attention at long T) must fit one buffer. WASM is a 32-bit address space: 4 GiB for weights
 * and activations together.
 */
import type { BatchPlan } from "./protocol";

/** The dimensions of a decoder that decide activation sizes (from config.json). */
export interface ModelShape {
  vocab: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  hidden: number;
}

/** The limits a plan respects. */
export type DeviceLimits =
  | { backend: "webgpu"; maxBufferSize: number; maxStorageBufferBindingSize: number }
  | { backend: "wasm"; memoryBytes: number };

/** WebGPU's spec defaults (what a device has when the adapter's limits are unknown). */
export const WEBGPU_DEFAULT_LIMITS = { maxBufferSize: 256 * 1024 ** 2, maxStorageBufferBindingSize: 128 * 1024 ** 2 };

/** WebAssembly's 32-bit memory: 4 GiB. */
export const WASM_MEMORY_BYTES = 4 * 1024 ** 3;

/**
 * Upper caps. WASM: 2 rows per pass; measured with bench/scoring-browser/realistic.ts `--configs pool` (2 runs, 2 shared
 * cores, 2 workers × 1 thread) and the app bench (bench/scoring-browser/app.ts), 2 rows beat 8 on the 100 M-parameter
 * Llama and the demo LM: smaller logits and activations stay in cache, and a chunk has more batches to share out
 * among workers. WebGPU: beyond 32 rows a bigger batch no longer speeds a run up.
 */
const CAPS = { wasm: { rows: 2, tokens: 8192 }, webgpu: { rows: 32, tokens: 16384 } } as const;

/** Smallest window a long row is split into (below this the run is dominated by per-call overhead). */
const MIN_WINDOW = 16;

/** Memory kept free for ORT's own buffers, the tokenizer and the dataset rows (WASM). */
const WASM_RESERVE_BYTES = 256 * 1024 ** 2;

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : null;
}

/** Reads the decoder's shape from config.json (GPT-2, Llama/Qwen/Mistral/Phi/Gemma names); null when unknown. */
export function modelShape(config: Record<string, unknown>): ModelShape | null {
  const text = (config.text_config as Record<string, unknown> | undefined) ?? config;
  const vocab = num(text.vocab_size);
  const layers = num(text.num_hidden_layers) ?? num(text.n_layer);
  const heads = num(text.num_attention_heads) ?? num(text.n_head);
  const hidden = num(text.hidden_size) ?? num(text.n_embd);
  if (!vocab || !layers || !heads || !hidden) return null;
  const kvHeads = num(text.num_key_value_heads) ?? heads;
  const headDim = num(text.head_dim) ?? hidden / heads;
  return { vocab, layers, heads, kvHeads, headDim, hidden };
}

function mb(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : `${Math.round(bytes / 1024 ** 2)} MB`;
}

/**
 * The batch limits for `shape` on `limits` at `maxLength` tokens per row. `modelBytes` (graph + external data)
 * counts against WASM memory. An unknown shape keeps the conservative defaults (8 rows, 4096 tokens).
 */
export function planBatchLimits(
  shape: ModelShape | null,
  limits: DeviceLimits,
  options: { maxLength: number; modelBytes: number },
): BatchPlan {
  const caps = CAPS[limits.backend];
  const T = Math.max(1, options.maxLength);
  if (!shape) {
    return {
      batchSize: 8,
      maxBatchTokens: 4096,
      longestFits: true,
      note: "batches ≤ 8 rows / 4,096 tokens (config.json does not give the model's shape)",
    };
  }
  const f32 = 4;
  // Bytes per padded token of the biggest single tensors at row length T.
  const logitsPerToken = shape.vocab * f32;
  const attentionPerToken = shape.heads * T * f32;
  let maxTokens: number;
  let bound: string;
  if (limits.backend === "webgpu") {
    const buffer = Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
    const biggest = Math.max(logitsPerToken, attentionPerToken);
    maxTokens = Math.floor(buffer / biggest);
    bound = `WebGPU buffer limit ${mb(buffer)}`;
  } else {
    const kvPerToken = 2 * shape.layers * shape.kvHeads * shape.headDim * f32;
    const mlpPerToken = 2 * 4 * shape.hidden * f32;
    const perToken = 2 * logitsPerToken + attentionPerToken + kvPerToken + mlpPerToken;
    const free = limits.memoryBytes - 1.25 * options.modelBytes - WASM_RESERVE_BYTES;
    maxTokens = Math.floor(Math.max(0, free) / perToken);
    bound = `WASM memory ${mb(limits.memoryBytes)}, ${mb(options.modelBytes)} of it model`;
  }
  const longestFits = maxTokens >= T;
  const fmt = (n: number) => n.toLocaleString("en-US");
  if (!longestFits) {
    // Rows longer than the budget are scored alone, in windows that read the earlier windows' KV cache.
    const window = Math.max(MIN_WINDOW, maxTokens);
    const note =
      maxTokens < MIN_WINDOW
        ? `the model leaves almost no room under the ${bound} (≈${fmt(maxTokens)} tokens fit): ` +
          `trying windows of ${MIN_WINDOW} tokens; use a smaller or quantised model if this runs out of memory`
        : `one row of ${fmt(T)} tokens needs more than the ${bound} allows: batches ≤ ${fmt(window)} tokens, ` +
          "longer rows scored alone in windows over their KV cache (slower)";
    return {
      batchSize: Math.max(1, Math.min(caps.rows, Math.floor(window / 256))),
      maxBatchTokens: window,
      longestFits,
      note,
    };
  }
  const tokens = Math.min(caps.tokens, maxTokens);
  const rows = Math.max(1, Math.min(caps.rows, Math.floor(tokens / Math.min(T, 256))));
  const note = `batches ≤ ${rows} rows / ${fmt(tokens)} tokens (${bound})`;
  return { batchSize: rows, maxBatchTokens: tokens, longestFits, note };
}
