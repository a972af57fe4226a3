import { describe, expect, it } from "vitest";
import type { RowSource } from "@/lib/dataset/source";
import { SourceError } from "@/lib/dataset/source-error";
import { detectMapping, toPair } from "@/lib/dataset/schema";
import type { ColumnMapping, Message, RawRecord } from "@/lib/dataset/types";
import { ExportError } from "@/lib/export/export-error";
import type { ExtraColumn } from "@/lib/export/export";
import {
  DATASETS_JSON_CHUNK_BYTES,
  exportTrl,
  isStandardPair,
  jsonDouble,
  trlConversationalPair,
  type TrlFormat,
} from "@/lib/export/trl";
import {
  SHARED_FILES,
  baseName,
  fileBlob,
  haveFiles,
  paperStyleJsonl,
  sharedDataset,
  sharedDatasets,
} from "@/test/shared-files";
import { openOk, scanAll } from "@/test/source-helpers";
import { DatasetSession } from "@/lib/workbench/session";

const none = { explicit: { kind: "none" }, implicit: { kind: "none" } } as const;
const jsonl = (records: RawRecord[]) => records.map((r) => JSON.stringify(r)).join("\n") + "\n";
const user = (content: string): Message => ({ role: "user", content });
const assistant = (content: string): Message => ({ role: "assistant", content });
const system = (content: string): Message => ({ role: "system", content });
const all = (n: number) => Array.from({ length: n }, (_, i) => i);

type Cell = string | number | null | Message[];
type Row = Record<string, Cell>;

/**
 * Checks the structural rules `datasets.load_dataset("json", data_files=…)` needs of a JSON Lines file, and TRL's on
 * top, and returns the parsed rows. `datasets` reads JSON Lines with `pyarrow.json.read_json`, 10 MiB at a time,
 * casting each chunk to the first chunk's types; it fails on:
 * - a line that is not one JSON object (JSON Lines; pyarrow "JSON parse error", huggingface/datasets#7322);
 * - NaN / Infinity literals, which are not JSON (pyarrow "Invalid value", huggingface/datasets#6315);
 * - a column whose type changes between rows ("changed from number to string", huggingface/datasets#6460,
 *   #6106): so every column holds one kind (string | double | message list), null only in number columns; the
 *   numbers are written as doubles (a fraction or exponent), never int64 in one chunk and double in another;
 * - a column that is null all through the first chunk and has values later ("Couldn't cast array of type double to
 *   null", huggingface/datasets#7222);
 * - message lists with differing structs: every message is exactly {role: string, content: string}.
 * TRL adds: prompt, chosen and rejected on every row; message lists never empty (`is_conversational` reads [0]).
 * Same keys in the same order on every row keeps the columns identical without relying on null-filling.
 */
function checkDatasetsJsonl(text: string): Row[] {
  if (text === "") return [];
  expect(text.endsWith("\n"), "the file ends with a newline").toBe(true);
  const lines = text.slice(0, -1).split("\n");
  const rows: Row[] = [];
  const kinds = new Map<string, Set<string>>();
  let keys: string[] | null = null;
  let offset = 0;
  const nullInFirstChunk = new Map<string, boolean>();
  lines.forEach((line, i) => {
    expect(line, `line ${i + 1} is empty`).not.toBe("");
    // Outside strings: JSON.parse refuses these too, but the rule is named here.
    expect(line.replace(/"(?:[^"\\]|\\.)*"/g, '""'), `line ${i + 1}: NaN/Infinity literal`).not.toMatch(/NaN|Infinity/);
    const row = JSON.parse(line) as Row;
    expect(row !== null && typeof row === "object" && !Array.isArray(row), `line ${i + 1} is an object`).toBe(true);
    const rowKeys = Object.keys(row);
    if (keys === null) keys = rowKeys;
    expect(rowKeys, `line ${i + 1}: same keys in the same order as line 1`).toEqual(keys);
    for (const [key, value] of Object.entries(row)) {
      let kind: string;
      if (value === null) kind = "null";
      else if (typeof value === "string") kind = "string";
      else if (typeof value === "number") {
        kind = "double";
        const written = new RegExp(`${JSON.stringify(key).replace(/[[\]\\^$.|?*+()]/g, "\\$&")}:([^,}]*)`).exec(line);
        expect(written?.[1], `line ${i + 1}, ${key}: a double (fraction or exponent)`).toMatch(/[.eE]/);
      } else if (Array.isArray(value)) {
        kind = "messages";
        expect(value.length, `line ${i + 1}, ${key}: a non-empty message list`).toBeGreaterThan(0);
        for (const m of value) {
          expect(Object.keys(m), `line ${i + 1}, ${key}: {role, content}`).toEqual(["role", "content"]);
          expect(typeof m.role === "string" && typeof m.content === "string").toBe(true);
        }
      } else throw new Error(`line ${i + 1}, ${key}: unexpected ${JSON.stringify(value)}`);
      const set = kinds.get(key) ?? new Set();
      set.add(kind);
      kinds.set(key, set);
      if (offset < DATASETS_JSON_CHUNK_BYTES) {
        nullInFirstChunk.set(key, (nullInFirstChunk.get(key) ?? true) && value === null);
      } else if (value !== null && nullInFirstChunk.get(key)) {
        throw new Error(`line ${i + 1}, ${key}: null all through the first 10 MiB, a value later`);
      }
    }
    offset += new TextEncoder().encode(line).length + 1;
    rows.push(row);
  });
  for (const column of ["prompt", "chosen", "rejected"]) expect(keys).toContain(column);
  for (const [key, set] of kinds) {
    const real = [...set].filter((k) => k !== "null");
    expect(real.length, `column ${key}: one kind, got ${[...set].join(", ")}`).toBeLessThanOrEqual(1);
    if (set.has("null")) expect(real[0] ?? "double", `column ${key}: null only in numbers`).toBe("double");
  }
  return rows;
}

