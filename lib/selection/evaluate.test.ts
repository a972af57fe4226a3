import { describe, expect, it } from "vitest";
import type { MarginColumns } from "@/lib/dataset/types";
import { createMulberry32, randomScores } from "@/lib/metrics/random";
import { binIndices, countMasked, histogram } from "@/lib/metrics/histogram";
import { computeScores, selectTop, type MarginMetric, type Scores } from "@/lib/metrics/select";
import {
  gatePredicate,
  pickTop,
  rankScores,
  SelectionEvaluator,
  targetFor,
  type FieldReader,
  type SearchReader,
} from "./evaluate";
import {
  defaultSpec,
  histogramSource,
  SEARCH_SOURCE,
  withDecision,
  withInterval,
  withRegion,
  withSearch,
  type Decisions,
  type FieldKey,
  type Gate,
  type Ranking,
  type RectGate,
  type SelectionSpec,
} from "./spec";
import { specFromSettings } from "./settings";

// ---------------------------------------------------------------------------------------------------------------
// A small seeded dataset: 40 rows, margins rounded to one decimal (many exact ties of m_ex), a few NaN margins,
// and rows copied from others (exact M_AP ties, one through a sign flip of m_im).

const N = 40;
const NAN_EXPLICIT = [3, 17, 21];
const NAN_IMPLICIT = [8, 21, 33];

function makeColumns(seed: number, n: number): MarginColumns {
  const rnd = createMulberry32(seed);
  const normal = () => (rnd() + rnd() + rnd() + rnd() - 2) * 1.7;
  const round1 = (v: number) => Math.round(v * 10) / 10;
  const explicit = Float64Array.from({ length: n }, () => round1(normal() + 0.3));
  const implicit = Float64Array.from({ length: n }, () => round1(normal()));
  return { explicit, implicit };
}

const COLS = makeColumns(20240601, N);
for (const r of NAN_EXPLICIT) COLS.explicit[r] = NaN;
for (const r of NAN_IMPLICIT) COLS.implicit[r] = NaN;
COLS.explicit[25] = COLS.explicit[10];
COLS.implicit[25] = COLS.implicit[10];
COLS.explicit[30] = COLS.explicit[5];
COLS.implicit[30] = -COLS.implicit[5];
COLS.explicit[38] = COLS.explicit[12];
COLS.implicit[38] = COLS.implicit[12];

const TEXTS = Array.from({ length: N }, (_, i) =>
  i % 3 === 0 ? `an apple a day (${i})` : i % 7 === 1 ? `APPLE pie (${i})` : `a pear (${i})`,
);

const SCORE_COLUMNS: Record<"map" | "explicit" | "random", Float64Array> = {
  map: computeScores(COLS, { metric: "map", weight: 1, seed: 42 }).score,
  explicit: computeScores(COLS, { metric: "explicit", weight: 1, seed: 42 }).score,
  random: randomScores(N, 42),
};

function fieldsOf(cols: MarginColumns, score: Float64Array): Map<FieldKey, Float64Array> {
  return new Map<FieldKey, Float64Array>([
    ["explicit", cols.explicit],
    ["implicit", cols.implicit],
    ["absImplicit", cols.implicit.map(Math.abs)],
    ["mAp", computeScores(cols, { metric: "map", weight: 1, seed: 0 }).score],
    ["score", score],
  ]);
}

function readerOf(fields: Map<FieldKey, Float64Array>): FieldReader {
  return (key) => fields.get(key) ?? null;
}

/** The search reader the session would build from the row texts: case-insensitive substring. */
const searchReader: SearchReader = (g) =>
  Uint8Array.from(TEXTS, (t) =>
    (g.caseSensitive ? t : t.toLowerCase()).includes(g.caseSensitive ? g.query : g.query.toLowerCase()) ? 1 : 0,
  );

// ---------------------------------------------------------------------------------------------------------------
// The oracle: the semantics written out directly, no shared code with evaluate.ts.

/** Winding number (not the even-odd crossing count evaluate.ts uses); equal for simple polygons. */
function insidePolygon(x: number, y: number, flat: number[]): boolean {
  if (Number.isNaN(x) || Number.isNaN(y)) return false;
  let winding = 0;
  const m = flat.length / 2;
  for (let a = 0; a < m; a++) {
    const b = (a + 1) % m;
    const [ax, ay, bx, by] = [flat[2 * a], flat[2 * a + 1], flat[2 * b], flat[2 * b + 1]];
    const cross = (bx - ax) * (y - ay) - (x - ax) * (by - ay);
    if (ay <= y && by > y && cross > 0) winding++;
    else if (ay > y && by <= y && cross < 0) winding--;
  }
  return winding !== 0;
}

