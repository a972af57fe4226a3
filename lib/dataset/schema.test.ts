import { describe, expect, it } from "vitest";
import { createExtractor, describeFields, detectMapping, toPair, validateMapping } from "@/lib/dataset/schema";
import { formatProblem } from "@/lib/dataset/types";
import type { ColumnMapping, MarginColumns, Message, ParseProblem, RawRecord } from "@/lib/dataset/types";
import { haveFiles, readPlainText, sharedDatasets, sharedPath } from "@/test/shared-files";

const u = (content: string): Message => ({ role: "user", content });
const a = (content: string): Message => ({ role: "assistant", content });

function load(rel: string): RawRecord[] {
  const text = readPlainText(sharedPath(rel));
  if (rel.endsWith(".json")) return JSON.parse(text) as RawRecord[];
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RawRecord);
}

const fieldsOf = (rows: RawRecord[]) => [...new Set(rows.flatMap((r) => Object.keys(r)))];

/** Detects from the first 200 rows, then runs the extractor over every row, as the session does. */
function run(rows: RawRecord[], name: string, mapping?: ColumnMapping) {
  const detected = detectMapping(rows.slice(0, 200), fieldsOf(rows), name);
  if (!detected.ok) throw new Error(formatProblem(detected.reason));
  const used = mapping ?? detected.data.mapping;
  const columns: MarginColumns = {
    explicit: new Float64Array(rows.length).fill(NaN),
    implicit: new Float64Array(rows.length).fill(NaN),
  };
  const visit = createExtractor(used, name, columns);
  let problem: ParseProblem | undefined;
  for (let i = 0; i < rows.length && !problem; i++) problem = visit(rows[i], { row: i, line: i + 1 }) ?? undefined;
  return { detection: detected.data, columns, problem };
}

const countNaN = (xs: Float64Array) => xs.filter((x) => Number.isNaN(x)).length;
const none = { explicit: { kind: "none" }, implicit: { kind: "none" } } as const;

const REAL = {
  alpaca: "datasets/alpacaeval-weighted-fusechat-llama32-3b/annotations.json",
  llmbar: "datasets/llmbar-adversarial-gptinst/dataset.json",
  sharegpt: "datasets/llamafactory-dpo-en-demo/dpo_en_demo.json",
  hh: "datasets/hh-rlhf-harmless-base-test/test.jsonl.gz",
  paper: "reference/paper-style/processed.jsonl",
};

