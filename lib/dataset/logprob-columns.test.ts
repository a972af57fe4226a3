import { describe, expect, it } from "vitest";
import {
  CONVENTIONAL_LOGPROB_FIELDS,
  createLogprobColumns,
  createLogprobExtractor,
  logprobFields,
} from "@/lib/dataset/logprob-columns";
import type { LogprobFields } from "@/lib/dataset/logprob-columns";
import { openSource } from "@/lib/dataset/source";
import { formatProblem } from "@/lib/dataset/types";
import type { ColumnMapping, ParseProblem, RawRecord } from "@/lib/dataset/types";
import { haveFiles, readPlainText, sharedPath } from "@/test/shared-files";

const rivalsInput = sharedPath("reference/rivals/input.jsonl");
const haveRivals = haveFiles(rivalsInput);

const trl = (implicit: ColumnMapping["implicit"]): ColumnMapping => ({
  schema: "trl",
  prompt: "prompt",
  chosen: "chosen",
  rejected: "rejected",
  explicit: { kind: "difference", chosen: "score_chosen", rejected: "score_rejected" },
  implicit,
});
const dpo = trl({ kind: "dpo", chosen: "pc", rejected: "pr", refChosen: "rc", refRejected: "rr", beta: 0.1 });
const conventional = Object.values(CONVENTIONAL_LOGPROB_FIELDS);

describe("logprobFields", () => {
  it.each<[string, ColumnMapping, string[], LogprobFields | null]>([
    [
      "the mapping's DPO fields, whatever else the file has",
      dpo,
      ["prompt", "chosen", "rejected", ...conventional],
      { chosen: "pc", rejected: "pr", refChosen: "rc", refRejected: "rr" },
    ],
    [
      "conventional names beside a sum-difference implicit",
      trl({ kind: "difference", chosen: "chosen_logps", rejected: "rejected_logps" }),
      ["prompt", "chosen", "rejected", "score_chosen", ...conventional],
      CONVENTIONAL_LOGPROB_FIELDS,
    ],
    ["conventional names without any implicit", trl({ kind: "none" }), conventional, CONVENTIONAL_LOGPROB_FIELDS],
    [
      "null when a reference column is absent",
      trl({ kind: "none" }),
      ["chosen_logps", "rejected_logps", "ref_chosen_logps"],
      null,
    ],
    [
      "null for per-token means (SimPO columns)",
      trl({ kind: "difference", chosen: "chosen_logps_norm", rejected: "rejected_logps_norm" }),
      ["chosen_logps_norm", "rejected_logps_norm"],
      null,
    ],
  ])("%s", (_name, mapping, fields, expected) => {
    expect(logprobFields(mapping, fields)).toEqual(expected);
  });
});

