/**
 * Seeded tiny reward models written as ONNX (opset 17), in the shapes reward models come in:
 * - an encoder sequence classifier (BERT / DeBERTa-v3 style, OpenAssistant's reward models): input_ids,
 *   attention_mask, token_type_ids -> logits [B, num_labels], pooled on the first ([CLS]) token;
 * - a decoder sequence classifier (causal attention, transformers' `*ForSequenceClassification`) that either pools
 *   inside the graph as an Optimum export does (the rightmost token that is not pad_token_id, transformers >= 4.49)
 *   or returns the unpooled per-token scores [B, T, num_labels] the scorer must pool itself, with plain `logits` or
 *   ArmoRM-style outputs (`rewards` [B, K] per objective, `gating_output` [B, K], `score` [B, 1]).
 * `test/reference-encoder.ts` is the float64 TypeScript forward of the same maths.
 *
 * Weights are named as in transformers (`bert.encoder.layer.0.attention.self.query.weight`) but stored in MatMul
 * layout [in, out] (transformers' nn.Linear keeps [out, in]).
 */
import { ONNX_TYPE, type OnnxFloatTensor } from "@/lib/onnx/onnx-model";
import { encodeModel, OnnxGraphBuilder, type OnnxValueSpec } from "@/lib/onnx/onnx-writer";
import { createMulberry32 } from "@/lib/metrics/random";
import { normal } from "@/scripts/demo-models/tiny-gpt2";

/** Architecture hyper-parameters (camelCase of the transformers config.json keys). */
export interface TinyEncoderConfig {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  maxPositionEmbeddings: number;
  /** Token type (segment) embeddings; BERT has 2, a decoder 0 (none). */
  typeVocabSize: number;
  layerNormEps: number;
  /** Labels of the classification head (or objectives of a multi-objective head). */
  numLabels: number;
}

/** Weights by transformers name, MatMul layout [in, out]. */
export type TinyEncoderWeights = Map<string, OnnxFloatTensor>;

/** BERT-shaped but tiny, with bert-base-uncased's vocabulary so the real WordPiece tokenizer can drive it. */
export const TINY_BERT: TinyEncoderConfig = {
  vocabSize: 30522,
  hiddenSize: 16,
  intermediateSize: 32,
  numHiddenLayers: 2,
  numAttentionHeads: 2,
  maxPositionEmbeddings: 512,
  typeVocabSize: 2,
  layerNormEps: 1e-12,
  numLabels: 1,
};

/** Masked attention scores get this added; exp() of it underflows to exactly 0 in float32. */
const MASK_VALUE = -1e9;

/** The trunk's weight-name prefix: `bert.` for the encoder, `model.` for the decoder. */
export function trunkPrefix(causal: boolean): string {
  return causal ? "model." : "bert.";
}

/**
 * Seeded weights of the trunk and of every head the builders can attach (`classifier` and `bert.pooler` for the
 * encoder; `score` and `gate` for the decoder).
 */
