/**
 * Graph rewrite for generation: adds a `last_logits` output [B,V] (float32) = logits[:, -1, :], so a prefill of a
 * T-token prompt hands JS one row of logits per sequence instead of T rows (the `logits_to_keep=1` of
 * transformers). Same technique as the log-prob rewrite (lib/scoring/logprob-graph.ts): a second `graph` field is
 * appended to the ModelProto bytes and protobuf merges it into the first, so weights are never decoded or copied.
 * Without a `logits_to_keep` input ORT still computes the LM head over all T positions inside the graph (only the
 * transfer is saved); an export with that input is fed 1 by the decoder, so the head runs on the last position only.
 */
import { ONNX_TYPE, readModelInfo } from "@/lib/onnx/onnx-model";
import { ProtoWriter } from "@/lib/onnx/protobuf-wire";
import { encodeGraph, type OnnxNodeSpec } from "@/lib/onnx/onnx-writer";

/** Name of the added output: float32 logits of each row's last position, [B,V]. */
export const LAST_LOGITS = "last_logits";

/** The model cannot take the rewrite. */
export class LastLogitsGraphError extends Error {
  constructor(
    message: string,
    readonly code: "NO_LOGITS" | "OPSET_TOO_OLD",
  ) {
    super(message);
    this.name = "LastLogitsGraphError";
  }
}

/** Returns new model bytes with the `last_logits` output; every original input and output is kept. Idempotent. */
export function addLastLogitsOutput(model: Uint8Array, logitsName = "logits"): Uint8Array {
  const info = readModelInfo(model);
  if (info.outputs.some((o) => o.name === LAST_LOGITS)) return model;
  const logits = info.outputs.find((o) => o.name === logitsName);
  if (!logits) {
    const names = info.outputs.map((o) => o.name).join(", ");
    throw new LastLogitsGraphError(`model has no "${logitsName}" output (outputs: ${names})`, "NO_LOGITS");
  }
  const opset = info.opsets.get("") ?? 0;
  // Negative Gather indices exist from opset 11.
  if (opset < 11) throw new LastLogitsGraphError(`opset ${opset} < 11 is not supported`, "OPSET_TOO_OLD");
  const p = "margin_atlas_gen/";
  const nodes: OnnxNodeSpec[] = [
    {
      op: "Gather",
      name: p + "last",
      inputs: [logitsName, p + "minus_one"],
      outputs: [p + "last"],
      attrs: { axis: 1 },
    },
    // float32 for every export: fp16 logits would arrive in JS as raw half bits.
    { op: "Cast", name: p + "cast", inputs: [p + "last"], outputs: [LAST_LOGITS], attrs: { to: ONNX_TYPE.float } },
  ];
  const extra = encodeGraph({
    nodes,
    initializers: [{ name: p + "minus_one", dims: [], data: BigInt64Array.of(-1n) }],
    inputs: [],
    outputs: [
      {
        name: LAST_LOGITS,
        elemType: ONNX_TYPE.float,
        dims: [logits.dims[0] ?? "batch_size", logits.dims[2] ?? "vocab_size"],
      },
    ],
  });
  const tail = new ProtoWriter().bytes(7, extra).finish();
  const out = new Uint8Array(model.length + tail.length);
  out.set(model, 0);
  out.set(tail, model.length);
  return out;
}
