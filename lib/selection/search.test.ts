import { describe, expect, it } from "vitest";
import { compileSearch, matchRanges } from "./search";

type Flags = { regex: boolean; caseSensitive: boolean };
const SUB: Flags = { regex: false, caseSensitive: false };
const SUB_CS: Flags = { regex: false, caseSensitive: true };
const RE: Flags = { regex: true, caseSensitive: false };
const RE_CS: Flags = { regex: true, caseSensitive: true };

describe("compileSearch", () => {
  it.each<[string, Flags, string, boolean]>([
    ["cat", SUB, "The Cat sat", true],
    ["CAT", SUB, "concatenate", true],
    ["dog", SUB, "The Cat sat", false],
    ["Cat", SUB_CS, "The Cat sat", true],
    ["cat", SUB_CS, "The Cat sat", false],
    ["a.b", SUB, "a.b", true],
    ["a.b", SUB, "axb", false],
    ["(x)", SUB, "f(x)", true],
    ["a.b", RE, "axb", true],
    ["^the", RE, "The end", true],
    ["^the", RE_CS, "The end", false],
    ["\\d{3}", RE, "call 555 now", true],
    ["\\d{3}", RE, "call 55 now", false],
    ["é", SUB, "CAFÉ", true],
    ["\\p{Lu}{3}", RE_CS, "abc DEF", true],
  ])("%s %j in %j → %s", (query, flags, text, expected) => {
    const c = compileSearch({ query, ...flags });
    if (!c.ok) throw new Error(c.reason);
    expect(c.test(text)).toBe(expected);
    // The compiled test is stateless: a second call on the same text agrees.
    expect(c.test(text)).toBe(expected);
  });

  it.each(["(", "[a-", "a{2,1}", "\\"])("an invalid regex %j names the pattern", (query) => {
    const c = compileSearch({ query, ...RE });
    expect(c.ok).toBe(false);
    if (c.ok) return;
    expect(c.reason.startsWith(`invalid regular expression /${query}/: `)).toBe(true);
    expect(c.reason.length).toBeGreaterThan(`invalid regular expression /${query}/: `.length);
  });

  it("the same characters as a substring are fine", () => {
    const c = compileSearch({ query: "(", ...SUB });
    expect(c.ok && c.test("f(x)")).toBe(true);
  });
});

describe("matchRanges", () => {
  it.each<[string, Flags, string, [number, number][]]>([
    [
      "cat",
      SUB,
      "Cat and cat and CAT",
      [
        [0, 3],
        [8, 11],
        [16, 19],
      ],
    ],
    ["cat", SUB_CS, "Cat and cat and CAT", [[8, 11]]],
    [
      "a.b",
      SUB,
      "a.b axb a.b",
      [
        [0, 3],
        [8, 11],
      ],
    ],
    [
      "a.b",
      RE,
      "a.b axb",
      [
        [0, 3],
        [4, 7],
      ],
    ],
    [
      "\\d+",
      RE,
      "x12y345",
      [
        [1, 3],
        [4, 7],
      ],
    ],
    [
      "aa",
      SUB,
      "aaaa",
      [
        [0, 2],
        [2, 4],
      ],
    ],
    ["x*", RE, "axxb", [[1, 3]]],
    ["", SUB, "anything", []],
    ["(", RE, "f(x)", []],
    ["(", SUB, "f(x)", [[1, 2]]],
    ["$", SUB, "cost $5", [[5, 6]]],
    ["zzz", SUB, "abc", []],
  ])("%j %j in %j", (query, flags, text, ranges) => {
    expect(matchRanges(text, { query, ...flags })).toEqual(ranges);
  });

  it("stops at the limit", () => {
    const text = "ab".repeat(500);
    expect(matchRanges(text, { query: "a", ...SUB })).toHaveLength(200);
    expect(matchRanges(text, { query: "a", ...SUB }, 3)).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
  });

  it("highlights exactly the rows compileSearch accepts", () => {
    const texts = ["Alpha beta", "GAMMA", "delta.", "alphabet", ""];
    for (const gate of [
      { query: "alpha", ...SUB },
      { query: "Alpha", ...SUB_CS },
      { query: "a\\.$", ...RE },
      { query: "MM", ...RE_CS },
    ]) {
      const c = compileSearch(gate);
      if (!c.ok) throw new Error(c.reason);
      expect(texts.map((t) => matchRanges(t, gate).length > 0)).toEqual(texts.map((t) => c.test(t)));
    }
  });
});
