import { describe, expect, it } from "vitest";
import type { MarginColumns } from "@/lib/dataset/types";
import { numpyUnavailableReason, runNumpy } from "@/test/numpy-oracle";
import { haveFiles, readPlainText, sharedPath } from "@/test/shared-files";
import { createRng } from "@/lib/metrics/random";
import { beesBound, beesScores, DEFAULT_BEES_OPTIONS, difficultyScores } from "@/lib/metrics/rivals";
import type { BeesNanRule, BeesOptions, LogprobColumns } from "@/lib/metrics/rivals";
import { selectTop } from "@/lib/metrics/select";
import type { Scores, SelectOptions } from "@/lib/metrics/select";

const rivalsDir = sharedPath("reference/rivals");
const inputPath = sharedPath("reference/rivals/input.jsonl");
const expectedPath = sharedPath("reference/rivals/expected.json");
const haveReference = haveFiles(inputPath, expectedPath);
const noNumpy = numpyUnavailableReason();
/** Why ref_rivals.py can't be run as an oracle here, or null. */
const noOracle = noNumpy ?? (haveReference ? null : `${rivalsDir} not found`);

/** The six columns of a rivals file: m_ex = score_chosen − score_rejected and the four summed log-probs. */
interface RivalsData {
  explicit: Float64Array;
  logps: LogprobColumns;
}

const f64 = (values: number[]) => Float64Array.from(values);
const countNaN = (xs: Float64Array) => xs.filter((x) => Number.isNaN(x)).length;

function loadInput(file: string): RivalsData {
  const cols: Record<string, number[]> = {};
  const names = [
    "score_chosen",
    "score_rejected",
    "chosen_logps",
    "rejected_logps",
    "ref_chosen_logps",
    "ref_rejected_logps",
  ];
  for (const name of names) cols[name] = [];
  for (const line of readPlainText(file).split("\n")) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as Record<string, number | null>;
    for (const name of names) cols[name].push(r[name] ?? NaN);
  }
  return {
    explicit: f64(cols.score_chosen.map((c, i) => c - cols.score_rejected[i])),
    logps: {
      chosen: f64(cols.chosen_logps),
      rejected: f64(cols.rejected_logps),
      refChosen: f64(cols.ref_chosen_logps),
      refRejected: f64(cols.ref_rejected_logps),
    },
  };
}

/** Raw implicit margin (NaN = missing), only for selectTop's margin columns and the missing count. */
function implicitOf({ chosen, rejected, refChosen, refRejected }: LogprobColumns): Float64Array {
  return chosen.map((c, i) => c - rejected[i] - (refChosen[i] - refRejected[i]));
}

/** The project's selection over rival scores: every row is scored (no NaN), so valid = N. */
function keep(score: Float64Array, data: RivalsData, opts: Pick<SelectOptions, "ratio" | "topK">): number[] {
  const cols: MarginColumns = { explicit: data.explicit, implicit: implicitOf(data.logps) };
  expect(countNaN(score)).toBe(0);
  const scores: Scores = {
    score,
    valid: score.length,
    missingExplicit: countNaN(cols.explicit),
    missingImplicit: countNaN(cols.implicit),
  };
  return Array.from(selectTop(scores, cols, opts).indices);
}

/** A key of expected.json → the rule and how many rows it keeps. */
function runKey(key: string, data: RivalsData): number[] {
  const bees = /^bees(-add)?-k(\d+)$/.exec(key);
  if (bees) {
    const { score } = beesScores(data.explicit, data.logps, {
      ...DEFAULT_BEES_OPTIONS,
      variant: bees[1] ? "add" : "mul",
    });
    return keep(score, data, { ratio: 0, topK: Number(bees[2]) });
  }
  const difficulty = /^difficulty-r([0-9.]+)$/.exec(key);
  if (difficulty) return keep(difficultyScores(data.logps), data, { ratio: Number(difficulty[1]) });
  throw new Error(`unexpected key ${key}`);
}

/** Rows with only a policy chosen log-prob: m_im = chosen (all three others 0). */
function fromImplicit(implicit: number[], explicit: number[]): RivalsData {
  const zeros = () => new Float64Array(implicit.length);
  return {
    explicit: f64(explicit),
    logps: { chosen: f64(implicit), rejected: zeros(), refChosen: zeros(), refRejected: zeros() },
  };
}

