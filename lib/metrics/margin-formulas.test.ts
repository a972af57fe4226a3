import { describe, expect, it } from "vitest";
import {
  DEFAULT_DPO_BETA,
  dpoMargin,
  dpoMarginFromLogRatios,
  rewardMargin,
  simpoMargin,
  sumMargin,
} from "@/lib/metrics/margin-formulas";

describe("margin formulas", () => {
  it("uses TRL's DPO β by default", () => {
    expect(DEFAULT_DPO_BETA).toBe(0.1);
  });

  it.each([
    { name: "SimPO: mean log-probs, chosen − rejected", got: () => simpoMargin(-0.5, -1.25), want: 0.75 },
    { name: "SimPO: a rejected response the policy prefers", got: () => simpoMargin(-2, -0.5), want: -1.5 },
    { name: "sum: summed log-probs, chosen − rejected", got: () => sumMargin(-10, -20), want: 10 },
    { name: "reward: r(chosen) − r(rejected)", got: () => rewardMargin(7, 4.5), want: 2.5 },
    // (−10 − −12) − (−20 − −15) = 2 − (−5) = 7, then β·7 in double precision.
    {
      name: "DPO: β·[(π_c − ref_c) − (π_r − ref_r)]",
      got: () => dpoMargin(-10, -20, -12, -15, 0.1),
      want: 0.7000000000000001,
    },
    { name: "DPO: β scales the gap", got: () => dpoMargin(-10, -20, -12, -15, 0.5), want: 3.5 },
    { name: "DPO: a policy equal to its reference has no margin", got: () => dpoMargin(-3, -4, -3, -4, 0.1), want: 0 },
    {
      name: "DPO from log-ratios: β·(2 − (−5))",
      got: () => dpoMarginFromLogRatios(2, -5, 0.1),
      want: 0.7000000000000001,
    },
    { name: "a missing log-prob gives NaN", got: () => dpoMargin(-10, NaN, -12, -15, 0.1), want: NaN },
    { name: "a missing score gives NaN", got: () => rewardMargin(NaN, 1), want: NaN },
  ])("$name", ({ got, want }) => {
    expect(got()).toBe(want);
  });

  it("keeps each DPO grouping's rounding (the two forms differ in the last bit here)", () => {
    // In doubles (π_c − ref_c) − (π_r − ref_r) is 1.1999999999999997 − 11.4,
    // while (π_c − π_r) − (ref_c − ref_r) is 0 − 10.2.
    expect(dpoMargin(-1.1, -1.1, -2.3, -12.5, 1)).toBe(-10.200000000000001);
    expect(dpoMarginFromLogRatios(sumMargin(-1.1, -1.1), sumMargin(-2.3, -12.5), 1)).toBe(-10.2);
  });
});
