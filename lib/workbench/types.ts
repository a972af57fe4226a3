/** Plain data the dataset worker hands out (summaries, rows, recipes, comparisons): no implementation imports. */
import type { ColumnMapping, DatasetFormat, FileInfo, Pair, RawRecord } from "@/lib/dataset/types";
import type { Metric } from "@/lib/metrics/select";
import type { SelectionSpec } from "@/lib/selection/spec";

/** Field lists offered by the re-map UI. */
export interface FieldSummary {
  text: string[];
  numeric: string[];
  numericList: string[];
  all: string[];
}

/** Everything the UI shows about a loaded dataset, without its rows. */
export interface DatasetSummary {
  info: FileInfo;
  rowCount: number;
  fields: FieldSummary;
  mapping: ColumnMapping;
  /** Human-readable lines describing what was detected. */
  notes: string[];
  missingExplicit: number;
  missingImplicit: number;
  /** Rows missing either margin (excluded from M_AP z-scores). */
  missingAny: number;
  /** Whether the summed log-prob columns of policy and reference are there (the rival rules need them). */
  hasLogprobs: boolean;
  /** Numeric columns computed in the browser (scoring), usable as axes and gates as `column:<name>`. */
  attachedColumns: string[];
}

/** One row as the table and inspector show it. */
export interface RowView {
  row: number;
  pair: Pair;
  explicit: number;
  implicit: number;
  /** The record as parsed (for the inspector's "raw" tab). */
  record: RawRecord;
}

/** Recipe written beside an export: enough to reproduce the selection. */
export interface SelectionRecipe {
  tool: "margin-atlas";
  version: 2;
  input: { name: string; format: DatasetFormat; gzip: boolean; bytes: number; sha256: string };
  rowCount: number;
  mapping: ColumnMapping;
  /** The whole selection: ranking, gates, decisions (the same object the app and the CLI evaluate). */
  selection: SelectionSpec;
  metric: Metric;
  weight: number;
  ratio: number;
  topK: number | null;
  seed: number;
  thresholds: { explicitFloor: number | null; explicitCeiling: number | null; implicitCeiling: number | null };
  scoredRows: number;
  selectedCount: number;
  keptByHand: number[];
  droppedByHand: number[];
  /** 0-based row indices of the input, ascending. */
  selectedIndices: number[];
}

/** One metric's pick in the comparison. */
export interface MetricPick {
  metric: Metric;
  /** Why it cannot run here (then the other fields are empty). */
  unavailable: string | null;
  selectedCount: number;
  /** Rows it keeps per quadrant: [large m_ex & small |m_im|, large & large, small & small, small & large]. */
  quadrants: number[];
  /** Mean explicit margin and mean |implicit margin| of its selection at each ratio of `CompareReply.ratios`. */
  meanExplicit: number[];
  meanAbsImplicit: number[];
}

/** Reply of `compare`: every metric's selection at the current k, with the same gates and decisions. */
export interface CompareReply {
  k: number;
  picks: MetricPick[];
  /** overlap[i][j] = rows both metric i and j select. */
  overlap: number[][];
  jaccard: number[][];
  /** Split of the quadrant view (medians unless given). */
  split: { explicit: number; absImplicit: number };
  /** Rows with both margins per quadrant (same order as MetricPick.quadrants). */
  quadrantTotals: number[];
  ratios: number[];
}
