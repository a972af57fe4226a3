/**
 * The per-record pass over a file: checks each record's mapped text fields and writes its explicit and implicit
 * margins into Float64 columns (NaN = missing).
 */
import type {
  CoercionCount,
  CoercionKind,
  ColumnMapping,
  ExplicitSource,
  ImplicitSource,
  MarginColumns,
  ParseProblem,
  RawRecord,
  RecordLocation,
  RecordVisitor,
} from "@/lib/dataset/types";
import { readField } from "@/lib/dataset/field-path";
import { PairError, readPair, readPreference } from "@/lib/dataset/pair";
import { pickOf, pickedMargin } from "@/lib/dataset/pair-plan";
import { dpoMarginFromLogRatios } from "@/lib/metrics/margin-formulas";
import { clampedLogit, isMissing, readNumber, readNumberList } from "@/lib/dataset/schema-values";

/** A margin for one record, or the field that held something other than a number. */
type MarginRead = { ok: true; value: number } | { ok: false; field: string; message: string };

export type { CoercionCount, CoercionKind } from "@/lib/dataset/types";

/** Called for each cell read with a coercion. */
export type CoercionNote = (field: string, kind: CoercionKind, raw: string) => void;

function num(record: RawRecord, field: string, note?: CoercionNote): MarginRead {
  const v = readField(record, field);
  const r = readNumber(v);
  if (r.ok && note && typeof v === "string")
    note(field, Number.isNaN(r.value) ? "missing marker written as text" : "number written as text", v);
  return r.ok ? r : { ok: false, field, message: r.message };
}

function difference(record: RawRecord, chosen: string, rejected: string, note?: CoercionNote): MarginRead {
  const c = num(record, chosen, note);
  if (!c.ok) return c;
  const r = num(record, rejected, note);
  if (!r.ok) return r;
  return { ok: true, value: c.value - r.value };
}

/** max − min of the finite scores; NaN when fewer than two are present. */
function scoreRange(record: RawRecord, field: string): MarginRead {
  const v = readField(record, field);
  if (isMissing(v)) return { ok: true, value: NaN };
  const list = readNumberList(v);
  if (!list.ok) return { ok: false, field, message: list.message };
  const finite = list.values.filter((x) => !Number.isNaN(x));
  if (finite.length < 2) return { ok: true, value: NaN };
  return { ok: true, value: Math.max(...finite) - Math.min(...finite) };
}

/** The explicit margin of one record. */
export function explicitMargin(
  record: RawRecord,
  source: ExplicitSource,
  mapping: ColumnMapping,
  note?: CoercionNote,
): MarginRead {
  switch (source.kind) {
    case "none":
      return { ok: true, value: NaN };
    case "column":
      return num(record, source.field, note);
    case "difference":
      return difference(record, source.chosen, source.rejected, note);
    case "score-range":
      return scoreRange(record, source.field);
    case "picked": {
      const r = pickedMargin(record, mapping);
      return r.ok ? r : { ok: false, ...r.fault };
    }
    case "judge-probability": {
      const p = readPreference(readField(record, source.field), source.field);
      if (!p.ok) return { ok: false, ...p.fault };
      if (Number.isNaN(p.value)) return { ok: true, value: NaN };
      // Which output was chosen: the attached pick, the orientation, or the label / preference rule.
      const o = pickOf(record, mapping);
      if (!o.ok) return { ok: false, ...o.fault };
      const pSecond = p.value - 1;
      // With a label, the judge may disagree with it; the negative margin is kept because it is informative.
      return { ok: true, value: clampedLogit(o.value.chosen === 1 ? pSecond : 1 - pSecond) };
    }
  }
}

/** The implicit margin of one record. */
export function implicitMargin(
  record: RawRecord,
  source: ImplicitSource,
  note?: CoercionNote,
  mapping?: ColumnMapping,
): MarginRead {
  switch (source.kind) {
    case "none":
      return { ok: true, value: NaN };
    case "column":
      return num(record, source.field, note);
    case "difference":
      return difference(record, source.chosen, source.rejected, note);
    case "dpo": {
      const policy = difference(record, source.chosen, source.rejected, note);
      if (!policy.ok) return policy;
      const ref = difference(record, source.refChosen, source.refRejected, note);
      if (!ref.ok) return ref;
      return { ok: true, value: dpoMarginFromLogRatios(policy.value, ref.value, source.beta) };
    }
    case "picked-logps":
      return pickedLogps(record, source, mapping);
  }
}

