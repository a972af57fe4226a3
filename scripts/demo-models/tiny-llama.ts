/**
 * Seeded tiny Llama-family decoders written as ONNX (opset 17), in the graph variants that Hub exports come in:
 * Llama / Qwen2 / Gemma-2-style blocks (RMSNorm, rotary embeddings, grouped-query attention, SwiGLU, optional q/k/v
 * biases, tied or untied head, optional final logit soft-capping, optional sliding-window attention on alternate
 * layers) exported with a KV cache, without one (Optimum's `text-generation` task), or merged behind
 * `use_cache_branch`; with or without a `logits_to_keep` input; with float32, float16, int8 (dynamic quantisation)
 * or 4-bit (`MatMulNBits`) weights. `test/reference-llama.ts` is the
 * float64 TypeScript forward of the same maths, fed the weights the graph actually computes with.
 *
 * Weights are named as in transformers (`model.layers.0.self_attn.q_proj.weight`) but stored in MatMul layout
 * [in, out] (transformers' nn.Linear keeps [out, in]).
 */
import { ONNX_TYPE, type OnnxFloatTensor } from "@/lib/onnx/onnx-model";
import { encodeModel, OnnxGraphBuilder, type OnnxGraphSpec, type OnnxValueSpec } from "@/lib/onnx/onnx-writer";
import { createMulberry32 } from "@/lib/metrics/random";
import { halfToFloat } from "@/lib/scoring/reward";
import { normal } from "@/scripts/demo-models/tiny-gpt2";

/** Architecture hyper-parameters (camelCase of the transformers config.json keys). */
export interface TinyLlamaConfig {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  ropeTheta: number;
  rmsNormEps: number;
  /** Qwen2: the q/k/v projections carry biases. */
  attentionBias: boolean;
  /** The LM head is embed_tokens transposed (Qwen2-0.5B, Gemma). */
  tieWordEmbeddings: boolean;
  /** Gemma-2: logits = tanh(logits / cap) * cap; null for none. */
  finalLogitSoftcapping: number | null;
  /**
   * Gemma-2: layers 0, 2, 4... (transformers' default `layer_types`, "sliding_attention" on even indices) let the
   * query at position q see keys at positions p with q - W < p <= q; the others attend to the whole prefix. Absent
   * or null for none.
   */
  slidingWindow?: number | null;
}

/** Weights by transformers name, MatMul layout [in, out]; `lm_head.weight` is absent when tied. */
export type TinyLlamaWeights = Map<string, OnnxFloatTensor>;

/** How the decoder's KV cache appears in the graph's interface. */
export type TinyLlamaCache = "with-past" | "no-past" | "merged";

/** How the projection (and embedding) weights are stored. */
export type TinyLlamaWeightFormat = "fp32" | "fp16" | "int8" | "q4";

/** Export choices: each is a variant seen among Hub ONNX exports. */
export interface TinyLlamaExportOptions {
  /**
   * "with-past": Optimum's decoder with `past_key_values.N.*` in and `present.N.*` out; "no-past": the
   * `text-generation` task (input_ids, attention_mask[, position_ids] -> logits); "merged": Optimum's merged decoder,
   * one `If` on `use_cache_branch` choosing between the with-past and the no-past graph. Default "with-past".
   */
  cache?: TinyLlamaCache;
  /** Name of an int64 scalar input keeping the last N positions' logits (0 keeps all), as in transformers. */
  logitsToKeep?: "logits_to_keep" | "num_logits_to_keep";
  /** Weight storage; default "fp32". */
  weightFormat?: TinyLlamaWeightFormat;
  /** Declare a `position_ids` input (default true); without it positions are 0..T-1 after the past. */
  positionIds?: boolean;
  /** MatMulNBits block size along K (a power of two >= 16; default 32). */
  q4BlockSize?: number;
  /**
   * float16 logits, past_key_values and present (as onnx-community's `model_fp16.onnx` / `model_q4f16.onnx`
   * declare them), cast at the graph's edges; the blocks still compute in float32.
   */
  float16Io?: boolean;
}

/** A built variant. */
export interface TinyLlamaExport {
  /** The model bytes (weights inline). */
  onnx: Uint8Array;
  /** The graph before encoding, for re-encoding with external data. */
  graph: OnnxGraphSpec;
  /**
   * The weights as the graph computes with them: quantised ones dequantised to float32, the head given explicitly
   * when the graph quantises it apart from the embedding. Feed these to the reference forward.
   */
  effectiveWeights: TinyLlamaWeights;
}

