/**
 * Seeded tiny GPT-2 models written as ONNX (opset 17) in the Hugging Face Optimum layout: a causal LM with the
 * KV-cache interface and a sequence-classification reward model. They stand in for hub checkpoints in tests and
 * the offline demo; `test/reference-forward.ts` re-implements the same maths in TypeScript. A variant of the LM
 * computes attention with onnxruntime's `com.microsoft.GroupQueryAttention`, as onnxruntime-genai exports do.
 */
import { ONNX_TYPE, type OnnxFloatTensor } from "@/lib/onnx/onnx-model";
import {
  encodeModel,
  externalizeTensors,
  type OnnxGraphSpec,
  type OnnxNodeSpec,
  type OnnxTensorSpec,
  type OnnxValueSpec,
} from "@/lib/onnx/onnx-writer";
import { createMulberry32 } from "@/lib/metrics/random";

/** Architecture hyper-parameters (names follow the GPT-2 config.json keys in camelCase). */
export interface TinyGpt2Config {
  vocabSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  nPositions: number;
  layerNormEpsilon: number;
}

/** Weights by HF-like name (`h.0.attn.c_attn.weight` ...), Conv1D layout `[in, out]` as in GPT-2. */
export type TinyGpt2Weights = Map<string, OnnxFloatTensor>;

/** Masked attention scores get this added; exp() of it underflows to exactly 0 in float32, so padding is inert. */
export const ATTENTION_MASK_VALUE = -1e9;

/** mulberry32, shared with the other fixture builders (byte-identical output depends on it). */
export const createRng = createMulberry32;

