/**
 * Turns a model folder into a ready scorer on any ONNX Runtime build (onnxruntime-web in the worker,
 * onnxruntime-node in the CLI): causal LMs get the log-prob graph rewrite, reward models are used as exported.
 */
import { createLogprobScorer, type InferenceSessionLike, type LogprobScorer, type TensorCtor } from "./engine";
import { checkOnnxFile, OnnxFileError, readModelInfo, readOpTypes } from "@/lib/onnx/onnx-model";
import { addTokenLogprobOutput } from "./logprob-graph";
import { isDemoConfig } from "./demo-check";
import { modelFolderHash, modelKind, type ModelFolder } from "./model-source";
import { createRewardScorer, type RewardScorer } from "./reward";
import { createScoringTokenizer, type ScoringTokenizer } from "./tokenize";

/** The part of an ONNX Runtime module the loader needs (both onnxruntime-web and onnxruntime-node fit). */
export interface OrtModule {
  Tensor: unknown;
  InferenceSession: {
    create(model: Uint8Array, options?: Record<string, unknown>): Promise<unknown>;
  };
}

/** A loaded causal LM: scores response log-probs. */
export interface LoadedLanguageModel {
  kind: "lm";
  hash: string;
  tokenizer: ScoringTokenizer;
  scorer: LogprobScorer;
  folder: Omit<ModelFolder, "onnx" | "externalData">;
  isDemo: boolean;
  release(): Promise<void>;
}

/** A loaded reward model: scores whole conversations. */
export interface LoadedRewardModel {
  kind: "rm";
  hash: string;
  tokenizer: ScoringTokenizer;
  scorer: RewardScorer;
  folder: Omit<ModelFolder, "onnx" | "externalData">;
  isDemo: boolean;
  release(): Promise<void>;
}

/** Either kind of loaded model. */
export type LoadedModel = LoadedLanguageModel | LoadedRewardModel;

/** A model of the wrong kind for its slot, or one ORT cannot open. */
export class ModelLoadError extends Error {
  constructor(
    message: string,
    readonly code: "WRONG_KIND" | "SESSION_FAILED" | "NO_PAD_TOKEN" | "EMPTY_FILE" | "TRUNCATED_FILE" | "CORRUPT_FILE",
  ) {
    super(message);
    this.name = "ModelLoadError";
  }
}

/**
 * On WebGPU, keeps a decoder's `present.*` outputs on the GPU (`preferredOutputLocation: "gpu-buffer"`): prompt
 * sharing feeds them straight back as `past_key_values.*` for the chosen and the rejected continuation, so the
 * prompt's KV cache never travels to JavaScript and back. Other backends are returned unchanged.
 */
export function withGpuResidentCache(model: Uint8Array, options: Record<string, unknown>): Record<string, unknown> {
  const eps = options.executionProviders;
  if (!Array.isArray(eps) || !eps.some((e) => e === "webgpu" || (e as { name?: string })?.name === "webgpu"))
    return options;
  const present = readModelInfo(model)
    .outputs.map((o) => o.name)
    .filter((n) => n.startsWith("present"));
  if (!present.length) return options;
  return { ...options, preferredOutputLocation: Object.fromEntries(present.map((n) => [n, "gpu-buffer"])) };
}

/**
 * Creates the session and scorer. `expect` is the slot's kind ("lm" for policy/reference, "rm" for reward);
 * `sessionOptions` go to `InferenceSession.create` (execution providers, threads) with external data added.
 */
export async function loadModel(
  folder: ModelFolder,
  ort: OrtModule,
  expect: "lm" | "rm",
  sessionOptions: Record<string, unknown> = {},
): Promise<LoadedModel> {
  const kind = modelKind(folder.config);
  if (kind !== expect) {
    const what = kind === "rm" ? "a reward model (sequence classification)" : "a causal language model";
    throw new ModelLoadError(`${folder.location} is ${what}; this slot needs the other kind`, "WRONG_KIND");
  }
  // readModelFolder has checked the graph already; a folder built another way (tests, callers of the library) is
  // checked here, so a damaged file is named as such rather than failing later as a missing output.
  try {
    checkOnnxFile(folder.onnx, folder.onnxPath);
  } catch (e) {
    if (e instanceof OnnxFileError) throw new ModelLoadError(`${folder.location}: ${e.message}`, e.code);
    throw e;
  }
  const hash = await modelFolderHash(folder);
  const tokenizer = createScoringTokenizer(
    folder.tokenizerJson,
    folder.tokenizerConfig,
    folder.config,
    folder.chatTemplate,
  );
  const bytes = kind === "lm" ? addTokenLogprobOutput(folder.onnx) : folder.onnx;
  sessionOptions = kind === "lm" ? withGpuResidentCache(bytes, sessionOptions) : sessionOptions;
  // Both builds take external data in memory as `{ path, data }`: onnxruntime-node's binding reads
  // `sessionOptions.externalData` too (checked with 1.30), so the CLI needs no temp folder beside the graph bytes.
  const options = folder.externalData.length
    ? { ...sessionOptions, externalData: folder.externalData.map((d) => ({ path: d.path, data: d.data })) }
    : sessionOptions;
  let session: InferenceSessionLike & { release?: () => Promise<void> };
  try {
    session = (await ort.InferenceSession.create(bytes, options)) as typeof session;
  } catch (e) {
    throw new ModelLoadError(`ONNX Runtime cannot open ${folder.onnxPath}: ${(e as Error).message}`, "SESSION_FAILED");
  }
  const { onnx: _onnx, externalData: _external, ...meta } = folder;
  const common = {
    hash,
    tokenizer,
    folder: meta,
    isDemo: isDemoConfig(folder.config),
    release: async () => session.release?.(),
  };
  const Tensor = ort.Tensor as TensorCtor;
  if (kind === "lm") {
    // The graph's op types decide how the engine may batch (GroupQueryAttention cannot take masks with holes).
    const scorer = createLogprobScorer(session, Tensor, folder.config, { opTypes: readOpTypes(bytes) });
    return { kind, ...common, scorer };
  }
  // The exported classifier pools the last token that is not config.json's pad_token_id, inside the graph.
  const pad = typeof folder.config.pad_token_id === "number" ? folder.config.pad_token_id : tokenizer.padTokenId;
  if (pad === null) throw new ModelLoadError("reward model config.json has no pad_token_id", "NO_PAD_TOKEN");
  return { kind, ...common, scorer: createRewardScorer(session, Tensor, pad) };
}