async function runTrl(
  content: string | RowSource,
  name: string,
  mapping: ColumnMapping,
  rows?: number[],
  extra?: ExtraColumn[],
): Promise<{ rows: Row[]; format: TrlFormat; text: string; source: RowSource }> {
  const source = typeof content === "string" ? await openOk(content, name) : content;
  const { blob, format } = await exportTrl(source, mapping, rows ?? all(source.rowCount), extra);
  expect(blob.type).toBe("application/x-ndjson");
  const text = await blob.text();
  return { rows: checkDatasetsJsonl(text), format, text, source };
}

/** prompt + chosen and prompt + rejected of a TRL row as message lists (strings as one user / assistant turn). */
function conversations(row: Row): { chosen: Message[]; rejected: Message[] } {
  const asMessages = (v: Cell, role: string): Message[] =>
    typeof v === "string" ? (v === "" && role === "user" ? [] : [{ role, content: v }]) : (v as Message[]);
  const prompt = asMessages(row.prompt, "user");
  return {
    chosen: [...prompt, ...asMessages(row.chosen, "assistant")],
    rejected: [...prompt, ...asMessages(row.rejected, "assistant")],
  };
}

/** Every row carries its pair: the same conversations as `toPair` gives (so the orientation is the session's). */
async function expectPairsKept(source: RowSource, mapping: ColumnMapping, rows: number[], got: Row[]) {
  const records = await source.getRecords(rows);
  records.forEach((record, k) => {
    const pair = toPair(record, mapping);
    expect(conversations(got[k]), `row ${rows[k]}`).toEqual({
      chosen: [...pair.prompt, ...pair.chosen],
      rejected: [...pair.prompt, ...pair.rejected],
    });
  });
}

interface SchemaCase {
  name: string;
  /** Where the sample's layout comes from. */
  origin: string;
  file: string;
  content: string;
  mapping: ColumnMapping;
  format: TrlFormat;
  /** The TRL rows expected, written out by hand. */
  expected: Row[];
}