const expected: [string, number[]][] = haveReference
  ? Object.entries(JSON.parse(readPlainText(expectedPath)) as Record<string, number[]>)
  : [];

describe.skipIf(!haveReference)("rivals reference (shared/reference/rivals/input.jsonl)", () => {
  const data = haveReference ? loadInput(inputPath) : fromImplicit([], []);

  it("covers all five expected keys over 2,000 rows", () => {
    expect(expected.map(([key]) => key).sort()).toEqual([
      "bees-add-k200",
      "bees-k200",
      "bees-k600",
      "difficulty-r0.1",
      "difficulty-r0.3",
    ]);
    expect(data.explicit.length).toBe(2000);
  });

  it.each(expected)("%s selects exactly the expected rows", (key, rows) => {
    expect(runKey(key, data)).toEqual(rows);
  });

  it("bound traces: implicit stops at U = 9 (M = 13.538), explicit at V = 4 (M = 5.039), both on n < 30", () => {
    const r = beesScores(data.explicit, data.logps, DEFAULT_BEES_OPTIONS);
    expect([r.implicitBound, r.explicitBound]).toEqual([9, 4]);
    const zeroed = (m: Float64Array) => m.map((x) => (Number.isNaN(x) ? 0 : x));
    const im = zeroed(implicitOf(data.logps));
    const ex = zeroed(data.explicit);
    expect(beesBound(im, 2)).toBe(9);
    expect(beesBound(ex, 1.5)).toBe(4);
    // (U, n, M − U) as the README lists them; n = #{m > U}.
    const trace = (m: Float64Array, bounds: number[]) => {
      const max = Math.max(...m);
      return bounds.map((u) => [u, m.filter((x) => x > u).length, Number((max - u).toFixed(2))]);
    };
    expect(Math.max(...im)).toBeCloseTo(13.538, 3);
    expect(Math.max(...ex)).toBeCloseTo(5.039, 3);
    expect(trace(im, [6, 7, 8, 9])).toEqual([
      [6, 156, 7.54],
      [7, 83, 6.54],
      [8, 36, 5.54],
      [9, 18, 4.54],
    ]);
    expect(trace(ex, [3, 4])).toEqual([
      [3, 70, 2.04],
      [4, 16, 1.04],
    ]);
  });

  it.each<[BeesNanRule, number, boolean]>([
    ["released", Infinity, true],
    ["lowest", -Infinity, false],
  ])("0/0 rows 794, 1084, 1908 under %s score %d, in bees-k200: %s", (nanRule, value, kept) => {
    const r = beesScores(data.explicit, data.logps, { variant: "mul", nanRule });
    expect(r.zeroOverZero).toBe(3);
    expect(Array.from(r.score.keys()).filter((i) => Math.abs(r.score[i]) === Infinity)).toEqual([794, 1084, 1908]);
    for (const row of [794, 1084, 1908]) expect(r.score[row]).toBe(value);
    const rows = keep(r.score, data, { ratio: 0, topK: 200 });
    expect(rows).toHaveLength(200);
    expect([794, 1084, 1908].map((row) => rows.includes(row))).toEqual([kept, kept, kept]);
  });

  it("missing → 0: row 735 (no score_chosen) is selected by bees-k200 and bees-add-k200", () => {
    expect(data.explicit[735]).toBeNaN();
    for (const variant of ["mul", "add"] as const) {
      const r = beesScores(data.explicit, data.logps, { variant, nanRule: "released" });
      // 11 missing cells in 10 rows (README).
      expect(r.missingToZero).toBe(10);
      expect(keep(r.score, data, { ratio: 0, topK: 200 })).toContain(735);
    }
  });

  it("difficulty: k = trunc(N·ratio) over all rows; no NaN row among the kept", () => {
    const score = difficultyScores(data.logps);
    const missing = Array.from(score.keys()).filter((i) => score[i] === -Infinity);
    expect(missing.length).toBeGreaterThan(0);
    const rows = keep(score, data, { ratio: 0.29 });
    expect(rows).toHaveLength(Math.trunc(2000 * 0.29));
    expect(rows.filter((i) => missing.includes(i))).toEqual([]);
  });

  it("difficulty: β < 0 keeps the largest gaps of β > 0 (NaN still last)", () => {
    const positive = difficultyScores(data.logps, 0.1);
    const finite = Array.from(positive.keys()).filter((i) => positive[i] !== -Infinity);
    // Largest Δ = smallest −Δ; the README guarantees the keys are distinct.
    const largest = finite.sort((a, b) => positive[a] - positive[b]).slice(0, 200);
    expect(keep(difficultyScores(data.logps, -0.1), data, { ratio: 0.1 })).toEqual(largest.sort((a, b) => a - b));
  });

  it.skipIf(noNumpy !== null)(
    `scores equal ref_rivals.py's numpy values bit for bit${noNumpy ? ` (skipped: ${noNumpy})` : ""}`,
    () => {
      const script = `
import json, math, sys
sys.path.insert(0, ${JSON.stringify(rivalsDir)})
from ref_rivals import BEES_COLS, DIFF_COLS, bees_margins, bees_scores, difficulty_gaps, load
m_im, m_ex = bees_margins(load(${JSON.stringify(inputPath)}, BEES_COLS))
nan = lambda xs: [None if math.isnan(x) else float(x) for x in xs]
out = {}
for s in ("mul", "add"):
    score, bounds = bees_scores(m_im, m_ex, s)
    out[s] = {"score": nan(score), "bounds": list(bounds)}
out["gap"] = nan(difficulty_gaps(load(${JSON.stringify(inputPath)}, DIFF_COLS), 0.1, "float64"))
json.dump(out, sys.stdout)
`;
      type Bees = { score: (number | null)[]; bounds: number[] };
      const ref = runNumpy<{ mul: Bees; add: Bees; gap: (number | null)[] }>(script, null);
      for (const variant of ["mul", "add"] as const) {
        const r = beesScores(data.explicit, data.logps, { variant, nanRule: "released" });
        expect([r.implicitBound, r.explicitBound]).toEqual(ref[variant].bounds);
        const mismatches = ref[variant].score.filter((p, i) => r.score[i] !== (p ?? Infinity)).length;
        expect({ variant, mismatches }).toEqual({ variant, mismatches: 0 });
      }
      const score = difficultyScores(data.logps, 0.1);
      expect(ref.gap.filter((g, i) => score[i] !== (g === null ? -Infinity : -g)).length).toBe(0);
    },
  );
});

