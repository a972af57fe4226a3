/**
 * Where a model folder comes from (picked local files, a base URL, or a Hugging Face Hub id) and how its files
 * are read: config.json, tokenizer files, one ONNX graph (a quantised variant when asked) and its external data.
 * Pure TypeScript: the browser worker and the CLI both hand in a `ModelFileReader`.
 */
/** Where to read a model folder from. */
export type ModelSource =
  /** Files picked with a directory or multi-file input; `path` is relative to the model folder. */
  | { kind: "files"; files: { path: string; data: Blob | ArrayBuffer | Uint8Array }[] }
  /** A folder served over HTTP(S) (or the app's own static `/models/...`). */
  | { kind: "url"; baseUrl: string }
  /** `org/name` on the Hugging Face Hub, read through its `resolve/<revision>/` URLs. */
  | { kind: "hub"; id: string; revision?: string };

/** A model folder that cannot be used; `code` is stable for UI messages. */
export class ModelSourceError extends Error {
  constructor(
    message: string,
    readonly code: "BAD_LOCATION" | "MISSING_FILE" | "BAD_JSON" | "FETCH_FAILED",
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
}

/** URL of a file of a Hub repository (Hub's download route; works for LFS files too). */
export function hubFileUrl(id: string, file: string, revision = "main"): string {
  const repo = id
    .split("/")
    .map((s) => encodeURIComponent(s))
    .join("/");
  return `https://huggingface.co/${repo}/resolve/${encodeURIComponent(revision)}/${file}`;
}

const HUB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Parses what the user typed in "Model URL or Hub id": `http(s)://...` or a `/path/` on this site is a URL;
 * `org/name` is a Hub id. Anything else is refused with a message saying what is accepted.
 */
export function parseModelLocation(text: string): ModelSource {
  const t = text.trim();
  if (/^https?:\/\//i.test(t) || t.startsWith("/")) return { kind: "url", baseUrl: t.endsWith("/") ? t : `${t}/` };
  if (HUB_ID.test(t)) return { kind: "hub", id: t };
  throw new ModelSourceError(
    `"${t}" is neither a URL (https://… or /models/…) nor a Hub id (org/name)`,
    "BAD_LOCATION",
  );
}

/** Base URL of a URL or Hub source (what a reader fetches `<base><file>` from). */
export function sourceBaseUrl(source: Exclude<ModelSource, { kind: "files" }>): string {
  return source.kind === "url" ? source.baseUrl : hubFileUrl(source.id, "", source.revision);
}

/**
 * Normalises picked paths: a directory input gives `folder/onnx/model.onnx` (webkitRelativePath), a multi-file
 * input gives bare names. The common top folder is dropped; a bare `*.onnx` name is placed under `onnx/`.
 */
export function normaliseFolderPaths(paths: readonly string[]): string[] {
  const split = paths.map((p) => p.replace(/\\/g, "/").split("/").filter(Boolean));
  const first = split[0]?.[0];
  const common = split.length > 0 && split.every((s) => s.length > 1 && s[0] === first);
  return split.map((s) => {
    const rel = (common ? s.slice(1) : s).join("/");
    return /^[^/]+\.onnx(_data)?$/.test(rel) ? `onnx/${rel}` : rel;
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

/** ONNX graphs to try, best first. fp32 first: margins are differences of small numbers, quantisation blurs them. */
export function onnxCandidates(options: { webgpu: boolean; shaderF16: boolean }): string[] {
  const names = ["onnx/model.onnx"];
  // fp16 kernels need the shader-f16 feature on WebGPU; on WASM they are emulated and slower than fp32.
  if (options.webgpu && options.shaderF16) names.push("onnx/model_fp16.onnx");
  names.push("onnx/model_quantized.onnx", "onnx/model_q4.onnx");
  return names;
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
  /** External weights (`model.onnx_data`), with the file name the graph refers to. */
  externalData: { path: string; data: Uint8Array }[];
  /** Bytes read in total. */
  bytes: number;
}

function parseJson(bytes: Uint8Array, path: string, location: string): Record<string, unknown> {
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new ModelSourceError(`${location}: ${path} is not a JSON object`, "BAD_JSON");
}

/**
 * Reads a model folder: config.json, tokenizer.json, tokenizer_config.json (optional), chat_template.jinja
 * (optional), the first ONNX graph of `onnxNames` that exists and its `_data` file when present.
 * `onProgress` reports the fraction of the graph bytes read (the big file).
 */
export async function readModelFolder(
  reader: ModelFileReader,
  onnxNames: readonly string[],
  onProgress?: (fraction: number) => void,
): Promise<ModelFolder> {
  let bytes = 0;
  const need = async (path: string) => {
    const b = await reader.read(path);
    if (!b) throw new ModelSourceError(`${reader.location}: ${path} is missing`, "MISSING_FILE");
    bytes += b.length;
    return b;
  };
  const config = parseJson(await need("config.json"), "config.json", reader.location);
  const tokenizerJson = parseJson(await need("tokenizer.json"), "tokenizer.json", reader.location);
  const tc = await reader.read("tokenizer_config.json");
  const tokenizerConfig = tc ? parseJson(tc, "tokenizer_config.json", reader.location) : {};
  const template = await reader.read("chat_template.jinja");
  let onnxPath = "";
  let onnx: Uint8Array | null = null;
  for (const name of onnxNames) {
    onnx = await reader.read(name, (loaded, total) => total && onProgress?.(Math.min(1, loaded / total)));
    if (onnx) {
      onnxPath = name;
      break;
    }
  }
  if (!onnx) {
    throw new ModelSourceError(
      `${reader.location}: no ONNX graph found (looked for ${onnxNames.join(", ")})`,
      "MISSING_FILE",
    );
  }
  bytes += onnx.length + (tc?.length ?? 0) + (template?.length ?? 0);
  const externalData: ModelFolder["externalData"] = [];
  const dataName = `${onnxPath}_data`;
  const data = await reader.read(dataName);
  if (data) {
    // ORT resolves external data by the `location` stored in the graph, which Optimum writes as the bare file name.
    externalData.push({ path: dataName.slice(dataName.lastIndexOf("/") + 1), data });
    bytes += data.length;
  }
  onProgress?.(1);
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
  };
}

/** What kind of model a config.json describes: a reward model (sequence classification) or a causal LM. */
export function modelKind(config: Record<string, unknown>): "lm" | "rm" {
  const arch = Array.isArray(config.architectures) ? config.architectures.map(String) : [];
  return arch.some((a) => a.endsWith("ForSequenceClassification")) ? "rm" : "lm";
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
