/**
 * Which responses of a record form its pair(s): the orientation of a pairwise record (a label, a probability, two
 * scores, a signed strength or annotator votes), and the binarization of a multi-response record (best vs worst,
 * best vs a seeded random lower one, or every adjacent pair in score order). A record whose orientation is a tie,
 * has no majority or is missing is excluded with its reason, never guessed. Pure; `pair.ts` reads the texts.
 */
import type { ColumnMapping, ExclusionReason, Orientation, PairPick, RawRecord } from "@/lib/dataset/types";
import { PAIR_PICK } from "@/lib/dataset/types";
import { readField } from "@/lib/dataset/field-path";
import {
  asList,
  clampedLogit,
  describeValue,
  isMissing,
  readNumber,
  readNumberList,
  readScore,
  readScoreList,
} from "@/lib/dataset/schema-values";
import { stringifyJson } from "@/lib/export/typed-values";
import { createRng } from "@/lib/metrics/random";

/** A record that does not fit its mapping: the field and what was expected there. */
export interface PairFault {
  field: string;
  message: string;
}

/** A value read from a record, or the field at fault. */
export type Read<T> = { ok: true; value: T } | { ok: false; fault: PairFault };

/** The pairs one record yields, why it yields none, or why it does not fit the mapping. */
export type RecordPlan =
  /** One or more pairs from this record (several only for `adjacent`). */
  | { ok: true; picks: PairPick[] }
  /** No pair: a tie, no majority, no orientation, or fewer than two scored responses. */
  | { ok: true; excluded: ExclusionReason }
  /** The record does not fit the mapping (field + message). */
  | { ok: false; fault: PairFault };

const fail = (field: string, message: string): { ok: false; fault: PairFault } => ({
  ok: false,
  fault: { field, message },
});

type Side = 0 | 1;
type Verdict = { side: Side } | { excluded: ExclusionReason };

/** What an orientation field said about one record, and the explicit margin that goes with each choice. */
interface Judgement {
  verdict: Verdict;
  /** The "picked" margin when output `chosen` is the chosen one (NaN for a label). */
  margin(chosen: Side): number;
}

const NO_ORIENTATION: Judgement = { verdict: { excluded: "no orientation" }, margin: () => NaN };
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

// A label or vote as text: strings trimmed, numbers and booleans as written (JSON 1 and CSV "1" read alike).
function cellText(value: unknown): string | null {
  if (typeof value === "string") return value.trim();
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  return null;
}

// "1" matches a label value "1", and so does "1.0" (pandas writes integer columns with gaps as floats).
function sameLabel(text: string, value: string): boolean {
  const v = value.trim();
  if (text === v) return true;
  return DECIMAL.test(text) && DECIMAL.test(v) && Number(text) === Number(v);
}

type Vote = "a" | "b" | "tie";

function classify(
  value: unknown,
  field: string,
  lists: { a: string[]; b: string[]; tie: string[] },
  what: string,
): Read<Vote | null> {
  if (isMissing(value)) return { ok: true, value: null };
  const text = cellText(value);
  const shown = (["a", "b", "tie"] as const)
    .filter((k) => lists[k].length > 0)
    .map(
      (k) =>
        `${lists[k].map((x) => JSON.stringify(x)).join("/")} (${k === "tie" ? "tie" : `output ${k.toUpperCase()}`})`,
    )
    .join(", ");
  if (text === null) return fail(field, `expected a ${what}: ${shown}; got ${describeValue(value)}`);
  for (const k of ["a", "b", "tie"] as const)
    if (lists[k].some((x) => sameLabel(text, x))) return { ok: true, value: k };
  return fail(field, `expected a ${what}: ${shown}; got ${JSON.stringify(text)}`);
}

function number(record: RawRecord, field: string, read = readNumber): Read<number> {
  const r = read(readField(record, field));
  return r.ok ? { ok: true, value: r.value } : fail(field, r.message);
}

