/** The implicit margin of `generate`'s files: each response's summed log-prob and token count (issue 12). */
import { describe, expect, it } from "vitest";
import { DatasetSession } from "@/lib/workbench/session";
import { validateMapping } from "@/lib/dataset/schema";

// Three responses per prompt; chosen = highest RM score, rejected = lowest (the paper's rule).
const rows = [
  {
    prompt: "p0",
    all_generated_responses: ["a", "b", "c"],
    all_rm_scores: [0.5, 2, -1],
    all_generated_logps: [-6, -4, -9],
    all_generated_tokens: [3, 2, 3],
  },
  {
    prompt: "p1",
    all_generated_responses: ["d", "e"],
    all_rm_scores: [1, 0],
    all_generated_logps: [-10, -2],
    all_generated_tokens: [5, 0],
  },
];
const file = (r: object[]) => new Blob([r.map((x) => JSON.stringify(x)).join("\n") + "\n"]);

describe("picked log-prob lists", () => {
  it("are detected in generate's output and give mean token log-prob of chosen − rejected", async () => {
    const opened = await DatasetSession.open(file(rows), "gen.jsonl");
    if (!opened.ok) throw new Error(opened.reason.message);
    const s = opened.data;
    expect(s.summary().mapping.implicit).toEqual({
      kind: "picked-logps",
      logps: "all_generated_logps",
      tokens: "all_generated_tokens",
    });
    // Row 0: chosen b (−4/2 = −2), rejected c (−9/3 = −3) → 1. Row 1: rejected e has 0 tokens → missing.
    expect(Array.from(s.margins().implicit)).toEqual([1, NaN]);
    expect(Array.from(s.margins().explicit)).toEqual([3, 1]);
  });

  it("without a token list, the summed difference", async () => {
    const opened = await DatasetSession.open(
      file(rows.map(({ all_generated_tokens: _, ...r }) => r)),
      "gen-sums.jsonl",
    );
    if (!opened.ok) throw new Error(opened.reason.message);
    expect(Array.from(opened.data.margins().implicit)).toEqual([5, -8]);
  });

  it("need the multi schema and the fields named", () => {
    const fields = ["prompt", "chosen", "rejected", "all_generated_logps"];
    expect(
      validateMapping(
        {
          schema: "trl",
          chosen: "chosen",
          rejected: "rejected",
          explicit: { kind: "none" },
          implicit: { kind: "picked-logps", logps: "all_generated_logps" },
        },
        fields,
        "f.jsonl",
      )?.message,
    ).toContain("multi schema");
    expect(
      validateMapping(
        {
          schema: "multi",
          responses: "all_generated_responses",
          scores: "all_rm_scores",
          explicit: { kind: "none" },
          implicit: { kind: "picked-logps", logps: "lp" },
        },
        ["all_generated_responses", "all_rm_scores"],
        "f.jsonl",
      ),
    ).toMatchObject({ field: "lp" });
  });
});