export function createTinyEncoderWeights(cfg: TinyEncoderConfig, seed: number, causal = false): TinyEncoderWeights {
  const rng = createMulberry32(seed);
  const { hiddenSize: E, intermediateSize: I, numLabels: L } = cfg;
  const w: TinyEncoderWeights = new Map();
  const put = (name: string, dims: number[], std: number, mean = 0) =>
    w.set(name, { dims, data: normal(rng, dims[0] * (dims[1] ?? 1), std).map((v) => v + mean) });
  const p = trunkPrefix(causal);
  put(`${p}embeddings.word_embeddings.weight`, [cfg.vocabSize, E], 0.5);
  put(`${p}embeddings.position_embeddings.weight`, [cfg.maxPositionEmbeddings, E], 0.1);
  if (cfg.typeVocabSize > 0) put(`${p}embeddings.token_type_embeddings.weight`, [cfg.typeVocabSize, E], 0.5);
  put(`${p}embeddings.LayerNorm.weight`, [E], 0.1, 1);
  put(`${p}embeddings.LayerNorm.bias`, [E], 0.05);
  for (let l = 0; l < cfg.numHiddenLayers; l++) {
    const q = `${p}encoder.layer.${l}.`;
    for (const n of ["query", "key", "value"]) {
      put(`${q}attention.self.${n}.weight`, [E, E], 0.4);
      put(`${q}attention.self.${n}.bias`, [E], 0.05);
    }
    put(`${q}attention.output.dense.weight`, [E, E], 0.3);
    put(`${q}attention.output.dense.bias`, [E], 0.05);
    put(`${q}attention.output.LayerNorm.weight`, [E], 0.1, 1);
    put(`${q}attention.output.LayerNorm.bias`, [E], 0.05);
    put(`${q}intermediate.dense.weight`, [E, I], 0.3);
    put(`${q}intermediate.dense.bias`, [I], 0.05);
    put(`${q}output.dense.weight`, [I, E], 0.3);
    put(`${q}output.dense.bias`, [E], 0.05);
    put(`${q}output.LayerNorm.weight`, [E], 0.1, 1);
    put(`${q}output.LayerNorm.bias`, [E], 0.05);
  }
  if (causal) {
    put("score.weight", [E, L], 0.5);
    put("gate.weight", [E, L], 0.5);
  } else {
    put("bert.pooler.dense.weight", [E, E], 0.4);
    put("bert.pooler.dense.bias", [E], 0.05);
    put("classifier.weight", [E, L], 0.5);
    put("classifier.bias", [L], 0.1);
  }
  return w;
}

/** Embeddings + post-LayerNorm blocks (BERT's layout); bidirectional or causal attention. Returns [B, T, E]. */
function trunk(
  g: OnnxGraphBuilder,
  cfg: TinyEncoderConfig,
  causal: boolean,
  positions: string,
  tokenTypeIds: string | null,
): string {
  const p = trunkPrefix(causal);
  const { hiddenSize: E, numAttentionHeads: H } = cfg;
  const D = E / H;
  const ln = (x: string, name: string) =>
    g.op1("LayerNormalization", [x, `${name}.weight`, `${name}.bias`], {
      axis: -1,
      epsilon: { float: cfg.layerNormEps },
    });
  const linear = (x: string, name: string) => g.op1("Add", [g.op1("MatMul", [x, `${name}.weight`]), `${name}.bias`]);
  let x = g.op1("Add", [
    g.op1("Gather", [`${p}embeddings.word_embeddings.weight`, "input_ids"]),
    g.op1("Gather", [`${p}embeddings.position_embeddings.weight`, positions]),
  ]);
  if (tokenTypeIds)
    x = g.op1("Add", [x, g.op1("Gather", [`${p}embeddings.token_type_embeddings.weight`, tokenTypeIds])]);
  x = ln(x, `${p}embeddings.LayerNorm`);
  // Additive key mask [B, 1, 1, T] (and, for a decoder, a causal [T, T] one): padded keys get MASK_VALUE.
  const keep = g.op1("Cast", ["attention_mask"], { to: ONNX_TYPE.float });
  const keyMask = g.op1("Unsqueeze", [
    g.op1("Mul", [g.op1("Sub", [g.f32(1), keep]), g.f32(MASK_VALUE)]),
    g.i64([1, 2]),
  ]);
  let bias = keyMask;
  if (causal) {
    const T = g.op1("Gather", [g.op1("Shape", ["input_ids"]), g.i64([1], true)], { axis: 0 });
    const idx = g.op1("Range", [g.i64([0], true), T, g.i64([1], true)]);
    const later = g.op1("Greater", [g.op1("Unsqueeze", [idx, g.i64([0])]), g.op1("Unsqueeze", [idx, g.i64([1])])]);
    const causalBias = g.op1("Mul", [g.op1("Cast", [later], { to: ONNX_TYPE.float }), g.f32(MASK_VALUE)]);
    bias = g.op1("Add", [keyMask, causalBias]);
  }
  const toHeads = g.i64([0, 0, H, D]);
  const fromHeads = g.i64([0, 0, E]);
  const scale = g.f32(1 / Math.sqrt(D));
  const heads = (t: string) => g.op1("Transpose", [g.op1("Reshape", [t, toHeads])], { perm: [0, 2, 1, 3] });
  for (let l = 0; l < cfg.numHiddenLayers; l++) {
    const q = `${p}encoder.layer.${l}.`;
    const [qh, kh, vh] = ["query", "key", "value"].map((n) => heads(linear(x, `${q}attention.self.${n}`)));
    const scores = g.op1("Mul", [g.op1("MatMul", [qh, g.op1("Transpose", [kh], { perm: [0, 1, 3, 2] })]), scale]);
    const probs = g.op1("Softmax", [g.op1("Add", [scores, bias])], { axis: -1 });
    const ctx = g.op1("Reshape", [
      g.op1("Transpose", [g.op1("MatMul", [probs, vh])], { perm: [0, 2, 1, 3] }),
      fromHeads,
    ]);
    x = ln(g.op1("Add", [x, linear(ctx, `${q}attention.output.dense`)]), `${q}attention.output.LayerNorm`);
    const pre = linear(x, `${q}intermediate.dense`);
    // Exact (erf) GELU, BERT's "gelu".
    const gelu = g.op1("Mul", [
      g.op1("Mul", [pre, g.f32(0.5)]),
      g.op1("Add", [g.f32(1), g.op1("Erf", [g.op1("Mul", [pre, g.f32(Math.SQRT1_2)])])]),
    ]);
    x = ln(g.op1("Add", [x, linear(gelu, `${q}output.dense`)]), `${q}output.LayerNorm`);
  }
  return x;
}

