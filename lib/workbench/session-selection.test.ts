import { describe, expect, it } from "vitest";
import { DatasetSession } from "./session";
import type { Metric } from "@/lib/metrics/select";
import {
  defaultSpec,
  histogramSource,
  withDecision,
  withInterval,
  withRegion,
  withSearch,
  type Ranking,
  type SelectionSpec,
} from "@/lib/selection/spec";

/** rm_margin (explicit), logp_margin_norm (implicit); row 2 lacks m_ex, row 5 lacks m_im. No two M_AP are equal. */
const EXPLICIT = [0.5, 0.9, null, 0.1, 0.7, 0.3, 1.2, -0.4, 0.8, 0.05, 1.5, 0.6];
const IMPLICIT = [0.1, -0.2, 0.3, 0.05, 1.5, null, 0.4, 0.2, -0.9, 0.15, 2.0, -0.3];
const ROWS = EXPLICIT.map((e, i) => ({
  prompt: `p${i}`,
  chosen: `c${i}`,
  rejected: `r${i}`,
  rm_margin: e,
  logp_margin_norm: IMPLICIT[i],
}));
const N = ROWS.length;
const LINES = ROWS.map((r) => JSON.stringify(r) + "\n");
const BOTH = ROWS.flatMap((_, i) => (EXPLICIT[i] !== null && IMPLICIT[i] !== null ? [i] : []));

function blob(lines = LINES): Blob {
  return new Blob([lines.join("")]);
}

async function open(file: Blob = blob(), name = "rows.jsonl"): Promise<DatasetSession> {
  const r = await DatasetSession.open(file, name);
  if (!r.ok) throw new Error(r.reason.message);
  return r.data;
}

function specOf(ranking: Partial<Ranking>): SelectionSpec {
  const s = defaultSpec();
  return { ...s, ranking: { ...s.ranking, ...ranking } };
}

/** M_AP by its formula: z(m_ex) − w·z(|m_im|) over the rows with both margins, population std. */
function mapOracle(w: number): number[] {
  const z = (vals: number[]) => {
    const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
    const std = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length);
    return vals.map((v) => (v - mean) / std);
  };
  const zEx = z(BOTH.map((i) => EXPLICIT[i]!));
  const zIm = z(BOTH.map((i) => Math.abs(IMPLICIT[i]!)));
  const out = new Array<number>(N).fill(NaN);
  BOTH.forEach((row, j) => (out[row] = zEx[j] - w * zIm[j]));
  return out;
}

/** Rows by M_AP at w, best first, rows without it last. */
function byMap(w: number): number[] {
  const m = mapOracle(w);
  return [...[...BOTH].sort((a, b) => m[b] - m[a]), ...ROWS.flatMap((_, i) => (BOTH.includes(i) ? [] : [i]))];
}

/**
 * Explicit metric, top 50 % of the 11 rows with m_ex (k = 5), |m_im| ≤ 1, row 6 dropped, rows 2 (no m_ex) and
 * 10 (|m_im| = 2) kept. By m_ex: 10, 6, 1, 8, 4, 11, 0, 5, 3, 9, 7; the gate removes 10, 4 and 5 (missing m_im);
 * the drop removes 6; the ranking takes 1, 8, 11, 0, 3; the decisions add 2 and 10.
 */
const CURATED = withDecision(
  withDecision(
    withInterval(specOf({ metric: "explicit", ratio: 0.5 }), histogramSource("absImplicit"), "absImplicit", null, 1),
    [10, 2],
    "keep",
  ),
  [6],
  "drop",
);
const CURATED_ROWS = [0, 1, 2, 3, 8, 10, 11];

