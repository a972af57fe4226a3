/** The dataset worker's API: one typed protocol (see lib/worker/rpc.ts for the message envelope). */
import type { ColumnMapping, ExportFormat, ParseProblem } from "@/lib/dataset/types";
import type { FieldKey, SelectionSpec } from "@/lib/selection/spec";
import type { RankingNotes } from "@/lib/selection/ranking";
import type {
  CompareReply,
  ComputedState,
  DatasetSummary,
  FieldSummary,
  RecipeMatchReport,
  RowNumbers,
  RowView,
  SelectionRecipe,
} from "@/lib/workbench/types";
import type { Metric } from "@/lib/metrics/select";
import type { ImplicitKind } from "@/lib/scoring/columns";
import type { LinkedRead, LinkedReadResult } from "@/lib/scatter/protocol";

/** A histogram view: which field, its bins, and the source id its own clauses carry (left out of its counts). */
export interface HistogramRequest {
  field: FieldKey;
  source: string;
  bins: number;
}

/** Histogram of one field over all rows, and over the rows the *other* views' clauses select (same bins). */
export interface ColumnHistogram {
  field: FieldKey;
  source: string;
  edges: Float64Array;
  all: Uint32Array;
  selected: Uint32Array;
  missing: number;
  /** Smallest and largest finite value (the handles' range). */
  min: number;
  max: number;
}

/**
 * Reply to `select`: counts, histograms and notes. No column: the views read rows (`rowNumbers`) and columns
 * (the scatter's link, `mask`) from this worker.
 */
export interface SelectReply {
  selectedCount: number;
  /** Target k (⌊ratio·N⌋ or top-k). */
  k: number;
  /** Rows with a score under the current metric. */
  scored: number;
  /** Scored rows passing every gate and not dropped by hand. */
  candidates: number;
  /** Rows picked by the ranking. */
  ranked: number;
  /** Rows kept by hand beyond what the ranking picked; rows kept / dropped by hand in total. */
  keptByHand: number;
  keepCount: number;
  droppedByHand: number;
  /** Whether the ranking's scores changed (score, M_AP and its rank per row: a new metric, w, or margins). */
  rescored: boolean;
  histograms: ColumnHistogram[];
  notes: RankingNotes;
  /** The numbers of the rows the request named (`rows`, the table's visible rows) under this selection. */
  rowNumbers?: RowNumbers[];
  /**
   * Where the worker's time went, in ms (for benchmarks): the selection itself, the scatters' reads answered
   * before the reply, and the histograms and rows of the reply.
   */
  timings: { selectMs: number; readsMs: number; replyMs: number };
}

/** Reply to `open`, `remap` and `attach`: the dataset's summary (its columns stay in this worker). */
export interface OpenReply {
  summary: DatasetSummary;
}

/** Reply to `identity`: the open file's sampled key and full SHA-256 (lower-case hex). */
export interface DatasetIdentityReply {
  key: string;
  sha256: string;
}

/** Reply to `applyRecipe`: the selection to put in force, the match report, and the dataset when it was re-mapped. */
export interface ApplyRecipeReply {
  spec: SelectionSpec;
  report: RecipeMatchReport;
  /** Present when the recipe's column mapping was applied first (new margin columns, as `remap` replies). */
  reopened: OpenReply | null;
}

/** Sort keys of the pairs table. */
export type OrderKey = "row" | "explicit" | "implicit" | "m_ap" | "score" | "decision";

/** Which rows the pairs table lists. */
export type OrderFilter = "all" | "selected" | { compare: [Metric, Metric] };

/** Reply to `applyScores`: as `attach` replies, with the rows the run has scored so far. */
export type ApplyScoresReply = OpenReply & { scored: number };

