/**
 * A first draft of a hand mapping for a file detection refused, from its described fields: the user edits it in the
 * "Columns" panel, so it only has to be a sensible start (two response-like text fields, a prompt, and an
 * orientation from vote, label or score fields when their names say so). Nothing here is applied without the user.
 */
import type { ColumnMapping, Orientation } from "@/lib/dataset/types";

/** The field lists the draft is made from (`FieldKinds` of `describeFields`). */
export interface DraftFields {
  text: string[];
  numeric: string[];
  all: string[];
}

const RESPONSE_NAME = /(response|output|completion|answer|generation)[ _-]?(a|b|[0-9])$/i;
const PROMPT_NAME = /^(prompt|instruction|input|question|query|context|system)$/i;
const VOTE_NAME = /(annotator|vote|judge|rater)[ _-]?[0-9]+$/i;
const LABEL_NAME = /(label|winner|preference|better|choice)/i;

/** Values that usually name the first / second response or a tie in vote and label fields. */
export const DEFAULT_A_VALUES = ["1", "a", "A", "model_a", "response_a"];
export const DEFAULT_B_VALUES = ["2", "b", "B", "model_b", "response_b"];
export const DEFAULT_TIE_VALUES = ["0", "tie", "tie (bothbad)", "equal"];

/** Annotator vote fields (`annotator1`, `annotator_2`, `vote3`, …) among `fields`, in order. */
export function voteFields(fields: string[]): string[] {
  return fields.filter((f) => VOTE_NAME.test(f));
}

/** A draft pairwise mapping: responses, prompt fields and an orientation guessed from field names. */
export function draftMapping(fields: DraftFields): ColumnMapping {
  const responses = fields.text.filter((f) => RESPONSE_NAME.test(f));
  const [outputA, outputB] =
    responses.length >= 2 ? responses : fields.text.filter((f) => !PROMPT_NAME.test(f)).slice(-2);
  const prompts = fields.text.filter((f) => PROMPT_NAME.test(f) && f !== outputA && f !== outputB);
  const votes = voteFields(fields.all);
  const label = fields.all.find((f) => LABEL_NAME.test(f) && f !== outputA && f !== outputB);
  let orientation: Orientation | undefined;
  if (votes.length > 0) {
    orientation = { kind: "votes", fields: votes, a: ["1"], b: ["2"], tie: ["0"] };
  } else if (label) {
    orientation = { kind: "label", field: label, a: DEFAULT_A_VALUES, b: DEFAULT_B_VALUES, tie: DEFAULT_TIE_VALUES };
  }
  const mapping: ColumnMapping = {
    schema: "pairwise",
    outputA,
    outputB,
    explicit: { kind: "none" },
    implicit: { kind: "none" },
  };
  if (prompts.length === 1) mapping.prompt = prompts[0];
  if (prompts.length > 1) {
    mapping.promptFields = prompts;
    mapping.promptSeparator = "\n\n";
  }
  if (orientation) {
    mapping.orientation = orientation;
    if (orientation.kind === "votes") mapping.explicit = { kind: "picked" };
  }
  return mapping;
}
