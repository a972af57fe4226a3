/**
 * The preference schemas people publish, detected and read row by row from faithful samples
 * (test/fixtures/schemas/, origins in test/schema-fixtures.ts): every pair's orientation is checked against the
 * fixture's own label, vote, strength, score or rank, and every exclusion is counted.
 */
import { describe, expect, it } from "vitest";
import { createExtractor, describeFields, detectMapping, validateMapping } from "@/lib/dataset/schema";
import { readPair } from "@/lib/dataset/pair";
import { planRecord } from "@/lib/dataset/pair-plan";
import { clampedLogit } from "@/lib/dataset/schema-values";
import {
  PAIR_PICK,
  formatProblem,
  type ColumnMapping,
  type ExclusionReason,
  type MarginColumns,
  type Message,
  type Pair,
  type ParseProblem,
  type RawRecord,
} from "@/lib/dataset/types";
import { SCHEMA_FIXTURES, readSchemaFixture, type SchemaFixture } from "@/test/schema-fixtures";

const none = { kind: "none" } as const;
const picked = { kind: "picked" } as const;
const fieldsOf = (rows: RawRecord[]) => [...new Set(rows.flatMap((r) => Object.keys(r)))];

function detect(name: SchemaFixture) {
  const records = readSchemaFixture(name);
  const d = detectMapping(records, fieldsOf(records), SCHEMA_FIXTURES[name].file);
  if (!d.ok) throw new Error(formatProblem(d.reason));
  return { records, mapping: d.data.mapping, notes: d.data.notes };
}

interface PlannedRow {
  record: RawRecord;
  source: number;
  pair: Pair;
}

/** Plans every record as the session does, reads each pair with its pick attached, and counts exclusions. */
function readAll(records: RawRecord[], mapping: ColumnMapping) {
  const rows: PlannedRow[] = [];
  const excluded: Partial<Record<ExclusionReason, number[]>> = {};
  records.forEach((record, i) => {
    const plan = planRecord(record, mapping, i);
    if (!plan.ok) throw new Error(`row ${i}: ${plan.fault.field}: ${plan.fault.message}`);
    if ("excluded" in plan) {
      (excluded[plan.excluded] ??= []).push(i);
      return;
    }
    for (const pick of plan.picks) {
      const withPick = Object.assign({ ...record }, { [PAIR_PICK]: pick });
      const pair = readPair(withPick, mapping);
      if (!pair.ok) throw new Error(`row ${i}: ${pair.fault.field}: ${pair.fault.message}`);
      rows.push({ record: withPick, source: i, pair: pair.value });
    }
  });
  return { rows, excluded };
}

/** Explicit margins of the planned rows, through the extractor the session runs. */
function explicitOf(rows: PlannedRow[], mapping: ColumnMapping, file: string): number[] {
  const columns: MarginColumns = {
    explicit: new Float64Array(rows.length).fill(NaN),
    implicit: new Float64Array(rows.length).fill(NaN),
  };
  const visit = createExtractor(mapping, file, columns);
  let problem: ParseProblem | undefined;
  rows.forEach((r, i) => (problem ??= visit(r.record, { row: i }) ?? undefined));
  if (problem) throw new Error(formatProblem(problem));
  return [...columns.explicit];
}

const text = (messages: Message[]) => messages.map((m) => m.content).join(" | ");
const last = (messages: unknown) => (messages as Message[])[(messages as Message[]).length - 1].content;

describe("every fixture", () => {
  it.each(Object.keys(SCHEMA_FIXTURES) as SchemaFixture[])(
    "%s: detected, its mapping valid against the described paths and the top-level fields",
    (name) => {
      const { records, mapping } = detect(name);
      const file = SCHEMA_FIXTURES[name].file;
      expect(validateMapping(mapping, describeFields(records, fieldsOf(records)).all, file)).toBeNull();
      expect(validateMapping(mapping, fieldsOf(records), file)).toBeNull();
      expect(records.length).toBeGreaterThanOrEqual(5);
      expect(records.length).toBeLessThanOrEqual(12);
    },
  );
});