/** A Llama-architecture shape small enough for unit tests (untied head, 2 KV heads under 4 query heads). */
export const TINY_LLAMA: TinyLlamaConfig = {
  vocabSize: 384,
  hiddenSize: 64,
  intermediateSize: 128,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  ropeTheta: 10000,
  rmsNormEps: 1e-6,
  attentionBias: false,
  tieWordEmbeddings: false,
  finalLogitSoftcapping: null,
};

/** Qwen2's vocabulary size (Qwen2 / Qwen2.5 tokenizers plus reserved ids): 151,936 logits per position. */
export const QWEN2_VOCAB_SIZE = 151_936;

/** Qwen2-like: q/k/v biases, tied head, Qwen2's vocabulary on a tiny width. */
export const TINY_QWEN2: TinyLlamaConfig = {
  ...TINY_LLAMA,
  vocabSize: QWEN2_VOCAB_SIZE,
  hiddenSize: 32,
  intermediateSize: 64,
  numKeyValueHeads: 2,
  ropeTheta: 1_000_000,
  attentionBias: true,
  tieWordEmbeddings: true,
};

/** The config.json transformers would write for `cfg` (`modelType` e.g. "llama", "qwen2", "gemma2"). */
export function tinyLlamaConfigJson(cfg: TinyLlamaConfig, modelType: string): Record<string, unknown> {
  return {
    architectures: [`${modelType === "qwen2" ? "Qwen2" : modelType === "gemma2" ? "Gemma2" : "Llama"}ForCausalLM`],
    model_type: modelType,
    vocab_size: cfg.vocabSize,
    hidden_size: cfg.hiddenSize,
    intermediate_size: cfg.intermediateSize,
    num_hidden_layers: cfg.numHiddenLayers,
    num_attention_heads: cfg.numAttentionHeads,
    num_key_value_heads: cfg.numKeyValueHeads,
    head_dim: cfg.hiddenSize / cfg.numAttentionHeads,
    rope_theta: cfg.ropeTheta,
    rms_norm_eps: cfg.rmsNormEps,
    attention_bias: cfg.attentionBias,
    tie_word_embeddings: cfg.tieWordEmbeddings,
    ...(cfg.finalLogitSoftcapping === null ? {} : { final_logit_softcapping: cfg.finalLogitSoftcapping }),
    ...(cfg.slidingWindow == null
      ? {}
      : {
          sliding_window: cfg.slidingWindow,
          layer_types: Array.from({ length: cfg.numHiddenLayers }, (_, l) =>
            isSlidingLayer(cfg, l) ? "sliding_attention" : "full_attention",
          ),
        }),
    bos_token_id: 1,
    eos_token_id: 2,
  };
}

/** Whether layer `l` attends through the sliding window (Gemma-2: even layers, when a window is set). */
export function isSlidingLayer(cfg: TinyLlamaConfig, l: number): boolean {
  return cfg.slidingWindow != null && l % 2 === 0;
}

/** The projections of one block: [weight name stem, in, out]. */
function blockLinears(cfg: TinyLlamaConfig, l: number): [string, number, number][] {
  const E = cfg.hiddenSize;
  const D = E / cfg.numAttentionHeads;
  const p = `model.layers.${l}.`;
  return [
    [p + "self_attn.q_proj", E, cfg.numAttentionHeads * D],
    [p + "self_attn.k_proj", E, cfg.numKeyValueHeads * D],
    [p + "self_attn.v_proj", E, cfg.numKeyValueHeads * D],
    [p + "self_attn.o_proj", cfg.numAttentionHeads * D, E],
    [p + "mlp.gate_proj", E, cfg.intermediateSize],
    [p + "mlp.up_proj", E, cfg.intermediateSize],
    [p + "mlp.down_proj", cfg.intermediateSize, E],
  ];
}

