/**
 * Tokenizer + chat template of a Hugging Face model folder (tokenizer.json, tokenizer_config.json), with the
 * special-token ids the scoring code needs. Wraps @huggingface/tokenizers and @huggingface/jinja; no network.
 */
import { Tokenizer } from "@huggingface/tokenizers";
import { Template } from "@huggingface/jinja";

/** One chat turn. */
export interface ChatMessage {
  role: string;
  content: string;
}

/** What sequence construction needs from a tokenizer. */
export interface ScoringTokenizer {
  /** Token ids of `text` without special tokens added (TRL calls `tokenizer(text, add_special_tokens=False)`). */
  encode(text: string): number[];
  /** Token ids with the tokenizer's own special tokens (its post-processor, e.g. Llama's BOS): `tokenizer(text)`. */
  encodeWithSpecialTokens?(text: string): number[];
  /**
   * `tokenizer(text, pair)`: a text pair through the post-processor (e.g. BERT's `[CLS] A [SEP] B [SEP]`), with each
   * token's segment (token_type_ids). Encoder reward models read question and answer so.
   */
  encodePair?(text: string, pair: string): { ids: number[]; typeIds: number[] };
  /** Renders the chat template; throws when there is none (check `hasChatTemplate`). */
  applyChatTemplate(messages: ChatMessage[], addGenerationPrompt: boolean): string;
  decode(ids: readonly number[]): string;
  hasChatTemplate: boolean;
  bosTokenId: number | null;
  eosTokenId: number | null;
  padTokenId: number | null;
}

/** Failure to load a tokenizer folder; `code` is stable for UI messages. */
export class TokenizerLoadError extends Error {
  constructor(
    message: string,
    readonly code: "BAD_TOKENIZER" | "BAD_TEMPLATE",
  ) {
    super(message);
  }
}

// tokenizer_config.json writes special tokens either as strings or as serialised AddedToken objects.
function tokenString(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && typeof (v as { content?: unknown }).content === "string") {
    return (v as { content: string }).content;
  }
  return null;
}

function pickTemplate(v: unknown): string | null {
  if (typeof v === "string") return v;
  // Newer configs may hold a list of named templates; "default" is what apply_chat_template uses.
  if (Array.isArray(v)) {
    const named = v as { name?: string; template?: string }[];
    return (named.find((t) => t.name === "default") ?? named[0])?.template ?? null;
  }
  return null;
}

/**
 * Creates the scoring tokenizer. `modelConfig` (config.json) supplies eos/pad ids when tokenizer_config.json
 * has no such token; `chatTemplate` overrides the config's (e.g. a separate chat_template.jinja file).
 */
export function createScoringTokenizer(
  tokenizerJson: object,
  tokenizerConfig: Record<string, unknown>,
  modelConfig: Record<string, unknown> = {},
  chatTemplate?: string,
): ScoringTokenizer {
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
  } catch (e) {
    throw new TokenizerLoadError(`cannot load tokenizer.json: ${(e as Error).message}`, "BAD_TOKENIZER");
  }
  const source = chatTemplate ?? pickTemplate(tokenizerConfig.chat_template);
  let template: Template | null = null;
  if (source) {
    try {
      template = new Template(source);
    } catch (e) {
      throw new TokenizerLoadError(`cannot parse chat template: ${(e as Error).message}`, "BAD_TEMPLATE");
    }
  }
  const specials: Record<string, string | null> = {};
  for (const k of ["bos_token", "eos_token", "pad_token", "unk_token"]) specials[k] = tokenString(tokenizerConfig[k]);
  // HF semantics: tokenizer.eos_token_id etc. come from the tokenizer files only; config.json is the fallback
  // for eos/pad (some exports omit them from tokenizer_config.json), never for bos, which TRL would prepend.
  const idOf = (key: string, configKey: string | null): number | null => {
    const s = specials[key];
    const id = s != null ? tokenizer.token_to_id(s) : undefined;
    if (id !== undefined) return id;
    const fromCfg = configKey ? modelConfig[configKey] : undefined;
    const first = Array.isArray(fromCfg) ? fromCfg[0] : fromCfg; // Llama 3 lists several eos ids
    return typeof first === "number" ? first : null;
  };
  return {
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids,
    encodeWithSpecialTokens: (text) => tokenizer.encode(text, { add_special_tokens: true }).ids,
    encodePair(text, pair) {
      const e = tokenizer.encode(text, { text_pair: pair, add_special_tokens: true, return_token_type_ids: true });
      return { ids: e.ids, typeIds: e.token_type_ids };
    },
    // @huggingface/tokenizers refuses an empty id list; its text is "".
    decode: (ids) => (ids.length ? tokenizer.decode([...ids], { skip_special_tokens: false }) : ""),
    applyChatTemplate(messages, addGenerationPrompt) {
      if (!template) throw new TokenizerLoadError("tokenizer has no chat template", "BAD_TEMPLATE");
      return template.render({ ...specials, messages, add_generation_prompt: addGenerationPrompt });
    },
    hasChatTemplate: template !== null,
    bosTokenId: idOf("bos_token", null),
    eosTokenId: idOf("eos_token", "eos_token_id"),
    padTokenId: idOf("pad_token", "pad_token_id"),
  };
}