/** Reads what `o` says about one record. */
function judge(record: RawRecord, o: Orientation): Read<Judgement> {
  switch (o.kind) {
    case "label": {
      const r = classify(readField(record, o.field), o.field, o, "label");
      if (!r.ok) return r;
      if (r.value === null) return { ok: true, value: NO_ORIENTATION };
      const verdict: Verdict = r.value === "tie" ? { excluded: "tie" } : { side: r.value === "a" ? 0 : 1 };
      return { ok: true, value: { verdict, margin: () => NaN } };
    }
    case "probability": {
      const r = number(record, o.field);
      if (!r.ok) return r;
      if (Number.isNaN(r.value)) return { ok: true, value: NO_ORIENTATION };
      const [lo, hi] = o.scale === "unit" ? [0, 1] : [1, 2];
      if (r.value < lo || r.value > hi) {
        return fail(o.field, `expected a probability in [${lo}, ${hi}] (or null for missing), got ${r.value}`);
      }
      const pB = r.value - lo;
      const verdict: Verdict = pB === 0.5 ? { excluded: "tie" } : { side: pB > 0.5 ? 1 : 0 };
      return { ok: true, value: { verdict, margin: (c) => clampedLogit(c === 1 ? pB : 1 - pB) } };
    }
    case "scores": {
      const a = number(record, o.a, readScore);
      if (!a.ok) return a;
      const b = number(record, o.b, readScore);
      if (!b.ok) return b;
      if (Number.isNaN(a.value) || Number.isNaN(b.value)) return { ok: true, value: NO_ORIENTATION };
      const verdict: Verdict = a.value === b.value ? { excluded: "tie" } : { side: b.value > a.value ? 1 : 0 };
      const s = [a.value, b.value];
      return { ok: true, value: { verdict, margin: (c) => s[c] - s[1 - c] } };
    }
    case "strength": {
      const r = number(record, o.field);
      if (!r.ok) return r;
      if (Number.isNaN(r.value)) return { ok: true, value: NO_ORIENTATION };
      const verdict: Verdict = r.value === 0 ? { excluded: "tie" } : { side: r.value > 0 ? 1 : 0 };
      return { ok: true, value: { verdict, margin: () => Math.abs(r.value) } };
    }
    case "votes": {
      const counts = { a: 0, b: 0, tie: 0 };
      for (const field of o.fields) {
        const r = classify(readField(record, field), field, o, "vote");
        if (!r.ok) return r;
        if (r.value !== null) counts[r.value]++;
      }
      const total = counts.a + counts.b + counts.tie;
      if (total === 0) return { ok: true, value: NO_ORIENTATION };
      const top = Math.max(counts.a, counts.b, counts.tie);
      const leaders = (["a", "b", "tie"] as const).filter((k) => counts[k] === top);
      const verdict: Verdict =
        leaders.length > 1
          ? { excluded: "no majority" }
          : leaders[0] === "tie"
            ? { excluded: "tie" }
            : { side: leaders[0] === "a" ? 0 : 1 };
      const bySide = [counts.a, counts.b];
      return { ok: true, value: { verdict, margin: (c) => bySide[c] - bySide[1 - c] } };
    }
  }
}

/** The field an orientation is read from, for messages. */
function orientationField(o: Orientation): string {
  switch (o.kind) {
    case "scores":
      return o.a;
    case "votes":
      return o.fields[0] ?? "votes";
    default:
      return o.field;
  }
}

/** Reads a judge preference in [1, 2] (NaN when missing). */
export function readPreference(value: unknown, field: string): Read<number> {
  const r = readNumber(value);
  if (!r.ok) return fail(field, r.message);
  if (!Number.isNaN(r.value) && (r.value < 1 || r.value > 2)) {
    return fail(field, `expected a judge preference in [1, 2] (or null for missing), got ${describeValue(value)}`);
  }
  return { ok: true, value: r.value };
}

/**
 * Which output of a pairwise record is chosen without an `orientation`: by `label` (1|2) when present, else by
 * `preference` (> 1.5 → 2). Never excludes: an exact tie (1.5) or an unjudged row keeps output 1 as chosen.
 */
export function pairwiseOrientation(record: RawRecord, mapping: ColumnMapping): Read<{ chosenIsB: boolean }> {
  if (mapping.label) {
    const v = readField(record, mapping.label);
    if (!isMissing(v)) {
      const r = readNumber(v);
      if (!r.ok || (r.value !== 1 && r.value !== 2)) {
        return fail(mapping.label, `expected a label 1 or 2 (or null for missing), got ${describeValue(v)}`);
      }
      return { ok: true, value: { chosenIsB: r.value === 2 } };
    }
  }
  if (mapping.preference) {
    const r = readPreference(readField(record, mapping.preference), mapping.preference);
    if (!r.ok) return r;
    // The margin says how sure an exact tie is; the pair keeps output 1 as chosen.
    if (!Number.isNaN(r.value)) return { ok: true, value: { chosenIsB: r.value > 1.5 } };
  }
  return { ok: true, value: { chosenIsB: false } };
}

