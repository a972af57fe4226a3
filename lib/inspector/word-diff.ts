/**
 * Word-level diff of a pair's chosen and rejected texts for the inspector's "Show diff": jsdiff's Myers diff
 * (`diffArrays`) over word and punctuation tokens, mapped back onto each text so that each side shows exactly its own
 * characters (jsdiff's `diffWords` returns the common runs from the *new* text, whitespace included).
 */
import { diffArrays } from "diff";
import { DIFF_MAX_CHARS } from "./size";

/** One token of a text: a word, a number or one punctuation character, with its [start, end) offsets. */
export interface WordToken {
  text: string;
  start: number;
  end: number;
}

// Runs of letters, marks, digits and `_` are words; Han and kana characters count one each (no spaces between
// words); any other non-space character is a token of its own.
const TOKEN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[\p{L}\p{M}\p{N}_]+|[^\s\p{L}\p{M}\p{N}_]/gu;

/** The tokens of `text`, whitespace skipped. */
export function wordTokens(text: string): WordToken[] {
  const out: WordToken[] = [];
  for (const m of text.matchAll(TOKEN)) out.push({ text: m[0], start: m.index, end: m.index + m[0].length });
  return out;
}

/** A run of one side's text: shared with the other side, or only on this side. */
export interface DiffPart {
  kind: "same" | "changed";
  text: string;
}

/** Options of {@link wordDiff}. */
export interface WordDiffOptions {
  /** Either text longer than this is not diffed. */
  maxChars?: number;
  /** jsdiff gives up after this long (very different texts cost O((N + M)·D)). */
  timeoutMs?: number;
}

/** The diff of a pair, or why there is none. */
export type WordDiff =
  | {
      ok: true;
      /** The chosen text in runs; `changed` = only in chosen (shown as deleted). */
      chosen: DiffPart[];
      /** The rejected text in runs; `changed` = only in rejected (shown as inserted). */
      rejected: DiffPart[];
      sharedTokens: number;
      chosenTokens: number;
      rejectedTokens: number;
      /** Dice coefficient of the token sequences: 2·shared / (chosen + rejected); 1 for two empty texts. */
      similarity: number;
    }
  | { ok: false; reason: "too-long"; chars: number; maxChars: number }
  | { ok: false; reason: "timeout"; timeoutMs: number };

/** Default time budget of a diff: a pause the user accepts after a click. */
export const DIFF_TIMEOUT_MS = 250;

// Cuts `text` into parts at token-run boundaries; a changed run covers its tokens only, the whitespace after it is
// shared, so a highlight never starts or ends on a space.
function toParts(text: string, tokens: WordToken[], runs: { changed: boolean; count: number }[]): DiffPart[] {
  const out: DiffPart[] = [];
  const push = (kind: DiffPart["kind"], from: number, to: number) => {
    if (to <= from) return;
    const last = out[out.length - 1];
    if (last && last.kind === kind) last.text += text.slice(from, to);
    else out.push({ kind, text: text.slice(from, to) });
  };
  let at = 0;
  let i = 0;
  for (const run of runs) {
    if (run.count === 0) continue;
    const first = tokens[i];
    const last = tokens[i + run.count - 1];
    i += run.count;
    const next = i < tokens.length ? tokens[i].start : text.length;
    if (run.changed) {
      push("same", at, first.start);
      push("changed", first.start, last.end);
      push("same", last.end, next);
    } else push("same", at, next);
    at = next;
  }
  push("same", at, text.length);
  return out;
}

/** Word diff of `chosen` → `rejected`. */
export function wordDiff(chosen: string, rejected: string, options: WordDiffOptions = {}): WordDiff {
  const maxChars = options.maxChars ?? DIFF_MAX_CHARS;
  const timeoutMs = options.timeoutMs ?? DIFF_TIMEOUT_MS;
  const chars = Math.max(chosen.length, rejected.length);
  if (chars > maxChars) return { ok: false, reason: "too-long", chars, maxChars };
  const a = wordTokens(chosen);
  const b = wordTokens(rejected);
  const changes = diffArrays(
    a.map((t) => t.text),
    b.map((t) => t.text),
    { timeout: timeoutMs },
  );
  if (!changes) return { ok: false, reason: "timeout", timeoutMs };
  const chosenRuns: { changed: boolean; count: number }[] = [];
  const rejectedRuns: { changed: boolean; count: number }[] = [];
  let shared = 0;
  for (const c of changes) {
    const count = c.value.length;
    if (c.removed) chosenRuns.push({ changed: true, count });
    else if (c.added) rejectedRuns.push({ changed: true, count });
    else {
      shared += count;
      chosenRuns.push({ changed: false, count });
      rejectedRuns.push({ changed: false, count });
    }
  }
  const total = a.length + b.length;
  return {
    ok: true,
    chosen: toParts(chosen, a, chosenRuns),
    rejected: toParts(rejected, b, rejectedRuns),
    sharedTokens: shared,
    chosenTokens: a.length,
    rejectedTokens: b.length,
    similarity: total === 0 ? 1 : (2 * shared) / total,
  };
}
