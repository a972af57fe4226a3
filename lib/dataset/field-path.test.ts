import { describe, expect, it } from "vitest";
import { MAX_NESTED_PATHS, isFieldPath, listFieldPaths, pathRoot, readField } from "@/lib/dataset/field-path";
import type { RawRecord } from "@/lib/dataset/types";

const record: RawRecord = {
  prompt: "Q",
  "a.b": "exact key",
  a: { b: "nested" },
  input: { messages: [{ role: "user", content: "hi" }], tools: [] },
  completions: [
    { response: "r0", overall_score: 7, annotations: { helpfulness: { Rating: "4" } } },
    { response: "r1", overall_score: 3 },
  ],
  nested: { lists: [{ xs: [{ v: 1 }, { v: 2 }] }, { xs: [{ v: 3 }] }] },
  scores: new Float64Array([0.5, 0.25]),
};

describe("readField", () => {
  it.each<[string, unknown]>([
    ["prompt", "Q"],
    ["a.b", "exact key"],
    ["input.messages", [{ role: "user", content: "hi" }]],
    ["input.tools", []],
    ["completions[].response", ["r0", "r1"]],
    ["completions[].overall_score", [7, 3]],
    ["completions[].annotations.helpfulness.Rating", ["4", undefined]],
    ["nested.lists[].xs[].v", [[1, 2], [3]]],
    ["missing", undefined],
    ["input.missing", undefined],
    ["prompt.length", undefined],
    ["prompt[].x", undefined],
    ["completions.response", undefined],
  ])("%s", (path, want) => {
    expect(readField(record, path)).toEqual(want);
  });

  it("maps over typed arrays (Parquet lists) like plain lists", () => {
    const r: RawRecord = { items: [{ s: new Int32Array([1, 2]) }] };
    expect(readField(r, "items[].s")).toEqual([new Int32Array([1, 2])]);
    expect(readField({ t: { xs: new Float32Array([1]) } }, "t.xs")).toEqual(new Float32Array([1]));
  });

  it("tells paths from keys", () => {
    expect([isFieldPath("prompt"), isFieldPath("input.messages"), isFieldPath("completions[].response")]).toEqual([
      false,
      true,
      true,
    ]);
    expect(pathRoot("completions[].annotations.helpfulness.Rating")).toBe("completions");
  });
});

describe("listFieldPaths", () => {
  it("lists top-level fields each followed by its paths, in first-seen order, without looking into messages", () => {
    const sample: RawRecord[] = [
      {
        instruction: "Q",
        completions: [
          { response: "r", annotations: { helpfulness: { Rating: "4", Rationale: "ok" } }, overall_score: 7 },
          { response: "r2", critique: "c" },
        ],
        conversation: [{ role: "user", content: "hi" }],
        chosen: { from: "gpt", value: "x" },
      },
      {
        instruction: "Q2",
        answers: [{ answer: "a", rank: 1 }],
        input: { messages: [{ role: "user", content: "hi" }] },
      },
    ];
    expect(listFieldPaths(sample, ["instruction", "completions"])).toEqual([
      "instruction",
      "completions",
      "completions[].response",
      "completions[].annotations",
      "completions[].annotations.helpfulness",
      "completions[].annotations.helpfulness.Rating",
      "completions[].annotations.helpfulness.Rationale",
      "completions[].overall_score",
      "completions[].critique",
      "conversation",
      "chosen",
      "answers",
      "answers[].answer",
      "answers[].rank",
      "input",
      "input.messages",
    ]);
  });

  it("stops at four steps and skips keys that would not read back as paths", () => {
    const deep: RawRecord = { a: { b: { c: { d: { e: 1 } } } }, "x.y": { z: 1 }, o: { "p.q": 1, "r[]": 2, s: 3 } };
    expect(listFieldPaths([deep])).toEqual(["a", "a.b", "a.b.c", "a.b.c.d", "x.y", "o", "o.s"]);
  });

  it("lists every top-level field but at most MAX_NESTED_PATHS paths under them", () => {
    const wide: RawRecord = { t: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i])), last: 1 };
    const paths = listFieldPaths([wide]);
    expect(paths.length).toBe(2 + MAX_NESTED_PATHS);
    expect(paths.slice(0, 2)).toEqual(["t", "t.k0"]);
    expect(paths).toContain("last");
  });
});
