import { describe, expect, it } from "vitest";
import { onnx } from "onnx-proto";
import { readExternalDataLocations, readFloatInitializers, readOpTypes } from "./onnx-model";
import { encodeGraph, encodeModel, encodeNode, externalizeTensors, type OnnxTensorSpec } from "./onnx-writer";
import { ProtoWriter } from "./protobuf-wire";
import { addTokenLogprobOutput } from "@/lib/scoring/logprob-graph";
import { demoFixture, demoGqaLmOnnx } from "@/test/scoring-fixtures";

const f = demoFixture();
const floats = (n: number, start: number) => Float32Array.from({ length: n }, (_, i) => start + i);
const tensors: OnnxTensorSpec[] = [
  { name: "small", dims: [2], data: floats(2, 1) },
  { name: "a", dims: [750], data: floats(750, 10) },
  { name: "b", dims: [1250], data: floats(1250, -5) },
];
const modelWith = (inits: OnnxTensorSpec[]) => encodeModel({ name: "g", initializers: inits }, 17);
/** A graph whose one external tensor names `location` (data not needed: only the graph is read). */
const pointingAt = (location: string) =>
  modelWith([{ name: "w", dims: [1], data: floats(1, 0), external: { location, offset: 0, length: 4 } }]);

describe("externalizeTensors", () => {
  it("packs tensors of at least minBytes and aligns the big ones", () => {
    const { tensors: out, data } = externalizeTensors(tensors, "w.bin", {
      minBytes: 16,
      alignThresholdBytes: 4000,
      alignmentBytes: 4096,
    });
    expect(out.map((t) => t.external ?? null)).toEqual([
      null,
      { location: "w.bin", offset: 0, length: 3000 },
      { location: "w.bin", offset: 4096, length: 5000 },
    ]);
    expect(data.length).toBe(9096);
    expect(new Float32Array(data.slice(4096).buffer)).toEqual(tensors[2].data);
  });

  it("writes TensorProto.data_location = EXTERNAL with location/offset/length, readable by onnx-proto", () => {
    const { tensors: out } = externalizeTensors(tensors, "model.onnx_data", { minBytes: 16 });
    const decoded = onnx.ModelProto.decode(modelWith(out)).graph!.initializer!;
    expect(decoded.map((t) => t.dataLocation ?? 0)).toEqual([0, 1, 1]);
    expect(decoded[2].externalData!.map((e) => [e.key, e.value])).toEqual([
      ["location", "model.onnx_data"],
      ["offset", "3000"],
      ["length", "5000"],
    ]);
    expect(decoded[2].rawData?.length ?? 0).toBe(0);
  });
});

describe("readExternalDataLocations", () => {
  it.each([
    ["demo-ref", () => f.refOnnx, ["model.onnx_data"]],
    [
      "demo-ref after the log-prob rewrite (two graph fields)",
      () => addTokenLogprobOutput(f.refOnnx),
      ["model.onnx_data"],
    ],
    ["demo-lm (inline weights)", () => f.lmOnnx, []],
  ])("%s", (_, model, expected) => {
    expect(readExternalDataLocations(model())).toEqual(expected);
  });

  it("lists every file of a multi-file export once, in first-use order", () => {
    const first = externalizeTensors(tensors.slice(0, 2), "model.onnx_data", { minBytes: 16 }).tensors;
    const second = externalizeTensors(tensors.slice(2), "model.onnx_data_1", { minBytes: 16 }).tensors;
    const again = externalizeTensors([{ ...tensors[1], name: "c" }], "model.onnx_data", { minBytes: 16 }).tensors;
    expect(readExternalDataLocations(modelWith([...first, ...second, ...again]))).toEqual([
      "model.onnx_data",
      "model.onnx_data_1",
    ]);
  });

  it.each([
    ["../x", /names external data "\.\.\/x" outside the model folder/],
    ["weights/../../x", /outside the model folder/],
    ["..\\x", /outside the model folder/],
    ["/etc/passwd", /outside the model folder/],
    ["C:\\weights.bin", /outside the model folder/],
    ["", /initializer "w" is external but names no location/],
  ])("refuses location %j", (location, message) => {
    expect(() => readExternalDataLocations(pointingAt(location))).toThrow(
      expect.objectContaining({ code: "BAD_EXTERNAL_DATA", message: expect.stringMatching(message) }),
    );
  });

  it.each(["weights/model.onnx_data", "model..onnx_data"])("accepts relative location %j", (location) => {
    expect(readExternalDataLocations(pointingAt(location))).toEqual([location]);
  });
});

