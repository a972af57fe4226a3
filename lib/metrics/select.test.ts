import { describe, expect, it } from "vitest";
import type { MarginColumns } from "@/lib/dataset/types";
import { numpyUnavailableReason, runNumpy } from "@/test/numpy-oracle";
import { haveFiles, readPlainText, sharedPath, sharedReference } from "@/test/shared-files";
import { createRng } from "@/lib/metrics/random";
import { alignmentPotential, computeScores, rankOf, ScoreCache, selectTop, targetCount } from "@/lib/metrics/select";
import type { MarginMetric as Metric, Scores, SelectOptions } from "@/lib/metrics/select";

const processedPath = sharedPath("reference/paper-style/processed.jsonl");
const expectedPath = sharedPath("reference/paper-style/expected_selections.json");
const haveReference = haveFiles(processedPath, expectedPath);

/** Margins the way ref_select.py loads them: rm_margin, and logp_margin_norm or the difference of the norms. */
function loadProcessed(file: string): MarginColumns {
  const explicit: number[] = [];
  const implicit: number[] = [];
  for (const line of readPlainText(file).split("\n")) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as Record<string, number>;
    explicit.push(Number(r.rm_margin));
    implicit.push(
      "logp_margin_norm" in r
        ? Number(r.logp_margin_norm)
        : Number(r.chosen_logps_norm) - Number(r.rejected_logps_norm),
    );
  }
  return { explicit: Float64Array.from(explicit), implicit: Float64Array.from(implicit) };
}

/** `METRIC[-wW]-rRATIO` → options. */
function parseKey(key: string): { metric: Metric; weight: number; ratio: number } {
  const m = /^(map|explicit|implicit|random)(?:-w([0-9.]+))?-r([0-9.]+)$/.exec(key);
  if (!m) throw new Error(`unexpected key ${key}`);
  return { metric: m[1] as Metric, weight: m[2] === undefined ? 1 : Number(m[2]), ratio: Number(m[3]) };
}

const expectedSelections: [string, number[]][] = haveReference
  ? Object.entries(JSON.parse(readPlainText(expectedPath)) as Record<string, number[]>)
  : [];

describe.skipIf(!haveReference)("parity with the paper's reference selection (paper-style/processed.jsonl)", () => {
  const cols = haveReference
    ? loadProcessed(processedPath)
    : { explicit: new Float64Array(), implicit: new Float64Array() };

  it("covers all expected keys", () => {
    expect(expectedSelections.length).toBe(8);
    expect(cols.explicit.length).toBe(3000);
  });

  it.each(expectedSelections)("%s selects exactly the expected rows", (key, expected) => {
    const { metric, weight, ratio } = parseKey(key);
    const scores = computeScores(cols, { metric, weight, seed: 42 });
    expect(scores.valid).toBe(3000);
    const sel = selectTop(scores, cols, { ratio });
    expect(sel.k).toBe(expected.length);
    expect(sel.candidates).toBe(3000);
    expect(Array.from(sel.indices)).toEqual(expected);
    // Ranks 1..k are exactly the selection when no threshold is set.
    const rank = rankOf(scores.score);
    expect(Array.from(sel.indices)).toEqual(Array.from(rank.keys()).filter((i) => rank[i] <= sel.k));
  });

  const noNumpy = numpyUnavailableReason();
  it.skipIf(noNumpy !== null)(
    `scores equal ref_select.py's numpy scores bit for bit${noNumpy ? ` (skipped: ${noNumpy})` : ""}`,
    () => {
      const script = `
import json, sys
sys.path.insert(0, ${JSON.stringify(sharedReference)})
from ref_select import load, select
rm, lp_abs = load(${JSON.stringify(processedPath)})
out = {}
for metric, w in [("map", 1.0), ("map", 2.5), ("explicit", 1.0), ("implicit", 1.0)]:
    out[f"{metric}-{w}"] = select(rm, lp_abs, metric, 0.4, w)[1].tolist()
json.dump(out, sys.stdout)
`;
      const ref = runNumpy<Record<string, number[]>>(script, null);
      for (const [key, expected] of Object.entries(ref)) {
        const [metric, w] = key.split("-");
        const ours = computeScores(cols, { metric: metric as Metric, weight: Number(w), seed: 42 }).score;
        let mismatches = 0;
        for (let i = 0; i < expected.length; i++) if (ours[i] !== expected[i]) mismatches++;
        expect({ key, mismatches }).toEqual({ key, mismatches: 0 });
      }
    },
  );
});