if (!haveReference) {
  describe("rivals reference", () => {
    it.skip(`skipped: ${inputPath} or ${expectedPath} is absent`, () => {});
  });
}

describe("beesBound", () => {
  const repeat = (value: number, count: number) => new Array<number>(count).fill(value);
  // 40 margins at 100, 12 at 51, 20 at 0 and 5 at −3 (77 rows), M = 100.
  const clauseOnly = [...repeat(100, 40), ...repeat(51, 12), ...repeat(0, 20), ...repeat(-3, 5)];

  const cases: [string, number[], number, number][] = [
    // Divisor 2: U = trunc(100/2) = 50; n = #{m > 50} = 52 ≥ 30, ≥ M − U = 50, U ≤ M → U = 51.
    // U = 51: n = 40 (the 51s are not > 51) ≥ 30 and U ≤ M, but 40 < M − U = 49: only `n < M − U` stops, at 51.
    // Without that clause the loop would run on to U = 100 (n = 0 < 30).
    ["÷2: n < M − U alone stops it at 51", clauseOnly, 2, 51],
    // Divisor 1.5: U = trunc(66.67) = 66; n = 40 ≥ M − U = 34 and every later M − U is smaller, so it runs to
    // U = 100, where n = 0 < 30.
    ["÷1.5: n < 30 stops it at 100", clauseOnly, 1.5, 100],
    // 35 margins at 10.5: n = 35 ≥ M − U for U = 5..10, so U = 11 > M (n = 0 < 30 as well).
    ["÷2: the bound passes a non-integer max", repeat(10.5, 35), 2, 11],
    // 35 margins at exactly 10: at U = 10, n = #{m > 10} = 0.
    ["÷2: an integer max is reached, not passed", repeat(10, 35), 2, 10],
    // Fewer than 30 rows: the start trunc(10/2) = 5 is returned.
    ["÷2: fewer than 30 rows keep the start", [10, 3, -1], 2, 5],
    // M = −5: U = trunc(−2.5) = −2 > M at once.
    ["÷2: all negative, trunc toward zero", [-5, -6, -7], 2, -2],
    // M = −0.4: trunc(−0.27) is −0 in JavaScript; Python's int() gives 0.
    ["÷1.5: a −0 start is 0", [-0.4, -1], 1.5, 0],
  ];

  it.each(cases)("%s", (_name, margins, divisor, bound) => {
    expect(Object.is(beesBound(f64(margins), divisor), bound)).toBe(true);
  });

  it.skipIf(noOracle !== null)(
    `equals ref_rivals.py's upper_bound on every case${noOracle ? ` (skipped: ${noOracle})` : ""}`,
    () => {
      const script = `
import json, sys
import numpy as np
sys.path.insert(0, ${JSON.stringify(rivalsDir)})
from ref_rivals import upper_bound
json.dump([int(upper_bound(np.array(m, dtype=np.float64), d)) for m, d in json.load(sys.stdin)], sys.stdout)
`;
      const ref = runNumpy<number[]>(
        script,
        cases.map(([, margins, divisor]) => [margins, divisor]),
      );
      expect(ref).toEqual(cases.map(([, , , bound]) => bound));
    },
  );

  it.each<[string, Float64Array, number]>([
    ["empty", new Float64Array(0), 2],
    ["NaN margin", f64([1, NaN]), 2],
    ["infinite margin", f64([1, Infinity]), 2],
    ["zero divisor", f64([1]), 0],
  ])("refuses %s", (_name, margins, divisor) => {
    expect(() => beesBound(margins, divisor)).toThrow(RangeError);
  });
});