/** `n` seeded N(0, std²) floats (Box–Muller, two per draw pair); the other builders share it. */
export function normal(rng: () => number, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(rng(), 1e-12);
    const v = rng();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/**
 * Seeded weights. `lmBias` (length vocabSize) is added to the LM logits; with a unigram log-prior it makes the
 * demo LM prefer common text, so demo margins carry some signal instead of pure noise.
 */
export function createTinyGpt2Weights(cfg: TinyGpt2Config, seed: number, lmBias?: Float32Array): TinyGpt2Weights {
  const rng = createRng(seed);
  const E = cfg.nEmbd;
  const w: TinyGpt2Weights = new Map();
  const put = (name: string, dims: number[], data: Float32Array) => w.set(name, { dims, data });
  const ones = (n: number) => new Float32Array(n).fill(1);
  put("wte", [cfg.vocabSize, E], normal(rng, cfg.vocabSize * E, 0.1));
  put("wpe", [cfg.nPositions, E], normal(rng, cfg.nPositions * E, 0.02));
  for (let l = 0; l < cfg.nLayer; l++) {
    const p = `h.${l}.`;
    put(p + "ln_1.weight", [E], ones(E));
    put(p + "ln_1.bias", [E], new Float32Array(E));
    put(p + "attn.c_attn.weight", [E, 3 * E], normal(rng, E * 3 * E, 0.15));
    put(p + "attn.c_attn.bias", [3 * E], normal(rng, 3 * E, 0.02));
    put(p + "attn.c_proj.weight", [E, E], normal(rng, E * E, 0.05));
    put(p + "attn.c_proj.bias", [E], normal(rng, E, 0.02));
    put(p + "ln_2.weight", [E], ones(E));
    put(p + "ln_2.bias", [E], new Float32Array(E));
    put(p + "mlp.c_fc.weight", [E, 4 * E], normal(rng, E * 4 * E, 0.1));
    put(p + "mlp.c_fc.bias", [4 * E], normal(rng, 4 * E, 0.02));
    put(p + "mlp.c_proj.weight", [4 * E, E], normal(rng, 4 * E * E, 0.05));
    put(p + "mlp.c_proj.bias", [E], normal(rng, E, 0.02));
  }
  put("ln_f.weight", [E], ones(E));
  put("ln_f.bias", [E], new Float32Array(E));
  put("lm_bias", [cfg.vocabSize], lmBias ? Float32Array.from(lmBias) : new Float32Array(cfg.vocabSize));
  put("score.weight", [E, 1], normal(rng, E, 0.3));
  return w;
}

/** onnxruntime's contrib-op domain (GroupQueryAttention lives there, at version 1). */
const CONTRIB_DOMAIN = "com.microsoft";

/** Collects nodes and constants with unique names; keeps the graph-writing code below linear and readable. */
class GraphBuilder {
  nodes: OnnxNodeSpec[] = [];
  inits: OnnxTensorSpec[] = [];
  private n = 0;

  op(op: string, inputs: string[], attrs?: OnnxNodeSpec["attrs"], nOut = 1, domain?: string): string[] {
    const id = `${op}_${this.n++}`;
    const outputs = Array.from({ length: nOut }, (_, i) => (nOut === 1 ? id : `${id}_${i}`));
    this.nodes.push({ op, inputs, outputs, name: id, attrs, ...(domain ? { domain } : {}) });
    return outputs;
  }
  op1(op: string, inputs: string[], attrs?: OnnxNodeSpec["attrs"]): string {
    return this.op(op, inputs, attrs)[0];
  }
  /** Renames the output of the last node (to give graph outputs their public names). */
  rename(to: string): string {
    this.nodes[this.nodes.length - 1].outputs[0] = to;
    return to;
  }
  i64(values: number[], scalar = false): string {
    const name = `const_${this.n++}`;
    this.inits.push({ name, dims: scalar ? [] : [values.length], data: BigInt64Array.from(values.map(BigInt)) });
    return name;
  }
  f32(value: number): string {
    const name = `const_${this.n++}`;
    this.inits.push({ name, dims: [], data: Float32Array.of(value) });
    return name;
  }
}

/** A layer's KV-cache tensor names: the model's `past_key_values.N.*` inputs or `present.N.*` outputs. */
interface KvNames {
  key: string;
  value: string;
}

/**
 * Self-attention of layer `layer` on the c_attn output qkv [B,T,3E]; returns the context [B,T,E] before c_proj.
 * With a cache (`past` non-null) it outputs the updated cache as `present.N.key/value`.
 */
type Attend = (layer: number, qkv: string, past: KvNames | null) => string;

/**
 * Attention in standard ops: heads, Concat with the past, scores plus the additive mask `maskBias`, Softmax.
 * Its constants are created here, before the trunk's, in the order that keeps the demo models' bytes unchanged.
 */
function maskedAttention(g: GraphBuilder, cfg: TinyGpt2Config, maskBias: string): Attend {
  const E = cfg.nEmbd;
  const H = cfg.nHead;
  const D = E / H;
  const toHeads = g.i64([0, 0, H, D]);
  const fromHeads = g.i64([0, 0, E]);
  const split = g.i64([E, E, E]);
  const scale = g.f32(1 / Math.sqrt(D));
  return (l, qkv, past) => {
    const [q, k, v] = g.op("Split", [qkv, split], { axis: 2 }, 3);
    const heads = (t: string) => g.op1("Transpose", [g.op1("Reshape", [t, toHeads])], { perm: [0, 2, 1, 3] });
    let kh = heads(k);
    let vh = heads(v);
    if (past) {
      kh = g.op1("Concat", [past.key, kh], { axis: 2 });
      kh = g.rename(`present.${l}.key`);
      vh = g.op1("Concat", [past.value, vh], { axis: 2 });
      vh = g.rename(`present.${l}.value`);
    }
    const scores = g.op1("Mul", [g.op1("MatMul", [heads(q), g.op1("Transpose", [kh], { perm: [0, 1, 3, 2] })]), scale]);
    const probs = g.op1("Softmax", [g.op1("Add", [scores, maskBias])], { axis: -1 });
    const ctx = g.op1("Transpose", [g.op1("MatMul", [probs, vh])], { perm: [0, 2, 1, 3] });
    return g.op1("Reshape", [ctx, fromHeads]);
  };
}

/**
 * One `com.microsoft.GroupQueryAttention` node per layer, as onnxruntime-genai exports: num_heads = kv_num_heads,
 * no rotary (GPT-2's learned positions stay in the embedding), packed q/k/v [B,T,E] and BNSH caches. GQA takes
 * no mask: each row's valid length comes from `seqlens_k` = sum(attention_mask) - 1 and the total from the
 * mask's width, so it assumes every row's real tokens are contiguous from slot 0.
 */
function groupQueryAttention(g: GraphBuilder, cfg: TinyGpt2Config, attentionMask: string): Attend {
  const E = cfg.nEmbd;
  const split = g.i64([E, E, E]);
  const rowSum = g.op1("ReduceSum", [attentionMask, g.i64([1])], { keepdims: 0 });
  const seqlensK = g.op1("Cast", [g.op1("Sub", [rowSum, g.i64([1], true)])], { to: ONNX_TYPE.int32 });
  const width = g.op1("Gather", [g.op1("Shape", [attentionMask]), g.i64([1], true)], { axis: 0 });
  const totalLength = g.op1("Cast", [width], { to: ONNX_TYPE.int32 });
  return (l, qkv, past) => {
    if (!past) throw new Error("the GroupQueryAttention LM is built with its KV-cache inputs");
    const [q, k, v] = g.op("Split", [qkv, split], { axis: 2 }, 3);
    const inputs = [q, k, v, past.key, past.value, seqlensK, totalLength];
    const attrs = { num_heads: cfg.nHead, kv_num_heads: cfg.nHead };
    const [ctx] = g.op("GroupQueryAttention", inputs, attrs, 3, CONTRIB_DOMAIN);
    g.nodes[g.nodes.length - 1].outputs = [ctx, `present.${l}.key`, `present.${l}.value`];
    return ctx;
  };
}

/** Embedding + transformer blocks + final LayerNorm; returns the hidden-state name. */
function trunk(
  g: GraphBuilder,
  cfg: TinyGpt2Config,
  inputIds: string,
  positionIds: string,
  attend: Attend,
  past: KvNames[] | null,
): string {
  const ln = (x: string, p: string) =>
    g.op1("LayerNormalization", [x, p + ".weight", p + ".bias"], {
      axis: -1,
      epsilon: { float: cfg.layerNormEpsilon },
    });
  const linear = (x: string, p: string) => g.op1("Add", [g.op1("MatMul", [x, p + ".weight"]), p + ".bias"]);
  const half = g.f32(0.5);
  const one = g.f32(1);
  const geluK = g.f32(Math.sqrt(2 / Math.PI));
  const geluC = g.f32(0.044715);

  let x = g.op1("Add", [g.op1("Gather", ["wte", inputIds]), g.op1("Gather", ["wpe", positionIds])]);
  for (let l = 0; l < cfg.nLayer; l++) {
    const p = `h.${l}.`;
    const qkv = linear(ln(x, p + "ln_1"), p + "attn.c_attn");
    x = g.op1("Add", [x, linear(attend(l, qkv, past?.[l] ?? null), p + "attn.c_proj")]);
    // gelu_new (tanh approximation), spelled out because Gelu only exists from opset 20.
    const f = linear(ln(x, p + "ln_2"), p + "mlp.c_fc");
    const cube = g.op1("Mul", [g.op1("Mul", [f, f]), f]);
    const inner = g.op1("Mul", [g.op1("Add", [f, g.op1("Mul", [cube, geluC])]), geluK]);
    const gelu = g.op1("Mul", [g.op1("Mul", [f, half]), g.op1("Add", [g.op1("Tanh", [inner]), one])]);
    x = g.op1("Add", [x, linear(gelu, p + "mlp.c_proj")]);
  }
  return ln(x, "ln_f");
}

/** Additive attention bias [B,1,T,S]: key j is visible to query i iff j <= S-T+i and attention_mask[b,j] = 1. */
function maskBiasNodes(g: GraphBuilder, inputIds: string, attentionMask: string): string {
  const zero = g.i64([0], true);
  const oneI = g.i64([1], true);
  const T = g.op1("Gather", [g.op1("Shape", [inputIds]), oneI], { axis: 0 });
  const S = g.op1("Gather", [g.op1("Shape", [attentionMask]), oneI], { axis: 0 });
  const qpos = g.op1("Range", [g.op1("Sub", [S, T]), S, oneI]);
  const kpos = g.op1("Range", [zero, S, oneI]);
  const causal = g.op1("LessOrEqual", [kpos, g.op1("Unsqueeze", [qpos, g.i64([1])])]);
  const keep = g.op1("Unsqueeze", [g.op1("Cast", [attentionMask], { to: ONNX_TYPE.bool }), g.i64([1, 2])]);
  return g.op1("Where", [g.op1("And", [causal, keep]), g.f32(0), g.f32(ATTENTION_MASK_VALUE)]);
}

function weightInits(w: TinyGpt2Weights, skip: (name: string) => boolean): OnnxTensorSpec[] {
  return [...w].filter(([n]) => !skip(n)).map(([name, t]) => ({ name, dims: t.dims, data: t.data }));
}

/** Which attention the LM's blocks use: standard ops with a mask, or onnxruntime's GroupQueryAttention. */
type LmAttention = "masked" | "group-query";

function lmGraph(cfg: TinyGpt2Config, w: TinyGpt2Weights, attention: LmAttention = "masked"): { graph: OnnxGraphSpec } {
  const g = new GraphBuilder();
  const H = cfg.nHead;
  const D = cfg.nEmbd / H;
  const inputs: OnnxValueSpec[] = [
    { name: "input_ids", elemType: ONNX_TYPE.int64, dims: ["batch_size", "sequence_length"] },
    {
      name: "attention_mask",
      elemType: ONNX_TYPE.int64,
      dims: ["batch_size", "past_sequence_length + sequence_length"],
    },
    { name: "position_ids", elemType: ONNX_TYPE.int64, dims: ["batch_size", "sequence_length"] },
  ];
  const outputs: OnnxValueSpec[] = [
    { name: "logits", elemType: ONNX_TYPE.float, dims: ["batch_size", "sequence_length", cfg.vocabSize] },
  ];
  const past = Array.from({ length: cfg.nLayer }, (_, l) => ({
    key: `past_key_values.${l}.key`,
    value: `past_key_values.${l}.value`,
  }));
  for (let l = 0; l < cfg.nLayer; l++) {
    for (const kind of ["key", "value"]) {
      inputs.push({
        name: `past_key_values.${l}.${kind}`,
        elemType: ONNX_TYPE.float,
        dims: ["batch_size", H, "past_sequence_length", D],
      });
      outputs.push({
        name: `present.${l}.${kind}`,
        elemType: ONNX_TYPE.float,
        dims: ["batch_size", H, "past_sequence_length + sequence_length", D],
      });
    }
  }
  const attend =
    attention === "masked"
      ? maskedAttention(g, cfg, maskBiasNodes(g, "input_ids", "attention_mask"))
      : groupQueryAttention(g, cfg, "attention_mask");
  const hidden = trunk(g, cfg, "input_ids", "position_ids", attend, past);
  // Tied LM head (h @ wte^T) as in GPT-2, plus the optional unigram prior.
  const wteT = g.op1("Transpose", ["wte"], { perm: [1, 0] });
  g.op1("Add", [g.op1("MatMul", [hidden, wteT]), "lm_bias"]);
  g.rename("logits");
  const graph = {
    name: "tiny_gpt2_lm",
    nodes: g.nodes,
    initializers: [...weightInits(w, (n) => n === "score.weight"), ...g.inits],
    inputs,
    outputs,
  };
  return { graph };
}

/** Causal LM with KV cache, Optimum names: input_ids, attention_mask, position_ids, past_key_values.N.key/value. */
export function buildTinyGpt2Lm(cfg: TinyGpt2Config, w: TinyGpt2Weights): Uint8Array {
  return encodeModel(lmGraph(cfg, w).graph, 17);
}

/**
 * The causal LM with each block's attention as one `com.microsoft.GroupQueryAttention` node (the onnxruntime-genai
 * export style), same interface and weights as {@link buildTinyGpt2Lm}. GQA reads row lengths from the mask, not
 * its pattern: onnxruntime (1.30) rejects a past under a batch of multi-token rows and rows of padding only.
 */
export function buildTinyGpt2GqaLm(cfg: TinyGpt2Config, w: TinyGpt2Weights): Uint8Array {
  return encodeModel(lmGraph(cfg, w, "group-query").graph, 17);
}

/**
 * The same causal LM with its weights (tensors of 1 KiB and more) in the external-data file `location`, as
 * Optimum exports big models: `model` is the graph alone, `data` the file to write beside it.
 */
export function buildTinyGpt2LmWithExternalData(
  cfg: TinyGpt2Config,
  w: TinyGpt2Weights,
  location: string,
): { model: Uint8Array; data: Uint8Array } {
  const { graph } = lmGraph(cfg, w);
  const { tensors, data } = externalizeTensors(graph.initializers ?? [], location);
  return { model: encodeModel({ ...graph, initializers: tensors }, 17), data };
}

/**
 * Sequence-classification reward model, Optimum names: input_ids, attention_mask -> logits [B,1]. Pools the
 * rightmost token that is not `padTokenId`, as transformers' GPT2ForSequenceClassification does; positions are
 * 0..T-1 (no position_ids input), so batches must be right-padded.
 */
export function buildTinyGpt2Rm(cfg: TinyGpt2Config, w: TinyGpt2Weights, padTokenId: number): Uint8Array {
  const g = new GraphBuilder();
  const inputs: OnnxValueSpec[] = [
    { name: "input_ids", elemType: ONNX_TYPE.int64, dims: ["batch_size", "sequence_length"] },
    { name: "attention_mask", elemType: ONNX_TYPE.int64, dims: ["batch_size", "sequence_length"] },
  ];
  const outputs: OnnxValueSpec[] = [{ name: "logits", elemType: ONNX_TYPE.float, dims: ["batch_size", 1] }];
  const oneI = g.i64([1], true);
  const T = g.op1("Gather", [g.op1("Shape", ["input_ids"]), oneI], { axis: 0 });
  const positions = g.op1("Unsqueeze", [g.op1("Range", [g.i64([0], true), T, oneI]), g.i64([0])]);
  const attend = maskedAttention(g, cfg, maskBiasNodes(g, "input_ids", "attention_mask"));
  const hidden = trunk(g, cfg, "input_ids", positions, attend, null);
  const perToken = g.op1("MatMul", [hidden, "score.weight"]); // [B,T,1]
  const notPad = g.op1("Cast", [g.op1("Not", [g.op1("Equal", ["input_ids", g.i64([padTokenId], true)])])], {
    to: ONNX_TYPE.int64,
  });
  const tokenIdx = g.op1("Range", [g.i64([0], true), T, oneI]);
  const last = g.op1("ArgMax", [g.op1("Mul", [notPad, tokenIdx])], { axis: -1, keepdims: 1 }); // [B,1]
  const idx3 = g.op1("Unsqueeze", [last, g.i64([2])]); // [B,1,1]
  const pooled = g.op1("GatherElements", [perToken, idx3], { axis: 1 }); // [B,1,1]
  g.op1("Squeeze", [pooled, g.i64([2])]);
  g.rename("logits");
  const keep = (n: string) => n === "lm_bias";
  return encodeModel(
    { name: "tiny_gpt2_rm", nodes: g.nodes, initializers: [...weightInits(w, keep), ...g.inits], inputs, outputs },
    17,
  );
}
