/**
 * Builds the token sequences of a preference pair exactly as TRL's DPOTrainer (v0.8-0.11, the version SimPO's
 * trainer copies) does: chat-templated prompt, `build_tokenized_answer` boundary handling, BOS/EOS, and
 * `keep_end`/`keep_start` truncation, with every truncation or merge flagged on the row.
 */
import type { ChatMessage, ScoringTokenizer } from "./tokenize";
import type { PromptFormat } from "./protocol";

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

/** TRL `tokenize_row` for a decoder-only model: both sides of a pair, BOS/EOS handling and truncation. */
export function tokenizePair(
  tok: ScoringTokenizer,
  prompt: PromptInput,
  chosen: string,
  rejected: string,
  options: SequenceOptions = DEFAULT_SEQUENCE_OPTIONS,
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
  return {
    chosen: sides[0],
    rejected: sides[1],
    promptTruncated,
    responseTruncated: responseCut[0] || responseCut[1],
    chosenTruncated: responseCut[0],
    rejectedTruncated: responseCut[1],
    templateMismatch: c.templateMismatch || r.templateMismatch,
  };
}

/** A reward-model input: the full conversation's ids, left-truncated to `maxLength` (the response is what counts). */
export interface RewardSequence {
  ids: number[];
  truncated: boolean;
}

/** Reward-model text = template(prompt + [assistant response]) (or prompt + response without a template). */
export function tokenizeForReward(
  tok: ScoringTokenizer,
  prompt: PromptInput,
  response: string,
  maxLength = DEFAULT_SEQUENCE_OPTIONS.maxLength,
  format: PromptFormat = "chat",
): RewardSequence {
  const { promptText, responseText } = renderPromptResponse(tok, prompt, response, format);
  let ids = tok.encode(promptText + responseText);
  if (tok.bosTokenId !== null && ids[0] !== tok.bosTokenId) ids = [tok.bosTokenId, ...ids];
  const truncated = ids.length > maxLength;
  return { ids: truncated ? ids.slice(-maxLength) : ids, truncated };
}