describe("beesScores ties, 0/0 and missing margins (hand-computed)", () => {
  // m_im = [4, 4, 4, −3, 4, 1]: M = 4, U = 2 (n < 30), p_im = (clip(m, −2, 2) + 2) / 4 = [1, 1, 1, 0, 1, 0.75].
  // m_ex = [−3, 1, 3, 3, −3, 1]: M = 3, V = trunc(2) = 2, p_ex = [0, 0.75, 1, 1, 0, 0.75].
  // P = [0/0, 1, 1, 0/0, 0/0, 0.5625 / (0.5625 + 0.0625) = 0.9].
  const data = fromImplicit([4, 4, 4, -3, 4, 1], [-3, 1, 3, 3, -3, 1]);

  it("scores and bounds", () => {
    const r = beesScores(data.explicit, data.logps, DEFAULT_BEES_OPTIONS);
    expect(r).toEqual({
      score: f64([Infinity, 1, 1, Infinity, Infinity, 0.9]),
      implicitBound: 2,
      explicitBound: 2,
      zeroOverZero: 3,
      missingToZero: 0,
    });
  });

  it.each<[BeesNanRule, number, number[]]>([
    // NaN above every number; among the NaN rows and among P = 1 the higher index is kept.
    ["released", 2, [3, 4]],
    ["released", 4, [0, 2, 3, 4]],
    ["released", 5, [0, 1, 2, 3, 4]],
    // NaN below every number.
    ["lowest", 1, [2]],
    ["lowest", 3, [1, 2, 5]],
    ["lowest", 4, [1, 2, 4, 5]],
    // K ≥ N keeps every row, as the released slice does.
    ["lowest", 9, [0, 1, 2, 3, 4, 5]],
  ])("%s, K = %i → %j", (nanRule, topK, rows) => {
    const { score } = beesScores(data.explicit, data.logps, { variant: "mul", nanRule });
    expect(keep(score, data, { ratio: 0, topK })).toEqual(rows);
  });

  it("add: m_im + m_ex on raw margins, missing counted as 0 once per row", () => {
    const missing = fromImplicit([4, NaN, 4, -3, NaN, 1], [-3, 1, NaN, 3, NaN, 1]);
    const r = beesScores(missing.explicit, missing.logps, { variant: "add", nanRule: "released" });
    expect(r.score).toEqual(f64([1, 1, 4, 0, 0, 2]));
    expect([r.missingToZero, r.zeroOverZero]).toEqual([3, 0]);
    expect(keep(r.score, missing, { ratio: 0, topK: 3 })).toEqual([1, 2, 5]);
  });

  it.each<[string, RivalsData, RegExp]>([
    ["explicit", fromImplicit([1, 2, 3], [0, Infinity, 1]), /explicit margin is Infinity in row 1/],
    ["implicit", fromImplicit([1, 2, -Infinity], [0, 1, 1]), /implicit margin is -Infinity in row 2/],
  ])("an infinite %s margin is a RangeError naming the row", (_name, bad, message) => {
    expect(() => beesScores(bad.explicit, bad.logps, DEFAULT_BEES_OPTIONS)).toThrow(RangeError);
    expect(() => beesScores(bad.explicit, bad.logps, DEFAULT_BEES_OPTIONS)).toThrow(message);
  });

  it("columns of different lengths are a RangeError", () => {
    const bad = fromImplicit([1, 2, 3], [0, 1]);
    expect(() => beesScores(bad.explicit, bad.logps, DEFAULT_BEES_OPTIONS)).toThrow(RangeError);
  });
});

