import { describe, expect, it } from "vitest";
import { wordDiff, wordTokens, type DiffPart } from "./word-diff";

const changed = (parts: DiffPart[]) => parts.filter((p) => p.kind === "changed").map((p) => p.text);
const joined = (parts: DiffPart[]) => parts.map((p) => p.text).join("");

describe("wordTokens", () => {
  it.each<[string, string[]]>([
    ["", []],
    ["  \n\t ", []],
    ["Hello, world!", ["Hello", ",", "world", "!"]],
    ["x = f(a_b, 42.5);", ["x", "=", "f", "(", "a_b", ",", "42", ".", "5", ")", ";"]],
    ["naïve café", ["naïve", "café"]],
    ["日本語です", ["日", "本", "語", "で", "す"]],
    ["**bold** `code`", ["*", "*", "bold", "*", "*", "`", "code", "`"]],
  ])("%j → %j", (text, tokens) => {
    const got = wordTokens(text);
    expect(got.map((t) => t.text)).toEqual(tokens);
    for (const t of got) expect(text.slice(t.start, t.end)).toBe(t.text);
  });
});

describe("wordDiff", () => {
  it.each<[string, string, string[], string[]]>([
    ["same text", "same text", [], []],
    ["The quick brown fox", "The slow brown fox", ["quick"], ["slow"]],
    ["a b c", "a c", ["b"], []],
    ["a c", "a b c", [], ["b"]],
    ["Use `ls -la` here.", "Use `ls -l` here!", ["la", "."], ["l", "!"]],
    ["", "all new words", [], ["all new words"]],
    ["one two three four", "five six", ["one two three four"], ["five six"]],
  ])("%j → %j: only in chosen %j, only in rejected %j", (chosen, rejected, onlyChosen, onlyRejected) => {
    const d = wordDiff(chosen, rejected);
    if (!d.ok) throw new Error(d.reason);
    expect(changed(d.chosen)).toEqual(onlyChosen);
    expect(changed(d.rejected)).toEqual(onlyRejected);
  });

  it.each<[string, string]>([
    ["The quick  brown fox\n\njumps over", "The slow brown fox\njumps over the dog"],
    ["  leading and trailing  ", "leading, trailing\n"],
    ["x\n\n- item one\n- item two", "x\n- item one\n- item 2\n"],
  ])("each side is exactly its own text, whitespace included: %j / %j", (chosen, rejected) => {
    const d = wordDiff(chosen, rejected);
    if (!d.ok) throw new Error(d.reason);
    expect(joined(d.chosen)).toBe(chosen);
    expect(joined(d.rejected)).toBe(rejected);
    for (const p of [...d.chosen, ...d.rejected]) if (p.kind === "changed") expect(p.text).toBe(p.text.trim());
  });

  it.each<[string, string, number]>([
    ["", "", 1],
    ["a b", "a b", 1],
    ["a b", "c d", 0],
    ["a b c d", "a b c e", 0.75],
  ])("similarity of %j and %j is %d", (chosen, rejected, similarity) => {
    const d = wordDiff(chosen, rejected);
    expect(d.ok && d.similarity).toBe(similarity);
  });

  it("refuses texts over the size limit", () => {
    expect(wordDiff("a".repeat(11), "b", { maxChars: 10 })).toEqual({
      ok: false,
      reason: "too-long",
      chars: 11,
      maxChars: 10,
    });
  });

  it("gives up on very different texts after the time budget", () => {
    const words = (seed: number) => Array.from({ length: 6000 }, (_, i) => `w${(i * seed) % 5000}`).join(" ");
    const t0 = performance.now();
    const d = wordDiff(words(7919), words(104729), { timeoutMs: 20 });
    expect(d).toEqual({ ok: false, reason: "timeout", timeoutMs: 20 });
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
