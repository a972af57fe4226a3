import { describe, expect, it } from "vitest";
import {
  describeAccounting,
  describeDuplicateKey,
  describePlan,
  describeResponseIssues,
  skippedRowsFileName,
} from "@/lib/workbench/plan-text";

describe("describePlan", () => {
  it("names records, pairs and each exclusion reason with its count", () => {
    const line = describePlan({
      records: 48,
      pairs: 30,
      excluded: 18,
      reasons: [
        { reason: "tie", count: 6, records: [2, 10] },
        { reason: "no majority", count: 12, records: [4] },
      ],
    });
    expect(line).toBe("48 records → 30 pairs; excluded 18: tie 6, no majority 12");
  });

  it("says excluded 0 without a reason list when every record made a pair", () => {
    expect(describePlan({ records: 5, pairs: 9, excluded: 0, reasons: [] })).toBe("5 records → 9 pairs; excluded 0");
  });
});

describe("describeDuplicateKey", () => {
  it.each([
    [
      { field: "score", rows: 3, firstRow: 0, firstLine: 4 },
      `3 rows have a duplicate key "score": the last value is used, as JSON.parse and Python's json do (first: line 4)`,
    ],
    [
      { field: "meta.k", rows: 1, firstRow: 7 },
      `1 row has a duplicate key "meta.k": the last value is used, as JSON.parse and Python's json do (first: row 7)`,
    ],
  ])("%j", (count, line) => {
    expect(describeDuplicateKey(count)).toBe(line);
  });
});

describe("describeResponseIssues", () => {
  it("lists at most 20 rows per reason, then how many more", () => {
    const rows = Array.from({ length: 25 }, (_, i) => i * 2);
    const line = describeResponseIssues({
      count: 26,
      reasons: [
        { reason: "identical chosen and rejected", count: 25, rows },
        { reason: "empty response", count: 1, rows: [3] },
      ],
    });
    expect(line).toBe(
      `26 pairs have identical or empty responses: identical chosen and rejected 25 (rows ${rows.slice(0, 20).join(", ")}, … 5 more), empty response 1 (row 3)`,
    );
  });
});

describe("describeAccounting", () => {
  it.each([
    [{ records: 1, loaded: 1, rows: 1, skipped: 0, reasons: [] }, "1 record in the file: 1 loaded, 0 skipped"],
    [
      {
        records: 12,
        loaded: 9,
        rows: 11,
        skipped: 3,
        reasons: [
          { reason: "tie", count: 2 },
          { reason: "no majority", count: 1 },
        ],
      },
      "12 records in the file: 9 loaded (11 pairs), 3 skipped: tie 2, no majority 1",
    ],
  ])("%j", (a, line) => {
    expect(describeAccounting(a)).toBe(line);
    expect(a.loaded + a.skipped).toBe(a.records);
  });
});

describe("skippedRowsFileName", () => {
  it.each([
    ["data.jsonl.gz", "data.skipped.jsonl"],
    ["../a\nb.csv", "a b.skipped.jsonl"],
    [".jsonl", "dataset.skipped.jsonl"],
    [`${"x".repeat(200)}.parquet`, `${"x".repeat(120 - ".skipped.jsonl".length)}.skipped.jsonl`],
  ])("%s → %s", (name, want) => {
    expect(skippedRowsFileName(name)).toBe(want);
  });
});
