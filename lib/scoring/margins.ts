/**
 * Implicit-reward margins of an engine's `PairScore`s: SimPO's length-normalised margin, the raw sum margin, and
 * DPO's reference-relative margin. The formulas are lib/metrics/margin-formulas.ts's; this only picks the fields.
 */
import * as formulas from "@/lib/metrics/margin-formulas";
import type { PairScore } from "./engine";

/** SimPO margin: mean log-prob of chosen minus mean log-prob of rejected (beta and gamma applied by the caller). */
export function simpoMargin(p: PairScore): number {
  return formulas.simpoMargin(p.chosen.meanLogp, p.rejected.meanLogp);
}

/** Sum-based margin: log pi(chosen) - log pi(rejected). */
export function sumMargin(p: PairScore): number {
  return formulas.sumMargin(p.chosen.sumLogp, p.rejected.sumLogp);
}

/** DPO implicit margin: beta * [(log pi_c - log ref_c) - (log pi_r - log ref_r)] from summed log-probs. */
export function dpoMargin(policy: PairScore, reference: PairScore, beta: number): number {
  return formulas.dpoMargin(
    policy.chosen.sumLogp,
    policy.rejected.sumLogp,
    reference.chosen.sumLogp,
    reference.rejected.sumLogp,
    beta,
  );
}
