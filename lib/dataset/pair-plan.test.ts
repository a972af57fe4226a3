import { describe, expect, it } from "vitest";
import {
  describeExclusions,
  needsPlan,
  pickOf,
  pickedMargin,
  planRecord,
  recordDraw,
  type RecordPlan,
} from "@/lib/dataset/pair-plan";
import { readPair } from "@/lib/dataset/pair";
import { clampedLogit } from "@/lib/dataset/schema-values";
import {
  PAIR_PICK,
  type Binarization,
  type ColumnMapping,
  type ExclusionReason,
  type Orientation,
  type RawRecord,
} from "@/lib/dataset/types";

const none = { explicit: { kind: "none" }, implicit: { kind: "none" } } as const;
const pairwise = (orientation: Orientation): ColumnMapping => ({
  schema: "pairwise",
  outputA: "a",
  outputB: "b",
  orientation,
  ...none,
});
const multi = (extra: Partial<ColumnMapping> = {}): ColumnMapping => ({
  schema: "multi",
  responses: "rs",
  scores: "ss",
  ...none,
  ...extra,
});
const A: RecordPlan = { ok: true, picks: [{ chosen: 0, rejected: 1 }] };
const B: RecordPlan = { ok: true, picks: [{ chosen: 1, rejected: 0 }] };
const excluded = (reason: ExclusionReason): RecordPlan => ({
  ok: true,
  excluded: reason,
});
const fault = (field: string, message: RegExp) => ({
  ok: false,
  fault: { field, message: expect.stringMatching(message) },
});
const withPick = (record: RawRecord, chosen: number, rejected: number): RawRecord =>
  Object.assign(record, { [PAIR_PICK]: { chosen, rejected } });