if (!haveReference) {
  describe("parity with the paper's reference selection", () => {
    it.skip(`skipped: ${processedPath} or ${expectedPath} is absent`, () => {});
  });
}

function scoresOf(values: number[]): Scores {
  const score = Float64Array.from(values);
  return { score, valid: values.filter((v) => !Number.isNaN(v)).length, missingExplicit: 0, missingImplicit: 0 };
}

const noMargins = (n: number): MarginColumns => ({ explicit: new Float64Array(n), implicit: new Float64Array(n) });

describe("selectTop tie rule (expected rows printed by numpy: sorted(np.argsort(s, kind='stable')[-k:]))", () => {
  it.each([
    [[1, 1, 1, 0, 1], 2, [2, 4]],
    [[0.5, -0, 0, 0.5, -1, 0], 3, [0, 3, 5]],
    [[3, 3, 3, 3], 1, [3]],
    [[2, 1, 2, 1, 2, 1], 4, [0, 2, 4, 5]],
  ])("%j top %i → %j", (values, k, expected) => {
    const sel = selectTop(scoresOf(values), noMargins(values.length), { ratio: 0, topK: k });
    expect(Array.from(sel.indices)).toEqual(expected);
    const rank = rankOf(Float64Array.from(values));
    expect(expected.every((i) => rank[i] <= k)).toBe(true);
  });
});

