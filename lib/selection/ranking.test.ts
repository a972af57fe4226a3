import { describe, expect, it } from "vitest";
import { describeZeroVariance, metricUnavailable, rankingScores, scoreKey, zeroVarianceMargins } from "./ranking";
import { DEFAULT_RANKING } from "./spec";
import { createRng } from "@/lib/metrics/random";
import { moments } from "@/lib/metrics/stats";

const col = (xs: number[]) => Float64Array.from(xs);

describe("zeroVarianceMargins", () => {
  it.each<[string, number[], number[], "map" | "explicit" | "implicit", ("explicit" | "implicit")[]]>([
    ["constant explicit", [1, 1, 1], [0.1, -0.3, 0.2], "map", ["explicit"]],
    ["constant |implicit| (signs differ)", [1, 2, 3], [0.5, -0.5, 0.5], "map", ["implicit"]],
    ["both constant", [2, 2, 2], [1, 1, 1], "map", ["explicit", "implicit"]],
    ["varied", [1, 2, 3], [0.1, 0.2, 0.4], "map", []],
    // Over the rows M_AP uses (both margins): row 2 lacks an implicit margin, so only rows 0 and 1 count.
    ["constant over the rows with both margins", [1, 1, 9], [0.1, 0.2, NaN], "map", ["explicit"]],
    ["explicit metric ignores the implicit column", [1, 2, 3], [1, 1, 1], "explicit", []],
    ["implicit metric ignores the explicit column", [1, 1, 1], [1, 2, 3], "implicit", []],
    // Ranges too small for the quick test: the moments decide (squares of 1e-200 underflow to a std of 0; a
    // difference in the last bit of 0.3 leaves a std above 0).
    ["underflowing spread", [1e-200, 2e-200, 3e-200], [1, 2, 3], "explicit", ["explicit"]],
    ["last-bit spread", [0.1 + 0.2, 0.3, 0.3], [1, 2, 3], "map", []],
    ["large constant", [1e300, 1e300], [-1e300, 1e300], "map", ["explicit", "implicit"]],
  ])("%s", (_name, ex, im, metric, want) => {
    expect(zeroVarianceMargins({ explicit: col(ex), implicit: col(im) }, metric)).toEqual(want);
  });

  it("agrees with the moments of the counted rows on seeded columns of every spread", () => {
    const rng = createRng(3);
    for (const spread of [0, 1e-170, 1e-16, 1e-13, 1e-6, 1]) {
      const ex = Float64Array.from({ length: 500 }, () => 5 + spread * rng());
      const im = Float64Array.from({ length: 500 }, () => -2 - spread * rng());
      const want: ("explicit" | "implicit")[] = [];
      if (moments(ex).std === 0) want.push("explicit");
      if (moments(im.map(Math.abs)).std === 0) want.push("implicit");
      expect(zeroVarianceMargins({ explicit: ex, implicit: im }, "map")).toEqual(want);
    }
  });
});

describe("rankingScores' zero-variance note for the explicit and implicit metrics (from the z-scores' own std)", () => {
  it.each<[string, number[], number[]]>([
    ["constant", [2, 2, 2, NaN], [0.5, -0.5, 0.5, 1]],
    ["varied", [1, 2, 3, NaN], [0.1, -0.2, 0.4, NaN]],
    ["underflowing spread", [1e-200, 2e-200, 3e-200], [1e-200, -2e-200, 3e-200]],
    ["last-bit spread", [0.1 + 0.2, 0.3, 0.3], [-(0.1 + 0.2), 0.3, -0.3]],
    ["one row", [4, NaN], [NaN, -1]],
    ["no finite value", [NaN, Infinity], [-Infinity, NaN]],
  ])("%s: the note zeroVarianceMargins gives, and the count of scored rows", (_name, ex, im) => {
    const cols = { explicit: col(ex), implicit: col(im) };
    for (const metric of ["explicit", "implicit"] as const) {
      const { scores, notes, nonNaN } = rankingScores({ ...DEFAULT_RANKING, metric }, cols, null);
      const want = zeroVarianceMargins(cols, metric);
      expect(notes.zeroVariance ?? []).toEqual(want);
      const scored = Array.from(scores.score).filter((v) => !Number.isNaN(v)).length;
      expect([scores.valid, nonNaN]).toEqual([scored, scored]);
    }
  });

  it("agrees on seeded columns of every spread", () => {
    const rng = createRng(5);
    for (const spread of [0, 1e-170, 1e-16, 1e-13, 1e-6, 1]) {
      const cols = {
        explicit: Float64Array.from({ length: 400 }, () => (rng() < 0.05 ? NaN : 5 + spread * rng())),
        implicit: Float64Array.from({ length: 400 }, () => (rng() < 0.05 ? NaN : -2 - spread * rng())),
      };
      for (const metric of ["explicit", "implicit"] as const)
        expect(rankingScores({ ...DEFAULT_RANKING, metric }, cols, null).notes.zeroVariance ?? []).toEqual(
          zeroVarianceMargins(cols, metric),
        );
    }
  });
});

describe("describeZeroVariance", () => {
  it.each<[Parameters<typeof describeZeroVariance>[0], ("explicit" | "implicit")[] | undefined, string | null]>([
    ["map", undefined, null],
    ["map", [], null],
    ["map", ["explicit"], "z(m_ex) undefined (zero variance): taken as 0, so M_AP ranks by −w·z(|m_im|) alone"],
    ["map", ["implicit"], "z(|m_im|) undefined (zero variance): taken as 0, so M_AP ranks by z(m_ex) alone"],
    [
      "map",
      ["explicit", "implicit"],
      "z(m_ex) and z(|m_im|) undefined (zero variance): taken as 0, so M_AP is 0 for every row; ties keep the higher row index",
    ],
    [
      "explicit",
      ["explicit"],
      "z(m_ex) undefined (zero variance): taken as 0, so every scored row ties; ties keep the higher row index",
    ],
  ])("%s %j", (metric, margins, want) => {
    expect(describeZeroVariance(metric, margins)).toBe(want);
  });
});

describe("rankingScores notes", () => {
  it("reports a zero-variance explicit margin for M_AP, and none for random", () => {
    const cols = { explicit: col([3, 3, 3, 3]), implicit: col([0.1, -0.4, 0.2, 0.3]) };
    expect(rankingScores({ ...DEFAULT_RANKING }, cols, null).notes.zeroVariance).toEqual(["explicit"]);
    expect(rankingScores({ ...DEFAULT_RANKING, metric: "random" }, cols, null).notes.zeroVariance).toBeUndefined();
  });
  it("refuses a rival rule without log-prob columns, naming them", () => {
    const cols = { explicit: col([1, 2]), implicit: col([0.1, 0.2]) };
    expect(() => rankingScores({ ...DEFAULT_RANKING, metric: "bees" }, cols, null)).toThrow(/chosen_logps/);
    expect(metricUnavailable("map", false)).toBeNull();
  });
  it("score keys change with what changes the scores only", () => {
    expect(scoreKey({ ...DEFAULT_RANKING, ratio: 0.1 })).toBe(scoreKey(DEFAULT_RANKING));
    expect(scoreKey({ ...DEFAULT_RANKING, weight: 2.5 })).not.toBe(scoreKey(DEFAULT_RANKING));
    expect(scoreKey({ ...DEFAULT_RANKING, metric: "bees", beesNan: "lowest" })).not.toBe(
      scoreKey({ ...DEFAULT_RANKING, metric: "bees" }),
    );
  });
});
