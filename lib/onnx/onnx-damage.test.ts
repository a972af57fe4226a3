import { describe, expect, it } from "vitest";
import { checkExternalDataSize, checkOnnxFile, readExternalDataExtents, readExternalDataLocations } from "./onnx-model";
import { ProtobufError, readFields } from "./protobuf-wire";
import { demoFixture } from "@/test/scoring-fixtures";

const f = demoFixture();

/** Where ModelProto.graph (field 7) lies in a built model: its key byte, its payload start and its end. */
function graphSpan(model: Uint8Array): { key: number; start: number; end: number } {
  let pos = 0;
  for (const field of readFields(model)) {
    const start = field.bytes.byteOffset - model.byteOffset;
    if (field.field === 7) return { key: pos, start, end: start + field.bytes.length };
    pos = field.bytes.length ? start + field.bytes.length : pos + 2;
  }
  throw new Error("no graph");
}

const messageOf = (model: Uint8Array) => {
  try {
    checkOnnxFile(model, "onnx/model.onnx");
    return null;
  } catch (e) {
    return { code: (e as { code: string }).code, message: (e as Error).message };
  }
};

describe("checkOnnxFile", () => {
  it.each([
    ["demo-lm", f.lmOnnx],
    ["demo-rm", f.rmOnnx],
    ["demo-ref (external data)", f.refOnnx],
  ])("accepts the whole %s graph", (_, model) => {
    expect(messageOf(model)).toBeNull();
  });

  it("names an empty file", () => {
    expect(messageOf(new Uint8Array(0))).toEqual({ code: "EMPTY_FILE", message: "onnx/model.onnx is empty (0 bytes)" });
  });

  describe.each([
    ["demo-lm", f.lmOnnx],
    ["demo-rm", f.rmOnnx],
    ["demo-ref", f.refOnnx],
  ])("%s cut short", (_, model) => {
    const n = model.length;
    const g = graphSpan(model);
    it.each([
      [
        "inside producer_name",
        5,
        /ends at byte 5 inside field 2 \(producer_name\), which declares 12 bytes from byte 4/,
      ],
      ["inside the graph's length varint", g.key + 2, /inside field 7 \(graph\), whose length or value is cut/],
      [
        "just inside the graph",
        g.start + 10,
        new RegExp(`inside field 7 \\(graph\\), which declares ${g.end - g.start} bytes from byte ${g.start}`),
      ],
      ["half way", Math.floor(n / 2), /inside field 7 \(graph\)/],
      ["one byte before the graph ends", g.end - 1, /inside field 7 \(graph\)/],
      ["right after the graph", g.end, /after the graph, before its opset_import \(ModelProto field 8\)/],
      ["inside opset_import", g.end + 3, /inside field 8 \(opset_import\)/],
      ["one byte short", n - 1, /inside field 8 \(opset_import\)/],
    ])("%s", (_, cut, detail) => {
      const got = messageOf(model.slice(0, cut));
      expect(got?.code).toBe("TRUNCATED_FILE");
      expect(got?.message).toMatch(new RegExp(`^onnx/model.onnx is truncated: ends at byte ${cut} `));
      expect(got?.message).toMatch(detail);
      expect(got?.message).toContain(`(the file is ${cut} bytes; a complete download is needed)`);
    });

    it("a file that ends after its header holds no graph", () => {
      expect(messageOf(model.slice(0, g.key))).toEqual({
        code: "TRUNCATED_FILE",
        message: `onnx/model.onnx is truncated or not an ONNX model: its ${g.key} bytes hold no graph (ModelProto field 7)`,
      });
    });
  });

  it.each([
    [
      "a Git LFS pointer",
      "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 1014707\n",
      /is a Git LFS pointer/,
    ],
    ["an HTML page", "<!DOCTYPE html><html><body>Sign in</body></html>", /is an HTML page/],
    ["text", "hello world", /is corrupt, not an ONNX protobuf: /],
  ])("refuses %s saved as the graph", (_, text, message) => {
    const got = messageOf(new TextEncoder().encode(text));
    expect(got?.code).toBe("CORRUPT_FILE");
    expect(got?.message).toMatch(message);
  });

  it("names the byte of a malformed message inside the graph", () => {
    const model = f.lmOnnx.slice();
    const g = graphSpan(model);
    // The graph's first field key becomes wire type 7 (undefined): the graph parses, its first message does not.
    model[g.start] = (model[g.start] & ~7) | 7;
    const got = messageOf(model);
    expect(got?.code).toBe("CORRUPT_FILE");
    expect(got?.message).toMatch(
      new RegExp(`^onnx/model.onnx is corrupt: a message inside its graph is malformed near byte ${g.start} `),
    );
  });
});

describe("external data extents", () => {
  const [extent] = readExternalDataExtents(f.refOnnx);

  it("reads up to the end of the furthest tensor, which is the file's length for demo-ref", () => {
    expect(readExternalDataExtents(f.refOnnx).map((e) => e.location)).toEqual(readExternalDataLocations(f.refOnnx));
    expect(extent.endByte).toBe(f.refData.length);
    expect(readExternalDataExtents(f.lmOnnx)).toEqual([]);
    expect(() => checkExternalDataSize(extent, f.refData, "onnx/model.onnx_data")).not.toThrow();
  });

  it.each([0, 1, 4096, f.refData.length - 1])("names model.onnx_data cut at %d bytes", (cut) => {
    const call = () => checkExternalDataSize(extent, f.refData.subarray(0, cut), "onnx/model.onnx_data");
    const size = cut === 0 ? "is empty (0 bytes)" : `is ${cut} bytes`;
    expect(call).toThrow(
      expect.objectContaining({
        code: cut === 0 ? "EMPTY_FILE" : "TRUNCATED_FILE",
        message: expect.stringMatching(
          new RegExp(
            `^onnx/model.onnx_data ${size.replace(/[()]/g, "\\$&")} but the graph reads up to byte ${f.refData.length} \\(initializer "[^"]+"\\): truncated, a complete download is needed$`,
          ),
        ),
      }),
    );
  });
});

describe("protobuf errors", () => {
  it.each([
    [
      "a length that runs past the end",
      [0x3a, 0x05, 0x41],
      { kind: "truncated", field: 7, valueStart: 2, declaredLength: 5, offset: 0 },
    ],
    ["a cut key", [0x08, 0x01, 0x80], { kind: "truncated", offset: 2 }],
    ["a cut varint value", [0x08, 0x80], { kind: "truncated", field: 1, valueStart: 1, declaredLength: undefined }],
    ["a cut fixed32", [0x0d, 0x01, 0x02], { kind: "truncated", field: 1, valueStart: 1, declaredLength: 4 }],
    ["wire type 7", [0x0f], { kind: "malformed", field: 1, offset: 0 }],
    ["field number 0", [0x00, 0x01], { kind: "malformed", field: 0 }],
  ])("%s", (_, bytes, detail) => {
    let error: unknown = null;
    try {
      Array.from(readFields(Uint8Array.from(bytes)));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProtobufError);
    expect((error as ProtobufError).detail).toMatchObject({ ...detail, messageLength: bytes.length });
  });
});