function weightInits(w: TinyEncoderWeights, keep: (name: string) => boolean) {
  return [...w].filter(([n]) => keep(n)).map(([name, t]) => ({ name, dims: t.dims, data: t.data }));
}

const ids = (name: string): OnnxValueSpec => ({
  name,
  elemType: ONNX_TYPE.int64,
  dims: ["batch_size", "sequence_length"],
});

/**
 * Encoder sequence classifier as Optimum exports BertForSequenceClassification / DebertaV2ForSequenceClassification:
 * input_ids, attention_mask, token_type_ids -> logits [B, num_labels] from the [CLS] position (BERT's tanh pooler).
 */
export function buildTinyEncoderRm(cfg: TinyEncoderConfig, w: TinyEncoderWeights): Uint8Array {
  const g = new OnnxGraphBuilder();
  const T = g.op1("Gather", [g.op1("Shape", ["input_ids"]), g.i64([1], true)], { axis: 0 });
  const positions = g.op1("Unsqueeze", [g.op1("Range", [g.i64([0], true), T, g.i64([1], true)]), g.i64([0])]);
  const hidden = trunk(g, cfg, false, positions, "token_type_ids");
  const cls = g.op1("Gather", [hidden, g.i64([0], true)], { axis: 1 }); // [B, E]
  const pooled = g.op1("Tanh", [
    g.op1("Add", [g.op1("MatMul", [cls, "bert.pooler.dense.weight"]), "bert.pooler.dense.bias"]),
  ]);
  g.op1("Add", [g.op1("MatMul", [pooled, "classifier.weight"]), "classifier.bias"]);
  g.rename("logits");
  return encodeModel(
    {
      name: "tiny_encoder_rm",
      nodes: g.nodes,
      initializers: [...weightInits(w, (n) => !n.startsWith("score") && !n.startsWith("gate")), ...g.inits],
      inputs: [ids("input_ids"), ids("attention_mask"), ids("token_type_ids")],
      outputs: [{ name: "logits", elemType: ONNX_TYPE.float, dims: ["batch_size", cfg.numLabels] }],
    },
    17,
  );
}

/** How a decoder reward model's graph ends. */
export interface TinyDecoderRmOptions {
  /** config.json's pad_token_id, which in-graph pooling compares against (required unless `pooling` is "none"). */
  padTokenId?: number;
  /**
   * "last-non-pad": pooled inside the graph at the rightmost token that is not `padTokenId` (what tracing
   * transformers >= 4.49's `*ForSequenceClassification.forward` writes into an Optimum export); "none": the graph
   * returns per-token scores [B, T, num_labels] and leaves pooling to the caller.
   */
  pooling: "last-non-pad" | "none";
  /**
   * "logits": one output `logits`; "armo": ArmoRM-style `rewards` [B, K] (the per-objective head), `gating_output`
   * [B, K] (softmax of the gate on the pooled state) and `score` [B, 1] = sum(rewards * gating_output).
   */
  heads: "logits" | "armo";
  /** Declare a `position_ids` input (Llama-style exports do); positions are 0..T-1 otherwise. */
  positionIds?: boolean;
}

