/**
 * Which output (and which label of it) of a reward-model graph is the reward: the choices a graph offers, the
 * default, and the `NAME[:INDEX]` text the CLI flag and stored-results keys use. Pure; shared by the scorer, the
 * worker, the CLI and the Scoring panel.
 */

/** An output of a graph as ModelInfo lists it: its name and declared dims (numbers or symbolic names). */
export interface RewardGraphOutput {
  name: string;
  dims: (number | string)[];
}

/** The reward: output `name`, label `index` of its last axis. */
export interface RewardOutputChoice {
  name: string;
  index: number;
}

/** One selectable reward (an output and a label), with the text the UI shows. */
export interface RewardOutputOption extends RewardOutputChoice {
  label: string;
}

/**
 * The output used when the user picks none: `logits` (transformers' `*ForSequenceClassification`, what Optimum
 * names it), else `score` (ArmoRM and other custom heads name the preference score so), else the first output.
 * Label 0, as TRL's RewardTrainer (num_labels = 1) reads it.
 */
export function defaultRewardOutput(outputNames: readonly string[]): RewardOutputChoice {
  const name = outputNames.includes("logits") ? "logits" : outputNames.includes("score") ? "score" : outputNames[0];
  return { name: name ?? "logits", index: 0 };
}

/**
 * Labels of an output: its last declared dim when that is a number and the output has a label axis (rank >= 2),
 * else 1 (a [batch] output, or an unknown width).
 */
export function outputLabelCount(dims: readonly (number | string)[]): number {
  const last = dims[dims.length - 1];
  return dims.length >= 2 && typeof last === "number" && last > 0 ? last : 1;
}

/**
 * Every reward a graph offers, in output order: one per label of each output (`present.*` cache outputs left out).
 * `labels` names a label (config.json's id2label, for the `logits` output).
 */
export function rewardOutputOptions(
  outputs: readonly RewardGraphOutput[],
  labels: Readonly<Record<string, string>> = {},
): RewardOutputOption[] {
  return outputs
    .filter((o) => !o.name.startsWith("present"))
    .flatMap((o) => {
      const n = outputLabelCount(o.dims);
      return Array.from({ length: n }, (_, index) => {
        const named = o.name === "logits" ? labels[String(index)] : undefined;
        const label = n === 1 ? o.name : `${o.name}[${index}]${named ? ` ${named}` : ""}`;
        return { name: o.name, index, label };
      });
    });
}

/** `name:index`, the flag's and the select's value. */
export function formatRewardOutput(c: RewardOutputChoice): string {
  return `${c.name}:${c.index}`;
}

/** Parses `NAME` or `NAME:INDEX` (`--reward-output`); throws with what was expected. */
export function parseRewardOutput(text: string): RewardOutputChoice {
  const m = /^([^:\s]+)(?::(\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`expected NAME or NAME:INDEX (e.g. score or rewards:3), got "${text}"`);
  return { name: m[1], index: m[2] === undefined ? 0 : Number(m[2]) };
}

/** Whether `c` is the output a graph with these outputs uses by default (then it adds nothing to result keys). */
export function isDefaultRewardOutput(c: RewardOutputChoice, outputNames: readonly string[]): boolean {
  const d = defaultRewardOutput(outputNames);
  return c.name === d.name && c.index === d.index;
}