describe("DatasetSession.select with gates and decisions", () => {
  it("selects the ranking's best candidates plus the rows kept by hand", async () => {
    const s = await open();
    const { evaluation, indices, scores } = s.select(CURATED);
    expect(Array.from(indices)).toEqual(CURATED_ROWS);
    expect(scores.valid).toBe(11);
    expect(evaluation).toMatchObject({
      k: 5,
      scored: 11,
      candidates: 7,
      ranked: 5,
      selectedCount: 7,
      keptByHand: 2,
      droppedByHand: 1,
      keepCount: 2,
    });
    expect(s.currentSpec()).toBe(CURATED);
  });

  it.each<[string, SelectionSpec, number[]]>([
    ["no gate, no decision", specOf({ metric: "explicit", ratio: 0.5 }), [1, 4, 6, 8, 10]],
    [
      "explicit ∈ [0, 1]",
      withInterval(specOf({ metric: "explicit", topK: 3 }), histogramSource("explicit"), "explicit", 0, 1),
      [1, 4, 8],
    ],
    [
      "rect on explicit × |implicit|",
      withRegion(specOf({ metric: "explicit", topK: 3 }), "scatter:a", {
        kind: "rect",
        source: "scatter:a",
        x: "explicit",
        y: "absImplicit",
        x0: 0,
        x1: 1,
        y0: 0,
        y1: 0.5,
      }),
      [0, 1, 11],
    ],
    [
      "drop the best: the 6th enters",
      withDecision(specOf({ metric: "explicit", topK: 5 }), [10], "drop"),
      [1, 4, 6, 8, 11],
    ],
  ])("%s", async (_name, spec, rows) => {
    const s = await open();
    expect(Array.from(s.select(spec).indices)).toEqual(rows);
  });

  it("a gate on the metric score follows a change of metric", async () => {
    const s = await open();
    const gate = (metric: Metric) =>
      withRegion(specOf({ metric, ratio: 1 }), "scatter:s", {
        kind: "rect",
        source: "scatter:s",
        x: "score",
        y: "explicit",
        x0: 0,
        x1: 100,
        y0: -100,
        y1: 100,
      });
    // explicit: z(m_ex) ≥ 0 ⇔ m_ex ≥ its mean 0.568…; implicit: −z(|m_im|) ≥ 0 ⇔ |m_im| ≤ its mean 0.554…; row 2
    // (no m_ex) has an implicit score but fails the rect's y axis.
    expect(Array.from(s.select(gate("explicit")).indices)).toEqual([1, 4, 6, 8, 10, 11]);
    expect(Array.from(s.select(gate("implicit")).indices)).toEqual([0, 1, 3, 6, 7, 9, 11]);
    expect(Array.from(s.select(gate("explicit")).indices)).toEqual([1, 4, 6, 8, 10, 11]);
  });
});

describe("exportSelection and recipe", () => {
  it("exports exactly the selected rows, verbatim, in input order", async () => {
    const s = await open();
    s.select(CURATED);
    const out = await s.exportSelection("jsonl", false);
    expect(out.count).toBe(CURATED_ROWS.length);
    expect(await out.blob.text()).toBe(CURATED_ROWS.map((i) => LINES[i]).join(""));
  });

  it("the recipe carries the spec, the decisions and the selected indices", async () => {
    const file = blob();
    const s = await open(file);
    s.select(CURATED);
    const recipe = await s.recipe(file);
    expect(recipe.selection).toEqual(CURATED);
    expect(recipe).toMatchObject({
      version: 3,
      rowCount: N,
      metric: "explicit",
      ratio: 0.5,
      topK: null,
      thresholds: { explicitFloor: null, explicitCeiling: null, implicitCeiling: 1 },
      scoredRows: 11,
      selectedCount: 7,
      keptByHand: [2, 10],
      droppedByHand: [6],
      selectedIndices: CURATED_ROWS,
    });
    expect(recipe.input.sha256).toMatch(/^[0-9a-f]{64}$/);
    // The recipe is JSON: the spec survives a round trip and selects the same rows again.
    const again = await open(file);
    const replay = JSON.parse(JSON.stringify(recipe)) as typeof recipe;
    expect(Array.from(again.select(replay.selection).indices)).toEqual(CURATED_ROWS);
  });
});