describe("selectTop k, thresholds and NaN", () => {
  // explicit margins 0..9, |implicit| descending 9..0; row 2 misses m_ex, row 7 misses m_im.
  const cols: MarginColumns = {
    explicit: Float64Array.from([0, 1, NaN, 3, 4, 5, 6, 7, 8, 9]),
    implicit: Float64Array.from([-9, 8, -7, 6, -5, 4, -3, NaN, -1, 0]),
  };

  it.each<[string, Metric, SelectOptions, number[], number, number]>([
    // name, metric, options, rows, k, candidates
    ["explicit ratio 0.3 of 9 scored", "explicit", { ratio: 0.3 }, [8, 9], 2, 9],
    ["explicit topK overrides ratio", "explicit", { ratio: 0.9, topK: 4 }, [6, 7, 8, 9], 4, 9],
    ["topK clamped to N", "explicit", { ratio: 0, topK: 99 }, [0, 1, 3, 4, 5, 6, 7, 8, 9], 9, 9],
    ["ratio 0 keeps none", "explicit", { ratio: 0 }, [], 0, 9],
    ["ratio above 1 keeps all scored", "explicit", { ratio: 1.5 }, [0, 1, 3, 4, 5, 6, 7, 8, 9], 9, 9],
    ["implicit prefers small |m_im|", "implicit", { ratio: 0.25 }, [8, 9], 2, 9],
    ["floor keeps k while candidates last", "explicit", { ratio: 0.5, explicitFloor: 6 }, [6, 7, 8, 9], 4, 4],
    ["floor caps at the candidates", "explicit", { ratio: 0.7, explicitFloor: 6 }, [6, 7, 8, 9], 6, 4],
    ["ceiling removes the best rows", "explicit", { ratio: 0.3, implicitCeiling: 0.5 }, [9], 2, 1],
    ["ceiling excludes rows missing m_im", "explicit", { ratio: 0.4, implicitCeiling: 4 }, [6, 8, 9], 3, 4],
    [
      "floor excludes rows missing m_ex (random)",
      "random",
      { ratio: 1, explicitFloor: -100 },
      [0, 1, 3, 4, 5, 6, 7, 8, 9],
      10,
      9,
    ],
    ["both thresholds", "map", { ratio: 1, explicitFloor: 3, implicitCeiling: 5 }, [4, 5, 6, 8, 9], 8, 5],
  ])("%s", (_name, metric, opts, rows, k, candidates) => {
    const scores = computeScores(cols, { metric, weight: 1, seed: 42 });
    const sel = selectTop(scores, cols, opts);
    expect(Array.from(sel.indices)).toEqual(rows);
    expect(sel.k).toBe(k);
    expect(sel.candidates).toBe(candidates);
    expect(Array.from(sel.mask).reduce((a, b) => a + b, 0)).toBe(rows.length);
  });

  it.each<[Metric, number]>([
    ["map", 8],
    ["explicit", 9],
    ["implicit", 9],
    ["random", 10],
  ])("%s scores %i rows and counts missing margins separately", (metric, valid) => {
    const s = computeScores(cols, { metric, weight: 1, seed: 42 });
    expect(s.valid).toBe(valid);
    expect(s.missingExplicit).toBe(1);
    expect(s.missingImplicit).toBe(1);
    if (metric !== "random") expect(Number.isNaN(s.score[metric === "implicit" ? 7 : 2])).toBe(true);
  });

  it("map z-scores use only rows with both margins", () => {
    const both = [0, 1, 3, 4, 5, 6, 8, 9];
    const packed: MarginColumns = {
      explicit: Float64Array.from(both.map((i) => cols.explicit[i])),
      implicit: Float64Array.from(both.map((i) => cols.implicit[i])),
    };
    const full = computeScores(cols, { metric: "map", weight: 2.5, seed: 0 }).score;
    const compact = computeScores(packed, { metric: "map", weight: 2.5, seed: 0 }).score;
    expect(both.map((i) => full[i])).toEqual(Array.from(compact));
    expect(Array.from(alignmentPotential(cols, 2.5))).toEqual(Array.from(full));
  });

  it.each([
    [3000, 0.1, 300],
    [3000, 0.4, 1200],
    [10, 0.29, 2],
    [100, 0.29, 28], // 0.29·100 = 28.999999999999996 in float64, so int() gives 28 like Python.
    [7, -0.5, 0],
    [7, NaN, 0],
  ])("targetCount(N=%i, ratio=%d) = %i", (n, ratio, k) => {
    expect(targetCount(n, { ratio })).toBe(k);
  });
});

describe("zero variance", () => {
  it("gives z = 0 to every scored row, so the highest indices win", () => {
    const cols: MarginColumns = {
      explicit: Float64Array.from([2, 2, NaN, 2, 2]),
      implicit: Float64Array.from([1, -1, 1, 1, -1]),
    };
    const s = computeScores(cols, { metric: "map", weight: 1, seed: 42 });
    expect(Array.from(s.score)).toEqual([0, 0, NaN, 0, 0]);
    expect(Array.from(selectTop(s, cols, { ratio: 0.5 }).indices)).toEqual([3, 4]);
  });
});

describe("random metric", () => {
  const cols = noMargins(1000);
  const pick = (seed: number): number[] =>
    Array.from(selectTop(computeScores(cols, { metric: "random", weight: 1, seed }), cols, { ratio: 0.1 }).indices);

  it("same seed → same rows, different seed → different rows", () => {
    expect(pick(42)).toEqual(pick(42));
    expect(pick(42)).toHaveLength(100);
    expect(pick(43)).not.toEqual(pick(42));
  });

  it("scores every row, missing margins included", () => {
    const s = computeScores(
      { explicit: Float64Array.from([NaN, 1]), implicit: Float64Array.from([NaN, NaN]) },
      {
        metric: "random",
        weight: 1,
        seed: 1,
      },
    );
    expect(s.valid).toBe(2);
    expect(s.missingExplicit).toBe(1);
    expect(s.missingImplicit).toBe(2);
  });
});