describe("readFloatInitializers with external data", () => {
  const { tensors: out, data } = externalizeTensors(tensors, "w.bin", { minBytes: 16 });
  const model = modelWith(out);

  it("reads external tensors from the given files and skips them without", () => {
    const all = readFloatInitializers(model, [{ path: "w.bin", data }]);
    expect([...all.keys()]).toEqual(["small", "a", "b"]);
    tensors.forEach((t) => expect(all.get(t.name)).toEqual({ dims: t.dims, data: t.data }));
    expect([...readFloatInitializers(model).keys()]).toEqual(["small"]);
  });

  it("reads demo-ref's weights: demo-lm's tensors, other values, the same unigram prior", () => {
    const ref = readFloatInitializers(f.refOnnx, [{ path: "model.onnx_data", data: f.refData }]);
    const lm = readFloatInitializers(f.lmOnnx);
    expect([...ref.keys()].sort()).toEqual([...lm.keys()].sort());
    expect(ref.get("wte")?.dims).toEqual([320, 64]);
    expect(ref.get("wte")?.data).not.toEqual(lm.get("wte")?.data);
    expect(ref.get("lm_bias")?.data).toEqual(lm.get("lm_bias")?.data);
    // Without the data file only the inline ones (tensors under 1 KiB) remain.
    expect(readFloatInitializers(f.refOnnx).has("wte")).toBe(false);
    expect(readFloatInitializers(f.refOnnx).has("h.0.ln_1.bias")).toBe(true);
  });

  it.each([
    [
      [{ path: "w.bin", data: data.subarray(0, 4000) }],
      /initializer "b": bytes 3000\+5000 lie outside "w.bin" \(4000 bytes\)/,
    ],
    [[{ path: "other.bin", data }], /initializer "a" needs external data "w.bin", not given/],
  ])("refuses a file that does not hold the tensor (%#)", (files, message) => {
    expect(() => readFloatInitializers(model, files)).toThrow(message);
  });
});

describe("readOpTypes", () => {
  /** An If node whose then/else branches (AttributeProto.g, field 6) hold one node each, as merged decoders do. */
  const withSubgraphs = () => {
    const branch = (op: string) => encodeGraph({ name: op, nodes: [{ op, inputs: ["x"], outputs: ["y"] }] });
    // encodeNode writes no graph attributes, so they are appended as NodeProto.attribute (field 5) occurrences.
    const attrs = new ProtoWriter();
    for (const [name, op] of [
      ["then_branch", "GroupQueryAttention"],
      ["else_branch", "Relu"],
    ]) {
      attrs.message(5, (a) => a.string(1, name).uint(20, 5).bytes(6, branch(op)));
    }
    const ifNode = new Uint8Array([...encodeNode({ op: "If", inputs: ["c"], outputs: ["y"] }), ...attrs.finish()]);
    return new ProtoWriter().message(7, (g) => g.bytes(1, ifNode)).finish();
  };

  it.each([
    ["demo-lm", () => f.lmOnnx, ["LayerNormalization", "Softmax", "Where"], ["LogSoftmax", "GroupQueryAttention"]],
    [
      "demo-lm after the log-prob rewrite (two graph fields)",
      () => addTokenLogprobOutput(f.lmOnnx),
      ["Softmax", "LogSoftmax", "GatherElements"],
      ["GroupQueryAttention"],
    ],
    [
      "the GroupQueryAttention build, rewritten",
      () => addTokenLogprobOutput(demoGqaLmOnnx()),
      ["GroupQueryAttention", "ReduceSum", "LogSoftmax"],
      ["Softmax", "Where"],
    ],
    ["nodes of If branches", withSubgraphs, ["If", "GroupQueryAttention", "Relu"], []],
    ["a graph without nodes", () => encodeModel({ name: "g" }, 17), [], ["If"]],
  ])("%s", (_, model, present, absent) => {
    const ops = readOpTypes(model());
    for (const op of present) expect(ops).toContain(op);
    for (const op of absent) expect(ops).not.toContain(op);
  });
});
