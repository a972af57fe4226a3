import { describe, expect, it } from "vitest";
import { describePlan } from "@/lib/workbench/plan-text";

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
