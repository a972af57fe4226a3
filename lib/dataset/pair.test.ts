import { describe, expect, it } from "vitest";
import { PairError, multiChoice, pairToText, readMessage, splitChat, toPair } from "@/lib/dataset/pair";
import type { ColumnMapping, Message } from "@/lib/dataset/types";

const u = (content: string): Message => ({ role: "user", content });
const a = (content: string): Message => ({ role: "assistant", content });
const s = (content: string): Message => ({ role: "system", content });
const none = { explicit: { kind: "none" }, implicit: { kind: "none" } } as const;

describe("readMessage", () => {
  it.each([
    [{ role: "user", content: "hi" }, u("hi")],
    [{ from: "human", value: "hi" }, u("hi")],
    [{ from: "gpt", value: "yo" }, a("yo")],
    [{ from: "system", value: "be nice" }, s("be nice")],
    [
      { from: "observation", value: "42" },
      { role: "observation", content: "42" },
    ],
    [
      {
        role: "user",
        content: [
          { type: "text", text: "a" },
          { type: "text", text: "b" },
        ],
      },
      u("a\nb"),
    ],
    [{ role: "assistant", content: null }, a("")],
    [{ role: "user" }, null],
    [{ content: "no role" }, null],
    [{ role: "user", content: [{ type: "image_url", image_url: "x" }] }, null],
    ["text", null],
  ])("%j → %j", (item, want) => {
    expect(readMessage(item)).toEqual(want);
  });
});

describe("splitChat", () => {
  it.each([
    {
      name: "paper shape: prompt field + full conversations",
      prompt: [u("Q")],
      chosen: [u("Q"), a("good")],
      rejected: [u("Q"), a("bad")],
      want: { prompt: [u("Q")], chosen: [a("good")], rejected: [a("bad")] },
    },
    {
      name: "no prompt field: the shared leading messages",
      prompt: [],
      chosen: [s("sys"), u("Q"), a("good")],
      rejected: [s("sys"), u("Q"), a("bad")],
      want: { prompt: [s("sys"), u("Q")], chosen: [a("good")], rejected: [a("bad")] },
    },
    {
      name: "TRL conversational: responses hold only the assistant turn",
      prompt: [u("Q")],
      chosen: [a("good")],
      rejected: [a("bad")],
      want: { prompt: [u("Q")], chosen: [a("good")], rejected: [a("bad")] },
    },
    {
      name: "identical responses still leave the assistant turns as responses",
      prompt: [],
      chosen: [u("Q"), a("same")],
      rejected: [u("Q"), a("same")],
      want: { prompt: [u("Q")], chosen: [a("same")], rejected: [a("same")] },
    },
    {
      name: "prompt text differing only in surrounding whitespace still matches",
      prompt: [u("Q ")],
      chosen: [u("Q"), a("good")],
      rejected: [u("Q"), a("bad")],
      want: { prompt: [u("Q ")], chosen: [a("good")], rejected: [a("bad")] },
    },
    {
      name: "conversations that differ in an earlier turn keep every later turn",
      prompt: [],
      chosen: [u("Q"), a("A1"), u("Q2"), a("A2")],
      rejected: [u("Q"), a("B1"), u("Q2"), a("B2")],
      want: { prompt: [u("Q")], chosen: [a("A1"), u("Q2"), a("A2")], rejected: [a("B1"), u("Q2"), a("B2")] },
    },
  ])("$name", ({ prompt, chosen, rejected, want }) => {
    expect(splitChat(prompt, chosen, rejected)).toEqual(want);
  });
});

describe("multiChoice", () => {
  it.each([
    [[0.1, 0.5, 0.3], { chosen: 1, rejected: 0 }],
    [[0.5, 0.2, 0.5, 0.2], { chosen: 0, rejected: 1 }],
    [[0.3, 0.3, 0.3], { chosen: 0, rejected: 1 }],
    [[NaN, 0.4, 0.1], { chosen: 1, rejected: 2 }],
    [[0.4], null],
    [[NaN, 0.4], null],
  ])("%j → %j (ties: first index)", (scores, want) => {
    expect(multiChoice(scores)).toEqual(want);
  });
});

