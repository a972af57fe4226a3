/**
 * A loaded dataset and everything computed from it: the row source (file bytes + row index), the column
 * mapping, margin columns, the ranking's scores and the selection (a {@link SelectionSpec}). Runs in the dataset
 * worker and in the CLI.
 */
import type {
  CoercionCount,
  ColumnMapping,
  ExportFormat,
  ExplicitSource,
  ImplicitSource,
  MarginColumns,
  ParseProblem,
  ParseResult,
  RawRecord,
} from "@/lib/dataset/types";
import { openSource, type RowSource } from "@/lib/dataset/source";
import {
  EXCLUSION_REASONS,
  exclusionCount,
  pairedSource,
  RowPlanBuilder,
  withPick,
  type RowPlan,
} from "@/lib/dataset/paired-source";
import { needsPlan, planRecord } from "@/lib/dataset/pair-plan";
import { BARE_TOKENS, type BareToken } from "@/lib/dataset/readers/json-nonfinite";
import {
  createExtractor,
  describeFields,
  detectMapping,
  toPair,
  validateMapping,
  type Detection,
} from "@/lib/dataset/schema";
import { createCoercionCounter } from "@/lib/dataset/schema-extract";
import { pairToText, readPair } from "@/lib/dataset/pair";
import {
  createDuplicateKeyCounter,
  createResponseIssueCounter,
  skippedRecordsJsonl,
  type SkippedRecord,
} from "@/lib/workbench/row-accounting";
import { createLogprobExtractor, logprobFields } from "@/lib/dataset/logprob-columns";
import { alignmentPotential, rankOf, ScoreCache, type Metric, type Scores } from "@/lib/metrics/select";
import { asColumn } from "@/lib/metrics/shared-column";
import type { LogprobColumns } from "@/lib/metrics/rivals";
import { zScores } from "@/lib/metrics/stats";
import { exportFileName, exportMimeType, writeRows, type ExtraColumn } from "@/lib/export/export";
import { BlobSink, type ByteSink, type ExportStreamOptions } from "@/lib/export/export-output";
import { fileSha256, type BackgroundHash } from "@/lib/dataset/hash";
import { readNumber } from "@/lib/dataset/schema-values";
import { defaultSpec, histogramSource, type FieldKey, type Gate, type SelectionSpec } from "@/lib/selection/spec";
import { specFromSettings, type SelectionSettings } from "@/lib/selection/settings";
import {
  rankScores,
  SelectionEvaluator,
  targetFor,
  type Evaluation,
  type RankedScores,
} from "@/lib/selection/evaluate";
import { metricUnavailable, rankingScores, scoreKey, METRIC_OPTIONS, type RankingNotes } from "@/lib/selection/ranking";
import { compileSearch } from "@/lib/selection/search";
import { ranksOfRows } from "@/lib/selection/row-ranks";
import { decisionOrder, rowOrder, TableOrderCache } from "./table-order";
import { checkRowIds, readRowNumbers } from "./row-numbers";
import { marginMoments, type MarginMoments } from "@/lib/inspector/z-scores";
import {
  DIGEST_BYTES,
  matchDecisions,
  recipeContent,
  rowContentDigest,
  sameMapping,
  type ParsedRecipe,
} from "./recipe";
import type {
  CompareReply,
  ComputedState,
  DatasetSummary,
  DuplicateKeyCount,
  FieldSummary,
  MetricPick,
  PlanSummary,
  RecipeMatchReport,
  ResponseIssues,
  RowAccounting,
  RowNumbers,
  RowView,
  SelectionRecipe,
} from "./types";

export type { DatasetSummary, FieldSummary, RowView, SelectionRecipe } from "./types";
export type { SelectionSettings } from "@/lib/selection/settings";

/** Rows read to detect the schema. */
const DETECTION_SAMPLE = 200;

/** Excluded record indices listed per reason in the summary (the counts are always exact). */
const LISTED_EXCLUSIONS = 200;

/**
 * Most rows whose M_AP rank is counted one by one (O(n log m), lib/selection/row-ranks.ts) before the full sort
 * is made instead: the table's visible rows and the inspector stay well under it.
 */
const ROW_RANKS_MAX = 2048;

/** Rankings kept per metric (M_AP at the last two w, say): going back to the previous setting costs no re-rank. */
const RANKED_PER_METRIC = 2;

/** A file opened and indexed, with a sample read and its fields described: what a mapping is built from. */
export interface OpenedFile {
  source: RowSource;
  sample: RawRecord[];
  fields: FieldSummary;
}

function planSummary(plan: RowPlan): PlanSummary {
  return {
    records: plan.recordCount,
    pairs: plan.recordOf.length,
    excluded: exclusionCount(plan.exclusions),
    reasons: EXCLUSION_REASONS.filter((r) => plan.exclusions[r].length > 0).map((reason) => ({
      reason,
      count: plan.exclusions[reason].length,
      records: plan.exclusions[reason].slice(0, LISTED_EXCLUSIONS),
    })),
  };
}

/** Records in = loaded + skipped: every record is loaded unless the plan excluded it. */
function accountingOf(records: number, plan: RowPlan | null): RowAccounting {
  if (!plan) return { records, loaded: records, rows: records, skipped: 0, reasons: [] };
  // Loaded = records giving at least one pair, counted from the plan itself (recordOf is ascending).
  let loaded = 0;
  for (let i = 0; i < plan.recordOf.length; i++) if (i === 0 || plan.recordOf[i] !== plan.recordOf[i - 1]) loaded++;
  const reasons = EXCLUSION_REASONS.filter((r) => plan.exclusions[r].length > 0).map((reason) => ({
    reason,
    count: plan.exclusions[reason].length,
  }));
  return {
    records: plan.recordCount,
    loaded,
    rows: plan.recordOf.length,
    skipped: exclusionCount(plan.exclusions),
    reasons,
  };
}

/** The four summed log-prob columns a file may bring. */
const LOGPROB_KEYS = ["chosen", "rejected", "refChosen", "refRejected"] as const;

/** Grows a column to hold `n` rows (NaN-filled), doubling. */
function grown(column: Float64Array, n: number): Float64Array {
  if (n <= column.length) return column;
  const next = new Float64Array(Math.max(n, column.length * 2)).fill(NaN);
  next.set(column);
  return next;
}

/** Columns derived from the current ranking, indexed by source row. */
export interface ScoreColumns {
  /** Score of the chosen metric (higher = better), NaN where unscored. */
  score: Float64Array;
  /** Alignment potential with the current w, NaN where a margin is missing. */
  mAp: Float64Array;
  /** 1-based rank of M_AP (1 = best), NaN where missing. */
  mApRank: Float64Array;
}

/** Computed columns appended to exports when asked, in this order. */
export const COMPUTED_COLUMN_NAMES = ["explicit_margin", "implicit_margin", "m_ap", "m_ap_rank"] as const;

/** Ratios of the comparison's mean-margin curves. */
export const CURVE_RATIOS = Array.from({ length: 20 }, (_, i) => (i + 1) / 20);

