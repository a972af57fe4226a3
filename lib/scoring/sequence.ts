/**
 * Builds the token sequences of a preference pair exactly as TRL's DPOTrainer does, under named rules (see
 * SEQUENCE_RULES); the default, `paper`, is v0.8-0.11, the version SimPO's trainer copies: chat-templated prompt, `build_tokenized_answer` boundary handling, BOS/EOS, and
 * `keep_end`/`keep_start` truncation, with every truncation or merge flagged on the row.
 */
import type { ChatMessage, ScoringTokenizer } from "./tokenize";
import type { PromptFormat, SequenceRules } from "./protocol";

/** A prompt as datasets store it: plain text or a list of chat turns. */
export type PromptInput = string | ChatMessage[];

/** TRL's truncation settings (DPOTrainer `max_length`, `max_prompt_length`, `truncation_mode`). */
export interface SequenceOptions {
  /** Prompt + response budget in tokens (TRL `max_length`). */
  maxLength: number;
  /** Prompt budget when the pair is over `maxLength` (TRL `max_prompt_length`). */
  maxPromptLength: number;
  /** `keep_end` (TRL default) drops prompt tokens from the left; `keep_start` from the right. */
  truncationMode: "keep_end" | "keep_start";
  /** Append EOS when the response does not already end with it (TRL always does). */
  appendEos: boolean;
  /**
   * `chat` (default): prompts go through the tokenizer's chat template when it has one (a plain-string prompt
   * becomes one user turn); `plain`: prompt and response texts are concatenated even when a template exists
   * (for base models, or datasets whose prompts already hold the template's text).
   */
  promptFormat?: PromptFormat;
  /** Which trainer's sequence construction to reproduce; `paper` (default) when absent. See {@link SEQUENCE_RULES}. */
  rules?: SequenceRules;
}

/*
 * Sequence rules, verified against huggingface/trl `trl/trainer/dpo_trainer.py` (decoder-only, text models):
 *
 * paper = TRL v0.11.4 (what SimPO's trainer copies):
 *   - prompt and prompt+answer are tokenized with add_special_tokens=False and split after the prompt
 *     (`_tokenize` l.73-170, `build_tokenized_answer` boundary fix);
 *   - BOS prepended when the prompt does not already start with it, EOS appended when the answer does not already
 *     end with it (`_add_special_tokens` l.172-195, `add_bos_token_if_needed` / `add_eos_token_if_needed` in
 *     trl/trainer/utils.py l.1306 / l.1328);
 *   - truncation: when prompt + longer answer > max_length the prompt keeps its last (keep_end) or first
 *     (keep_start) max_prompt_length tokens, then answers are cut to max_length - max_prompt_length (l.205-225).
 * trl-0.12 = TRL v0.12.2 (unchanged through v0.27):
 *   - the chat template is rendered to text first (`maybe_apply_chat_template`, l.600; trl/data_utils.py
 *     `apply_chat_template`: completion text = template(prompt + completion) minus template(prompt, generation
 *     prompt));
 *   - `tokenize_row` (l.696-752) tokenizes prompt, chosen and rejected *separately* with add_special_tokens=False;
 *     BOS/EOS around the prompt only when add_special_tokens, which is `self.is_encoder_decoder` (l.622), so
 *     never for decoders; EOS id appended to every completion unconditionally (l.739-740), even when the
 *     template already ended it with EOS;
 *   - truncation: prompt keeps its last max_prompt_length tokens, completion its first max_completion_length
 *     (l.743-747; not exposed here, i.e. None), then the concatenated sequence is cut on the right to max_length
 *     (`concatenated_forward` l.1255-1258). truncation_mode is not used for decoders.
 * trl-0.28 = the newest release, TRL v1.9.0 (same rules since v0.29.0):
 *   - EOS is appended as text only to non-conversational completions that do not already end with it
 *     (`_prepare_dataset` l.1000-1013); conversational completions get no EOS: whatever the template emits;
 *   - prompt and prompt+completion are tokenized *jointly* (`tokenize_fn` l.1019-1066, trl/data_utils.py
 *     `_tokenize` l.401: `apply_chat_template(tokenize=True)`, which renders and encodes without adding special
 *     tokens, so BOS only when the template writes it; plain text goes through `tokenizer(text)`, which adds
 *     the tokenizer's own special tokens, e.g. Llama's BOS); completion ids = full[len(prompt_ids):], no boundary
 *     fix (a mismatch only logs a warning, l.1047-1058);
 *   - truncation: the collator cuts prompt+completion to max_length keeping the start (`truncation_mode` default
 *     "keep_start", l.147-166; "keep_end" deprecated, DPOConfig l.60-62). No max_prompt_length.
 *   Note: v0.28.0 itself is a transition release: its `tokenize_row` (l.745-770) still tokenizes separately
 *   without special tokens like v0.12, but skips the EOS for conversational data (`is_chat`, l.758-761);
 *   it is not reproduced by any preset.
 */
