/** Plain data the dataset worker hands out (summaries, rows, recipes, comparisons): no implementation imports. */
import type {
  CoercionCount,
  ColumnMapping,
  DatasetFormat,
  ExclusionReason,
  FileInfo,
  Pair,
  RawRecord,
} from "@/lib/dataset/types";
import type { Metric } from "@/lib/metrics/select";
import type { SelectionSpec } from "@/lib/selection/spec";

/** Field lists offered by the re-map UI. */
export interface FieldSummary {
  text: string[];
  numeric: string[];
  numericList: string[];
  /** Lists of texts or chats (e.g. `completions[].response`). */
  textList: string[];
  /** Every field, then the nested paths under it (`input.messages`, `completions[].response`). */
  all: string[];
}

/**
 * How a planned mapping turned records into pairs: records in the file, pairs made, records excluded (exact counts
 * per reason, the first record indices listed, 0-based as `formatProblem`'s rows).
 */
export interface PlanSummary {
  records: number;
  pairs: number;
  excluded: number;
  reasons: { reason: ExclusionReason; count: number; records: number[] }[];
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
  /** Margin cells read with a coercion (a number written as text, a missing marker as text), per field. */
  coercions: CoercionCount[];
  /** Whether the summed log-prob columns of policy and reference are there (the rival rules need them). */
  hasLogprobs: boolean;
  /** Numeric columns computed in the browser (scoring), usable as axes and gates as `column:<name>`. */
  attachedColumns: string[];
  /** Set when the mapping makes pairs by a plan (rows = pairs, not records): what was made and excluded. */
  plan: PlanSummary | null;
  /** Keys written twice in one JSON object, per field path (JSON.parse kept the last value). */
  duplicateKeys: DuplicateKeyCount[];
  /** Rows whose chosen and rejected texts are identical, or where one of them is empty. */
  responseIssues: ResponseIssues;
  /** Records in the file = loaded + skipped, with the skipped ones' reasons. */
  accounting: RowAccounting;
}

/** Rows whose record wrote one key twice, for one field path (`score`, `meta.score`, `chosen[].content`). */
export interface DuplicateKeyCount {
  field: string;
  rows: number;
  /** The first such record: 0-based row in its file, 1-based line (absent for formats without lines). */
  firstRow: number;
  firstLine?: number;
}

/** Why a pair is listed as a doubtful comparison. */
export type ResponseIssueReason = "identical chosen and rejected" | "empty response";

/** Pairs whose responses compare nothing: exact counts per reason, the first rows listed (0-based rows). */
export interface ResponseIssues {
  count: number;
  reasons: { reason: ResponseIssueReason; count: number; rows: number[] }[];
}

/**
 * How the file's records became rows: `records` = `loaded` + `skipped` exactly. A loaded record gives one row, or
 * several pairs under a planned mapping (`rows`); a skipped one gives none, for the reasons listed.
 */
export interface RowAccounting {
  records: number;
  loaded: number;
  rows: number;
  skipped: number;
  reasons: { reason: string; count: number }[];
}

/** A named numeric column computed outside the file (a scoring run's log-probs, rewards, token counts). */
export interface NamedColumn {
  name: string;
  values: Float64Array;
}

/**
 * What a scoring run left in a dataset session (DatasetSession.computedState): the attached columns (exported with
 * the computed columns), the view-only fields, and the margin columns it replaced (null where the file's stand).
 */
export interface ComputedState {
  columns: NamedColumn[];
  fields: NamedColumn[];
  explicit: Float64Array | null;
  implicit: Float64Array | null;
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

/**
 * One row's numbers as the dataset worker holds them (the table's cells, the inspector's figures): the margins and
 * their z-scores, the ranking's score, M_AP and its rank, whether the selection keeps the row and its decision. NaN
 * = missing (no margin, not scored).
 */
export interface RowNumbers {
  row: number;
  explicit: number;
  implicit: number;
  /**
   * z(m_ex) and z(|m_im|) over the rows that have each margin (population std; lib/inspector/z-scores.ts); null
   * unless asked for (their moments cost a pass over both columns per margins version, which the table never needs).
   */
  z: { explicit: number; absImplicit: number } | null;
  /** Score of the ranking's metric (higher = kept first). */
  score: number;
  mAp: number;
  /** 1-based rank of M_AP (1 = best). */
  mApRank: number;
  selected: boolean;
  decision: "keep" | "drop" | null;
}

/**
 * Decisions by row content (recipe version 3): what lets a recipe re-apply to an edited file. Hashes are the
 * SHA-256 of a row's prompt, chosen and rejected as parsed (lib/workbench/recipe.ts `rowContentDigest`).
 */
export interface RecipeContent {
  /** How rows are hashed. */
  hash: "sha256:pair-text";
  /** Content hashes of the rows kept / dropped by hand (hex, each once, in row order). */
  keep: string[];
  drop: string[];
  /** The first 8 bytes of every row's content hash, in row order, base64: counts the rows new to the recipe. */
  fingerprints: string;
}

/** What applying a recipe found: how its decisions matched the loaded file. */
export interface RecipeMatchReport {
  version: 2 | 3;
  /** The file's SHA-256 equals the recipe's. */
  sameFile: boolean;
  /** The recipe's column mapping differed from the loaded one and was applied first. */
  remapped: boolean;
  /** Recipe decisions (distinct contents, or row indices in version 2) found in the file. */
  matched: number;
  /** Rows of the file the recipe does not know; null when it cannot tell (version 2 on another file). */
  newRows: number | null;
  /** Recipe decisions whose row is no longer in the file. */
  vanished: number;
  /** Rows decided beyond one per matched decision because they share its contents. */
  duplicates: number;
  /** Contents both kept and dropped in the recipe (duplicate rows decided differently): dropped. */
  conflicts: number;
  /** Rows kept / dropped by hand after matching. */
  keepCount: number;
  dropCount: number;
}

/** Recipe written beside an export: enough to reproduce the selection, and to re-apply it to an edited file. */
export interface SelectionRecipe {
  tool: "margin-atlas";
  /** 3 adds `content`; version-2 recipes (decisions by row index only) are still read. */
  version: 3;
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
  /** The decisions by row content hash and every row's fingerprint (`selection.decisions` has them by index). */
  content: RecipeContent;
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
