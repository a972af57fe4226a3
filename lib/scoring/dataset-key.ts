/** The key stored scoring results are filed under for one dataset: its bytes and how its rows become pairs. */
import type { ColumnMapping } from "@/lib/dataset/types";

/** The mapping fields that decide how a row becomes a pair (margin fields do not change what is scored). */
export function pairMappingKey(m: ColumnMapping): string {
  const { schema, prompt, chosen, rejected, outputA, outputB, label, preference, responses, scores } = m;
  const { promptFields, promptSeparator, orientation, scoreFields, binarize, scoreOrder } = m;
  // The fields added for hand mappings join the key only when set, so keys of earlier stored results stay valid.
  const extra = Object.fromEntries(
    Object.entries({ promptFields, promptSeparator, orientation, scoreFields, binarize, scoreOrder }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  return JSON.stringify({
    schema,
    prompt,
    chosen,
    rejected,
    outputA,
    outputB,
    label,
    preference,
    responses,
    scores,
    ...extra,
  });
}

/** `sha256:mappingKey`: a changed byte or a changed pair mapping gives another key (margin fields don't count). */
export function scoringDatasetKey(sha256: string, mapping: ColumnMapping): string {
  return `${sha256}:${pairMappingKey(mapping)}`;
}