/** Chosen (first maximum) and rejected (first minimum other than the chosen index) of a score list; NaN = unscored. */
export function multiChoice(scores: number[]): PairPick | null {
  let chosen = -1;
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isNaN(scores[i]) && (chosen < 0 || scores[i] > scores[chosen])) chosen = i;
  }
  let rejected = -1;
  for (let i = 0; i < scores.length; i++) {
    // All-equal scores would otherwise pick the same response twice.
    if (i !== chosen && !Number.isNaN(scores[i]) && (rejected < 0 || scores[i] < scores[rejected])) rejected = i;
  }
  return chosen < 0 || rejected < 0 ? null : { chosen, rejected };
}

function requiredField(mapping: ColumnMapping, key: "responses" | "scores"): Read<string> {
  const field = mapping[key];
  return field ? { ok: true, value: field } : fail(key, `the ${mapping.schema} mapping names no ${key} field`);
}

/** The response list of a multi record. */
export function responseList(record: RawRecord, mapping: ColumnMapping): Read<unknown[]> {
  const field = requiredField(mapping, "responses");
  if (!field.ok) return field;
  const v = readField(record, field.value);
  const list = asList(v);
  return list ? { ok: true, value: list } : fail(field.value, `expected a list of responses, got ${describeValue(v)}`);
}

/** The field named in messages about a multi record's scores. */
function scoreField(mapping: ColumnMapping): string {
  return mapping.scoreFields?.[0] ?? mapping.scores ?? "scores";
}

/**
 * One score per response (NaN = unscored): the mean of the `scoreFields` lists where set (a list that is absent
 * counts as unrated; "N/A" entries are missing; a response with every aspect missing is unscored), else the
 * `scores` list. Each list must hold one entry per response.
 */
export function responseScores(record: RawRecord, mapping: ColumnMapping, count: number): Read<number[]> {
  const lists: number[][] = [];
  if (mapping.scoreFields && mapping.scoreFields.length > 0) {
    for (const field of mapping.scoreFields) {
      const v = readField(record, field);
      if (isMissing(v)) continue;
      const r = readScoreList(v);
      if (!r.ok) return fail(field, r.message);
      if (r.values.length !== count) {
        return fail(field, `expected ${count} scores (one per response), got ${r.values.length}`);
      }
      lists.push(r.values);
    }
    const means = Array.from({ length: count }, (_, i) => {
      const present = lists.map((l) => l[i]).filter((x) => !Number.isNaN(x));
      return present.length === 0 ? NaN : present.reduce((s, x) => s + x, 0) / present.length;
    });
    return { ok: true, value: means };
  }
  const field = requiredField(mapping, "scores");
  if (!field.ok) return field;
  const r = readNumberList(readField(record, field.value));
  if (!r.ok) return fail(field.value, r.message);
  if (r.values.length !== count) {
    return fail(field.value, `expected ${count} scores (one per response), got ${r.values.length}`);
  }
  return { ok: true, value: r.values };
}

// Scores turned so that higher is better (ranks negated), the only order the rules below know.
function orderedScores(record: RawRecord, mapping: ColumnMapping): Read<number[]> {
  const list = responseList(record, mapping);
  if (!list.ok) return list;
  const scores = responseScores(record, mapping, list.value.length);
  if (!scores.ok || mapping.scoreOrder !== "lower-better") return scores;
  return { ok: true, value: scores.value.map((s) => -s) };
}

// murmur3's 32-bit finaliser: spreads nearby inputs (record 7, record 8) over unrelated states.
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The uniform [0, 1) draw of record `recordIndex` under `seed`: the first value of the xoshiro128** stream
 * (`createRng`, lib/metrics/random.ts) seeded with fmix32(fmix32(seed mod 2³²) ⊕ recordIndex). Each record draws
 * on its own, so a record's pick does not depend on which other records were read, or in which order. It does not
 * reproduce Python's `random.choice`, so a published binarization is matched in rule, not draw by draw.
 */
export function recordDraw(seed: number, recordIndex: number): number {
  const s = fmix32((seed % 0x100000000) >>> 0);
  return createRng(fmix32(s ^ (recordIndex >>> 0)))();
}