describe("planRecord: pairwise orientation", () => {
  const arena: Orientation = {
    kind: "label",
    field: "winner",
    a: ["model_a"],
    b: ["model_b"],
    tie: ["tie", "tie (bothbad)"],
  };
  const pku: Orientation = { kind: "label", field: "better", a: ["0"], b: ["1"], tie: [] };
  const unit: Orientation = { kind: "probability", field: "p", scale: "unit" };
  const oneTwo: Orientation = { kind: "probability", field: "p", scale: "one-two" };
  const scores: Orientation = { kind: "scores", a: "sa", b: "sb" };
  const strength: Orientation = { kind: "strength", field: "s" };
  const votes: Orientation = { kind: "votes", fields: ["v1", "v2", "v3"], a: ["1"], b: ["2"], tie: ["0"] };
  it.each<[string, Orientation, RawRecord, unknown]>([
    ["label A", arena, { winner: "model_a" }, A],
    ["label B", arena, { winner: "model_b" }, B],
    ["label tie", arena, { winner: "tie" }, excluded("tie")],
    ["label tie, trimmed", arena, { winner: " tie (bothbad) " }, excluded("tie")],
    ["label missing", arena, { winner: null }, excluded("no orientation")],
    ["label absent", arena, {}, excluded("no orientation")],
    [
      "label outside the lists",
      arena,
      { winner: "model_c" },
      fault(
        "winner",
        /^expected a label: "model_a" \(output A\), "model_b" \(output B\), "tie"\/"tie \(bothbad\)" \(tie\); got "model_c"$/,
      ),
    ],
    ["label not text", arena, { winner: { x: 1 } }, fault("winner", /got an object with keys "x"$/)],
    ["numeric label 0", pku, { better: 0 }, A],
    ["numeric label 1", pku, { better: 1 }, B],
    ["CSV label 1.0", pku, { better: "1.0" }, B],
    ["label 2 with no such value", pku, { better: 2 }, fault("better", /got "2"$/)],
    ["probability > ½", unit, { p: 0.8 }, B],
    ["probability < ½", unit, { p: "0.2" }, A],
    ["probability ½", unit, { p: 0.5 }, excluded("tie")],
    ["probability missing", unit, { p: "NaN" }, excluded("no orientation")],
    ["probability out of range", unit, { p: 1.2 }, fault("p", /^expected a probability in \[0, 1\].*got 1.2$/)],
    ["probability not a number", unit, { p: "high" }, fault("p", /expected a number/)],
    ["judge preference 1.7", oneTwo, { p: 1.7 }, B],
    ["judge preference 1.5", oneTwo, { p: 1.5 }, excluded("tie")],
    ["judge preference 0.5", oneTwo, { p: 0.5 }, fault("p", /in \[1, 2\]/)],
    ["scores B higher", scores, { sa: 3, sb: 5 }, B],
    ["scores A higher", scores, { sa: "5", sb: 3 }, A],
    ["scores equal", scores, { sa: 4, sb: 4 }, excluded("tie")],
    ["a score missing", scores, { sa: 4, sb: null }, excluded("no orientation")],
    ["a score N/A", scores, { sa: "N/A", sb: 3 }, excluded("no orientation")],
    ["a score not a number", scores, { sa: "x", sb: 3 }, fault("sa", /expected a number/)],
    ["strength negative", strength, { s: -2 }, A],
    ["strength positive", strength, { s: 3 }, B],
    ["strength 0", strength, { s: 0 }, excluded("tie")],
    ["strength missing", strength, { s: null }, excluded("no orientation")],
    ["votes unanimous B", votes, { v1: 2, v2: 2, v3: 2 }, B],
    ["votes majority A", votes, { v1: 1, v2: 1, v3: 2 }, A],
    ["votes tie wins", votes, { v1: 1, v2: 0, v3: 0 }, excluded("tie")],
    ["votes all differ", votes, { v1: 1, v2: 2, v3: 0 }, excluded("no majority")],
    ["votes split 1–1", votes, { v1: 1, v2: 2, v3: null }, excluded("no majority")],
    ["votes: missing ones skipped", votes, { v1: "1", v3: "" }, A],
    ["votes: none cast", votes, { v1: null }, excluded("no orientation")],
    ["votes as text and floats", votes, { v1: "2", v2: 2, v3: "2.0" }, B],
    ["a vote outside the lists", votes, { v1: 1, v2: 3, v3: 1 }, fault("v2", /^expected a vote: .*; got "3"$/)],
  ])("%s", (_name, orientation, record, want) => {
    expect(planRecord(record, pairwise(orientation), 5)).toEqual(want);
  });

  it("without an orientation keeps the label / preference rule and never excludes", () => {
    const m: ColumnMapping = {
      schema: "pairwise",
      outputA: "a",
      outputB: "b",
      label: "label",
      preference: "p",
      ...none,
    };
    expect(planRecord({ label: 2 }, m, 0)).toEqual(B);
    expect(planRecord({ label: null, p: 1.5 }, m, 0)).toEqual(A);
    expect(planRecord({ label: 3 }, m, 0)).toEqual(fault("label", /^expected a label 1 or 2/));
  });

  it("other schemas hold their own pair", () => {
    expect(planRecord({}, { schema: "trl", chosen: "c", rejected: "r", ...none }, 0)).toEqual(A);
  });
});

