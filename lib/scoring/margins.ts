/**
 * Implicit-reward margins from response log-probs: SimPO's length-normalised margin, the raw sum margin, and
 * DPO's reference-relative margin.
 */
import type { PairScore } from "./engine";

/** SimPO margin: mean log-prob of chosen minus mean log-prob of rejected (beta and gamma applied by the caller). */
export function simpoMargin(p: PairScore): number {
  return p.chosen.meanLogp - p.rejected.meanLogp;
}

/** Sum-based margin: log pi(chosen) - log pi(rejected). */
export function sumMargin(p: PairScore): number {
  return p.chosen.sumLogp - p.rejected.sumLogp;
}

/** DPO implicit margin: beta * [(log pi_c - log ref_c) - (log pi_r - log ref_r)] from summed log-probs. */
export function dpoMargin(policy: PairScore, reference: PairScore, beta: number): number {
  return (
    beta * (policy.chosen.sumLogp - reference.chosen.sumLogp - (policy.rejected.sumLogp - reference.rejected.sumLogp))
  );
}
