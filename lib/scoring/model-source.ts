/**
 * Where a model folder comes from (picked local files, a base URL, or a Hugging Face Hub id) and how its files
 * are read: config.json, tokenizer files, one ONNX graph (a quantised variant when asked) and its external data.
 * Pure TypeScript: the browser worker and the CLI both hand in a `ModelFileReader`.
 */
import {
  checkExternalDataSize,
  checkOnnxFile,
  describeTextStandIn,
  OnnxFileError,
  readExternalDataExtents,
} from "@/lib/onnx/onnx-model";
import type { ModelSource } from "./protocol";

/** A model folder that cannot be used; `code` is stable for UI messages. */
export class ModelSourceError extends Error {
  constructor(
    message: string,
    readonly code:
      | "BAD_LOCATION"
      | "MISSING_FILE"
      | "BAD_JSON"
      | "BAD_GRAPH"
      | "FETCH_FAILED"
      | "EMPTY_FILE"
      | "TRUNCATED_FILE"
      | "CORRUPT_FILE",
  ) {
    super(message);
    this.name = "ModelSourceError";
  }
}

/** Reads one file of a model folder by relative path; null when the folder has no such file. */
export interface ModelFileReader {
  /** Human-readable location (shown in the UI and in errors). */
  readonly location: string;
  read(path: string, onProgress?: (loadedBytes: number, totalBytes: number | null) => void): Promise<Uint8Array | null>;
  /** Why `read(path)` found nothing, when the reader knows more than "absent" (an HTTP status, a gated repo). */
  whyMissing?(path: string): string | null;
  /**
   * Drops any kept copy of `path` (a cached download) after its contents were found damaged, so the next load
   * fetches it anew. Returns true when a copy was dropped.
   */
  forget?(path: string): Promise<boolean>;
  /** Things the reader worked around and the user should hear of (a damaged cache entry downloaded again). */
  notices?(): string[];
}

/** The public Hugging Face Hub (what `endpoint` defaults to). */
export const HUB_ENDPOINT = "https://huggingface.co";

/** URL of a file of a Hub repository (Hub's download route; works for LFS files too). */
export function hubFileUrl(id: string, file: string, revision = "main", endpoint = HUB_ENDPOINT): string {
  const repo = id
    .split("/")
    .map((s) => encodeURIComponent(s))
    .join("/");
  return `${endpoint.replace(/\/+$/, "")}/${repo}/resolve/${encodeURIComponent(revision)}/${file}`;
}

