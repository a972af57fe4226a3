/**
 * A row's truncation code: which parts of a pair TRL-style tokenization cut to fit `max_length` (see
 * {@link tokenizePair}), as bit flags in one number so that it travels and is stored like the other per-row values.
 * NaN means unknown (not scored yet, not tokenizable, or scored by a version that did not record it), never "none".
 */
import type { TokenizedPair } from "./sequence";

/** The prompt was cut (from the left under `keep_end`, from the right under `keep_start`). */
export const TRUNCATED_PROMPT = 1;
/** The chosen response was cut at `max_length - max_prompt_length`. */
export const TRUNCATED_CHOSEN = 2;
/** The rejected response was cut at `max_length - max_prompt_length`. */
export const TRUNCATED_REJECTED = 4;

/** The truncation code of a tokenized pair (0 = nothing was cut). */
export function truncationCode(pair: TokenizedPair): number {
  return (
    (pair.promptTruncated ? TRUNCATED_PROMPT : 0) |
    (pair.chosenTruncated ? TRUNCATED_CHOSEN : 0) |
    (pair.rejectedTruncated ? TRUNCATED_REJECTED : 0)
  );
}

const PARTS: [number, string][] = [
  [TRUNCATED_PROMPT, "prompt"],
  [TRUNCATED_CHOSEN, "chosen"],
  [TRUNCATED_REJECTED, "rejected"],
];

/** What a code says in words: "no", the cut parts ("prompt, chosen"), or "unknown" for NaN / a value no run writes. */
export function describeTruncation(code: number): string {
  if (!Number.isInteger(code) || code < 0 || code > 7) return "unknown";
  if (code === 0) return "no";
  return PARTS.filter(([bit]) => code & bit)
    .map(([, name]) => name)
    .join(", ");
}
