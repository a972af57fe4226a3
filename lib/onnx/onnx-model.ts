/**
 * Read-only views of an ONNX ModelProto (opsets, graph inputs/outputs, float initializers) on the raw bytes,
 * using the field numbers of onnx/onnx.proto. Nothing is re-encoded, so unknown/newer fields are harmless.
 */
import { ProtobufError, readFields, readPackedVarints, readString, WIRE, type WireField } from "./protobuf-wire";

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
const GRAPH = { node: 1, initializer: 5, input: 11, output: 12 } as const;
// NodeProto / AttributeProto field numbers: a node's attributes may hold subgraphs (If/Loop/Scan bodies).
const NODE = { opType: 4, attribute: 5 } as const;
const ATTRIBUTE = { g: 6, graphs: 11 } as const;
const TENSOR = { dims: 1, dataType: 2, floatData: 4, name: 8, rawData: 9, externalData: 13, dataLocation: 14 } as const;
/** TensorProto.DataLocation.EXTERNAL: the tensor's bytes live in a file named by its `external_data` entries. */
const EXTERNAL = 1;

/** An external-data file: the `location` string as the graph writes it, and the file's bytes. */
export interface OnnxExternalDataFile {
  path: string;
  data: Uint8Array;
}

/** A graph whose external data cannot be used (an unsafe or missing location, a range outside its file). */
export class OnnxExternalDataError extends Error {
  readonly code = "BAD_EXTERNAL_DATA";
}

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

function collectOpTypes(graph: Uint8Array, out: Set<string>): void {
  for (const f of readFields(graph)) {
    if (f.field !== GRAPH.node || f.wireType !== WIRE.bytes) continue;
    for (const n of readFields(f.bytes)) {
      if (n.field === NODE.opType) out.add(readString(n.bytes));
      else if (n.field === NODE.attribute) {
        for (const a of readFields(n.bytes)) {
          if ((a.field === ATTRIBUTE.g || a.field === ATTRIBUTE.graphs) && a.wireType === WIRE.bytes) {
            collectOpTypes(a.bytes, out);
          }
        }
      }
    }
  }
}

/**
 * The op_type of every node in the model (domains are not told apart), including nodes of control-flow subgraphs
 * such as the If branches of Optimum's merged decoders. Linear in the graph, weights are skipped unread.
 */
export function readOpTypes(model: Uint8Array): Set<string> {
  const out = new Set<string>();
  for (const g of graphChunks(model)) collectOpTypes(g, out);
  return out;
}

/** Where an external tensor's bytes are: TensorProto.external_data as a map (`location`, `offset`, `length`...). */
function readExternalEntries(fields: Iterable<WireField>): Map<string, string> {
  const entries = new Map<string, string>();
  for (const f of fields) {
    if (f.field !== TENSOR.externalData) continue;
    let key = "";
    let value = "";
    for (const e of readFields(f.bytes)) {
      if (e.field === 1) key = readString(e.bytes);
      else if (e.field === 2) value = readString(e.bytes);
    }
    entries.set(key, value);
  }
  return entries;
}

/**
 * Checks an external-data `location` before anything reads a file by it: it must be relative to the graph's
 * folder, as onnx's own loader requires, so a crafted graph cannot reach outside the model folder.
 */
function checkLocation(location: string, tensor: string): string {
  if (!location) throw new OnnxExternalDataError(`initializer "${tensor}" is external but names no location`);
  const absolute = /^([/\\]|[A-Za-z]:)/.test(location);
  if (absolute || location.split(/[/\\]/).includes("..")) {
    throw new OnnxExternalDataError(
      `initializer "${tensor}" names external data "${location}" outside the model folder (absolute or "..")`,
    );
  }
  return location;
}

function* initializers(model: Uint8Array): Generator<WireField[]> {
  for (const g of graphChunks(model)) {
    for (const f of readFields(g)) if (f.field === GRAPH.initializer) yield [...readFields(f.bytes)];
  }
}

function isExternal(fields: WireField[]): boolean {
  return fields.some((f) => f.field === TENSOR.dataLocation && f.value === EXTERNAL);
}

function tensorName(fields: WireField[]): string {
  const f = fields.find((x) => x.field === TENSOR.name);
  return f ? readString(f.bytes) : "";
}

/**
 * The distinct external-data files the graph's initializers name (their `location`, as written, in first-use
 * order); empty when all weights are inline. Throws {@link OnnxExternalDataError} on an absolute or `..` location.
 */
