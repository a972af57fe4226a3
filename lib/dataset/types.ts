/**
 * Shared types of the data layer: file formats, parse problems, raw records, column mappings and
 * normalised pairs. Pure TypeScript, no DOM or Node imports.
 */

/** File formats the workbench reads and writes. */
export type DatasetFormat = "jsonl" | "json" | "csv" | "tsv" | "parquet";

/** What was found out about an input file before its rows were read. */
export interface FileInfo {
  /** The file name as the user gave it (e.g. `test.jsonl.gz`). */
  name: string;
  format: DatasetFormat;
  /** True when the bytes were gzip-compressed (decompressed transparently). */
  gzip: boolean;
  /** Size of the file as given (compressed size for gzip). */
  byteLength: number;
}

/** A problem in a user's file: where it is (file, 1-based line and column, 0-based row, field) and what was expected. */
export interface ParseProblem {
  file: string;
  line?: number;
  column?: number;
  /** 0-based data row index. */
  row?: number;
  field?: string;
  message: string;
}

/** Result of parsing user input: never throws for bad input. */
export type ParseResult<T> = { ok: true; data: T } | { ok: false; reason: ParseProblem };

/** Renders a problem as one human-readable line, e.g. `data.jsonl, line 3, column 17, field "chosen": expected …`. */
export function formatProblem(p: ParseProblem): string {
  const parts = [p.file];
  if (p.line !== undefined) parts.push(`line ${p.line}`);
  if (p.column !== undefined) parts.push(`column ${p.column}`);
  if (p.line === undefined && p.row !== undefined) parts.push(`row ${p.row}`);
  if (p.field !== undefined) parts.push(`field "${p.field}"`);
  return `${parts.join(", ")}: ${p.message}`;
}

/** One row as parsed from the source (JSON object, CSV record with string cells, Parquet row). */
export type RawRecord = Record<string, unknown>;

/** Where a record sits in its file, for error messages. */
export interface RecordLocation {
  /** 0-based data row index. */
  row: number;
  /** 1-based line where the record starts (undefined for Parquet). */
  line?: number;
}

/**
 * Called once per record during a scan, in file order. Returning a problem aborts the scan with it
 * (e.g. a field of the wrong type).
 */
export type RecordVisitor = (record: RawRecord, where: RecordLocation) => ParseProblem | void;

/** The six dataset schemas the workbench recognises. */
export type SchemaKind =
  /** strings `prompt` / `chosen` / `rejected` (TRL). */
  | "trl"
  /** chat message lists `[{role, content}]` for chosen/rejected, optional `prompt` (UltraFeedback-binarized, paper files). */
  | "chat"
  /** ShareGPT `conversations` + `chosen`/`rejected` as `{from, value}` (LLaMA-Factory). */
  | "sharegpt"
  /** Anthropic HH transcripts `"\n\nHuman: … \n\nAssistant: …"` in `chosen`/`rejected`. */
  | "hh"
  /** pairwise `output_1`/`output_2` with a `label` (1|2) or a judge `preference` in [1, 2] (AlpacaEval, LLMBar). */
  | "pairwise"
  /** multi-response `all_generated_responses` + `all_rm_scores`: chosen = argmax, rejected = argmin. */
  | "multi";

/** Where the explicit margin m_ex = r(chosen) − r(rejected) comes from. */
export type ExplicitSource =
  | { kind: "none" }
  /** A margin column, e.g. `rm_margin`. */
  | { kind: "column"; field: string }
  /** `chosen − rejected` of two score columns, e.g. `score_chosen`, `score_rejected`. */
  | { kind: "difference"; chosen: string; rejected: string }
  /** max − min of a numeric list column, e.g. `all_rm_scores`. */
  | { kind: "score-range"; field: string }
  /**
   * A judge probability in [1, 2] where `value − 1` = P(second output better) (AlpacaEval `preference`):
   * m_ex = logit(P(chosen better)), clamped to ±logit(1 − 1e-6).
   */
  | { kind: "judge-probability"; field: string };

/** Where the implicit margin m_im comes from. */
export type ImplicitSource =
  | { kind: "none" }
  /** A margin column, e.g. `logp_margin_norm`. */
  | { kind: "column"; field: string }
  /** `chosen − rejected` of two columns: `chosen_logps_norm − rejected_logps_norm` (SimPO) or sums `chosen_logps − rejected_logps`. */
  | { kind: "difference"; chosen: string; rejected: string }
  /** DPO: β·[(π_c − ref_c) − (π_r − ref_r)] from four log-prob columns. */
  | { kind: "dpo"; chosen: string; rejected: string; refChosen: string; refRejected: string; beta: number };

/** How a file's fields map onto (prompt, chosen, rejected) and margins. Field names are top-level keys. */
export interface ColumnMapping {
  schema: SchemaKind;
  /** trl/chat: `prompt`; sharegpt: `conversations`; pairwise: `instruction`/`input`; multi: `prompt`. Optional for chat and hh. */
  prompt?: string;
  /** trl/chat/sharegpt/hh: the chosen field. */
  chosen?: string;
  /** trl/chat/sharegpt/hh: the rejected field. */
  rejected?: string;
  /** pairwise: the first and second outputs. */
  outputA?: string;
  outputB?: string;
  /** pairwise: a 1|2 label naming the better output (takes precedence over `preference` for orientation). */
  label?: string;
  /** pairwise: a judge probability in [1, 2] (AlpacaEval `preference`). */
  preference?: string;
  /** multi: the list of responses (strings or chat lists) and their scores. */
  responses?: string;
  scores?: string;
  explicit: ExplicitSource;
  implicit: ImplicitSource;
}

/** One chat message. */
export interface Message {
  role: string;
  content: string;
}

/** A record normalised for display and scoring: the shared prompt and the two responses (assistant turns only). */
export interface Pair {
  prompt: Message[];
  chosen: Message[];
  rejected: Message[];
}

/** Per-row margins, NaN where missing. Index = 0-based row. */
export interface MarginColumns {
  explicit: Float64Array;
  implicit: Float64Array;
}

/** A value read with a coercion the user must be told about (counted per field by the extractor). */
export type CoercionKind = "number written as text" | "missing marker written as text";

/** Coercions counted over a scan: per field and kind, the rows and one example as written. */
export interface CoercionCount {
  field: string;
  kind: CoercionKind;
  rows: number;
  example: string;
}
