/** The dataset worker's API: one typed protocol (see lib/worker/rpc.ts for the message envelope). */
import type { ColumnMapping, DatasetFormat, ParseProblem } from "@/lib/dataset/types";
import type { DatasetSummary, RowView, SelectionRecipe, SelectionSettings } from "@/lib/workbench/session";

/** Histogram of one column, over all scored rows and over the selected ones (same bins). */
export interface ColumnHistogram {
  edges: Float64Array;
  all: Uint32Array;
  selected: Uint32Array;
  missing: number;
}

/** Reply to `select`. Column buffers are fresh copies, transferred. */
export interface SelectReply {
  /** 1 = selected, per row. */
  mask: Uint8Array;
  selectedCount: number;
  /** Target k (⌊ratio·N⌋ or top-k). */
  k: number;
  /** Rows with a score under the current metric. */
  scored: number;
  /** Rows passing the hand thresholds. */
  candidates: number;
  /** Present when metric, w or seed changed: score, M_AP and M_AP rank per row. */
  columns?: { score: Float64Array; mAp: Float64Array; mApRank: Float64Array };
  histograms: { mAp: ColumnHistogram; explicit: ColumnHistogram; implicit: ColumnHistogram };
}

/** Reply to `open` and `remap`: the summary plus fresh copies of the margin columns. */
export interface OpenReply {
  summary: DatasetSummary;
  explicit: Float64Array;
  implicit: Float64Array;
}

/** Sort keys of the pairs table. */
export type OrderKey = "row" | "explicit" | "implicit" | "m_ap" | "score";

/** Dataset worker API. Errors in user files come back with code "bad-input" and the ParseProblem as detail. */
export type DatasetApi = {
  open: { args: { file: Blob; name: string; mapping?: ColumnMapping }; result: OpenReply };
  remap: { args: { mapping: ColumnMapping }; result: OpenReply };
  select: { args: { settings: SelectionSettings; bins: number }; result: SelectReply };
  rows: { args: { rows: number[] }; result: RowView[] };
  order: { args: { key: OrderKey; descending: boolean; selectedOnly: boolean }; result: Uint32Array };
  export: {
    args: { format: DatasetFormat; includeComputed: boolean };
    result: { blob: Blob; fileName: string; count: number };
  };
  recipe: { args: Record<string, never>; result: SelectionRecipe };
  /** Attaches computed columns (see DatasetSession.attachColumns); buffers are transferred. */
  attach: {
    args: { columns: { name: string; values: Float64Array }[]; explicit?: Float64Array; implicit?: Float64Array };
    result: OpenReply;
  };
};

/** Detail of a "bad-input" error. */
export type BadInputDetail = ParseProblem;
