import { describe, expect, it } from "vitest";
import { responseIssueOf } from "@/lib/workbench/row-accounting";
import { DatasetSession } from "@/lib/workbench/session";
import { inspectFiles } from "@/lib/workbench/open-files";
import { describeAccounting, describeResponseIssues } from "@/lib/workbench/plan-text";
import { withDecision } from "@/lib/selection/spec";
import type { ColumnMapping, Pair } from "@/lib/dataset/types";
import type { HandlerContext } from "@/lib/worker/rpc";
import { createDatasetHandlers } from "@/lib/workbench/handlers";

const msg = (content: string, role = "assistant") => [{ role, content }];
const pair = (chosen: Pair["chosen"], rejected: Pair["rejected"]): Pair => ({
  prompt: msg("q", "user"),
  chosen,
  rejected,
});

describe("responseIssueOf", () => {
  it.each([
    [pair(msg("a"), msg("b")), null],
    [pair(msg("same"), msg("same")), "identical chosen and rejected"],
    [pair(msg("same\n"), msg("  same")), "identical chosen and rejected"],
    [pair(msg(""), msg("b")), "empty response"],
    [pair(msg("a"), msg(" \n\t")), "empty response"],
    [pair([], msg("b")), "empty response"],
    [pair(msg(""), msg("")), "empty response"],
    [pair([...msg("x"), ...msg("y", "user")], [...msg("x"), ...msg("y", "user")]), "identical chosen and rejected"],
    [pair([...msg("x"), ...msg("y", "user")], [...msg("x"), ...msg("z", "user")]), null],
  ])("%j → %s", (p, reason) => {
    expect(responseIssueOf(p)).toBe(reason);
  });
});

const trl = (chosen: string, rejected: string, m: number) =>
  JSON.stringify({ prompt: "p", chosen, rejected, rm_margin: m });

async function open(text: string, name: string, mapping?: ColumnMapping): Promise<DatasetSession> {
  const opened = await DatasetSession.open(new Blob([text]), name, { mapping });
  if (!opened.ok) throw new Error(opened.reason.message);
  return opened.data;
}

describe("identical or empty responses", () => {
  const lines = [
    trl("a", "b", 1),
    trl("same", "same", 2),
    trl("", "b", 3),
    trl("c", "d", 4),
    trl("x", "   ", 5),
    trl("y", "y", 6),
  ];

  it("are counted per reason and listed by row; every row is handed out for Drop these", async () => {
    const s = await open(lines.join("\n") + "\n", "resp.jsonl");
    const issues = s.summary().responseIssues;
    expect(issues).toEqual({
      count: 4,
      reasons: [
        { reason: "identical chosen and rejected", count: 2, rows: [1, 5] },
        { reason: "empty response", count: 2, rows: [2, 4] },
      ],
    });
    expect(Array.from(s.responseIssueRows())).toEqual([1, 2, 4, 5]);
    expect(describeResponseIssues(issues)).toBe(
      "4 pairs have identical or empty responses: identical chosen and rejected 2 (rows 1, 5), empty response 2 (rows 2, 4)",
    );
  });

  it("dropped through the selection's decisions, they are never selected", async () => {
    const s = await open(lines.join("\n") + "\n", "resp.jsonl");
    const base = s.currentSpec();
    const all = { ...base, ranking: { ...base.ranking, metric: "explicit" as const, ratio: 1 } };
    const dropped = withDecision(all, Array.from(s.responseIssueRows()), "drop");
    const sel = s.select(dropped);
    expect(sel.evaluation.droppedByHand).toBe(4);
    expect(Array.from(sel.indices)).toEqual([0, 3]);
  });

  it("a clean file has none", async () => {
    const s = await open([trl("a", "b", 1), trl("c", "d", 2)].join("\n"), "clean.jsonl");
    expect(s.summary().responseIssues).toEqual({ count: 0, reasons: [] });
    expect(describeResponseIssues(s.summary().responseIssues)).toBeNull();
  });
});

const conv = (q: string, a: string) => [
  { role: "user", content: q },
  { role: "assistant", content: a },
];
const arena = (i: number, winner: string) =>
  JSON.stringify({ id: i, winner, conversation_a: conv(`q${i}`, `a${i}`), conversation_b: conv(`q${i}`, `b${i}`) });