describe("planRecord: multi binarization", () => {
  const plan = (scores: unknown[], extra: Partial<ColumnMapping> = {}, index = 0) =>
    planRecord({ rs: scores.map((_, i) => `r${i}`), ss: scores }, multi(extra), index);
  const brl = (seed: number, among?: "lower" | "others"): Binarization =>
    among ? { rule: "best-random-lower", seed, among } : { rule: "best-random-lower", seed };

  it.each<[string, unknown[], Partial<ColumnMapping>, unknown]>([
    ["best-worst (default)", [0.2, 0.9, 0.1], {}, { ok: true, picks: [{ chosen: 1, rejected: 2 }] }],
    ["best-worst: first of equal maxima", [3, 3, 1], {}, { ok: true, picks: [{ chosen: 0, rejected: 2 }] }],
    ["best-worst: all equal still pairs", [2, 2], {}, { ok: true, picks: [{ chosen: 0, rejected: 1 }] }],
    [
      "ranks (lower-better)",
      [3, 1, 2],
      { scoreOrder: "lower-better" },
      { ok: true, picks: [{ chosen: 1, rejected: 0 }] },
    ],
    ["one scored response", [null, 4, "NaN"], {}, excluded("fewer than two responses")],
    ["no responses", [], {}, excluded("fewer than two responses")],
    [
      "adjacent, best first",
      [3, 1, 2],
      { binarize: { rule: "adjacent" } },
      {
        ok: true,
        picks: [
          { chosen: 0, rejected: 2 },
          { chosen: 2, rejected: 1 },
        ],
      },
    ],
    [
      "adjacent skips an equal-score pair",
      [3, 2, 2, 1],
      { binarize: { rule: "adjacent" } },
      {
        ok: true,
        picks: [
          { chosen: 0, rejected: 1 },
          { chosen: 2, rejected: 3 },
        ],
      },
    ],
    [
      "adjacent over Nectar ranks",
      [2, 1, 3],
      { binarize: { rule: "adjacent" }, scoreOrder: "lower-better" },
      {
        ok: true,
        picks: [
          { chosen: 1, rejected: 0 },
          { chosen: 0, rejected: 2 },
        ],
      },
    ],
    ["adjacent, all equal", [2, 2, 2], { binarize: { rule: "adjacent" } }, excluded("tie")],
    [
      "strict best-worst pairs distinct scores",
      [0.2, 0.9, 0.1],
      { binarize: { rule: "best-worst", strict: true } },
      { ok: true, picks: [{ chosen: 1, rejected: 2 }] },
    ],
    [
      "strict best-worst: all equal is a tie",
      [2, 2, 2],
      { binarize: { rule: "best-worst", strict: true } },
      excluded("tie"),
    ],
    ["best-random-lower: nothing lower", [4, 4, 4], { binarize: brl(42) }, excluded("tie")],
    [
      "best-random-lower: one lower",
      [5, 5, 1],
      { binarize: brl(42) },
      { ok: true, picks: [{ chosen: 0, rejected: 2 }] },
    ],
  ])("%s", (_name, scores, extra, want) => {
    expect(plan(scores, extra)).toEqual(want);
  });

  it("strict best-worst excludes a best and worst response with the same text", () => {
    const strict: Partial<ColumnMapping> = { binarize: { rule: "best-worst", strict: true } };
    expect(planRecord({ rs: ["same", "other", "same"], ss: [3, 2, 1] }, multi(strict), 0)).toEqual(
      excluded("identical responses"),
    );
    // Only best vs worst is compared: a repeated middle response does not matter.
    expect(planRecord({ rs: ["a", "b", "b", "c"], ss: [3, 2, 2, 1] }, multi(strict), 0)).toEqual({
      ok: true,
      picks: [{ chosen: 0, rejected: 3 }],
    });
    // Without strict the released rule pairs them anyway.
    expect(planRecord({ rs: ["same", "same"], ss: [3, 1] }, multi(), 0)).toEqual({
      ok: true,
      picks: [{ chosen: 0, rejected: 1 }],
    });
  });

  it("strict best-worst compares chat responses holding integers beyond 2^53 by their exact digits", () => {
    const strict: Partial<ColumnMapping> = { binarize: { rule: "best-worst", strict: true } };
    // 2^60 + 1 and 2^60 + 2 are one double: only exact digits tell the two responses apart.
    const reply = (n: bigint) => ({ role: "assistant", content: "x", tokens: [n] });
    expect(planRecord({ rs: [reply(2n ** 60n + 1n), reply(2n ** 60n + 2n)], ss: [3, 1] }, multi(strict), 0)).toEqual({
      ok: true,
      picks: [{ chosen: 0, rejected: 1 }],
    });
    expect(planRecord({ rs: [reply(2n ** 60n + 1n), reply(2n ** 60n + 1n)], ss: [3, 1] }, multi(strict), 0)).toEqual(
      excluded("identical responses"),
    );
  });

  it("best-random-lower is seeded by (seed, record index): same → same pick, uniform over the lower ones", () => {
    const pickAt = (index: number, seed = 42, among?: "lower" | "others") => {
      const p = plan([5, 3, 3, 1, 5], { binarize: brl(seed, among) }, index);
      if (!p.ok || !("picks" in p)) throw new Error("expected a pick");
      return p.picks[0];
    };
    expect(pickAt(7)).toEqual(pickAt(7));
    const counts = new Map<number, number>();
    for (let i = 0; i < 3000; i++) {
      const p = pickAt(i);
      expect(p.chosen).toBe(0);
      counts.set(p.rejected, (counts.get(p.rejected) ?? 0) + 1);
    }
    // Only strictly lower responses (1, 2, 3), each about a third of the time (binomial sd ≈ 26).
    expect([...counts.keys()].sort()).toEqual([1, 2, 3]);
    for (const n of counts.values()) expect(Math.abs(n - 1000)).toBeLessThan(130);
    // "others" (Zephyr) may also draw the other top-scored response 4.
    const others = new Set(Array.from({ length: 200 }, (_, i) => pickAt(i, 42, "others").rejected));
    expect([...others].sort()).toEqual([1, 2, 3, 4]);
    // A different record index or seed can give a different pick.
    expect(new Set(Array.from({ length: 20 }, (_, i) => pickAt(i).rejected)).size).toBeGreaterThan(1);
    expect(Array.from({ length: 20 }, (_, i) => pickAt(i, 7).rejected)).not.toEqual(
      Array.from({ length: 20 }, (_, i) => pickAt(i, 42).rejected),
    );
  });

  it("keeps the draw pinned (recipes replay it): seed 42, records 0–9", () => {
    expect(Array.from({ length: 10 }, (_, i) => Math.floor(recordDraw(42, i) * 1000))).toEqual(PINNED_DRAWS);
  });

  it("averages several score lists; N/A is missing and an unscored response is never picked", () => {
    const m = multi({ scores: undefined, scoreFields: ["h", "i"] });
    const record = { rs: ["r0", "r1", "r2"], h: ["4", "N/A", "2"], i: ["5", "n/a", null] };
    expect(planRecord(record, m, 0)).toEqual({ ok: true, picks: [{ chosen: 0, rejected: 2 }] });
    // An absent aspect list counts as unrated, so the other aspect decides.
    expect(planRecord({ rs: ["r0", "r1"], h: [1, 3] }, m, 0)).toEqual({
      ok: true,
      picks: [{ chosen: 1, rejected: 0 }],
    });
    expect(planRecord({ rs: ["r0", "r1"], h: ["N/A", "N/A"] }, m, 0)).toEqual(excluded("fewer than two responses"));
  });

  it("names the field when a record does not fit", () => {
    expect(planRecord({ rs: "x", ss: [1] }, multi(), 0)).toEqual(
      fault("rs", /^expected a list of responses, got string/),
    );
    expect(planRecord({ rs: ["a", "b"], ss: [1] }, multi(), 0)).toEqual(
      fault("ss", /^expected 2 scores \(one per response\), got 1$/),
    );
    expect(planRecord({ rs: ["a", "b"], h: [1, "x"] }, multi({ scoreFields: ["h"] }), 0)).toEqual(
      fault("h", /^item 1: expected a number/),
    );
  });
});

