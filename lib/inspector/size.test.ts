import { describe, expect, it } from "vitest";
import { formatChars, MARKDOWN_MAX_CHARS, MARKDOWN_MAX_DEPTH, nestingDepth, planMarkdown } from "./size";

describe("nestingDepth", () => {
  it.each<[string, number]>([
    ["", 0],
    ["plain text\nmore", 0],
    ["> quote", 1],
    ["> > > deep", 3],
    [">>>> no spaces", 4],
    ["- a\n  - b\n    - c", 2],
    ["- a\n    - b\n        - c", 3],
    ["1. a\n   2) b", 1],
    ["1.5 is a number", 0],
    ["-not a list", 0],
    ["\tcode", 1],
    ["> - > 1. item", 4],
  ])("%j → %i", (text, depth) => {
    expect(nestingDepth(text)).toBe(depth);
  });

  it("stops early past stopAt", () => {
    expect(nestingDepth("> ".repeat(1000) + "x", 10)).toBe(11);
  });
});

describe("planMarkdown", () => {
  const nested = (levels: number) => Array.from({ length: levels }, (_, i) => "  ".repeat(i * 2) + "- item").join("\n");

  it.each<[string, string, ReturnType<typeof planMarkdown>["render"], string | undefined]>([
    ["short markdown", "# Title\n\n- a\n- b", true, undefined],
    ["exactly at the size limit", "x".repeat(MARKDOWN_MAX_CHARS), true, undefined],
    ["one character over", "x".repeat(MARKDOWN_MAX_CHARS + 1), false, "size"],
    ["1 MB of prose", "word ".repeat(200_000), false, "size"],
    ["at the depth limit", "> ".repeat(MARKDOWN_MAX_DEPTH) + "x", true, undefined],
    ["over the depth limit", "> ".repeat(MARKDOWN_MAX_DEPTH + 1) + "x", false, "depth"],
    ["a deeply nested list", nested(MARKDOWN_MAX_DEPTH + 5), false, "depth"],
    ["1 MB nested: depth wins over size", ("> ".repeat(500) + "x\n").repeat(1000), false, "depth"],
  ])("%s", (_name, text, render, reason) => {
    const plan = planMarkdown(text);
    expect(plan.render).toBe(render);
    if (!plan.render) expect(plan.reason).toBe(reason);
  });

  it("takes custom limits", () => {
    expect(planMarkdown("abcdef", { maxChars: 5, maxDepth: 1 })).toEqual({ render: false, reason: "size", chars: 6 });
    expect(planMarkdown("> > x", { maxChars: 5, maxDepth: 1 })).toEqual({
      render: false,
      reason: "depth",
      chars: 5,
      depth: 2,
    });
  });
});

describe("formatChars", () => {
  it.each<[number, string]>([
    [0, "0 characters"],
    [999, "999 characters"],
    [52_345, "52.3 k characters"],
    [1_048_576, "1.05 M characters"],
  ])("%i → %j", (n, s) => expect(formatChars(n)).toBe(s));
});
