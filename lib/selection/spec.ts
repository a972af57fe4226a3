/**
 * The selection as data (STYLE.md "Data, state, charts"): a ranking ∧ gates ∧ manual decisions, serialisable,
 * undoable, and the same object in the store, the dataset worker, the recipe and the CLI.
 *
 * Semantics (see evaluate.ts): rows that pass every gate and are not dropped by hand are the candidates; the
 * ranking keeps the best k = ⌊ratio·N⌋ (or top-k) of them, N = rows the metric scores; rows kept by hand are
 * added; rows dropped by hand are never selected. Decisions win over everything else.
 */
import type { Metric } from "@/lib/metrics/select";
import { DEFAULT_DPO_BETA } from "@/lib/metrics/margin-formulas";

/** How BeeS ranks its 0/0 pairs: as the released code (above every number) or lowest (the fix). */
export type BeesNanRule = "released" | "lowest";

/** The ranking clause: which metric orders the rows and how many are kept. */
export interface Ranking {
  metric: Metric;
  /** w in M_AP = z(m_ex) − w·z(|m_im|). */
  weight: number;
  /** Keep ⌊ratio·N⌋ of the N scored rows. */
  ratio: number;
  /** Overrides ratio when set. */
  topK?: number;
  /** Seed of the random baseline. */
  seed: number;
  /** β of the DPO reward gap (difficulty). */
  beta: number;
  /** BeeS 0/0 pairs. */
  beesNan: BeesNanRule;
}

/**
 * A per-row numeric value a gate or a view reads: the margins and what is derived from them, lengths, or any
 * numeric column of the file / of the scoring run (`column:<name>`).
 */
export type FieldKey =
  | "explicit"
  | "implicit"
  | "absImplicit"
  | "mAp"
  | "zExplicit"
  | "zAbsImplicit"
  | "score"
  | "promptChars"
  | "chosenChars"
  | "rejectedChars"
  | `column:${string}`;

/** Closed interval on one field; a null bound is open. Rows whose value is missing never pass. */
export interface IntervalGate {
  kind: "interval";
  /** The view that owns the clause (a histogram id); cross-filtering leaves a view's own clauses out. */
  source: string;
  field: FieldKey;
  lo: number | null;
  hi: number | null;
}

/** Axis-aligned rectangle on a scatter's two fields (data coordinates). */
export interface RectGate {
  kind: "rect";
  source: string;
  x: FieldKey;
  y: FieldKey;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** Free-hand polygon on a scatter's two fields (data coordinates, flat [x0, y0, x1, y1, …]). */
export interface LassoGate {
  kind: "lasso";
  source: string;
  x: FieldKey;
  y: FieldKey;
  points: number[];
}

/** Text search over prompt, chosen and rejected (substring, or a JavaScript regular expression). */
export interface SearchGate {
  kind: "search";
  source: string;
  query: string;
  regex: boolean;
  caseSensitive: boolean;
}

/** One gate of the selection. */
export type Gate = IntervalGate | RectGate | LassoGate | SearchGate;

/** Rows decided by hand, ascending, disjoint. */
export interface Decisions {
  keep: number[];
  drop: number[];
}

/** The whole selection. */
export interface SelectionSpec {
  ranking: Ranking;
  gates: Gate[];
  decisions: Decisions;
}

/** The paper's released selection: M_AP, w = 1, top 40 %, random seed 42; no gates, no decisions. */
export const DEFAULT_RANKING: Ranking = {
  metric: "map",
  weight: 1,
  ratio: 0.4,
  seed: 42,
  beta: DEFAULT_DPO_BETA,
  beesNan: "released",
};

/** A fresh default selection. */
export function defaultSpec(): SelectionSpec {
  return { ranking: { ...DEFAULT_RANKING }, gates: [], decisions: { keep: [], drop: [] } };
}

/** Source id of a histogram's clauses (its handles and brush share one interval). */
export function histogramSource(field: FieldKey): string {
  return `hist:${field}`;
}

/** Source id of the search box. */
export const SEARCH_SOURCE = "search";

/** A stable key of a gate's meaning (for caching its row predicate). */
export function gateKey(g: Gate): string {
  switch (g.kind) {
    case "interval":
      return `i|${g.field}|${g.lo}|${g.hi}`;
    case "rect":
      return `r|${g.x}|${g.y}|${g.x0}|${g.x1}|${g.y0}|${g.y1}`;
    case "lasso":
      return `l|${g.x}|${g.y}|${g.points.join(",")}`;
    case "search":
      return `s|${g.regex ? 1 : 0}|${g.caseSensitive ? 1 : 0}|${g.query}`;
  }
}

/** Sets (or, with both bounds null, removes) the interval a source owns on `field`. */
export function withInterval(
  spec: SelectionSpec,
  source: string,
  field: FieldKey,
  lo: number | null,
  hi: number | null,
): SelectionSpec {
  const rest = spec.gates.filter((g) => !(g.kind === "interval" && g.source === source && g.field === field));
  if (lo === null && hi === null) return { ...spec, gates: rest };
  const [a, b] = lo !== null && hi !== null && lo > hi ? [hi, lo] : [lo, hi];
  return { ...spec, gates: [...rest, { kind: "interval", source, field, lo: a, hi: b }] };
}

/** The interval a source owns on `field`, if any. */
export function intervalOf(spec: SelectionSpec, source: string, field: FieldKey): IntervalGate | undefined {
  return spec.gates.find((g): g is IntervalGate => g.kind === "interval" && g.source === source && g.field === field);
}

/** Replaces the region (rect or lasso) a scatter owns; null removes it. One region per scatter. */
export function withRegion(spec: SelectionSpec, source: string, region: RectGate | LassoGate | null): SelectionSpec {
  const rest = spec.gates.filter((g) => !((g.kind === "rect" || g.kind === "lasso") && g.source === source));
  return { ...spec, gates: region ? [...rest, region] : rest };
}

/** Sets or clears the text search. */
export function withSearch(
  spec: SelectionSpec,
  query: string,
  options: { regex?: boolean; caseSensitive?: boolean } = {},
): SelectionSpec {
  const rest = spec.gates.filter((g) => g.kind !== "search");
  if (query === "") return { ...spec, gates: rest };
  const gate: SearchGate = {
    kind: "search",
    source: SEARCH_SOURCE,
    query,
    regex: options.regex ?? false,
    caseSensitive: options.caseSensitive ?? false,
  };
  return { ...spec, gates: [...rest, gate] };
}

/** Removes gate number `index` (the chips' × button). */
export function withoutGate(spec: SelectionSpec, index: number): SelectionSpec {
  return { ...spec, gates: spec.gates.filter((_, i) => i !== index) };
}

function insertSorted(list: number[], row: number): number[] {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] < row) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo] === row) return list;
  return [...list.slice(0, lo), row, ...list.slice(lo)];
}