// Computed once from recordDraw; a change here changes the pairs every best-random-lower recipe replays.
const PINNED_DRAWS = [607, 169, 587, 988, 314, 938, 398, 434, 436, 172];

describe("needsPlan", () => {
  it.each<[string, ColumnMapping, boolean]>([
    ["a plain pairwise mapping", { schema: "pairwise", outputA: "a", outputB: "b", label: "l", ...none }, false],
    ["an orientation", pairwise({ kind: "strength", field: "s" }), true],
    ["multi, no binarize", multi(), false],
    ["multi best-worst", multi({ binarize: { rule: "best-worst" }, scoreOrder: "lower-better" }), false],
    ["multi strict best-worst", multi({ binarize: { rule: "best-worst", strict: true } }), true],
    ["multi adjacent", multi({ binarize: { rule: "adjacent" } }), true],
    ["multi best-random-lower", multi({ binarize: { rule: "best-random-lower", seed: 1 } }), true],
    ["trl", { schema: "trl", chosen: "c", rejected: "r", ...none }, false],
  ])("%s → %s", (_name, mapping, want) => {
    expect(needsPlan(mapping)).toBe(want);
  });
});

describe("pickOf and readPair", () => {
  const votes = pairwise({ kind: "votes", fields: ["v1", "v2"], a: ["1"], b: ["2"], tie: ["0"] });
  it("uses the pick the session attached", () => {
    const record = withPick({ rs: ["r0", "r1", "r2"], ss: [9, 1, 5] }, 2, 1);
    expect(pickOf(record, multi())).toEqual({ ok: true, value: { chosen: 2, rejected: 1 } });
    expect(readPair(record, multi())).toEqual({
      ok: true,
      value: {
        prompt: [],
        chosen: [{ role: "assistant", content: "r2" }],
        rejected: [{ role: "assistant", content: "r1" }],
      },
    });
    const pw = withPick({ a: "one", b: "two", v1: 1, v2: 1 }, 1, 0);
    expect(readPair(pw, votes)).toMatchObject({ ok: true, value: { chosen: [{ content: "two" }] } });
  });

  it("without an attached pick plans the record (index 0) and takes its first pick", () => {
    expect(readPair({ a: "one", b: "two", v1: 2, v2: 2 }, votes)).toMatchObject({
      ok: true,
      value: { chosen: [{ content: "two" }], rejected: [{ content: "one" }] },
    });
  });

  it("an excluded record read on its own is a fault saying why", () => {
    expect(readPair({ a: "one", b: "two", v1: 1, v2: 2 }, votes)).toEqual(
      fault("v1", /^this record yields no pair \(no majority\); it is excluded under this mapping$/),
    );
  });

  it("keeps the old fault for a plain multi record with fewer than two scores", () => {
    expect(readPair({ rs: ["a", "b"], ss: [1, null] }, multi())).toEqual({
      ok: false,
      fault: { field: "ss", message: "expected at least two scored responses to choose from" },
    });
  });

  it("refuses an attached pick that names no response", () => {
    expect(readPair(withPick({ rs: ["a", "b"], ss: [1, 2] }, 5, 0), multi())).toEqual(
      fault("rs", /^the planned pair names response 5, but the record holds 2$/),
    );
  });
});

