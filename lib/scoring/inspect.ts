/**
 * Per-token log-probs of one pair for the inspector: the pair is tokenized and scored exactly as a run scores it
 * (same sequence settings, same engine), and each scored token comes back with its text, so the reader sees
 * which tokens make a response likely or unlikely under the policy. Computed on demand for the open pair only:
 * keeping every token of every row would multiply the stored results by the response length.
 */
import type { Pair } from "@/lib/dataset/types";
import type { ResponseScore } from "./engine";
import type { LoadedLanguageModel } from "./model-loader";
import { pairTexts } from "./pipeline";
import { tokenizePair, type SequenceOptions, type TokenizedResponse } from "./sequence";
import type { ScoringTokenizer } from "./tokenize";
import type { InspectedPair, InspectedResponse } from "./protocol";

/** Prompt tokens decoded before the response, so the first response token's text is read in context. */
const CONTEXT = 4;

/**
 * Text of each id within `ids`, streamed the way HF's decoders stream: a token that leaves a character incomplete
 * (byte-level BPE splits multi-byte UTF-8) gets "" and the token completing it gets the whole character; each
 * piece is decoded after one complete token of context, so SentencePiece's leading-space handling stays right.
 * The pieces join to the decoded text.
 */
export function tokenTexts(tok: ScoringTokenizer, ids: readonly number[]): string[] {
  const texts: string[] = [];
  let start = 0;
  for (let i = 0; i < ids.length; i++) {
    const ctx = Math.max(0, start - 1);
    const cur = tok.decode(ids.slice(ctx, i + 1));
    if (cur.endsWith("\uFFFD") && i + 1 < ids.length) {
      texts.push("");
      continue;
    }
    const prev = tok.decode(ids.slice(ctx, start));
    texts.push(cur.startsWith(prev) ? cur.slice(prev.length) : tok.decode(ids.slice(start, i + 1)));
    start = i + 1;
  }
  return texts;
}

function side(tok: ScoringTokenizer, r: TokenizedResponse, score: ResponseScore): InspectedResponse {
  // The engine scores the last `tokens` ids of the response (all of them unless the prompt is empty).
  const ids = r.responseIds.slice(r.responseIds.length - score.tokens);
  const texts = tokenTexts(tok, [...r.promptIds.slice(-CONTEXT), ...ids]).slice(Math.min(CONTEXT, r.promptIds.length));
  return {
    tokens: ids.map((id, i) => ({ id, text: texts[i], logp: score.tokenLogps[i] })),
    sumLogp: score.sumLogp,
    meanLogp: score.meanLogp,
    promptTokens: r.promptIds.length,
    promptIds: [...r.promptIds],
    responseIds: [...r.responseIds],
  };
}

/** Tokenizes and scores one pair on `policy` with the run's sequence settings. */
export async function inspectPair(
  pair: Pair,
  policy: LoadedLanguageModel,
  sequence: SequenceOptions,
): Promise<InspectedPair> {
  const { prompt, chosen, rejected } = pairTexts(pair);
  const tp = tokenizePair(policy.tokenizer, prompt, chosen, rejected, sequence);
  const [score] = await policy.scorer.scorePairs([tp]);
  return {
    chosen: side(policy.tokenizer, tp.chosen, score.chosen),
    rejected: side(policy.tokenizer, tp.rejected, score.rejected),
    promptTruncated: tp.promptTruncated,
    responseTruncated: tp.responseTruncated,
    boundaryMerged: tp.chosen.boundaryMerged || tp.rejected.boundaryMerged,
    bosTokenId: policy.tokenizer.bosTokenId,
    eosTokenId: policy.tokenizer.eosTokenId,
  };
}
