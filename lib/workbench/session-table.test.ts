/** The table and inspector read from the session: row numbers by id, and orders that follow new columns. */
import { describe, expect, it } from "vitest";
import { DatasetSession } from "./session";
import { createDatasetHandlers } from "./handlers";
import { defaultSpec } from "@/lib/selection/spec";
import { zScores } from "@/lib/metrics/stats";
import { hasReservedColumn, reserveColumn } from "@/lib/metrics/shared-column";
import type { HandlerContext } from "@/lib/worker/rpc";

const rows = [
  { prompt: "p0", chosen: "c0", rejected: "r0", rm_margin: 0.5, logp_margin_norm: 0.1 },
  { prompt: "p1", chosen: "c1", rejected: "r1", rm_margin: 0.9, logp_margin_norm: -0.2 },
  { prompt: "p2", chosen: "c2", rejected: "r2", rm_margin: null, logp_margin_norm: 0.3 },
  { prompt: "p3", chosen: "c3", rejected: "r3", rm_margin: 0.1, logp_margin_norm: 0.05 },
  { prompt: "p4", chosen: "c4", rejected: "r4", rm_margin: 0.7, logp_margin_norm: 1.5 },
  { prompt: "p5", chosen: "c5", rejected: "r5", rm_margin: 0.3, logp_margin_norm: null },
];
const blob = () => new Blob([rows.map((r) => JSON.stringify(r)).join("\n") + "\n"]);

async function open(): Promise<DatasetSession> {
  const r = await DatasetSession.open(blob(), "rows.jsonl");
  if (!r.ok) throw new Error(r.reason.message);
  return r.data;
}

describe("DatasetSession.rowNumbers", () => {
  it.each(["map", "explicit"] as const)(
    "gives the same M_AP ranks counted row by row, after warmRanking, and from the full column (metric %s)",
    async (metric) => {
      const s = await open();
      const spec = { ...defaultSpec(), ranking: { ...defaultSpec().ranking, metric, weight: 2 } };
      s.select(spec);
      const counted = s.rowNumbers([4, 0, 2, 5]).map((r) => r.mApRank);
      s.warmRanking();
      s.warmRanking();
      const warmed = s.rowNumbers([4, 0, 2, 5]).map((r) => r.mApRank);
      const full = s.currentSelection().columns.mApRank;
      expect(counted).toEqual([4, 0, 2, 5].map((r) => full[r]));
      expect(warmed).toEqual(counted);
      // Rows 2 and 5 lack a margin: no M_AP, no rank; rows 4 and 0 rank among the four rows that have both.
      expect(counted.map(Number.isNaN)).toEqual([false, false, true, true]);
      expect(counted.slice(0, 2).every((r) => r >= 1 && r <= 4)).toBe(true);
    },
  );

  it("gives each asked row the selection's columns, the mask, the decision and the z-scores", async () => {
    const s = await open();
    const spec = { ...defaultSpec(), decisions: { keep: [2], drop: [1] } };
    const sel = s.select(spec);
    const zEx = zScores(s.margins().explicit, null);
    const zIm = zScores(s.margins().implicit.map(Math.abs), null);
    const got = s.rowNumbers([5, 0, 1, 2], true);
    expect(got.map((r) => r.row)).toEqual([5, 0, 1, 2]);
    for (const r of got) {
      expect(r.explicit).toBe(s.margins().explicit[r.row]);
      expect(r.implicit).toBe(s.margins().implicit[r.row]);
      expect(r.z!.explicit).toBe(zEx[r.row]);
      expect(r.z!.absImplicit).toBe(zIm[r.row]);
      expect(r.score).toBe(sel.columns.score[r.row]);
      expect(r.mAp).toBe(sel.columns.mAp[r.row]);
      expect(r.mApRank).toBe(sel.columns.mApRank[r.row]);
      expect(r.selected).toBe(sel.evaluation.mask[r.row] === 1);
    }
    expect(got.map((r) => r.decision)).toEqual([null, null, "drop", "keep"]);
  });

  it("follows attached margins (new z-scores, new order)", async () => {
    const s = await open();
    s.select(defaultSpec());
    expect(Array.from(s.order("explicit", true, "all"))).toEqual([1, 4, 0, 5, 3, 2]);
    const explicit = Float64Array.of(6, 5, 4, 3, 2, 1);
    s.attachColumns([], { explicit });
    s.select(defaultSpec());
    expect(Array.from(s.order("explicit", true, "all"))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(s.order("explicit", false, "all"))).toEqual([5, 4, 3, 2, 1, 0]);
    expect(s.rowNumbers([0], true)[0].z!.explicit).toBe(zScores(explicit, null)[0]);
    expect(s.rowNumbers([0])[0].z).toBeNull();
  });

  it("the worker call answers a row outside the dataset with a bad-input error naming it", async () => {
    const handlers = createDatasetHandlers();
    const ctx = { progress: () => {}, transfer: [] } as unknown as HandlerContext;
    await handlers.open({ file: blob(), name: "rows.jsonl" }, ctx);
    await expect(async () => handlers.rowNumbers({ rows: [6] }, ctx)).rejects.toMatchObject({
      code: "bad-input",
      message: "row 6 is not in the dataset (it has 6 rows)",
    });
    expect((await handlers.rowNumbers({ rows: [1] }, ctx))[0]).toMatchObject({ row: 1, explicit: 0.9 });
  });

  it("once idle after a select, the worker reserves the column the next w change writes M_AP into", async () => {
    const handlers = createDatasetHandlers();
    const ctx = { progress: () => {}, transfer: [] } as unknown as HandlerContext;
    await handlers.open({ file: blob(), name: "rows.jsonl" }, ctx);
    reserveColumn(0);
    await handlers.select({ spec: defaultSpec(), histograms: [] }, ctx);
    expect(hasReservedColumn(rows.length)).toBe(false);
    // The worker's idle work runs 300 ms after the last select.
    await new Promise((r) => setTimeout(r, 400));
    expect(hasReservedColumn(rows.length)).toBe(true);
    const spec = defaultSpec();
    const w2 = { ...spec, ranking: { ...spec.ranking, weight: 2 } };
    await handlers.select({ spec: w2, histograms: [] }, ctx);
    expect(hasReservedColumn(rows.length)).toBe(false);
    // The reserved column holds M_AP at w = 2, as a new one would.
    const s = await open();
    s.select(w2);
    expect(Array.from((await handlers.column({ field: "mAp" }, ctx))!)).toEqual(Array.from(s.field("mAp")!));
  });
});