describe("createLogprobExtractor", () => {
  const fields: LogprobFields = { chosen: "pc", rejected: "pr", refChosen: "rc", refRejected: "rr" };

  function extract(records: RawRecord[]) {
    const columns = createLogprobColumns(records.length);
    const visit = createLogprobExtractor(fields, "data.jsonl", columns);
    const problems = records.map((r, i) => visit(r, { row: i, line: i + 3 }) ?? null);
    return { columns, problems };
  }

  it("reads numbers, numeric strings and bigints; null, absent, empty and NaN text are NaN, never 0", () => {
    const { columns, problems } = extract([
      { pc: -10.5, pr: -20, rc: -12, rr: -15 },
      { pc: null, pr: "8.0", rc: "", rr: 3n },
      { pr: "NaN", rc: " -1e2 ", rr: "null" },
    ]);
    expect(problems).toEqual([null, null, null]);
    expect(columns).toEqual({
      chosen: Float64Array.from([-10.5, NaN, NaN]),
      rejected: Float64Array.from([-20, 8, NaN]),
      refChosen: Float64Array.from([-12, NaN, -100]),
      refRejected: Float64Array.from([-15, 3, NaN]),
    });
  });

  it.each<[string, RawRecord, string, RegExp]>([
    ["a string that is no number", { pc: -1, pr: "abc", rc: -1, rr: -1 }, "pr", /got string "abc"/],
    ["a boolean", { pc: -1, pr: -1, rc: true, rr: -1 }, "rc", /got boolean true/],
    ["a list", { pc: [-1, -2], pr: -1, rc: -1, rr: -1 }, "pc", /got a list of 2 items/],
    ["an infinite number", { pc: -1, pr: -1, rc: -1, rr: -Infinity }, "rr", /expected a finite number/],
  ])("%s is a problem naming file, line, row and field; the row stays missing", (_name, record, field, message) => {
    const { columns, problems } = extract([{ pc: -1, pr: -2, rc: -3, rr: -4 }, record]);
    expect(problems[0]).toBeNull();
    const p = problems[1] as ParseProblem;
    expect(p).toMatchObject({ file: "data.jsonl", line: 4, row: 1, field });
    expect(p.message).toMatch(message);
    expect(formatProblem(p)).toMatch(new RegExp(`^data\\.jsonl, line 4, field "${field}": `));
    expect([columns.chosen[1], columns.rejected[1], columns.refChosen[1], columns.refRejected[1]]).toEqual([
      NaN,
      NaN,
      NaN,
      NaN,
    ]);
  });

  it("a row beyond the columns is a RangeError, as createExtractor", () => {
    const visit = createLogprobExtractor(fields, "data.jsonl", createLogprobColumns(1));
    expect(() => visit({ pc: 1, pr: 1, rc: 1, rr: 1 }, { row: 1, line: 2 })).toThrow(RangeError);
  });

  it("runs as a source scan visitor and stops at the first bad record", async () => {
    const lines = [
      { prompt: "Q", chosen: "g", rejected: "b", pc: -1, pr: -2, rc: -3, rr: -4 },
      { prompt: "Q", chosen: "g", rejected: "b", pc: null, pr: -2, rc: -3, rr: -4 },
      { prompt: "Q", chosen: "g", rejected: "b", pc: -1, pr: -2, rc: "x", rr: -4 },
    ];
    const opened = await openSource(new Blob([lines.map((l) => JSON.stringify(l)).join("\n")]), "lp.jsonl");
    if (!opened.ok) throw new Error(formatProblem(opened.reason));
    const source = opened.data;
    const found = logprobFields(dpo, source.fields);
    expect(found).toEqual(fields);
    const columns = createLogprobColumns(source.rowCount);
    const problem = await source.scan(createLogprobExtractor(found as LogprobFields, source.info.name, columns));
    expect(problem).toMatchObject({ file: "lp.jsonl", line: 3, row: 2, field: "rc" });
    expect(Array.from(columns.chosen)).toEqual([-1, NaN, NaN]);
  });
});

describe.skipIf(!haveRivals)(`rivals input${haveRivals ? "" : ` (skipped: ${rivalsInput} not found)`}`, () => {
  it("conventional names are found and read as plain JSON.parse reads them (null = NaN)", async () => {
    const text = readPlainText(rivalsInput);
    const opened = await openSource(new Blob([text]), "input.jsonl");
    if (!opened.ok) throw new Error(formatProblem(opened.reason));
    const source = opened.data;
    // JSON sources learn their fields from the records parsed so far, as detection samples them first.
    await source.getRecords([0, 1, 2]);
    const found = logprobFields(trl({ kind: "none" }), source.fields);
    expect(found).toEqual(CONVENTIONAL_LOGPROB_FIELDS);
    const columns = createLogprobColumns(source.rowCount);
    expect(await source.scan(createLogprobExtractor(found as LogprobFields, "input.jsonl", columns))).toBeNull();
    const rows = text
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Record<string, number | null>);
    expect(columns.chosen).toEqual(Float64Array.from(rows, (r) => r.chosen_logps ?? NaN));
    expect(columns.rejected).toEqual(Float64Array.from(rows, (r) => r.rejected_logps ?? NaN));
    expect(columns.refChosen).toEqual(Float64Array.from(rows, (r) => r.ref_chosen_logps ?? NaN));
    expect(columns.refRejected).toEqual(Float64Array.from(rows, (r) => r.ref_rejected_logps ?? NaN));
  });
});
