/**
 * Graph rewrite that makes a causal LM return per-token log-probs [B,T] instead of logits [B,T,V]: adds a
 * `target_ids` input and LogSoftmax -> GatherElements -> Squeeze after `logits`, so vocabulary-sized tensors
 * never cross into JS (or off the GPU).
 *
 * The rewrite appends a second `graph` field to the ModelProto bytes. Protobuf merges repeated occurrences of a
 * singular message field (repeated members concatenate), so ONNX Runtime sees one graph holding the original
 * nodes plus ours. Nothing is decoded or re-encoded: weights (inline or external data) are untouched, unknown
 * fields survive, and the cost is one concatenation.
 */
import { ONNX_TYPE, readModelInfo } from "@/lib/onnx/onnx-model";
import { ProtoWriter } from "@/lib/onnx/protobuf-wire";
import { encodeGraph, type OnnxNodeSpec, type OnnxTensorSpec } from "@/lib/onnx/onnx-writer";

/** Name of the added input: the token whose log-prob each position should report (int64 [B,T]). */
export const TARGET_IDS = "target_ids";
/** Name of the added output: log p(target_ids[b,t] | tokens up to t) as float32 [B,T]. */
export const TOKEN_LOGPROBS = "token_logprobs";

/** Failure to rewrite (not a causal LM, unsupported opset...); `code` is stable for UI messages. */
export class LogprobGraphError extends Error {
  constructor(
    message: string,
    readonly code: "NO_LOGITS" | "OPSET_TOO_OLD",
  ) {
    super(message);
  }
}

/** Options of `addTokenLogprobOutput`. */
export interface LogprobGraphOptions {
  /** Output holding [B,T,V] logits; default `logits`. */
  logitsName?: string;
}

/** True when the model already has the rewrite (so loading a rewritten file twice is harmless). */
export function hasTokenLogprobOutput(model: Uint8Array): boolean {
  return readModelInfo(model).outputs.some((o) => o.name === TOKEN_LOGPROBS);
}

/** Returns new model bytes with `target_ids` -> `token_logprobs`; all original inputs/outputs are kept. */
export function addTokenLogprobOutput(model: Uint8Array, options: LogprobGraphOptions = {}): Uint8Array {
  const info = readModelInfo(model);
  if (info.outputs.some((o) => o.name === TOKEN_LOGPROBS)) return model;
  const logitsName = options.logitsName ?? "logits";
  const logits = info.outputs.find((o) => o.name === logitsName);
  if (!logits) {
    const names = info.outputs.map((o) => o.name).join(", ");
    throw new LogprobGraphError(`model has no "${logitsName}" output (outputs: ${names})`, "NO_LOGITS");
  }
  const opset = info.opsets.get("") ?? 0;
  // GatherElements exists from opset 11; Unsqueeze/Squeeze switch from attributes to inputs at 13.
  if (opset < 11) throw new LogprobGraphError(`opset ${opset} < 11 is not supported`, "OPSET_TOO_OLD");
  const p = "margin_atlas/";
  const inits: OnnxTensorSpec[] = [];
  const axes = (name: string): { inputs: string[]; attrs: OnnxNodeSpec["attrs"] } => {
    if (opset < 13) return { inputs: [], attrs: { axes: [2] } };
    inits.push({ name: p + name, dims: [1], data: BigInt64Array.of(2n) });
    return { inputs: [p + name], attrs: {} };
  };
  const unsq = axes("unsqueeze_axes");
  const sq = axes("squeeze_axes");
  const nodes: OnnxNodeSpec[] = [
    // float32 before LogSoftmax: fp16 logits would lose the small differences margins are made of.
    { op: "Cast", name: p + "cast", inputs: [logitsName], outputs: [p + "logits_f32"], attrs: { to: ONNX_TYPE.float } },
    {
      op: "LogSoftmax",
      name: p + "log_softmax",
      inputs: [p + "logits_f32"],
      outputs: [p + "logp"],
      attrs: { axis: -1 },
    },
    {
      op: "Unsqueeze",
      name: p + "unsqueeze",
      inputs: [TARGET_IDS, ...unsq.inputs],
      outputs: [p + "targets"],
      attrs: unsq.attrs,
    },
    {
      op: "GatherElements",
      name: p + "gather",
      inputs: [p + "logp", p + "targets"],
      outputs: [p + "gathered"],
      attrs: { axis: 2 },
    },
    {
      op: "Squeeze",
      name: p + "squeeze",
      inputs: [p + "gathered", ...sq.inputs],
      outputs: [TOKEN_LOGPROBS],
      attrs: sq.attrs,
    },
  ];
  const [batch, seq] = [logits.dims[0] ?? "batch_size", logits.dims[1] ?? "sequence_length"];
  const extra = encodeGraph({
    nodes,
    initializers: inits,
    inputs: [{ name: TARGET_IDS, elemType: ONNX_TYPE.int64, dims: [batch, seq] }],
    outputs: [{ name: TOKEN_LOGPROBS, elemType: ONNX_TYPE.float, dims: [batch, seq] }],
  });
  const tail = new ProtoWriter().bytes(7, extra).finish();
  const out = new Uint8Array(model.length + tail.length);
  out.set(model, 0);
  out.set(tail, model.length);
  return out;
}