function oraclePasses(g: Gate, row: number, fields: Map<FieldKey, Float64Array>): boolean {
  const value = (f: FieldKey) => fields.get(f)?.[row] ?? NaN;
  switch (g.kind) {
    case "interval": {
      const v = value(g.field);
      if (Number.isNaN(v)) return false;
      return (g.lo === null || v >= g.lo) && (g.hi === null || v <= g.hi);
    }
    case "rect": {
      const x = value(g.x);
      const y = value(g.y);
      if (Number.isNaN(x) || Number.isNaN(y)) return false;
      const inX = g.x0 <= g.x1 ? x >= g.x0 && x <= g.x1 : x >= g.x1 && x <= g.x0;
      const inY = g.y0 <= g.y1 ? y >= g.y0 && y <= g.y1 : y >= g.y1 && y <= g.y0;
      return inX && inY;
    }
    case "lasso":
      return insidePolygon(value(g.x), value(g.y), g.points);
    case "search":
      return new RegExp(g.query.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), g.caseSensitive ? "" : "i").test(TEXTS[row]);
  }
}

interface Expected {
  mask: number[];
  selectedCount: number;
  k: number;
  scored: number;
  candidates: number;
  ranked: number;
  keptByHand: number;
  droppedByHand: number;
  keepCount: number;
  /** Candidates best first (for the "next-best enters" checks). */
  order: number[];
}

function oracle(spec: SelectionSpec, score: Float64Array, fields: Map<FieldKey, Float64Array>): Expected {
  const rows = Array.from({ length: score.length }, (_, i) => i);
  const scoredRows = rows.filter((i) => !Number.isNaN(score[i]));
  const { ratio, topK } = spec.ranking;
  const raw = topK !== undefined ? Math.trunc(topK) : Math.floor(ratio * scoredRows.length);
  const k = Math.max(0, Math.min(raw, scoredRows.length));
  const drop = new Set(spec.decisions.drop);
  const keep = new Set(spec.decisions.keep.filter((r) => !drop.has(r)));
  const order = scoredRows
    .filter((i) => !drop.has(i) && spec.gates.every((g) => oraclePasses(g, i, fields)))
    // Best score first; among equal scores the higher row index first (numpy's stable argsort, last k).
    .sort((a, b) => (score[a] === score[b] ? b - a : score[b] - score[a]));
  const top = new Set(order.slice(0, k));
  const selected = new Set([...top, ...keep]);
  return {
    mask: rows.map((i) => (selected.has(i) ? 1 : 0)),
    selectedCount: selected.size,
    k,
    scored: scoredRows.length,
    candidates: order.length,
    ranked: top.size,
    keptByHand: [...keep].filter((r) => !top.has(r)).length,
    droppedByHand: spec.decisions.drop.length,
    keepCount: spec.decisions.keep.length,
    order,
  };
}

