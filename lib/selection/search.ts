/** The text search gate: substring or regular expression over a pair's prompt, chosen and rejected texts. */
import type { SearchGate } from "./spec";

/** A compiled search, or the reason the pattern is invalid. */
export type CompiledSearch = { ok: true; test(text: string): boolean } | { ok: false; reason: string };

/** Compiles a search gate (a bad regex names the pattern and the engine's reason). */
export function compileSearch(gate: Pick<SearchGate, "query" | "regex" | "caseSensitive">): CompiledSearch {
  if (gate.regex) {
    try {
      const re = new RegExp(gate.query, gate.caseSensitive ? "u" : "iu");
      return { ok: true, test: (text) => re.test(text) };
    } catch (err) {
      return { ok: false, reason: `invalid regular expression /${gate.query}/: ${(err as Error).message}` };
    }
  }
  if (gate.caseSensitive) return { ok: true, test: (text) => text.includes(gate.query) };
  const needle = gate.query.toLowerCase();
  return { ok: true, test: (text) => text.toLowerCase().includes(needle) };
}

/** Match ranges [start, end) of the search in `text`, for highlighting (at most `limit`). */
export function matchRanges(
  text: string,
  gate: Pick<SearchGate, "query" | "regex" | "caseSensitive">,
  limit = 200,
): [number, number][] {
  const out: [number, number][] = [];
  if (gate.query === "") return out;
  let re: RegExp;
  try {
    re = gate.regex
      ? new RegExp(gate.query, gate.caseSensitive ? "gu" : "giu")
      : new RegExp(gate.query.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), gate.caseSensitive ? "gu" : "giu");
  } catch {
    return out;
  }
  for (const m of text.matchAll(re)) {
    if (m[0].length === 0) continue;
    out.push([m.index, m.index + m[0].length]);
    if (out.length >= limit) break;
  }
  return out;
}