/** The selectable sequence rules, in UI order, with their labels. */
export const SEQUENCE_RULES: readonly { id: SequenceRules; label: string }[] = [
  { id: "paper", label: "Paper (SimPO / TRL 0.9–0.11)" },
  { id: "trl-0.12", label: "TRL 0.12–0.27" },
  { id: "trl-0.28", label: "TRL ≥ 0.28" },
];

/** Guard for a `--sequence-rules` / stored value. */
export function isSequenceRules(v: unknown): v is SequenceRules {
  return SEQUENCE_RULES.some((r) => r.id === v);
}

/** SimPO's recipe values: max_length 2048, max_prompt_length 1800, keep_end, EOS appended. */
export const DEFAULT_SEQUENCE_OPTIONS: SequenceOptions = {
  maxLength: 2048,
  maxPromptLength: 1800,
  truncationMode: "keep_end",
  appendEos: true,
};

/** Prompt and response token ids of one side; the model sees promptIds ++ responseIds and scores responseIds. */
export interface TokenizedResponse {
  promptIds: number[];
  responseIds: number[];
  /** The last prompt token merged with the response's first characters and now belongs to the response. */
  boundaryMerged: boolean;
}

/** Both sides of a pair plus what was changed to fit. */
export interface TokenizedPair {
  chosen: TokenizedResponse;
  rejected: TokenizedResponse;
  promptTruncated: boolean;
  /** Either side's response was cut to `maxLength - maxPromptLength` (chosenTruncated || rejectedTruncated). */
  responseTruncated: boolean;
  /** The chosen response was cut (each side is checked against the budget on its own). */
  chosenTruncated: boolean;
  /** The rejected response was cut. */
  rejectedTruncated: boolean;
  /** The rendered template of prompt+response did not start with the rendered prompt (template rewrites history). */
  templateMismatch: boolean;
}

/** The texts TRL/alignment-handbook feed the tokenizer for one side. */
export interface PromptResponseText {
  promptText: string;
  responseText: string;
  templateMismatch: boolean;
}

