import { describe, expect, it } from "vitest";
import * as ort from "onnxruntime-node";
import { addTokenLogprobOutput } from "@/lib/scoring/logprob-graph";
import { loadReferenceModel, referenceLogprobs, referenceReward } from "./reference-forward";
import { demoFixture } from "./scoring-fixtures";

const f = demoFixture();
const i64 = (v: number[], d: number[]) => new ort.Tensor("int64", BigInt64Array.from(v, BigInt), d);
const SEQS = [
  [318, 117, 115, 260, 10, 72, 105, 319, 10],
  [5, 77, 300, 12, 90, 260, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
  [42, 42],
];

describe("reference forward vs onnxruntime-node", () => {
  const lm = loadReferenceModel(f.lmOnnx, 4);
  it("reads the architecture from the ONNX weights", () => {
    expect(lm.cfg).toEqual({
      vocabSize: 320,
      nEmbd: 64,
      nPositions: 2048,
      nHead: 4,
      nLayer: 2,
      layerNormEpsilon: 1e-5,
    });
  });

  it.each(SEQS.map((s) => [s.length, s]))("LM log-probs agree within 1e-4 (%d tokens)", async (_, ids) => {
    const s = await ort.InferenceSession.create(addTokenLogprobOutput(f.lmOnnx));
    const T = ids.length;
    const past = Object.fromEntries(
      [0, 1].flatMap((l) =>
        ["key", "value"].map((k) => [
          `past_key_values.${l}.${k}`,
          new ort.Tensor("float32", new Float32Array(0), [1, 4, 0, 16]),
        ]),
      ),
    );
    const out = await s.run(
      {
        input_ids: i64(ids, [1, T]),
        attention_mask: i64(Array(T).fill(1), [1, T]),
        position_ids: i64(
          ids.map((_, i) => i),
          [1, T],
        ),
        target_ids: i64([...ids.slice(1), 0], [1, T]),
        ...past,
      },
      ["token_logprobs"],
    );
    const got = (out.token_logprobs.data as Float32Array).slice(0, T - 1);
    const ref = referenceLogprobs(lm, ids);
    expect(ref.length).toBe(T - 1);
    got.forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThan(1e-4));
  });

  it.each(SEQS.map((s) => [s.length, s]))("reward agrees within 1e-4 (%d tokens)", async (_, ids) => {
    const rm = loadReferenceModel(f.rmOnnx, 4);
    const s = await ort.InferenceSession.create(f.rmOnnx);
    const out = await s.run({
      input_ids: i64(ids, [1, ids.length]),
      attention_mask: i64(Array(ids.length).fill(1), [1, ids.length]),
    });
    expect(Math.abs((out.logits.data as Float32Array)[0] - referenceReward(rm, ids))).toBeLessThan(1e-4);
  });
});
