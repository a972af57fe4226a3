/**
 * The four summed log-prob columns the rival selection rules need (BeeS, difficulty: lib/metrics/rivals.ts):
 * which fields of a file hold them, and a per-record pass that reads them into Float64 columns (NaN = missing).
 */
import type { ColumnMapping, ParseProblem, RawRecord, RecordLocation, RecordVisitor } from "@/lib/dataset/types";
import { readNumber } from "@/lib/dataset/schema-values";
import type { LogprobColumns } from "@/lib/metrics/rivals";

/** Field names of policy and reference log-probs, each summed over the response tokens. */
export interface LogprobFields {
  chosen: string;
  rejected: string;
  refChosen: string;
  refRejected: string;
}

/** The names TRL's DPO trainer and the rival rules' reference files use for the four sums. */
export const CONVENTIONAL_LOGPROB_FIELDS: LogprobFields = {
  chosen: "chosen_logps",
  rejected: "rejected_logps",
  refChosen: "ref_chosen_logps",
  refRejected: "ref_rejected_logps",
};

const KEYS = ["chosen", "rejected", "refChosen", "refRejected"] as const;

/**
 * The mapping's own DPO fields when its implicit margin is DPO, else the conventional names when all four are
 * among `fields`; null when the file has no such columns.
 */
export function logprobFields(mapping: ColumnMapping, fields: string[]): LogprobFields | null {
  const { implicit } = mapping;
  if (implicit.kind === "dpo") {
    return {
      chosen: implicit.chosen,
      rejected: implicit.rejected,
      refChosen: implicit.refChosen,
      refRejected: implicit.refRejected,
    };
  }
  const present = new Set(fields);
  return KEYS.every((key) => present.has(CONVENTIONAL_LOGPROB_FIELDS[key])) ? { ...CONVENTIONAL_LOGPROB_FIELDS } : null;
}

/** New columns for `rows` records, every cell missing until a scan fills it. */
export function createLogprobColumns(rows: number): LogprobColumns {
  const column = () => new Float64Array(rows).fill(NaN);
  return { chosen: column(), rejected: column(), refChosen: column(), refRejected: column() };
}

function problem(file: string, where: RecordLocation, field: string, message: string): ParseProblem {
  return { file, row: where.row, line: where.line, field, message };
}

/**
 * A RecordVisitor, like `createExtractor` in schema-extract.ts, that writes the four log-probs of each record into
 * `columns[key][row]` (missing / null = NaN) and returns a problem (file, line, field) for a non-numeric value.
 * The columns must hold every row; the record's text fields are left to `createExtractor`.
 */
export function createLogprobExtractor(
  fields: LogprobFields,
  fileName: string,
  columns: LogprobColumns,
): RecordVisitor {
  // One scratch row for every record (a typed array per record was a measurable share of a 10^6-row scan's GC).
  const values = new Float64Array(KEYS.length);
  return (record: RawRecord, where) => {
    for (const key of KEYS) {
      if (where.row >= columns[key].length) {
        throw new RangeError(`log-prob columns hold ${columns[key].length} rows, row ${where.row} does not fit`);
      }
    }
    // All four are read before any is written, so a record with a bad cell leaves its row untouched.
    for (let k = 0; k < KEYS.length; k++) {
      const field = fields[KEYS[k]];
      const read = readNumber(record[field]);
      if (!read.ok) return problem(fileName, where, field, read.message);
      values[k] = read.value;
    }
    for (let k = 0; k < KEYS.length; k++) columns[KEYS[k]][where.row] = values[k];
  };
}