describe.skipIf(!haveFiles(sharedDatasets))("real shared files (skipped: ../shared/datasets not found)", () => {
  it.each<[keyof typeof REAL, ColumnMapping, RegExp]>([
    [
      "alpaca",
      {
        schema: "pairwise",
        prompt: "instruction",
        outputA: "output_1",
        outputB: "output_2",
        preference: "preference",
        explicit: { kind: "judge-probability", field: "preference" },
        implicit: { kind: "none" },
      },
      /^pairwise/,
    ],
    [
      "llmbar",
      { schema: "pairwise", prompt: "input", outputA: "output_1", outputB: "output_2", label: "label", ...none },
      /^pairwise/,
    ],
    [
      "sharegpt",
      { schema: "sharegpt", prompt: "conversations", chosen: "chosen", rejected: "rejected", ...none },
      /^ShareGPT conversations \+ chosen\/rejected \{from, value\}$/,
    ],
    ["hh", { schema: "hh", chosen: "chosen", rejected: "rejected", ...none }, /^Anthropic HH transcripts/],
    [
      "paper",
      {
        schema: "chat",
        prompt: "prompt",
        chosen: "chosen",
        rejected: "rejected",
        explicit: { kind: "column", field: "rm_margin" },
        implicit: { kind: "column", field: "logp_margin_norm" },
      },
      /^chat message lists/,
    ],
  ])("%s: detected mapping and a clean pass over every row", (name, mapping, note) => {
    const { detection, problem } = run(load(REAL[name]), name);
    expect(detection.mapping).toEqual(mapping);
    expect(detection.notes[0]).toMatch(note);
    expect(problem).toBeUndefined();
  });

  it("alpaca: row 0 preference 1.0025695767 → output_1 chosen, m_ex = logit(1 − 0.0025695767)", () => {
    const rows = load(REAL.alpaca);
    const { detection, columns } = run(rows, "annotations.json");
    expect(rows[0].preference).toBe(1.0025695767);
    expect(columns.explicit[0]).toBeCloseTo(Math.log((1 - 0.0025695767) / 0.0025695767), 9);
    expect(columns.explicit[0]).toBeCloseTo(5.961441218, 8);
    const pair = toPair(rows[0], detection.mapping);
    expect(pair.prompt).toEqual([u(rows[0].instruction as string)]);
    expect(pair.chosen).toEqual([a(rows[0].output_1 as string)]);
    expect(pair.rejected).toEqual([a(rows[0].output_2 as string)]);
    // Preference-oriented margins are never negative; the three exact ties (1.5) give 0 with output_1 chosen.
    expect(countNaN(columns.explicit)).toBe(0);
    expect(columns.explicit.every((x) => x >= 0)).toBe(true);
    const ties = rows.flatMap((r, i) => (r.preference === 1.5 ? [i] : []));
    expect(ties).toEqual([199, 262, 713]);
    for (const i of ties) {
      expect(columns.explicit[i]).toBe(0);
      expect(toPair(rows[i], detection.mapping).chosen).toEqual([a(rows[i].output_1 as string)]);
    }
    const wantChosen = rows.map((r) => ((r.preference as number) > 1.5 ? r.output_2 : r.output_1));
    expect(wantChosen.filter((t, i) => t === rows[i].output_2 && t !== rows[i].output_1).length).toBe(424);
    expect(rows.map((r) => toPair(r, detection.mapping).chosen[0].content)).toEqual(wantChosen);
  });

  it("llmbar: row 0 label 2 → output_2 chosen; no scores, so every explicit margin is missing", () => {
    const rows = load(REAL.llmbar);
    const { detection, columns } = run(rows, "dataset.json");
    expect(rows[0].label).toBe(2);
    const pair = toPair(rows[0], detection.mapping);
    expect(pair.prompt).toEqual([u('What does the phrase "smaller fish to fry" mean?')]);
    expect(pair.chosen[0].content.startsWith('The phrase "smaller fish to fry" refers')).toBe(true);
    expect(pair.rejected[0].content.startsWith('The phrase "bigger fish to fry" is an idiomatic')).toBe(true);
    expect([countNaN(columns.explicit), countNaN(columns.implicit)]).toEqual([92, 92]);
  });

  it("sharegpt: row 0, and the 80 rows that open with a system turn keep it in the prompt", () => {
    const rows = load(REAL.sharegpt);
    const { detection, columns } = run(rows, "dpo_en_demo.json");
    const pair = toPair(rows[0], detection.mapping);
    expect(pair.prompt).toEqual([
      u(
        "Hi! I'd like to create a new language game simulating the first person perspective of a character named Angela.",
      ),
    ]);
    expect(pair.chosen).toHaveLength(1);
    expect(pair.chosen[0].role).toBe("assistant");
    expect(pair.chosen[0].content.startsWith("That sounds like a fun and engaging idea!")).toBe(true);
    expect(pair.rejected[0].content.startsWith("Hello! I'd be happy t")).toBe(true);
    const pairs = rows.map((r) => toPair(r, detection.mapping));
    expect(pairs.filter((p) => p.prompt[0].role === "system").length).toBe(80);
    expect(pairs.every((p, i) => p.prompt.length === (rows[i].conversations as unknown[]).length)).toBe(true);
    expect(countNaN(columns.explicit)).toBe(300);
  });

  it("hh: all 2,312 margins missing; row 0 prompt is the shared dialogue", () => {
    const rows = load(REAL.hh);
    const { detection, columns } = run(rows, "test.jsonl.gz");
    expect([countNaN(columns.explicit), countNaN(columns.implicit)]).toEqual([2312, 2312]);
    const pair = toPair(rows[0], detection.mapping);
    expect(pair.prompt).toHaveLength(5);
    expect(pair.chosen[0].content).toBe(
      "No, sorry!  All of these involve a pen, the point is that you can get funny results by doing pranks with pens.",
    );
  });

  it("paper file: m_ex = rm_margin, m_im = logp_margin_norm, responses = the final assistant turn", () => {
    const rows = load(REAL.paper);
    const { detection, columns } = run(rows, "processed.jsonl");
    expect(rows.length).toBe(3000);
    for (let i = 0; i < rows.length; i++) {
      expect(columns.explicit[i]).toBe(rows[i].rm_margin);
      expect(columns.implicit[i]).toBe(rows[i].logp_margin_norm);
    }
    expect(columns.explicit[0]).toBe(0.03568012128797231);
    expect(columns.implicit[0]).toBe(-0.34802507503498314);
    for (const i of [0, 1, 1234, 2999]) {
      const pair = toPair(rows[i], detection.mapping);
      expect(pair.prompt).toEqual(rows[i].prompt);
      expect(pair.chosen).toEqual((rows[i].chosen as Message[]).slice(-1));
      expect(pair.rejected).toEqual((rows[i].rejected as Message[]).slice(-1));
    }
  });
});

