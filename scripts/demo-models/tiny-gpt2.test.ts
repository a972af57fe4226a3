import { describe, expect, it } from "vitest";
import { onnx } from "onnx-proto";
import * as ort from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { readModelInfo, readFloatInitializers, readOpTypes, ONNX_TYPE } from "@/lib/onnx/onnx-model";
import { buildDemoModels } from "@/scripts/demo-models/demo-models";
import { addTokenLogprobOutput } from "@/lib/scoring/logprob-graph";
import { loadReferenceModel, referenceLogprobs } from "@/test/reference-forward";
import { demoFixture, demoGqaLmOnnx } from "@/test/scoring-fixtures";

const f = demoFixture();

describe("tiny GPT-2 ONNX builder", () => {
  it("writes the Optimum decoder interface with cache shapes [B,4,P,16]", () => {
    const info = readModelInfo(f.lmOnnx);
    expect(info.opsets.get("")).toBe(17);
    expect(info.inputs.map((i) => i.name)).toEqual([
      "input_ids",
      "attention_mask",
      "position_ids",
      "past_key_values.0.key",
      "past_key_values.0.value",
      "past_key_values.1.key",
      "past_key_values.1.value",
    ]);
    expect(info.inputs[3]).toEqual({
      name: "past_key_values.0.key",
      elemType: ONNX_TYPE.float,
      dims: ["batch_size", 4, "past_sequence_length", 16],
    });
    expect(info.outputs.map((o) => o.name)).toEqual([
      "logits",
      "present.0.key",
      "present.0.value",
      "present.1.key",
      "present.1.value",
    ]);
    expect(info.outputs[0].dims).toEqual(["batch_size", "sequence_length", 320]);
  });

  it("writes the reward model interface logits [B,1]", () => {
    const info = readModelInfo(f.rmOnnx);
    expect(info.inputs.map((i) => i.name)).toEqual(["input_ids", "attention_mask"]);
    expect(info.outputs).toEqual([{ name: "logits", elemType: ONNX_TYPE.float, dims: ["batch_size", 1] }]);
  });

  it("is decodable by the reference protobuf schema (onnx-proto) with the same weights", () => {
    const model = onnx.ModelProto.decode(f.lmOnnx);
    expect(Number(model.irVersion)).toBe(8);
    expect(model.opsetImport.map((o) => Number(o.version))).toEqual([17]);
    const wte = model.graph?.initializer?.find((t) => t.name === "wte");
    expect(wte?.dims?.map(Number)).toEqual([320, 64]);
    const mine = readFloatInitializers(f.lmOnnx).get("wte")!;
    const raw = wte!.rawData!;
    expect(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length))).toEqual(mine.data);
  });

  it("is deterministic and small (< 2 MB per model)", () => {
    const again = buildDemoModels();
    expect(Buffer.from(again["demo-lm"]["onnx/model.onnx"] as Uint8Array).equals(Buffer.from(f.lmOnnx))).toBe(true);
    expect(Buffer.from(again["demo-rm"]["onnx/model.onnx"] as Uint8Array).equals(Buffer.from(f.rmOnnx))).toBe(true);
    expect(Buffer.from(again["demo-ref"]["onnx/model.onnx"] as Uint8Array).equals(Buffer.from(f.refOnnx))).toBe(true);
    expect(Buffer.from(again["demo-ref"]["onnx/model.onnx_data"] as Uint8Array).equals(Buffer.from(f.refData))).toBe(
      true,
    );
    expect(f.lmOnnx.length).toBeLessThan(2 * 1024 * 1024);
    expect(f.rmOnnx.length).toBeLessThan(2 * 1024 * 1024);
  });

  it("gives the same logits with the KV cache as with a full run (incremental decoding)", async () => {
    const s = await ort.InferenceSession.create(f.lmOnnx);
    const ids = [5, 77, 300, 12, 90, 260];
    const i64 = (v: number[], d: number[]) => new ort.Tensor("int64", BigInt64Array.from(v, BigInt), d);
    const empty = () =>
      Object.fromEntries(
        [0, 1].flatMap((l) =>
          ["key", "value"].map((k) => [
            `past_key_values.${l}.${k}`,
            new ort.Tensor("float32", new Float32Array(0), [1, 4, 0, 16]),
          ]),
        ),
      );
    const run = (part: number[], start: number, past: Record<string, ort.Tensor>) =>
      s.run({
        input_ids: i64(part, [1, part.length]),
        attention_mask: i64(Array(start + part.length).fill(1), [1, start + part.length]),
        position_ids: i64(
          part.map((_, i) => start + i),
          [1, part.length],
        ),
        ...past,
      });
    const full = await run(ids, 0, empty());
    const first = await run(ids.slice(0, 4), 0, empty());
    const past = Object.fromEntries(
      [0, 1].flatMap((l) => ["key", "value"].map((k) => [`past_key_values.${l}.${k}`, first[`present.${l}.${k}`]])),
    );
    const rest = await run(ids.slice(4), 4, past);
    const fullTail = (full.logits.data as Float32Array).slice(4 * 320);
    const restLogits = rest.logits.data as Float32Array;
    const diff = Math.max(...fullTail.map((v, i) => Math.abs(v - restLogits[i])));
    expect(diff).toBeLessThan(1e-5);
  });
});