function pickedLogps(
  record: RawRecord,
  source: { logps: string; tokens?: string },
  mapping: ColumnMapping | undefined,
): MarginRead {
  if (!mapping) return { ok: false, field: source.logps, message: "a picked log-prob margin needs the mapping" };
  const pick = pickOf(record, mapping);
  if (!pick.ok) return { ok: false, ...pick.fault };
  const { chosen, rejected } = pick.value;
  const list = (field: string): { ok: true; values: number[] } | { ok: false; field: string; message: string } => {
    const v = readField(record, field);
    if (isMissing(v)) return { ok: true, values: [] };
    const r = readNumberList(v);
    return r.ok ? { ok: true, values: r.values } : { ok: false, field, message: r.message };
  };
  const lp = list(source.logps);
  if (!lp.ok) return lp;
  const at = (values: number[], i: number) => (i < values.length ? values[i] : NaN);
  if (!source.tokens) return { ok: true, value: at(lp.values, chosen) - at(lp.values, rejected) };
  const n = list(source.tokens);
  if (!n.ok) return n;
  // An empty response (0 tokens) has no mean log-prob: missing, not ±Infinity.
  const mean = (i: number) => (at(n.values, i) > 0 ? at(lp.values, i) / at(n.values, i) : NaN);
  return { ok: true, value: mean(chosen) - mean(rejected) };
}

function problem(file: string, where: RecordLocation, field: string, message: string): ParseProblem {
  return { file, row: where.row, line: where.line, field, message };
}

/**
 * A RecordVisitor that checks each record's mapped fields against the mapping and writes
 * `columns.explicit[row]` / `columns.implicit[row]` (NaN = missing). The columns must hold every row.
 */
export function createExtractor(
  mapping: ColumnMapping,
  fileName: string,
  columns: MarginColumns,
  note?: CoercionNote,
): RecordVisitor {
  return (record, where) => {
    if (where.row >= columns.explicit.length || where.row >= columns.implicit.length) {
      throw new RangeError(`margin columns hold ${columns.explicit.length} rows, row ${where.row} does not fit`);
    }
    let pair;
    try {
      pair = readPair(record, mapping);
    } catch (e) {
      // A mapping that names no field for a role: reported like a record problem so the scan stops cleanly.
      if (e instanceof PairError) return problem(fileName, where, e.fault.field, e.fault.message);
      throw e;
    }
    if (!pair.ok) return problem(fileName, where, pair.fault.field, pair.fault.message);
    const ex = explicitMargin(record, mapping.explicit, mapping, note);
    if (!ex.ok) return problem(fileName, where, ex.field, ex.message);
    const im = implicitMargin(record, mapping.implicit, note, mapping);
    if (!im.ok) return problem(fileName, where, im.field, im.message);
    columns.explicit[where.row] = ex.value;
    columns.implicit[where.row] = im.value;
  };
}

/** A {@link CoercionNote} that counts, and the list of what it counted (in first-seen order). */
export function createCoercionCounter(): { note: CoercionNote; counts(): CoercionCount[] } {
  const byKey = new Map<string, CoercionCount>();
  return {
    note(field, kind, raw) {
      const key = `${field}\u0000${kind}`;
      const hit = byKey.get(key);
      if (hit) hit.rows++;
      else byKey.set(key, { field, kind, rows: 1, example: raw.length > 20 ? `${raw.slice(0, 20)}…` : raw });
    },
    counts: () => [...byKey.values()],
  };
}

/** One line per coercion, e.g. `field "score": 3 rows hold a number written as text (e.g. "8.0"), read as a number`. */
export function describeCoercion(c: CoercionCount): string {
  const rows = `${c.rows} row${c.rows === 1 ? "" : "s"}`;
  switch (c.kind) {
    case "number written as text":
      return `field "${c.field}": ${rows} hold a number written as text (e.g. ${JSON.stringify(c.example)}), read as a number`;
    case "missing marker written as text":
      return `field "${c.field}": ${rows} hold a missing marker written as text (e.g. ${JSON.stringify(c.example)}), read as missing`;
    case "non-finite number written as a bare token":
      return `field "${c.field}": ${rows} hold a bare ${c.example} (Python's json.dumps, not JSON), read as missing`;
  }
}