describe("detectMapping on synthetic records", () => {
  it.each<{ name: string; records: RawRecord[]; want: ColumnMapping }>([
    {
      name: "TRL strings; score difference; SimPO normalised log-probs preferred over sums",
      records: [
        {
          prompt: "Q",
          chosen: "good",
          rejected: "bad",
          score_chosen: 8,
          score_rejected: 3,
          chosen_logps: -40,
          rejected_logps: -60,
          chosen_logps_norm: -0.8,
          rejected_logps_norm: -1.1,
        },
      ],
      want: {
        schema: "trl",
        prompt: "prompt",
        chosen: "chosen",
        rejected: "rejected",
        explicit: { kind: "difference", chosen: "score_chosen", rejected: "score_rejected" },
        implicit: { kind: "difference", chosen: "chosen_logps_norm", rejected: "rejected_logps_norm" },
      },
    },
    {
      name: "UltraFeedback-binarized: string prompt, full conversations, score_chosen/score_rejected",
      records: [
        {
          prompt: "Q",
          chosen: [u("Q"), a("good")],
          rejected: [u("Q"), a("bad")],
          score_chosen: 8.5,
          score_rejected: 4,
        },
      ],
      want: {
        schema: "chat",
        prompt: "prompt",
        chosen: "chosen",
        rejected: "rejected",
        explicit: { kind: "difference", chosen: "score_chosen", rejected: "score_rejected" },
        implicit: { kind: "none" },
      },
    },
    {
      name: "multi: responses + scores; DPO from sums with reference log-probs",
      records: [
        {
          prompt: "Q",
          all_generated_responses: ["r0", "r1"],
          all_rm_scores: [0.1, 0.3],
          chosen_logps: -10,
          rejected_logps: -12,
          reference_chosen_logps: -11,
          reference_rejected_logps: -11.5,
        },
      ],
      want: {
        schema: "multi",
        prompt: "prompt",
        responses: "all_generated_responses",
        scores: "all_rm_scores",
        explicit: { kind: "score-range", field: "all_rm_scores" },
        implicit: {
          kind: "dpo",
          chosen: "chosen_logps",
          rejected: "rejected_logps",
          refChosen: "reference_chosen_logps",
          refRejected: "reference_rejected_logps",
          beta: 0.1,
        },
      },
    },
    {
      name: "CSV cells (all strings): pairwise label + preference; summed log-probs",
      records: [
        {
          input: "Q",
          output_1: "a",
          output_2: "b",
          label: "1",
          preference: "1.25",
          chosen_logps: "-3",
          rejected_logps: "",
        },
      ],
      want: {
        schema: "pairwise",
        prompt: "input",
        outputA: "output_1",
        outputB: "output_2",
        label: "label",
        preference: "preference",
        explicit: { kind: "judge-probability", field: "preference" },
        implicit: { kind: "difference", chosen: "chosen_logps", rejected: "rejected_logps" },
      },
    },
    {
      name: "chat lists with no prompt field; reward columns",
      records: [{ chosen: [u("Q"), a("x")], rejected: [u("Q"), a("y")], chosen_reward: 1, rejected_reward: 0 }],
      want: {
        schema: "chat",
        chosen: "chosen",
        rejected: "rejected",
        explicit: { kind: "difference", chosen: "chosen_reward", rejected: "rejected_reward" },
        implicit: { kind: "none" },
      },
    },
  ])("$name", ({ records, want }) => {
    const d = detectMapping(records, Object.keys(records[0]), "f.jsonl");
    expect(d.ok && d.data.mapping).toEqual(want);
  });

  it.each([
    [
      [{ text: "x", score: 1 }],
      "f.csv: could not recognise the schema: expected prompt/chosen/rejected, conversations + chosen/rejected, output_1/output_2 with label or preference, or all_generated_responses + all_rm_scores; found fields: text, score",
    ],
    [
      [{ instruction: "Q", output_1: "a", output_2: "b" }],
      'f.csv, field "label": found output_1/output_2 but no "label" (1|2) or "preference" field saying which output is better',
    ],
  ])("fails clearly on %j", (records, message) => {
    const d = detectMapping(records, Object.keys(records[0]), "f.csv");
    expect(d.ok ? null : formatProblem(d.reason)).toBe(message);
  });

  it("a margin field is recognised by name even when a sampled value is bad, so the scan reports it", () => {
    const rows = [
      { prompt: "a", chosen: "b", rejected: "c", rm_margin: 1 },
      { prompt: "a", chosen: "b", rejected: "c", rm_margin: "x" },
    ];
    const { detection, problem } = run(rows, "bad.jsonl");
    expect(detection.mapping.explicit).toEqual({ kind: "column", field: "rm_margin" });
    expect(formatProblem(problem as ParseProblem)).toBe(
      'bad.jsonl, line 2, field "rm_margin": expected a number (or null for missing), got string "x"',
    );
  });

  it("notes say what was found", () => {
    const d = detectMapping([{ prompt: "Q", chosen: "g", rejected: "b" }], ["prompt", "chosen", "rejected"], "f");
    expect(d.ok && d.data.notes).toEqual([
      "TRL strings prompt/chosen/rejected",
      "explicit margin: none in file",
      "implicit margin: none in file",
    ]);
  });
});

