/**
 * Python's `json.dumps` writes float NaN and ±inf as the bare tokens `NaN`, `Infinity` and `-Infinity`, which JSON
 * does not allow; preference files written that way are common. When `JSON.parse` refuses a record, this reads such
 * tokens (in value position, outside strings) as missing (null) and says which top-level field held each, so the
 * session can count them ("read as missing") instead of refusing the file. Any other syntax error stays an error.
 */

/** A bare non-finite token read as missing: the record's top-level field it sits in, and the token. */
export interface BareToken {
  field: string;
  token: "NaN" | "Infinity" | "-Infinity";
}

/** Symbol under which a parsed record lists its {@link BareToken}s (not a field; not serialised). */
export const BARE_TOKENS: unique symbol = Symbol.for("margin-atlas.bare-tokens");

const TOKENS = ["-Infinity", "Infinity", "NaN"] as const;

/**
 * `text` with each bare NaN / Infinity / -Infinity value replaced by `null` (padded with spaces, so offsets of
 * later errors stay right), and where they were; null when there is none.
 */
export function replaceBareTokens(text: string): { text: string; tokens: BareToken[] } | null {
  const tokens: BareToken[] = [];
  let out = "";
  let last = 0;
  // Depth of objects/arrays; the top-level key currently open (depth 1 of the record object).
  let depth = 0;
  let topKey = "";
  let expectKey = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      if (depth === 1 && expectKey) {
        try {
          topKey = JSON.parse(text.slice(i, j + 1)) as string;
        } catch {
          topKey = text.slice(i + 1, j);
        }
      }
      expectKey = false;
      i = j + 1;
      continue;
    }
    if (c === "{" || c === "[") {
      depth++;
      expectKey = c === "{";
    } else if (c === "}" || c === "]") depth--;
    else if (c === ",") expectKey = depth === 1 ? true : expectKey;
    else if (c === "N" || c === "I" || c === "-") {
      const token = TOKENS.find((t) => text.startsWith(t, i));
      // A token must stand alone (not a prefix of a longer word).
      const end = token ? i + token.length : i;
      if (token && !/[A-Za-z0-9_]/.test(text[end] ?? "")) {
        tokens.push({ field: depth >= 1 ? topKey : "", token });
        out += text.slice(last, i) + "null" + " ".repeat(token.length - 4 > 0 ? token.length - 4 : 0);
        // "NaN" is shorter than "null": offsets after it shift by one, which only error columns would notice.
        last = end;
        i = end;
        continue;
      }
    }
    i++;
  }
  if (tokens.length === 0) return null;
  return { text: out + text.slice(last), tokens };
}
