/**
 * A loaded dataset and everything computed from it: the row source (file bytes + row index), the column
 * mapping, margin columns, scores and the current selection. Runs in the dataset worker and in the CLI.
 */
import type {
  ColumnMapping,
  DatasetFormat,
  ExplicitSource,
  ImplicitSource,
  FileInfo,
  MarginColumns,
  Pair,
  ParseProblem,
  ParseResult,
  RawRecord,
} from "@/lib/dataset/types";
import { openSource, type RowSource } from "@/lib/dataset/source";
import { createExtractor, describeFields, detectMapping, toPair, validateMapping } from "@/lib/dataset/schema";
import { alignmentPotential, computeScores, rankOf, selectTop } from "@/lib/metrics/select";
import type { Metric, Scores, Selection, SelectOptions } from "@/lib/metrics/select";
import { exportFileName, exportRows, type ExtraColumn } from "@/lib/export/export";
import { sha256Hex } from "@/lib/dataset/hash";
import { DEFAULT_SETTINGS } from "@/lib/workbench/defaults";

/** Rows read to detect the schema. */
const DETECTION_SAMPLE = 200;

/** Scoring and selection settings the user controls. */
export interface SelectionSettings extends SelectOptions {
  metric: Metric;
  /** Implicit weight w in M_AP = z(m_ex) − w·z(|m_im|). */
  weight: number;
  /** Seed of the random baseline. */
  seed: number;
}

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
}

/** Columns derived from the current scoring settings, indexed by source row. */
export interface ScoreColumns {
  /** Score of the chosen metric (higher = better), NaN where unscored. */
  score: Float64Array;
  /** Alignment potential with the current w, NaN where a margin is missing. */
  mAp: Float64Array;
  /** 1-based rank of M_AP (1 = best), NaN where missing. */
  mApRank: Float64Array;
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

/** Computed columns appended to exports when asked, in this order. */
export const COMPUTED_COLUMN_NAMES = ["explicit_margin", "implicit_margin", "m_ap", "m_ap_rank"] as const;

/** Recipe written beside an export: enough to reproduce the selection. */
export interface SelectionRecipe {
  tool: "margin-atlas";
  version: 1;
  input: { name: string; format: DatasetFormat; gzip: boolean; bytes: number; sha256: string };
  rowCount: number;
  mapping: ColumnMapping;
  metric: Metric;
  weight: number;
  ratio: number;
  topK: number | null;
  seed: number;
  thresholds: { explicitFloor: number | null; implicitCeiling: number | null };
  scoredRows: number;
  selectedCount: number;
  /** 0-based row indices of the input, ascending. */
  selectedIndices: number[];
}

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

/** A dataset opened for curation. Create with {@link DatasetSession.open}. */
export class DatasetSession {
  private scores: Scores | null = null;
  private scoreKey = "";
  private scoreColumns: ScoreColumns | null = null;
  private selection: Selection | null = null;
  private settings: SelectionSettings = { ...DEFAULT_SETTINGS };
  /** Columns computed in the browser (e.g. log-probs from the scoring worker), exported with the computed columns. */
  private attached: ExtraColumn[] = [];

  private constructor(
    readonly source: RowSource,
    private mapping: ColumnMapping,
    private notes: string[],
    private fieldSummary: FieldSummary,
    private columns: MarginColumns,
  ) {}

  /** Opens, detects the schema (or uses `mapping`), and extracts the margin columns in one scan. */
  static async open(
    file: Blob,
    name: string,
    options: { mapping?: ColumnMapping; onProgress?: (stage: string, fraction: number) => void } = {},
  ): Promise<ParseResult<DatasetSession>> {
    const progress = options.onProgress ?? (() => {});
    const opened = await openSource(file, name, (f) => progress("indexing", f));
    if (!opened.ok) return opened;
    const source = opened.data;
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
    const fields = describeFields(sample, source.fields);
    let mapping: ColumnMapping;
    let notes: string[];
    if (options.mapping) {
      mapping = options.mapping;
      notes = ["column mapping given by the user"];
    } else {
      const detected = detectMapping(sample, source.fields, name);
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
    const invalid = validateMapping(mapping, this.source.fields, this.source.info.name);
    if (invalid) return invalid;
    const columns: MarginColumns = {
      explicit: new Float64Array(this.source.rowCount).fill(NaN),
      implicit: new Float64Array(this.source.rowCount).fill(NaN),
    };
    const problem = await this.source.scan(createExtractor(mapping, this.source.info.name, columns), onProgress);
    if (problem) return problem;
    this.columns = columns;
    this.mapping = mapping;
    this.scores = null;
    this.scoreKey = "";
    this.scoreColumns = null;
    this.selection = null;
    return null;
  }

  /**
   * Attaches columns computed outside the file (the scoring worker's log-probs and reward scores) and, when given,
   * replaces the explicit and/or implicit margin columns with computed ones (NaN for rows not scored yet).
   * Attached columns are appended to exports with "Include computed columns".
   */
  attachColumns(columns: ExtraColumn[], margins: { explicit?: Float64Array; implicit?: Float64Array } = {}): void {
    const n = this.source.rowCount;
    for (const c of [...columns.map((c) => c.values), margins.explicit, margins.implicit]) {
      if (c && c.length !== n) throw new Error(`attached column has ${c.length} rows, the dataset has ${n}`);
    }
    const byName = new Map(this.attached.map((c) => [c.name, c]));
    for (const c of columns) byName.set(c.name, c);
    this.attached = [...byName.values()];
    this.columns = {
      explicit: margins.explicit ?? this.columns.explicit,
      implicit: margins.implicit ?? this.columns.implicit,
    };
    this.scores = null;
    this.scoreKey = "";
    this.scoreColumns = null;
    this.selection = null;
  }

  /** Applies a user-edited mapping; on a problem, the previous mapping and columns stay in place. */
  async remap(mapping: ColumnMapping, onProgress?: (fraction: number) => void): Promise<ParseProblem | null> {
    const problem = await this.extract(mapping, onProgress);
    if (!problem)
      this.notes = [
        `column mapping edited by the user (schema ${mapping.schema})`,
        describeMarginSource("explicit", mapping.explicit),
        describeMarginSource("implicit", mapping.implicit),
      ];
    return problem;
  }

  /** What the UI shows about the dataset. */
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
    };
  }