const HUB_ID = /^([A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*)(?:@(\S+))?$/;

/**
 * Parses what the user typed in "Model URL or Hub id": `http(s)://...` or a `/path/` on this site is a URL;
 * `org/name` (optionally `org/name@revision`) is a Hub id. Anything else is refused with a message saying what is
 * accepted.
 */
export function parseModelLocation(text: string): ModelSource {
  const t = text.trim();
  if (/^https?:\/\//i.test(t) || t.startsWith("/")) return { kind: "url", baseUrl: t.endsWith("/") ? t : `${t}/` };
  const hub = HUB_ID.exec(t);
  if (hub) return hub[2] ? { kind: "hub", id: hub[1], revision: hub[2] } : { kind: "hub", id: hub[1] };
  throw new ModelSourceError(
    `"${t}" is neither a URL (https://… or /models/…) nor a Hub id (org/name or org/name@revision)`,
    "BAD_LOCATION",
  );
}

/** Base URL of a URL or Hub source (what a reader fetches `<base><file>` from). */
export function sourceBaseUrl(source: Exclude<ModelSource, { kind: "files" }>): string {
  return source.kind === "url" ? source.baseUrl : hubFileUrl(source.id, "", source.revision, source.endpoint);
}

/**
 * Checks a Hub endpoint the user typed (a mirror or a local server): an http(s) origin, optionally with a path.
 * Returns it without a trailing slash.
 */
export function parseHubEndpoint(text: string): string {
  const t = text.trim();
  let url: URL;
  try {
    url = new URL(t);
  } catch {
    throw new ModelSourceError(`Hub endpoint "${t}" is not a URL (like ${HUB_ENDPOINT})`, "BAD_LOCATION");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new ModelSourceError(`Hub endpoint "${t}" must be http:// or https://`, "BAD_LOCATION");
  return t.replace(/\/+$/, "");
}

/**
 * Normalises picked paths: a directory input gives `folder/onnx/model.onnx` (webkitRelativePath), a multi-file
 * input gives bare names. The common top folder is dropped; a bare `*.onnx` (or `*.onnx_data`, `*.onnx_data_1`)
 * name is placed under `onnx/`.
 */
export function normaliseFolderPaths(paths: readonly string[]): string[] {
  const split = paths.map((p) => p.replace(/\\/g, "/").split("/").filter(Boolean));
  const first = split[0]?.[0];
  const common = split.length > 0 && split.every((s) => s.length > 1 && s[0] === first);
  return split.map((s) => {
    const rel = (common ? s.slice(1) : s).join("/");
    return /^[^/]+\.onnx(_data(_\d+)?)?$/.test(rel) ? `onnx/${rel}` : rel;
  });
}

/** A reader over picked files (paths as given, normalised with {@link normaliseFolderPaths}). */
export function createFileMapReader(
  files: { path: string; data: Blob | ArrayBuffer | Uint8Array }[],
  location = "local folder",
): ModelFileReader {
  const names = normaliseFolderPaths(files.map((f) => f.path));
  const byPath = new Map(names.map((n, i) => [n, files[i].data]));
  return {
    location,
    async read(path) {
      const data = byPath.get(path);
      if (data === undefined) return null;
      if (data instanceof Uint8Array) return data;
      if (data instanceof ArrayBuffer) return new Uint8Array(data);
      return new Uint8Array(await data.arrayBuffer());
    },
  };
}

/** One graph variant of the onnx-community / Transformers.js layout (a file under `onnx/`). */
export interface OnnxVariant {
  file: string;
  description: string;
  /** Needs WebGPU with the shader-f16 feature: elsewhere its fp16 kernels are emulated, slower than fp32. */
  shaderF16: boolean;
}

/**
 * The graph variants a folder may hold, most precise first: margins are differences of small numbers, and each
 * step down (fp16, 8-bit, 4-bit weights) blurs them more.
 */
export const ONNX_VARIANTS: readonly OnnxVariant[] = [
  { file: "model.onnx", description: "float32, as exported", shaderF16: false },
  { file: "model_fp16.onnx", description: "float16 weights and activations", shaderF16: true },
  { file: "model_quantized.onnx", description: "8-bit dynamic quantisation", shaderF16: false },
  { file: "model_int8.onnx", description: "8-bit signed weights", shaderF16: false },
  { file: "model_uint8.onnx", description: "8-bit unsigned weights", shaderF16: false },
  { file: "model_q4.onnx", description: "4-bit weights (MatMulNBits), float32 activations", shaderF16: false },
  { file: "model_q4f16.onnx", description: "4-bit weights, float16 activations", shaderF16: true },
  { file: "model_bnb4.onnx", description: "4-bit bitsandbytes (NF4/FP4) weights", shaderF16: false },
  // Older Xenova / Optimum exports name the decoder after Optimum's merged (with/without past) graph.
  { file: "decoder_model_merged.onnx", description: "Optimum merged decoder, float32", shaderF16: false },
  { file: "decoder_model_merged_fp16.onnx", description: "Optimum merged decoder, float16", shaderF16: true },
  { file: "decoder_model_merged_quantized.onnx", description: "Optimum merged decoder, 8-bit", shaderF16: false },
];

/** Graphs `optimum-cli export onnx` writes next to config.json (no onnx/ folder); tried after onnx/. */
const ROOT_GRAPHS = ["model.onnx", "decoder_model_merged.onnx"];

/**
 * ONNX graphs to try, best first ({@link ONNX_VARIANTS} order under onnx/, then an optimum-cli folder's root),
 * without the fp16 ones unless WebGPU has shader-f16.
 */
export function onnxCandidates(options: { webgpu: boolean; shaderF16: boolean }): string[] {
  const f16 = options.webgpu && options.shaderF16;
  return [...ONNX_VARIANTS.filter((v) => f16 || !v.shaderF16).map((v) => `onnx/${v.file}`), ...ROOT_GRAPHS];
}

/** The parsed files of a model folder, ready to build a session from. */
export interface ModelFolder {
  location: string;
  config: Record<string, unknown>;
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  /** Separate chat template file (newer exports), overriding tokenizer_config.json's. */
  chatTemplate?: string;
  /** Which graph was picked, e.g. `onnx/model.onnx`. */
  onnxPath: string;
  onnx: Uint8Array;
  /** External weights (`model.onnx_data`...), each under the `location` the graph names it by. */
  externalData: { path: string; data: Uint8Array }[];
  /** Bytes read in total. */
  bytes: number;
  /** What the reader worked around while reading (e.g. a damaged cached download fetched again); may be empty. */
  notices?: string[];
}

/**
 * Whether `text` stops before its JSON is complete: inside a string, or with an object or array still open. A
 * document that is merely wrong (a stray comma) ends with every bracket closed.
 */
function endsInsideJson(text: string): string | null {
  const open: string[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") open.push(c);
    else if (c === "}" || c === "]") open.pop();
  }
  if (inString) return "inside a string";
  if (open.length)
    return `with ${open.length} ${open.length === 1 ? "object or array" : "objects or arrays"} still open`;
  return null;
}

/**
 * Parses a JSON object file of a model folder. An empty, truncated, non-JSON or non-object file is refused with a
 * message naming it and saying which of these it is.
 */
export function parseModelJson(bytes: Uint8Array, path: string, location: string): Record<string, unknown> {
  const where = `${location}: ${path}`;
  if (bytes.length === 0) throw new ModelSourceError(`${where} is empty (0 bytes)`, "EMPTY_FILE");
  const text = new TextDecoder().decode(bytes);
  if (!text.trim()) throw new ModelSourceError(`${where} holds only whitespace (${bytes.length} bytes)`, "EMPTY_FILE");
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    const standIn = describeTextStandIn(bytes);
    if (standIn) throw new ModelSourceError(`${where} is ${standIn}`, "CORRUPT_FILE");
    const cut = endsInsideJson(text);
    if (cut) {
      throw new ModelSourceError(
        `${where} is truncated: the JSON ends at byte ${bytes.length} ${cut} ` +
          `(the file is ${bytes.length} bytes; a complete download is needed)`,
        "TRUNCATED_FILE",
      );
    }
    throw new ModelSourceError(`${where} is not valid JSON: ${(e as Error).message}`, "BAD_JSON");
  }
  if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  const found = Array.isArray(v) ? "an array" : v === null ? "null" : `a ${typeof v}`;
  throw new ModelSourceError(`${where} is not a JSON object (it holds ${found})`, "BAD_JSON");
}

/** A damaged file's error as a ModelSourceError, after dropping the reader's cached copy of it. */
async function damaged(reader: ModelFileReader, path: string, e: unknown): Promise<never> {
  if (!(e instanceof OnnxFileError || (e instanceof ModelSourceError && DAMAGE_CODES.has(e.code)))) throw e;
  const dropped = (await reader.forget?.(path)) ?? false;
  const hint = dropped ? "; its cached copy was dropped, so loading again downloads it anew" : "";
  const message = e instanceof OnnxFileError ? `${reader.location}: ${e.message}` : e.message;
  throw new ModelSourceError(`${message}${hint}`, e.code as ModelSourceError["code"]);
}

const DAMAGE_CODES = new Set<string>(["EMPTY_FILE", "TRUNCATED_FILE", "CORRUPT_FILE"]);

/**
 * Reads a model folder: config.json, tokenizer.json, tokenizer_config.json (optional), chat_template.jinja
 * (optional, read only when tokenizer_config.json has no `chat_template`), the first ONNX graph of `onnxNames` that
 * exists and the external-data files its initializers name (read beside the graph).
 * `onProgress` reports the fraction read of each big file (the graph, then each external-data file) with its path.
 */
export async function readModelFolder(
  reader: ModelFileReader,
  onnxNames: readonly string[],
  onProgress?: (fraction: number, path: string) => void,
): Promise<ModelFolder> {
  let bytes = 0;
  const need = async (path: string) => {
    const b = await reader.read(path);
    if (!b) {
      const why = reader.whyMissing?.(path);
      throw new ModelSourceError(`${reader.location}: ${path} is missing${why ? ` (${why})` : ""}`, "MISSING_FILE");
    }
    bytes += b.length;
    return b;
  };
  const json = async (path: string, bytes: Uint8Array) => {
    try {
      return parseModelJson(bytes, path, reader.location);
    } catch (e) {
      return damaged(reader, path, e);
    }
  };
  const config = await json("config.json", await need("config.json"));
  const tokenizerJson = await json("tokenizer.json", await need("tokenizer.json"));
  const tc = await reader.read("tokenizer_config.json");
  const tokenizerConfig = tc ? await json("tokenizer_config.json", tc) : {};
  // Asked for only when tokenizer_config.json has no template: over HTTP a missing file is a 404 that the browser
  // logs as a console error on every model load. Recent transformers' save_pretrained moves the template out of
  // tokenizer_config.json into this file, so a config that still carries one comes from an export without it.
  const template = tokenizerConfig.chat_template ? null : await reader.read("chat_template.jinja");
  let onnxPath = "";
  let onnx: Uint8Array | null = null;
  for (const name of onnxNames) {
    onnx = await reader.read(name, (loaded, total) => total && onProgress?.(Math.min(1, loaded / total), name));
    if (onnx) {
      onnxPath = name;
      break;
    }
  }
  if (!onnx) {
    const message =
      onnxNames.length === 1
        ? `the requested ONNX graph ${onnxNames[0]} is missing`
        : `no ONNX graph found (looked for ${onnxNames.join(", ")})`;
    throw new ModelSourceError(`${reader.location}: ${message}`, "MISSING_FILE");
  }
  bytes += onnx.length + (tc?.length ?? 0) + (template?.length ?? 0);
  try {
    checkOnnxFile(onnx, onnxPath);
  } catch (e) {
    await damaged(reader, onnxPath, e);
  }
  let extents: ReturnType<typeof readExternalDataExtents>;
  try {
    extents = readExternalDataExtents(onnx);
  } catch (e) {
    throw new ModelSourceError(`${reader.location}: ${onnxPath}: ${(e as Error).message}`, "BAD_GRAPH");
  }
  const externalData: ModelFolder["externalData"] = [];
  const graphDir = onnxPath.slice(0, onnxPath.lastIndexOf("/") + 1);
  for (const extent of extents) {
    const location = extent.location;
    const file = graphDir + location.replace(/\\/g, "/");
    const data = await reader.read(file, (loaded, total) => total && onProgress?.(Math.min(1, loaded / total), file));
    if (!data) {
      const why = reader.whyMissing?.(file);
      throw new ModelSourceError(
        `${reader.location}: ${onnxPath} keeps its weights in external data "${location}", which is missing${why ? ` (${why})` : ""}`,
        "MISSING_FILE",
      );
    }
    try {
      checkExternalDataSize(extent, data, file);
    } catch (e) {
      await damaged(reader, file, e);
    }
    // ORT (web and node) matches external data by the `location` string exactly as the graph writes it.
    externalData.push({ path: location, data });
    bytes += data.length;
  }
  onProgress?.(1, onnxPath);
  return {
    location: reader.location,
    config,
    tokenizerJson,
    tokenizerConfig,
    chatTemplate: template ? new TextDecoder().decode(template) : undefined,
    onnxPath,
    onnx,
    externalData,
    bytes,
    notices: reader.notices?.() ?? [],
  };
}

/**
 * Architectures of reward models: transformers' `*ForSequenceClassification` (decoders and encoders alike) and the
 * custom reward heads released with `trust_remote_code` (ArmoRM's `LlamaForRewardModelWithGating`, Starling's
 * `LlamaForRewardModel`, `*RewardModel`).
 */
const REWARD_ARCHITECTURE = /ForSequenceClassification$|RewardModel/;

/** What kind of model a config.json describes: a reward model (sequence classification) or a causal LM. */
export function modelKind(config: Record<string, unknown>): "lm" | "rm" {
  const arch = Array.isArray(config.architectures) ? config.architectures.map(String) : [];
  return arch.some((a) => REWARD_ARCHITECTURE.test(a)) ? "rm" : "lm";
}

/**
 * model_type values of encoder (bidirectional) classifiers, which read a text pair and pool their first token;
 * every other reward model is taken for a decoder classifier.
 */
const ENCODER_MODEL_TYPES = new Set([
  "albert",
  "bert",
  "camembert",
  "deberta",
  "deberta-v2",
  "distilbert",
  "electra",
  "ernie",
  "longformer",
  "mpnet",
  "modernbert",
  "roberta",
  "xlm-roberta",
]);

/** Whether a reward model's config.json describes an encoder classifier (BERT / RoBERTa / DeBERTa-v2 ...). */
export function isEncoderConfig(config: Record<string, unknown>): boolean {
  return typeof config.model_type === "string" && ENCODER_MODEL_TYPES.has(config.model_type);
}

/**
 * Lower-case hex SHA-256 over the parts: each part is digested on its own and the digests are digested together,
 * so file boundaries count and a multi-GB graph is never copied into one buffer.
 */
export async function hashParts(parts: readonly Uint8Array[]): Promise<string> {
  const digests = new Uint8Array(parts.length * 32);
  for (let i = 0; i < parts.length; i++) {
    digests.set(new Uint8Array(await crypto.subtle.digest("SHA-256", parts[i] as Uint8Array<ArrayBuffer>)), i * 32);
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", digests));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Identity of a model folder's contents: SHA-256 over the graph, its external data, config and tokenizer files. */
export async function modelFolderHash(folder: ModelFolder): Promise<string> {
  const enc = new TextEncoder();
  return hashParts([
    folder.onnx,
    ...folder.externalData.map((d) => d.data),
    enc.encode(JSON.stringify(folder.config)),
    enc.encode(JSON.stringify(folder.tokenizerJson)),
    enc.encode(JSON.stringify(folder.tokenizerConfig)),
    enc.encode(folder.chatTemplate ?? ""),
  ]);
}