/** `texts`: the responses as compared for "identical responses" (JSON text of non-string responses). */
function planScored(
  scores: number[],
  mapping: ColumnMapping,
  recordIndex: number,
  texts: string[] | null = null,
): RecordPlan {
  const scored = scores.flatMap((s, i) => (Number.isNaN(s) ? [] : [i]));
  if (scored.length < 2) return { ok: true, excluded: "fewer than two responses" };
  const rule = mapping.binarize ?? { rule: "best-worst" };
  switch (rule.rule) {
    case "best-worst": {
      const pick = multiChoice(scores);
      if (!pick) return { ok: true, excluded: "fewer than two responses" };
      if (rule.strict) {
        if (scores[pick.chosen] === scores[pick.rejected]) return { ok: true, excluded: "tie" };
        if (texts && texts[pick.chosen] === texts[pick.rejected]) return { ok: true, excluded: "identical responses" };
      }
      return { ok: true, picks: [pick] };
    }
    case "best-random-lower": {
      const chosen = multiChoice(scores)?.chosen ?? scored[0];
      const pool = scored.filter((i) => i !== chosen && (rule.among === "others" || scores[i] < scores[chosen]));
      if (pool.length === 0) return { ok: true, excluded: "tie" };
      const rejected = pool[Math.floor(recordDraw(rule.seed, recordIndex) * pool.length)];
      return { ok: true, picks: [{ chosen, rejected }] };
    }
    case "adjacent": {
      // Array.prototype.sort is stable: equal scores keep their list order.
      const order = [...scored].sort((i, j) => scores[j] - scores[i]);
      const picks: PairPick[] = [];
      for (let k = 0; k + 1 < order.length; k++) {
        if (scores[order[k]] > scores[order[k + 1]]) picks.push({ chosen: order[k], rejected: order[k + 1] });
      }
      return picks.length > 0 ? { ok: true, picks } : { ok: true, excluded: "tie" };
    }
  }
}

/**
 * True when the mapping may exclude records or yield several pairs per record (then the session plans rows):
 * a pairwise `orientation`, or a multi `binarize` other than plain best-worst (strict best-worst excludes). A mapping without these behaves as before:
 * one pair per record, no exclusions.
 */
export function needsPlan(mapping: ColumnMapping): boolean {
  if (mapping.schema === "pairwise") return mapping.orientation !== undefined;
  if (mapping.schema === "multi") {
    const b = mapping.binarize;
    return b !== undefined && (b.rule !== "best-worst" || b.strict === true);
  }
  return false;
}

/**
 * The pairs one record yields; `recordIndex` (0-based, in the file) seeds best-random-lower. Pairwise picks name
 * output A (0) or B (1); multi picks index the response list. Other schemas hold one pair as they are:
 * `{ chosen: 0, rejected: 1 }` (their own chosen and rejected).
 */
export function planRecord(record: RawRecord, mapping: ColumnMapping, recordIndex: number): RecordPlan {
  if (mapping.schema === "pairwise") {
    if (mapping.orientation) {
      const j = judge(record, mapping.orientation);
      if (!j.ok) return j;
      const v = j.value.verdict;
      if ("excluded" in v) return { ok: true, excluded: v.excluded };
      return { ok: true, picks: [{ chosen: v.side, rejected: 1 - v.side }] };
    }
    const o = pairwiseOrientation(record, mapping);
    if (!o.ok) return o;
    return { ok: true, picks: [o.value.chosenIsB ? { chosen: 1, rejected: 0 } : { chosen: 0, rejected: 1 }] };
  }
  if (mapping.schema === "multi") {
    const scores = orderedScores(record, mapping);
    if (!scores.ok) return scores;
    let texts: string[] | null = null;
    if (mapping.binarize?.rule === "best-worst" && mapping.binarize.strict) {
      const list = responseList(record, mapping);
      if (!list.ok) return list;
      texts = list.value.map((r) => (typeof r === "string" ? r : stringifyJson(r))); // BigInts as exact digits
    }
    return planScored(scores.value, mapping, recordIndex, texts);
  }
  return { ok: true, picks: [{ chosen: 0, rejected: 1 }] };
}