describe("describeFields", () => {
  it("sorts fields into text, numeric and numeric-list candidates", () => {
    const sample: RawRecord[] = [
      {
        prompt: "Q",
        chosen: [u("Q"), a("x")],
        score: "0.5",
        all_rm_scores: "[0.1, 0.2]",
        label: 2,
        meta: null,
        flag: true,
      },
      { prompt: "Q2", chosen: [u("Q2"), a("y")], score: "", all_rm_scores: [0.3], label: 1, meta: null, flag: false },
    ];
    expect(describeFields(sample, ["prompt", "chosen", "score", "all_rm_scores", "label", "meta", "flag"])).toEqual({
      text: ["prompt", "chosen"],
      textList: [],
      numeric: ["score", "label"],
      numericList: ["all_rm_scores"],
      all: ["prompt", "chosen", "score", "all_rm_scores", "label", "meta", "flag"],
    });
  });
});

describe("createExtractor", () => {
  const trl = (explicit: ColumnMapping["explicit"], implicit: ColumnMapping["implicit"]): ColumnMapping => ({
    schema: "trl",
    prompt: "prompt",
    chosen: "chosen",
    rejected: "rejected",
    explicit,
    implicit,
  });
  const base = { prompt: "Q", chosen: "g", rejected: "b" };

  function extract(records: RawRecord[], mapping: ColumnMapping) {
    const columns = { explicit: new Float64Array(records.length), implicit: new Float64Array(records.length) };
    const visit = createExtractor(mapping, "data.jsonl", columns);
    const problems = records.map((r, i) => visit(r, { row: i, line: i + 3 }) ?? null);
    return { columns, problems };
  }

  it("missing values (null, absent, empty, NaN text) become NaN and are counted, never 0", () => {
    const records = [
      { ...base, rm_margin: 0.2, logp_margin_norm: -0.1 },
      { ...base, rm_margin: null, logp_margin_norm: "" },
      { ...base, logp_margin_norm: "NaN" },
      { ...base, rm_margin: "0", logp_margin_norm: "-0.5" },
    ];
    const { columns, problems } = extract(
      records,
      trl({ kind: "column", field: "rm_margin" }, { kind: "column", field: "logp_margin_norm" }),
    );
    expect(problems).toEqual([null, null, null, null]);
    expect([...columns.explicit]).toEqual([0.2, NaN, NaN, 0]);
    expect([...columns.implicit]).toEqual([-0.1, NaN, NaN, -0.5]);
    expect([countNaN(columns.explicit), countNaN(columns.implicit)]).toEqual([2, 2]);
  });

  it.each<{ name: string; mapping: ColumnMapping; record: RawRecord; explicit: number; implicit: number }>([
    {
      name: "difference and DPO",
      mapping: trl(
        { kind: "difference", chosen: "score_chosen", rejected: "score_rejected" },
        {
          kind: "dpo",
          chosen: "cl",
          rejected: "rl",
          refChosen: "rcl",
          refRejected: "rrl",
          beta: 0.1,
        },
      ),
      record: { ...base, score_chosen: 7, score_rejected: 4.5, cl: -10, rl: -20, rcl: -12, rrl: -15 },
      explicit: 2.5,
      implicit: 0.1 * (-10 - -12 - (-20 - -15)),
    },
    {
      name: "score range ignoring missing entries",
      mapping: trl({ kind: "score-range", field: "s" }, { kind: "difference", chosen: "c", rejected: "r" }),
      record: { ...base, s: [0.1, null, 0.4, 0.25], c: "-0.5", r: "-0.75" },
      explicit: 0.30000000000000004,
      implicit: 0.25,
    },
    {
      name: "score range with one score is missing",
      mapping: trl({ kind: "score-range", field: "s" }, { kind: "none" }),
      record: { ...base, s: [0.1] },
      explicit: NaN,
      implicit: NaN,
    },
  ])("$name", ({ mapping, record, explicit, implicit }) => {
    const { columns, problems } = extract([record], mapping);
    expect(problems).toEqual([null]);
    if (Number.isNaN(explicit)) expect(columns.explicit[0]).toBeNaN();
    else expect(columns.explicit[0]).toBeCloseTo(explicit, 12);
    if (Number.isNaN(implicit)) expect(columns.implicit[0]).toBeNaN();
    else expect(columns.implicit[0]).toBeCloseTo(implicit, 12);
  });

  it("pairwise judge margin: a label the judge disagrees with gives a negative margin", () => {
    const mapping: ColumnMapping = {
      schema: "pairwise",
      prompt: "input",
      outputA: "output_1",
      outputB: "output_2",
      label: "label",
      preference: "preference",
      explicit: { kind: "judge-probability", field: "preference" },
      implicit: { kind: "none" },
    };
    const rec = (label: unknown, preference: unknown) => ({
      input: "Q",
      output_1: "a",
      output_2: "b",
      label,
      preference,
    });
    const { columns, problems } = extract(
      [rec(1, 1.8), rec("2", "1.8"), rec(null, 1.2), rec(2, null), rec(1, 2), rec(null, 1)],
      mapping,
    );
    expect(problems.every((p) => p === null)).toBe(true);
    const logit = (p: number) => Math.log(p / (1 - p));
    expect(columns.explicit[0]).toBeCloseTo(logit(0.2), 12);
    expect(columns.explicit[1]).toBeCloseTo(logit(0.8), 12);
    expect(columns.explicit[2]).toBeCloseTo(logit(0.8), 12);
    expect(columns.explicit[3]).toBeNaN();
    expect(columns.explicit[4]).toBeCloseTo(-13.815509557963773, 9);
    expect(columns.explicit[5]).toBeCloseTo(13.815509557963773, 9);
  });

  it("multi: explicit = max − min of the scores", () => {
    const mapping: ColumnMapping = {
      schema: "multi",
      prompt: "prompt",
      responses: "all_generated_responses",
      scores: "all_rm_scores",
      explicit: { kind: "score-range", field: "all_rm_scores" },
      implicit: { kind: "none" },
    };
    const record = { prompt: "Q", all_generated_responses: ["r0", "r1", "r2"], all_rm_scores: [0.5, 0.75, 0.25] };
    const { columns, problems } = extract([record], mapping);
    expect(problems).toEqual([null]);
    expect(columns.explicit[0]).toBe(0.5);
    expect(toPair(record, mapping)).toEqual({ prompt: [u("Q")], chosen: [a("r1")], rejected: [a("r2")] });
  });

  it.each<{ name: string; mapping: ColumnMapping; record: RawRecord; problem: string }>([
    {
      name: "a word in a margin column",
      mapping: trl({ kind: "column", field: "rm_margin" }, { kind: "none" }),
      record: { ...base, rm_margin: "abc" },
      problem: 'data.jsonl, line 3, field "rm_margin": expected a number (or null for missing), got string "abc"',
    },
    {
      name: "a boolean in a log-prob column",
      mapping: trl({ kind: "none" }, { kind: "difference", chosen: "c", rejected: "r" }),
      record: { ...base, c: -1, r: true },
      problem: 'data.jsonl, line 3, field "r": expected a number (or null for missing), got boolean true',
    },
    {
      name: "chosen is a number",
      mapping: trl({ kind: "none" }, { kind: "none" }),
      record: { ...base, chosen: 5 },
      problem: 'data.jsonl, line 3, field "chosen": expected a string, got number 5',
    },
    {
      name: "a chat message without content",
      mapping: { schema: "chat", chosen: "chosen", rejected: "rejected", ...none },
      record: { chosen: [u("Q"), { role: "assistant" }], rejected: [u("Q"), a("b")] },
      problem:
        'data.jsonl, line 3, field "chosen": expected a list of messages {role, content} (or {from, value}), item 1 is an object with keys "role"',
    },
    {
      name: "a pairwise label 3",
      mapping: { schema: "pairwise", outputA: "o1", outputB: "o2", label: "label", ...none },
      record: { o1: "a", o2: "b", label: 3 },
      problem: 'data.jsonl, line 3, field "label": expected a label 1 or 2 (or null for missing), got number 3',
    },
    {
      name: "a preference outside [1, 2]",
      mapping: {
        schema: "pairwise",
        outputA: "o1",
        outputB: "o2",
        preference: "p",
        explicit: { kind: "judge-probability", field: "p" },
        implicit: { kind: "none" },
      },
      record: { o1: "a", o2: "b", p: 0.7 },
      problem:
        'data.jsonl, line 3, field "p": expected a judge preference in [1, 2] (or null for missing), got number 0.7',
    },
    {
      name: "scores that do not match the responses",
      mapping: { schema: "multi", responses: "rs", scores: "ss", ...none },
      record: { rs: ["a", "b", "c"], ss: [1, 2] },
      problem: 'data.jsonl, line 3, field "ss": expected 3 scores (one per response), got 2',
    },
  ])("$name → exact problem text", ({ mapping, record, problem }) => {
    const { problems } = extract([record], mapping);
    expect(problems[0]).not.toBeNull();
    expect(problems[0]?.row).toBe(0);
    expect(formatProblem(problems[0] as ParseProblem)).toBe(problem);
  });
});