describe("OpenAI preference fine-tuning JSONL (platform.openai.com … direct-preference-optimization)", () => {
  it("reads input.messages as the prompt and the preferred output as chosen, row by row", () => {
    const { records, mapping, notes } = detect("openai-preference");
    expect(mapping).toEqual({
      schema: "chat",
      prompt: "input.messages",
      chosen: "preferred_output",
      rejected: "non_preferred_output",
      explicit: none,
      implicit: none,
    });
    expect(notes[0]).toBe(
      "OpenAI preference fine-tuning: input.messages + preferred_output / non_preferred_output (assistant message lists)",
    );
    const { rows, excluded } = readAll(records, mapping);
    expect(excluded).toEqual({});
    expect(rows).toHaveLength(records.length);
    rows.forEach(({ record, pair }) => {
      const input = (record.input as { messages: { role: string; content: unknown }[] }).messages;
      expect(pair.prompt.map((m) => m.role)).toEqual(input.map((m) => m.role));
      expect(pair.chosen).toEqual(record.preferred_output);
      expect(pair.rejected).toEqual(record.non_preferred_output);
    });
    // Content given as parts ([{type: "text", text}]) reads as its text.
    expect(rows[3].pair.prompt).toEqual([{ role: "user", content: "Translate 'thank you' into French." }]);
    expect(rows[2].pair.prompt.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
  });
});

describe("PKU-SafeRLHF (huggingface.co/datasets/PKU-Alignment/PKU-SafeRLHF)", () => {
  it("orients by better_response_id, and by safer_response_id when the user picks it", () => {
    const { records, mapping, notes } = detect("pku-saferlhf");
    expect(mapping).toEqual({
      schema: "pairwise",
      prompt: "prompt",
      outputA: "response_0",
      outputB: "response_1",
      orientation: { kind: "label", field: "better_response_id", a: ["0"], b: ["1"], tie: [] },
      explicit: none,
      implicit: none,
    });
    expect(notes[0]).toMatch(/by better_response_id .*safer_response_id is the alternative orientation/);
    for (const field of ["better_response_id", "safer_response_id"]) {
      const m: ColumnMapping = { ...mapping, orientation: { kind: "label", field, a: ["0"], b: ["1"], tie: [] } };
      const { rows, excluded } = readAll(records, m);
      expect(excluded).toEqual({});
      rows.forEach(({ record, pair }) => {
        const id = record[field] as number;
        expect(text(pair.prompt)).toBe(record.prompt);
        expect(text(pair.chosen)).toBe(record[`response_${id}`]);
        expect(text(pair.rejected)).toBe(record[`response_${1 - id}`]);
      });
    }
    // The two orientations disagree on some rows, as in the real data.
    const differs = records.filter((r) => r.better_response_id !== r.safer_response_id).length;
    expect(differs).toBe(3);
  });
});

describe("Chatbot Arena conversations (huggingface.co/datasets/lmsys/chatbot_arena_conversations)", () => {
  it("orients by winner, splits the shared turns into the prompt, and excludes ties (counted exactly)", () => {
    const { records, mapping, notes } = detect("chatbot-arena");
    expect(mapping).toEqual({
      schema: "pairwise",
      outputA: "conversation_a",
      outputB: "conversation_b",
      orientation: { kind: "label", field: "winner", a: ["model_a"], b: ["model_b"], tie: ["tie", "tie (bothbad)"] },
      explicit: none,
      implicit: none,
    });
    expect(notes[0]).toMatch(/"tie" and "tie \(bothbad\)" records are excluded \(counted\)/);
    const { rows, excluded } = readAll(records, mapping);
    expect(excluded).toEqual({ tie: [1, 5, 7] });
    expect(rows.map((r) => r.source)).toEqual([0, 2, 3, 4, 6]);
    rows.forEach(({ record, pair }) => {
      const [won, lost] =
        record.winner === "model_a" ? ["conversation_a", "conversation_b"] : ["conversation_b", "conversation_a"];
      expect(pair.prompt).toEqual([(record[won] as Message[])[0]]);
      expect(last(pair.chosen)).toBe(last(record[won]));
      expect(last(pair.rejected)).toBe(last(record[lost]));
    });
    // A two-turn battle: the conversations differ from the first answer on, so each response keeps every later turn.
    const twoTurn = rows.find((r) => r.record.turn === 2);
    expect(twoTurn?.pair.chosen.map((m) => m.role)).toEqual(["assistant", "user", "assistant"]);
  });
});

describe("UltraFeedback raw (huggingface.co/datasets/openbmb/UltraFeedback)", () => {
  it("detects Zephyr's binarization: highest overall_score vs another completion, seeded", () => {
    const { records, mapping, notes } = detect("ultrafeedback-raw");
    expect(mapping).toEqual({
      schema: "multi",
      prompt: "instruction",
      responses: "completions[].response",
      scores: "completions[].overall_score",
      binarize: { rule: "best-random-lower", seed: 42, among: "others" },
      explicit: picked,
      implicit: none,
    });
    expect(notes[0]).toMatch(/Zephyr's ultrafeedback_binarized/);
    const { rows, excluded } = readAll(records, mapping);
    expect(excluded).toEqual({ "fewer than two responses": [4] });
    expect(rows.map((r) => r.source)).toEqual([0, 1, 2, 3]);
    const margins = explicitOf(rows, mapping, "uf.jsonl");
    rows.forEach(({ record, pair }, i) => {
      const completions = record.completions as { response: string; overall_score: number }[];
      const best = Math.max(...completions.map((c) => c.overall_score));
      const chosen = completions.find((c) => c.overall_score === best)!;
      expect(text(pair.prompt)).toBe(record.instruction);
      expect(text(pair.chosen)).toBe(chosen.response);
      const rejected = completions.filter((c) => c !== chosen).find((c) => c.response === text(pair.rejected));
      expect(rejected).toBeDefined();
      expect(margins[i]).toBe(chosen.overall_score - rejected!.overall_score);
    });
    // The same file and seed give the same pairs on every read.
    expect(readAll(records, mapping).rows.map((r) => text(r.pair.rejected))).toEqual(
      rows.map((r) => text(r.pair.rejected)),
    );
  });

  it("Argilla's cleaned rule: mean of the four aspect ratings (N/A missing), a strictly lower one, ties dropped", () => {
    const { records, mapping } = detect("ultrafeedback-raw");
    const aspects = ["helpfulness", "honesty", "instruction_following", "truthfulness"];
    const argilla: ColumnMapping = {
      ...mapping,
      scores: undefined,
      scoreFields: aspects.map((a) => `completions[].annotations.${a}.Rating`),
      binarize: { rule: "best-random-lower", seed: 42 },
    };
    expect(validateMapping(argilla, describeFields(records, fieldsOf(records)).all, "uf.jsonl")).toBeNull();
    const { rows, excluded } = readAll(records, argilla);
    // Record 3: both completions rate 4 on every aspect; record 4 has one completion.
    expect(excluded).toEqual({ tie: [3], "fewer than two responses": [4] });
    const mean = (c: { annotations: Record<string, { Rating: string }> }) => {
      const xs = aspects
        .map((a) => c.annotations[a].Rating)
        .filter((r) => r !== "N/A")
        .map(Number);
      return xs.length === 0 ? NaN : xs.reduce((s, x) => s + x, 0) / xs.length;
    };
    const margins = explicitOf(rows, argilla, "uf.jsonl");
    rows.forEach(({ record, pair }, i) => {
      const completions = record.completions as { response: string; annotations: Record<string, { Rating: string }> }[];
      const scored = completions.filter((c) => !Number.isNaN(mean(c)));
      const best = Math.max(...scored.map(mean));
      const chosen = scored.find((c) => mean(c) === best)!;
      const rejected = completions.find((c) => c.response === text(pair.rejected))!;
      expect(text(pair.chosen)).toBe(chosen.response);
      expect(mean(rejected)).toBeLessThan(best);
      expect(margins[i]).toBeCloseTo(best - mean(rejected), 12);
    });
    // The completion rated N/A on every aspect (record 2, starchat) is never picked.
    expect(rows.filter((r) => r.source === 2).map((r) => text(r.pair.rejected))).not.toContain(
      "The moon orbits the Earth.",
    );
  });
});

describe("Nectar (huggingface.co/datasets/berkeley-nest/Nectar)", () => {
  type Answer = { answer: string; rank: number };
  it("best vs worst by rank (1 = best), margin = rank difference", () => {
    const { records, mapping, notes } = detect("nectar");
    expect(mapping).toEqual({
      schema: "multi",
      prompt: "prompt",
      responses: "answers[].answer",
      scores: "answers[].rank",
      scoreOrder: "lower-better",
      binarize: { rule: "best-worst" },
      explicit: picked,
      implicit: none,
    });
    expect(notes[0]).toMatch(/^Nectar-style ranked answers/);
    const { rows, excluded } = readAll(records, mapping);
    expect(excluded).toEqual({});
    rows.forEach(({ record, pair }) => {
      const answers = record.answers as Answer[];
      expect(text(pair.chosen)).toBe(answers.find((a) => a.rank === 1)!.answer);
      expect(text(pair.rejected)).toBe(answers.find((a) => a.rank === 7)!.answer);
    });
    expect(explicitOf(rows, mapping, "nectar.jsonl")).toEqual([6, 6, 6, 6, 6]);
  });

  it("every adjacent pair: rank k vs k + 1, six pairs a record", () => {
    const { records, mapping } = detect("nectar");
    const adjacent: ColumnMapping = { ...mapping, binarize: { rule: "adjacent" } };
    const { rows } = readAll(records, adjacent);
    expect(rows).toHaveLength(records.length * 6);
    rows.forEach(({ record, pair }, i) => {
      const answers = record.answers as Answer[];
      const k = (i % 6) + 1;
      expect(text(pair.chosen)).toBe(answers.find((a) => a.rank === k)!.answer);
      expect(text(pair.rejected)).toBe(answers.find((a) => a.rank === k + 1)!.answer);
    });
    expect(new Set(explicitOf(rows, adjacent, "nectar.jsonl"))).toEqual(new Set([1]));
  });
});

describe("HelpSteer2 preference (huggingface.co/datasets/nvidia/HelpSteer2, preference/)", () => {
  it("orients by preference_strength (0 excluded), explicit margin = |strength|", () => {
    const { records, mapping, notes } = detect("helpsteer2-preference");
    expect(mapping).toEqual({
      schema: "pairwise",
      prompt: "prompt",
      outputA: "response_1",
      outputB: "response_2",
      orientation: { kind: "strength", field: "preference_strength" },
      explicit: picked,
      implicit: none,
    });
    expect(notes[1]).toBe("explicit margin: |preference_strength| (the strength that picked the pair)");
    const { rows, excluded } = readAll(records, mapping);
    expect(excluded).toEqual({ tie: [5] });
    rows.forEach(({ record, pair }) => {
      const s = record.preference_strength as number;
      expect(text(pair.chosen)).toBe(s < 0 ? record.response_1 : record.response_2);
      expect(text(pair.rejected)).toBe(s < 0 ? record.response_2 : record.response_1);
    });
    expect(explicitOf(rows, mapping, "hs2.jsonl")).toEqual(
      rows.map((r) => Math.abs(r.record.preference_strength as number)),
    );
  });
});

describe("distilabel generations + ratings (ultrafeedback-mini layout)", () => {
  it("multi-response: highest rating vs lowest, null ratings skipped", () => {
    const { records, mapping, notes } = detect("distilabel-generations");
    expect(mapping).toEqual({
      schema: "multi",
      prompt: "instruction",
      responses: "generations",
      scores: "ratings",
      explicit: picked,
      implicit: none,
    });
    expect(notes[0]).toMatch(/^distilabel generations scored by ratings/);
    const { rows, excluded } = readAll(records, mapping);
    expect(excluded).toEqual({});
    rows.forEach(({ record, pair }) => {
      const gens = record.generations as string[];
      const ratings = record.ratings as (number | null)[];
      const scored = ratings.flatMap((r, i) => (r === null ? [] : [i]));
      const hi = scored.reduce((b, i) => ((ratings[i] as number) > (ratings[b] as number) ? i : b), scored[0]);
      const lo = scored
        .filter((i) => i !== hi)
        .reduce((b, i) => ((ratings[i] as number) < (ratings[b] as number) ? i : b));
      expect(text(pair.chosen)).toBe(gens[hi]);
      expect(text(pair.rejected)).toBe(gens[lo]);
    });
    expect(explicitOf(rows, mapping, "dl.jsonl")).toEqual([4, 3, 4, 3, 0]);
  });
});

describe("annotator votes (PandaLM testset-v1.json, github.com/WeOpenML/PandaLM)", () => {
  type Vote = 0 | 1 | 2;
  const majority = (votes: Vote[]): Vote | "no majority" => {
    const n = [0, 1, 2].map((v) => votes.filter((x) => x === v).length);
    const top = Math.max(...n);
    const leaders = [0, 1, 2].filter((v) => n[v] === top);
    return leaders.length > 1 ? "no majority" : (leaders[0] as Vote);
  };

  it("majority of annotator1..3, prompt = instruction + input; ties and no-majority excluded, counted", () => {
    const { records, mapping, notes } = detect("annotator-votes");
    expect(mapping).toEqual({
      schema: "pairwise",
      outputA: "response1",
      outputB: "response2",
      orientation: {
        kind: "votes",
        fields: ["annotator1", "annotator2", "annotator3"],
        a: ["1"],
        b: ["2"],
        tie: ["0"],
      },
      promptFields: ["instruction", "input"],
      promptSeparator: "\n\n",
      explicit: picked,
      implicit: none,
    });
    expect(notes[0]).toMatch(/by the majority of annotator1, annotator2, annotator3 .*0 = tie/);
    const { rows, excluded } = readAll(records, mapping);
    // idx 91 votes 0/0/0 and idx 183 votes 1/0/0: a tie wins; the constructed last row has no majority.
    expect(excluded).toEqual({ tie: [3, 4], "no majority": [8] });
    const margins = explicitOf(rows, mapping, "votes.jsonl");
    rows.forEach(({ record, pair }, i) => {
      const votes = [record.annotator1, record.annotator2, record.annotator3] as Vote[];
      const m = majority(votes);
      if (m !== 1 && m !== 2) throw new Error(`row ${i}: a pair from a record whose majority is ${m}`);
      expect(text(pair.chosen)).toBe(m === 1 ? record.response1 : record.response2);
      expect(text(pair.rejected)).toBe(m === 1 ? record.response2 : record.response1);
      const input = record.input as string;
      expect(text(pair.prompt)).toBe(input ? `${record.instruction as string}\n\n${input}` : record.instruction);
      expect(margins[i]).toBe(votes.filter((v) => v === m).length - votes.filter((v) => v === 3 - m).length);
    });
  });

  it("is detected beside output_1/output_2 too, where the label rule found nothing", () => {
    const records: RawRecord[] = [
      { instruction: "Q", output_1: "a", output_2: "b", annotator_1: 1, annotator_2: 2, annotator_3: 2 },
      { instruction: "Q2", output_1: "c", output_2: "d", annotator_1: 0, annotator_2: 0, annotator_3: 1 },
    ];
    const d = detectMapping(records, fieldsOf(records), "v.jsonl");
    expect(d.ok && d.data.mapping).toMatchObject({
      schema: "pairwise",
      prompt: "instruction",
      outputA: "output_1",
      outputB: "output_2",
      orientation: { kind: "votes", fields: ["annotator_1", "annotator_2", "annotator_3"] },
    });
  });

  it("is not taken when the vote fields hold something else", () => {
    const records: RawRecord[] = [{ instruction: "Q", response1: "a", response2: "b", annotator1: "alice" }];
    const d = detectMapping(records, fieldsOf(records), "v.jsonl");
    expect(d.ok).toBe(false);
  });
});

describe("probability orientation and margin on a judge file", () => {
  it("a probability that B is better, on [0, 1], gives logit(P(chosen better)) as the picked margin", () => {
    const records: RawRecord[] = [
      { q: "Q", x: "a", y: "b", p: 0.9 },
      { q: "Q", x: "a", y: "b", p: 0.25 },
      { q: "Q", x: "a", y: "b", p: 0.5 },
    ];
    const mapping: ColumnMapping = {
      schema: "pairwise",
      prompt: "q",
      outputA: "x",
      outputB: "y",
      orientation: { kind: "probability", field: "p", scale: "unit" },
      explicit: picked,
      implicit: none,
    };
    const { rows, excluded } = readAll(records, mapping);
    expect(excluded).toEqual({ tie: [2] });
    expect(rows.map((r) => text(r.pair.chosen))).toEqual(["b", "a"]);
    const m = explicitOf(rows, mapping, "p.jsonl");
    expect(m[0]).toBeCloseTo(clampedLogit(0.9), 12);
    expect(m[1]).toBeCloseTo(clampedLogit(0.75), 12);
  });
});