function commonPrefixLength(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/**
 * prompt_text = template(prompt, add_generation_prompt) and response_text = template(prompt + [assistant]) minus
 * that prefix. Plain-string prompts become one user turn when there is a template; without one, or with
 * `format` "plain", texts concatenate (chat turns joined by newlines).
 */
export function renderPromptResponse(
  tok: ScoringTokenizer,
  prompt: PromptInput,
  response: string,
  format: PromptFormat = "chat",
): PromptResponseText {
  if (!tok.hasChatTemplate || format === "plain") {
    const promptText = typeof prompt === "string" ? prompt : prompt.map((m) => m.content).join("\n");
    return { promptText, responseText: response, templateMismatch: false };
  }
  const messages = typeof prompt === "string" ? [{ role: "user", content: prompt }] : prompt;
  const promptText = tok.applyChatTemplate(messages, true);
  const full = tok.applyChatTemplate([...messages, { role: "assistant", content: response }], false);
  // Some templates (e.g. ones that drop reasoning from history) re-render earlier turns; keep the shared prefix.
  const cut = full.startsWith(promptText) ? promptText.length : commonPrefixLength(full, promptText);
  return {
    promptText: promptText.slice(0, cut),
    responseText: full.slice(cut),
    templateMismatch: cut !== promptText.length,
  };
}

/**
 * TRL `build_tokenized_answer`: enc(prompt + answer) split after enc(prompt). Byte-level BPE can merge the prompt's
 * last token with the answer's first characters; then the prompt/answer split moves one token left, so the merged
 * token is scored as part of the answer (as TRL does) and the prompt ids are a prefix of the full encoding.
 */
export function buildTokenizedAnswer(tok: ScoringTokenizer, promptText: string, answerText: string): TokenizedResponse {
  const full = tok.encode(promptText + answerText);
  const promptIds = tok.encode(promptText);
  let start = promptIds.length;
  const prefixMatches = promptIds.every((id, i) => full[i] === id);
  if (!prefixMatches) start -= 1;
  return {
    promptIds: full.slice(0, Math.max(0, start)),
    responseIds: full.slice(Math.max(0, start)),
    boundaryMerged: !prefixMatches,
  };
}

/**
 * Both sides of a pair for a decoder-only model, BOS/EOS handling and truncation, following `options.rules`
 * (TRL v0.11 `tokenize_row` when absent).
 */
export function tokenizePair(
  tok: ScoringTokenizer,
  prompt: PromptInput,
  chosen: string,
  rejected: string,
  options: SequenceOptions = DEFAULT_SEQUENCE_OPTIONS,
): TokenizedPair {
  const rules = options.rules ?? "paper";
  if (rules === "trl-0.12") return tokenizePairTrl012(tok, prompt, chosen, rejected, options);
  if (rules === "trl-0.28") return tokenizePairTrl028(tok, prompt, chosen, rejected, options);
  return tokenizePairPaper(tok, prompt, chosen, rejected, options);
}

function tokenizePairPaper(
  tok: ScoringTokenizer,
  prompt: PromptInput,
  chosen: string,
  rejected: string,
  options: SequenceOptions,
): TokenizedPair {
  const c = renderPromptResponse(tok, prompt, chosen, options.promptFormat);
  const r = renderPromptResponse(tok, prompt, rejected, options.promptFormat);
  const sides = [
    buildTokenizedAnswer(tok, c.promptText, c.responseText),
    buildTokenizedAnswer(tok, r.promptText, r.responseText),
  ];
  const bos = tok.bosTokenId;
  const eos = tok.eosTokenId;
  for (const s of sides) {
    if (bos !== null && s.promptIds[0] !== bos) s.promptIds.unshift(bos);
    if (options.appendEos && eos !== null && s.responseIds[s.responseIds.length - 1] !== eos) s.responseIds.push(eos);
  }
  // TRL measures the longer response once, before any truncation, and uses it for both sides.
  const longer = Math.max(sides[0].responseIds.length, sides[1].responseIds.length);
  let promptTruncated = false;
  const responseCut = [false, false];
  for (const s of sides) {
    if (s.promptIds.length + longer > options.maxLength && s.promptIds.length > options.maxPromptLength) {
      s.promptIds =
        options.truncationMode === "keep_end"
          ? s.promptIds.slice(-options.maxPromptLength)
          : s.promptIds.slice(0, options.maxPromptLength);
      promptTruncated = true;
    }
  }
  sides.forEach((s, i) => {
    if (s.promptIds.length + longer > options.maxLength) {
      const budget = options.maxLength - options.maxPromptLength;
      if (s.responseIds.length > budget) {
        s.responseIds = s.responseIds.slice(0, budget);
        responseCut[i] = true;
      }
    }
  });
  return assemblePair(sides, promptTruncated, responseCut, c.templateMismatch || r.templateMismatch);
}

/** The pair of every preset from its two sides and what truncation did (`responseTruncated` = either side cut). */
function assemblePair(
  sides: TokenizedResponse[],
  promptTruncated: boolean,
  cut: boolean[],
  templateMismatch: boolean,
): TokenizedPair {
  return {
    chosen: sides[0],
    rejected: sides[1],
    promptTruncated,
    responseTruncated: cut[0] || cut[1],
    chosenTruncated: cut[0],
    rejectedTruncated: cut[1],
    templateMismatch,
  };
}

/** Cuts prompt ++ response to `maxLength` from the right (keep_start); returns whether the response was cut. */
function cutRight(s: TokenizedResponse, maxLength: number): boolean {
  if (s.promptIds.length > maxLength) s.promptIds = s.promptIds.slice(0, maxLength);
  const budget = maxLength - s.promptIds.length;
  if (s.responseIds.length <= budget) return false;
  s.responseIds = s.responseIds.slice(0, budget);
  return true;
}

function tokenizePairTrl012(
  tok: ScoringTokenizer,
  prompt: PromptInput,
  chosen: string,
  rejected: string,
  options: SequenceOptions,
): TokenizedPair {
  const c = renderPromptResponse(tok, prompt, chosen, options.promptFormat);
  const r = renderPromptResponse(tok, prompt, rejected, options.promptFormat);
  const eos = tok.eosTokenId;
  // TRL renders one prompt text for both sides; ours differ only on a template mismatch (flagged below).
  const sides = [c, r].map((t): TokenizedResponse => {
    const responseIds = tok.encode(t.responseText);
    if (eos !== null) responseIds.push(eos);
    return { promptIds: tok.encode(t.promptText), responseIds, boundaryMerged: false };
  });
  let promptTruncated = false;
  for (const s of sides) {
    if (s.promptIds.length > options.maxPromptLength) {
      s.promptIds = s.promptIds.slice(-options.maxPromptLength);
      promptTruncated = true;
    }
  }
  const cut = sides.map((s) => cutRight(s, options.maxLength));
  return assemblePair(sides, promptTruncated, cut, c.templateMismatch || r.templateMismatch);
}

function tokenizePairTrl028(
  tok: ScoringTokenizer,
  prompt: PromptInput,
  chosen: string,
  rejected: string,
  options: SequenceOptions,
): TokenizedPair {
  const c = renderPromptResponse(tok, prompt, chosen, options.promptFormat);
  const r = renderPromptResponse(tok, prompt, rejected, options.promptFormat);
  const conversational = tok.hasChatTemplate && options.promptFormat !== "plain";
  // Plain text goes through `tokenizer(text)`, which adds the tokenizer's own special tokens (e.g. Llama's BOS).
  const enc = conversational ? tok.encode : (tok.encodeWithSpecialTokens ?? tok.encode);
  const eos = tok.eosTokenId;
  const sides = [c, r].map((t): TokenizedResponse => {
    const promptIds = enc(t.promptText);
    const full = enc(t.promptText + t.responseText);
    if (!conversational && eos !== null && full[full.length - 1] !== eos) full.push(eos);
    return {
      promptIds,
      responseIds: full.slice(promptIds.length),
      boundaryMerged: !promptIds.every((id, i) => full[i] === id),
    };
  });
  const promptTruncated = sides.some((s) => s.promptIds.length > options.maxLength);
  const cut = sides.map((s) => cutRight(s, options.maxLength));
  return assemblePair(sides, promptTruncated, cut, c.templateMismatch || r.templateMismatch);
}

/**
 * A reward-model input: the ids (a decoder's conversation left-truncated to `maxLength`, the response being what
 * counts; an encoder's text pair cut longest-first), plus segment ids for a text pair.
 */
export interface RewardSequence {
  ids: number[];
  /** token_type_ids of a text pair (0 for the question's tokens, 1 for the answer's under BERT's template). */
  typeIds?: number[];
  truncated: boolean;
}

/**
 * How a reward model reads a row: the conversation through its own chat template (decoder classifiers), or
 * `tokenizer(question, answer)` as a text pair (encoder classifiers such as OpenAssistant's DeBERTa-v3 reward
 * models), cut to `maxTokens` (the encoder's position limit) with transformers' default `truncation=True`.
 */
export type RewardTokenization = { kind: "conversation" } | { kind: "text-pair"; maxTokens: number };

/**
 * Reward-model input of one response. `conversation` (default): template(prompt + [assistant response]) (or
 * prompt + response without a template), BOS prepended when missing. `text-pair`: question = the prompt's text
 * (turns joined by newlines), answer = the response, encoded as a pair with the tokenizer's post-processor.
 */
export function tokenizeForReward(
  tok: ScoringTokenizer,
  prompt: PromptInput,
  response: string,
  maxLength = DEFAULT_SEQUENCE_OPTIONS.maxLength,
  format: PromptFormat = "chat",
  input: RewardTokenization = { kind: "conversation" },
): RewardSequence {
  if (input.kind === "text-pair") {
    const { promptText, responseText } = renderPromptResponse(tok, prompt, response, "plain");
    return encodeTextPair(tok, promptText, responseText, Math.min(maxLength, input.maxTokens));
  }
  const { promptText, responseText } = renderPromptResponse(tok, prompt, response, format);
  let ids = tok.encode(promptText + responseText);
  if (tok.bosTokenId !== null && ids[0] !== tok.bosTokenId) ids = [tok.bosTokenId, ...ids];
  const truncated = ids.length > maxLength;
  return { ids: truncated ? ids.slice(-maxLength) : ids, truncated };
}

/**
 * Lengths the two sequences of a pair keep within `budget` tokens (special tokens excluded), Hugging Face
 * tokenizers' `longest_first` (tokenizers/src/utils/truncation.rs): the shorter keeps all of itself when the longer
 * can still have half the budget, else both get half (the second the odd token).
 */
export function longestFirstLengths(n1: number, n2: number, budget: number): [number, number] {
  if (n1 + n2 <= budget) return [n1, n2];
  const swap = n1 > n2;
  let [short, long] = swap ? [n2, n1] : [n1, n2];
  long = short > budget ? short : Math.max(short, budget - short);
  if (short + long > budget) {
    short = Math.floor(budget / 2);
    long = short + (budget % 2);
  }
  return swap ? [long, short] : [short, long];
}

/**
 * `tokenizer(a, b, truncation=True, max_length=maxLength)`: the pair through the post-processor, with the texts cut
 * longest-first from the right when the whole does not fit. The post-processor's special tokens (and segment ids)
 * are read off the untruncated pair encoding, then put around the cut sequences.
 */
function encodeTextPair(tok: ScoringTokenizer, a: string, b: string, maxLength: number): RewardSequence {
  if (!tok.encodePair) throw new Error("this tokenizer cannot encode a text pair");
  const full = tok.encodePair(a, b);
  const A = tok.encode(a);
  const B = tok.encode(b);
  const specials = full.ids.length - A.length - B.length;
  if (full.ids.length <= maxLength) return { ids: full.ids, typeIds: full.typeIds, truncated: false };
  const layout = pairLayout(full.ids, A, B);
  if (!layout || specials > maxLength)
    throw new Error(`cannot cut the text pair to ${maxLength} tokens: its template adds ${specials} special tokens`);
  const [n1, n2] = longestFirstLengths(A.length, B.length, maxLength - specials);
  const { prefix, mid } = layout;
  const piece = (from: number, to: number) => ({
    ids: full.ids.slice(from, to),
    typeIds: full.typeIds.slice(from, to),
  });
  const parts = [
    piece(0, prefix),
    piece(prefix, prefix + n1),
    piece(prefix + A.length, prefix + A.length + mid),
    piece(prefix + A.length + mid, prefix + A.length + mid + n2),
    piece(prefix + A.length + mid + B.length, full.ids.length),
  ];
  return { ids: parts.flatMap((p) => p.ids), typeIds: parts.flatMap((p) => p.typeIds), truncated: true };
}

/** Where `a` and `b` sit in the pair encoding `full`: special tokens before `a` (prefix) and between them (mid). */
function pairLayout(full: number[], a: number[], b: number[]): { prefix: number; mid: number } | null {
  const at = (seq: number[], from: number) => seq.every((id, i) => full[from + i] === id);
  const extra = full.length - a.length - b.length;
  for (let prefix = 0; prefix <= extra; prefix++) {
    if (!at(a, prefix)) continue;
    for (let mid = 0; prefix + mid <= extra; mid++) if (at(b, prefix + a.length + mid)) return { prefix, mid };
  }
  return null;
}
