import { describe, expect, it } from "vitest";
import { ProtoWriter, readFields, readPackedVarints, readString, ProtobufError } from "./protobuf-wire";

describe("protobuf wire format", () => {
  it.each([
    [0, [0x08, 0x00]],
    [1, [0x08, 0x01]],
    [127, [0x08, 0x7f]],
    [128, [0x08, 0x80, 0x01]],
    [300, [0x08, 0xac, 0x02]],
    [2 ** 40, [0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]],
  ])("encodes varint %d as the protobuf spec does", (value, bytes) => {
    const out = new ProtoWriter().uint(1, value).finish();
    expect([...out]).toEqual(bytes);
    expect([...readFields(out)][0].value).toBe(value);
  });

  it("encodes a negative int64 as 10 two's-complement bytes", () => {
    const out = new ProtoWriter().uint(3, -1).finish();
    expect([...out]).toEqual([0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  });

  it("round-trips strings, floats, nested messages and packed varints", () => {
    const inner = new ProtoWriter().uint(1, 5).uint(1, 300).finish();
    const out = new ProtoWriter()
      .string(2, "héllo")
      .float(3, 1.5)
      .message(4, (w) => w.string(1, "x"))
      .bytes(5, Uint8Array.of(0x05, 0xac, 0x02))
      .finish();
    const fields = [...readFields(out)];
    expect(fields.map((f) => f.field)).toEqual([2, 3, 4, 5]);
    expect(readString(fields[0].bytes)).toBe("héllo");
    expect(new DataView(fields[1].bytes.buffer, fields[1].bytes.byteOffset).getFloat32(0, true)).toBe(1.5);
    expect(readString([...readFields(fields[2].bytes)][0].bytes)).toBe("x");
    expect(readPackedVarints(fields[3].bytes)).toEqual([5, 300]);
    expect([...readFields(inner)].map((f) => f.value)).toEqual([5, 300]);
  });

  it.each([
    ["truncated varint", [0x08, 0x80]],
    ["overrunning length", [0x12, 0x05, 0x41]],
    ["unsupported wire type", [0x0b]],
  ])("rejects %s", (_, bytes) => {
    expect(() => [...readFields(Uint8Array.from(bytes))]).toThrow(ProtobufError);
  });
});
