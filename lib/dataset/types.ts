/**
 * Shared types of the data layer: file formats, parse problems, raw records, column mappings and
 * normalised pairs. Pure TypeScript, no DOM or Node imports.
 */

/** File formats the workbench reads and writes. */
export type DatasetFormat = "jsonl" | "json" | "csv" | "tsv" | "parquet";

/**
 * Formats an export can be written in: a file format, or `trl`, JSON Lines in TRL's preference format (prompt,
 * chosen, rejected; `lib/export/trl.ts`), which is written and never read back as a format of its own.
 */
export type ExportFormat = DatasetFormat | "trl";

/** What was found out about an input file before its rows were read. */
export interface FileInfo {
  /** The file name as the user gave it (e.g. `test.jsonl.gz`). */
  name: string;
  format: DatasetFormat;
  /** True when the bytes were gzip-compressed (decompressed transparently). */
  gzip: boolean;
  /** Set when the decompressed bytes live in a file on disk (OPFS) rather than in memory (lib/dataset/readers/gzip.ts). */
  gunzippedTo?: "opfs";
  /** Size of the file as given (compressed size for gzip). */
  byteLength: number;
  /** Set when several files are read as one dataset (`lib/dataset/multi-source.ts`): each file, in row order. */
  files?: ShardFile[];
}

/** One file of a dataset made of several (shards): rows `firstRow … firstRow + rowCount − 1` come from it. */
export interface ShardFile {
  name: string;
  byteLength: number;
  firstRow: number;
  rowCount: number;
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
   * The scores that picked the pair: multi `scores[chosen] − scores[rejected]` (sign turned for `lower-better`
   * ranks, so a pair in score order is positive); pairwise by scores `s_chosen −
   * s_rejected`, by strength `|strength|`, by probability `logit(P(chosen better))` (clamped), by votes
   * `votes(chosen) − votes(rejected)`; NaN for a label.
   */
  | { kind: "picked" }
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
  | { kind: "dpo"; chosen: string; rejected: string; refChosen: string; refRejected: string; beta: number }
  /**
   * multi: per-response summed log-prob lists (e.g. `all_generated_logps` of `generate`): the picked responses'
   * mean token log-prob difference `lp[c]/n[c] − lp[r]/n[r]` with a token-count list `tokens` (SimPO style), else the
   * summed difference.
   */
  | { kind: "picked-logps"; logps: string; tokens?: string };

/**
 * Which output of a pairwise record is better, for the hand mapping and the detected schemas beyond AlpacaEval.
 * A record whose orientation is a tie, has no majority or is missing is excluded (counted and listed), never
 * guessed. Output A is `outputA`, B is `outputB`.
 */
export type Orientation =
  /** A label field; its value as text (trimmed, e.g. "1", "model_a", "0") in `a` → A better, in `b` → B better, in `tie` → tie; any other value is a problem naming the row. */
  | { kind: "label"; field: string; a: string[]; b: string[]; tie: string[] }
  /** A probability that B is better, on [0, 1] (`scale: "unit"`) or AlpacaEval's [1, 2] (`"one-two"`); exactly ½ is a tie. */
  | { kind: "probability"; field: string; scale: "unit" | "one-two" }
  /** Two per-response scores: the higher wins; equal scores are a tie. */
  | { kind: "scores"; a: string; b: string }
  /** A signed strength (HelpSteer2 `preference_strength`, −3…3): negative → A better, positive → B, 0 → tie. */
  | { kind: "strength"; field: string }
  /** Several annotator vote fields, each value as text in `a`, `b` or `tie` (e.g. "1", "2", "0"); the unique most frequent of A / B / tie wins, a tie vote winning is a tie, no unique winner is "no majority". Missing votes are skipped. */
  | { kind: "votes"; fields: string[]; a: string[]; b: string[]; tie: string[] };

/**
 * How a multi-response record becomes pairs (scores = the mapping's `scores`, or the mean of `scoreFields`):
 * - `best-worst`: chosen = first highest, rejected = first lowest other response (the default; the paper's rule);
 * - `best-random-lower`: chosen = first highest, rejected drawn uniformly among the responses scored strictly lower,
 *   seeded by (seed, record index) (Zephyr's `ultrafeedback_binarized`; with mean aspect ratings, Argilla's cleaned
 *   rule); a record with no lower response is excluded ("tie");
 * - `adjacent`: every adjacent pair in score order, best first (Nectar ranks: 1 vs 2, 2 vs 3, …); equal scores skip
 *   that pair.
 */
export type Binarization =
  | {
      rule: "best-worst";
      /**
       * Self-play's rule (the paper's on-policy setting): a record whose best and worst scores are equal is excluded
       * ("tie") and one whose best and worst responses have the same text is excluded ("identical responses"), instead
       * of pairing them anyway. Off (absent) by default, as the released selection code pairs them.
       */
      strict?: boolean;
    }
  | {
      rule: "best-random-lower";
      seed: number;
      /**
       * The pool the rejected response is drawn from: `"lower"` (default) the responses scored strictly lower (Argilla's
       * cleaned rule); `"others"` every other scored response, equal scores included, as Zephyr's
       * `ultrafeedback_binarized` did (`create_dataset.py`: `random.choice` until it differs from the chosen one).
       */
      among?: "lower" | "others";
    }
  | { rule: "adjacent" };

/** Why a record yields no pair (counted and listed, never an error). */
export type ExclusionReason =
  "tie" | "no majority" | "no orientation" | "fewer than two responses" | "identical responses";

/**
 * Which responses of a record form one pair: pairwise 0 = output A, 1 = output B; multi = indices into the response
 * list. Attached to a record under {@link PAIR_PICK} when a file's records become pairs by a plan (`pair-plan.ts`).
 */
export interface PairPick {
  chosen: number;
  rejected: number;
}

/** Symbol key under which a planned record carries its {@link PairPick} (not serialised, not a field). */
export const PAIR_PICK: unique symbol = Symbol.for("margin-atlas.pair-pick");

/**
 * How a file's fields map onto (prompt, chosen, rejected) and margins. A field is a top-level key or a path
 * (`input.messages`, `completions[].response`: `.` steps into objects, `[]` maps over a list); an exact top-level
 * key wins over a path reading of the same text.
 */
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
  /** Prompt from several fields joined in order (overrides `prompt`), each read as text, joined by `promptSeparator` (default "\n\n"). */
  promptFields?: string[];
  promptSeparator?: string;
  /** pairwise: how the better output is found (overrides `label` / `preference`); ties are excluded. */
  orientation?: Orientation;
  /** multi: several score lists averaged per response (e.g. UltraFeedback's four aspect ratings; overrides `scores`). */
  scoreFields?: string[];
  /** multi: how pairs are built from the scored responses (default best-worst). */
  binarize?: Binarization;
  /** multi: `"lower-better"` when the scores are ranks (Nectar `rank`: 1 = best); default higher is better. */
  scoreOrder?: "higher-better" | "lower-better";
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
export type CoercionKind =
  | "number written as text"
  | "missing marker written as text"
  /** Python's bare `NaN` / `Infinity` / `-Infinity` (not JSON), read as missing. */
  | "non-finite number written as a bare token";

/** Coercions counted over a scan: per field and kind, the rows and one example as written. */
export interface CoercionCount {
  field: string;
  kind: CoercionKind;
  rows: number;
  example: string;
}