const SCHEMAS: SchemaCase[] = [
  {
    name: "trl strings",
    origin: "TRL's standard preference format (trl-lib datasets)",
    file: "t.jsonl",
    content: jsonl([
      { prompt: "The sky is", chosen: " blue.", rejected: " green." },
      { prompt: "2+2=", chosen: "4", rejected: "5", id: 7 },
    ]),
    mapping: { schema: "trl", prompt: "prompt", chosen: "chosen", rejected: "rejected", ...none },
    format: "standard",
    expected: [
      { prompt: "The sky is", chosen: " blue.", rejected: " green." },
      { prompt: "2+2=", chosen: "4", rejected: "5" },
    ],
  },
  {
    name: "trl strings in CSV (string cells, no prompt field)",
    origin: "a CSV export of a TRL-style dataset with an implicit prompt",
    file: "t.csv",
    content: 'chosen,rejected\n"a, b",c\n"[1, 2]","say ""hi"""\n',
    mapping: { schema: "trl", chosen: "chosen", rejected: "rejected", ...none },
    format: "standard",
    expected: [
      { prompt: "", chosen: "a, b", rejected: "c" },
      { prompt: "", chosen: "[1, 2]", rejected: 'say "hi"' },
    ],
  },
  {
    name: "chat lists (UltraFeedback-binarized: prompt string, chosen/rejected [user, assistant])",
    origin: "HuggingFaceH4/ultrafeedback_binarized rows (prompt, chosen, rejected message lists)",
    file: "c.jsonl",
    content: jsonl([
      {
        prompt: "Q0",
        chosen: [user("Q0"), assistant("good 0")],
        rejected: [user("Q0"), assistant("bad 0")],
        score_chosen: 8,
        score_rejected: 3,
      },
    ]),
    mapping: { schema: "chat", prompt: "prompt", chosen: "chosen", rejected: "rejected", ...none },
    format: "conversational",
    expected: [{ prompt: [user("Q0")], chosen: [assistant("good 0")], rejected: [assistant("bad 0")] }],
  },
  {
    name: "chat lists with a system message and several turns",
    origin: "multi-turn chat preference rows (Capybara-DPO style: full conversations in chosen/rejected)",
    file: "m.jsonl",
    content: jsonl([
      {
        chosen: [system("be brief"), user("hi"), assistant("hello"), user("q"), assistant("good")],
        rejected: [system("be brief"), user("hi"), assistant("hello"), user("q"), assistant("bad")],
      },
    ]),
    mapping: { schema: "chat", chosen: "chosen", rejected: "rejected", ...none },
    format: "conversational",
    expected: [
      {
        prompt: [system("be brief"), user("hi"), assistant("hello"), user("q")],
        chosen: [assistant("good")],
        rejected: [assistant("bad")],
      },
    ],
  },
  {
    name: "chat lists that differ before the last turn (the prompt ends before an assistant turn)",
    origin: "conversations diverging at a user turn, split as TRL's extract_prompt does",
    file: "d.jsonl",
    content: jsonl([
      {
        chosen: [user("hi"), assistant("hello"), user("A?"), assistant("a")],
        rejected: [user("hi"), assistant("hello"), user("B?"), assistant("b")],
      },
    ]),
    mapping: { schema: "chat", chosen: "chosen", rejected: "rejected", ...none },
    format: "conversational",
    expected: [
      {
        prompt: [user("hi")],
        chosen: [assistant("hello"), user("A?"), assistant("a")],
        rejected: [assistant("hello"), user("B?"), assistant("b")],
      },
    ],
  },
  {
    name: "ShareGPT conversations + chosen/rejected {from, value}",
    origin: "LLaMA-Factory data/dpo_en_demo.json (ShareGPT ranking format)",
    file: "s.json",
    content: JSON.stringify([
      {
        conversations: [
          { from: "system", value: "sys" },
          { from: "human", value: "first" },
        ],
        chosen: { from: "gpt", value: "yes" },
        rejected: { from: "gpt", value: "no" },
      },
      {
        conversations: [{ from: "human", value: "second" }],
        chosen: { from: "gpt", value: "y2" },
        rejected: { from: "gpt", value: "n2" },
      },
    ]),
    mapping: { schema: "sharegpt", prompt: "conversations", chosen: "chosen", rejected: "rejected", ...none },
    format: "conversational",
    expected: [
      { prompt: [system("sys"), user("first")], chosen: [assistant("yes")], rejected: [assistant("no")] },
      { prompt: [user("second")], chosen: [assistant("y2")], rejected: [assistant("n2")] },
    ],
  },
  {
    name: "Anthropic HH transcripts",
    origin: "Anthropic/hh-rlhf rows (chosen/rejected transcripts sharing the dialogue)",
    file: "h.jsonl",
    content: jsonl([
      {
        chosen: "\n\nHuman: hi\n\nAssistant: hello\n\nHuman: how are you?\n\nAssistant: fine, thanks",
        rejected: "\n\nHuman: hi\n\nAssistant: hello\n\nHuman: how are you?\n\nAssistant: go away",
      },
    ]),
    mapping: { schema: "hh", chosen: "chosen", rejected: "rejected", ...none },
    format: "conversational",
    expected: [
      {
        prompt: [user("hi"), assistant("hello"), user("how are you?")],
        chosen: [assistant("fine, thanks")],
        rejected: [assistant("go away")],
      },
    ],
  },
  {
    name: "pairwise with a 1|2 label (output 2 better on the first row)",
    origin: "princeton-nlp/LLMBar (input, output_1, output_2, label)",
    file: "p.json",
    content: JSON.stringify([
      { input: "I0", output_1: "o1 worse", output_2: "o2 better", label: 2 },
      { input: "I1", output_1: "o1 better", output_2: "o2 worse", label: 1 },
    ]),
    mapping: { schema: "pairwise", prompt: "input", outputA: "output_1", outputB: "output_2", label: "label", ...none },
    format: "standard",
    expected: [
      { prompt: "I0", chosen: "o2 better", rejected: "o1 worse" },
      { prompt: "I1", chosen: "o1 better", rejected: "o2 worse" },
    ],
  },
  {
    name: "pairwise with a judge preference in [1, 2]",
    origin: "AlpacaEval annotations.json (instruction, output_1, output_2, preference)",
    file: "a.json",
    content: JSON.stringify([
      { instruction: "I0", output_1: "ref", output_2: "model wins", preference: 1.9 },
      { instruction: "I1", output_1: "ref wins", output_2: "model", preference: 1.2 },
    ]),
    mapping: {
      schema: "pairwise",
      prompt: "instruction",
      outputA: "output_1",
      outputB: "output_2",
      preference: "preference",
      ...none,
    },
    format: "standard",
    expected: [
      { prompt: "I0", chosen: "model wins", rejected: "ref" },
      { prompt: "I1", chosen: "ref wins", rejected: "model" },
    ],
  },
  {
    name: "multi-response strings: chosen = argmax, rejected = argmin",
    origin: "princeton-nlp/llama3-ultrafeedback-armorm (prompt, all_generated_responses, all_rm_scores)",
    file: "u.jsonl",
    content: jsonl([
      { prompt: "P0", all_generated_responses: ["r0", "r1", "r2"], all_rm_scores: [0.5, 0.9, 0.1] },
      { prompt: "P1", all_generated_responses: ["s0", "s1"], all_rm_scores: [0.2, -0.3] },
    ]),
    mapping: {
      schema: "multi",
      prompt: "prompt",
      responses: "all_generated_responses",
      scores: "all_rm_scores",
      ...none,
    },
    format: "standard",
    expected: [
      { prompt: "P0", chosen: "r1", rejected: "r2" },
      { prompt: "P1", chosen: "s0", rejected: "s1" },
    ],
  },
  {
    name: "multi-response chat lists (message cells make the whole file conversational)",
    origin: "on-policy generations stored as chat lists (prompt + one assistant message each)",
    file: "v.jsonl",
    content: jsonl([
      {
        prompt: "P0",
        all_generated_responses: [[assistant("low")], [assistant("high")]],
        all_rm_scores: [1, 2],
      },
    ]),
    mapping: {
      schema: "multi",
      prompt: "prompt",
      responses: "all_generated_responses",
      scores: "all_rm_scores",
      ...none,
    },
    format: "conversational",
    expected: [{ prompt: [user("P0")], chosen: [assistant("high")], rejected: [assistant("low")] }],
  },
];

