/**
 * When the inspector renders a text as markdown and when it shows it as plain text instead. Parsing is synchronous
 * on the main thread (micromark, then hast → React), so the limits keep one open row from freezing the page.
 */

/**
 * Texts longer than this (UTF-16 code units) are shown as plain text until the user asks for markdown. Measured
 * (Node 20, micromark 4): prose parses at ~1 ms per 10 kB, but list- and table-heavy markdown costs ~10–20 ms per kB,
 * so 50 000 characters is ≈ 0.5–1 s in the worst realistic case; typical responses are far below it.
 */
export const MARKDOWN_MAX_CHARS = 50_000;

/**
 * Container nesting (block quotes, list items) above this is never rendered as markdown: parsing cost grows with
 * the square of the depth and a few thousand levels overflow the parser's stack ("Maximum call stack size exceeded"
 * at 5 000 nested `>` in 10 kB), so "render anyway" is not offered for such texts.
 */
export const MARKDOWN_MAX_DEPTH = 100;

/** Either side of a word diff longer than this is not diffed (Myers' diff is O((N + M)·D)). */
export const DIFF_MAX_CHARS = 100_000;

/** How a text is shown: as markdown, or as plain text and why. */
export type MarkdownPlan =
  | { render: true }
  | { render: false; reason: "size"; chars: number }
  | { render: false; reason: "depth"; chars: number; depth: number };

/** Options of {@link planMarkdown}, for tests. */
export interface MarkdownLimits {
  maxChars: number;
  maxDepth: number;
}

const TAB_COLUMNS = 4;

/**
 * An estimate of the deepest container nesting in `text`, from each line's prefix: every `>` and every list marker
 * (`-`, `*`, `+`, `1.`, `1)` followed by a space) counts one level, and the indentation before the first of them one
 * level per four columns (nested lists indent their children). Linear in the text; returns as soon as the depth
 * exceeds `stopAt`.
 */
export function nestingDepth(text: string, stopAt = Infinity): number {
  let deepest = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    let markers = 0;
    let indent = 0;
    // Walk the line's container prefix; whitespace after a marker belongs to that marker.
    for (;;) {
      const c = text.charCodeAt(i);
      let width = 0;
      if (c === 32 /* space */ || c === 9 /* tab */) {
        if (markers === 0) indent += c === 9 ? TAB_COLUMNS : 1;
        i++;
        continue;
      } else if (c === 62 /* > */) width = 1;
      else if ((c === 45 || c === 42 || c === 43) /* - * + */ && isSpace(text.charCodeAt(i + 1))) width = 2;
      else if (c >= 48 && c <= 57) {
        let j = i;
        while (j < n && j - i < 9 && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
        const d = text.charCodeAt(j);
        if ((d === 46 || d === 41) /* . ) */ && isSpace(text.charCodeAt(j + 1))) width = j + 2 - i;
      }
      if (width === 0) break;
      markers++;
      i += width;
      const depth = markers + Math.floor(indent / TAB_COLUMNS);
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAt) return deepest;
      }
    }
    deepest = Math.max(deepest, Math.floor(indent / TAB_COLUMNS));
    if (deepest > stopAt) return deepest;
    const eol = text.indexOf("\n", i);
    if (eol === -1) break;
    i = eol + 1;
  }
  return deepest;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || Number.isNaN(c);
}

/** Whether `text` is rendered as markdown by default, or shown as plain text (too long or too deeply nested). */
export function planMarkdown(
  text: string,
  { maxChars, maxDepth }: MarkdownLimits = { maxChars: MARKDOWN_MAX_CHARS, maxDepth: MARKDOWN_MAX_DEPTH },
): MarkdownPlan {
  const depth = nestingDepth(text, maxDepth);
  if (depth > maxDepth) return { render: false, reason: "depth", chars: text.length, depth };
  if (text.length > maxChars) return { render: false, reason: "size", chars: text.length };
  return { render: true };
}

/** A character count for notices: "812 characters", "52.3 k characters", "1.05 M characters". */
export function formatChars(chars: number): string {
  if (chars < 1000) return `${chars} characters`;
  if (chars < 1_000_000) return `${(chars / 1000).toPrecision(3)} k characters`;
  return `${(chars / 1_000_000).toPrecision(3)} M characters`;
}