/** One line describing where a margin comes from, for the UI's notes after a manual re-map. */
export function describeMarginSource(which: "explicit" | "implicit", source: ExplicitSource | ImplicitSource): string {
  const what = `${which} margin`;
  switch (source.kind) {
    case "none":
      return `${what}: none (shown as missing)`;
    case "column":
      return `${what}: column ${source.field}`;
    case "difference":
      return `${what}: ${source.chosen} − ${source.rejected}`;
    case "score-range":
      return `${what}: max − min of ${source.field}`;
    case "judge-probability":
      return `${what}: logit of the judge probability ${source.field}`;
    case "picked":
      return `${what}: the scores that picked the pair (chosen − rejected)`;
    case "picked-logps":
      return `${what}: ${source.tokens ? "mean token" : "summed"} log-prob of chosen − rejected from ${source.logps}${source.tokens ? ` / ${source.tokens}` : ""}`;
    case "dpo":
      return `${what}: DPO β=${source.beta} · [(${source.chosen} − ${source.refChosen}) − (${source.rejected} − ${source.refRejected})]`;
  }
}

function countMissing(cols: MarginColumns): { explicit: number; implicit: number; any: number } {
  let explicit = 0;
  let implicit = 0;
  let any = 0;
  for (let i = 0; i < cols.explicit.length; i++) {
    const e = Number.isNaN(cols.explicit[i]);
    const m = Number.isNaN(cols.implicit[i]);
    if (e) explicit++;
    if (m) implicit++;
    if (e || m) any++;
  }
  return { explicit, implicit, any };
}

/** The ranking's scores and their sorted order, for one score key. */
interface RankedEntry {
  key: string;
  metric: Metric;
  scores: Scores;
  ranked: RankedScores;
  notes: RankingNotes;
}

/** Result of {@link DatasetSession.select}. */
export interface SessionSelection {
  evaluation: Evaluation;
  scores: Scores;
  columns: ScoreColumns;
  /** The ranking's scores changed since the previous select (metric, w, seed, β, BeeS rule). */
  rescored: boolean;
  notes: RankingNotes;
  /** Selected rows, ascending (computed on first read). */
  readonly indices: Uint32Array;
  /**
   * The M_AP rank of each of `rows` (as `columns.mApRank[row]`): read from the full rank once it exists, else
   * counted for these rows alone (lib/selection/row-ranks.ts), so the table's rows after a new w do not wait for
   * the full sort.
   */
  mApRankOf(rows: ArrayLike<number>): ArrayLike<number>;
}

/** Result of {@link DatasetSession.applyRecipe}: the selection now in force and how the recipe matched. */
export interface AppliedRecipe {
  spec: SelectionSpec;
  report: RecipeMatchReport;
}

/** Filter of the pairs table: every row, the selection, or the rows two compared metrics both select. */
export type OrderFilter = "all" | "selected" | { compare: [Metric, Metric] };

/** Sort keys of the pairs table. */
export type OrderKey = "row" | "explicit" | "implicit" | "m_ap" | "score" | "decision";

/** A dataset opened for curation. Create with {@link DatasetSession.open}. */
export class DatasetSession {
  private spec: SelectionSpec = defaultSpec();
  private evaluator: SelectionEvaluator;
  private rankedCache: RankedEntry[] = [];
  /** M_AP's z-score terms of the current margin columns: a w change is then one pass (keyed by column identity). */
  private scoreCache = new ScoreCache();
  private lastScoreKey = "";
  private mapCache: { weight: number; mAp: Float64Array; mApRank: Float64Array | null } | null = null;
  /** Whether the scores moved since the last {@link select} returned (a {@link scoreAhead} may have moved them). */
  private rescoredAhead = false;
  /** M_AP ranks counted for single rows (the table's), for the M_AP column they were counted in. */
  private mApRowRanks: { mAp: Float64Array; ranks: Map<number, number> } | null = null;
  private derived = new Map<FieldKey, Float64Array>();
  private searchMasks = new Map<string, Uint8Array>();
  private logps: LogprobColumns | null = null;
  private last: SessionSelection | null = null;
  private compareMasks = new Map<Metric, Uint8Array>();
  /** Columns computed in the browser (e.g. log-probs from the scoring worker), exported with the computed columns. */
  private attached: ExtraColumn[] = [];
  /** Cells of the margin fields read with a coercion (numbers written as text…), shown to the user. */
  private coercions: CoercionCount[] = [];
  /** Records whose JSON wrote a key twice, per field path. */
  private duplicateKeys: DuplicateKeyCount[] = [];
  /** Pairs with identical or empty responses (summary, and every row for "Drop these"). */
  private responseIssues: ResponseIssues = { count: 0, reasons: [] };
  private responseIssueList: Uint32Array = new Uint32Array(0);
  /** Line of each record the plan excluded (records without lines, Parquet, are absent). */
  private skippedLines = new Map<number, number>();
  /** Columns for views and gates only (the scoring run's token counts), never exported. */
  private viewFields = new Map<string, Float64Array>();
  /** Which margin columns a scoring run replaced (attachColumns with margins); the file's otherwise. */
  private computedMargins = { explicit: false, implicit: false };
  /** Every row's content SHA-256 (32 bytes a row) under the current mapping; computed by the first recipe. */
  private digests: Uint8Array | null = null;
  /** The pairs table's argsorts, per column (cleared with the margins: a column may be written in place). */
  private tableOrders = new TableOrderCache();
  /** Mean and std of m_ex and |m_im| (the inspector's z-scores), computed on first read per margins. */
  private zMoments: MarginMoments | null = null;

  /** The rows: the file itself, or its pairs when the mapping plans them (exclusions, several pairs a record). */
  source: RowSource;
  /** Which record each row comes from, when the mapping plans rows; null when row = record. */
  private plan: RowPlan | null = null;

  private constructor(
    /** The file as indexed. */
    readonly file: RowSource,
    private mapping: ColumnMapping,
    private notes: string[],
    private fieldSummary: FieldSummary,
    private columns: MarginColumns,
  ) {
    this.source = file;
    this.evaluator = new SelectionEvaluator(file.rowCount);
  }

  /** Opens, detects the schema (or uses `mapping`), and extracts the margin columns in one scan. */
  static async open(
    file: Blob,
    name: string,
    options: { mapping?: ColumnMapping; onProgress?: (stage: string, fraction: number) => void } = {},
  ): Promise<ParseResult<DatasetSession>> {
    const opened = await DatasetSession.inspect(file, name, options.onProgress);
    if (!opened.ok) return opened;
    return DatasetSession.fromOpened(opened.data, options);
  }

  /** Opens and indexes a file, reads the detection sample and lists its fields (and nested paths). */
  static async inspect(
    file: Blob,
    name: string,
    onProgress: (stage: string, fraction: number) => void = () => {},
  ): Promise<ParseResult<OpenedFile>> {
    // A JSON Lines file is indexed only as far as the detection sample: the extraction scan indexes the rest.
    const opened = await openSource(file, name, (f) => onProgress("indexing", f), { partialRows: DETECTION_SAMPLE });
    if (!opened.ok) return opened;
    return DatasetSession.inspectSource(opened.data);
  }

