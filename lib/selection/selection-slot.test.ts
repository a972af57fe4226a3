import { describe, expect, it } from "vitest";
import { createMulberry32 } from "@/lib/metrics/random";
import { binIndices, countMasked, histogram } from "@/lib/metrics/histogram";
import { rankScores, SelectionEvaluator, type RankedScores } from "./evaluate";
import {
  defaultSpec,
  histogramSource,
  SEARCH_SOURCE,
  withDecision,
  withInterval,
  withRegion,
  withSearch,
  type FieldKey,
  type Gate,
  type SelectionSpec,
} from "./spec";

// Randomised sequences of what a curator does (drag a floor or a ceiling, change the ratio or top-k, keep and drop
// rows, draw a rectangle, search, switch the metric, a column replaced), each result checked against the semantics
// written out from scratch (no code shared with evaluate.ts / selection-slot.ts) and against a fresh evaluator.

const N = 400;
const EX = histogramSource("explicit");
const ABS = histogramSource("absImplicit");
const MAP = histogramSource("mAp");
const SCORE = histogramSource("score");
const SCATTER = "scatter:margins";
const SOURCES = [EX, ABS, MAP, SCORE, SCATTER, SEARCH_SOURCE];
const TEXTS = Array.from({ length: N }, (_, i) => (i % 3 === 0 ? `apple ${i}` : `pear ${i}`));

function makeColumns(seed: number) {
  const rnd = createMulberry32(seed);
  // Rounded values (many exact ties), ~6 % missing, and a few ±0 / ±Infinity on the explicit margin.
  const value = (scale: number) => (rnd() < 0.06 ? NaN : Math.round((rnd() - 0.4) * scale * 4) / 4);
  const explicit = Float64Array.from({ length: N }, () => value(8));
  for (let i = 0; i < N; i += 37) explicit[i] = [Infinity, -Infinity, -0, 0][(i / 37) % 4];
  const absImplicit = Float64Array.from({ length: N }, () => Math.abs(value(4)));
  const mAp = Float64Array.from({ length: N }, (_, i) => explicit[i] - absImplicit[i]);
  const scores = {
    map: mAp,
    explicit: explicit.map((v) => (Number.isFinite(v) ? v : NaN)),
    constant: Float64Array.from({ length: N }, (_, i) => (i % 11 === 0 ? NaN : 2)),
  };
  return { explicit, absImplicit, mAp, scores };
}

function passes(g: Gate, row: number, fields: Map<FieldKey, Float64Array>): boolean {
  const value = (f: FieldKey) => fields.get(f)?.[row] ?? NaN;
  switch (g.kind) {
    case "interval": {
      const v = value(g.field);
      if (Number.isNaN(v)) return false;
      return (g.lo === null || v >= g.lo) && (g.hi === null || v <= g.hi);
    }
    case "rect": {
      const [x, y] = [value(g.x), value(g.y)];
      const [x0, x1] = [Math.min(g.x0, g.x1), Math.max(g.x0, g.x1)];
      const [y0, y1] = [Math.min(g.y0, g.y1), Math.max(g.y0, g.y1)];
      return x >= x0 && x <= x1 && y >= y0 && y <= y1;
    }
    case "search":
      return TEXTS[row].includes(g.query);
    case "lasso":
      throw new Error("not used here");
  }
}

function oracle(spec: SelectionSpec, score: Float64Array, fields: Map<FieldKey, Float64Array>) {
  const rows = Array.from({ length: N }, (_, i) => i);
  const scored = rows.filter((i) => !Number.isNaN(score[i]));
  const raw =
    spec.ranking.topK !== undefined ? Math.trunc(spec.ranking.topK) : Math.floor(spec.ranking.ratio * scored.length);
  const k = Math.max(0, Math.min(raw, scored.length));
  const drop = new Set(spec.decisions.drop);
  // Rows outside the dataset are ignored (a decision list from an older file, say).
  const keep = new Set(spec.decisions.keep.filter((r) => !drop.has(r) && r >= 0 && r < N));
  const candidates = scored
    .filter((i) => !drop.has(i) && spec.gates.every((g) => passes(g, i, fields)))
    .sort((a, b) => (score[a] === score[b] ? b - a : score[b] - score[a]));
  const top = new Set(candidates.slice(0, k));
  const selected = new Set([...top, ...keep]);
  return {
    mask: rows.map((i) => (selected.has(i) ? 1 : 0)),
    selectedCount: selected.size,
    k,
    candidates: candidates.length,
    ranked: top.size,
    keptByHand: [...keep].filter((r) => !top.has(r)).length,
  };
}

