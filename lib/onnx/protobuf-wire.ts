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

/** Thrown on truncated or malformed protobuf input; `code` lets callers tell it from other failures. */
export class ProtobufError extends Error {
  readonly code = "PROTOBUF_MALFORMED";
}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new ProtobufError("truncated varint");
    const b = buf[pos++];
    result += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) return [result, pos];
    scale *= 128;
  }
  throw new ProtobufError("varint longer than 10 bytes");
}

/** Iterates the top-level fields of one message; every field is yielded in file order (repeated ones too). */
export function* readFields(buf: Uint8Array): Generator<WireField> {
  let pos = 0;
  while (pos < buf.length) {
    const [key, p1] = readVarint(buf, pos);
    const field = Math.floor(key / 8);
    const wireType = key & 7;
    pos = p1;
    if (wireType === WIRE.varint) {
      const [value, p2] = readVarint(buf, pos);
      pos = p2;
      yield { field, wireType, value, bytes: EMPTY };
    } else if (wireType === WIRE.bytes) {
      const [len, p2] = readVarint(buf, pos);
      if (p2 + len > buf.length) throw new ProtobufError(`field ${field} overruns its message`);
      yield { field, wireType, value: len, bytes: buf.subarray(p2, p2 + len) };
      pos = p2 + len;
    } else if (wireType === WIRE.fixed32) {
      if (pos + 4 > buf.length) throw new ProtobufError("truncated fixed32");
      const value = new DataView(buf.buffer, buf.byteOffset + pos, 4).getUint32(0, true);
      pos += 4;
      yield { field, wireType, value, bytes: buf.subarray(pos - 4, pos) };
    } else if (wireType === WIRE.fixed64) {
      if (pos + 8 > buf.length) throw new ProtobufError("truncated fixed64");
      pos += 8;
      yield { field, wireType, value: 0, bytes: buf.subarray(pos - 8, pos) };
    } else {
      throw new ProtobufError(`unsupported wire type ${wireType} at byte ${pos}`);
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