describe("order", () => {
  it.each<[Parameters<DatasetSession["order"]>[0], boolean, number[]]>([
    ["row", false, CURATED_ROWS],
    ["row", true, [...CURATED_ROWS].reverse()],
    ["explicit", true, [10, 1, 8, 11, 0, 3, 2]],
    ["explicit", false, [3, 0, 11, 8, 1, 10, 2]],
    ["decision", true, [2, 10, 0, 1, 3, 8, 11]],
  ])('order(%s, descending %s, "selected") lists the selection', async (key, descending, rows) => {
    const s = await open();
    s.select(CURATED);
    expect(Array.from(s.order(key, descending, "selected"))).toEqual(rows);
  });

  it.each<[Metric]>([["map"], ["explicit"]])(
    'order("m_ap", desc, "all") follows a change of w (metric %s)',
    async (metric) => {
      const s = await open();
      const first = s.select(specOf({ metric, weight: 1 }));
      expect(Array.from(s.order("m_ap", true, "all"))).toEqual(byMap(1));
      expect(first.columns.mAp[0]).toBeCloseTo(mapOracle(1)[0], 12);
      const second = s.select(specOf({ metric, weight: 2.5 }));
      const order = Array.from(s.order("m_ap", true, "all"));
      expect(order).toEqual(byMap(2.5));
      expect(order).not.toEqual(byMap(1));
      // The rank column agrees with the order: the top rows are ranks 1, 2, 3, …
      expect(order.slice(0, BOTH.length).map((r) => second.columns.mApRank[r])).toEqual(BOTH.map((_, i) => i + 1));
      for (let i = 0; i < N; i++) {
        const want = mapOracle(2.5)[i];
        if (Number.isNaN(want)) expect(second.columns.mAp[i]).toBeNaN();
        else expect(second.columns.mAp[i]).toBeCloseTo(want, 12);
      }
      expect(second.rescored).toBe(true);
    },
  );

  it("an M_AP gate follows a change of w", async () => {
    const s = await open();
    const spec = (weight: number) =>
      withInterval(specOf({ metric: "explicit", weight, ratio: 1 }), histogramSource("mAp"), "mAp", 0, null);
    const expected = (w: number) => BOTH.filter((i) => mapOracle(w)[i] >= 0);
    expect(expected(1)).not.toEqual(expected(2.5));
    expect(Array.from(s.select(spec(1)).indices)).toEqual(expected(1));
    expect(Array.from(s.select(spec(2.5)).indices)).toEqual(expected(2.5));
  });
});

describe("rankings kept", () => {
  it("keeps the last two w of M_AP (and every other metric once), so memory does not grow with each w tried", async () => {
    const s = await open();
    const scoreAt = (weight: number, metric: Metric = "map") => s.select(specOf({ metric, weight })).columns.score;
    const first = scoreAt(1);
    const explicit = scoreAt(1, "explicit");
    const second = scoreAt(2);
    // Back to the previous w and to the other metric: the same columns, not a re-rank.
    expect(scoreAt(1)).toBe(first);
    expect(scoreAt(2)).toBe(second);
    expect(scoreAt(1, "explicit")).toBe(explicit);
    // A third w lets the least recently used one go (w = 1 was used before w = 2): it is ranked again.
    const third = scoreAt(3);
    expect(scoreAt(2)).toBe(second);
    expect(scoreAt(3)).toBe(third);
    const again = scoreAt(1);
    expect(again).not.toBe(first);
    expect(Array.from(again)).toEqual(Array.from(first));
    // Many w values later the explicit ranking is still the one made first.
    for (const w of [4, 5, 6, 7, 8, 9, 10]) scoreAt(w);
    expect(scoreAt(1, "explicit")).toBe(explicit);
    // The selection at a w ranked again is the selection it had.
    expect(Array.from(s.select(specOf({ metric: "map", weight: 2.5 })).indices)).toEqual(
      byMap(2.5)
        .slice(0, Math.floor(0.4 * BOTH.length))
        .sort((a, b) => a - b),
    );
  });
});

