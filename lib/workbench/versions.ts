/**
 * State versioned by meaning (STYLE.md "The shape to grow into"): each counter moves only when what it names
 * changes, so a view redraws, refits or refetches on exactly its own inputs — a scoring run (margins) never resets
 * a zoom or a form (rows), and a new ranking (scores) always re-sorts a table sorted by score.
 */
import type { OrderFilter, OrderKey } from "./protocol";
import type { FieldKey } from "@/lib/selection/spec";

/** The counters. */
export interface Versions {
  /** Which rows and texts exist: a new file or a new column mapping. */
  rows: number;
  /** The explicit / implicit margin columns (open, remap, scoring results). */
  margins: number;
  /** The ranking's score columns (metric, w, seed, β, or new margins). */
  scores: number;
  /** The selection mask. */
  mask: number;
  /** The pairs table's row order. */
  order: number;
}

/** All zero. */
export const INITIAL_VERSIONS: Versions = { rows: 0, margins: 0, scores: 0, mask: 0, order: 0 };

/** What changed in one step. */
export interface Changes {
  rows?: boolean;
  margins?: boolean;
  scores?: boolean;
  mask?: boolean;
  decisions?: boolean;
}

/** Bumps the counters of what changed (rows imply margins; margins imply scores). */
export function bump(v: Versions, c: Changes): Versions {
  const margins = c.rows || c.margins;
  const scores = margins || c.scores;
  return {
    rows: v.rows + (c.rows ? 1 : 0),
    margins: v.margins + (margins ? 1 : 0),
    scores: v.scores + (scores ? 1 : 0),
    mask: v.mask + (c.mask ? 1 : 0),
    order: v.order,
  };
}

/** Sort state of the pairs table. */
export interface SortState {
  key: OrderKey;
  descending: boolean;
  filter: OrderFilter;
}

/** Whether the table's order must be fetched again after `changes` (its sort key or filter read what changed). */
export function orderNeedsRefresh(sort: SortState, c: Changes): boolean {
  if (c.rows) return true;
  if (sort.filter !== "all" && (c.mask || c.scores || c.margins)) return true;
  switch (sort.key) {
    case "row":
      return false;
    case "explicit":
    case "implicit":
      return !!c.margins;
    case "m_ap":
    case "score":
      return !!(c.scores || c.margins);
    case "decision":
      return !!c.decisions;
  }
}

/**
 * Which version a scatter field's values move with: M_AP and the ranking score with every re-rank (`scores`: a w or
 * metric change), the margins and everything else only when the margins or rows change.
 */
export function scatterFieldVersion(field: FieldKey, margins: number, scores: number): number {
  return field === "mAp" || field === "score" ? scores : margins;
}
