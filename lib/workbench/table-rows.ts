/**
 * The rows the pairs table has on screen, and their numbers sent ahead with a selection reply: a `select` asks for
 * the visible rows' numbers in the same request, so a re-rank or a drag step shows the new count, histograms and
 * table rows in one commit, with one message to the dataset worker instead of two round trips.
 */
import type { RowNumbers } from "./types";

/** The versions the table's row numbers depend on. */
export interface RowNumberVersions {
  rows: number;
  margins: number;
  scores: number;
  mask: number;
}

/** The key the table's row-number cache is kept under (a change of any of those versions refetches). */
export function rowNumbersKey(v: RowNumberVersions): string {
  return `${v.rows}|${v.margins}|${v.scores}|${v.mask}`;
}

/** The visible rows and the numbers primed for one key (see the module comment). */
export interface TableRows {
  /** The row ids on screen (with the overscan), in table order. */
  visible(): number[];
  setVisible(rows: number[]): void;
  /** Numbers read with the selection of versions `key` (the newest only: an older key's are dropped). */
  prime(key: string, numbers: RowNumbers[]): void;
  /** The numbers primed for `key`, by row; null when none were. */
  primed(key: string): ReadonlyMap<number, RowNumbers> | null;
}

/** A fresh registry (the page has one, {@link tableRows}). */
export function createTableRows(): TableRows {
  let visible: number[] = [];
  let primed: { key: string; rows: Map<number, RowNumbers> } | null = null;
  return {
    visible: () => visible,
    setVisible(rows) {
      visible = rows;
    },
    prime(key, numbers) {
      primed = { key, rows: new Map(numbers.map((n) => [n.row, n])) };
    },
    primed: (key) => (primed?.key === key ? primed.rows : null),
  };
}

/** The page's registry: the pairs table writes its rows, the workbench store primes their numbers. */
export const tableRows = createTableRows();
