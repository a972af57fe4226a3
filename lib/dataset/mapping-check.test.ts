import { describe, expect, it } from "vitest";
import { checkMappingShape, describeFields, validateMapping } from "@/lib/dataset/schema";
import type { ColumnMapping, ParseProblem, RawRecord } from "@/lib/dataset/types";
import { parseRecipe } from "@/lib/workbench/recipe";
import { createSavedSession, parseSavedSession, serialiseSession } from "@/lib/workbench/saved-session";
import { defaultSpec } from "@/lib/selection/spec";

const none = { explicit: { kind: "none" }, implicit: { kind: "none" } } as const;
const sample: RawRecord[] = [
  {
    instruction: "Q",
    input: "",
    response1: "a",
    response2: "b",
    annotator1: 1,
    annotator2: 2,
    completions: [{ response: "r", overall_score: 1, annotations: { honesty: { Rating: "4" } } }],
  },
];
const top = Object.keys(sample[0]);
const paths = describeFields(sample, top).all;

const votes: ColumnMapping = {
  schema: "pairwise",
  outputA: "response1",
  outputB: "response2",
  promptFields: ["instruction", "input"],
  promptSeparator: "\n\n",
  orientation: { kind: "votes", fields: ["annotator1", "annotator2"], a: ["1"], b: ["2"], tie: ["0"] },
  explicit: { kind: "picked" },
  implicit: { kind: "none" },
};
const uf: ColumnMapping = {
  schema: "multi",
  prompt: "instruction",
  responses: "completions[].response",
  scoreFields: ["completions[].annotations.honesty.Rating"],
  binarize: { rule: "best-random-lower", seed: 42, among: "others" },
  scoreOrder: "higher-better",
  ...none,
};

describe("describeFields over nested records", () => {
  it("classifies paths: lists of texts, numeric lists (N/A allowed), nested text", () => {
    const records: RawRecord[] = [
      {
        instruction: "Q",
        input: { messages: [{ role: "user", content: "hi" }] },
        completions: [
          { response: "r0", overall_score: 7, annotations: { honesty: { Rating: "4" } } },
          { response: "r1", overall_score: 3, annotations: { honesty: { Rating: "N/A" } } },
        ],
        generations: ["g0", null],
      },
    ];
    const kinds = describeFields(records, Object.keys(records[0]));
    expect(kinds.text).toEqual(["instruction", "input.messages"]);
    expect(kinds.textList).toEqual(["completions[].response", "generations"]);
    expect(kinds.numericList).toEqual(["completions[].overall_score", "completions[].annotations.honesty.Rating"]);
    expect(kinds.all).toContain("completions[].annotations.honesty");
  });
});

describe("validateMapping: the hand-mapping fields", () => {
  it.each<[string, ColumnMapping]>([
    ["annotator votes", votes],
    ["UltraFeedback aspects", uf],
  ])("accepts %s against the described paths and against the top-level fields", (_name, mapping) => {
    expect(validateMapping(mapping, paths, "f.jsonl")).toBeNull();
    expect(validateMapping(mapping, top, "f.jsonl")).toBeNull();
  });

  const f = "f.jsonl";
  it.each<[string, ColumnMapping, ParseProblem]>([
    [
      "a prompt field the file lacks",
      { ...votes, promptFields: ["instruction", "context"] },
      { file: f, field: "context", message: expect.stringMatching(/^the prompt field "context" is not in the file/) },
    ],
    [
      "a path whose first step the file lacks",
      { ...uf, responses: "outputs[].text" },
      { file: f, field: "outputs[].text", message: expect.stringMatching(/^the responses field "outputs\[\]\.text"/) },
    ],
    [
      "a vote field the file lacks",
      { ...votes, orientation: { kind: "votes", fields: ["annotator1", "annotator9"], a: ["1"], b: ["2"], tie: [] } },
      { file: f, field: "annotator9", message: expect.stringMatching(/^the vote orientation field "annotator9"/) },
    ],
    [
      "no vote fields",
      { ...votes, orientation: { kind: "votes", fields: [], a: ["1"], b: ["2"], tie: [] } },
      { file: f, message: "mapping.orientation.fields: expected a list of at least 1 field name, got []" },
    ],
    [
      "no values for an output",
      { ...votes, orientation: { kind: "votes", fields: ["annotator1"], a: [], b: ["2"], tie: [] } },
      {
        file: f,
        field: "annotator1",
        message: "the vote values need at least one value for each output (first: 0, second: 1)",
      },
    ],
    [
      "a value listed for two outcomes",
      { ...votes, orientation: { kind: "label", field: "annotator1", a: ["1"], b: ["2", " 1"], tie: [] } },
      { file: f, field: "annotator1", message: 'the label value "1" is listed for both a and b' },
    ],
    [
      "a seed that is not an integer",
      { ...uf, binarize: { rule: "best-random-lower", seed: 1.5 } },
      { file: f, message: "mapping.binarize.seed: expected an integer seed, got 1.5" },
    ],
    [
      "an unknown probability scale",
      {
        ...votes,
        orientation: {
          kind: "probability",
          field: "annotator1",
          scale: "percent",
        } as unknown as ColumnMapping["orientation"],
      },
      { file: f, message: 'mapping.orientation.scale: expected one of unit, one-two, got "percent"' },
    ],
    [
      "an unknown orientation kind",
      { ...votes, orientation: { kind: "vibes" } as unknown as ColumnMapping["orientation"] },
      {
        file: f,
        message: 'mapping.orientation.kind: expected one of label, probability, scores, strength, votes, got "vibes"',
      },
    ],
    [
      "an orientation outside pairwise",
      { ...uf, orientation: { kind: "strength", field: "annotator1" } },
      { file: f, message: "an orientation needs the pairwise schema (it says which of two outputs is better)" },
    ],
    [
      "a binarization outside multi",
      { ...votes, binarize: { rule: "adjacent" } },
      { file: f, message: "binarize needs the multi schema (it orders a record's responses)" },
    ],
    [
      "a score field the file lacks",
      { ...uf, scoreFields: ["ratings"] },
      { file: f, field: "ratings", message: expect.stringMatching(/^the score field "ratings" is not in the file/) },
    ],
    [
      "multi with neither scores nor scoreFields",
      { ...uf, scoreFields: [] },
      { file: f, message: "the multi schema needs a scores field; none is chosen" },
    ],
    [
      "a picked margin for trl",
      {
        schema: "trl",
        chosen: "response1",
        rejected: "response2",
        explicit: { kind: "picked" },
        implicit: { kind: "none" },
      },
      {
        file: f,
        message:
          "a picked margin needs the pairwise or multi schema (it is the difference of the scores that picked the pair)",
      },
    ],
    [
      "an unknown score order",
      { ...uf, scoreOrder: "up" as unknown as ColumnMapping["scoreOrder"] },
      { file: f, message: 'mapping.scoreOrder: expected one of higher-better, lower-better, got "up"' },
    ],
  ])("%s", (_name, mapping, problem) => {
    expect(validateMapping(mapping, paths, f)).toEqual(problem);
  });

  it("still asks a pairwise mapping without an orientation for a label or preference", () => {
    const { orientation: _o, ...bare } = votes;
    expect(validateMapping(bare, paths, "f.jsonl")?.message).toBe(
      "the pairwise schema needs a label or preference field; none is chosen",
    );
  });
});