describe("tiny GPT-2 with GroupQueryAttention", () => {
  const gqa = demoGqaLmOnnx();
  const ref = loadReferenceModel(f.lmOnnx, 4);
  const SEQS = [
    [318, 117, 115, 260, 10, 72, 105, 319, 10],
    [5, 77, 300, 12, 90, 260, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
    [42, 42],
  ];
  type Ort = typeof ort | typeof ortWeb;
  type Session = ort.InferenceSession | ortWeb.InferenceSession;
  type Feeds = Record<string, ort.Tensor | ortWeb.Tensor>;
  const open = async (o: Ort) => {
    if (o === ortWeb) ortWeb.env.wasm.numThreads = 1;
    return (await o.InferenceSession.create(addTokenLogprobOutput(gqa))) as Session;
  };
  const run = (s: Session, feeds: Feeds) => (s.run as (f: Feeds) => Promise<Record<string, ort.Tensor>>)(feeds);
  const i64 = (o: Ort, v: number[], d: number[]) => new o.Tensor("int64", BigInt64Array.from(v, BigInt), d);
  const emptyPast = (o: Ort, batch: number): Feeds =>
    Object.fromEntries(
      [0, 1].flatMap((l) =>
        ["key", "value"].map((k) => [
          `past_key_values.${l}.${k}`,
          new o.Tensor("float32", new Float32Array(0), [batch, 4, 0, 16]),
        ]),
      ),
    );
  /** Right-padded rows (mask 0, position 0 on pads); returns per-row log-probs of the real next tokens. */
  const score = async (o: Ort, s: Session, rows: number[][]) => {
    const B = rows.length;
    const T = Math.max(...rows.map((r) => r.length));
    const pad = (r: number[], fill: (t: number) => number) => Array.from({ length: T }, (_, t) => fill(t));
    const out = await run(s, {
      input_ids: i64(
        o,
        rows.flatMap((r) => pad(r, (t) => r[t] ?? 0)),
        [B, T],
      ),
      attention_mask: i64(
        o,
        rows.flatMap((r) => pad(r, (t) => (t < r.length ? 1 : 0))),
        [B, T],
      ),
      position_ids: i64(
        o,
        rows.flatMap((r) => pad(r, (t) => (t < r.length ? t : 0))),
        [B, T],
      ),
      target_ids: i64(
        o,
        rows.flatMap((r) => pad(r, (t) => r[t + 1] ?? 0)),
        [B, T],
      ),
      ...emptyPast(o, B),
    });
    const data = out.token_logprobs.data as Float32Array;
    return rows.map((r, b) => data.slice(b * T, b * T + r.length - 1));
  };

  it("keeps the decoder interface and adds the com.microsoft opset", () => {
    const info = readModelInfo(gqa);
    const plain = readModelInfo(f.lmOnnx);
    expect(info.opsets).toEqual(
      new Map([
        ["", 17],
        ["com.microsoft", 1],
      ]),
    );
    expect(info.inputs).toEqual(plain.inputs);
    expect(info.outputs).toEqual(plain.outputs);
    const ops = readOpTypes(gqa);
    expect(ops).toContain("GroupQueryAttention");
    expect(ops).not.toContain("Softmax");
  });

  it.each([
    ["onnxruntime-node", ort],
    ["onnxruntime-web (WASM)", ortWeb],
  ] as const)("%s: one unpadded row matches the reference forward within 1e-4", async (_, o) => {
    const s = await open(o);
    for (const ids of SEQS) {
      const [got] = await score(o, s, [ids]);
      const expected = referenceLogprobs(ref, ids);
      expect(got.length).toBe(expected.length);
      got.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThan(1e-4));
    }
  });

  // Measured with 1.30: a right-padded batch without past gives exactly the one-row numbers (max abs diff 0).
  it.each([
    ["onnxruntime-node", ort],
    ["onnxruntime-web (WASM)", ortWeb],
  ] as const)("%s: a right-padded batch without past equals one row at a time", async (_, o) => {
    const s = await open(o);
    const batched = await score(o, s, SEQS);
    for (const [b, ids] of SEQS.entries()) {
      const [single] = await score(o, s, [ids]);
      single.forEach((v, i) => expect(Math.abs(v - batched[b][i])).toBeLessThan(1e-5));
    }
  });

  // Why the engine shares prompts one pair at a time on GQA graphs: ORT refuses the batched form outright.
  it.each([
    ["onnxruntime-node", ort],
    ["onnxruntime-web (WASM)", ortWeb],
  ] as const)("%s: refuses a past under a batch of multi-token rows", async (_, o) => {
    const s = await open(o);
    const prefix = [5, 77, 300];
    const first = await run(s, {
      input_ids: i64(o, [...prefix, ...prefix], [2, 3]),
      attention_mask: i64(o, Array(6).fill(1), [2, 3]),
      position_ids: i64(o, [0, 1, 2, 0, 1, 2], [2, 3]),
      target_ids: i64(o, Array(6).fill(0), [2, 3]),
      ...emptyPast(o, 2),
    });
    const past = Object.fromEntries(
      [0, 1].flatMap((l) => ["key", "value"].map((k) => [`past_key_values.${l}.${k}`, first[`present.${l}.${k}`]])),
    );
    const next = run(s, {
      input_ids: i64(o, [12, 90, 7, 8], [2, 2]),
      attention_mask: i64(o, Array(10).fill(1), [2, 5]),
      position_ids: i64(o, [3, 4, 3, 4], [2, 2]),
      target_ids: i64(o, Array(4).fill(0), [2, 2]),
      ...past,
    });
    await expect(next).rejects.toThrow(/batch_size must be 1 when sequence_length > 1 and past context is given/);
  });
});
