/**
 * Read-only views of an ONNX ModelProto (opsets, graph inputs/outputs, float initializers) on the raw bytes,
 * using the field numbers of onnx/onnx.proto. Nothing is re-encoded, so unknown/newer fields are harmless.
 */
import { readFields, readPackedVarints, readString, WIRE, type WireField } from "./protobuf-wire";

/** ONNX TensorProto.DataType codes used here. */
export const ONNX_TYPE = { float: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, double: 11 } as const;

/** A graph input or output: name, element type (ONNX_TYPE code, 0 when unknown) and dims (number or symbol). */
export interface OnnxValueInfo {
  name: string;
  elemType: number;
  dims: (number | string)[];
}

/** What callers need to know about a model without running it. */
export interface OnnxModelInfo {
  irVersion: number;
  /** Operator set per domain; the default ONNX domain is "". */
  opsets: Map<string, number>;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  initializerNames: string[];
}

/** A float tensor read from an initializer. */
export interface OnnxFloatTensor {
  dims: number[];
  data: Float32Array;
}

// ModelProto / GraphProto / ValueInfoProto / TensorProto field numbers (onnx.proto).
const MODEL = { irVersion: 1, opsetImport: 8, graph: 7 } as const;
const GRAPH = { initializer: 5, input: 11, output: 12 } as const;
const TENSOR = { dims: 1, dataType: 2, floatData: 4, name: 8, rawData: 9, dataLocation: 14 } as const;

function graphChunks(model: Uint8Array): Uint8Array[] {
  // A singular message field that occurs several times is merged by protobuf parsers, so all occurrences count.
  const out: Uint8Array[] = [];
  for (const f of readFields(model)) if (f.field === MODEL.graph && f.wireType === WIRE.bytes) out.push(f.bytes);
  return out;
}

function readValueInfo(bytes: Uint8Array): OnnxValueInfo {
  let name = "";
  let elemType = 0;
  const dims: (number | string)[] = [];
  for (const f of readFields(bytes)) {
    if (f.field === 1) name = readString(f.bytes);
    else if (f.field === 2) {
      for (const t of readFields(f.bytes)) {
        if (t.field !== 1) continue; // tensor_type
        for (const tt of readFields(t.bytes)) {
          if (tt.field === 1) elemType = tt.value;
          else if (tt.field === 2) {
            for (const d of readFields(tt.bytes)) {
              if (d.field !== 1) continue;
              let dim: number | string = "?";
              for (const dd of readFields(d.bytes)) {
                if (dd.field === 1) dim = dd.value;
                else if (dd.field === 2) dim = readString(dd.bytes);
              }
              dims.push(dim);
            }
          }
        }
      }
    }
  }
  return { name, elemType, dims };
}

/** Reads opsets, graph inputs/outputs and initializer names. Cost is linear in the graph, not the weights. */
export function readModelInfo(model: Uint8Array): OnnxModelInfo {
  let irVersion = 0;
  const opsets = new Map<string, number>();
  for (const f of readFields(model)) {
    if (f.field === MODEL.irVersion) irVersion = f.value;
    else if (f.field === MODEL.opsetImport) {
      let domain = "";
      let version = 0;
      for (const o of readFields(f.bytes)) {
        if (o.field === 1) domain = readString(o.bytes);
        else if (o.field === 2) version = o.value;
      }
      opsets.set(domain === "ai.onnx" ? "" : domain, version);
    }
  }
  const inputs: OnnxValueInfo[] = [];
  const outputs: OnnxValueInfo[] = [];
  const initializerNames: string[] = [];
  for (const g of graphChunks(model)) {
    for (const f of readFields(g)) {
      if (f.field === GRAPH.input) inputs.push(readValueInfo(f.bytes));
      else if (f.field === GRAPH.output) outputs.push(readValueInfo(f.bytes));
      else if (f.field === GRAPH.initializer) {
        for (const t of readFields(f.bytes)) if (t.field === TENSOR.name) initializerNames.push(readString(t.bytes));
      }
    }
  }
  // Initializers may also be listed as graph inputs (IR < 4 style); they are not runtime inputs.
  const init = new Set(initializerNames);
  return { irVersion, opsets, inputs: inputs.filter((i) => !init.has(i.name)), outputs, initializerNames };
}

function readTensor(fields: WireField[]): { name: string; tensor: OnnxFloatTensor | null } {
  let name = "";
  let dataType = 0;
  let external = false;
  const dims: number[] = [];
  let raw: Uint8Array | null = null;
  const floats: number[] = [];
  for (const f of fields) {
    if (f.field === TENSOR.name) name = readString(f.bytes);
    else if (f.field === TENSOR.dataType) dataType = f.value;
    else if (f.field === TENSOR.dims) {
      if (f.wireType === WIRE.bytes) dims.push(...readPackedVarints(f.bytes));
      else dims.push(f.value);
    } else if (f.field === TENSOR.rawData) raw = f.bytes;
    else if (f.field === TENSOR.floatData) {
      if (f.wireType === WIRE.bytes) {
        const dv = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.length);
        for (let i = 0; i + 4 <= f.bytes.length; i += 4) floats.push(dv.getFloat32(i, true));
      } else {
        floats.push(new DataView(f.bytes.buffer, f.bytes.byteOffset, 4).getFloat32(0, true));
      }
    } else if (f.field === TENSOR.dataLocation && f.value === 1) external = true;
  }
  if (dataType !== ONNX_TYPE.float || external) return { name, tensor: null };
  let data: Float32Array;
  if (raw) {
    // Copy into an aligned buffer: the view may start at any byte offset.
    data = new Float32Array(raw.length / 4);
    new Uint8Array(data.buffer).set(raw);
  } else {
    data = Float32Array.from(floats);
  }
  return { name, tensor: { dims, data } };
}

/** Reads the float32 initializers stored inside the model (external-data tensors are skipped). */
export function readFloatInitializers(model: Uint8Array): Map<string, OnnxFloatTensor> {
  const out = new Map<string, OnnxFloatTensor>();
  for (const g of graphChunks(model)) {
    for (const f of readFields(g)) {
      if (f.field !== GRAPH.initializer) continue;
      const { name, tensor } = readTensor([...readFields(f.bytes)]);
      if (tensor) out.set(name, tensor);
    }
  }
  return out;
}