describe("exportTrl per schema", () => {
  it.each(SCHEMAS)("$name ($origin)", async ({ file, content, mapping, format, expected }) => {
    const got = await runTrl(content, file, mapping);
    expect(got.format).toBe(format);
    expect(got.rows).toEqual(expected);
    await expectPairsKept(got.source, mapping, all(expected.length), got.rows);
  });

  it("writes the rows given, in the order given", async () => {
    const { content, file, mapping, expected } = SCHEMAS.find((s) => s.name.startsWith("pairwise with a 1|2"))!;
    const got = await runTrl(content, file, mapping, [1, 0, 1]);
    expect(got.rows).toEqual([expected[1], expected[0], expected[1]]);
  });

  it("exports nothing as an empty file", async () => {
    const { content, file, mapping } = SCHEMAS[0];
    expect((await runTrl(content, file, mapping, [])).text).toBe("");
  });

  it("one format per file: a single pair with roles makes every row conversational", async () => {
    const content = jsonl([
      { prompt: "P0", all_generated_responses: ["a", "b"], all_rm_scores: [1, 0] },
      // A response of two turns can't be a string without losing its roles.
      {
        prompt: "P1",
        all_generated_responses: [[assistant("x")], [assistant("y1"), user("more?"), assistant("y2")]],
        all_rm_scores: [0, 1],
      },
    ]);
    const mapping: ColumnMapping = {
      schema: "multi",
      prompt: "prompt",
      responses: "all_generated_responses",
      scores: "all_rm_scores",
      ...none,
    };
    const both = await runTrl(content, "mixed.jsonl", mapping);
    expect(both.format).toBe("conversational");
    expect(both.rows[0]).toEqual({ prompt: [user("P0")], chosen: [assistant("a")], rejected: [assistant("b")] });
    expect(both.rows[1].chosen).toEqual([assistant("y1"), user("more?"), assistant("y2")]);
    // The decision is over the exported rows: row 0 alone has no roles.
    expect((await runTrl(content, "mixed.jsonl", mapping, [0])).format).toBe("standard");
  });

  it("reads message cells through a field path (OpenAI preference fine-tuning layout)", async () => {
    const content = jsonl([
      {
        input: { messages: [user("hello")] },
        preferred_output: [assistant("hi!")],
        non_preferred_output: [assistant("what?")],
      },
    ]);
    // The chat schema reads `input.messages` as the prompt; the cells hold messages, so roles stay.
    const mapping: ColumnMapping = {
      schema: "chat",
      prompt: "input.messages",
      chosen: "preferred_output",
      rejected: "non_preferred_output",
      ...none,
    };
    const got = await runTrl(content, "openai.jsonl", mapping);
    expect(got.format).toBe("conversational");
    expect(got.rows).toEqual([{ prompt: [user("hello")], chosen: [assistant("hi!")], rejected: [assistant("what?")] }]);
  });

  it("refuses a conversational pair with no prompt turn, naming the row (TRL reads prompt[0])", async () => {
    const content = jsonl([
      { chosen: "\n\nHuman: a\n\nAssistant: b", rejected: "\n\nHuman: a\n\nAssistant: c" },
      // No assistant marker in the shared prefix: both transcripts are responses, the prompt is empty.
      { chosen: "\n\nHuman: x\n\nAssistant: y", rejected: "\n\nHuman: z\n\nAssistant: w" },
    ]);
    const mapping: ColumnMapping = { schema: "hh", chosen: "chosen", rejected: "rejected", ...none };
    const source = await openOk(content, "hh.jsonl");
    const err = await exportTrl(source, mapping, [0, 1]).catch((e) => e);
    expect(err).toBeInstanceOf(ExportError);
    expect(err.code).toBe("export-bad-row");
    expect(err.message).toBe(
      "hh.jsonl, row 1: cannot write this pair in TRL's conversational format: its prompt has no message (the two conversations share no turn before their responses), and TRL needs at least one. Exclude the row from the selection, or map the file differently.",
    );
    expect((await runTrl(source, "hh.jsonl", mapping, [0])).rows).toHaveLength(1);
  });

  it("names the row and field of a record that does not fit the mapping", async () => {
    const source = await openOk(
      jsonl([
        { prompt: "p", chosen: "c", rejected: "r" },
        { prompt: "p", chosen: 3, rejected: "r" },
      ]),
      "bad.jsonl",
    );
    const mapping: ColumnMapping = { schema: "trl", prompt: "prompt", chosen: "chosen", rejected: "rejected", ...none };
    const err = await exportTrl(source, mapping, [0, 1]).catch((e) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect(err.message).toBe('bad.jsonl, line 2, field "chosen": expected a string, got number 3');
  });
});

describe("the has-roles rule", () => {
  it.each([
    [{ prompt: [user("q")], chosen: [assistant("a")], rejected: [assistant("b")] }, true],
    [{ prompt: [], chosen: [assistant("a")], rejected: [assistant("b")] }, true],
    [{ prompt: [system("s"), user("q")], chosen: [assistant("a")], rejected: [assistant("b")] }, false],
    [{ prompt: [user("q"), user("q2")], chosen: [assistant("a")], rejected: [assistant("b")] }, false],
    [{ prompt: [system("q")], chosen: [assistant("a")], rejected: [assistant("b")] }, false],
    [{ prompt: [user("q")], chosen: [assistant("a"), assistant("a2")], rejected: [assistant("b")] }, false],
    [{ prompt: [user("q")], chosen: [assistant("a")], rejected: [user("b")] }, false],
  ])("%j standard: %s", (pair, standard) => {
    expect(isStandardPair(pair)).toBe(standard);
  });

  it("moves assistant turns that end the prompt into both responses (the conversations stay the same)", () => {
    const pair = { prompt: [user("q"), assistant("a1")], chosen: [user("c")], rejected: [user("r")] };
    expect(trlConversationalPair(pair)).toEqual({
      prompt: [user("q")],
      chosen: [assistant("a1"), user("c")],
      rejected: [assistant("a1"), user("r")],
    });
  });
});

describe("computed columns in the TRL export", () => {
  const content = jsonl([
    { prompt: "p0", chosen: "c0", rejected: "r0" },
    { prompt: "p1", chosen: "c1", rejected: "r1" },
    { prompt: "p2", chosen: "c2", rejected: "r2" },
  ]);
  const mapping: ColumnMapping = { schema: "trl", prompt: "prompt", chosen: "chosen", rejected: "rejected", ...none };

  it("come after prompt/chosen/rejected as doubles, NaN and ±Infinity as null", async () => {
    const extra = [
      { name: "explicit_margin", values: new Float64Array([0.25, NaN, -2]) },
      { name: "m_ap_rank", values: new Float64Array([3, 1, Infinity]) },
    ];
    const { text, rows } = await runTrl(content, "t.jsonl", mapping, [0, 1, 2], extra);
    expect(text).toBe(
      '{"prompt":"p0","chosen":"c0","rejected":"r0","explicit_margin":0.25,"m_ap_rank":3.0}\n' +
        '{"prompt":"p1","chosen":"c1","rejected":"r1","explicit_margin":null,"m_ap_rank":1.0}\n' +
        '{"prompt":"p2","chosen":"c2","rejected":"r2","explicit_margin":-2.0,"m_ap_rank":null}\n',
    );
    expect(rows.map((r) => r.m_ap_rank)).toEqual([3, 1, null]);
  });

  it.each([
    [0.1, "0.1"],
    [3, "3.0"],
    [-0, "-0.0"],
    [1e21, "1e+21"],
    [-1.5e-7, "-1.5e-7"],
    [NaN, "null"],
    [-Infinity, "null"],
  ])("jsonDouble(%d) = %s", (value, written) => {
    expect(jsonDouble(value)).toBe(written);
    if (written !== "null") expect(JSON.parse(written)).toBe(value);
  });

  it("refuses a computed column named like a TRL column", async () => {
    const source = await openOk(content, "t.jsonl");
    const err = await exportTrl(source, mapping, [0], [{ name: "prompt", values: new Float64Array(3) }]).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(ExportError);
    expect(err.message).toBe(
      'cannot add the computed column "prompt" to the TRL export: "prompt" is one of TRL\'s columns (prompt, chosen, rejected).',
    );
  });

  it("writes reference log-probs DPOTrainer would use only when every exported row has them", async () => {
    const extra = [
      { name: "ref_chosen_logps", values: new Float64Array([-10, NaN, -12]) },
      { name: "ref_rejected_logps", values: new Float64Array([-11, -13, -14]) },
    ];
    const source = await openOk(content, "t.jsonl");
    const err = await exportTrl(source, mapping, [0, 1, 2], extra).catch((e) => e);
    expect(err).toBeInstanceOf(ExportError);
    expect(err.message).toMatch(
      /^cannot write the computed column "ref_chosen_logps" to the TRL export: 1 of the 3 exported rows have none \(first: row 1\)\. DPOTrainer reads ref_chosen_logps and ref_rejected_logps as precomputed reference log-probs/,
    );
    const { rows } = await runTrl(source, "t.jsonl", mapping, [0, 2], extra);
    expect(rows.map((r) => [r.ref_chosen_logps, r.ref_rejected_logps])).toEqual([
      [-10, -11],
      [-12, -14],
    ]);
  });

  it("refuses a column that datasets would type null from its first 10 MiB and then meet a number", async () => {
    const big = "x".repeat(1 << 20);
    const records = Array.from({ length: 12 }, (_, i) => ({ prompt: `p${i}`, chosen: big, rejected: "r" }));
    const source = await openOk(jsonl(records), "big.jsonl");
    const late = new Float64Array(12).fill(NaN);
    late[11] = 1.5;
    const err = await exportTrl(source, mapping, all(12), [{ name: "m_ap", values: late }]).catch((e) => e);
    expect(err).toBeInstanceOf(ExportError);
    expect(err.message).toMatch(
      /^cannot write the computed column "m_ap" to the TRL export: it is missing \(null\) on every row in the first 10 MiB of the file and has values from row 11 on/,
    );
    // Values early and nulls later are fine: the first chunk types the column as double.
    const early = new Float64Array(12).fill(NaN);
    early[0] = 1.5;
    const { rows } = await runTrl(source, "big.jsonl", mapping, all(12), [{ name: "m_ap", values: early }]);
    expect(rows.map((r) => r.m_ap)).toEqual([1.5, ...Array(11).fill(null)]);
  });
});

/** Expected format and an independent check of each TRL row against the record it came from. */
const SHARED_EXPECTATIONS: Record<string, { format: TrlFormat; check: (record: RawRecord, row: Row) => void }> = {
  "hh-rlhf-harmless-base-test/test.jsonl.gz": {
    format: "conversational",
    check: (record, row) => {
      // Written back as a transcript, prompt + chosen is the source's chosen text (HH puts one space after a marker).
      const transcript = (messages: Message[]) =>
        messages.map((m) => `\n\n${m.role === "user" ? "Human" : "Assistant"}: ${m.content}`).join("");
      const { chosen, rejected } = conversations(row);
      expect(transcript(chosen)).toBe(record.chosen);
      expect(transcript(rejected)).toBe(record.rejected);
      expect((row.chosen as Message[])[0].role).toBe("assistant");
    },
  },
  "llamafactory-dpo-en-demo/dpo_en_demo.json": {
    format: "conversational",
    check: (record, row) => {
      const conv = record.conversations as { from: string; value: string }[];
      const roles: Record<string, string> = { human: "user", gpt: "assistant", system: "system" };
      expect(row.prompt).toEqual(conv.map((m) => ({ role: roles[m.from], content: m.value })));
      expect(row.chosen).toEqual([assistant((record.chosen as { value: string }).value)]);
      expect(row.rejected).toEqual([assistant((record.rejected as { value: string }).value)]);
    },
  },
  "alpacaeval-weighted-fusechat-llama32-3b/annotations.json": {
    format: "standard",
    check: (record, row) => {
      const secondBetter = (record.preference as number) > 1.5;
      expect(row.prompt).toBe(record.instruction);
      expect(row.chosen).toBe(secondBetter ? record.output_2 : record.output_1);
      expect(row.rejected).toBe(secondBetter ? record.output_1 : record.output_2);
    },
  },
  "llmbar-adversarial-gptinst/dataset.json": {
    format: "standard",
    check: (record, row) => {
      expect(row.prompt).toBe(record.input);
      expect(row.chosen).toBe(record.label === 2 ? record.output_2 : record.output_1);
      expect(row.rejected).toBe(record.label === 2 ? record.output_1 : record.output_2);
    },
  },
};

async function detected(source: RowSource): Promise<ColumnMapping> {
  const sample = await source.getRecords(all(Math.min(200, source.rowCount)));
  const d = detectMapping(sample, source.fields, source.info.name);
  if (!d.ok) throw new Error(JSON.stringify(d.reason));
  return d.data.mapping;
}

describe.skipIf(!haveFiles(sharedDatasets))("shared datasets (skipped: ../shared/datasets not found)", () => {
  it.each(SHARED_FILES)("$file: every row's pair, oriented, in the expected TRL format", async ({ file, rows }) => {
    const source = await openOk(await fileBlob(sharedDataset(file)), baseName(file));
    const mapping = await detected(source);
    const margins = new Float64Array(rows).map((_, i) => (i % 7 === 0 ? NaN : i / 4));
    const got = await runTrl(source, baseName(file), mapping, undefined, [{ name: "m_ap", values: margins }]);
    const want = SHARED_EXPECTATIONS[file];
    expect(got.format).toBe(want.format);
    expect(got.rows).toHaveLength(rows);
    const { records } = await scanAll(source);
    got.rows.forEach((row, i) => {
      want.check(records[i] as RawRecord, row);
      expect(row.m_ap).toBe(i % 7 === 0 ? null : i / 4);
    });
    await expectPairsKept(source, mapping, all(rows), got.rows);
  });
});

describe.skipIf(!haveFiles(paperStyleJsonl))("paper-style data (skipped: ../shared/reference not found)", () => {
  it("chat lists → conversational; each response is the last turn of its source conversation", async () => {
    const source = await openOk(await fileBlob(paperStyleJsonl), "processed.jsonl");
    const mapping = await detected(source);
    const picked = all(source.rowCount).filter((i) => i % 3 === 1);
    const got = await runTrl(source, "processed.jsonl", mapping, picked);
    expect(got.format).toBe("conversational");
    const records = await source.getRecords(picked);
    records.forEach((record, k) => {
      expect(got.rows[k].prompt).toEqual(record.prompt);
      expect(got.rows[k].chosen).toEqual((record.chosen as Message[]).slice(-1));
      expect(got.rows[k].rejected).toEqual((record.rejected as Message[]).slice(-1));
    });
  });
});

/** A session's pairs (a planned mapping makes each pair a row) exported to TRL. */
async function sessionTrl(records: RawRecord[], name: string, mapping: ColumnMapping) {
  const opened = await DatasetSession.open(new Blob([jsonl(records)]), name, { mapping });
  if (!opened.ok) throw new Error(opened.reason.message);
  const s = opened.data;
  const got = await runTrl(s.source, name, mapping, all(s.source.rowCount));
  await expectPairsKept(s.source, mapping, all(s.source.rowCount), got.rows);
  return got;
}

describe("planned pairs: orientations and binarizations (issue 9 schemas)", () => {
  it("annotator votes (human-judged pairwise test sets): majority orients, ties and no-majority rows are absent", async () => {
    const votes = [
      [1, 1, 2],
      [2, 2, 1],
      [0, 0, 1],
      [1, 2, 0],
      [2, 2, 2],
    ];
    const records = votes.map((v, i) => ({
      instruction: `task ${i}`,
      input: `input ${i}`,
      response1: `one ${i}`,
      response2: `two ${i}`,
      annotator1: v[0],
      annotator2: v[1],
      annotator3: v[2],
    }));
    const got = await sessionTrl(records, "votes.jsonl", {
      schema: "pairwise",
      promptFields: ["instruction", "input"],
      promptSeparator: "\n",
      outputA: "response1",
      outputB: "response2",
      orientation: {
        kind: "votes",
        fields: ["annotator1", "annotator2", "annotator3"],
        a: ["1"],
        b: ["2"],
        tie: ["0"],
      },
      explicit: { kind: "picked" },
      implicit: { kind: "none" },
    });
    expect(got.format).toBe("standard");
    expect(got.rows).toEqual([
      { prompt: "task 0\ninput 0", chosen: "one 0", rejected: "two 0" },
      { prompt: "task 1\ninput 1", chosen: "two 1", rejected: "one 1" },
      { prompt: "task 4\ninput 4", chosen: "two 4", rejected: "one 4" },
    ]);
  });

  it("Chatbot Arena conversations (lmsys/chatbot_arena_conversations): chat lists, winner orients, ties absent", async () => {
    const conv = (q: string, a: string) => [user(q), assistant(a)];
    const records = [
      { conversation_a: conv("q0", "a0"), conversation_b: conv("q0", "b0"), winner: "model_b" },
      { conversation_a: conv("q1", "a1"), conversation_b: conv("q1", "b1"), winner: "tie" },
      { conversation_a: conv("q2", "a2"), conversation_b: conv("q2", "b2"), winner: "model_a" },
      { conversation_a: conv("q3", "a3"), conversation_b: conv("q3", "b3"), winner: "tie (bothbad)" },
    ];
    const got = await sessionTrl(records, "arena.jsonl", {
      schema: "pairwise",
      outputA: "conversation_a",
      outputB: "conversation_b",
      orientation: { kind: "label", field: "winner", a: ["model_a"], b: ["model_b"], tie: ["tie", "tie (bothbad)"] },
      explicit: { kind: "none" },
      implicit: { kind: "none" },
    });
    expect(got.format).toBe("conversational");
    expect(got.rows).toEqual([
      { prompt: [user("q0")], chosen: [assistant("b0")], rejected: [assistant("a0")] },
      { prompt: [user("q2")], chosen: [assistant("a2")], rejected: [assistant("b2")] },
    ]);
  });

  it("PKU-SafeRLHF (prompt, response_0, response_1, better_response_id)", async () => {
    const records = [
      { prompt: "p0", response_0: "r0 a", response_1: "r0 b", better_response_id: 1, safer_response_id: 0 },
      { prompt: "p1", response_0: "r1 a", response_1: "r1 b", better_response_id: 0, safer_response_id: 1 },
    ];
    const mapping = (field: string): ColumnMapping => ({
      schema: "pairwise",
      prompt: "prompt",
      outputA: "response_0",
      outputB: "response_1",
      orientation: { kind: "label", field, a: ["0"], b: ["1"], tie: [] },
      explicit: { kind: "none" },
      implicit: { kind: "none" },
    });
    expect((await sessionTrl(records, "pku.jsonl", mapping("better_response_id"))).rows).toEqual([
      { prompt: "p0", chosen: "r0 b", rejected: "r0 a" },
      { prompt: "p1", chosen: "r1 a", rejected: "r1 b" },
    ]);
    expect((await sessionTrl(records, "pku.jsonl", mapping("safer_response_id"))).rows).toEqual([
      { prompt: "p0", chosen: "r0 a", rejected: "r0 b" },
      { prompt: "p1", chosen: "r1 b", rejected: "r1 a" },
    ]);
  });

  it("HelpSteer2 preference (preference_strength −3…3; 0 absent)", async () => {
    const records = [
      { prompt: "p0", response_1: "x0", response_2: "y0", preference_strength: -2 },
      { prompt: "p1", response_1: "x1", response_2: "y1", preference_strength: 0 },
      { prompt: "p2", response_1: "x2", response_2: "y2", preference_strength: 3 },
    ];
    const got = await sessionTrl(records, "helpsteer2.jsonl", {
      schema: "pairwise",
      prompt: "prompt",
      outputA: "response_1",
      outputB: "response_2",
      orientation: { kind: "strength", field: "preference_strength" },
      explicit: { kind: "picked" },
      implicit: { kind: "none" },
    });
    expect(got.rows).toEqual([
      { prompt: "p0", chosen: "x0", rejected: "y0" },
      { prompt: "p2", chosen: "y2", rejected: "x2" },
    ]);
  });

  it("Nectar ranked answers (berkeley-nest/Nectar): every adjacent pair, best first", async () => {
    const records = [
      {
        prompt: "Human: hi Assistant:",
        answers: [
          { answer: "third", rank: 3 },
          { answer: "first", rank: 1 },
          { answer: "second", rank: 2 },
        ],
      },
    ];
    const got = await sessionTrl(records, "nectar.jsonl", {
      schema: "multi",
      prompt: "prompt",
      responses: "answers[].answer",
      scores: "answers[].rank",
      scoreOrder: "lower-better",
      binarize: { rule: "adjacent" },
      explicit: { kind: "none" },
      implicit: { kind: "none" },
    });
    expect(got.format).toBe("standard");
    expect(got.rows).toEqual([
      { prompt: "Human: hi Assistant:", chosen: "first", rejected: "second" },
      { prompt: "Human: hi Assistant:", chosen: "second", rejected: "third" },
    ]);
  });

  it("UltraFeedback raw (openbmb/UltraFeedback): completions[] by mean aspect rating, best vs worst", async () => {
    const completion = (response: string, ratings: number[]) => ({
      response,
      annotations: Object.fromEntries(
        ["helpfulness", "honesty"].map((aspect, k) => [aspect, { Rating: String(ratings[k]) }]),
      ),
    });
    const records = [
      {
        instruction: "I0",
        completions: [completion("mid", [3, 3]), completion("best", [5, 4]), completion("worst", [1, 2])],
      },
    ];
    const got = await sessionTrl(records, "ultrafeedback.jsonl", {
      schema: "multi",
      prompt: "instruction",
      responses: "completions[].response",
      scoreFields: ["completions[].annotations.helpfulness.Rating", "completions[].annotations.honesty.Rating"],
      binarize: { rule: "best-worst" },
      explicit: { kind: "none" },
      implicit: { kind: "none" },
    });
    expect(got.rows).toEqual([{ prompt: "I0", chosen: "best", rejected: "worst" }]);
  });
});

describe("planned pairs: distilabel generations + ratings", () => {
  it("best vs a seeded random lower response (Zephyr's binarization): chosen is the best, rejected rated lower", async () => {
    const records = Array.from({ length: 20 }, (_, i) => ({
      instruction: `I${i}`,
      generations: ["g0", "g1", "g2", "g3"].map((g) => `${g} of ${i}`),
      ratings: [2, 5, 1, 3].map((r) => (r + i) % 6),
    }));
    const got = await sessionTrl(records, "distilabel.jsonl", {
      schema: "multi",
      prompt: "instruction",
      responses: "generations",
      scores: "ratings",
      binarize: { rule: "best-random-lower", seed: 7 },
      explicit: { kind: "none" },
      implicit: { kind: "none" },
    });
    expect(got.format).toBe("standard");
    expect(got.rows).toHaveLength(20);
    for (const row of got.rows) {
      const r = records[Number((row.prompt as string).slice(1))];
      const rating = (text: Cell) => r.ratings[r.generations.indexOf(text as string)];
      expect(rating(row.chosen)).toBe(Math.max(...r.ratings));
      expect(rating(row.rejected)).toBeLessThan(rating(row.chosen));
    }
  });
});