/** Dataset worker API. Errors in user files come back with code "bad-input" and the ParseProblem as detail. */
export type DatasetApi = {
  /**
   * Serves the scoring worker on `port` (its other end went to the scoring worker's `linkDataset`): the scoring worker
   * reads pairs and writes each run's results here directly, not through the page (see `DatasetLinkApi`). A new
   * link replaces the old one.
   */
  linkScoring: { args: { port: MessagePort }; result: null };
  /**
   * Serves a scatter worker on `port` (the other end went to its `link`): it reads the columns it draws and the
   * selection mask from here (lib/scatter/protocol.ts `ScatterLinkApi`), not from the page.
   */
  linkScatter: { args: { port: MessagePort }; result: null };
  /** The SHA-256 (lower-case hex) of any file, hashed here rather than on the page (a saved session's check). */
  hashFile: { args: { file: Blob }; result: string };
  /**
   * Attaches the last scoring run's results (written over the link) as computed columns and margins, the implicit
   * margin formed as asked (DPO falls back to SimPO without a reference model); null when the open dataset has none.
   */
  applyScores: { args: { implicit: ImplicitKind; beta: number }; result: ApplyScoresReply | null };
  /**
   * Opens a file, or several as one dataset when `files` has two or more (`file` is then their concatenation in
   * shard order, the bytes a recipe or saved session hashes, and `name` the dataset's name).
   */
  open: {
    args: { file: Blob; name: string; mapping?: ColumnMapping; files?: { blob: Blob; name: string }[] };
    result: OpenReply;
  };
  remap: { args: { mapping: ColumnMapping }; result: OpenReply };
  /**
   * Maps the file whose `open` failed with code "needs-mapping" (detail {@link NeedsMappingDetail}) by hand; the file
   * stays open (indexed, not read again from disk) until a mapping works or another file is opened.
   */
  mapPending: { args: { mapping: ColumnMapping }; result: OpenReply };
  /**
   * Evaluates `spec`: counts and histograms, and with `rows` (the pairs table's visible rows) their numbers, so
   * the table follows a re-rank or a drag in the same reply (row ids outside the dataset are left out). `seq` (the
   * page's count of selects sent) lets linked scatters read the new colour and mask as soon as the selection is
   * computed, before the histograms and the table rows of the reply (`LinkedRead.after`).
   */
  select: {
    args: { spec: SelectionSpec; histograms: HistogramRequest[]; rows?: number[]; seq?: number };
    result: SelectReply;
  };
  rows: { args: { rows: number[] }; result: RowView[] };
  /**
   * The numbers of `rows` (margins, score, M_AP and rank, selected, decision; the z-scores with `withZ`) under the
   * current selection, in the order asked: what the table and the inspector show, read here so the page holds no
   * column.
   */
  rowNumbers: { args: { rows: number[]; withZ?: boolean }; result: RowNumbers[] };
  order: { args: { key: OrderKey; descending: boolean; filter: OrderFilter }; result: Uint32Array };
  /** A copy of one field column; null when the dataset has no such field. */
  column: { args: { field: FieldKey }; result: Float64Array | null };
  /** What a scatter drawn on the main thread reads, as a scatter worker does over its link (`ScatterLinkApi`). */
  scatterRead: { args: LinkedRead; result: LinkedReadResult };
  /** The values of `fields` at one row (NaN for a field the dataset does not have): a row's token counts... */
  fieldValues: { args: { row: number; fields: FieldKey[] }; result: number[] };
  /** A copy of the selection mask in force (1 = selected; empty before the first `select`). */
  mask: { args: Record<string, never>; result: Uint8Array };
  /** One row's score under every metric (the inspector's numbers). */
  rowMetrics: { args: { row: number }; result: { metric: Metric; score: number; unavailable: string | null }[] };
  compare: { args: { split?: { explicit?: number; absImplicit?: number } }; result: CompareReply };
  /**
   * The selection as a Blob of chunks (the download). Progress ("typing" | "writing", fraction of rows, and
   * `ExportProgressDetail` of lib/export/export-runs.ts) while it runs; `exportId` lets `cancelExport` stop it.
   */
  export: {
    args: { format: ExportFormat; includeComputed: boolean; exportId?: number };
    result: { blob: Blob; fileName: string; count: number };
  };
  /**
   * The selection streamed into a file the user picked (`showSaveFilePicker` on the page), written chunk by chunk by
   * the worker through `createWritable()` and committed only when complete (aborted on an error or a cancel);
   * progress as for `export`. `fileName` is the picked file's name.
   */
  exportTo: {
    args: { handle: FileSystemFileHandle; format: ExportFormat; includeComputed: boolean; exportId?: number };
    result: { count: number; bytes: number; fileName: string };
  };
  /** Stops the running `export` / `exportTo` of that id (it rejects with code "export-cancelled"); false if none. */
  cancelExport: { args: { exportId: number }; result: boolean };
  /** The selection written as the dataset's own files ("the same shards"): one export per input file, in order. */
  exportShards: {
    args: { format: ExportFormat; includeComputed: boolean };
    result: { blob: Blob; fileName: string; count: number }[];
  };
  recipe: { args: Record<string, never>; result: SelectionRecipe };
  /**
   * The open file's identity: its cheap sampled key (see `sampledKey`) and its full SHA-256, hashed in the
   * background from the moment it opened; progress ("hashing", fraction) until the SHA-256 is known.
   */
  identity: { args: Record<string, never>; result: DatasetIdentityReply };
  /** Re-applies a recipe file (see DatasetSession.applyRecipe); a bad recipe is a "bad-input" naming its field. */
  applyRecipe: { args: { file: Blob; name: string }; result: ApplyRecipeReply };
  /** Attaches computed columns (see DatasetSession.attachColumns); buffers are transferred. */
  attach: {
    args: {
      columns: { name: string; values: Float64Array }[];
      explicit?: Float64Array;
      implicit?: Float64Array;
      /** Values for views and gates only (token counts), not exported. */
      fields?: { name: string; values: Float64Array }[];
    };
    result: OpenReply;
  };
  /**
   * Copies of what scoring runs attached (see DatasetSession.computedState), buffers transferred: what a saved
   * session keeps to bring the scores back.
   */
  computed: { args: Record<string, never>; result: ComputedState };
  /** Every row whose chosen and rejected are identical or one is empty (what "Drop these" drops), ascending. */
  responseIssueRows: { args: Record<string, never>; result: Uint32Array };
  /** The records the mapping skipped, as JSON Lines with line numbers and reasons ("Download skipped rows"). */
  skippedRows: { args: Record<string, never>; result: { blob: Blob; fileName: string; count: number } };
};

/** Detail of a "needs-mapping" error from `open`: why detection failed and the fields a mapping can use. */
export interface NeedsMappingDetail {
  problem: ParseProblem;
  name: string;
  fields: FieldSummary;
}

/** Detail of a "bad-input" error. */
export type BadInputDetail = ParseProblem;
