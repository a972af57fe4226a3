import { describe, expect, it } from "vitest";
import { onnx } from "onnx-proto";
import * as ort from "onnxruntime-node";
import { readModelInfo, readFloatInitializers, ONNX_TYPE } from "./onnx-model";
import { buildDemoModels } from "@/lib/scoring/demo/demo-models";
import { demoFixture } from "@/lib/scoring/test-fixtures";

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