describe("toPair", () => {
  it.each<{ name: string; record: Record<string, unknown>; mapping: ColumnMapping; want: unknown }>([
    {
      name: "trl strings",
      record: { prompt: "Q", chosen: "good", rejected: "bad" },
      mapping: { schema: "trl", prompt: "prompt", chosen: "chosen", rejected: "rejected", ...none },
      want: { prompt: [u("Q")], chosen: [a("good")], rejected: [a("bad")] },
    },
    {
      name: "chat lists as JSON text (CSV cells) with a string prompt",
      record: {
        prompt: "Q",
        chosen: JSON.stringify([u("Q"), a("good")]),
        rejected: JSON.stringify([u("Q"), a("bad")]),
      },
      mapping: { schema: "chat", prompt: "prompt", chosen: "chosen", rejected: "rejected", ...none },
      want: { prompt: [u("Q")], chosen: [a("good")], rejected: [a("bad")] },
    },
    {
      name: "chat response that is text looking like a list stays text",
      record: { prompt: "Q", chosen: "[1, 2, 3]", rejected: "[4]" },
      mapping: { schema: "chat", prompt: "prompt", chosen: "chosen", rejected: "rejected", ...none },
      want: { prompt: [u("Q")], chosen: [a("[1, 2, 3]")], rejected: [a("[4]")] },
    },
    {
      name: "sharegpt with a system turn",
      record: {
        conversations: [
          { from: "system", value: "S" },
          { from: "human", value: "Q" },
        ],
        chosen: { from: "gpt", value: "good" },
        rejected: { from: "gpt", value: "bad" },
      },
      mapping: { schema: "sharegpt", prompt: "conversations", chosen: "chosen", rejected: "rejected", ...none },
      want: { prompt: [s("S"), u("Q")], chosen: [a("good")], rejected: [a("bad")] },
    },
    {
      name: "pairwise label as CSV text '2'",
      record: { input: "Q", output_1: "one", output_2: "two", label: "2" },
      mapping: {
        schema: "pairwise",
        prompt: "input",
        outputA: "output_1",
        outputB: "output_2",
        label: "label",
        ...none,
      },
      want: { prompt: [u("Q")], chosen: [a("two")], rejected: [a("one")] },
    },
    {
      name: "pairwise preference exactly 1.5 keeps output_1 as chosen",
      record: { instruction: "Q", output_1: "one", output_2: "two", preference: 1.5 },
      mapping: {
        schema: "pairwise",
        prompt: "instruction",
        outputA: "output_1",
        outputB: "output_2",
        preference: "preference",
        ...none,
      },
      want: { prompt: [u("Q")], chosen: [a("one")], rejected: [a("two")] },
    },
    {
      name: "pairwise label wins over preference",
      record: { instruction: "Q", output_1: "one", output_2: "two", label: 1, preference: 1.9 },
      mapping: {
        schema: "pairwise",
        prompt: "instruction",
        outputA: "output_1",
        outputB: "output_2",
        label: "label",
        preference: "preference",
        ...none,
      },
      want: { prompt: [u("Q")], chosen: [a("one")], rejected: [a("two")] },
    },
    {
      name: "multi with chat-list responses",
      record: {
        prompt: "Q",
        all_generated_responses: [
          [u("Q"), a("r0")],
          [u("Q"), a("r1")],
          [u("Q"), a("r2")],
        ],
        all_rm_scores: [0.2, 0.9, 0.1],
      },
      mapping: {
        schema: "multi",
        prompt: "prompt",
        responses: "all_generated_responses",
        scores: "all_rm_scores",
        ...none,
      },
      want: { prompt: [u("Q")], chosen: [a("r1")], rejected: [a("r2")] },
    },
  ])("$name", ({ record, mapping, want }) => {
    expect(toPair(record, mapping)).toEqual(want);
  });

  it("throws a PairError naming the field on a record that does not fit", () => {
    const mapping: ColumnMapping = { schema: "trl", chosen: "chosen", rejected: "rejected", ...none };
    expect(() => toPair({ chosen: 5, rejected: "x" }, mapping)).toThrow(PairError);
    try {
      toPair({ chosen: 5, rejected: "x" }, mapping);
    } catch (e) {
      expect((e as PairError).fault).toEqual({ field: "chosen", message: "expected a string, got number 5" });
      expect((e as PairError).code).toBe("invalid-record");
    }
  });
});

