import { describe, expect, it } from "vitest";
import { exportRows } from "@/lib/export/export";
import { pairedSource, RowPlanBuilder, exclusionCount } from "@/lib/dataset/paired-source";
import { PAIR_PICK, type PairPick, type RawRecord } from "@/lib/dataset/types";
import { openOk, paperParquet } from "@/test/source-helpers";

const pickOf = (r: RawRecord) => (r as Record<symbol, unknown>)[PAIR_PICK] as PairPick | undefined;

// Records 0..4: record 1 excluded (tie), record 3 yields two pairs, the rest one each.
function plan() {
  const b = new RowPlanBuilder();
  b.add(0, [{ chosen: 1, rejected: 0 }]);
  b.exclude(1, "tie");
  b.add(2, [{ chosen: 0, rejected: 1 }]);
  b.add(3, [
    { chosen: 0, rejected: 1 },
    { chosen: 1, rejected: 2 },
  ]);
  b.add(4, [{ chosen: 0, rejected: 1 }]);
  return b.finish(5);
}

const JSONL = ["a", "b", "c", "d", "e"].map((id) => JSON.stringify({ id })).join("\n") + "\n";

describe("pairedSource", () => {
  it("maps rows to records with their picks, in getRecords and scan, keeping the file's line numbers", async () => {
    const base = await openOk(JSONL, "t.jsonl");
    const p = plan();
    expect(p.recordOf).toEqual(Uint32Array.from([0, 2, 3, 3, 4]));
    expect(exclusionCount(p.exclusions)).toBe(1);
    expect(p.exclusions.tie).toEqual([1]);
    const src = pairedSource(base, p);
    expect(src.rowCount).toBe(5);
    const recs = await src.getRecords([3, 0, 2]);
    expect(recs.map((r) => r.id)).toEqual(["d", "a", "d"]);
    expect(recs.map(pickOf)).toEqual([
      { chosen: 1, rejected: 2 },
      { chosen: 1, rejected: 0 },
      { chosen: 0, rejected: 1 },
    ]);
    // The base records are not altered: each row gets its own copy.
    expect(pickOf((await base.getRecords([3]))[0])).toBeUndefined();
    const seen: [number, number | undefined, unknown][] = [];
    const problem = await src.scan((r, where) => {
      seen.push([where.row, where.line, r.id]);
    });
    expect(problem).toBeNull();
    expect(seen).toEqual([
      [0, 1, "a"],
      [1, 3, "c"],
      [2, 4, "d"],
      [3, 4, "d"],
      [4, 5, "e"],
    ]);
    await expect(src.getRecords([5])).rejects.toThrow(RangeError);
  });

  it("exports JSON Lines, CSV and Parquet rows verbatim from the records they point to", async () => {
    const p = plan();
    const jsonl = pairedSource(await openOk(JSONL, "t.jsonl"), p);
    const out = await exportRows(jsonl, [0, 1, 4], "jsonl");
    expect(await out.text()).toBe('{"id":"a"}\n{"id":"c"}\n{"id":"e"}\n');

    const csv = pairedSource(await openOk("id,n\na,1\nb,2\nc,3\nd,4\ne,5\n", "t.csv"), p);
    expect(await (await exportRows(csv, [1, 2, 3], "csv")).text()).toBe("id,n\nc,3\nd,4\nd,4\n");

    const { buffer, records } = paperParquet(5);
    const pq = pairedSource(await openOk(new Uint8Array(buffer), "t.parquet"), p);
    const back = await openOk(await exportRows(pq, [1, 4], "parquet"), "back.parquet");
    const got = await back.getRecords([0, 1]);
    expect(got.map((r) => JSON.stringify(r.prompt))).toEqual(
      [records[2], records[4]].map((r) => JSON.stringify(r.prompt)),
    );
  });
});
