import { describe, expect, it } from "vitest";
import { describeTruncation, TRUNCATED_CHOSEN, TRUNCATED_PROMPT, TRUNCATED_REJECTED } from "./truncation";

describe("describeTruncation", () => {
  it.each([
    [0, "no"],
    [TRUNCATED_PROMPT, "prompt"],
    [TRUNCATED_CHOSEN, "chosen"],
    [TRUNCATED_REJECTED, "rejected"],
    [TRUNCATED_PROMPT | TRUNCATED_CHOSEN, "prompt, chosen"],
    [TRUNCATED_CHOSEN | TRUNCATED_REJECTED, "chosen, rejected"],
    [7, "prompt, chosen, rejected"],
    [NaN, "unknown"],
    [8, "unknown"],
    [-1, "unknown"],
    [1.5, "unknown"],
  ])("%s reads %s", (code, text) => {
    expect(describeTruncation(code)).toBe(text);
  });
});