describe("pickedMargin", () => {
  it.each<[string, RawRecord, ColumnMapping, number]>([
    ["multi scores", { rs: ["a", "b", "c"], ss: [0.2, 0.9, 0.1] }, multi(), 0.8],
    [
      "ranks: positive for the right order",
      { rs: ["a", "b", "c"], ss: [3, 1, 7] },
      multi({ scoreOrder: "lower-better" }),
      6,
    ],
    ["attached adjacent pick", withPick({ rs: ["a", "b", "c"], ss: [3, 2, 1] }, 1, 2), multi(), 1],
    ["strength", { s: -2 }, pairwise({ kind: "strength", field: "s" }), 2],
    ["probability", { p: 0.8 }, pairwise({ kind: "probability", field: "p", scale: "unit" }), clampedLogit(0.8)],
    ["scores", { sa: 3, sb: 5 }, pairwise({ kind: "scores", a: "sa", b: "sb" }), 2],
    [
      "votes",
      { v1: 2, v2: 2, v3: 1 },
      pairwise({ kind: "votes", fields: ["v1", "v2", "v3"], a: ["1"], b: ["2"], tie: ["0"] }),
      1,
    ],
    ["a label", { l: "x" }, pairwise({ kind: "label", field: "l", a: ["x"], b: ["y"], tie: [] }), NaN],
    [
      "pairwise preference without orientation",
      { p: 1.8 },
      { schema: "pairwise", outputA: "a", outputB: "b", preference: "p", ...none },
      clampedLogit(0.8),
    ],
    ["trl", {}, { schema: "trl", chosen: "c", rejected: "r", ...none }, NaN],
  ])("%s", (_name, record, mapping, want) => {
    const r = pickedMargin(record, mapping);
    expect(r.ok).toBe(true);
    if (r.ok && Number.isNaN(want)) expect(r.value).toBeNaN();
    else if (r.ok) expect(r.value).toBeCloseTo(want, 12);
  });
});

describe("describeExclusions", () => {
  const zero = {
    tie: 0,
    "no majority": 0,
    "no orientation": 0,
    "fewer than two responses": 0,
    "identical responses": 0,
  };
  it.each<[string, Partial<typeof zero>, number[], number, string]>([
    ["none", {}, [], 12, "no records excluded"],
    [
      "ties and no majority",
      { tie: 2, "no majority": 1 },
      [4, 7, 9],
      12,
      "excluded 3 of 12 records: tie 2, no majority 1 (rows 4, 7, 9)",
    ],
    ["one", { "no orientation": 1 }, [0], 1, "excluded 1 of 1 record: no orientation 1 (row 0)"],
    [
      "many rows",
      { tie: 25 },
      Array.from({ length: 25 }, (_, i) => i),
      100,
      `excluded 25 of 100 records: tie 25 (rows ${Array.from({ length: 20 }, (_, i) => i).join(", ")}, … 5 more)`,
    ],
  ])("%s", (_name, counts, rows, total, want) => {
    expect(describeExclusions({ ...zero, ...counts }, rows, total)).toBe(want);
  });
});