function evaluateFresh(spec: SelectionSpec, score: Float64Array, viewSources: string[] = []) {
  const fields = fieldsOf(COLS, score);
  return new SelectionEvaluator(score.length).evaluate(
    spec,
    rankScores(score),
    readerOf(fields),
    searchReader,
    viewSources,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The table: rankings × gates × decisions.

const RANKINGS: [string, keyof typeof SCORE_COLUMNS, Partial<Ranking>][] = [
  ["map, ratio 0.4", "map", { ratio: 0.4 }],
  ["map, top-k 7", "map", { topK: 7 }],
  ["map, top-k 1000 (clamped)", "map", { topK: 1000 }],
  ["explicit, ratio 0.25", "explicit", { metric: "explicit", ratio: 0.25 }],
  ["explicit, top-k 12", "explicit", { metric: "explicit", topK: 12 }],
  ["random, ratio 0.3", "random", { metric: "random", ratio: 0.3 }],
  ["random, top-k 5", "random", { metric: "random", topK: 5 }],
];

const EX = histogramSource("explicit");
const ABS = histogramSource("absImplicit");
const MAP = histogramSource("mAp");
const SCATTER = "scatter:margins";
// A concave "U" in (m_ex, m_im): its notch x ∈ (0, 1), y ∈ (0, 2.5) is cut out.
const U_LASSO = [-1.5, -2.5, 2.5, -2.5, 2.5, 2.5, 1, 2.5, 1, 0, 0, 0, 0, 2.5, -1.5, 2.5];

const GATES: [string, (s: SelectionSpec) => SelectionSpec][] = [
  ["no gate", (s) => s],
  ["explicit ≥ 0", (s) => withInterval(s, EX, "explicit", 0, null)],
  ["explicit ≤ 0.3", (s) => withInterval(s, EX, "explicit", null, 0.3)],
  ["explicit ∈ [-0.5, 1]", (s) => withInterval(s, EX, "explicit", -0.5, 1)],
  ["|implicit| ≤ 0.8", (s) => withInterval(s, ABS, "absImplicit", null, 0.8)],
  ["|implicit| ∈ [0.2, 1.5]", (s) => withInterval(s, ABS, "absImplicit", 0.2, 1.5)],
  ["M_AP ≥ -0.5", (s) => withInterval(s, MAP, "mAp", -0.5, null)],
  ["M_AP ∈ [-1, 1]", (s) => withInterval(s, MAP, "mAp", -1, 1)],
  [
    "rect on explicit × |implicit| (corners given reversed)",
    (s) =>
      withRegion(s, SCATTER, {
        kind: "rect",
        source: SCATTER,
        x: "explicit",
        y: "absImplicit",
        x0: 1.5,
        x1: -1,
        y0: 1,
        y1: 0,
      }),
  ],
  [
    "concave lasso on explicit × implicit",
    (s) => withRegion(s, SCATTER, { kind: "lasso", source: SCATTER, x: "explicit", y: "implicit", points: U_LASSO }),
  ],
  ['search "apple"', (s) => withSearch(s, "apple")],
  [
    "explicit ≥ -1 ∧ rect ∧ search",
    (s) =>
      withSearch(
        withRegion(withInterval(s, EX, "explicit", -1, null), SCATTER, {
          kind: "rect",
          source: SCATTER,
          x: "explicit",
          y: "absImplicit",
          x0: -2,
          x1: 3,
          y0: 0,
          y1: 2,
        }),
        "apple",
      ),
  ],
];

type DecisionPick = (base: Expected, score: Float64Array) => Decisions | null;

const bestSelected = (base: Expected) => (base.ranked > 0 ? base.order[0] : null);
const middleSelected = (base: Expected) => (base.ranked > 0 ? base.order[base.ranked >> 1] : null);
/** The worst-scored row that the ranking and gates leave out (a candidate or not). */
const outside = (base: Expected, score: Float64Array) => {
  const rows = Array.from({ length: N }, (_, i) => i).filter((i) => !Number.isNaN(score[i]) && base.mask[i] === 0);
  rows.sort((a, b) => score[a] - score[b] || a - b);
  return rows.length ? rows[0] : null;
};
const unscored = (_: Expected, score: Float64Array) => {
  const i = score.findIndex((v) => Number.isNaN(v));
  return i >= 0 ? i : null;
};

const DECISIONS: [string, DecisionPick][] = [
  ["no decision", () => ({ keep: [], drop: [] })],
  [
    "keep a row inside the selection",
    (b) => (middleSelected(b) === null ? null : { keep: [middleSelected(b)!], drop: [] }),
  ],
  ["keep a row outside", (b, s) => (outside(b, s) === null ? null : { keep: [outside(b, s)!], drop: [] })],
  ["keep an unscored row", (b, s) => (unscored(b, s) === null ? null : { keep: [unscored(b, s)!], drop: [] })],
  ["drop the best selected row", (b) => (bestSelected(b) === null ? null : { keep: [], drop: [bestSelected(b)!] })],
  [
    "drop the best selected row, keep an outside one",
    (b, s) =>
      bestSelected(b) === null || outside(b, s) === null ? null : { keep: [outside(b, s)!], drop: [bestSelected(b)!] },
  ],
];

interface Case {
  name: string;
  spec: SelectionSpec;
  score: Float64Array;
  base: Expected;
  decision: string;
}

const CASES: Case[] = [];
const SKIPPED: string[] = [];
for (const [rName, column, ranking] of RANKINGS) {
  const score = SCORE_COLUMNS[column];
  const fields = fieldsOf(COLS, score);
  for (const [gName, gate] of GATES) {
    const gated = gate({ ...defaultSpec(), ranking: { ...defaultSpec().ranking, ...ranking } });
    const base = oracle(gated, score, fields);
    for (const [dName, pick] of DECISIONS) {
      const name = `${rName} | ${gName} | ${dName}`;
      const decisions = pick(base, score);
      if (!decisions) {
        SKIPPED.push(name);
        continue;
      }
      let spec = withDecision(gated, decisions.keep, "keep");
      spec = withDecision(spec, decisions.drop, "drop");
      CASES.push({ name, spec, score, base, decision: dName });
    }
  }
}

describe("SelectionEvaluator.evaluate against the oracle", () => {
  it("the fixture exercises ties, NaN and every decision", () => {
    const ex = COLS.explicit.filter((v) => !Number.isNaN(v));
    expect(new Set(ex).size).toBeLessThan(ex.length - 5);
    expect(SCORE_COLUMNS.map[25]).toBe(SCORE_COLUMNS.map[10]);
    expect(SCORE_COLUMNS.map[30]).toBe(SCORE_COLUMNS.map[5]);
    expect(SCORE_COLUMNS.map.filter(Number.isNaN)).toHaveLength(5);
    // Cases that can't be built: an unscored row under the random ranking (it scores every row), and a scored row
    // outside the selection when top-k 1000 without a gate selects every scored row.
    expect(SKIPPED).toEqual([
      "map, top-k 1000 (clamped) | no gate | keep a row outside",
      "map, top-k 1000 (clamped) | no gate | drop the best selected row, keep an outside one",
      ...RANKINGS.filter((r) => r[1] === "random").flatMap(([r]) =>
        GATES.map(([g]) => `${r} | ${g} | keep an unscored row`),
      ),
    ]);
    expect(CASES.length).toBe(RANKINGS.length * GATES.length * DECISIONS.length - SKIPPED.length);
    // Every gate leaves candidates under every ranking, so every decision kind is really exercised.
    expect(CASES.every((c) => c.base.candidates > 0)).toBe(true);
    // Some gates leave fewer candidates than k, some more: both sides of "a dropped row's place is refilled".
    expect(CASES.some((c) => c.base.candidates < c.base.k)).toBe(true);
    expect(CASES.some((c) => c.base.candidates > c.base.k)).toBe(true);
  });

  it.each(CASES.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const want = oracle(c.spec, c.score, fieldsOf(COLS, c.score));
    const got = evaluateFresh(c.spec, c.score);
    expect(Array.from(got.mask)).toEqual(want.mask);
    expect({
      selectedCount: got.selectedCount,
      k: got.k,
      scored: got.scored,
      candidates: got.candidates,
      ranked: got.ranked,
      keptByHand: got.keptByHand,
      droppedByHand: got.droppedByHand,
      keepCount: got.keepCount,
    }).toEqual({
      selectedCount: want.selectedCount,
      k: want.k,
      scored: want.scored,
      candidates: want.candidates,
      ranked: want.ranked,
      keptByHand: want.keptByHand,
      droppedByHand: want.droppedByHand,
      keepCount: want.keepCount,
    });
    expect(got.contexts.size).toBe(0);

    // The decision's effect, stated directly against the no-decision selection.
    const base = c.base;
    const added = (i: number) => got.mask[i] === 1 && base.mask[i] === 0;
    const removed = (i: number) => got.mask[i] === 0 && base.mask[i] === 1;
    const changes = Array.from({ length: N }, (_, i) => i).filter((i) => added(i) || removed(i));
    if (c.decision === "no decision") expect(changes).toEqual([]);
    if (c.decision === "keep a row inside the selection") {
      expect(changes).toEqual([]);
      expect(got.keptByHand).toBe(0);
    }
    if (c.decision === "keep a row outside" || c.decision === "keep an unscored row") {
      expect(changes).toEqual(c.spec.decisions.keep);
      expect(got.keptByHand).toBe(1);
      expect(got.selectedCount).toBe(base.selectedCount + 1);
    }
    if (c.decision.startsWith("drop")) {
      const [dropped] = c.spec.decisions.drop;
      expect(got.mask[dropped]).toBe(0);
      // The next-best candidate takes the dropped row's place when there is one beyond k.
      const next = base.order[base.k];
      const refill = base.candidates > base.k ? [next] : [];
      const kept = c.spec.decisions.keep;
      expect(changes).toEqual([dropped, ...refill, ...kept].sort((a, b) => a - b));
      expect(got.candidates).toBe(base.candidates - 1);
    }
  });

  it("one evaluator reused over every case (predicate and decision caches) agrees with fresh ones", () => {
    const evaluators = new Map<Float64Array, SelectionEvaluator>();
    const ranked = new Map<Float64Array, ReturnType<typeof rankScores>>();
    for (const c of CASES) {
      if (!evaluators.has(c.score)) {
        evaluators.set(c.score, new SelectionEvaluator(N));
        ranked.set(c.score, rankScores(c.score));
      }
      const got = evaluators
        .get(c.score)!
        .evaluate(c.spec, ranked.get(c.score)!, readerOf(fieldsOf(COLS, c.score)), searchReader);
      expect(Array.from(got.mask), c.name).toEqual(oracle(c.spec, c.score, fieldsOf(COLS, c.score)).mask);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("hand-checked selections", () => {
  // Scores by row: 5, 3, NaN, 3, 1, 4, 3 → ranking (ties: the higher row first) 0, 5, 6, 3, 1, 4.
  const score = Float64Array.from([5, 3, NaN, 3, 1, 4, 3]);
  const ranked = rankScores(score);
  const fields = new Map<FieldKey, Float64Array>([
    ["explicit", Float64Array.from([1, 2, 3, NaN, 5, 6, 7])],
    ["score", score],
  ]);
  const spec = (topK: number, gates: Gate[] = [], decisions: Decisions = { keep: [], drop: [] }): SelectionSpec => ({
    ranking: { ...defaultSpec().ranking, topK },
    gates,
    decisions,
  });
  const run = (s: SelectionSpec) => {
    const e = new SelectionEvaluator(7).evaluate(s, ranked, readerOf(fields), () => null);
    return { rows: Array.from(e.mask).flatMap((m, i) => (m ? [i] : [])), candidates: e.candidates, kept: e.keptByHand };
  };
  const explicitAtLeast2: Gate = { kind: "interval", source: EX, field: "explicit", lo: 2, hi: null };

  it("ranks best first, equal scores by the higher row index, NaN left out", () => {
    expect(Array.from(ranked.order)).toEqual([0, 5, 6, 3, 1, 4]);
    expect(ranked.valid).toBe(6);
  });

  it.each<[string, SelectionSpec, { rows: number[]; candidates: number; kept: number }]>([
    ["top 3", spec(3), { rows: [0, 5, 6], candidates: 6, kept: 0 }],
    ["top 4 breaks the 3-way tie towards the higher rows", spec(4), { rows: [0, 3, 5, 6], candidates: 6, kept: 0 }],
    [
      "drop row 5: row 3 (the next-best) enters",
      spec(3, [], { keep: [], drop: [5] }),
      { rows: [0, 3, 6], candidates: 5, kept: 0 },
    ],
    ["keep unscored row 2", spec(3, [], { keep: [2], drop: [] }), { rows: [0, 2, 5, 6], candidates: 6, kept: 1 }],
    [
      "explicit ≥ 2: row 0 (1) and row 3 (NaN) fail, k stays 3",
      spec(3, [explicitAtLeast2]),
      { rows: [1, 5, 6], candidates: 4, kept: 0 },
    ],
    [
      "a kept row failing a gate is still selected",
      spec(3, [explicitAtLeast2], { keep: [0], drop: [6] }),
      { rows: [0, 1, 4, 5], candidates: 3, kept: 1 },
    ],
    [
      "top 0 keeps only the rows kept by hand",
      spec(0, [], { keep: [4], drop: [] }),
      { rows: [4], candidates: 6, kept: 1 },
    ],
  ])("%s", (_name, s, expected) => {
    expect(run(s)).toEqual(expected);
  });
});

describe("gatePredicate", () => {
  const fields = new Map<FieldKey, Float64Array>([
    ["explicit", Float64Array.from([NaN, -1, 0, 1, 2])],
    ["absImplicit", Float64Array.from([0, NaN, 1, 1, 3])],
  ]);
  const read = readerOf(fields);
  it.each<[string, Gate, SearchReader, number[]]>([
    [
      "open interval: only NaN fails",
      { kind: "interval", source: "h", field: "explicit", lo: null, hi: null },
      () => null,
      [0, 1, 1, 1, 1],
    ],
    [
      "closed bounds are inclusive",
      { kind: "interval", source: "h", field: "explicit", lo: 0, hi: 1 },
      () => null,
      [0, 0, 1, 1, 0],
    ],
    [
      "missing field: every row fails",
      { kind: "interval", source: "h", field: "column:nope", lo: null, hi: null },
      () => null,
      [0, 0, 0, 0, 0],
    ],
    [
      "rect: NaN on either axis fails",
      { kind: "rect", source: "s", x: "explicit", y: "absImplicit", x0: -5, x1: 5, y0: 0, y1: 2 },
      () => null,
      [0, 0, 1, 1, 0],
    ],
    [
      "lasso with fewer than 3 vertices selects nothing",
      { kind: "lasso", source: "s", x: "explicit", y: "absImplicit", points: [-5, -5, 5, 5] },
      () => null,
      [0, 0, 0, 0, 0],
    ],
    [
      "search: the prepared mask",
      { kind: "search", source: SEARCH_SOURCE, query: "x", regex: false, caseSensitive: false },
      () => Uint8Array.from([1, 0, 0, 1, 1]),
      [1, 0, 0, 1, 1],
    ],
    [
      "search not prepared: every row fails",
      { kind: "search", source: SEARCH_SOURCE, query: "x", regex: false, caseSensitive: false },
      () => null,
      [0, 0, 0, 0, 0],
    ],
  ])("%s", (_name, gate, search, expected) => {
    expect(Array.from(gatePredicate(gate, 5, read, search))).toEqual(expected);
  });
});

describe("targetFor", () => {
  const r = defaultSpec().ranking;
  it.each<[Partial<Ranking>, number, number]>([
    [{ ratio: 0.4 }, 10, 4],
    [{ ratio: 0.29 }, 100, 28],
    [{ ratio: 1 }, 7, 7],
    [{ ratio: 0 }, 7, 0],
    [{ ratio: NaN }, 7, 0],
    [{ topK: 3 }, 10, 3],
    [{ topK: 3.9 }, 10, 3],
    [{ topK: 50 }, 10, 10],
    [{ topK: -2 }, 10, 0],
    [{ topK: 0, ratio: 0.5 }, 10, 0],
  ])("%j over %i scored rows → %i", (ranking, valid, k) => {
    expect(targetFor({ ...r, ...ranking }, valid)).toBe(k);
  });
});

describe("pickTop", () => {
  it("keeps rows kept by hand even when unscored, counts them apart from the ranking", () => {
    const ranked = rankScores(Float64Array.from([3, NaN, 1, 2]));
    const codes = Uint8Array.from([0, 1, 0, 2]);
    expect(pickTop(ranked, 2, null, codes)).toEqual({
      mask: Uint8Array.from([1, 1, 1, 0]),
      ranked: 2,
      candidates: 2,
      keptByHand: 1,
      selected: 3,
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("equivalence with selectTop (explicit floor and |implicit| ceiling gates only)", () => {
  const rnd = createMulberry32(7);
  const trials = Array.from({ length: 300 }, (_, t) => {
    const n = 1 + Math.floor(rnd() * 80);
    const cols = makeColumns(1000 + t, n);
    for (let i = 0; i < n; i++) {
      if (rnd() < 0.1) cols.explicit[i] = NaN;
      if (rnd() < 0.1) cols.implicit[i] = NaN;
    }
    const metric = (["map", "explicit", "implicit", "random"] as MarginMetric[])[Math.floor(rnd() * 4)];
    const useTopK = rnd() < 0.4;
    const pick = (p: number, v: () => number) => (rnd() < p ? Math.round(v() * 10) / 10 : undefined);
    return {
      t,
      cols,
      settings: {
        metric,
        weight: Math.round(rnd() * 30) / 10,
        seed: Math.floor(rnd() * 1000),
        ratio: Math.round(rnd() * 100) / 100,
        topK: useTopK ? Math.floor(rnd() * (n + 5)) : undefined,
        explicitFloor: pick(0.6, () => rnd() * 4 - 2),
        implicitCeiling: pick(0.6, () => rnd() * 3),
      },
    };
  });

  it("the random settings hit every shape (gates on and off, k above and below the candidates)", () => {
    expect(trials.some((t) => t.settings.explicitFloor !== undefined && t.settings.implicitCeiling !== undefined)).toBe(
      true,
    );
    expect(trials.some((t) => t.settings.explicitFloor === undefined && t.settings.implicitCeiling === undefined)).toBe(
      true,
    );
    expect(new Set(trials.map((t) => t.settings.metric)).size).toBe(4);
  });

  it.each(trials.map((tr) => [tr.t, tr] as const))("trial %i", (_t, { cols, settings }) => {
    const scores: Scores = computeScores(cols, settings);
    const old = selectTop(scores, cols, {
      ratio: settings.ratio,
      topK: settings.topK,
      explicitFloor: settings.explicitFloor,
      implicitCeiling: settings.implicitCeiling,
    });
    const spec = specFromSettings(settings);
    const fields = fieldsOf(cols, scores.score);
    const got = new SelectionEvaluator(cols.explicit.length).evaluate(
      spec,
      rankScores(scores.score),
      readerOf(fields),
      () => null,
    );
    expect(Array.from(got.mask)).toEqual(Array.from(old.mask));
    expect(got.selectedCount).toBe(old.indices.length);
    expect(got.k).toBe(old.k);
    expect(got.candidates).toBe(old.candidates);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("cross-filtering contexts", () => {
  const score = SCORE_COLUMNS.map;
  const A = EX;
  const B = SCATTER;
  const rectB: RectGate = { kind: "rect", source: B, x: "explicit", y: "absImplicit", x0: -1, x1: 2, y0: 0, y1: 1.5 };
  const withAB = (lo: number, hi: number): SelectionSpec =>
    withSearch(withRegion(withInterval(defaultSpec(), A, "explicit", lo, hi), B, rectB), "apple");
  const without = (spec: SelectionSpec, source: string): SelectionSpec => ({
    ...spec,
    gates: spec.gates.filter((g) => g.source !== source),
  });

  it("each gated source's context is the selection without that source's gates; ungated sources get none", () => {
    const spec = withDecision(
      withDecision(withAB(0, 1.5), [7], "keep"),
      [score.indexOf(Math.max(...score.filter((v) => !Number.isNaN(v))))],
      "drop",
    );
    const got = evaluateFresh(spec, score, [A, B, SEARCH_SOURCE, ABS, "hist:nobody", A]);
    expect([...got.contexts.keys()].sort()).toEqual([A, B, SEARCH_SOURCE].sort());
    for (const source of [A, B, SEARCH_SOURCE]) {
      const alone = evaluateFresh(without(spec, source), score);
      expect(Array.from(got.contexts.get(source)!), source).toEqual(Array.from(alone.mask));
      expect(Array.from(got.contexts.get(source)!), source).toEqual(
        oracle(without(spec, source), score, fieldsOf(COLS, score)).mask,
      );
    }
    // The contexts really differ from the main mask (the gates matter), and the main mask is unaffected by them.
    expect(Array.from(got.contexts.get(A)!)).not.toEqual(Array.from(got.mask));
    expect(Array.from(got.mask)).toEqual(Array.from(evaluateFresh(spec, score).mask));
  });

  it("a source owning several gates has them all left out of its context", () => {
    const spec = withInterval(withAB(0, 1.5), A, "mAp", -0.5, null);
    const got = evaluateFresh(spec, score, [A]);
    const expected = oracle(without(spec, A), score, fieldsOf(COLS, score)).mask;
    expect(Array.from(got.contexts.get(A)!)).toEqual(expected);
  });

  it("the explicit histogram's context does not depend on its own interval", () => {
    const contexts = [
      [0, 1.5],
      [-2, 0],
      [0.4, 0.4],
      [-10, 10],
    ].map(([lo, hi]) => Array.from(evaluateFresh(withAB(lo, hi), score, [A]).contexts.get(A)!));
    for (const c of contexts) expect(c).toEqual(contexts[0]);
    // …while the main selections do.
    const masks = [
      [0, 1.5],
      [-2, 0],
    ].map(([lo, hi]) => Array.from(evaluateFresh(withAB(lo, hi), score).mask));
    expect(masks[0]).not.toEqual(masks[1]);
  });

  it("no view sources: no contexts", () => {
    expect(evaluateFresh(withAB(0, 1), score).contexts.size).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("predicate cache", () => {
  const gate: Gate = { kind: "interval", source: EX, field: "explicit", lo: 0, hi: null };
  const other: Gate = { kind: "interval", source: ABS, field: "absImplicit", lo: null, hi: 1 };

  it("returns fresh predicates after invalidate() when a column changed", () => {
    const fields = new Map<FieldKey, Float64Array>([
      ["explicit", Float64Array.from([-1, 1, 2])],
      ["absImplicit", Float64Array.from([0.5, 2, 0.5])],
    ]);
    const read = readerOf(fields);
    const ev = new SelectionEvaluator(3);
    expect(Array.from(ev.predicate(gate, read, () => null))).toEqual([0, 1, 1]);
    expect(Array.from(ev.predicate(other, read, () => null))).toEqual([1, 0, 1]);
    fields.set("explicit", Float64Array.from([3, -3, 3]));
    fields.set("absImplicit", Float64Array.from([5, 0, 5]));
    // Cached by meaning until told: this is why callers must invalidate.
    expect(Array.from(ev.predicate(gate, read, () => null))).toEqual([0, 1, 1]);
    ev.invalidate(["explicit"]);
    expect(Array.from(ev.predicate(gate, read, () => null))).toEqual([1, 0, 1]);
    // Only the named field was forgotten.
    expect(Array.from(ev.predicate(other, read, () => null))).toEqual([1, 0, 1]);
    ev.invalidate();
    expect(Array.from(ev.predicate(other, read, () => null))).toEqual([0, 1, 0]);
  });

  it.each<[string, Gate]>([
    ["rect", { kind: "rect", source: SCATTER, x: "explicit", y: "absImplicit", x0: 0, x1: 5, y0: 0, y1: 5 }],
    ["lasso", { kind: "lasso", source: SCATTER, x: "absImplicit", y: "explicit", points: [0, 0, 5, 0, 5, 5, 0, 5] }],
  ])("invalidate([field]) reaches a %s on that field", (_name, region) => {
    const fields = new Map<FieldKey, Float64Array>([
      ["explicit", Float64Array.from([1, 1, 1])],
      ["absImplicit", Float64Array.from([1, 1, 1])],
    ]);
    const read = readerOf(fields);
    const ev = new SelectionEvaluator(3);
    expect(Array.from(ev.predicate(region, read, () => null))).toEqual([1, 1, 1]);
    fields.set("explicit", Float64Array.from([1, 9, 1]));
    ev.invalidate(["explicit"]);
    expect(Array.from(ev.predicate(region, read, () => null))).toEqual([1, 0, 1]);
  });

  it("invalidateSearch() forgets search predicates only", () => {
    let hits = Uint8Array.from([1, 0, 0]);
    const search: SearchReader = () => hits;
    const read = readerOf(new Map([["explicit", Float64Array.from([-1, 1, 2])]]));
    const s: Gate = { kind: "search", source: SEARCH_SOURCE, query: "q", regex: false, caseSensitive: false };
    const ev = new SelectionEvaluator(3);
    expect(Array.from(ev.predicate(s, read, search))).toEqual([1, 0, 0]);
    hits = Uint8Array.from([0, 1, 1]);
    ev.invalidateSearch();
    expect(Array.from(ev.predicate(s, read, search))).toEqual([0, 1, 1]);
  });

  it("changing only an interval's bounds gives the new predicate (a drag)", () => {
    const read = readerOf(new Map([["explicit", Float64Array.from({ length: 11 }, (_, i) => i / 10)]]));
    const ev = new SelectionEvaluator(11);
    // More distinct bounds than the cache holds, then back to the first: every answer matches its bounds.
    for (const lo of [...Array.from({ length: 60 }, (_, i) => (i % 11) / 10), 0.3, 0.7, 0.3]) {
      const p = ev.predicate({ ...gate, lo, hi: lo + 0.2 }, read, () => null);
      const expected = Array.from({ length: 11 }, (_, i) => (i / 10 >= lo && i / 10 <= lo + 0.2 ? 1 : 0));
      expect(Array.from(p), `lo ${lo}`).toEqual(expected);
    }
  });

  it("evaluate() after a column change and invalidate() uses the new column", () => {
    const score = Float64Array.from([4, 3, 2, 1]);
    const fields = new Map<FieldKey, Float64Array>([["explicit", Float64Array.from([1, 1, -1, -1])]]);
    const spec = {
      ...withInterval(defaultSpec(), EX, "explicit", 0, null),
      ranking: { ...defaultSpec().ranking, topK: 1 },
    };
    const ev = new SelectionEvaluator(4);
    const ranked = rankScores(score);
    expect(Array.from(ev.evaluate(spec, ranked, readerOf(fields), () => null).mask)).toEqual([1, 0, 0, 0]);
    fields.set("explicit", Float64Array.from([-1, -1, 1, 1]));
    ev.invalidate(["explicit"]);
    expect(Array.from(ev.evaluate(spec, ranked, readerOf(fields), () => null).mask)).toEqual([0, 0, 1, 0]);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("one evaluator over a drag (masks handed out, then declared as changes for the histograms)", () => {
  const score = SCORE_COLUMNS.map;
  const fields = fieldsOf(COLS, score);
  const bin = binIndices(fields.get("explicit")!, histogram(fields.get("explicit")!, 6).edges);
  const full = (mask: Uint8Array) => {
    const c = new Array<number>(6).fill(0);
    for (let i = 0; i < N; i++) if (mask[i] && bin[i] < 6) c[bin[i]]++;
    return c;
  };

  it("floor moves, ratio changes, drops and keeps: every mask equals a fresh evaluation, earlier masks stay put", () => {
    const ev = new SelectionEvaluator(N);
    const ranked = rankScores(score);
    const seen: { mask: Uint8Array; copy: number[] }[] = [];
    let spec = withRegion(defaultSpec(), SCATTER, {
      kind: "rect",
      source: SCATTER,
      x: "explicit",
      y: "absImplicit",
      x0: -3,
      x1: 3,
      y0: 0,
      y1: 2.5,
    });
    const steps: ((s: SelectionSpec) => SelectionSpec)[] = [];
    for (let i = 0; i < 12; i++) steps.push((s) => withInterval(s, EX, "explicit", -2 + i * 0.3, null));
    for (let i = 0; i < 6; i++) steps.push((s) => ({ ...s, ranking: { ...s.ranking, ratio: 0.1 + i * 0.15 } }));
    steps.push((s) => withDecision(s, [ranked.order[0]], "drop"));
    steps.push((s) => withDecision(s, [ranked.order[ranked.order.length - 1]], "keep"));
    for (let i = 0; i < 6; i++) steps.push((s) => withInterval(s, EX, "explicit", 1 - i * 0.4, 2));
    steps.push((s) => ({ ...s, gates: [] }));
    for (const step of steps) {
      spec = step(spec);
      const got = ev.evaluate(spec, ranked, readerOf(fields), searchReader, [EX, SCATTER]);
      const fresh = evaluateFresh(spec, score, [EX, SCATTER]);
      expect(Array.from(got.mask)).toEqual(Array.from(fresh.mask));
      expect(Array.from(got.mask)).toEqual(oracle(spec, score, fields).mask);
      for (const [source, m] of fresh.contexts) expect(Array.from(got.contexts.get(source)!)).toEqual(Array.from(m));
      expect(Array.from(countMasked(bin, 6, got.mask))).toEqual(full(got.mask));
      for (const m of got.contexts.values()) expect(Array.from(countMasked(bin, 6, m))).toEqual(full(m));
      seen.push({ mask: got.mask, copy: Array.from(got.mask) });
    }
    for (const s of seen) expect(Array.from(s.mask)).toEqual(s.copy);
  });
});