describe("row accounting", () => {
  it("without a plan every record is loaded", async () => {
    const s = await open([trl("a", "b", 1), trl("c", "d", 2), trl("e", "f", 3)].join("\n"), "all.jsonl");
    const a = s.summary().accounting;
    expect(a).toEqual({ records: 3, loaded: 3, rows: 3, skipped: 0, reasons: [] });
    expect(describeAccounting(a)).toBe("3 records in the file: 3 loaded, 0 skipped");
    expect(await (await s.skippedRecords()).text()).toBe("");
  });

  it("with a plan, records = loaded + skipped, and the skipped ones download with their lines as written", async () => {
    // A blank line and a duplicate key: line numbers are the file's, the record is kept byte for byte (minified).
    const lines = [
      arena(0, "model_a"),
      arena(1, "tie"),
      "",
      arena(2, "model_b"),
      '{"id": 3, "winner": "tie (bothbad)", "winner": "tie (bothbad)", "conversation_a": [], "conversation_b": []}',
      arena(4, "model_a"),
    ];
    const s = await open(lines.join("\n") + "\n", "arena.jsonl");
    const a = s.summary().accounting;
    expect(a).toEqual({ records: 5, loaded: 3, rows: 3, skipped: 2, reasons: [{ reason: "tie", count: 2 }] });
    expect(a.loaded + a.skipped).toBe(a.records);
    expect(describeAccounting(a)).toBe("5 records in the file: 3 loaded, 2 skipped: tie 2");
    const out = (await (await s.skippedRecords()).text()).split("\n");
    expect(out).toEqual([
      `{"row":1,"line":2,"reason":"tie","record":${arena(1, "tie")}}`,
      `{"row":3,"line":5,"reason":"tie","record":{"id":3,"winner":"tie (bothbad)","winner":"tie (bothbad)","conversation_a":[],"conversation_b":[]}}`,
      "",
    ]);
    expect(JSON.parse(out[0]).record).toEqual(JSON.parse(arena(1, "tie")));
  });

  it("CSV records are written as their cells, with their lines", async () => {
    const csv = "instruction,output_1,output_2,label\nq0,a,b,1\nq1,a,b,0\n\nq2,a,b,2\n";
    const mapping: ColumnMapping = {
      schema: "pairwise",
      prompt: "instruction",
      outputA: "output_1",
      outputB: "output_2",
      orientation: { kind: "label", field: "label", a: ["1"], b: ["2"], tie: ["0"] },
      explicit: { kind: "none" },
      implicit: { kind: "none" },
    };
    const s = await open(csv, "votes.csv", mapping);
    expect(s.summary().accounting).toMatchObject({ records: 3, loaded: 2, skipped: 1 });
    const text = await (await s.skippedRecords()).text();
    expect(text).toBe(
      `{"row":1,"line":3,"reason":"tie","record":{"instruction":"q1","output_1":"a","output_2":"b","label":"0"}}\n`,
    );
  });

  it("several files: each skipped record names its file, with its row and line there", async () => {
    const files = [
      { name: "part-1.jsonl", blob: new Blob([[arena(0, "model_a"), arena(1, "tie")].join("\n") + "\n"]) },
      { name: "part-2.jsonl", blob: new Blob([[arena(2, "tie"), arena(3, "model_b")].join("\n") + "\n"]) },
    ];
    const opened = await inspectFiles(new Blob(files.map((f) => f.blob)), "parts", files);
    if (!opened.ok) throw new Error(opened.reason.message);
    const session = await DatasetSession.fromOpened(opened.data);
    if (!session.ok) throw new Error(session.reason.message);
    const s = session.data;
    expect(s.summary().accounting).toMatchObject({ records: 4, loaded: 2, skipped: 2 });
    const rows = (await (await s.skippedRecords()).text())
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map(({ row, line, file, reason }) => ({ row, line, file, reason }))).toEqual([
      { row: 1, line: 2, file: "part-1.jsonl", reason: "tie" },
      { row: 0, line: 1, file: "part-2.jsonl", reason: "tie" },
    ]);
    expect(rows[1].record).toEqual(JSON.parse(arena(2, "tie")));
  });
});

describe("the dataset worker's handlers", () => {
  const ctx = (): HandlerContext => ({ progress: () => {}, transfer: [] });

  it("hand out every issue row (transferred) and the skipped rows with a download name", async () => {
    const h = createDatasetHandlers();
    const lines = [arena(0, "model_a"), arena(1, "tie"), arenaWith(2, "same", "same"), arenaWith(3, "", "x")];
    const reply = await h.open({ file: new Blob([lines.join("\n") + "\n"]), name: "../arena.jsonl.gz" }, ctx());
    expect(reply.summary.accounting).toMatchObject({ records: 4, loaded: 3, skipped: 1 });
    const c = ctx();
    const rows = await h.responseIssueRows({}, c);
    expect(Array.from(rows)).toEqual([1, 2]);
    expect(c.transfer).toEqual([rows.buffer]);
    const skipped = await h.skippedRows({}, ctx());
    expect(skipped.fileName).toBe("arena.skipped.jsonl");
    expect(skipped.count).toBe(1);
    expect(JSON.parse(await skipped.blob.text())).toMatchObject({ row: 1, line: 2, reason: "tie" });
  });
});

function arenaWith(i: number, a: string, b: string): string {
  return JSON.stringify({
    id: i,
    winner: "model_a",
    conversation_a: conv(`q${i}`, a),
    conversation_b: conv(`q${i}`, b),
  });
}