  /** Reads the detection sample of an opened source and lists its fields. */
  static async inspectSource(source: RowSource): Promise<ParseResult<OpenedFile>> {
    const name = source.info.name;
    if (source.rowCount === 0) return { ok: false, reason: { file: name, message: "the file has no data rows" } };
    const sampleRows = Array.from({ length: Math.min(DETECTION_SAMPLE, source.rowCount) }, (_, i) => i);
    let sample: RawRecord[];
    try {
      sample = await source.getRecords(sampleRows);
    } catch {
      // A syntax error in the first rows: the full scan below reports it with its line and column.
      const problem = await source.scan(() => undefined);
      return { ok: false, reason: problem ?? { file: name, message: "could not read the first rows" } };
    }
    return { ok: true, data: { source, sample, fields: describeFields(sample, source.fields) } };
  }

  /** Detects the schema of an opened file from its sample (the fast path; a hand mapping is the other). */
  static detect(opened: OpenedFile): ParseResult<Detection> {
    return detectMapping(opened.sample, opened.source.fields, opened.source.info.name);
  }

  /**
   * A session over an opened file: detects the schema (or uses `mapping`) and extracts the margins in one scan of
   * the indexed file. Detection failing leaves `opened` usable for a mapping made by hand.
   */
  static async fromOpened(
    opened: OpenedFile,
    options: {
      mapping?: ColumnMapping;
      /** What to show about a given mapping (default: "column mapping given by the user"). */
      notes?: string[];
      onProgress?: (stage: string, fraction: number) => void;
    } = {},
  ): Promise<ParseResult<DatasetSession>> {
    const progress = options.onProgress ?? (() => {});
    const { source, sample, fields } = opened;
    let mapping: ColumnMapping;
    let notes: string[];
    if (options.mapping) {
      mapping = options.mapping;
      notes = options.notes ?? [
        "column mapping given by the user",
        describeMarginSource("explicit", mapping.explicit),
        describeMarginSource("implicit", mapping.implicit),
      ];
    } else {
      const detected = detectMapping(sample, source.fields, source.info.name);
      if (!detected.ok) return detected;
      mapping = detected.data.mapping;
      notes = detected.data.notes;
    }
    const session = new DatasetSession(source, mapping, notes, fields, {
      explicit: new Float64Array(0),
      implicit: new Float64Array(0),
    });
    const problem = await session.extract(mapping, (f) => progress("parsing", f));
    if (problem) return { ok: false, reason: problem };
    return { ok: true, data: session };
  }

  private async extract(mapping: ColumnMapping, onProgress?: (fraction: number) => void): Promise<ParseProblem | null> {
    const file = this.file;
    const invalid = validateMapping(mapping, file.fields, file.info.name);
    if (invalid) return invalid;
    const n = file.rowCount;
    const columns: MarginColumns = {
      explicit: new Float64Array(n).fill(NaN),
      implicit: new Float64Array(n).fill(NaN),
    };
    const counter = createCoercionCounter();
    // CSV/TSV cells have no types: a number there is always text, so only typed formats count coercions.
    const typed = file.info.format !== "csv" && file.info.format !== "tsv";
    const margins = createExtractor(mapping, file.info.name, columns, typed ? counter.note : undefined);
    const lpFields = logprobFields(mapping, file.fields);
    let logps: LogprobColumns | null = null;
    let visit = margins;
    if (lpFields) {
      logps = {
        chosen: new Float64Array(n).fill(NaN),
        rejected: new Float64Array(n).fill(NaN),
        refChosen: new Float64Array(n).fill(NaN),
        refRejected: new Float64Array(n).fill(NaN),
      };
      const lp = createLogprobExtractor(lpFields, file.info.name, logps);
      visit = (record, where) => margins(record, where) ?? lp(record, where);
    }
    // Each pair that read cleanly is checked for responses that compare nothing (identical, or one empty).
    const issues = createResponseIssueCounter();
    const read = visit;
    visit = (record, where) => {
      const problem = read(record, where);
      if (problem) return problem;
      const pair = readPair(record, mapping);
      if (pair.ok) issues.note(pair.value, where.row);
    };
    const skippedLines = new Map<number, number>();
    // Every per-row column the scan writes, resized together while a plan makes more rows than records, then trimmed.
    const resizeRows = (resize: (c: Float64Array) => Float64Array) => {
      columns.explicit = resize(columns.explicit);
      columns.implicit = resize(columns.implicit);
      if (logps) for (const k of LOGPROB_KEYS) logps[k] = resize(logps[k]);
    };
    // A planned mapping decides each record's pairs in the same scan that reads their margins: the file is read once.
    const builder = needsPlan(mapping) ? new RowPlanBuilder() : null;
    const scanVisit: typeof visit = !builder
      ? (record, where) => {
          // A JSON Lines file indexed as far as the detection sample learns its row count in this scan.
          if (where.row >= columns.explicit.length) resizeRows((c) => grown(c, where.row + 1));
          return visit(record, where);
        }
      : (record, where) => {
          const planned = planRecord(record, mapping, where.row);
          if (!planned.ok) {
            return { file: file.info.name, row: where.row, line: where.line, ...planned.fault };
          }
          if ("excluded" in planned) {
            builder.exclude(where.row, planned.excluded);
            if (where.line !== undefined) skippedLines.set(where.row, where.line);
            return;
          }
          const first = builder.add(where.row, planned.picks);
          if (builder.rowCount > columns.explicit.length) resizeRows((c) => grown(c, builder.rowCount));
          for (let i = 0; i < planned.picks.length; i++) {
            const problem = visit(withPick(record, planned.picks[i]), { row: first + i, line: where.line });
            // Messages name the record's row in the file, not the pair's.
            if (problem) return { ...problem, row: where.row };
          }
        };
    const duplicates = createDuplicateKeyCounter();
    // Bare NaN / Infinity tokens the JSON reader read as missing are counted per field (every format but CSV), and
    // keys written twice (JSON.parse kept the last) per field path.
    const counted: typeof scanVisit = (record, where) => {
      duplicates.note(record, where);
      const bare = (record as Record<symbol, unknown>)[BARE_TOKENS] as BareToken[] | undefined;
      // A row counts once per field, however many tokens (a list of scores) it holds there.
      if (bare)
        for (const t of new Map(bare.map((b) => [b.field, b])).values())
          counter.note(t.field, "non-finite number written as a bare token", t.token);
      return scanVisit(record, where);
    };
    const rowsBefore = this.source.rowCount;
    const problem = await file.scan(counted, onProgress);
    if (problem) return problem;
    const plan = builder?.finish(file.rowCount) ?? null;
    const rows = plan ? plan.recordOf.length : file.rowCount;
    // Trimmed to the rows. The scatters draw the margins: shared (in the app), they read them without copies.
    columns.explicit = asColumn(columns.explicit, rows);
    columns.implicit = asColumn(columns.implicit, rows);
    if (logps) for (const k of LOGPROB_KEYS) if (logps[k].length !== rows) logps[k] = logps[k].slice(0, rows);
    this.plan = plan;
    this.source = plan ? pairedSource(file, plan) : file;
    if (this.source.rowCount !== rowsBefore) {
      // Another row space: decisions and gates about the old rows mean nothing here.
      this.evaluator = new SelectionEvaluator(this.source.rowCount);
      this.spec = { ...defaultSpec(), ranking: this.spec.ranking };
      this.derived.clear();
    }
    this.columns = columns;
    this.mapping = mapping;
    this.logps = logps;
    this.coercions = counter.counts();
    this.duplicateKeys = duplicates.counts();
    this.responseIssues = issues.summary();
    this.responseIssueList = issues.rows();
    this.skippedLines = skippedLines;
    this.attached = [];
    this.viewFields.clear();
    this.computedMargins = { explicit: false, implicit: false };
    this.digests = null;
    this.searchMasks.clear();
    this.evaluator.invalidateSearch();
    this.marginsChanged();
    return null;
  }

