/**
 * Turns a causal-LM folder into a ready generator on any ONNX Runtime build (onnxruntime-node in the CLI,
 * onnxruntime-web in a worker): the graph gets the `last_logits` rewrite, stop tokens come from
 * generation_config.json, config.json and the tokenizer, and the context length from config.json.
 */
import { readOpTypes } from "@/lib/onnx/onnx-model";
import { isDemoConfig } from "@/lib/scoring/demo-check";
import type { TensorCtor } from "@/lib/scoring/engine";
import { ModelLoadError, type OrtModule } from "@/lib/scoring/model-loader";
import {
  modelFolderHash,
  modelKind,
  ModelSourceError,
  type ModelFileReader,
  type ModelFolder,
} from "@/lib/scoring/model-source";
import { createScoringTokenizer, type ScoringTokenizer } from "@/lib/scoring/tokenize";
import { createKvDecoder } from "./decoder";
import { contextLengthOf, createGenerator, type Generator } from "./generator";
import { addLastLogitsOutput } from "./last-logits-graph";

/** A causal LM loaded for generation. */
export interface LoadedGenerator {
  kind: "generator";
  /** The folder's content hash (the same as the scorer's for the same folder). */
  hash: string;
  tokenizer: ScoringTokenizer;
  generator: Generator;
  folder: Omit<ModelFolder, "onnx" | "externalData">;
  isDemo: boolean;
  release(): Promise<void>;
}

function ids(v: unknown): number[] {
  const list = Array.isArray(v) ? v : [v];
  return list.filter((x): x is number => typeof x === "number" && Number.isInteger(x));
}

/**
 * The ids that end a sample: generation_config.json's `eos_token_id` (one id or a list, as Llama 3 has), else
 * config.json's, plus the tokenizer's EOS. HF `generate` stops on the generation config's ids; the tokenizer's
 * is added because chat models whose config names only the base EOS still close a turn with the template's.
 */
export function stopTokenIdsOf(
  tokenizer: ScoringTokenizer,
  config: Record<string, unknown>,
  generationConfig: Record<string, unknown> = {},
): number[] {
  const fromConfig = ids(generationConfig.eos_token_id);
  const out = new Set(fromConfig.length ? fromConfig : ids(config.eos_token_id));
  if (tokenizer.eosTokenId !== null) out.add(tokenizer.eosTokenId);
  return [...out].sort((a, b) => a - b);
}

/** generation_config.json of a folder, or {} when it has none (it is optional in HF folders). */
export async function readGenerationConfig(reader: ModelFileReader): Promise<Record<string, unknown>> {
  const bytes = await reader.read("generation_config.json");
  if (!bytes) return {};
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new ModelSourceError(`${reader.location}: generation_config.json is not a JSON object`, "BAD_JSON");
}

/**
 * Creates the generation session and generator. `sessionOptions` go to `InferenceSession.create`; do not ask for
 * GPU-resident outputs (`preferredOutputLocation`): the generator moves cache rows in JS.
 */
export async function loadGenerator(
  folder: ModelFolder,
  ort: OrtModule,
  sessionOptions: Record<string, unknown> = {},
  generationConfig: Record<string, unknown> = {},
): Promise<LoadedGenerator> {
  if (modelKind(folder.config) !== "lm") {
    throw new ModelLoadError(
      `${folder.location} is a reward model (sequence classification); generation needs a causal language model`,
      "WRONG_KIND",
    );
  }
  const hash = await modelFolderHash(folder);
  const tokenizer = createScoringTokenizer(
    folder.tokenizerJson,
    folder.tokenizerConfig,
    folder.config,
    folder.chatTemplate,
  );
  const bytes = addLastLogitsOutput(folder.onnx);
  const options = folder.externalData.length
    ? { ...sessionOptions, externalData: folder.externalData.map((d) => ({ path: d.path, data: d.data })) }
    : sessionOptions;
  let session: Parameters<typeof createKvDecoder>[0] & { release?: () => Promise<void> };
  try {
    session = (await ort.InferenceSession.create(bytes, options)) as typeof session;
  } catch (e) {
    throw new ModelLoadError(`ONNX Runtime cannot open ${folder.onnxPath}: ${(e as Error).message}`, "SESSION_FAILED");
  }
  let decoder: ReturnType<typeof createKvDecoder>;
  try {
    decoder = createKvDecoder(session, ort.Tensor as TensorCtor, folder.config, readOpTypes(bytes));
  } catch (e) {
    // A graph the decoder refuses (no KV cache...) must not leave its session holding memory.
    await session.release?.();
    throw e;
  }
  const generator = createGenerator(decoder, {
    stopTokenIds: stopTokenIdsOf(tokenizer, folder.config, generationConfig),
    contextLength: contextLengthOf(folder.config),
  });
  const { onnx: _onnx, externalData: _external, ...meta } = folder;
  return {
    kind: "generator",
    hash,
    tokenizer,
    generator,
    folder: meta,
    isDemo: isDemoConfig(folder.config),
    release: async () => session.release?.(),
  };
}
