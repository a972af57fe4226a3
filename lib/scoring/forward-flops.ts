/**
 * Floating-point operations of a decoder's forward passes, for throughput reports (achieved GFLOP/s against a
 * machine's peak). Counts what a causal forward must compute over real tokens, with a multiply-add as 2 FLOPs:
 * - weights: `2 · P_matmul` per token, where `P_matmul` are the MatMul weights (every block's projections and the
 *   LM head; the embedding is a lookup, norms and activations are O(hidden) and left out);
 * - attention: per token, layer and query head, `Q·Kᵀ` and `softmax·V` over the `ctx` keys it sees (past plus the
 *   causal prefix), `2 · D · ctx` each, so `4 · L · H · D · ctx`.
 * Padding, masked (future) keys an unfused kernel still multiplies, and the log-softmax are not counted: the figure
 * is the useful work, the same for every runtime.
 */
import type { TokenizedPair } from "./sequence";

/** What the count needs of a decoder. */
export interface FlopShape {
  /** MatMul weights: all blocks' projections plus the LM head. */
  matmulParams: number;
  layers: number;
  /** Query heads (grouped-query attention shares K/V among them; the FLOPs follow the query heads). */
  heads: number;
  headDim: number;
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : null;
}

/**
 * The {@link FlopShape} of a GPT-2 or Llama-family config.json (Qwen2, Mistral...: the Llama names); null when the
 * config lacks a size the count needs.
 */
export function flopShapeFromConfig(config: Record<string, unknown>): FlopShape | null {
  const vocab = num(config.vocab_size);
  if (config.model_type === "gpt2") {
    const E = num(config.n_embd);
    const L = num(config.n_layer);
    const H = num(config.n_head);
    if (!vocab || !E || !L || !H) return null;
    const inner = num(config.n_inner) ?? 4 * E;
    // c_attn (E → 3E), attn c_proj (E → E), c_fc (E → inner), mlp c_proj (inner → E); tied head E → V.
    return { matmulParams: L * (4 * E * E + 2 * E * inner) + E * vocab, layers: L, heads: H, headDim: E / H };
  }
  const E = num(config.hidden_size);
  const L = num(config.num_hidden_layers);
  const H = num(config.num_attention_heads);
  const I = num(config.intermediate_size);
  if (!vocab || !E || !L || !H || !I) return null;
  const D = num(config.head_dim) ?? E / H;
  const KV = num(config.num_key_value_heads) ?? H;
  // q and o: E ↔ H·D; k and v: E → KV·D; SwiGLU: gate, up (E → I) and down (I → E); head E → V (tied or not).
  const block = 2 * E * H * D + 2 * E * KV * D + 3 * E * I;
  return { matmulParams: L * block + E * vocab, layers: L, heads: H, headDim: D };
}

/** FLOPs of one row of `tokens` new tokens after `past` cached ones: Σ over the new tokens of weights + attention. */
export function rowFlops(shape: FlopShape, tokens: number, past = 0): number {
  if (tokens <= 0) return 0;
  // Token j (0-based) sees past + j + 1 keys.
  const keys = tokens * past + (tokens * (tokens + 1)) / 2;
  return 2 * shape.matmulParams * tokens + 4 * shape.layers * shape.heads * shape.headDim * keys;
}

/** Token and FLOP totals of scoring pairs the way the engine runs them. */
export interface ScoringWork {
  /** Tokens fed through the model (the shared prompt once per pair when sharing). */
  tokens: number;
  flops: number;
}

/**
 * The work of `scorePairs(pairs, { sharePrompt })` (engine.ts): without sharing both sides run whole; with it, the
 * pair's common prompt minus its last token runs once and each side's remainder runs on that past. Assumes every
 * pair fits one pass's token budget (the engine scores longer ones unshared, in windows).
 */
export function scoringWork(shape: FlopShape, pairs: readonly TokenizedPair[], sharePrompt: boolean): ScoringWork {
  let tokens = 0;
  let flops = 0;
  for (const p of pairs) {
    const a = p.chosen;
    const b = p.rejected;
    const la = a.promptIds.length + a.responseIds.length;
    const lb = b.promptIds.length + b.responseIds.length;
    if (!sharePrompt) {
      tokens += la + lb;
      flops += rowFlops(shape, la) + rowFlops(shape, lb);
      continue;
    }
    let k = 0;
    while (k < a.promptIds.length && k < b.promptIds.length && a.promptIds[k] === b.promptIds[k]) k++;
    const shared = Math.max(0, k - 1);
    tokens += shared + (la - shared) + (lb - shared);
    flops += rowFlops(shape, shared) + rowFlops(shape, la - shared, shared) + rowFlops(shape, lb - shared, shared);
  }
  return { tokens, flops };
}
