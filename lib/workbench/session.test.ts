import { describe, expect, it } from "vitest";
import { DatasetSession, describeMarginSource } from "./session";
import { DEFAULT_SETTINGS } from "./defaults";
import { specFromSettings } from "@/lib/selection/settings";
import { createDatasetHandlers } from "./handlers";
import type { HandlerContext } from "@/lib/worker/rpc";
import { fileBlob, haveFiles, paperStyleJsonl } from "@/test/shared-files";

const PAPER = paperStyleJsonl;
const hasPaper = haveFiles(PAPER);

function jsonl(rows: object[]): Blob {
  return new Blob([rows.map((r) => JSON.stringify(r)).join("\n") + "\n"]);
}

const rows = [
  { prompt: "p0", chosen: "c0", rejected: "r0", rm_margin: 0.5, logp_margin_norm: 0.1 },
  { prompt: "p1", chosen: "c1", rejected: "r1", rm_margin: 0.9, logp_margin_norm: -0.2 },
  { prompt: "p2", chosen: "c2", rejected: "r2", rm_margin: null, logp_margin_norm: 0.3 },
  { prompt: "p3", chosen: "c3", rejected: "r3", rm_margin: 0.1, logp_margin_norm: 0.05 },
  { prompt: "p4", chosen: "c4", rejected: "r4", rm_margin: 0.7, logp_margin_norm: 1.5 },
  { prompt: "p5", chosen: "c5", rejected: "r5", rm_margin: 0.3, logp_margin_norm: null },
];

async function open(blob: Blob, name = "rows.jsonl"): Promise<DatasetSession> {
  const r = await DatasetSession.open(blob, name);
  if (!r.ok) throw new Error(r.reason.message);
  return r.data;
}

describe("DatasetSession", () => {
  it("detects, extracts margins with missing values as NaN, and counts them", async () => {
    const s = await open(jsonl(rows));
    const sum = s.summary();
    expect(sum.rowCount).toBe(6);
    expect(sum.mapping.schema).toBe("trl");
    expect(sum.missingExplicit).toBe(1);
    expect(sum.missingImplicit).toBe(1);
    expect(sum.missingAny).toBe(2);
    expect(Array.from(s.margins().explicit)).toEqual([0.5, 0.9, NaN, 0.1, 0.7, 0.3]);
  });

  it("selects over the 4 rows with both margins and exports them verbatim with computed columns", async () => {
    const s = await open(jsonl(rows));
    const { evaluation, scores, indices } = s.selectSettings({ ...DEFAULT_SETTINGS, ratio: 0.5 });
    const selection = { k: evaluation.k, indices };
    expect(scores.valid).toBe(4);
    expect(selection.k).toBe(2);
    // z(m_ex) − z(|m_im|) over rows 0,1,3,4: row 1 (high m_ex, small |m_im|) and row 0 lead.
    expect(Array.from(selection.indices)).toEqual([0, 1]);
    const plain = await s.exportSelection("jsonl", false);
    expect(await plain.blob.text()).toBe(`${JSON.stringify(rows[0])}\n${JSON.stringify(rows[1])}\n`);
    const withCols = await s.exportSelection("jsonl", true);
    const parsed = (await withCols.blob.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(parsed.map((r) => r.m_ap_rank)).toEqual([2, 1]);
    expect(parsed[0].explicit_margin).toBe(0.5);
  });

  it("orders the table by a column with missing values last", async () => {
    const s = await open(jsonl(rows));
    s.selectSettings(DEFAULT_SETTINGS);
    expect(Array.from(s.order("explicit", true, false))).toEqual([1, 4, 0, 5, 3, 2]);
    expect(Array.from(s.order("row", true, false))).toEqual([5, 4, 3, 2, 1, 0]);
  });

  it("keeps the previous mapping when a remap fails", async () => {
    const s = await open(jsonl(rows));
    const before = s.summary().mapping;
    const problem = await s.remap({ ...before, explicit: { kind: "column", field: "no_such_field" } });
    expect(problem?.field ?? problem?.message).toMatch(/no_such_field/);
    expect(s.summary().mapping).toEqual(before);
    expect(s.margins().explicit[0]).toBe(0.5);
  });

  it("handlers keep the loaded dataset when a bad file is opened", async () => {
    const h = createDatasetHandlers();
    const ctx = (): HandlerContext => ({ progress: () => {}, transfer: [] });
    await h.open({ file: jsonl(rows), name: "good.jsonl" }, ctx());
    const err = await Promise.resolve(h.open({ file: new Blob(['{"prompt": 1']), name: "bad.jsonl" }, ctx())).catch(
      (e: { code: string; message: string }) => e,
    );
    expect(err).toMatchObject({ code: "bad-input" });
    expect((err as unknown as Error).message).toMatch(/^bad\.jsonl, line 1/);
    const sel = await h.select(
      {
        spec: specFromSettings(DEFAULT_SETTINGS),
        histograms: [{ field: "explicit", source: "hist:explicit", bins: 10 }],
      },
      ctx(),
    );
    expect(sel.selectedCount).toBeLessThanOrEqual(6);
    expect((await h.mask({}, ctx())).length).toBe(6);
    expect(sel.histograms[0].all.reduce((a, b) => a + b, 0)).toBe(5);
  });
});

describe.skipIf(!hasPaper)(`paper-style file${hasPaper ? "" : " (skipped: ../shared/reference not found)"}`, () => {
  it("reads 3000 rows, chat schema, rm_margin and logp_margin_norm", async () => {
    const s = await open(await fileBlob(PAPER), "processed.jsonl");
    const sum = s.summary();
    expect(sum.rowCount).toBe(3000);
    expect(sum.mapping.schema).toBe("chat");
    expect(sum.mapping.explicit).toEqual({ kind: "column", field: "rm_margin" });
    expect(sum.mapping.implicit).toEqual({ kind: "column", field: "logp_margin_norm" });
    const [view] = await s.rows([0]);
    expect(view.pair.prompt[0].content).toMatch(/^Hi! I'd like to create a new language game/);
    expect(view.pair.chosen.map((m) => m.role)).toEqual(["assistant"]);
  });
});

describe("describeMarginSource", () => {
  it.each([
    ["explicit", { kind: "none" }, "explicit margin: none (shown as missing)"],
    ["explicit", { kind: "column", field: "rm_margin" }, "explicit margin: column rm_margin"],
    ["explicit", { kind: "score-range", field: "all_rm_scores" }, "explicit margin: max − min of all_rm_scores"],
    ["implicit", { kind: "difference", chosen: "a", rejected: "b" }, "implicit margin: a − b"],
    [
      "implicit",
      { kind: "dpo", chosen: "pc", rejected: "pr", refChosen: "rc", refRejected: "rr", beta: 0.1 },
      "implicit margin: DPO β=0.1 · [(pc − rc) − (pr − rr)]",
    ],
  ] as const)("%s %j", (which, source, text) => {
    expect(describeMarginSource(which, source)).toBe(text);
  });
});
