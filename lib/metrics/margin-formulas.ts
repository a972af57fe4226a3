/**
 * Every margin formula and default of the product, once: the CLI, the scoring engine, the dataset extractors and
 * the selection rules name these instead of re-deriving them.
 */

/** DPO's β: the released default of TRL's DPOTrainer, the paper's code and Qi et al.'s difficulty selector. */
export const DEFAULT_DPO_BETA = 0.1;

/** SimPO margin: mean token log-prob of chosen minus rejected (β and γ are the trainer's, not the margin's). */
export function simpoMargin(chosenMeanLogp: number, rejectedMeanLogp: number): number {
  return chosenMeanLogp - rejectedMeanLogp;
}

/** Sum margin: log π(chosen) − log π(rejected), summed over response tokens. */
export function sumMargin(chosenLogp: number, rejectedLogp: number): number {
  return chosenLogp - rejectedLogp;
}

/**
 * DPO implicit margin `β·[(log π_c − log ref_c) − (log π_r − log ref_r)]` from summed log-probs; NaN when any input
 * is missing.
 */
export function dpoMargin(
  chosenLogp: number,
  rejectedLogp: number,
  refChosenLogp: number,
  refRejectedLogp: number,
  beta: number,
): number {
  return beta * (chosenLogp - refChosenLogp - (rejectedLogp - refRejectedLogp));
}

/**
 * The same DPO margin from its two log-ratios, `β·(log π_c/π_r − log ref_c/ref_r)`: TRL's own grouping
 * (`pi_logratios - ref_logratios`), used where a file's columns are read as two differences. It can round
 * differently from {@link dpoMargin} in the last bit, so each caller keeps the grouping it has always had.
 */
export function dpoMarginFromLogRatios(policyLogRatio: number, referenceLogRatio: number, beta: number): number {
  return beta * (policyLogRatio - referenceLogRatio);
}

/** Explicit margin from two reward scores: r(chosen) − r(rejected). */
export function rewardMargin(scoreChosen: number, scoreRejected: number): number {
  return scoreChosen - scoreRejected;
}
