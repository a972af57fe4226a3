import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEMO_PATH, DEMO_ROWS, createRng, demoJsonl, makeDemoRows } from "./make-demo-data";
import { createExtractor, detectMapping, toPair } from "@/lib/dataset/schema";
import type { MarginColumns, RawRecord } from "@/lib/dataset/types";

const FILE = path.resolve(import.meta.dirname, "..", DEMO_PATH);

describe("demo dataset", () => {
  it("the committed file is exactly the script's output (rerun `npx tsx scripts/make-demo-data.ts`)", () => {
    const committed = fs.readFileSync(FILE, "utf8");
    expect(committed === demoJsonl()).toBe(true);
    expect(Buffer.byteLength(committed)).toBeLessThanOrEqual(3 * 1024 * 1024);
  });

  it("the PRNG is seeded and deterministic", () => {
    const a = createRng(7);
    const b = createRng(7);
    const xs = Array.from({ length: 5 }, () => a());
    expect(xs).toEqual(Array.from({ length: 5 }, () => b()));
    expect(new Set(xs).size).toBe(5);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it("columns are consistent: rm_margin = max − min, logp_margin_norm = chosen − rejected, nulls together", () => {
    const rows = makeDemoRows();
    expect(rows.length).toBe(DEMO_ROWS);
    let nulls = 0;
    for (const r of rows) {
      expect(r.rm_margin).toBe(Math.max(...r.all_rm_scores) - Math.min(...r.all_rm_scores));
      expect([4, 5]).toContain(r.all_rm_scores.length);
      expect(r.chosen.slice(0, 1)).toEqual(r.prompt);
      expect(r.rejected.slice(0, 1)).toEqual(r.prompt);
      expect(r.chosen[1].content).not.toBe(r.rejected[1].content);
      if (r.logp_margin_norm === null) {
        nulls++;
        expect([r.chosen_logps_norm, r.rejected_logps_norm, r.chosen_logps, r.rejected_logps]).toEqual([
          null,
          null,
          null,
          null,
        ]);
      } else {
        expect(r.logp_margin_norm).toBe((r.chosen_logps_norm as number) - (r.rejected_logps_norm as number));
        expect(r.chosen_logps_norm).toBeGreaterThanOrEqual(-2.2);
        expect(r.chosen_logps_norm).toBeLessThanOrEqual(-0.25);
      }
    }
    expect(nulls).toBe(41);
  });

  it("detectMapping picks chat + rm_margin + logp_margin_norm; the extractor counts the missing rows", () => {
    const rows = fs
      .readFileSync(FILE, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as RawRecord);
    const d = detectMapping(rows.slice(0, 200), Object.keys(rows[0]), "demo-preferences.jsonl");
    expect(d.ok && d.data.mapping).toEqual({
      schema: "chat",
      prompt: "prompt",
      chosen: "chosen",
      rejected: "rejected",
      explicit: { kind: "column", field: "rm_margin" },
      implicit: { kind: "column", field: "logp_margin_norm" },
    });
    if (!d.ok) return;
    const columns: MarginColumns = {
      explicit: new Float64Array(rows.length).fill(NaN),
      implicit: new Float64Array(rows.length).fill(NaN),
    };
    const visit = createExtractor(d.data.mapping, "demo-preferences.jsonl", columns);
    rows.forEach((r, i) => expect(visit(r, { row: i, line: i + 1 })).toBeUndefined());
    expect(columns.explicit.filter(Number.isNaN).length).toBe(0);
    expect(columns.implicit.filter(Number.isNaN).length).toBe(41);
    expect(columns.explicit[0]).toBe(rows[0].rm_margin);
    const pair = toPair(rows[0], d.data.mapping);
    expect(pair.prompt).toEqual(rows[0].prompt);
    expect(pair.chosen).toEqual((rows[0].chosen as unknown[]).slice(1));
  });
});