/** Decoder (causal) reward model; see {@link TinyDecoderRmOptions} for its pooling and heads. */
export function buildTinyDecoderRm(
  cfg: TinyEncoderConfig,
  w: TinyEncoderWeights,
  options: TinyDecoderRmOptions,
): Uint8Array {
  const g = new OnnxGraphBuilder();
  const T = g.op1("Gather", [g.op1("Shape", ["input_ids"]), g.i64([1], true)], { axis: 0 });
  const positions = options.positionIds
    ? "position_ids"
    : g.op1("Unsqueeze", [g.op1("Range", [g.i64([0], true), T, g.i64([1], true)]), g.i64([0])]);
  const hidden = trunk(g, cfg, true, positions, null);
  const L = cfg.numLabels;
  const inputs = [ids("input_ids"), ids("attention_mask"), ...(options.positionIds ? [ids("position_ids")] : [])];
  const float = (name: string, dims: (number | string)[]): OnnxValueSpec => ({ name, elemType: ONNX_TYPE.float, dims });
  let outputs: OnnxValueSpec[];
  if (options.pooling === "none") {
    if (options.heads !== "logits") throw new Error("an unpooled decoder RM is built with the logits head only");
    g.op1("MatMul", [hidden, "score.weight"]);
    g.rename("logits");
    outputs = [float("logits", ["batch_size", "sequence_length", L])];
  } else {
    if (options.padTokenId === undefined) throw new Error("in-graph pooling needs padTokenId");
    const notPad = g.op1("Cast", [g.op1("Not", [g.op1("Equal", ["input_ids", g.i64([options.padTokenId], true)])])], {
      to: ONNX_TYPE.int64,
    });
    const tokenIdx = g.op1("Range", [g.i64([0], true), T, g.i64([1], true)]);
    const last = g.op1("ArgMax", [g.op1("Mul", [notPad, tokenIdx])], { axis: -1, keepdims: 1 }); // [B, 1]
    const E = cfg.hiddenSize;
    const index = g.op1("Expand", [
      g.op1("Unsqueeze", [last, g.i64([2])]),
      g.op1("Concat", [g.op1("Shape", [last]), g.i64([E])], { axis: 0 }),
    ]);
    const state = g.op1("Squeeze", [g.op1("GatherElements", [hidden, index], { axis: 1 }), g.i64([1])]); // [B, E]
    g.op1("MatMul", [state, "score.weight"]);
    if (options.heads === "logits") {
      g.rename("logits");
      outputs = [float("logits", ["batch_size", L])];
    } else {
      g.rename("rewards");
      g.op1("Softmax", [g.op1("MatMul", [state, "gate.weight"])], { axis: -1 });
      g.rename("gating_output");
      g.op1("ReduceSum", [g.op1("Mul", ["rewards", "gating_output"]), g.i64([1])], { keepdims: 1 });
      g.rename("score");
      outputs = [
        float("rewards", ["batch_size", L]),
        float("gating_output", ["batch_size", L]),
        float("score", ["batch_size", 1]),
      ];
    }
  }
  return encodeModel(
    {
      name: "tiny_decoder_rm",
      nodes: g.nodes,
      initializers: [...weightInits(w, (n) => options.heads === "armo" || !n.startsWith("gate")), ...g.inits],
      inputs,
      outputs,
    },
    17,
  );
}

/** config.json of an encoder classifier in transformers' layout (`model_type` "bert"). */
export function tinyEncoderConfigJson(cfg: TinyEncoderConfig, padTokenId: number): Record<string, unknown> {
  return {
    architectures: ["BertForSequenceClassification"],
    model_type: "bert",
    vocab_size: cfg.vocabSize,
    hidden_size: cfg.hiddenSize,
    intermediate_size: cfg.intermediateSize,
    num_hidden_layers: cfg.numHiddenLayers,
    num_attention_heads: cfg.numAttentionHeads,
    max_position_embeddings: cfg.maxPositionEmbeddings,
    type_vocab_size: cfg.typeVocabSize,
    layer_norm_eps: cfg.layerNormEps,
    hidden_act: "gelu",
    pad_token_id: padTokenId,
    num_labels: cfg.numLabels,
    id2label: Object.fromEntries(Array.from({ length: cfg.numLabels }, (_, i) => [String(i), `LABEL_${i}`])),
    torch_dtype: "float32",
  };
}

