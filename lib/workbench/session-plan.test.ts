/**
 * Sessions whose mapping plans rows (issue 9): records excluded by their votes, margins read per pair, the row
 * space changing on a re-map, and a file detection refuses kept open for a hand mapping (`needs-mapping`).
 */
import { describe, expect, it } from "vitest";
import { DatasetSession } from "./session";
import { createDatasetHandlers } from "./handlers";
import type { HandlerContext } from "@/lib/worker/rpc";
import type { ColumnMapping } from "@/lib/dataset/types";
import type { NeedsMappingDetail } from "./protocol";

// Votes 1 = response1 better, 2 = response2, 0 = tie. Outcomes: A, B, tie, no majority, B, A.
const VOTES = [
  [1, 1, 2],
  [2, 2, 1],
  [0, 0, 1],
  [1, 2, 0],
  [2, 2, 2],
  [1, null, 1],
];
const records = VOTES.map((v, i) => ({
  instruction: `task ${i}`,
  input: i === 1 ? "" : `input ${i}`,
  response1: `one ${i}`,
  response2: `two ${i}`,
  annotator1: v[0],
  annotator2: v[1],
  annotator3: v[2],
}));
const file = () => new Blob([records.map((r) => JSON.stringify(r)).join("\n") + "\n"]);

const VOTES_MAPPING: ColumnMapping = {
  schema: "pairwise",
  promptFields: ["instruction", "input"],
  promptSeparator: "\n",
  outputA: "response1",
  outputB: "response2",
  orientation: { kind: "votes", fields: ["annotator1", "annotator2", "annotator3"], a: ["1"], b: ["2"], tie: ["0"] },
  explicit: { kind: "picked" },
  implicit: { kind: "none" },
};

const ctx = (): HandlerContext => ({ progress: () => {}, transfer: [] });

describe("a planned mapping", () => {
  it("excludes ties and no-majority records, orients the rest by the votes and reads net votes as the margin", async () => {
    const opened = await DatasetSession.open(file(), "votes.jsonl", { mapping: VOTES_MAPPING });
    if (!opened.ok) throw new Error(opened.reason.message);
    const s = opened.data;
    const summary = s.summary();
    expect(summary.rowCount).toBe(4);
    expect(summary.plan).toEqual({
      records: 6,
      pairs: 4,
      excluded: 2,
      reasons: [
        { reason: "tie", count: 1, records: [2] },
        { reason: "no majority", count: 1, records: [3] },
      ],
    });
    expect(Array.from(s.margins().explicit)).toEqual([1, 1, 3, 2]);
    const views = await s.rows([0, 1, 2, 3]);
    expect(views.map((v) => [v.pair.chosen[0].content, v.pair.rejected[0].content])).toEqual([
      ["one 0", "two 0"],
      ["two 1", "one 1"],
      ["two 4", "one 4"],
      ["one 5", "two 5"],
    ]);
    // The prompt joins instruction and input; an empty input adds nothing.
    expect(views[0].pair.prompt[0].content).toBe("task 0\ninput 0");
    expect(views[1].pair.prompt[0].content).toBe("task 1");
    // The export writes the file's own records of the selected pairs.
    s.select({ ...s.currentSpec(), ranking: { ...s.currentSpec().ranking, metric: "explicit", ratio: 0.5 } });
    const out = await s.exportSelection("jsonl", false);
    expect(
      (await out.blob.text())
        .split("\n")
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { instruction: string }).instruction),
    ).toEqual(["task 4", "task 5"]);
  });

  it("a re-map to another row space resets the selection's decisions", async () => {
    const opened = await DatasetSession.open(file(), "votes.jsonl", { mapping: VOTES_MAPPING });
    if (!opened.ok) throw new Error(opened.reason.message);
    const s = opened.data;
    s.select({ ...s.currentSpec(), decisions: { keep: [3], drop: [0] } });
    const problem = await s.remap({
      ...VOTES_MAPPING,
      orientation: { kind: "label", field: "annotator1", a: ["1"], b: ["2"], tie: ["0"] },
    });
    expect(problem).toBeNull();
    expect(s.summary().rowCount).toBe(5);
    expect(s.summary().plan?.reasons).toEqual([{ reason: "tie", count: 1, records: [2] }]);
    expect(s.currentSpec().decisions).toEqual({ keep: [], drop: [] });
  });

  it("a bad mapping names the record's row and field", async () => {
    const opened = await DatasetSession.open(file(), "votes.jsonl", {
      mapping: { ...VOTES_MAPPING, outputA: "annotator1" },
    });
    expect(opened.ok).toBe(false);
    if (opened.ok) return;
    expect(opened.reason).toMatchObject({ file: "votes.jsonl", row: 0, line: 1, field: "annotator1" });
  });
});

// The same records under names no detection rule knows.
const renamed = () =>
  new Blob([
    records
      .map((r) =>
        JSON.stringify({
          instruction: r.instruction,
          input: r.input,
          left: r.response1,
          right: r.response2,
          rater_a: r.annotator1,
          rater_b: r.annotator2,
          rater_c: r.annotator3,
        }),
      )
      .join("\n") + "\n",
  ]);
const RENAMED: ColumnMapping = {
  ...VOTES_MAPPING,
  outputA: "left",
  outputB: "right",
  orientation: { kind: "votes", fields: ["rater_a", "rater_b", "rater_c"], a: ["1"], b: ["2"], tie: ["0"] },
};

describe("a file detection refuses", () => {
  it("stays open for a hand mapping; a failed mapping keeps it waiting, a good one opens it", async () => {
    const h = createDatasetHandlers();
    const err = await Promise.resolve(h.open({ file: renamed(), name: "votes.jsonl" }, ctx())).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "needs-mapping" });
    const detail = (err as { detail: NeedsMappingDetail }).detail;
    expect(detail.problem.message).toContain("could not recognise the schema");
    expect(detail.fields.all).toEqual(["instruction", "input", "left", "right", "rater_a", "rater_b", "rater_c"]);
    const bad = await Promise.resolve(h.mapPending({ mapping: { ...RENAMED, outputB: "rater_b" } }, ctx())).catch(
      (e: unknown) => e,
    );
    expect(bad).toMatchObject({ code: "bad-input", detail: { row: 0, field: "rater_b" } });
    const reply = await h.mapPending({ mapping: RENAMED }, ctx());
    expect(reply.summary.rowCount).toBe(4);
    expect(reply.summary.plan?.excluded).toBe(2);
    await expect(Promise.resolve(h.mapPending({ mapping: RENAMED }, ctx()))).rejects.toMatchObject({
      code: "no-dataset",
    });
  });
});

describe("the annotator-votes layout", () => {
  it("is detected as a preset of the hand mapping, with the same pairs", async () => {
    const detected = await DatasetSession.open(file(), "votes.jsonl");
    if (!detected.ok) throw new Error(detected.reason.message);
    expect(detected.data.summary().plan).toMatchObject({ records: 6, pairs: 4, excluded: 2 });
  });
});