describe("pairToText", () => {
  it("shows single messages bare and anything else role-prefixed", () => {
    expect(
      pairToText({ prompt: [s("S"), u("Q")], chosen: [a("good")], rejected: [a("A1"), u("Q2"), a("A2")] }),
    ).toEqual({ prompt: "system: S\nuser: Q", chosen: "good", rejected: "assistant: A1\nuser: Q2\nassistant: A2" });
    expect(pairToText({ prompt: [], chosen: [], rejected: [a("x")] })).toEqual({
      prompt: "",
      chosen: "",
      rejected: "x",
    });
  });
});

describe("prompt joined from several fields", () => {
  const base: ColumnMapping = {
    schema: "pairwise",
    outputA: "o1",
    outputB: "o2",
    label: "label",
    promptFields: ["instruction", "input"],
    ...none,
  };
  it.each<[string, Record<string, unknown>, Partial<ColumnMapping>, Message[]]>([
    ["joined by a blank line by default", { instruction: "Do X.", input: "data" }, {}, [u("Do X.\n\ndata")]],
    ["an empty field is skipped", { instruction: "Do X.", input: "" }, {}, [u("Do X.")]],
    ["a missing field is skipped", { input: "only input" }, {}, [u("only input")]],
    ["all missing: no prompt", { instruction: null }, {}, []],
    [
      "in the given order, with the given separator",
      { instruction: "A", input: 7 },
      { promptFields: ["input", "instruction"], promptSeparator: " | " },
      [u("7 | A")],
    ],
    [
      "paths may be joined",
      { meta: { task: "T" }, instruction: "A" },
      { promptFields: ["meta.task", "instruction"] },
      [u("T\n\nA")],
    ],
    ["it overrides prompt", { instruction: "A", q: "ignored" }, { prompt: "q" }, [u("A")]],
  ])("%s", (_name, fields, extra, want) => {
    const pair = toPair({ o1: "one", o2: "two", label: 1, ...fields }, { ...base, ...extra });
    expect(pair.prompt).toEqual(want);
  });

  it("names a field that holds something other than text", () => {
    expect(() => toPair({ o1: "a", o2: "b", label: 1, instruction: ["x"] }, base)).toThrow(
      'field "instruction": expected text to join into the prompt, got a list of 1 item',
    );
  });
});

describe("pairwise outputs that are whole conversations", () => {
  it("splits the shared opening turns into the prompt, as the chat schema does", () => {
    const mapping: ColumnMapping = { schema: "pairwise", outputA: "ca", outputB: "cb", label: "label", ...none };
    const record = {
      ca: [u("Q"), a("A1"), u("Q2"), a("A2")],
      cb: [u("Q"), a("B1"), u("Q2"), a("B2")],
      label: 2,
    };
    expect(toPair(record, mapping)).toEqual({
      prompt: [u("Q")],
      chosen: [a("B1"), u("Q2"), a("B2")],
      rejected: [a("A1"), u("Q2"), a("A2")],
    });
    // Text outputs stay text, even when they look like a JSON list.
    expect(toPair({ ca: "[1, 2]", cb: "x", label: 1 }, mapping)).toEqual({
      prompt: [],
      chosen: [a("[1, 2]")],
      rejected: [a("x")],
    });
  });
});