/**
 * config.json of a decoder reward model: `LlamaForSequenceClassification`-like, or with `armo` ArmoRM's custom
 * `LlamaForRewardModelWithGating` architecture (not a *ForSequenceClassification name).
 */
export function tinyDecoderRmConfigJson(
  cfg: TinyEncoderConfig,
  ids: { pad: number | null; eos: number; bos: number },
  armo = false,
): Record<string, unknown> {
  return {
    architectures: [armo ? "LlamaForRewardModelWithGating" : "LlamaForSequenceClassification"],
    model_type: "llama",
    vocab_size: cfg.vocabSize,
    hidden_size: cfg.hiddenSize,
    intermediate_size: cfg.intermediateSize,
    num_hidden_layers: cfg.numHiddenLayers,
    num_attention_heads: cfg.numAttentionHeads,
    max_position_embeddings: cfg.maxPositionEmbeddings,
    bos_token_id: ids.bos,
    eos_token_id: ids.eos,
    ...(ids.pad === null ? {} : { pad_token_id: ids.pad }),
    num_labels: cfg.numLabels,
    torch_dtype: "float32",
  };
}

/** Seed of the fixture reward folders' weights. */
export const REWARD_FIXTURE_SEED = 2468;

/**
 * The multi-output reward folder's own chat template ("role: text" turns), unlike the demo policy's ChatML: scoring
 * must render rows through the reward model's template, not the policy's.
 */
export const REWARD_FIXTURE_TEMPLATE =
  "{% for message in messages %}{{ message['role'] + ': ' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ 'assistant: ' }}{% endif %}";

/** Objectives of the ArmoRM-style fixture (ArmoRM-Llama3-8B-v0.1 has 19). */
export const ARMO_OBJECTIVES = 4;

/** The decoder shape of the reward fixtures, on a vocabulary of `vocabSize`. */
export function tinyDecoderRmShape(vocabSize: number, numLabels: number): TinyEncoderConfig {
  return { ...TINY_BERT, vocabSize, typeVocabSize: 0, maxPositionEmbeddings: 2048, numLabels };
}

/**
 * An ArmoRM-style reward model folder on the demo byte-level tokenizer: `rewards` [B, 4], `gating_output` [B, 4] and
 * `score` [B, 1], pooled in the graph at the last non-pad token, pad_token_id = eos_token_id (`<|im_end|>`, which the
 * template writes after every turn, so EOS occurs inside each sequence), and the folder's own chat template.
 */
export function buildArmoRmFolder(tokenizer: {
  tokenizerJson: object;
  tokenizerConfig: Record<string, unknown>;
  specialIds: Record<string, number>;
  vocabSize: number;
}): Record<string, Uint8Array | string> {
  const cfg = tinyDecoderRmShape(tokenizer.vocabSize, ARMO_OBJECTIVES);
  const eos = tokenizer.specialIds["<|im_end|>"];
  const w = createTinyEncoderWeights(cfg, REWARD_FIXTURE_SEED, true);
  const json = (v: unknown) => JSON.stringify(v, null, 2) + "\n";
  return {
    "config.json": json(
      tinyDecoderRmConfigJson(cfg, { pad: eos, eos, bos: tokenizer.specialIds["<|endoftext|>"] }, true),
    ),
    "tokenizer.json": json(tokenizer.tokenizerJson),
    "tokenizer_config.json": json({
      ...tokenizer.tokenizerConfig,
      pad_token: "<|im_end|>",
      chat_template: REWARD_FIXTURE_TEMPLATE,
    }),
    "onnx/model.onnx": buildTinyDecoderRm(cfg, w, { padTokenId: eos, pooling: "last-non-pad", heads: "armo" }),
  };
}