  /** Everything computed from the margins is stale. */
  private marginsChanged(): void {
    this.rankedCache = [];
    this.lastScoreKey = "";
    this.mapCache = null;
    this.mApRowRanks = null;
    this.last = null;
    this.compareMasks.clear();
    for (const key of [...this.derived.keys()]) if (!/Chars$/.test(key)) this.derived.delete(key);
    this.evaluator.invalidate();
    this.tableOrders.clear();
    this.zMoments = null;
  }

  /**
   * Attaches columns computed outside the file (the scoring worker's log-probs and reward scores) and, when given,
   * replaces the explicit and/or implicit margin columns with computed ones (NaN for rows not scored yet).
   * Attached columns are appended to exports with "Include computed columns"; the four summed log-prob columns
   * (policy and reference) also feed the rival rules.
   */
  attachColumns(
    columns: ExtraColumn[],
    margins: { explicit?: Float64Array; implicit?: Float64Array } = {},
    fields: ExtraColumn[] = [],
  ): void {
    const n = this.source.rowCount;
    for (const c of [
      ...columns.map((c) => c.values),
      ...fields.map((f) => f.values),
      margins.explicit,
      margins.implicit,
    ]) {
      if (c && c.length !== n) throw new Error(`attached column has ${c.length} rows, the dataset has ${n}`);
    }
    const byName = new Map(this.attached.map((c) => [c.name, c]));
    for (const c of columns) byName.set(c.name, c);
    this.attached = [...byName.values()];
    for (const f of fields) this.viewFields.set(f.name, f.values);
    this.columns = {
      explicit: margins.explicit ?? this.columns.explicit,
      implicit: margins.implicit ?? this.columns.implicit,
    };
    this.computedMargins = {
      explicit: this.computedMargins.explicit || !!margins.explicit,
      implicit: this.computedMargins.implicit || !!margins.implicit,
    };
    const lp = (name: string) => byName.get(name)?.values;
    const [c, r, rc, rr] = ["chosen_logps", "rejected_logps", "ref_chosen_logps", "ref_rejected_logps"].map(lp);
    if (c && r && rc && rr) this.logps = { chosen: c, rejected: r, refChosen: rc, refRejected: rr };
    this.marginsChanged();
  }

  /**
   * Copies of what {@link attachColumns} put here since the file was opened or re-mapped: the attached columns and
   * view-only fields (in attach order, so re-attaching them gives the same export), and the margin columns only
   * where a scoring run replaced them (null where they are still the file's, which re-opening recomputes).
   */
  computedState(): ComputedState {
    return {
      columns: this.attached.map((c) => ({ name: c.name, values: c.values.slice() })),
      fields: [...this.viewFields].map(([name, values]) => ({ name, values: values.slice() })),
      explicit: this.computedMargins.explicit ? this.columns.explicit.slice() : null,
      implicit: this.computedMargins.implicit ? this.columns.implicit.slice() : null,
    };
  }

  /** Applies a user-edited mapping; on a problem, the previous mapping and columns stay in place. */
  async remap(mapping: ColumnMapping, onProgress?: (fraction: number) => void): Promise<ParseProblem | null> {
    const problem = await this.extract(mapping, onProgress);
    if (!problem) {
      for (const key of [...this.derived.keys()]) this.derived.delete(key);
      this.notes = [
        `column mapping edited by the user (schema ${mapping.schema})`,
        describeMarginSource("explicit", mapping.explicit),
        describeMarginSource("implicit", mapping.implicit),
      ];
    }
    return problem;
  }

  /** What the UI shows about the dataset. */
  /** The column mapping in force (what `summary().mapping` gives, without the summary's counting pass). */
  get columnMapping(): ColumnMapping {
    return this.mapping;
  }

  summary(): DatasetSummary {
    const missing = countMissing(this.columns);
    return {
      info: this.source.info,
      rowCount: this.source.rowCount,
      fields: this.fieldSummary,
      mapping: this.mapping,
      notes: this.notes,
      missingExplicit: missing.explicit,
      missingImplicit: missing.implicit,
      missingAny: missing.any,
      hasLogprobs: this.logps !== null,
      coercions: this.coercions,
      plan: this.plan ? planSummary(this.plan) : null,
      attachedColumns: [...this.attached.map((c) => c.name), ...this.viewFields.keys()],
      duplicateKeys: this.duplicateKeys,
      responseIssues: this.responseIssues,
      accounting: accountingOf(this.file.rowCount, this.plan),
    };
  }

  /** Every row with identical or empty responses (all reasons), ascending: what "Drop these" drops. */
  responseIssueRows(): Uint32Array {
    return this.responseIssueList.slice();
  }

  /** The records the mapping skipped (excluded by its plan), as JSON Lines with their line numbers and reasons. */
  async skippedRecords(): Promise<Blob> {
    const skipped: SkippedRecord[] = [];
    if (this.plan) {
      for (const reason of EXCLUSION_REASONS) {
        for (const record of this.plan.exclusions[reason]) {
          const line = this.skippedLines.get(record);
          skipped.push({ record, reason, ...(line !== undefined ? { line } : {}) });
        }
      }
    }
    return skippedRecordsJsonl(this.file, skipped);
  }

  /** The margin columns (m_ex, m_im per row, NaN = missing). */
  margins(): MarginColumns {
    return this.columns;
  }

  /** The summed log-prob columns (policy and reference), when the file or a scoring run has them. */
  logprobs(): LogprobColumns | null {
    return this.logps;
  }

  /** The current selection spec. */
  currentSpec(): SelectionSpec {
    return this.spec;
  }