/** A manual decision on rows: keep, drop, or clear (back to what ranking and gates say). */
export function withDecision(spec: SelectionSpec, rows: number[], decision: "keep" | "drop" | "clear"): SelectionSpec {
  const set = new Set(rows);
  let keep = spec.decisions.keep.filter((r) => !set.has(r));
  let drop = spec.decisions.drop.filter((r) => !set.has(r));
  if (decision === "keep") for (const r of rows) keep = insertSorted(keep, r);
  if (decision === "drop") for (const r of rows) drop = insertSorted(drop, r);
  return { ...spec, decisions: { keep, drop } };
}

/** The decision on one row. */
export function decisionOf(spec: SelectionSpec, row: number): "keep" | "drop" | null {
  if (binaryHas(spec.decisions.keep, row)) return "keep";
  if (binaryHas(spec.decisions.drop, row)) return "drop";
  return null;
}

function binaryHas(list: number[], row: number): boolean {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] === row) return true;
    if (list[mid] < row) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Labels of fields for chips, axis titles and slider names. */
export const FIELD_LABELS: Record<string, string> = {
  explicit: "Explicit margin",
  implicit: "Implicit margin",
  absImplicit: "|Implicit margin|",
  mAp: "M_AP",
  zExplicit: "z(explicit margin)",
  zAbsImplicit: "z(|implicit margin|)",
  score: "Metric score",
  promptChars: "Prompt length (chars)",
  chosenChars: "Chosen length (chars)",
  rejectedChars: "Rejected length (chars)",
  "column:chosen_tokens": "Chosen tokens",
  "column:rejected_tokens": "Rejected tokens",
  // Offered as a scatter axis like every attached column, so it needs a name that says what its numbers mean.
  "column:truncated": "Truncated (bit flags)",
};

/** Human label of a field. */
export function fieldLabel(field: FieldKey): string {
  return FIELD_LABELS[field] ?? field.replace(/^column:/, "");
}

function fmt(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

/** The chip text of a gate. */
export function describeGate(g: Gate): string {
  switch (g.kind) {
    case "interval": {
      const name = fieldLabel(g.field);
      if (g.lo !== null && g.hi !== null) return `${name} ∈ [${fmt(g.lo)}, ${fmt(g.hi)}]`;
      if (g.lo !== null) return `${name} ≥ ${fmt(g.lo)}`;
      return `${name} ≤ ${fmt(g.hi as number)}`;
    }
    case "rect":
      return `rectangle on ${fieldLabel(g.x)} × ${fieldLabel(g.y)}: [${fmt(g.x0)}, ${fmt(g.x1)}] × [${fmt(g.y0)}, ${fmt(g.y1)}]`;
    case "lasso":
      return `lasso on ${fieldLabel(g.x)} × ${fieldLabel(g.y)} (${g.points.length / 2} points)`;
    case "search":
      return `search ${g.regex ? "/" + g.query + "/" : `"${g.query}"`}${g.caseSensitive ? " (case-sensitive)" : ""}`;
  }
}

/** Whether the spec differs from its ranking alone (any gate or decision). */
export function hasRefinements(spec: SelectionSpec): boolean {
  return spec.gates.length > 0 || spec.decisions.keep.length > 0 || spec.decisions.drop.length > 0;
}