export function readExternalDataLocations(model: Uint8Array): string[] {
  const out = new Set<string>();
  for (const fields of initializers(model)) {
    if (!isExternal(fields)) continue;
    out.add(checkLocation(readExternalEntries(fields).get("location") ?? "", tensorName(fields)));
  }
  return [...out];
}

function externalBytes(fields: WireField[], files: readonly OnnxExternalDataFile[]): Uint8Array {
  const name = tensorName(fields);
  const entries = readExternalEntries(fields);
  const location = checkLocation(entries.get("location") ?? "", name);
  const file = files.find((f) => f.path === location);
  if (!file) throw new OnnxExternalDataError(`initializer "${name}" needs external data "${location}", not given`);
  const offset = Number(entries.get("offset") ?? 0);
  const length = entries.has("length") ? Number(entries.get("length")) : file.data.length - offset;
  if (!(offset >= 0 && length >= 0 && offset + length <= file.data.length)) {
    throw new OnnxExternalDataError(
      `initializer "${name}": bytes ${offset}+${length} lie outside "${location}" (${file.data.length} bytes)`,
    );
  }
  return file.data.subarray(offset, offset + length);
}

function readTensor(
  fields: WireField[],
  files: readonly OnnxExternalDataFile[] | undefined,
): { name: string; tensor: OnnxFloatTensor | null } {
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
    } else if (f.field === TENSOR.dataLocation && f.value === EXTERNAL) external = true;
  }
  if (dataType !== ONNX_TYPE.float || (external && !files)) return { name, tensor: null };
  if (external) raw = externalBytes(fields, files ?? []);
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

/**
 * Reads the float32 initializers. External-data tensors are read from `externalData` (matched by `location`) when
 * given, and skipped when not.
 */
export function readFloatInitializers(
  model: Uint8Array,
  externalData?: readonly OnnxExternalDataFile[],
): Map<string, OnnxFloatTensor> {
  const out = new Map<string, OnnxFloatTensor>();
  for (const fields of initializers(model)) {
    const { name, tensor } = readTensor(fields, externalData);
    if (tensor) out.set(name, tensor);
  }
  return out;
}

/** What is wrong with a model file: nothing in it, cut short, or not what it should be. */
export type ModelFileDamage = "EMPTY_FILE" | "TRUNCATED_FILE" | "CORRUPT_FILE";

/** A model file (graph, external data) that is empty, truncated or corrupt; the message starts with its path. */
export class OnnxFileError extends Error {
  constructor(
    message: string,
    readonly code: ModelFileDamage,
  ) {
    super(message);
    this.name = "OnnxFileError";
  }
}

/** ModelProto field names, for saying which field a truncated file ends in. */
const MODEL_FIELD_NAMES: Record<number, string> = {
  1: "ir_version",
  2: "producer_name",
  3: "producer_version",
  4: "domain",
  5: "model_version",
  6: "doc_string",
  7: "graph",
  8: "opset_import",
  14: "metadata_props",
  20: "training_info",
  25: "functions",
};

const COMPLETE_DOWNLOAD = "a complete download is needed";

/**
 * What a file that should be binary actually is, when its first bytes say so: a Git LFS pointer (a clone without
 * `git lfs pull`) or an HTML page (a login or error page saved under the model's name). Null otherwise.
 */
export function describeTextStandIn(bytes: Uint8Array): string | null {
  const head = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart().toLowerCase();
  if (head.startsWith("version https://git-lfs.github.com/spec/")) {
    return `a Git LFS pointer (${bytes.length} bytes), not the file itself: fetch the LFS object (git lfs pull)`;
  }
  if (head.startsWith("<!doctype html") || head.startsWith("<html")) {
    return `an HTML page (${bytes.length} bytes), not a model file: the server answered a web page in its place`;
  }
  return null;
}

/**
 * Checks that `model` (read from `path`) is a whole ONNX file before anything parses it further: not empty, not cut
 * short inside a field, with a graph and an opset_import, and well-formed protobuf down through the graph's nodes,
 * initializers and value infos (weights are not read). Throws {@link OnnxFileError} naming the file, the byte and
 * the field. Linear in the graph's structure.
 */