  private rankedFor(spec: SelectionSpec): RankedEntry {
    const key = scoreKey(spec.ranking);
    const at = this.rankedCache.findIndex((e) => e.key === key);
    if (at >= 0) {
      // Most recently used last.
      const [hit] = this.rankedCache.splice(at, 1);
      this.rankedCache.push(hit);
      return hit;
    }
    const { scores, notes, nonNaN } = rankingScores(spec.ranking, this.columns, this.logps, this.scoreCache);
    const metric = spec.ranking.metric;
    const entry: RankedEntry = { key, metric, scores, ranked: rankScores(scores.score, nonNaN), notes };
    this.rankedCache.push(entry);
    // The comparison ranks every metric, so each keeps an entry until the margins change; of one metric's settings
    // (M_AP's w, a seed, a β) only the last RANKED_PER_METRIC stay. Each entry holds a score column and, once sorted,
    // its order and positions: ≈ 16 MB at 10^6 rows, which every new w would otherwise add.
    const same = this.rankedCache.filter((e) => e.metric === metric);
    const drop = new Set(same.slice(0, Math.max(0, same.length - RANKED_PER_METRIC)));
    if (this.rankedCache.length - drop.size > METRIC_OPTIONS.length + 2) drop.add(this.rankedCache[0]);
    if (drop.size) this.rankedCache = this.rankedCache.filter((e) => !drop.has(e));
    return entry;
  }

  /** M_AP at weight w (the score itself when the metric is M_AP: computed once per w). */
  private mApFor(weight: number, entry: RankedEntry | null): Float64Array {
    if (this.mapCache?.weight === weight) return this.mapCache.mAp;
    const mAp =
      entry && entry.key === `map|${weight}`
        ? entry.scores.score
        : alignmentPotential(this.columns, weight, this.scoreCache);
    this.mapCache = { weight, mAp, mApRank: null };
    this.derived.delete("mAp");
    this.evaluator.invalidate(["mAp"]);
    return mAp;
  }

  private mApRankFor(weight: number, entry: RankedEntry | null): Float64Array {
    const mAp = this.mApFor(weight, entry);
    const cache = this.mapCache!;
    if (!cache.mApRank) {
      // With metric M_AP the ranking's order is M_AP's: ranks come from it without a second sort.
      if (entry && entry.key === `map|${weight}`) {
        const rank = new Float64Array(mAp.length).fill(NaN);
        const { order } = entry.ranked;
        for (let p = 0; p < order.length; p++) rank[order[p]] = p + 1;
        cache.mApRank = rank;
      } else cache.mApRank = rankOf(mAp);
    }
    return cache.mApRank;
  }

  /** A field column, computed on first use; null when this dataset cannot provide it (yet). */
  field(key: FieldKey): Float64Array | null {
    switch (key) {
      case "explicit":
        return this.columns.explicit;
      case "implicit":
        return this.columns.implicit;
      case "mAp":
        return this.mApFor(this.spec.ranking.weight, this.rankedCache.find((e) => e.key === this.lastScoreKey) ?? null);
      case "score":
        return this.rankedCache.find((e) => e.key === this.lastScoreKey)?.scores.score ?? null;
      default:
        break;
    }
    const hit = this.derived.get(key);
    if (hit) return hit;
    let out: Float64Array | null = null;
    if (key === "absImplicit") {
      out = new Float64Array(this.columns.implicit.length);
      for (let i = 0; i < out.length; i++) out[i] = Math.abs(this.columns.implicit[i]);
    } else if (key === "zExplicit") out = zScores(this.columns.explicit, null);
    else if (key === "zAbsImplicit") out = zScores(this.field("absImplicit")!, null);
    else if (key.startsWith("column:")) {
      const name = key.slice("column:".length);
      out = this.attached.find((c) => c.name === name)?.values ?? this.viewFields.get(name) ?? null;
    }
    if (out) this.derived.set(key, out);
    return out;
  }

  /**
   * Makes every field and search the spec (and the views in `fields`) needs available: lengths and file columns
   * take one scan of the file, a search one scan of the texts. Returns a problem for a bad regex or a bad value.
   */
  async prepare(spec: SelectionSpec, fields: FieldKey[] = []): Promise<ParseProblem | null> {
    const need = new Set<FieldKey>(fields);
    for (const g of spec.gates) {
      if (g.kind === "interval") need.add(g.field);
      if (g.kind === "rect" || g.kind === "lasso") {
        need.add(g.x);
        need.add(g.y);
      }
    }
    const lengths = [...need].some((f) => /Chars$/.test(f) && !this.derived.has(f));
    const fileColumns = [...need].filter(
      (f) =>
        f.startsWith("column:") &&
        !this.derived.has(f) &&
        !this.attached.some((c) => `column:${c.name}` === f) &&
        !this.viewFields.has(f.slice("column:".length)),
    );
    if (lengths || fileColumns.length) {
      const problem = await this.scanFields(
        lengths,
        fileColumns.map((f) => f.slice("column:".length)),
      );
      if (problem) return problem;
    }
    for (const g of spec.gates) {
      if (g.kind !== "search") continue;
      const problem = await this.prepareSearch(g);
      if (problem) return problem;
    }
    return null;
  }

  private async scanFields(lengths: boolean, names: string[]): Promise<ParseProblem | null> {
    const n = this.source.rowCount;
    const chars = lengths ? [0, 1, 2].map(() => new Float64Array(n).fill(NaN)) : [];
    const cols = names.map(() => new Float64Array(n).fill(NaN));
    const file = this.source.info.name;
    const problem = await this.source.scan((record, where) => {
      if (lengths) {
        const t = pairToText(toPair(record, this.mapping));
        chars[0][where.row] = t.prompt.length;
        chars[1][where.row] = t.chosen.length;
        chars[2][where.row] = t.rejected.length;
      }
      for (let j = 0; j < names.length; j++) {
        const v = readNumber((record as Record<string, unknown>)[names[j]]);
        if (!v.ok) return { file, line: where.line, row: where.row, field: names[j], message: v.message };
        cols[j][where.row] = v.value;
      }
      return undefined;
    });
    if (problem) return problem;
    if (lengths) {
      this.derived.set("promptChars", chars[0]);
      this.derived.set("chosenChars", chars[1]);
      this.derived.set("rejectedChars", chars[2]);
    }
    names.forEach((name, j) => this.derived.set(`column:${name}`, cols[j]));
    return null;
  }

  private async prepareSearch(g: Gate & { kind: "search" }): Promise<ParseProblem | null> {
    const key = `${g.regex}|${g.caseSensitive}|${g.query}`;
    if (this.searchMasks.has(key)) return null;
    const compiled = compileSearch(g);
    if (!compiled.ok) return { file: this.source.info.name, message: compiled.reason };
    const mask = new Uint8Array(this.source.rowCount);
    const problem = await this.source.scan((record, where) => {
      const t = pairToText(toPair(record, this.mapping));
      mask[where.row] = compiled.test(t.prompt) || compiled.test(t.chosen) || compiled.test(t.rejected) ? 1 : 0;
      return undefined;
    });
    if (problem) return problem;
    this.searchMasks.set(key, mask);
    if (this.searchMasks.size > 8) this.searchMasks.delete(this.searchMasks.keys().next().value as string);
    return null;
  }

