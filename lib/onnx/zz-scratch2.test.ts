import { it } from "vitest";
import * as ort from "onnxruntime-node";
import { addTokenLogprobOutput } from "@/lib/scoring/logprob-graph";
import { demoFixture, demoGqaLmOnnx } from "@/lib/scoring/test-fixtures";

const f = demoFixture();
const i64 = (v: number[], d: number[]) => new ort.Tensor("int64", BigInt64Array.from(v, BigInt), d);
const empty = (B: number) =>
  Object.fromEntries([0, 1].flatMap((l) => ["key", "value"].map((k) => [`past_key_values.${l}.${k}`, new ort.Tensor("float32", new Float32Array(0), [B, 4, 0, 16])])));

it.each([["gqa"], ["plain"]])("decode-step holes %s", async (which) => {
  const s = await ort.InferenceSession.create(addTokenLogprobOutput(which === "gqa" ? demoGqaLmOnnx() : f.lmOnnx));
  const prefixes = [[5, 77, 300], [12, 90, 260, 7, 8]];
  const next = [41, 42];
  const target = [100, 101];
  // Truth: each row alone, full sequence.
  const truth: number[] = [];
  for (let b = 0; b < 2; b++) {
    const ids = [...prefixes[b], next[b]];
    const T = ids.length;
    const out = await s.run({ input_ids: i64(ids, [1, T]), attention_mask: i64(Array(T).fill(1), [1, T]), position_ids: i64(ids.map((_, i) => i), [1, T]), target_ids: i64([...ids.slice(1), target[b]], [1, T]), ...empty(1) });
    truth.push((out.token_logprobs.data as Float32Array)[T - 1]);
  }
  for (const [label, pre] of [["holes", prefixes], ["no holes (equal prefixes)", [prefixes[1], prefixes[1]]]] as const) {
    const P = Math.max(...pre.map((p) => p.length));
    const ids = pre.flatMap((p) => [...p, ...Array(P - p.length).fill(0)]);
    const mask = pre.flatMap((p) => Array.from({ length: P }, (_, j) => (j < p.length ? 1 : 0)));
    const pos = pre.flatMap((p) => Array.from({ length: P }, (_, j) => (j < p.length ? j : 0)));
    const first = await s.run({ input_ids: i64(ids, [2, P]), attention_mask: i64(mask, [2, P]), position_ids: i64(pos, [2, P]), target_ids: i64(Array(2 * P).fill(0), [2, P]), ...empty(2) });
    const past = Object.fromEntries([0, 1].flatMap((l) => ["key", "value"].map((k) => [`past_key_values.${l}.${k}`, first[`present.${l}.${k}`]])));
    const mask2 = pre.flatMap((p) => [...Array.from({ length: P }, (_, j) => (j < p.length ? 1 : 0)), 1]);
    try {
      const out = await s.run({ input_ids: i64(next, [2, 1]), attention_mask: i64(mask2, [2, P + 1]), position_ids: i64(pre.map((p) => p.length), [2, 1]), target_ids: i64(target, [2, 1]), ...past });
      const got = out.token_logprobs.data as Float32Array;
      const truthHere = label === "holes" ? truth : [NaN, truth[1]];
      console.log(which, label, "got", Array.from(got), "truth", truthHere, "maxdiff", Math.max(...Array.from(got).map((v, b) => (Number.isNaN(truthHere[b]) ? 0 : Math.abs(v - truthHere[b])))));
    } catch (e) {
      console.log(which, label, "FAILED", (e as Error).message);
    }
  }
});