function attachedPick(record: RawRecord): PairPick | undefined {
  const v = (record as { [PAIR_PICK]?: unknown })[PAIR_PICK];
  if (!v || typeof v !== "object") return undefined;
  const p = v as PairPick;
  return Number.isInteger(p.chosen) && Number.isInteger(p.rejected) ? p : undefined;
}

/**
 * The pair a record is read as: the pick the session attached under `PAIR_PICK`, else the first pick of
 * `planRecord(record, mapping, 0)`. A record the plan excludes is a fault saying why (the session never asks for
 * one: it plans rows first); so is a multi record with fewer than two scored responses, as before plans.
 */
export function pickOf(record: RawRecord, mapping: ColumnMapping): Read<PairPick> {
  const attached = attachedPick(record);
  if (attached) return { ok: true, value: attached };
  const plan = planRecord(record, mapping, 0);
  if (!plan.ok) return plan;
  if ("picks" in plan) return { ok: true, value: plan.picks[0] };
  if (mapping.schema === "multi" && !needsPlan(mapping) && plan.excluded === "fewer than two responses") {
    return fail(scoreField(mapping), "expected at least two scored responses to choose from");
  }
  const field = mapping.orientation ? orientationField(mapping.orientation) : scoreField(mapping);
  return fail(field, `this record yields no pair (${plan.excluded}); it is excluded under this mapping`);
}

/**
 * The explicit margin of kind "picked": the scores that picked the pair. Multi: `s[chosen] − s[rejected]` of the
 * response scores (sign turned for `lower-better` ranks, so a pair in the right order is positive); pairwise by
 * scores `s_chosen − s_rejected`, by strength `|strength|`, by probability `logit(P(chosen better))` (clamped), by
 * votes `votes(chosen) − votes(rejected)`; NaN for a label. A pairwise mapping without `orientation` takes its
 * `preference` as the probability (on [1, 2]), else NaN.
 */
export function pickedMargin(record: RawRecord, mapping: ColumnMapping): Read<number> {
  const pick = pickOf(record, mapping);
  if (!pick.ok) return pick;
  const { chosen, rejected } = pick.value;
  if (mapping.schema === "pairwise") {
    const side: Side = chosen === 1 ? 1 : 0;
    if (mapping.orientation) {
      const j = judge(record, mapping.orientation);
      return j.ok ? { ok: true, value: j.value.margin(side) } : j;
    }
    if (!mapping.preference) return { ok: true, value: NaN };
    const p = readPreference(readField(record, mapping.preference), mapping.preference);
    if (!p.ok) return p;
    if (Number.isNaN(p.value)) return { ok: true, value: NaN };
    const pB = p.value - 1;
    return { ok: true, value: clampedLogit(side === 1 ? pB : 1 - pB) };
  }
  if (mapping.schema === "multi") {
    const scores = orderedScores(record, mapping);
    if (!scores.ok) return scores;
    const s = scores.value;
    return { ok: true, value: chosen < s.length && rejected < s.length ? s[chosen] - s[rejected] : NaN };
  }
  return { ok: true, value: NaN };
}

const REASONS: ExclusionReason[] = [
  "tie",
  "no majority",
  "no orientation",
  "fewer than two responses",
  "identical responses",
];
const LISTED_ROWS = 20;

/**
 * One line about the records a plan excluded, e.g. `excluded 3 of 12 records: tie 2, no majority 1 (rows 4, 7, 9)`.
 * `rows` are the excluded records' 0-based row indices in the file (as `formatProblem`'s `row`), listed up to 20;
 * `total` is the number of records read. "no records excluded" when the counts are all zero.
 */
export function describeExclusions(counts: Record<ExclusionReason, number>, rows: number[], total: number): string {
  const parts = REASONS.filter((r) => (counts[r] ?? 0) > 0).map((r) => `${r} ${counts[r]}`);
  const excluded = REASONS.reduce((s, r) => s + (counts[r] ?? 0), 0);
  if (excluded === 0) return "no records excluded";
  const noun = total === 1 ? "record" : "records";
  let line = `excluded ${excluded} of ${total} ${noun}: ${parts.join(", ")}`;
  if (rows.length > 0) {
    const shown = rows.slice(0, LISTED_ROWS).join(", ");
    const more = rows.length > LISTED_ROWS ? `, … ${rows.length - LISTED_ROWS} more` : "";
    line += ` (row${rows.length === 1 ? "" : "s"} ${shown}${more})`;
  }
  return line;
}