  private searchMask = (g: Gate & { kind: "search" }): Uint8Array | null =>
    this.searchMasks.get(`${g.regex}|${g.caseSensitive}|${g.query}`) ?? null;

  private fieldReader = (key: FieldKey): Float64Array | null => this.field(key);

  /**
   * The first half of {@link select}: the ranking's scores and M_AP for `spec`, made the session's own (its fields
   * read them), with the selection left to the `select` that follows. The dataset worker answers a scatter's
   * colour read in between, so the scatter recolours while the top k is chosen. True when the scores moved since
   * the last `select` (a new w or metric), false for a gate or ratio change.
   */
  scoreAhead(spec: SelectionSpec): boolean {
    this.scoresFor(spec);
    // A read in between computes the selection of this spec, not the last one.
    this.last = null;
    return this.rescoredAhead;
  }

  private scoresFor(spec: SelectionSpec): { entry: RankedEntry; mAp: Float64Array } {
    const entry = this.rankedFor(spec);
    // M_AP (and its rank) follow w whatever the metric, so a new w also counts as new score columns.
    if (entry.key !== this.lastScoreKey || this.mapCache?.weight !== spec.ranking.weight) this.rescoredAhead = true;
    // The "score" field is the ranking's score column: cached gates on it (a scatter axis) are stale now.
    if (entry.key !== this.lastScoreKey) this.evaluator.invalidate(["score"]);
    this.lastScoreKey = entry.key;
    this.spec = spec;
    return { entry, mAp: this.mApFor(spec.ranking.weight, entry) };
  }

  /**
   * Evaluates `spec` (call {@link prepare} first when it has searches, lengths or file columns). `viewSources`
   * names the views whose cross-filtered masks to compute as well.
   */
  select(spec: SelectionSpec, viewSources: string[] = []): SessionSelection {
    const { entry, mAp } = this.scoresFor(spec);
    const rescored = this.rescoredAhead;
    this.rescoredAhead = false;
    const evaluation = this.evaluator.evaluate(spec, entry.ranked, this.fieldReader, this.searchMask, viewSources);
    let indices: Uint32Array | null = null;
    const weight = spec.ranking.weight;
    // The ranks need the full sort of M_AP: made on first read (a reply with new columns, the table, an export),
    // not by a re-rank's top-k select. A selection read after a newer one with another w ranks its own column
    // without touching the session's cache.
    let ownRank: Float64Array | null = null;
    const ownsCache = () => this.mapCache?.weight === weight && this.mapCache.mAp === mAp;
    const rankOfMap = () => (ownsCache() ? this.mApRankFor(weight, entry) : (ownRank ??= rankOf(mAp)));
    // Ranks counted row by row for this M_AP column (kept across selects: a drag keeps the column), until the full
    // rank is made.
    if (this.mApRowRanks?.mAp !== mAp) this.mApRowRanks = { mAp, ranks: new Map() };
    const rowRanks = this.mApRowRanks.ranks;
    const fullRank = () => ownRank ?? (ownsCache() ? this.mapCache!.mApRank : null);
    this.last = {
      evaluation,
      scores: entry.scores,
      columns: {
        score: entry.scores.score,
        mAp,
        get mApRank() {
          return rankOfMap();
        },
      },
      rescored,
      notes: entry.notes,
      mApRankOf(rows) {
        const full = fullRank();
        if (full) return Array.from(rows, (r) => full[r]);
        const missing = [...new Set(Array.from(rows))].filter((r) => !rowRanks.has(r));
        // Past a few thousand rows (an inspector of many rows, a scroll of the whole table) the sort is cheaper.
        if (missing.length > ROW_RANKS_MAX) {
          const rank = rankOfMap();
          return Array.from(rows, (r) => rank[r]);
        }
        if (missing.length) {
          const ranks = ranksOfRows(mAp, missing);
          missing.forEach((r, j) => rowRanks.set(r, ranks[j]));
          if (rowRanks.size > 4 * ROW_RANKS_MAX) rowRanks.clear();
        }
        return Array.from(rows, (r) => rowRanks.get(r) ?? rankOfMap()[r]);
      },
      // Only export, recipe and the CLI read the index list: a drag does not pay for it.
      get indices() {
        if (!indices) {
          indices = new Uint32Array(evaluation.selectedCount);
          for (let i = 0, j = 0; i < evaluation.mask.length; i++) if (evaluation.mask[i]) indices[j++] = i;
        }
        return indices;
      },
    };
    return this.last;
  }

  /**
   * Sorts the ranking in force now rather than on first need (a drag's first step, a table sort by score or M_AP,
   * an export of ranks): its order and each row's position in it, and M_AP's full rank when M_AP is the metric
   * (then one pass over that order). Idempotent; called by the dataset worker when idle after a re-rank.
   */
  warmRanking(): void {
    const entry = this.rankedCache.find((e) => e.key === this.lastScoreKey);
    if (!entry) return;
    entry.ranked.positions?.();
    const weight = this.spec.ranking.weight;
    if (entry.key === `map|${weight}` && this.mapCache?.weight === weight) this.mApRankFor(weight, entry);
  }

  /** Flat settings (CLI flags, recipe v1): the same as `select(specFromSettings(settings))`. */
  selectSettings(settings: SelectionSettings): SessionSelection {
    return this.select(specFromSettings(settings));
  }

  /** The current selection (computing the default one if none yet). */
  currentSelection(): SessionSelection {
    return this.last ?? this.select(this.spec);
  }

  /** Rows for the table and inspector, in the order asked. */
  async rows(rows: ArrayLike<number>): Promise<RowView[]> {
    const records = await this.source.getRecords(rows);
    return records.map((record, i) => {
      const row = rows[i];
      return {
        row,
        pair: toPair(record, this.mapping),
        explicit: this.columns.explicit[row],
        implicit: this.columns.implicit[row],
        record,
      };
    });
  }

  /**
   * The numbers of `rows` as the table and the inspector show them (margins, z-scores, score, M_AP and its rank,
   * selected, decision), from the current selection, with the z-scores when `withZ`; a RangeError names a row
   * that is not in the dataset.
   */
  rowNumbers(rows: ArrayLike<number>, withZ = false): RowNumbers[] {
    checkRowIds(rows, this.source.rowCount);
    const current = this.currentSelection();
    if (withZ) this.zMoments ??= marginMoments(this.columns.explicit, this.columns.implicit);
    return readRowNumbers(
      {
        explicit: this.columns.explicit,
        implicit: this.columns.implicit,
        score: current.columns.score,
        mAp: current.columns.mAp,
        mApRankOf: (asked) => current.mApRankOf(asked),
        mask: current.evaluation.mask,
        spec: this.spec,
        moments: withZ ? this.zMoments : null,
      },
      rows,
    );
  }