/** Seeded weights; RMSNorm gains near 1 and biases near 0 so every parameter matters to the output. */
export function createTinyLlamaWeights(cfg: TinyLlamaConfig, seed: number): TinyLlamaWeights {
  const rng = createMulberry32(seed);
  const E = cfg.hiddenSize;
  const w: TinyLlamaWeights = new Map();
  const put = (name: string, dims: number[], data: Float32Array) => w.set(name, { dims, data });
  const gain = (n: number) => normal(rng, n, 0.1).map((v) => 1 + v);
  put("model.embed_tokens.weight", [cfg.vocabSize, E], normal(rng, cfg.vocabSize * E, 0.3));
  for (let l = 0; l < cfg.numHiddenLayers; l++) {
    const p = `model.layers.${l}.`;
    put(p + "input_layernorm.weight", [E], gain(E));
    put(p + "post_attention_layernorm.weight", [E], gain(E));
    for (const [stem, n, m] of blockLinears(cfg, l)) {
      put(stem + ".weight", [n, m], normal(rng, n * m, 0.5 / Math.sqrt(n)));
      if (cfg.attentionBias && /[qkv]_proj$/.test(stem)) put(stem + ".bias", [m], normal(rng, m, 0.1));
    }
  }
  put("model.norm.weight", [E], gain(E));
  if (!cfg.tieWordEmbeddings) put("lm_head.weight", [E, cfg.vocabSize], normal(rng, E * cfg.vocabSize, 0.3));
  return w;
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE half bits of `v`, rounded to nearest even (what numpy's astype(float16) does). */
export function floatToHalf(v: number): number {
  f32Scratch[0] = v;
  const x = u32Scratch[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  const mant = x & 0x7fffff;
  if (Number.isNaN(v)) return 0x7e00;
  if (exp >= 31) return sign | 0x7c00;
  const round = (m: number, shift: number) => {
    const kept = Math.floor(m / 2 ** shift);
    const rem = m - kept * 2 ** shift;
    const half = 2 ** (shift - 1);
    return rem > half || (rem === half && kept % 2 === 1) ? kept + 1 : kept;
  };
  if (exp <= 0) return exp < -10 ? sign : sign | round(mant | 0x800000, 14 - exp);
  // A carry out of the mantissa lands in the exponent, which is the correctly rounded result.
  return sign | ((exp << 10) + round(mant, 13));
}

/** [rows, cols] -> [cols, rows]. */
function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

/**
 * 4-bit block quantisation in MatMulNBits' layout (onnxruntime contrib op, com.microsoft): `wNK` is [N, K]; each
 * row is cut into blocks of `block` along K, each block gets a float scale and symmetric codes 0..15 around the
 * default zero point 8, two codes a byte, low nibble first. Returns the packed codes [N, blocks, block/2], the
 * scales [N * blocks] and the dequantised weights [N, K].
 */
export function quantizeQ4(
  wNK: Float32Array,
  N: number,
  K: number,
  block: number,
): { packed: Uint8Array; scales: Float32Array; dequantised: Float32Array } {
  const blocks = Math.ceil(K / block);
  const packed = new Uint8Array(N * blocks * (block / 2));
  const scales = new Float32Array(N * blocks);
  const dequantised = new Float32Array(N * K);
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < blocks; b++) {
      let amax = 0;
      for (let k = b * block; k < Math.min(K, (b + 1) * block); k++) amax = Math.max(amax, Math.abs(wNK[n * K + k]));
      const scale = Math.fround(amax / 7 || 1);
      scales[n * blocks + b] = scale;
      for (let j = 0; j < block; j++) {
        const k = b * block + j;
        // Padding past K gets code 8 (zero); it multiplies nothing anyway.
        const q = k < K ? Math.min(15, Math.max(0, Math.round(wNK[n * K + k] / scale) + 8)) : 8;
        if (k < K) dequantised[n * K + k] = (q - 8) * scale;
        const at = (n * blocks + b) * (block / 2) + (j >> 1);
        packed[at] |= j % 2 === 0 ? q : q << 4;
      }
    }
  }
  return { packed, scales, dequantised };
}

/** Per-tensor symmetric int8 quantisation (onnxruntime's quantize_dynamic, QInt8 weights): codes, scale, values. */
export function quantizeInt8(w: Float32Array): { codes: Int8Array; scale: number; dequantised: Float32Array } {
  let amax = 0;
  for (const v of w) amax = Math.max(amax, Math.abs(v));
  const scale = Math.fround(amax / 127 || 1);
  const codes = Int8Array.from(w, (v) => Math.max(-127, Math.min(127, Math.round(v / scale))));
  return { codes, scale, dequantised: Float32Array.from(codes, (q) => q * scale) };
}

/** onnxruntime's contrib-op domain (MatMulNBits lives there, at version 1). */
const CONTRIB_DOMAIN = "com.microsoft";

/**
 * Emits `x @ W` for one weight in the chosen storage, registering its initializers once in the outer graph
 * (`outer`) so that both branches of a merged decoder share them. Records the weight the graph computes with.
 */
class Linears {
  private prepared = new Map<string, (g: OnnxGraphBuilder, x: string) => string>();

  constructor(
    private readonly outer: OnnxGraphBuilder,
    private readonly weights: TinyLlamaWeights,
    readonly format: TinyLlamaWeightFormat,
    private readonly q4Block: number,
    readonly effective: TinyLlamaWeights,
  ) {}

  /** `x @ weights[name]` (dims [in, out]); `name` may also be given as data (the tied head). */
  apply(g: OnnxGraphBuilder, x: string, name: string, given?: OnnxFloatTensor): string {
    let emit = this.prepared.get(name);
    if (!emit) {
      const t = given ?? this.weights.get(name);
      if (!t) throw new Error(`tiny Llama builder: weight ${name} missing`);
      emit = this.prepare(name, t);
      this.prepared.set(name, emit);
    }
    return emit(g, x);
  }

  /** A float32 weight used as is (norm gains, biases), registered once under its own name. */
  float(name: string): string {
    if (!this.effective.has(name)) {
      const t = this.weights.get(name);
      if (!t) throw new Error(`tiny Llama builder: weight ${name} missing`);
      this.effective.set(name, t);
      this.outer.tensor({ name, dims: t.dims, data: t.data });
    }
    return name;
  }

  private prepare(name: string, t: OnnxFloatTensor): (g: OnnxGraphBuilder, x: string) => string {
    const [K, N] = t.dims;
    const o = this.outer;
    const set = (data: Float32Array) => this.effective.set(name, { dims: [K, N], data });
    switch (this.format) {
      case "fp32": {
        set(t.data);
        const wName = o.tensor({ name, dims: [K, N], data: t.data });
        return (g, x) => g.op1("MatMul", [x, wName]);
      }
      case "fp16": {
        const half = Uint16Array.from(t.data, floatToHalf);
        set(Float32Array.from(half, halfToFloat));
        // Cast in the outer graph: onnxruntime folds it into a float32 initializer once, at session creation.
        const wName = o.op1("Cast", [o.tensor({ name: name + "_fp16", dims: [K, N], data: half })], {
          to: ONNX_TYPE.float,
        });
        return (g, x) => g.op1("MatMul", [x, wName]);
      }
      case "int8": {
        const { codes, scale, dequantised } = quantizeInt8(t.data);
        set(dequantised);
        const wq = o.tensor({ name: name + "_quantized", dims: [K, N], data: codes });
        const wScale = o.f32(scale);
        const wZero = o.tensor({ name: name + "_zero_point", dims: [], data: Int8Array.of(0) });
        // onnxruntime's quantize_dynamic pattern: uint8 activations quantised per call over the whole tensor.
        return (g, x) => {
          const [xq, xScale, xZero] = g.op("DynamicQuantizeLinear", [x], undefined, 3);
          const acc = g.op1("MatMulInteger", [xq, wq, xZero, wZero]);
          const scale = g.op1("Mul", [xScale, wScale]);
          return g.op1("Mul", [g.op1("Cast", [acc], { to: ONNX_TYPE.float }), scale]);
        };
      }
      case "q4": {
        const block = this.q4Block;
        const { packed, scales, dequantised } = quantizeQ4(transpose(t.data, K, N), N, K, block);
        set(transpose(dequantised, N, K));
        const blocks = Math.ceil(K / block);
        const b = o.tensor({
          name: name + "_Q4",
          dims: [N, blocks, block / 2],
          data: packed,
          dataType: ONNX_TYPE.uint8,
        });
        const s = o.tensor({ name: name + "_scales", dims: [N * blocks], data: scales });
        const attrs = { K, N, bits: 4, block_size: block };
        return (g, x) => g.op1("MatMulNBits", [x, b, s], attrs, CONTRIB_DOMAIN);
      }
    }
  }
}

/** Values computed once, outside the decoder body (both branches of a merged graph read them). */
interface Shared {
  embeds: string;
  cos: string;
  sin: string;
  maskBias: string;
  /** The causal bias further limited to the sliding window; null without one. */
  slidingMaskBias: string | null;
  keepLast: string | null;
}

interface KvNames {
  key: string;
  value: string;
}

/** Embedding lookup in the weight format; records the table the graph computes with. */
function embed(g: OnnxGraphBuilder, w: TinyLlamaWeights, format: TinyLlamaWeightFormat, eff: TinyLlamaWeights) {
  const name = "model.embed_tokens.weight";
  const t = w.get(name);
  if (!t) throw new Error(`tiny Llama builder: weight ${name} missing`);
  if (format === "fp16") {
    const half = Uint16Array.from(t.data, floatToHalf);
    eff.set(name, { dims: t.dims, data: Float32Array.from(half, halfToFloat) });
    const table = g.tensor({ name: name + "_fp16", dims: t.dims, data: half });
    return g.op1("Cast", [g.op1("Gather", [table, "input_ids"])], { to: ONNX_TYPE.float });
  }
  if (format === "int8") {
    // quantize_dynamic's Gather pattern: gather int8 rows, then DequantizeLinear.
    const { codes, scale, dequantised } = quantizeInt8(t.data);
    eff.set(name, { dims: t.dims, data: dequantised });
    const table = g.tensor({ name: name + "_quantized", dims: t.dims, data: codes });
    const zero = g.tensor({ name: name + "_zero_point", dims: [], data: Int8Array.of(0) });
    return g.op1("DequantizeLinear", [g.op1("Gather", [table, "input_ids"]), g.f32(scale), zero]);
  }
  // fp32 and q4 (onnx-community's q4 exports keep embed_tokens in float).
  eff.set(name, t);
  return g.op1("Gather", [g.tensor({ name, dims: t.dims, data: t.data }), "input_ids"]);
}

/**
 * Rotary tables [B|1, 1, T, D] from positions: angle(p, i) = p * theta^(-2i/D) for i < D/2, repeated for the second
 * half (transformers' `rotate_half` convention).
 */
function rotary(g: OnnxGraphBuilder, cfg: TinyLlamaConfig, positions: string): { cos: string; sin: string } {
  const D = cfg.hiddenSize / cfg.numAttentionHeads;
  const inv = Float32Array.from({ length: D / 2 }, (_, i) => 1 / cfg.ropeTheta ** ((2 * i) / D));
  const invName = g.tensor({ name: g.fresh("inv_freq"), dims: [D / 2], data: inv });
  const pos = g.op1("Unsqueeze", [g.op1("Cast", [positions], { to: ONNX_TYPE.float }), g.i64([2])]);
  const freqs = g.op1("Mul", [pos, invName]);
  const emb = g.op1("Concat", [freqs, freqs], { axis: -1 });
  const heads = g.i64([1]);
  return {
    cos: g.op1("Unsqueeze", [g.op1("Cos", [emb]), heads]),
    sin: g.op1("Unsqueeze", [g.op1("Sin", [emb]), heads]),
  };
}

/**
 * Additive attention bias [B,1,T,S]: key j is visible to query i iff j <= S-T+i and attention_mask[b,j] = 1. Also
 * returns that visibility as a bool tensor, for {@link slidingMaskBias}.
 */
function maskBias(g: OnnxGraphBuilder): { bias: string; visible: string } {
  const zero = g.i64([0], true);
  const one = g.i64([1], true);
  const T = g.op1("Gather", [g.op1("Shape", ["input_ids"]), one], { axis: 0 });
  const S = g.op1("Gather", [g.op1("Shape", ["attention_mask"]), one], { axis: 0 });
  const qpos = g.op1("Range", [g.op1("Sub", [S, T]), S, one]);
  const kpos = g.op1("Range", [zero, S, one]);
  const causal = g.op1("LessOrEqual", [kpos, g.op1("Unsqueeze", [qpos, g.i64([1])])]);
  const keep = g.op1("Unsqueeze", [g.op1("Cast", ["attention_mask"], { to: ONNX_TYPE.bool }), g.i64([1, 2])]);
  const visible = g.op1("And", [causal, keep]);
  // -1e9 underflows exp() to exactly 0 in float32, so padded and future keys are inert.
  return { bias: g.op1("Where", [visible, g.f32(0), g.f32(-1e9)]), visible };
}

/**
 * {@link maskBias} limited to keys at positions p > q - W for the query at position q. Positions, not cache slots:
 * the engine's shared-prompt past is right-padded (holes between the prompt and its continuation), so the slot
 * distance overstates the token distance. A key's position is its count of real slots before it (cumsum of
 * attention_mask, minus 1), which is what the engine feeds as position_ids; holes are masked anyway. transformers
 * compares cache positions, which equal these wherever there are no holes.
 */
function slidingMaskBias(g: OnnxGraphBuilder, visible: string, positions: string, window: number): string {
  if (!Number.isInteger(window) || window < 1) {
    throw new Error(`tiny Llama builder: slidingWindow must be a positive integer, got ${window}`);
  }
  const one = g.i64([1], true);
  const kpos = g.op1("Sub", [g.op1("CumSum", ["attention_mask", one]), g.i64([1], true)]);
  // [B|1, T, 1] - [B, 1, S]: how far back each key lies from each query, in positions.
  const back = g.op1("Sub", [g.op1("Unsqueeze", [positions, g.i64([2])]), g.op1("Unsqueeze", [kpos, g.i64([1])])]);
  const inWindow = g.op1("Unsqueeze", [g.op1("Less", [back, g.i64([window], true)]), g.i64([1])]);
  return g.op1("Where", [g.op1("And", [visible, inWindow]), g.f32(0), g.f32(-1e9)]);
}

/**
 * The decoder stack on `shared.embeds` up to the logits, written into `g` under the output names `out`. `past`
 * null means no cache is read; `out.present` null means none is returned (the no-past export).
 */
function decoderBody(
  g: OnnxGraphBuilder,
  cfg: TinyLlamaConfig,
  w: TinyLlamaWeights,
  lin: Linears,
  shared: Shared,
  past: KvNames[] | null,
  out: { logits: string; present: KvNames[] | null; float16: boolean },
): void {
  const emit = (x: string, name: string) =>
    g.nodes.push(
      out.float16
        ? { op: "Cast", inputs: [x], outputs: [name], name: g.fresh("cast_out"), attrs: { to: ONNX_TYPE.float16 } }
        : { op: "Identity", inputs: [x], outputs: [name], name: g.fresh("out") },
    );
  const E = cfg.hiddenSize;
  const H = cfg.numAttentionHeads;
  const KV = cfg.numKeyValueHeads;
  const D = E / H;
  const rmsNorm = (x: string, weight: string) => {
    const ms = g.op1("ReduceMean", [g.op1("Mul", [x, x])], { axes: [-1], keepdims: 1 });
    const inv = g.op1("Reciprocal", [g.op1("Sqrt", [g.op1("Add", [ms, g.f32(cfg.rmsNormEps)])])]);
    return g.op1("Mul", [g.op1("Mul", [x, inv]), weight]);
  };
  const weight = (name: string) => lin.float(name);
  const half = g.i64([D / 2, D / 2]);
  const rope = (x: string) => {
    const [x1, x2] = g.op("Split", [x, half], { axis: -1 }, 2);
    const rotated = g.op1("Concat", [g.op1("Neg", [x2]), x1], { axis: -1 });
    return g.op1("Add", [g.op1("Mul", [x, shared.cos]), g.op1("Mul", [rotated, shared.sin])]);
  };
  const heads = (x: string, n: number) =>
    g.op1("Transpose", [g.op1("Reshape", [x, g.i64([0, 0, n, D])])], { perm: [0, 2, 1, 3] });
  const proj = (x: string, stem: string) => {
    const y = lin.apply(g, x, stem + ".weight");
    return cfg.attentionBias && /[qkv]_proj$/.test(stem) ? g.op1("Add", [y, weight(stem + ".bias")]) : y;
  };
  // repeat_kv: [B,KV,S,D] -> [B,KV,rep,S,D] -> [B,H,S,D], each KV head serving H/KV query heads in a row.
  const repeatKv = (x: string) =>
    KV === H
      ? x
      : g.op1("Reshape", [
          g.op1("Expand", [g.op1("Unsqueeze", [x, g.i64([2])]), g.i64([1, 1, H / KV, 1, 1])]),
          g.i64([0, H, -1, D]),
        ]);

  let x = shared.embeds;
  for (let l = 0; l < cfg.numHiddenLayers; l++) {
    const p = `model.layers.${l}.`;
    const h = rmsNorm(x, weight(p + "input_layernorm.weight"));
    const q = rope(heads(proj(h, p + "self_attn.q_proj"), H));
    let k = rope(heads(proj(h, p + "self_attn.k_proj"), KV));
    let v = heads(proj(h, p + "self_attn.v_proj"), KV);
    if (past) {
      k = g.op1("Concat", [past[l].key, k], { axis: 2 });
      v = g.op1("Concat", [past[l].value, v], { axis: 2 });
    }
    if (out.present) {
      emit(k, out.present[l].key);
      emit(v, out.present[l].value);
    }
    const kT = g.op1("Transpose", [repeatKv(k)], { perm: [0, 1, 3, 2] });
    const bias = isSlidingLayer(cfg, l) && shared.slidingMaskBias ? shared.slidingMaskBias : shared.maskBias;
    const scores = g.op1("Add", [g.op1("Mul", [g.op1("MatMul", [q, kT]), g.f32(1 / Math.sqrt(D))]), bias]);
    const ctx = g.op1("MatMul", [g.op1("Softmax", [scores], { axis: -1 }), repeatKv(v)]);
    const merged = g.op1("Reshape", [g.op1("Transpose", [ctx], { perm: [0, 2, 1, 3] }), g.i64([0, 0, H * D])]);
    x = g.op1("Add", [x, lin.apply(g, merged, p + "self_attn.o_proj.weight")]);
    const m = rmsNorm(x, weight(p + "post_attention_layernorm.weight"));
    const gate = lin.apply(g, m, p + "mlp.gate_proj.weight");
    const act = g.op1("Mul", [gate, g.op1("Sigmoid", [gate])]);
    const mlp = g.op1("Mul", [act, lin.apply(g, m, p + "mlp.up_proj.weight")]);
    x = g.op1("Add", [x, lin.apply(g, mlp, p + "mlp.down_proj.weight")]);
  }
  let hidden = rmsNorm(x, weight("model.norm.weight"));
  if (shared.keepLast) {
    // transformers: hidden_states[:, -logits_to_keep:, :]; -0 is 0, so 0 keeps every position.
    hidden = g.op1("Slice", [hidden, shared.keepLast, g.i64([Number.MAX_SAFE_INTEGER]), g.i64([1])]);
  }
  let logits: string;
  const head = w.get("lm_head.weight");
  if (head) logits = lin.apply(g, hidden, "lm_head.weight");
  else if (lin.format === "fp32") {
    // Tied head as transformers exports it: one table, transposed in the graph (folded once by onnxruntime).
    logits = g.op1("MatMul", [hidden, g.op1("Transpose", ["model.embed_tokens.weight"], { perm: [1, 0] })]);
  } else {
    const table = w.get("model.embed_tokens.weight") as OnnxFloatTensor;
    const [V, Em] = table.dims;
    logits = lin.apply(g, hidden, "lm_head.weight", { dims: [Em, V], data: transpose(table.data, V, Em) });
  }
  if (cfg.finalLogitSoftcapping !== null) {
    const cap = g.f32(cfg.finalLogitSoftcapping);
    logits = g.op1("Mul", [g.op1("Tanh", [g.op1("Div", [logits, cap])]), cap]);
  }
  emit(logits, out.logits);
}

/**
 * Builds one export variant of the tiny Llama-family decoder (see {@link TinyLlamaExportOptions}). Graph inputs
 * and outputs follow Optimum: input_ids, attention_mask, position_ids, past_key_values.N.key/value [B, KV, P, D],
 * use_cache_branch (merged), logits_to_keep -> logits, present.N.key/value.
 */
export function buildTinyLlamaLm(
  cfg: TinyLlamaConfig,
  w: TinyLlamaWeights,
  options: TinyLlamaExportOptions = {},
): TinyLlamaExport {
  const {
    cache = "with-past",
    logitsToKeep,
    weightFormat = "fp32",
    positionIds = true,
    q4BlockSize = 32,
    float16Io = false,
  } = options;
  const io = float16Io ? ONNX_TYPE.float16 : ONNX_TYPE.float;
  const g = new OnnxGraphBuilder();
  const KV = cfg.numKeyValueHeads;
  const D = cfg.hiddenSize / cfg.numAttentionHeads;
  const hasPast = cache !== "no-past";
  const seq = logitsToKeep ? "logits_sequence_length" : "sequence_length";
  const inputs: OnnxValueSpec[] = [
    { name: "input_ids", elemType: ONNX_TYPE.int64, dims: ["batch_size", "sequence_length"] },
    {
      name: "attention_mask",
      elemType: ONNX_TYPE.int64,
      dims: ["batch_size", hasPast ? "past_sequence_length + sequence_length" : "sequence_length"],
    },
  ];
  if (positionIds)
    inputs.push({ name: "position_ids", elemType: ONNX_TYPE.int64, dims: ["batch_size", "sequence_length"] });
  const outputs: OnnxValueSpec[] = [{ name: "logits", elemType: io, dims: ["batch_size", seq, cfg.vocabSize] }];
  const kv = (stem: string) =>
    Array.from({ length: cfg.numHiddenLayers }, (_, l) => ({ key: `${stem}.${l}.key`, value: `${stem}.${l}.value` }));
  const pastInputs = hasPast ? kv("past_key_values") : null;
  // The blocks read float32: a float16 cache is widened once, at the edge.
  const widen = (name: string) => g.op1("Cast", [name], { to: ONNX_TYPE.float });
  const past =
    pastInputs && float16Io
      ? pastInputs.map(({ key, value }) => ({ key: widen(key), value: widen(value) }))
      : pastInputs;
  const present = hasPast ? kv("present") : null;
  for (let l = 0; l < (hasPast ? cfg.numHiddenLayers : 0); l++) {
    for (const kind of ["key", "value"]) {
      const dims = ["batch_size", KV, "past_sequence_length", D];
      inputs.push({ name: `past_key_values.${l}.${kind}`, elemType: io, dims });
      const outDims = ["batch_size", KV, "past_sequence_length + sequence_length", D];
      outputs.push({ name: `present.${l}.${kind}`, elemType: io, dims: outDims });
    }
  }
  if (cache === "merged") inputs.push({ name: "use_cache_branch", elemType: ONNX_TYPE.bool, dims: [1] });
  if (logitsToKeep) inputs.push({ name: logitsToKeep, elemType: ONNX_TYPE.int64, dims: [] });

  let positions = "position_ids";
  if (!positionIds) {
    // Without the input, the positions of the new tokens follow the past: P..P+T-1 for every row.
    const one = g.i64([1], true);
    const T = g.op1("Gather", [g.op1("Shape", ["input_ids"]), one], { axis: 0 });
    const S = g.op1("Gather", [g.op1("Shape", ["attention_mask"]), one], { axis: 0 });
    positions = g.op1("Unsqueeze", [g.op1("Range", [g.op1("Sub", [S, T]), S, one]), g.i64([0])]);
  }
  const effective: TinyLlamaWeights = new Map();
  const lin = new Linears(g, w, weightFormat, q4BlockSize, effective);
  const { cos, sin } = rotary(g, cfg, positions);
  const embeds = embed(g, w, weightFormat, effective);
  const mask = maskBias(g);
  const shared: Shared = {
    embeds,
    cos,
    sin,
    maskBias: mask.bias,
    slidingMaskBias: null,
    keepLast: logitsToKeep ? g.op1("Neg", [g.op1("Unsqueeze", [logitsToKeep, g.i64([0])])]) : null,
  };
  // Built after everything else so that variants without a window keep their node names (and bytes).
  if (cfg.slidingWindow != null) {
    shared.slidingMaskBias = slidingMaskBias(g, mask.visible, positions, cfg.slidingWindow);
  }
  if (cache !== "merged") {
    decoderBody(g, cfg, w, lin, shared, past, { logits: "logits", present, float16: float16Io });
  } else {
    // Optimum's merged decoder: the with-past graph when use_cache_branch is true, the no-past one otherwise (it
    // ignores the empty past it is fed), both reading the outer graph's weights.
    const branch = (name: string, readPast: boolean): OnnxGraphSpec => {
      const b = new OnnxGraphBuilder(`${name}/`);
      const out = { logits: `${name}/logits`, present: kv(`${name}/present`), float16: float16Io };
      decoderBody(b, cfg, w, lin, shared, readPast ? past : null, out);
      g.inits.push(...b.inits);
      const outs: OnnxValueSpec[] = [
        { name: out.logits, elemType: io, dims: ["batch_size", seq, cfg.vocabSize] },
        ...out.present.flatMap(({ key, value }) =>
          [key, value].map((n) => ({ name: n, elemType: io, dims: ["batch_size", KV, "total", D] })),
        ),
      ];
      return { name, nodes: b.nodes, outputs: outs };
    };
    const names = ["logits", ...(present ?? []).flatMap(({ key, value }) => [key, value])];
    g.nodes.push({
      op: "If",
      name: "optimum::if",
      inputs: ["use_cache_branch"],
      outputs: names,
      attrs: { then_branch: { graph: branch("with_past", true) }, else_branch: { graph: branch("no_past", false) } },
    });
  }
  const graph: OnnxGraphSpec = { name: "tiny_llama_lm", nodes: g.nodes, initializers: g.inits, inputs, outputs };
  return { onnx: encodeModel(graph, 17), graph, effectiveWeights: effective };
}
