/**
 * Encoders for the few ONNX messages we author (nodes, tensors, value infos, graphs, models), on ProtoWriter.
 * Used by the log-prob graph rewrite (browser) and the fixture model builder (Node script, tests).
 */
import { ProtoWriter } from "./protobuf-wire";
import { ONNX_TYPE } from "./onnx-model";

/** An attribute value: number (int unless `float: true`), number[] (ints), string, or a float tensor. */
export type OnnxAttr =
  number | { float: number } | number[] | string | { tensor: OnnxTensorSpec } | { floats: number[] };

/** A node to encode: op type, input/output names, attributes. */
export interface OnnxNodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attrs?: Record<string, OnnxAttr>;
  /** Operator domain (e.g. `com.microsoft` for onnxruntime's contrib ops); the default ONNX domain when omitted. */
  domain?: string;
}

/** A tensor to encode: float32, int64 or bool data with its dims. */
export interface OnnxTensorSpec {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array | Uint8Array;
  /** ONNX_TYPE code; inferred from `data` when omitted (Uint8Array means bool). */
  dataType?: number;
  /** Where `data`'s bytes are written instead of raw_data (see {@link externalizeTensors}). */
  external?: OnnxExternalRef;
}

/** A byte range of an external-data file, relative to the graph's folder (TensorProto.external_data). */
export interface OnnxExternalRef {
  location: string;
  offset: number;
  length: number;
}

/** A graph input/output declaration: element type and symbolic or fixed dims. */
export interface OnnxValueSpec {
  name: string;
  elemType: number;
  dims: (number | string)[];
}

// AttributeProto.AttributeType
const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;
// TensorProto.DataLocation.EXTERNAL
const EXTERNAL_LOCATION = 1;

function tensorBytes(t: OnnxTensorSpec): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/**
 * Encodes a TensorProto: raw_data little-endian (what every ONNX runtime reads fastest), or only the
 * external_data entries when `external` is set.
 */
export function encodeTensor(t: OnnxTensorSpec): Uint8Array {
  const w = new ProtoWriter();
  for (const d of t.dims) w.uint(1, d);
  const dataType =
    t.dataType ??
    (t.data instanceof Float32Array
      ? ONNX_TYPE.float
      : t.data instanceof BigInt64Array
        ? ONNX_TYPE.int64
        : ONNX_TYPE.bool);
  w.uint(2, dataType);
  w.string(8, t.name);
  if (t.external) {
    const { location, offset, length } = t.external;
    for (const [key, value] of [
      ["location", location],
      ["offset", String(offset)],
      ["length", String(length)],
    ]) {
      w.message(13, (e) => e.string(1, key).string(2, value));
    }
    return w.uint(14, EXTERNAL_LOCATION).finish();
  }
  // Node and browsers run little-endian, so the typed array's bytes are already ONNX's raw_data layout.
  w.bytes(9, tensorBytes(t));
  return w.finish();
}

/** Options of {@link externalizeTensors}; the defaults are onnx's `convert_model_to_external_data`/`save`. */
export interface ExternalizeOptions {
  /** Tensors smaller than this stay inline (onnx's `size_threshold`). */
  minBytes?: number;
  /** Tensors larger than this start at a multiple of `alignmentBytes`, so runtimes can mmap them. */
  alignThresholdBytes?: number;
  alignmentBytes?: number;
}

/**
 * Moves the data of tensors of at least `minBytes` into one external-data file named `location` (relative to the
 * graph's folder), as Optimum/onnx exports of big models do. Returns the tensor specs (moved ones carry
 * `external`) and the file's bytes.
 */