describe("difficultyScores (hand-computed)", () => {
  // Δ = β·chosen (the other three are 0): β = 0.1 gives [0.1, 0.05, 0.1, NaN, 0.05, 0.2, NaN, 0.05].
  // Ascending, equal Δ by descending index, NaN last: 7, 4, 1 | 2, 0 | 5 | 6, 3.
  const data = fromImplicit([1, 0.5, 1, NaN, 0.5, 2, NaN, 0.5], new Array<number>(8).fill(0));

  it("score = −Δ, NaN → −Infinity", () => {
    expect(difficultyScores(data.logps)).toEqual(f64([-0.1, -0.05, -0.1, -Infinity, -0.05, -0.2, -Infinity, -0.05]));
  });

  it.each<[number, number, number[]]>([
    [0.1, 0.25, [4, 7]],
    [0.1, 0.5, [1, 2, 4, 7]],
    [0.1, 0.625, [0, 1, 2, 4, 7]],
    // k = 6 = the non-NaN count: no NaN row yet.
    [0.1, 0.75, [0, 1, 2, 4, 5, 7]],
    // k = 7 exceeds it: the NaN row with the higher index comes first.
    [0.1, 0.875, [0, 1, 2, 4, 5, 6, 7]],
    [0.1, 1, [0, 1, 2, 3, 4, 5, 6, 7]],
    // β = 0: every finite Δ is 0, so the highest row indices are kept (NaN rows still last).
    [0, 0.25, [5, 7]],
    [0, 0.5, [2, 4, 5, 7]],
    // β < 0 reverses the order: −0.2 (row 5) | −0.1 (2, 0) | −0.05 (7, 4, 1) | NaN.
    [-0.1, 0.25, [2, 5]],
    [-0.1, 0.5, [0, 2, 5, 7]],
  ])("β = %d, ratio %d → %j", (beta, ratio, rows) => {
    expect(keep(difficultyScores(data.logps, beta), data, { ratio })).toEqual(rows);
  });

  it.each<[string, LogprobColumns, number]>([
    ["an infinite log-prob", { ...data.logps, refRejected: f64([0, 0, 0, 0, Infinity, 0, 0, 0]) }, 0.1],
    ["an overflowing gap", { ...data.logps, chosen: f64([1, 1, 1, 1, 1, 1, 1.7e308, 1]) }, 1e10],
  ])("%s is a RangeError naming the row", (_name, logps, beta) => {
    expect(() => difficultyScores(logps, beta)).toThrow(/row [46]/);
  });

  it("a non-finite β is a RangeError", () => {
    expect(() => difficultyScores(data.logps, NaN)).toThrow(RangeError);
  });
});