describe("compare", () => {
  const MARGIN_METRICS: Metric[] = ["map", "explicit", "implicit", "random"];
  const RIVALS: Metric[] = ["bees", "bees-add", "difficulty"];

  it("overlaps: diagonal = each metric's count, Jaccard symmetric, rivals unavailable without log-probs", async () => {
    const s = await open();
    s.select(withDecision(specOf({ ratio: 0.5 }), [7], "keep"));
    const c = s.compare();
    expect(c.k).toBe(5);
    const m = c.picks.length;
    expect(c.picks.map((p) => p.metric)).toEqual([...MARGIN_METRICS, ...RIVALS]);
    for (const p of c.picks) {
      if (RIVALS.includes(p.metric)) {
        expect(p.unavailable).toMatch(/chosen_logps, rejected_logps, ref_chosen_logps, ref_rejected_logps/);
        expect(p.selectedCount).toBe(0);
      } else {
        expect(p.unavailable).toBeNull();
        // k = 5 from the ranking, plus row 7 kept by hand unless the metric ranks it into its top 5 anyway.
        expect([5, 6]).toContain(p.selectedCount);
      }
    }
    for (let a = 0; a < m; a++) {
      if (c.picks[a].unavailable === null) {
        expect(c.overlap[a][a]).toBe(c.picks[a].selectedCount);
        expect(c.jaccard[a][a]).toBe(1);
      }
      for (let b = 0; b < m; b++) {
        expect(c.overlap[a][b]).toBe(c.overlap[b][a]);
        expect(c.jaccard[a][b]).toEqual(c.jaccard[b][a]);
      }
    }
    // Overlaps and Jaccard from the metrics' own row lists (order's compare filter).
    const rows = (metric: Metric) => Array.from(s.order("row", false, { compare: [metric, metric] }));
    for (const [a, ma] of MARGIN_METRICS.entries())
      for (const [b, mb] of MARGIN_METRICS.entries()) {
        const ra = rows(ma);
        const rb = rows(mb);
        const inter = ra.filter((r) => rb.includes(r)).length;
        expect(c.overlap[a][b]).toBe(inter);
        expect(c.jaccard[a][b]).toBeCloseTo(inter / (ra.length + rb.length - inter), 12);
        expect(Array.from(s.order("row", false, { compare: [ma, mb] }))).toEqual(ra.filter((r) => rb.includes(r)));
      }
    expect(rows("map")).toEqual(Array.from(s.currentSelection().indices));
    const rival = c.picks.findIndex((p) => p.metric === "bees");
    expect(c.overlap[rival].every((v) => v === 0)).toBe(true);
    expect(c.jaccard[rival].every(Number.isNaN)).toBe(true);
  });

  it("quadrant counts: totals sum to the rows with both margins, each pick's to its selected rows with both", async () => {
    const s = await open();
    s.select(specOf({ ratio: 0.5 }));
    const c = s.compare();
    expect(c.quadrantTotals.reduce((a, b) => a + b, 0)).toBe(BOTH.length);
    for (const p of c.picks.filter((p) => p.unavailable === null)) {
      const selected = Array.from(s.order("row", false, { compare: [p.metric, p.metric] }));
      expect(p.quadrants.reduce((a, b) => a + b, 0)).toBe(selected.filter((r) => BOTH.includes(r)).length);
    }
    // Medians of m_ex and |m_im| over the 10 rows with both.
    expect(c.split.explicit).toBeCloseTo(0.65, 12);
    expect(c.split.absImplicit).toBeCloseTo(0.25, 12);
  });

  it("attachColumns with the four log-prob columns makes the rival metrics available", async () => {
    const s = await open();
    s.select(specOf({ ratio: 0.5 }));
    expect(s.summary().hasLogprobs).toBe(false);
    expect(() => s.select(specOf({ metric: "bees", topK: 3 }))).toThrow(/chosen_logps/);
    const col = (name: string, f: (i: number) => number) => ({
      name,
      values: Float64Array.from({ length: N }, (_, i) => f(i)),
    });
    // Policy moves the chosen response by −PERM[i] nats: DPO reward gap Δ = 0.1·(−PERM[i]), no ties.
    const PERM = [3, 11, 0, 7, 5, 9, 1, 10, 2, 6, 8, 4];
    // Three of four are not enough.
    s.attachColumns([col("chosen_logps", (i) => -11 - PERM[i]), col("rejected_logps", () => -12)]);
    s.attachColumns([col("ref_chosen_logps", () => -11)]);
    s.select(specOf({ ratio: 0.5 }));
    expect(
      s
        .compare()
        .picks.filter((p) => p.unavailable !== null)
        .map((p) => p.metric),
    ).toEqual(RIVALS);
    s.attachColumns([col("ref_rejected_logps", () => -12)]);
    expect(s.summary().hasLogprobs).toBe(true);
    s.select(specOf({ ratio: 0.5 }));
    const c = s.compare();
    expect(c.picks.every((p) => p.unavailable === null)).toBe(true);
    for (const [a, p] of c.picks.entries()) expect(c.overlap[a][a]).toBe(p.selectedCount);
    // Difficulty keeps the smallest gaps: the largest PERM (11, 10, 9: rows 1, 7, 5).
    expect(Array.from(s.select(specOf({ metric: "difficulty", topK: 3 })).indices)).toEqual([1, 5, 7]);
    // The attached columns are exported with the computed ones.
    const exported = (await (await s.exportSelection("jsonl", true)).blob.text()).trim().split("\n");
    expect(exported.map((l) => JSON.parse(l).chosen_logps)).toEqual([1, 5, 7].map((i) => -11 - PERM[i]));
  });
});