const without = (spec: SelectionSpec, source: string): SelectionSpec => ({
  ...spec,
  gates: spec.gates.filter((g) => g.source !== source),
});

function pickOf<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)];
}

describe("incremental selection (SelectionSlot through SelectionEvaluator) equals a computation from scratch", () => {
  it.each([1, 2, 3, 4, 5, 6])("random session %i: 250 steps", (seed) => {
    const rnd = createMulberry32(seed * 7919);
    const cols = makeColumns(seed);
    const fields = new Map<FieldKey, Float64Array>([
      ["explicit", cols.explicit],
      ["absImplicit", cols.absImplicit],
      ["mAp", cols.mAp],
    ]);
    const rankings = new Map<string, RankedScores>(
      Object.entries(cols.scores).map(([name, score]) => [name, rankScores(score)]),
    );
    let metric = "map";
    const read = (f: FieldKey) =>
      (f === "score" ? cols.scores[metric as keyof typeof cols.scores] : fields.get(f)) ?? null;
    const search = (g: Gate & { kind: "search" }) => Uint8Array.from(TEXTS, (t) => (t.includes(g.query) ? 1 : 0));
    const ev = new SelectionEvaluator(N);
    const bins = new Map([...fields].map(([f, v]) => [f, binIndices(v, histogram(v, 7).edges)]));
    const fullCounts = (bin: Uint16Array, m: Uint8Array) => {
      const c = new Array<number>(7).fill(0);
      for (let i = 0; i < N; i++) if (m[i] && bin[i] < 7) c[bin[i]]++;
      return c;
    };
    const handed: { mask: Uint8Array; copy: number[] }[] = [];
    const value = () => (rnd() < 0.1 ? null : Math.round((rnd() - 0.4) * 40) / 4);
    let spec: SelectionSpec = defaultSpec();
    for (let step = 0; step < 250; step++) {
      const u = rnd();
      let what: string;
      if (u < 0.3) {
        // Drag a histogram handle: one bound of the interval moves, the other stays.
        const [source, field] = pickOf(rnd, [
          [EX, "explicit"],
          [ABS, "absImplicit"],
          [MAP, "mAp"],
          [SCORE, "score"],
        ] as const);
        const g = spec.gates.find((x) => x.kind === "interval" && x.source === source);
        const lo = g?.kind === "interval" ? g.lo : null;
        const hi = g?.kind === "interval" ? g.hi : null;
        spec =
          rnd() < 0.5 ? withInterval(spec, source, field, value(), hi) : withInterval(spec, source, field, lo, value());
        what = `drag ${source}`;
      } else if (u < 0.45) {
        spec = { ...spec, ranking: { ...spec.ranking, ratio: Math.round(rnd() * 20) / 20, topK: undefined } };
        what = `ratio ${spec.ranking.ratio}`;
      } else if (u < 0.5) {
        spec = { ...spec, ranking: { ...spec.ranking, topK: Math.floor(rnd() * (N + 20)) - 5 } };
        what = `topK ${spec.ranking.topK}`;
      } else if (u < 0.68) {
        const rows = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => Math.floor(rnd() * (N + 4)) - 2);
        const decision = pickOf(rnd, ["keep", "drop", "clear"] as const);
        spec = withDecision(spec, rows, decision);
        what = `${decision} ${rows.join(",")}`;
      } else if (u < 0.76) {
        const x0 = Math.round((rnd() - 0.5) * 30) / 4;
        const y0 = Math.round(rnd() * 12) / 4;
        spec =
          rnd() < 0.2
            ? withRegion(spec, SCATTER, null)
            : withRegion(spec, SCATTER, {
                kind: "rect",
                source: SCATTER,
                x: "explicit",
                y: "absImplicit",
                x0,
                x1: x0 + rnd() * 6,
                y0,
                y1: y0 + rnd() * 3,
              });
        what = "rect";
      } else if (u < 0.82) {
        spec = withSearch(spec, rnd() < 0.5 ? "apple" : "");
        what = "search";
      } else if (u < 0.9) {
        metric = pickOf(rnd, [...rankings.keys()]);
        spec = { ...spec, ranking: { ...spec.ranking, metric: metric === "constant" ? "random" : (metric as "map") } };
        // The score column changed: the session forgets what was cached on it.
        ev.invalidate(["score"]);
        what = `metric ${metric}`;
      } else if (u < 0.94) {
        // A column replaced (a re-map): same values in a new array, one value changed.
        const next = cols.absImplicit.slice();
        next[Math.floor(rnd() * N)] = Math.round(rnd() * 12) / 4;
        cols.absImplicit = next;
        fields.set("absImplicit", next);
        bins.set("absImplicit", binIndices(next, histogram(next, 7).edges));
        ev.invalidate(["absImplicit"]);
        what = "column";
      } else {
        spec = { ...spec, gates: spec.gates.filter(() => rnd() < 0.5) };
        what = "remove gates";
      }
      const score = cols.scores[metric as keyof typeof cols.scores];
      const ranked = rankings.get(metric)!;
      const allFields = new Map([...fields, ["score", score] as [FieldKey, Float64Array]]);
      const got = ev.evaluate(spec, ranked, read, search, SOURCES);
      const fresh = new SelectionEvaluator(N).evaluate(spec, rankScores(score), read, search, SOURCES);
      const want = oracle(spec, score, allFields);
      const label = `step ${step} (${what})`;
      expect(Array.from(got.mask), label).toEqual(want.mask);
      expect(
        {
          selectedCount: got.selectedCount,
          k: got.k,
          candidates: got.candidates,
          ranked: got.ranked,
          keptByHand: got.keptByHand,
        },
        label,
      ).toEqual({
        selectedCount: want.selectedCount,
        k: want.k,
        candidates: want.candidates,
        ranked: want.ranked,
        keptByHand: want.keptByHand,
      });
      expect(Array.from(fresh.mask), label).toEqual(want.mask);
      const owners = SOURCES.filter((s) => spec.gates.some((g) => g.source === s));
      expect([...got.contexts.keys()].sort(), label).toEqual(owners.sort());
      for (const source of owners)
        expect(Array.from(got.contexts.get(source)!), `${label} context ${source}`).toEqual(
          oracle(without(spec, source), score, allFields).mask,
        );
      // Histogram counts derived from the previous mask plus the changed rows equal a full count.
      for (const m of [got.mask, ...got.contexts.values()]) {
        for (const [f, bin] of bins)
          expect(Array.from(countMasked(bin, 7, m)), `${label} ${f}`).toEqual(fullCounts(bin, m));
        handed.push({ mask: m, copy: Array.from(m) });
      }
    }
    // Masks handed out are never written again.
    for (const h of handed) expect(Array.from(h.mask)).toEqual(h.copy);
  });

  it("a drag hands out the same array for a selection that did not change (the dragged view's own context)", () => {
    const cols = makeColumns(9);
    const read = (f: FieldKey) => (f === "explicit" ? cols.explicit : f === "absImplicit" ? cols.absImplicit : null);
    const ranked = rankScores(cols.scores.map);
    const ev = new SelectionEvaluator(N);
    let spec = withInterval(defaultSpec(), ABS, "absImplicit", null, 2);
    let last: Uint8Array | null = null;
    for (const lo of [-1, 0, 0.5, 1, 1.5, 1.5]) {
      spec = withInterval(spec, EX, "explicit", lo, null);
      const got = ev.evaluate(spec, ranked, read, () => null, [EX, ABS]);
      if (last) expect(got.contexts.get(EX)).toBe(last);
      last = got.contexts.get(EX)!;
    }
    // Same spec again: the main mask is the same array too.
    const a = ev.evaluate(spec, ranked, read, () => null, [EX, ABS]).mask;
    expect(ev.evaluate(spec, ranked, read, () => null, [EX, ABS]).mask).toBe(a);
  });

  it("the lazy ranking sorts only when its order is read, and inverts it exactly", () => {
    const score = Float64Array.from([3, NaN, 1, 3, -0, 0, 2]);
    const r = rankScores(score);
    expect(r.valid).toBe(6);
    // Best first; equal scores (3 and 3, −0 and 0) the higher row first.
    expect(Array.from(r.order)).toEqual([3, 0, 6, 2, 5, 4]);
    expect(Array.from(r.positions!())).toEqual([1, 0xffffffff, 3, 0, 5, 4, 2]);
  });
});
