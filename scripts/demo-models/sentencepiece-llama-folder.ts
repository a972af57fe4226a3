/**
 * A Hugging Face model folder (onnx-community layout) of a tiny seeded Llama-architecture decoder whose vocabulary
 * is a genuine sentencepiece tokenizer's (TinyLlama-1.1B-Chat-v1.0's 32,000 ids, from ../shared/tokenizers/): the
 * tokenizer files and their chat template are copied byte for byte, only the weights are made up. It exercises
 * what a real Llama-2-family folder brings (BOS from the tokenizer's post-processor, byte fallback, a template that
 * emits no BOS, PAD = EOS) at a size a browser test loads in a second.
 */
import { buildTinyLlamaLm, createTinyLlamaWeights, tinyLlamaConfigJson, type TinyLlamaConfig } from "./tiny-llama";

/** TinyLlama-1.1B's shape (vocabulary, GQA 2:1, RMSNorm eps, rope theta) on a tiny width. */
export const SENTENCEPIECE_TINY_LLAMA: TinyLlamaConfig = {
  vocabSize: 32_000,
  hiddenSize: 32,
  intermediateSize: 64,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  ropeTheta: 10000,
  rmsNormEps: 1e-5,
  attentionBias: false,
  tieWordEmbeddings: false,
  finalLogitSoftcapping: null,
};

/** The tokenizer folder's files as read from disk; `special_tokens_map.json` is copied when given. */
export interface TokenizerFiles {
  "tokenizer.json": Uint8Array;
  "tokenizer_config.json": Uint8Array;
  "special_tokens_map.json"?: Uint8Array;
}

function parseObject(bytes: Uint8Array, name: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new Error(`${name}: not valid JSON (${(e as Error).message})`);
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error(`${name}: expected a JSON object`);
  return v as Record<string, unknown>;
}

/** Number of ids a tokenizer.json defines: its model's vocabulary plus added tokens past it. */
export function tokenizerVocabSize(tokenizerJson: Record<string, unknown>): number {
  const model = tokenizerJson.model as { vocab?: unknown } | undefined;
  const vocab = model?.vocab;
  if (!vocab || typeof vocab !== "object") throw new Error("tokenizer.json: model.vocab is missing");
  const ids = Array.isArray(vocab)
    ? vocab.map((_, i) => i) // Unigram: [piece, score] pairs, id = index
    : Object.values(vocab as Record<string, number>);
  const added = ((tokenizerJson.added_tokens ?? []) as { id: number }[]).map((t) => t.id);
  return Math.max(-1, ...ids, ...added) + 1;
}

/**
 * The folder's files by relative path: config.json (transformers' keys for this shape, the tokenizer's BOS/EOS ids,
 * 2048 positions), the tokenizer files verbatim, onnx/model.onnx (Optimum's with-past decoder, float32, weights
 * inline). Throws when the tokenizer's vocabulary is not `cfg.vocabSize` (the logits would not line up with ids).
 */
export function buildSentencepieceLlamaFolder(
  tokenizer: TokenizerFiles,
  seed = 7,
  cfg: TinyLlamaConfig = SENTENCEPIECE_TINY_LLAMA,
): Record<string, string | Uint8Array> {
  const tokenizerJson = parseObject(tokenizer["tokenizer.json"], "tokenizer.json");
  const tokenizerConfig = parseObject(tokenizer["tokenizer_config.json"], "tokenizer_config.json");
  const size = tokenizerVocabSize(tokenizerJson);
  if (size !== cfg.vocabSize) {
    throw new Error(`tokenizer.json defines ${size} ids, expected ${cfg.vocabSize} (the model's vocab_size)`);
  }
  if (typeof tokenizerConfig.chat_template !== "string") {
    throw new Error("tokenizer_config.json: chat_template is missing (the folder is meant to carry a real template)");
  }
  const idOf = (field: string): number | null => {
    const content = tokenizerConfig[field];
    const token = ((tokenizerJson.added_tokens ?? []) as { id: number; content: string }[]).find(
      (t) => t.content === content,
    );
    return token?.id ?? null;
  };
  const config = {
    ...tinyLlamaConfigJson(cfg, "llama"),
    bos_token_id: idOf("bos_token"),
    eos_token_id: idOf("eos_token"),
    hidden_act: "silu",
    max_position_embeddings: 2048,
    torch_dtype: "float32",
    use_cache: true,
  };
  const { onnx } = buildTinyLlamaLm(cfg, createTinyLlamaWeights(cfg, seed));
  const files: Record<string, string | Uint8Array> = {
    "config.json": JSON.stringify(config, null, 2) + "\n",
    "tokenizer.json": tokenizer["tokenizer.json"],
    "tokenizer_config.json": tokenizer["tokenizer_config.json"],
    "onnx/model.onnx": onnx,
  };
  if (tokenizer["special_tokens_map.json"]) files["special_tokens_map.json"] = tokenizer["special_tokens_map.json"];
  return files;
}
