import { describe, expect, it } from "vitest";
import * as ort from "onnxruntime-node";
import { encodeModel } from "@/lib/onnx/onnx-writer";
import { ONNX_TYPE, readModelInfo } from "@/lib/onnx/onnx-model";
import {
  addTokenLogprobOutput,
  hasTokenLogprobOutput,
  LogprobGraphError,
  TARGET_IDS,
  TOKEN_LOGPROBS,
} from "./logprob-graph";
import { demoFixture } from "@/test/scoring-fixtures";

/** A model whose `logits` output is its input: isolates the appended LogSoftmax/GatherElements maths. */
function identityLogitsModel(opset: number): Uint8Array {
  return encodeModel(
    {
      nodes: [{ op: "Identity", inputs: ["x"], outputs: ["logits"] }],
      inputs: [{ name: "x", elemType: ONNX_TYPE.float, dims: ["b", "t", 5] }],
      outputs: [{ name: "logits", elemType: ONNX_TYPE.float, dims: ["b", "t", 5] }],
    },
    opset,
  );
}

function logSoftmaxAt(row: number[], k: number): number {
  const m = Math.max(...row);
  return row[k] - m - Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
}

describe("addTokenLogprobOutput", () => {
  it.each([11, 13, 17])("computes log_softmax(logits)[target] at opset %d", async (opset) => {
    const s = await ort.InferenceSession.create(addTokenLogprobOutput(identityLogitsModel(opset)));
    const x = [1, 2, 3, 4, 5, -1, 0, 1, 0, -1, 10, 0, 0, 0, -10, 0.5, 0.25, 0, 0, 0];
    const targets = [4, 0, 1, 2];
    const out = await s.run(
      {
        x: new ort.Tensor("float32", Float32Array.from(x), [2, 2, 5]),
        [TARGET_IDS]: new ort.Tensor("int64", BigInt64Array.from(targets, BigInt), [2, 2]),
      },
      [TOKEN_LOGPROBS],
    );
    expect(out[TOKEN_LOGPROBS].dims).toEqual([2, 2]);
    const expected = targets.map((k, r) => logSoftmaxAt(x.slice(r * 5, r * 5 + 5), k));
    [...(out[TOKEN_LOGPROBS].data as Float32Array)].forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
  });

  it("keeps every original input and output and is idempotent", () => {
    const f = demoFixture();
    const once = addTokenLogprobOutput(f.lmOnnx);
    const before = readModelInfo(f.lmOnnx);
    const after = readModelInfo(once);
    expect(after.inputs.map((i) => i.name)).toEqual([...before.inputs.map((i) => i.name), TARGET_IDS]);
    expect(after.outputs.map((o) => o.name)).toEqual([...before.outputs.map((o) => o.name), TOKEN_LOGPROBS]);
    expect(after.outputs.at(-1)?.dims).toEqual(["batch_size", "sequence_length"]);
    expect(hasTokenLogprobOutput(once)).toBe(true);
    expect(addTokenLogprobOutput(once)).toBe(once);
    // Only bytes are appended: the original model (weights included) is an untouched prefix.
    expect(Buffer.from(once.subarray(0, f.lmOnnx.length)).equals(Buffer.from(f.lmOnnx))).toBe(true);
  });

  it.each([
    {
      name: "no logits output",
      model: () => demoFixture().rmOnnx,
      opts: { logitsName: "lm_logits" },
      code: "NO_LOGITS",
    },
    { name: "opset below 11", model: () => identityLogitsModel(10), opts: {}, code: "OPSET_TOO_OLD" },
  ])("rejects a model with $name", ({ model, opts, code }) => {
    expect(() => addTokenLogprobOutput(model(), opts)).toThrow(LogprobGraphError);
    try {
      addTokenLogprobOutput(model(), opts);
    } catch (e) {
      expect((e as LogprobGraphError).code).toBe(code);
    }
  });
});
