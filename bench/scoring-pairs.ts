/** Synthetic pairs shared by the scoring benchmarks, so both measure exactly the same token sequences. */
import { DEMO_CORPUS } from "@/scripts/demo-models/demo-tokenizer";
import { tokenizePair, type TokenizedPair } from "@/lib/scoring/sequence";
import type { ScoringTokenizer } from "@/lib/scoring/tokenize";

/** `nPairs` pairs cut from windows of the demo corpus (prompt of `promptWords` words), with their token counts. */
export function synthesizePairs(
  tok: ScoringTokenizer,
  nPairs: number,
  promptWords: number,
): { pairs: TokenizedPair[]; promptTokens: number; responseTokens: number } {
  const words = DEMO_CORPUS.split(/\s+/);
  const text = (start: number, n: number) =>
    Array.from({ length: n }, (_, i) => words[(start + i) % words.length]).join(" ");
  const pairs = Array.from({ length: nPairs }, (_, i) =>
    tokenizePair(tok, text(i * 7, promptWords), text(i * 13, 40 + (i % 5) * 20), text(i * 17 + 3, 30 + (i % 3) * 25)),
  );
  return {
    pairs,
    responseTokens: pairs.reduce((n, p) => n + p.chosen.responseIds.length + p.rejected.responseIds.length, 0),
    promptTokens: pairs.reduce((n, p) => n + p.chosen.promptIds.length, 0),
  };
}