  /**
   * A row order for the table: by a column, ascending or descending, equal values by row, NaN last; filtered as
   * asked. Each column is argsorted once (radix, O(n)) while it stands; a new direction or filter is one pass.
   */
  order(key: OrderKey, descending: boolean, filter: OrderFilter | boolean): Uint32Array {
    const f: OrderFilter = filter === true ? "selected" : filter === false ? "all" : filter;
    const current = this.currentSelection();
    let mask: Uint8Array | null = null;
    if (f === "selected") mask = current.evaluation.mask;
    else if (typeof f === "object") {
      const a = this.compareMasks.get(f.compare[0]);
      const b = this.compareMasks.get(f.compare[1]);
      if (!a || !b) throw new Error(`no comparison of ${f.compare.join(" and ")} has been computed`);
      mask = new Uint8Array(a.length);
      for (let i = 0; i < a.length; i++) mask[i] = a[i] & b[i];
    }
    const n = this.source.rowCount;
    if (key === "row") return rowOrder(n, descending, mask);
    // Kept first, then undecided, then dropped (descending); the reverse ascending.
    if (key === "decision") return decisionOrder(n, this.spec.decisions, descending, mask);
    const values =
      key === "explicit"
        ? this.columns.explicit
        : key === "implicit"
          ? this.columns.implicit
          : key === "m_ap"
            ? current.columns.mAp
            : current.columns.score;
    // The ranking has sorted its score already (M_AP's too when M_AP is the metric): the table reuses that order.
    const entry = this.rankedCache.find((e) => e.key === this.lastScoreKey);
    const ranked = entry && entry.scores.score === values ? () => entry.ranked.order : undefined;
    return this.tableOrders.order(values, descending, mask, ranked);
  }

  /**
   * Every metric's selection at the current k with the current gates and decisions: overlaps, Jaccard indices,
   * quadrant counts (split at the medians of m_ex and |m_im| unless given) and mean-margin curves over ratios.
   */
  compare(split?: { explicit?: number; absImplicit?: number }): CompareReply {
    const spec = this.spec;
    const base = this.currentSelection();
    const k = base.evaluation.k;
    const n = this.source.rowCount;
    const ex = this.columns.explicit;
    const abs = this.field("absImplicit")!;
    const both: number[] = [];
    for (let i = 0; i < n; i++) if (Number.isFinite(ex[i]) && Number.isFinite(abs[i])) both.push(i);
    const median = (vals: Float64Array) => {
      if (vals.length === 0) return NaN;
      const s = vals.slice().sort();
      const m = s.length >> 1;
      return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
    };
    const sx = split?.explicit ?? median(Float64Array.from(both, (i) => ex[i]));
    const sy = split?.absImplicit ?? median(Float64Array.from(both, (i) => abs[i]));
    const quadrantOf = (i: number) =>
      !(Number.isFinite(ex[i]) && Number.isFinite(abs[i])) ? -1 : (ex[i] >= sx ? 0 : 2) + (abs[i] > sy ? 1 : 0);
    const quadrantTotals = [0, 0, 0, 0];
    for (const i of both) quadrantTotals[quadrantOf(i)]++;

    const picks: MetricPick[] = [];
    const masks: (Uint8Array | null)[] = [];
    this.compareMasks.clear();
    const allowed = this.evaluator.combined(spec.gates, this.fieldReader, this.searchMask);
    const codes = this.evaluator.decisionCodes(spec.decisions);
    for (const { value: metric } of METRIC_OPTIONS) {
      const why = metricUnavailable(metric, this.logps !== null);
      if (why) {
        picks.push({
          metric,
          unavailable: why,
          selectedCount: 0,
          quadrants: [0, 0, 0, 0],
          meanExplicit: [],
          meanAbsImplicit: [],
        });
        masks.push(null);
        continue;
      }
      const mSpec: SelectionSpec = {
        ...spec,
        ranking: { ...spec.ranking, metric, topK: k, ratio: spec.ranking.ratio },
      };
      const entry = this.rankedFor(mSpec);
      const ev = this.evaluator.evaluate(mSpec, entry.ranked, this.fieldReader, this.searchMask);
      const quadrants = [0, 0, 0, 0];
      for (let i = 0; i < n; i++)
        if (ev.mask[i]) {
          const q = quadrantOf(i);
          if (q >= 0) quadrants[q]++;
        }
      // Curves: walk the ranking once, sampling the running means at each ratio's k (own scored count).
      const meanExplicit: number[] = [];
      const meanAbsImplicit: number[] = [];
      const targets = CURVE_RATIOS.map((r) =>
        targetFor({ ...spec.ranking, metric, ratio: r, topK: undefined }, entry.ranked.valid),
      );
      let t = 0;
      let taken = 0;
      let se = 0;
      let ce = 0;
      let sa = 0;
      let ca = 0;
      const sample = () => {
        meanExplicit.push(ce ? se / ce : NaN);
        meanAbsImplicit.push(ca ? sa / ca : NaN);
      };
      const order = entry.ranked.order;
      while (t < targets.length && targets[t] === 0) {
        sample();
        t++;
      }
      for (let p = 0; p < order.length && t < targets.length; p++) {
        const r = order[p];
        if ((allowed && allowed[r] === 0) || codes[r] === 2) continue;
        taken++;
        if (Number.isFinite(ex[r])) {
          se += ex[r];
          ce++;
        }
        if (Number.isFinite(abs[r])) {
          sa += abs[r];
          ca++;
        }
        while (t < targets.length && targets[t] <= taken) {
          sample();
          t++;
        }
      }
      while (t < targets.length) {
        sample();
        t++;
      }
      picks.push({
        metric,
        unavailable: null,
        selectedCount: ev.selectedCount,
        quadrants,
        meanExplicit,
        meanAbsImplicit,
      });
      masks.push(ev.mask);
      this.compareMasks.set(metric, ev.mask);
    }
    const m = picks.length;
    const overlap = Array.from({ length: m }, () => new Array<number>(m).fill(0));
    const jaccard = Array.from({ length: m }, () => new Array<number>(m).fill(NaN));
    for (let a = 0; a < m; a++)
      for (let b = a; b < m; b++) {
        const ma = masks[a];
        const mb = masks[b];
        if (!ma || !mb) continue;
        let inter = 0;
        for (let i = 0; i < n; i++) inter += ma[i] & mb[i];
        const union = picks[a].selectedCount + picks[b].selectedCount - inter;
        overlap[a][b] = overlap[b][a] = inter;
        jaccard[a][b] = jaccard[b][a] = union === 0 ? 1 : inter / union;
      }
    return {
      k,
      picks,
      overlap,
      jaccard,
      split: { explicit: sx, absImplicit: sy },
      quadrantTotals,
      ratios: CURVE_RATIOS,
    };
  }

  /**
   * One row's score under every metric of the ranking (the current gates do not matter here), with the reason a
   * metric cannot score this dataset; scores are cached per metric like the ranking's own.
   */
  rowMetricScores(row: number): { metric: Metric; score: number; unavailable: string | null }[] {
    if (!(row >= 0 && row < this.source.rowCount)) throw new RangeError(`row ${row} is not in the dataset`);
    return METRIC_OPTIONS.map(({ value: metric }) => {
      const unavailable = metricUnavailable(metric, this.logps !== null);
      if (unavailable) return { metric, score: NaN, unavailable };
      const entry = this.rankedFor({ ...this.spec, ranking: { ...this.spec.ranking, metric } });
      return { metric, score: entry.scores.score[row], unavailable: null };
    });
  }

