/**
 * Minimal protobuf wire-format reader and writer, enough to inspect and extend ONNX models.
 * Hand-written rather than protobufjs/onnx-proto so the browser bundle carries no codegen and a decode never
 * copies (or drops unknown fields of) multi-hundred-megabyte weight blobs: byte fields are subarray views.
 */

/** Wire types of the protobuf encoding (https://protobuf.dev/programming-guides/encoding/). */
export const WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

/** One field occurrence: its number, wire type and either a numeric value or a view of its bytes. */
export interface WireField {
  field: number;
  wireType: number;
  /** Varint / fixed values; 64-bit values beyond 2^53 lose precision, which ONNX metadata never needs. */
  value: number;
  /** Length-delimited payload (a view into the decoded buffer, not a copy). */
  bytes: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/** Where and how a protobuf read failed: `truncated` when the input ends inside a field, `malformed` otherwise. */
export interface ProtobufErrorDetail {
  kind: "truncated" | "malformed";
  /** Byte (in the message given to {@link readFields}) where the failing field's key starts. */
  offset: number;
  /** The same byte in the underlying ArrayBuffer: minus the root view's `byteOffset`, a position in the file. */
  bufferOffset: number;
  /** Length of the message being read. */
  messageLength: number;
  /** The field whose value overruns the message, when the key was read. */
  field?: number;
  /** Byte where that field's value starts and how many bytes it declares (length-delimited and fixed fields). */
  valueStart?: number;
  declaredLength?: number;
}

/** Thrown on truncated or malformed protobuf input; `code` lets callers tell it from other failures. */
export class ProtobufError extends Error {
  readonly code = "PROTOBUF_MALFORMED";
  constructor(
    message: string,
    readonly detail: ProtobufErrorDetail,
  ) {
    super(message);
    this.name = "ProtobufError";
  }
}

/** Reads a varint at `pos`; returns null when the buffer ends inside it, throws when it is longer than 10 bytes. */
function varintAt(buf: Uint8Array, pos: number): [number, number] | null {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) return null;
    const b = buf[pos++];
    result += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) return [result, pos];
    scale *= 128;
  }
  return [-1, pos];
}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  const v = varintAt(buf, pos);
  const detail = { offset: pos, bufferOffset: buf.byteOffset + pos, messageLength: buf.length };
  if (!v) throw new ProtobufError(`truncated varint at byte ${pos}`, { kind: "truncated", ...detail });
  if (v[0] < 0) throw new ProtobufError(`varint longer than 10 bytes at byte ${pos}`, { kind: "malformed", ...detail });
  return v;
}

/** Iterates the top-level fields of one message; every field is yielded in file order (repeated ones too). */
export function* readFields(buf: Uint8Array): Generator<WireField> {
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const [key, p1] = readVarint(buf, pos);
    const field = Math.floor(key / 8);
    const wireType = key & 7;
    pos = p1;
    const at = { offset: start, bufferOffset: buf.byteOffset + start, messageLength: buf.length, field };
    const overrun = (valueStart: number, declaredLength: number | undefined, what: string) =>
      new ProtobufError(
        `field ${field} overruns its message: ${what}${declaredLength === undefined ? "" : ` ${declaredLength} bytes`}` +
          ` from byte ${valueStart}, the message ends at byte ${buf.length}`,
        { kind: "truncated", ...at, valueStart, declaredLength },
      );
    if (field === 0) {
      throw new ProtobufError(`field number 0 at byte ${start}`, { kind: "malformed", ...at });
    }
    if (wireType === WIRE.varint) {
      const v = varintAt(buf, pos);
      if (!v) throw overrun(pos, undefined, "its varint is cut");
      if (v[0] < 0) throw new ProtobufError(`varint longer than 10 bytes at byte ${pos}`, { kind: "malformed", ...at });
      pos = v[1];
      yield { field, wireType, value: v[0], bytes: EMPTY };
    } else if (wireType === WIRE.bytes) {
      const v = varintAt(buf, pos);
      if (!v) throw overrun(pos, undefined, "its length is cut");
      if (v[0] < 0) throw new ProtobufError(`length longer than 10 bytes at byte ${pos}`, { kind: "malformed", ...at });
      const [len, p2] = v;
      if (p2 + len > buf.length) throw overrun(p2, len, "it declares");
      yield { field, wireType, value: len, bytes: buf.subarray(p2, p2 + len) };
      pos = p2 + len;
    } else if (wireType === WIRE.fixed32) {
      if (pos + 4 > buf.length) throw overrun(pos, 4, "its fixed32 needs");
      const value = new DataView(buf.buffer, buf.byteOffset + pos, 4).getUint32(0, true);
      pos += 4;
      yield { field, wireType, value, bytes: buf.subarray(pos - 4, pos) };
    } else if (wireType === WIRE.fixed64) {
      if (pos + 8 > buf.length) throw overrun(pos, 8, "its fixed64 needs");
      pos += 8;
      yield { field, wireType, value: 0, bytes: buf.subarray(pos - 8, pos) };
    } else {
      throw new ProtobufError(`unsupported wire type ${wireType} (field ${field}) at byte ${start}`, {
        kind: "malformed",
        ...at,
      });
    }
  }
}

/** Decodes a UTF-8 string field. */
export function readString(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/** Decodes a packed repeated varint field (e.g. TensorProto.dims) to numbers. */
export function readPackedVarints(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const [v, p] = readVarint(bytes, pos);
    out.push(v);
    pos = p;
  }
  return out;
}

/** Append-only protobuf encoder; `finish()` returns the bytes. Negative int64 varints are written as 10 bytes. */
export class ProtoWriter {
  private chunks: number[] = [];
  private parts: Uint8Array[] = [];

  private flushChunks(): void {
    if (this.chunks.length) {
      this.parts.push(Uint8Array.from(this.chunks));
      this.chunks = [];
    }
  }

  private varint(v: number): void {
    if (v < 0) {
      // Two's complement over 64 bits, as protobuf encodes negative int64.
      let big = BigInt.asUintN(64, BigInt(v));
      while (big >= 0x80n) {
        this.chunks.push(Number(big & 0x7fn) | 0x80);
        big >>= 7n;
      }
      this.chunks.push(Number(big));
      return;
    }
    while (v >= 0x80) {
      this.chunks.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    this.chunks.push(v);
  }

  /** Writes a varint field (int32/int64/enum/bool). */
  uint(field: number, v: number): this {
    this.varint(field * 8 + WIRE.varint);
    this.varint(v);
    return this;
  }

  /** Writes a length-delimited field from raw bytes (a nested message or a blob). */
  bytes(field: number, b: Uint8Array): this {
    this.varint(field * 8 + WIRE.bytes);
    this.varint(b.length);
    this.flushChunks();
    this.parts.push(b);
    return this;
  }

  /** Writes a UTF-8 string field. */
  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  /** Writes a float32 field (fixed32). */
  float(field: number, v: number): this {
    this.varint(field * 8 + WIRE.fixed32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.chunks.push(...b);
    return this;
  }

  /** Writes a nested message built by `build`. */
  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  /** Concatenates everything written so far. */
  finish(): Uint8Array {
    this.flushChunks();
    const total = this.parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let off = 0;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}