export function externalizeTensors(
  tensors: readonly OnnxTensorSpec[],
  location: string,
  options: ExternalizeOptions = {},
): { tensors: OnnxTensorSpec[]; data: Uint8Array } {
  const { minBytes = 1024, alignThresholdBytes = 1 << 20, alignmentBytes = 1 << 16 } = options;
  let size = 0;
  const placed = tensors.map((t) => {
    if (t.data.byteLength < minBytes) return t;
    if (t.data.byteLength > alignThresholdBytes) size = Math.ceil(size / alignmentBytes) * alignmentBytes;
    const external = { location, offset: size, length: t.data.byteLength };
    size += t.data.byteLength;
    return { ...t, external };
  });
  const data = new Uint8Array(size);
  for (const t of placed) if (t.external) data.set(tensorBytes(t), t.external.offset);
  return { tensors: placed, data };
}

function encodeAttr(name: string, v: OnnxAttr): Uint8Array {
  const w = new ProtoWriter().string(1, name);
  if (typeof v === "number") w.uint(20, ATTR_TYPE.int).uint(3, v);
  else if (typeof v === "string") w.uint(20, ATTR_TYPE.string).string(4, v);
  else if (Array.isArray(v)) {
    w.uint(20, ATTR_TYPE.ints);
    for (const x of v) w.uint(8, x);
  } else if ("float" in v) w.uint(20, ATTR_TYPE.float).float(2, v.float);
  else if ("floats" in v) {
    w.uint(20, ATTR_TYPE.floats);
    for (const x of v.floats) w.float(7, x);
  } else w.uint(20, ATTR_TYPE.tensor).bytes(5, encodeTensor(v.tensor));
  return w.finish();
}

/** Encodes a NodeProto. */
export function encodeNode(n: OnnxNodeSpec): Uint8Array {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.op);
  for (const [k, v] of Object.entries(n.attrs ?? {})) w.bytes(5, encodeAttr(k, v));
  if (n.domain) w.string(7, n.domain);
  return w.finish();
}

/** Encodes a ValueInfoProto with a tensor type. */
export function encodeValueInfo(v: OnnxValueSpec): Uint8Array {
  return new ProtoWriter()
    .string(1, v.name)
    .message(2, (type) =>
      type.message(1, (tensor) =>
        tensor.uint(1, v.elemType).message(2, (shape) => {
          for (const d of v.dims) {
            shape.message(1, (dim) => (typeof d === "number" ? dim.uint(1, d) : dim.string(2, d)));
          }
        }),
      ),
    )
    .finish();
}

/** Graph parts; every field is optional so a partial graph can be appended to an existing model. */
export interface OnnxGraphSpec {
  name?: string;
  nodes?: OnnxNodeSpec[];
  initializers?: OnnxTensorSpec[];
  inputs?: OnnxValueSpec[];
  outputs?: OnnxValueSpec[];
}

/** Encodes a GraphProto. */
export function encodeGraph(g: OnnxGraphSpec): Uint8Array {
  const w = new ProtoWriter();
  for (const n of g.nodes ?? []) w.bytes(1, encodeNode(n));
  if (g.name) w.string(2, g.name);
  for (const t of g.initializers ?? []) w.bytes(5, encodeTensor(t));
  for (const i of g.inputs ?? []) w.bytes(11, encodeValueInfo(i));
  for (const o of g.outputs ?? []) w.bytes(12, encodeValueInfo(o));
  return w.finish();
}

/**
 * Encodes a complete ModelProto (IR version 8, default-domain opset `opset`), with an opset import at version 1
 * for every other domain its nodes use (onnxruntime's `com.microsoft` contrib ops are all version 1).
 */
export function encodeModel(graph: OnnxGraphSpec, opset: number, producer = "margin-atlas"): Uint8Array {
  const w = new ProtoWriter()
    .uint(1, 8)
    .string(2, producer)
    .bytes(7, encodeGraph(graph))
    .message(8, (o) => o.string(1, "").uint(2, opset));
  const domains = new Set((graph.nodes ?? []).flatMap((n) => (n.domain ? [n.domain] : [])));
  for (const domain of domains) w.message(8, (o) => o.string(1, domain).uint(2, 1));
  return w.finish();
}