export function checkOnnxFile(model: Uint8Array, path: string): void {
  const n = model.length;
  if (n === 0) throw new OnnxFileError(`${path} is empty (0 bytes)`, "EMPTY_FILE");
  const standIn = describeTextStandIn(model);
  if (standIn) throw new OnnxFileError(`${path} is ${standIn}`, "CORRUPT_FILE");
  const present = new Set<number>();
  try {
    for (const f of readFields(model)) present.add(f.field);
  } catch (e) {
    if (!(e instanceof ProtobufError)) throw e;
    const d = e.detail;
    if (d.kind === "truncated") {
      const inside =
        d.field === undefined
          ? `inside a field key that starts at byte ${d.offset}`
          : `inside field ${d.field}${MODEL_FIELD_NAMES[d.field] ? ` (${MODEL_FIELD_NAMES[d.field]})` : ""}` +
            (d.declaredLength !== undefined && d.valueStart !== undefined
              ? `, which declares ${d.declaredLength} bytes from byte ${d.valueStart}`
              : `, whose ${d.valueStart === undefined ? "key" : "length or value"} is cut`);
      throw new OnnxFileError(
        `${path} is truncated: ends at byte ${n} ${inside} (the file is ${n} bytes; ${COMPLETE_DOWNLOAD})`,
        "TRUNCATED_FILE",
      );
    }
    throw new OnnxFileError(`${path} is corrupt, not an ONNX protobuf: ${e.message}`, "CORRUPT_FILE");
  }
  if (!present.has(MODEL.graph)) {
    throw new OnnxFileError(
      `${path} is truncated or not an ONNX model: its ${n} bytes hold no graph (ModelProto field 7)`,
      present.size <= 2 ? "TRUNCATED_FILE" : "CORRUPT_FILE",
    );
  }
  if (!present.has(MODEL.opsetImport)) {
    // onnx (and every exporter built on it) writes opset_import after the graph: a file cut just after the graph
    // parses cleanly but lacks it.
    throw new OnnxFileError(
      `${path} is truncated: ends at byte ${n} after the graph, before its opset_import (ModelProto field 8) ` +
        `(the file is ${n} bytes; ${COMPLETE_DOWNLOAD})`,
      "TRUNCATED_FILE",
    );
  }
  try {
    readModelInfo(model);
    readOpTypes(model);
    for (const fields of initializers(model)) readExternalEntries(fields);
  } catch (e) {
    if (!(e instanceof ProtobufError)) throw e;
    const at = e.detail.bufferOffset - model.byteOffset;
    throw new OnnxFileError(
      `${path} is corrupt: a message inside its graph is malformed near byte ${at} (${e.message}); ` +
        `the file is ${n} bytes`,
      "CORRUPT_FILE",
    );
  }
}

/** How far into one external-data file the graph reads: the end of its furthest tensor, and that tensor's name. */
export interface ExternalDataExtent {
  location: string;
  endByte: number;
  tensor: string;
}

/** Per external-data file (by `location`), the furthest byte an initializer reads (offset + length). */
export function readExternalDataExtents(model: Uint8Array): ExternalDataExtent[] {
  const out = new Map<string, ExternalDataExtent>();
  for (const fields of initializers(model)) {
    if (!isExternal(fields)) continue;
    const name = tensorName(fields);
    const entries = readExternalEntries(fields);
    const location = checkLocation(entries.get("location") ?? "", name);
    const offset = Number(entries.get("offset") ?? 0);
    const length = Number(entries.get("length") ?? 0);
    const endByte = (Number.isFinite(offset) ? offset : 0) + (Number.isFinite(length) ? length : 0);
    const prev = out.get(location);
    if (!prev || endByte > prev.endByte) out.set(location, { location, endByte, tensor: name });
  }
  return [...out.values()];
}

/**
 * Checks that each external-data file holds every byte the graph reads from it. `filePath` names the file as the
 * user knows it (e.g. `onnx/model.onnx_data`). Throws {@link OnnxFileError} for an empty or short file.
 */
export function checkExternalDataSize(extent: ExternalDataExtent, data: Uint8Array, filePath: string): void {
  if (data.length >= extent.endByte) return;
  const standIn = describeTextStandIn(data);
  if (standIn) throw new OnnxFileError(`${filePath} is ${standIn}`, "CORRUPT_FILE");
  const size = data.length === 0 ? "is empty (0 bytes)" : `is ${data.length} bytes`;
  throw new OnnxFileError(
    `${filePath} ${size} but the graph reads up to byte ${extent.endByte} (initializer "${extent.tensor}"): ` +
      `truncated, ${COMPLETE_DOWNLOAD}`,
    data.length === 0 ? "EMPTY_FILE" : "TRUNCATED_FILE",
  );
}
