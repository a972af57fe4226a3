/**
 * Turns a model folder into a ready scorer on any ONNX Runtime build (onnxruntime-web in the worker,
 * onnxruntime-node in the CLI): causal LMs get the log-prob graph rewrite, reward models are used as exported.
 */
import {
  createLogprobScorer,
  ScoringEngineError,
  type InferenceSessionLike,
  type LogprobScorer,
  type TensorCtor,
} from "./engine";
import { checkOnnxFile, OnnxFileError, readModelInfo, readOpTypes } from "@/lib/onnx/onnx-model";
import { addTokenLogprobOutput } from "./logprob-graph";
import { isDemoConfig } from "./demo-check";
import { isEncoderConfig, modelFolderHash, modelKind, type ModelFolder } from "./model-source";
import { createRewardScorer, type RewardScorer } from "./reward";
import {
  formatRewardOutput,
  isDefaultRewardOutput,
  type RewardGraphOutput,
  type RewardOutputChoice,
} from "./reward-outputs";
import type { RewardTokenization } from "./sequence";
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

/** A loaded reward model: scores whole conversations (decoders) or question/answer pairs (encoders). */
export interface LoadedRewardModel {
  kind: "rm";
  hash: string;
  tokenizer: ScoringTokenizer;
  scorer: RewardScorer;
  folder: Omit<ModelFolder, "onnx" | "externalData">;
  isDemo: boolean;
  /** Decoder classifier (causal, pooled at the last non-pad token) or encoder classifier (text pair, first token). */
  architecture: "decoder" | "encoder";
  /** How rows become this model's input (pass to `tokenizeForReward`). */
  tokenization: RewardTokenization;
  /** The graph's outputs with their declared dims (the rewards a user may pick from). */
  outputs: RewardGraphOutput[];
  /**
   * "" when the scorer reads the default output, else `name:index`: joins the stored-results key, so scores of
   * different outputs of one model never mix.
   */
  outputKey: string;
  /** The same model (same session) reading another output or label as the reward; throws for one it lacks. */
  withOutput(choice: RewardOutputChoice): LoadedRewardModel;
  release(): Promise<void>;
}

/** Either kind of loaded model. */
export type LoadedModel = LoadedLanguageModel | LoadedRewardModel;

/** A model of the wrong kind for its slot, or one ORT cannot open. */
export class ModelLoadError extends Error {
  constructor(
    message: string,
    readonly code:
      | "WRONG_KIND"
      | "SESSION_FAILED"
      | "NO_PAD_TOKEN"
      | "BAD_OUTPUT"
      | "EMPTY_FILE"
      | "TRUNCATED_FILE"
      | "CORRUPT_FILE",
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
  return createLoadedRewardModel(folder, bytes, session, Tensor, common);
}

/** Token limit of an encoder: its position table and the tokenizer's model_max_length, whichever is smaller. */
function encoderMaxTokens(folder: ModelFolder): number {
  const limits = [folder.config.max_position_embeddings, folder.tokenizerConfig.model_max_length].filter(
    (v): v is number => typeof v === "number" && v > 0 && v < 1e9,
  );
  return limits.length ? Math.min(...limits) : 512;
}

function createLoadedRewardModel(
  folder: ModelFolder,
  bytes: Uint8Array,
  session: InferenceSessionLike,
  Tensor: TensorCtor,
  common: Pick<LoadedRewardModel, "hash" | "tokenizer" | "folder" | "isDemo" | "release">,
): LoadedRewardModel {
  const architecture = isEncoderConfig(folder.config) ? "encoder" : "decoder";
  const info = readModelInfo(bytes);
  const graph = {
    inputs: info.inputs.map((v) => ({ name: v.name, dims: v.dims })),
    outputs: info.outputs.map((v) => ({ name: v.name, dims: v.dims })),
  };
  // A decoder's export pools on config.json's pad_token_id, a constant in the graph: the tokenizer's pad would be the
  // wrong id to pad with. Without one, transformers pools the last token and scores one sequence at a time.
  const configPad = typeof folder.config.pad_token_id === "number" ? folder.config.pad_token_id : null;
  const pad = architecture === "encoder" ? (configPad ?? common.tokenizer.padTokenId ?? 0) : configPad;
  const tokenization: RewardTokenization =
    architecture === "encoder" ? { kind: "text-pair", maxTokens: encoderMaxTokens(folder) } : { kind: "conversation" };
  const make = (output?: RewardOutputChoice): LoadedRewardModel => {
    let scorer: RewardScorer;
    try {
      scorer = createRewardScorer(session, Tensor, pad, { output, architecture, graph });
    } catch (e) {
      if (e instanceof ScoringEngineError) throw new ModelLoadError(`${folder.location}: ${e.message}`, "BAD_OUTPUT");
      throw e;
    }
    return {
      kind: "rm",
      ...common,
      scorer,
      architecture,
      tokenization,
      outputs: graph.outputs,
      outputKey: isDefaultRewardOutput(scorer.output, session.outputNames) ? "" : formatRewardOutput(scorer.output),
      withOutput: (choice) => make(choice),
    };
  };
  return make();
}