describe("checkMappingShape", () => {
  it.each<[string, unknown, { path: string; expected: string; got: unknown } | null]>([
    ["votes", votes, null],
    ["UltraFeedback", uf, null],
    ["not an object", 3, { path: "mapping", expected: "an object", got: 3 }],
    ["a role that is not text", { ...uf, responses: 5 }, { path: "mapping.responses", expected: "a string", got: 5 }],
    ["picked with extra keys is fine", { ...uf, explicit: { kind: "picked", note: "x" } }, null],
    [
      "a prompt field that is not text",
      { ...votes, promptFields: ["a", 2] },
      { path: "mapping.promptFields[1]", expected: "a string", got: 2 },
    ],
    [
      "an unknown rule",
      { ...uf, binarize: { rule: "best-random" } },
      { path: "mapping.binarize.rule", expected: "one of best-worst, best-random-lower, adjacent", got: "best-random" },
    ],
    [
      "an unknown pool",
      { ...uf, binarize: { rule: "best-random-lower", seed: 1, among: "all" } },
      { path: "mapping.binarize.among", expected: "one of lower, others", got: "all" },
    ],
    [
      "DPO without β",
      { ...uf, implicit: { kind: "dpo", chosen: "a", rejected: "b", refChosen: "c", refRejected: "d" } },
      { path: "mapping.implicit.beta", expected: "a finite number", got: undefined },
    ],
  ])("%s", (_name, value, want) => {
    expect(checkMappingShape(value)).toEqual(want);
  });
});

describe("stored mappings with the new fields", () => {
  const SHA = "a".repeat(64);
  const recipe = (mapping: unknown) =>
    JSON.stringify({
      tool: "margin-atlas",
      version: 2,
      input: { name: "votes.jsonl", sha256: SHA },
      rowCount: 3,
      mapping,
      selection: defaultSpec(),
    });

  it.each<[string, ColumnMapping]>([
    ["votes", votes],
    ["UltraFeedback", uf],
  ])("a recipe with %s parses back equal", (_name, mapping) => {
    const r = parseRecipe(recipe(mapping), "r.json");
    expect(r.ok && r.data.mapping).toEqual(mapping);
  });

  it("a recipe with a bad orientation names the field", () => {
    const r = parseRecipe(recipe({ ...votes, orientation: { kind: "votes", fields: "annotator1" } }), "r.json");
    expect(r).toEqual({
      ok: false,
      reason: {
        file: "r.json",
        field: "mapping.orientation.fields",
        message: 'expected a list of at least 1 field name, got "annotator1"',
      },
    });
  });

  it.each<[string, ColumnMapping]>([
    ["votes", votes],
    ["UltraFeedback", uf],
  ])("a saved session with %s parses back equal", (_name, mapping) => {
    const s = createSavedSession(
      {
        id: "s",
        dataset: { name: "votes.jsonl", bytes: 10, sha256: SHA, rowCount: 3 },
        mapping,
        spec: defaultSpec(),
        view: { sort: { key: "row", descending: false, filter: "all" }, histogramFields: [] },
        computedColumns: [],
        createdAtMs: 1,
      },
      2,
    );
    const back = parseSavedSession(serialiseSession(s));
    expect(back.ok && back.data.mapping).toEqual(mapping);
  });

  it("a saved session with a bad seed names the path", () => {
    const s = createSavedSession(
      {
        id: "s",
        dataset: { name: "uf.jsonl", bytes: 10, sha256: SHA, rowCount: 3 },
        mapping: { ...uf, binarize: { rule: "best-random-lower", seed: 0.5 } },
        spec: defaultSpec(),
        view: { sort: { key: "row", descending: false, filter: "all" }, histogramFields: [] },
        computedColumns: [],
        createdAtMs: 1,
      },
      2,
    );
    const back = parseSavedSession(serialiseSession(s));
    expect(back.ok).toBe(false);
    expect(!back.ok && back.reason).toMatch(/mapping\.binarize\.seed: expected an integer seed, got 0\.5/);
  });
});