describe("prepare", () => {
  it("scans the texts for a search gate: a regex matching 2 prompts makes those rows the candidates", async () => {
    const s = await open();
    const spec = withSearch(specOf({ metric: "random", ratio: 0.5 }), "^p(3|7)$", { regex: true });
    expect(await s.prepare(spec)).toBeNull();
    const { evaluation, indices } = s.select(spec);
    expect(evaluation.candidates).toBe(2);
    expect(Array.from(indices)).toEqual([3, 7]);
  });

  it.each([
    ["case-insensitive substring", "C1", {}, [1, 10, 11]],
    ["case-sensitive substring", "C1", { caseSensitive: true }, []],
    ["regex over the rejected texts", "^r1\\d$", { regex: true }, [10, 11]],
  ])("%s", async (_name, query, options, rows) => {
    const s = await open();
    const spec = withSearch(specOf({ metric: "random", ratio: 1 }), query, options);
    expect(await s.prepare(spec)).toBeNull();
    expect(Array.from(s.select(spec).indices)).toEqual(rows);
  });

  it("a bad regex returns a problem naming the pattern", async () => {
    const s = await open();
    const problem = await s.prepare(withSearch(defaultSpec(), "p(", { regex: true }));
    expect(problem?.file).toBe("rows.jsonl");
    expect(problem?.message).toMatch(/^invalid regular expression \/p\(\/: /);
  });

  it("computes the length fields an interval needs", async () => {
    const lines = ROWS.map((r, i) => JSON.stringify({ ...r, chosen: "c".repeat(i + 1) }) + "\n");
    const s = await open(blob(lines));
    const spec = withInterval(specOf({ metric: "random", ratio: 1 }), "hist:len", "chosenChars", 3, 5);
    expect(await s.prepare(spec)).toBeNull();
    expect(Array.from(s.select(spec).indices)).toEqual([2, 3, 4]);
  });
});

describe("view-only fields (the scoring run's token counts)", () => {
  it("are axes and gates, listed in the summary, and never exported", async () => {
    const s = await open();
    const n = s.summary().rowCount;
    const tokens = Float64Array.from({ length: n }, (_, i) => 10 + i);
    s.attachColumns([], {}, [{ name: "chosen_tokens", values: tokens }]);
    expect(s.summary().attachedColumns).toContain("chosen_tokens");
    expect(Array.from(s.field("column:chosen_tokens")!)).toEqual(Array.from(tokens));
    const spec = specOf({ ratio: 1 });
    spec.gates.push({
      kind: "interval",
      source: "hist:column:chosen_tokens",
      field: "column:chosen_tokens",
      lo: 12,
      hi: 13,
    });
    expect(await s.prepare(spec)).toBeNull();
    const sel = s.select(spec);
    for (const i of sel.indices) expect(tokens[i] >= 12 && tokens[i] <= 13).toBe(true);
    const { blob: out } = await s.exportSelection("jsonl", true);
    expect(await out.text()).not.toContain("chosen_tokens");
  });
});

describe("rowMetricScores (the inspector's scores under every metric)", () => {
  it("gives each metric's score of the row, and the reason when a rival rule cannot run", async () => {
    const s = await open();
    const n = s.summary().rowCount;
    const map = s.select(specOf({ metric: "map" })).columns.score;
    const explicit = s.select(specOf({ metric: "explicit" })).columns.score;
    const row = 3;
    const got = new Map(s.rowMetricScores(row).map((r) => [r.metric, r]));
    expect(got.get("map")!.score).toBe(map[row]);
    expect(got.get("explicit")!.score).toBe(explicit[row]);
    expect(got.get("bees")!.unavailable).toMatch(/needs summed log-prob columns/);
    expect(got.get("difficulty")!.unavailable).not.toBeNull();

    const c = Float64Array.from({ length: n }, (_, i) => -10 - i);
    const r = Float64Array.from({ length: n }, (_, i) => -12 + i / 2);
    const rc = Float64Array.from({ length: n }, () => -11);
    const rr = Float64Array.from({ length: n }, () => -11.5);
    s.attachColumns([
      { name: "chosen_logps", values: c },
      { name: "rejected_logps", values: r },
      { name: "ref_chosen_logps", values: rc },
      { name: "ref_rejected_logps", values: rr },
    ]);
    const after = new Map(s.rowMetricScores(row).map((x) => [x.metric, x]));
    expect(after.get("difficulty")!.unavailable).toBeNull();
    // Difficulty keeps the smallest DPO reward gap first: its score is −Δ with β = 0.1.
    const delta = 0.1 * (c[row] - rc[row]) - 0.1 * (r[row] - rr[row]);
    expect(after.get("difficulty")!.score).toBeCloseTo(-delta, 12);
    expect(() => s.rowMetricScores(n)).toThrow(RangeError);
  });
});

describe("coercions are counted and named, never silent", () => {
  it("numbers and missing markers written as text in a margin field", async () => {
    const rows = [
      { prompt: "p0", chosen: "c0", rejected: "r0", rm_margin: "8.0", logp_margin_norm: 0.1 },
      { prompt: "p1", chosen: "c1", rejected: "r1", rm_margin: " 2.5 ", logp_margin_norm: 0.2 },
      { prompt: "p2", chosen: "c2", rejected: "r2", rm_margin: 1, logp_margin_norm: "NaN" },
      { prompt: "p3", chosen: "c3", rejected: "r3", rm_margin: 2, logp_margin_norm: 0.3 },
    ];
    const s = await open(new Blob([rows.map((r) => JSON.stringify(r)).join("\n") + "\n"]));
    expect(Array.from(s.margins().explicit)).toEqual([8, 2.5, 1, 2]);
    expect(s.summary().coercions).toEqual([
      { field: "rm_margin", kind: "number written as text", rows: 2, example: "8.0" },
      { field: "logp_margin_norm", kind: "missing marker written as text", rows: 1, example: "NaN" },
    ]);
  });
  it("a clean file has none", async () => {
    expect((await open()).summary().coercions).toEqual([]);
  });
});

describe("coercions in CSV", () => {
  it("are not counted: CSV cells have no types", async () => {
    const csv = "prompt,chosen,rejected,rm_margin,logp_margin_norm\np0,c0,r0,1.5,0.1\np1,c1,r1,2,0.2\n";
    const s = await open(new Blob([csv]), "rows.csv");
    expect(Array.from(s.margins().explicit)).toEqual([1.5, 2]);
    expect(s.summary().coercions).toEqual([]);
  });
});