describe("selectTop and rankOf against a sort on larger inputs", () => {
  it.each([
    ["continuous", 1],
    ["few distinct values (heavy ties)", 7],
  ])("%s", (_name, distinct) => {
    const rng = createRng(99);
    const n = 50_000;
    const score = new Float64Array(n);
    const cols = noMargins(n);
    for (let i = 0; i < n; i++) {
      const u = rng();
      score[i] = i % 97 === 0 ? NaN : distinct === 1 ? u : Math.floor(u * distinct) - 3;
      cols.explicit[i] = rng() * 10;
      cols.implicit[i] = rng() * 2 - 1;
    }
    const scores = scoresOf(Array.from(score));
    const ranked = Array.from(score.keys())
      .filter((i) => !Number.isNaN(score[i]))
      .sort((a, b) => score[b] - score[a] || b - a);
    const rank = rankOf(score);
    expect(ranked.every((i, p) => rank[i] === p + 1)).toBe(true);
    expect(Number.isNaN(rank[0])).toBe(true);

    for (const opts of [
      { ratio: 0.4 },
      { ratio: 0.1, explicitFloor: 5 },
      { ratio: 0.3, implicitCeiling: 0.2 },
    ] as SelectOptions[]) {
      const sel = selectTop(scores, cols, opts);
      const pass = (i: number): boolean =>
        (opts.explicitFloor === undefined || cols.explicit[i] >= opts.explicitFloor) &&
        (opts.implicitCeiling === undefined || Math.abs(cols.implicit[i]) <= opts.implicitCeiling);
      const eligible = ranked.filter(pass);
      const expected = eligible.slice(0, Math.min(sel.k, eligible.length)).sort((a, b) => a - b);
      expect(sel.k).toBe(Math.trunc(opts.ratio * ranked.length));
      expect(sel.candidates).toBe(eligible.length);
      expect(Array.from(sel.indices)).toEqual(expected);
    }
  });
});

describe("rankOf", () => {
  it.each([
    [
      [0.5, NaN, 0.5, 2, -1],
      [3, NaN, 2, 1, 4],
    ],
    [
      [-0, 0, -0],
      [3, 2, 1],
    ],
    [[], []],
  ])("%j → %j", (values, ranks) => {
    expect(Array.from(rankOf(Float64Array.from(values)))).toEqual(ranks);
  });
});

describe("ScoreCache", () => {
  const rng = createRng(21);
  const n = 3000;
  const cols = {
    explicit: Float64Array.from({ length: n }, () => (rng() < 0.05 ? NaN : rng() * 8)),
    implicit: Float64Array.from({ length: n }, () => (rng() < 0.05 ? Infinity : (rng() - 0.5) * 4)),
  };

  it("gives the uncached scores bit for bit at every w, and the same missing counts", () => {
    const cache = new ScoreCache();
    for (const weight of [1, 0, 2.5, -1, 1e-9, 1]) {
      const want = computeScores(cols, { metric: "map", weight, seed: 42 });
      const got = computeScores(cols, { metric: "map", weight, seed: 42 }, cache);
      expect(Object.is(got.valid, want.valid)).toBe(true);
      expect({ e: got.missingExplicit, i: got.missingImplicit }).toEqual({
        e: want.missingExplicit,
        i: want.missingImplicit,
      });
      for (let i = 0; i < n; i++) expect(Object.is(got.score[i], want.score[i])).toBe(true);
      expect(Array.from(alignmentPotential(cols, weight, cache))).toEqual(Array.from(want.score));
    }
  });

  it("forgets its terms when handed other columns", () => {
    const cache = new ScoreCache();
    computeScores(cols, { metric: "map", weight: 1, seed: 42 }, cache);
    const other = { explicit: cols.explicit.map((v) => -v), implicit: cols.implicit };
    const want = computeScores(other, { metric: "map", weight: 1, seed: 42 });
    expect(Array.from(computeScores(other, { metric: "map", weight: 1, seed: 42 }, cache).score)).toEqual(
      Array.from(want.score),
    );
  });
});