  /** The margin columns (m_ex, m_im per row, NaN = missing). */
  margins(): MarginColumns {
    return this.columns;
  }

  /** Recomputes scores only when metric, w or seed changed; thresholds and ratio only redo the top-k. */
  select(settings: SelectionSettings): {
    selection: Selection;
    scores: Scores;
    columns: ScoreColumns;
    rescored: boolean;
  } {
    this.settings = { ...settings };
    const key = `${settings.metric}|${settings.weight}|${settings.seed}`;
    let rescored = false;
    if (!this.scores || !this.scoreColumns || key !== this.scoreKey) {
      this.scores = computeScores(this.columns, settings);
      const mAp = alignmentPotential(this.columns, settings.weight);
      this.scoreColumns = { score: this.scores.score, mAp, mApRank: rankOf(mAp) };
      this.scoreKey = key;
      rescored = true;
    }
    this.selection = selectTop(this.scores, this.columns, settings);
    return { selection: this.selection, scores: this.scores, columns: this.scoreColumns, rescored };
  }

  /** The current selection (computing the default one if none yet). */
  currentSelection(): Selection {
    return this.selection ?? this.select(this.settings).selection;
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

  /** A row order for the table: by a column, ascending or descending, NaN last; optionally selected rows only. */
  order(
    key: "row" | "explicit" | "implicit" | "m_ap" | "score",
    descending: boolean,
    selectedOnly: boolean,
  ): Uint32Array {
    const mask = selectedOnly ? this.currentSelection().mask : null;
    const n = this.source.rowCount;
    let count = 0;
    for (let i = 0; i < n; i++) if (!mask || mask[i]) count++;
    const ids = new Uint32Array(count);
    for (let i = 0, j = 0; i < n; i++) if (!mask || mask[i]) ids[j++] = i;
    if (key === "row") return descending ? ids.reverse() : ids;
    const cols = this.scoreColumns ?? this.select(this.settings).columns;
    const values =
      key === "explicit"
        ? this.columns.explicit
        : key === "implicit"
          ? this.columns.implicit
          : key === "m_ap"
            ? cols.mAp
            : cols.score;
    const sign = descending ? -1 : 1;
    ids.sort((a, b) => {
      const va = values[a];
      const vb = values[b];
      const na = Number.isNaN(va);
      const nb = Number.isNaN(vb);
      if (na || nb) return na === nb ? a - b : na ? 1 : -1;
      return va === vb ? a - b : sign * (va - vb);
    });
    return ids;
  }

  /** The computed columns as export extras. */
  computedColumns(): ExtraColumn[] {
    const cols = this.scoreColumns ?? this.select(this.settings).columns;
    return [
      { name: "explicit_margin", values: this.columns.explicit },
      { name: "implicit_margin", values: this.columns.implicit },
      { name: "m_ap", values: cols.mAp },
      { name: "m_ap_rank", values: cols.mApRank },
      ...this.attached,
    ];
  }

  /** The selected rows in `format` (input order), optionally with the computed columns appended. */
  async exportSelection(
    format: DatasetFormat,
    includeComputed: boolean,
  ): Promise<{ blob: Blob; fileName: string; count: number }> {
    const { indices } = this.currentSelection();
    const blob = await exportRows(this.source, indices, format, includeComputed ? this.computedColumns() : undefined);
    return { blob, fileName: exportFileName(this.source.info.name, format), count: indices.length };
  }

  /** The recipe of the current selection, with the SHA-256 of the input file as given. */
  async recipe(original: Blob, onProgress?: (fraction: number) => void): Promise<SelectionRecipe> {
    const selection = this.currentSelection();
    const s = this.settings;
    const info = this.source.info;
    return {
      tool: "margin-atlas",
      version: 1,
      input: {
        name: info.name,
        format: info.format,
        gzip: info.gzip,
        bytes: info.byteLength,
        sha256: await sha256Hex(original, onProgress),
      },
      rowCount: this.source.rowCount,
      mapping: this.mapping,
      metric: s.metric,
      weight: s.weight,
      ratio: s.ratio,
      topK: s.topK ?? null,
      seed: s.seed,
      thresholds: { explicitFloor: s.explicitFloor ?? null, implicitCeiling: s.implicitCeiling ?? null },
      scoredRows: this.scores?.valid ?? 0,
      selectedCount: selection.indices.length,
      selectedIndices: Array.from(selection.indices),
    };
  }
}
