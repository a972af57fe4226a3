/**
 * Encoders for the few ONNX messages we author (nodes, tensors, value infos, graphs, models), on ProtoWriter.
 * Used by the log-prob graph rewrite (browser) and the fixture model builder (Node script, tests).
 */
import { ProtoWriter } from "./protobuf-wire";
import { ONNX_TYPE } from "./onnx-model";

/**
 * An attribute value: number (int unless `float: true`), number[] (ints), string, a tensor, or a subgraph (the
 * branches of `If`, the bodies of `Loop`/`Scan`).
 */
export type OnnxAttr =
  | number
  | { float: number }
  | number[]
  | string
  | { tensor: OnnxTensorSpec }
  | { floats: number[] }
  | { graph: OnnxGraphSpec };

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

/**
 * A tensor to encode with its dims: float32, int64, bool (Uint8Array), float16 (Uint16Array of IEEE half bits) or
 * int8 data; uint8 data is a Uint8Array with `dataType: ONNX_TYPE.uint8`.
 */
export interface OnnxTensorSpec {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array | Uint8Array | Uint16Array | Int8Array;
  /** ONNX_TYPE code; inferred from `data` when omitted (Uint8Array means bool, Uint16Array float16). */
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
const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7 } as const;
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
        : t.data instanceof Uint16Array
          ? ONNX_TYPE.float16
          : t.data instanceof Int8Array
            ? ONNX_TYPE.int8
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
  } else if ("graph" in v) w.uint(20, ATTR_TYPE.graph).bytes(6, encodeGraph(v.graph));
  else if ("float" in v) w.uint(20, ATTR_TYPE.float).float(2, v.float);
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
  for (const domain of nodeDomains(graph)) w.message(8, (o) => o.string(1, domain).uint(2, 1));
  return w.finish();
}

/** The non-default domains of a graph's nodes, subgraphs (If branches...) included, in first-use order. */
function nodeDomains(graph: OnnxGraphSpec, into = new Set<string>()): Set<string> {
  for (const n of graph.nodes ?? []) {
    if (n.domain) into.add(n.domain);
    for (const v of Object.values(n.attrs ?? {})) {
      if (typeof v === "object" && !Array.isArray(v) && "graph" in v) nodeDomains(v.graph, into);
    }
  }
  return into;
}

/**
 * Spreads the data of tensors of at least `minBytes` over several external-data files of at most `maxFileBytes`
 * each (a tensor larger than that gets a file of its own), named `location`, `location_1`, `location_2`... as
 * split exports of big models are. Returns the tensor specs (moved ones carry `external`) and the files.
 */
export function externalizeTensorsToFiles(
  tensors: readonly OnnxTensorSpec[],
  location: string,
  maxFileBytes: number,
  { minBytes = 1024 }: Pick<ExternalizeOptions, "minBytes"> = {},
): { tensors: OnnxTensorSpec[]; files: { path: string; data: Uint8Array }[] } {
  const groups: OnnxTensorSpec[][] = [];
  let size = Infinity;
  for (const t of tensors) {
    if (t.data.byteLength < minBytes) continue;
    if (size + t.data.byteLength > maxFileBytes) {
      groups.push([]);
      size = 0;
    }
    groups[groups.length - 1].push(t);
    size += t.data.byteLength;
  }
  const moved = new Map<OnnxTensorSpec, OnnxTensorSpec>();
  const files = groups.map((group, i) => {
    const path = i === 0 ? location : `${location}_${i}`;
    const { tensors: placed, data } = externalizeTensors(group, path, { minBytes: 0 });
    group.forEach((t, k) => moved.set(t, placed[k]));
    return { path, data };
  });
  return { tensors: tensors.map((t) => moved.get(t) ?? t), files };
}

/**
 * Collects nodes and constants under unique names (`Op_N`, `const_N`), so graph-writing code stays linear:
 * each call returns the name of the value it made.
 */
export class OnnxGraphBuilder {
  nodes: OnnxNodeSpec[] = [];
  inits: OnnxTensorSpec[] = [];
  private n = 0;

  constructor(
    /** Prefix of every generated name: keeps the names of two graphs (If branches) apart. */
    private readonly prefix = "",
  ) {}

  /** A unique name with the builder's prefix. */
  fresh(stem: string): string {
    return `${this.prefix}${stem}_${this.n++}`;
  }
  /** Adds a node with `nOut` outputs and returns their names. */
  op(op: string, inputs: string[], attrs?: OnnxNodeSpec["attrs"], nOut = 1, domain?: string): string[] {
    const id = this.fresh(op);
    const outputs = Array.from({ length: nOut }, (_, i) => (nOut === 1 ? id : `${id}_${i}`));
    this.nodes.push({ op, inputs, outputs, name: id, attrs, ...(domain ? { domain } : {}) });
    return outputs;
  }
  /** Adds a node with one output and returns its name. */
  op1(op: string, inputs: string[], attrs?: OnnxNodeSpec["attrs"], domain?: string): string {
    return this.op(op, inputs, attrs, 1, domain)[0];
  }
  /** Renames the first output of the last node (to give graph outputs their public names). */
  rename(to: string): string {
    this.nodes[this.nodes.length - 1].outputs[0] = to;
    return to;
  }
  /** An int64 constant: a 1-D tensor, or a scalar when `scalar`. */
  i64(values: number[], scalar = false): string {
    const name = this.fresh("const");
    this.inits.push({ name, dims: scalar ? [] : [values.length], data: BigInt64Array.from(values.map(BigInt)) });
    return name;
  }
  /** A float32 scalar constant. */
  f32(value: number): string {
    const name = this.fresh("const");
    this.inits.push({ name, dims: [], data: Float32Array.of(value) });
    return name;
  }
  /** An initializer under a chosen name (weights). */
  tensor(t: OnnxTensorSpec): string {
    this.inits.push(t);
    return t.name;
  }
}