describe.skipIf(noOracle !== null)(
  `tie rule equals ref_rivals.py --ties stable on tie-heavy data${noOracle ? ` (skipped: ${noOracle})` : ""}`,
  () => {
    // Integer-grid margins and log-probs: many exact P = 0 / 1, 0/0 pairs, equal sums and equal gaps, plus NaN.
    const rng = createRng(20261202);
    const n = 300;
    const grid = (lo: number, hi: number, missing: number) =>
      rng() < missing ? NaN : lo + Math.floor(rng() * (hi - lo + 1));
    const data: RivalsData = {
      explicit: Float64Array.from({ length: n }, () => grid(-4, 5, 0.03)),
      logps: {
        chosen: Float64Array.from({ length: n }, () => grid(-12, -2, 0.02)),
        rejected: Float64Array.from({ length: n }, () => grid(-12, -4, 0.02)),
        refChosen: Float64Array.from({ length: n }, () => grid(-10, -5, 0)),
        refRejected: Float64Array.from({ length: n }, () => grid(-10, -5, 0)),
      },
    };
    const tops = [1, 7, 40, 150, 299, 300];
    const ratios = [0.01, 0.1, 0.37, 0.9, 0.99, 1];
    const betas = [0.1, 0, -0.5];
    const nulls = (xs: Float64Array) => Array.from(xs, (x) => (Number.isNaN(x) ? null : x));
    const script = `
import json, sys
import numpy as np
sys.path.insert(0, ${JSON.stringify(rivalsDir)})
from ref_rivals import bees_margins, bees_scores, bottom_ratio, difficulty_gaps, top_k
cols = {k: [float("nan") if v is None else v for v in vs] for k, vs in json.load(sys.stdin).items()}
m_im, m_ex = bees_margins(cols)
out = {}
for s in ("mul", "add"):
    score, _ = bees_scores(m_im, m_ex, s)
    for k in ${JSON.stringify(tops)}:
        out[f"{s}-{k}"] = sorted(int(i) for i in top_k(score, k, "stable"))
for b in ${JSON.stringify(betas)}:
    gaps = difficulty_gaps(cols, b, "float64")
    for r in ${JSON.stringify(ratios)}:
        out[f"difficulty-{b}-{r}"] = sorted(int(i) for i in bottom_ratio(gaps, r, "stable"))
json.dump(out, sys.stdout)
`;
    const ref =
      noOracle === null
        ? runNumpy<Record<string, number[]>>(script, {
            score_chosen: nulls(data.explicit),
            score_rejected: new Array<number>(n).fill(0),
            chosen_logps: nulls(data.logps.chosen),
            rejected_logps: nulls(data.logps.rejected),
            ref_chosen_logps: nulls(data.logps.refChosen),
            ref_rejected_logps: nulls(data.logps.refRejected),
          })
        : {};

    it("the data has 0/0 pairs, missing rows and equal keys across most selection boundaries", () => {
      // The k-th and (k+1)-th best scores are equal: the tie rule alone decides which rows are kept.
      const straddles = (score: Float64Array, k: number) => {
        const sorted = Float64Array.from(score).sort().reverse();
        return k < n && sorted[k - 1] === sorted[k];
      };
      const r = beesScores(data.explicit, data.logps, DEFAULT_BEES_OPTIONS);
      expect(r.zeroOverZero).toBeGreaterThan(1);
      expect(r.missingToZero).toBeGreaterThan(1);
      expect(tops.filter((k) => straddles(r.score, k)).length).toBeGreaterThanOrEqual(3);
      const gaps = difficultyScores(data.logps, 0.1);
      expect(ratios.filter((ratio) => straddles(gaps, Math.trunc(ratio * n))).length).toBeGreaterThanOrEqual(3);
    });

    it.each(
      tops.flatMap((k) => (["mul", "add"] as const).map((variant): [BeesOptions["variant"], number] => [variant, k])),
    )("bees %s, K = %i", (variant, topK) => {
      const { score } = beesScores(data.explicit, data.logps, { variant, nanRule: "released" });
      expect(keep(score, data, { ratio: 0, topK })).toEqual(ref[`${variant}-${topK}`]);
    });

    it.each(betas.flatMap((beta) => ratios.map((ratio): [number, number] => [beta, ratio])))(
      "difficulty β = %d, ratio %d",
      (beta, ratio) => {
        // JSON keeps 0 and 1 integers, so Python's f-string spells every key as JavaScript does.
        expect(keep(difficultyScores(data.logps, beta), data, { ratio })).toEqual(ref[`difficulty-${beta}-${ratio}`]);
      },
    );
  },
);