describe("validateMapping", () => {
  const fields = ["prompt", "chosen", "rejected", "rm_margin"];
  const good: ColumnMapping = {
    schema: "trl",
    prompt: "prompt",
    chosen: "chosen",
    rejected: "rejected",
    explicit: { kind: "column", field: "rm_margin" },
    implicit: { kind: "none" },
  };

  it("accepts a mapping whose fields exist", () => {
    expect(validateMapping(good, fields, "f.csv")).toBeNull();
  });

  it.each<[string, ColumnMapping, ParseProblem]>([
    [
      "a role field not in the file",
      { ...good, chosen: "better" },
      {
        file: "f.csv",
        field: "better",
        message: 'the chosen field "better" is not in the file (fields: prompt, chosen, rejected, rm_margin)',
      },
    ],
    [
      "a margin field not in the file",
      { ...good, implicit: { kind: "difference", chosen: "chosen_logps_norm", rejected: "rejected_logps_norm" } },
      {
        file: "f.csv",
        field: "chosen_logps_norm",
        message:
          'the implicit margin field "chosen_logps_norm" is not in the file (fields: prompt, chosen, rejected, rm_margin)',
      },
    ],
    [
      "a required role left empty",
      { ...good, rejected: undefined },
      { file: "f.csv", message: "the trl schema needs a rejected field; none is chosen" },
    ],
    [
      "an explicit column with no field chosen",
      { ...good, explicit: { kind: "column", field: "" } },
      { file: "f.csv", message: "the explicit margin has no field chosen" },
    ],
    [
      "pairwise with neither label nor preference",
      { schema: "pairwise", outputA: "chosen", outputB: "rejected", ...none },
      { file: "f.csv", message: "the pairwise schema needs a label or preference field; none is chosen" },
    ],
    [
      "a judge margin outside the pairwise schema",
      { ...good, explicit: { kind: "judge-probability", field: "rm_margin" } },
      {
        file: "f.csv",
        field: "rm_margin",
        message: "a judge probability margin needs the pairwise schema (it says which of output 1 and 2 is better)",
      },
    ],
    [
      "a DPO β that is not positive",
      {
        ...good,
        implicit: {
          kind: "dpo",
          chosen: "rm_margin",
          rejected: "rm_margin",
          refChosen: "rm_margin",
          refRejected: "rm_margin",
          beta: 0,
        },
      },
      { file: "f.csv", message: "DPO β must be a positive number, got 0" },
    ],
  ])("%s", (_name, mapping, problem) => {
    expect(validateMapping(mapping, fields, "f.csv")).toEqual(problem);
  });
});