  /** The computed columns as export extras. */
  computedColumns(): ExtraColumn[] {
    const cols = this.currentSelection().columns;
    return [
      { name: "explicit_margin", values: this.columns.explicit },
      { name: "implicit_margin", values: this.columns.implicit },
      { name: "m_ap", values: cols.mAp },
      { name: "m_ap_rank", values: cols.mApRank },
      ...this.attached,
    ];
  }

  /**
   * The selected rows in `format` (input order), optionally with the computed columns appended, as a Blob of
   * chunks; `options` report progress and cancel (see `writeRows`).
   */
  async exportSelection(
    format: ExportFormat,
    includeComputed: boolean,
    options: ExportStreamOptions = {},
  ): Promise<{ blob: Blob; fileName: string; count: number }> {
    const sink = new BlobSink();
    const { count } = await this.writeSelection(format, includeComputed, sink, options);
    return {
      blob: sink.finish(exportMimeType(format)),
      fileName: exportFileName(this.source.info.name, format),
      count,
    };
  }

  /** The bytes of {@link exportSelection} streamed to `sink` chunk by chunk (a file, a writable stream). */
  async writeSelection(
    format: ExportFormat,
    includeComputed: boolean,
    sink: ByteSink,
    options: ExportStreamOptions = {},
  ): Promise<{ count: number; bytes: number; fileName: string }> {
    const { indices } = this.currentSelection();
    const extra = includeComputed ? this.computedColumns() : undefined;
    const { bytes } = await writeRows(this.source, indices, format, sink, { ...options, extra, mapping: this.mapping });
    return { count: indices.length, bytes, fileName: exportFileName(this.source.info.name, format) };
  }

  /** Every row's content SHA-256 ({@link rowContentDigest}), 32 bytes a row; one scan of the texts, then cached. */
  async rowDigests(onProgress?: (fraction: number) => void): Promise<ParseResult<Uint8Array>> {
    if (this.digests) return { ok: true, data: this.digests };
    const digests = new Uint8Array(this.source.rowCount * DIGEST_BYTES);
    const problem = await this.source.scan((record, where) => {
      digests.set(rowContentDigest(toPair(record, this.mapping)), where.row * DIGEST_BYTES);
      return undefined;
    }, onProgress);
    if (problem) return { ok: false, reason: problem };
    this.digests = digests;
    return { ok: true, data: digests };
  }

  /**
   * Re-applies a recipe to this file, the one it was made on or an edited version: the recipe's mapping first
   * when it differs, then its ranking and gates as they are, and its decisions matched by row content (version 3)
   * or by row index (version 2). On a problem (a mapping field or a column the file lacks, a bad regex) nothing
   * changes. The applied selection is then the current one (`currentSelection`).
   */
  async applyRecipe(
    recipe: ParsedRecipe,
    original: Blob | BackgroundHash,
    onProgress?: (stage: string, fraction: number) => void,
  ): Promise<ParseResult<AppliedRecipe>> {
    const progress = onProgress ?? (() => {});
    const sameFile = (await fileSha256(original, (f) => progress("hashing file", f))) === recipe.input.sha256;
    const previous = this.mapping;
    const previousSpec = this.spec;
    const remapped = !sameMapping(previous, recipe.mapping);
    if (remapped) {
      const problem = await this.remap(recipe.mapping, (f) => progress("applying the recipe's mapping", f));
      if (problem)
        return { ok: false, reason: { ...problem, message: `the recipe's column mapping: ${problem.message}` } };
    }
    const fail = async (reason: ParseProblem): Promise<ParseResult<AppliedRecipe>> => {
      // Back to the mapping and selection the app shows, so a refused recipe leaves the session as it was.
      if (remapped) await this.remap(previous);
      this.spec = previousSpec;
      return { ok: false, reason };
    };
    let digests: Uint8Array | null = null;
    if (recipe.content && !sameFile) {
      const hashed = await this.rowDigests((f) => progress("hashing rows", f));
      if (!hashed.ok) return fail(hashed.reason);
      digests = hashed.data;
    }
    const { decisions, report } = matchDecisions(recipe, digests, this.source.rowCount, { sameFile, remapped });
    const spec: SelectionSpec = { ranking: recipe.selection.ranking, gates: recipe.selection.gates, decisions };
    const problem = await this.prepare(spec);
    if (problem) return fail(problem);
    try {
      this.select(spec);
    } catch (err) {
      if (err instanceof RangeError) return fail({ file: this.source.info.name, message: err.message });
      throw err;
    }
    return { ok: true, data: { spec, report } };
  }

  /**
   * The recipe of the current selection (version 3), with the SHA-256 of the input file as given and the
   * decisions by row content as well as by index.
   */
  async recipe(original: Blob | BackgroundHash, onProgress?: (fraction: number) => void): Promise<SelectionRecipe> {
    const selection = this.currentSelection();
    const spec = this.spec;
    const r = spec.ranking;
    const info = this.source.info;
    const gate = (source: string, field: FieldKey) =>
      spec.gates.find((g) => g.kind === "interval" && g.source === source && g.field === field) as
        (Gate & { kind: "interval" }) | undefined;
    const ex = gate(histogramSource("explicit"), "explicit");
    const im = gate(histogramSource("absImplicit"), "absImplicit");
    return {
      tool: "margin-atlas",
      version: 3,
      input: {
        name: info.name,
        format: info.format,
        gzip: info.gzip,
        bytes: info.byteLength,
        sha256: await fileSha256(original, (f) => onProgress?.(f / 2)),
      },
      rowCount: this.source.rowCount,
      mapping: this.mapping,
      selection: spec,
      metric: r.metric,
      weight: r.weight,
      ratio: r.ratio,
      topK: r.topK ?? null,
      seed: r.seed,
      thresholds: {
        explicitFloor: ex?.lo ?? null,
        explicitCeiling: ex?.hi ?? null,
        implicitCeiling: im?.hi ?? null,
      },
      scoredRows: selection.scores.valid,
      selectedCount: selection.indices.length,
      keptByHand: [...spec.decisions.keep],
      droppedByHand: [...spec.decisions.drop],
      selectedIndices: Array.from(selection.indices),
      content: recipeContent(await this.contentDigests((f) => onProgress?.(0.5 + f / 2)), spec.decisions),
    };
  }

  private async contentDigests(onProgress?: (fraction: number) => void): Promise<Uint8Array> {
    const r = await this.rowDigests(onProgress);
    // The rows were all read when the file was opened: a failure now is the file changing under us, not bad input.
    if (!r.ok) throw new Error(`could not hash the rows: ${r.reason.message}`);
    return r.data;
  }
}
