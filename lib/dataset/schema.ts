/**
 * Schema detection: from a sample of records and the field list, which of the six schemas a file uses, which
 * fields play which role, and where its explicit and implicit margins come from. Also checks user-edited
 * mappings. The per-record pass lives in `schema-extract.ts`, pair normalisation in `pair.ts`.
 *
 * Margin sources are found by field name, first match wins:
 * - explicit: a margin column (`rm_margin`, `reward_margin`); a score difference (`score_chosen − score_rejected`,
 *   `chosen_score`, `reward_chosen`, `chosen_reward`, `chosen_rating`, `rating_chosen` pairs); the range of
 *   `all_rm_scores` (or the multi schema's score list); a pairwise judge `preference` (logit of P(chosen better)).
 * - implicit: `logp_margin_norm`; `chosen_logps_norm − rejected_logps_norm` (SimPO, the paper's default);
 *   DPO β·[(π_c − ref_c) − (π_r − ref_r)] on summed log-probs when reference columns exist (β = DEFAULT_DPO_BETA);
 *   `chosen_logps − rejected_logps` (sums).
 */
import type {
  ColumnMapping,
  ExplicitSource,
  ImplicitSource,
  ParseProblem,
  ParseResult,
  RawRecord,
  SchemaKind,
} from "@/lib/dataset/types";
import { isHhTranscript } from "@/lib/dataset/hh";
import { readMessage } from "@/lib/dataset/pair";
import { asList, isMissing, isNumberLike, readNumberList } from "@/lib/dataset/schema-values";
import { DEFAULT_DPO_BETA } from "@/lib/metrics/margin-formulas";

export { createExtractor, explicitMargin, implicitMargin } from "@/lib/dataset/schema-extract";
export { toPair, pairToText, PairError } from "@/lib/dataset/pair";

/** What was detected, with human-readable notes for the UI. */
export interface Detection {
  mapping: ColumnMapping;
  notes: string[];
}

/** Candidate fields per role for the manual re-map UI. */
export interface FieldKinds {
  /** Strings (not all numeric), message lists and message objects. */
  text: string[];
  /** Numbers or numeric strings (at least one present in the sample). */
  numeric: string[];
  /** Lists of numbers (or JSON text of such lists). */
  numericList: string[];
  /** Every field, in file order. */
  all: string[];
}

const PROMPT_FIELDS = ["prompt", "instruction", "question", "input", "query"];
const CONVERSATION_FIELDS = ["conversations", "conversation", "messages"];
const PAIRWISE_OUTPUTS: [string, string][] = [["output_1", "output_2"]];
const PAIRWISE_PROMPTS = ["instruction", "input", "prompt", "question"];
const RESPONSE_LIST_FIELDS = ["all_generated_responses", "all_responses", "responses"];
const SCORE_LIST_FIELDS = ["all_rm_scores", "all_scores", "scores"];
const EXPLICIT_COLUMNS = ["rm_margin", "reward_margin"];
const EXPLICIT_PAIRS: [string, string][] = [
  ["score_chosen", "score_rejected"],
  ["chosen_score", "rejected_score"],
  ["reward_chosen", "reward_rejected"],
  ["chosen_reward", "rejected_reward"],
  ["chosen_rating", "rejected_rating"],
  ["rating_chosen", "rating_rejected"],
];
const IMPLICIT_COLUMNS = ["logp_margin_norm"];
const NORM_PAIRS: [string, string][] = [
  ["chosen_logps_norm", "rejected_logps_norm"],
  ["policy_chosen_logps_norm", "policy_rejected_logps_norm"],
];
const SUM_PAIRS: [string, string][] = [
  ["chosen_logps", "rejected_logps"],
  ["policy_chosen_logps", "policy_rejected_logps"],
];
const REF_PAIRS: [string, string][] = [
  ["ref_chosen_logps", "ref_rejected_logps"],
  ["reference_chosen_logps", "reference_rejected_logps"],
];
/** Share of sampled chosen strings that must be Human/Assistant transcripts for the file to count as HH. */
const HH_SHARE = 0.8;

function allFields(sample: RawRecord[], fields: string[]): string[] {
  const out = [...fields];
  const seen = new Set(fields);
  for (const record of sample) {
    for (const k of Object.keys(record)) {
      if (!seen.has(k)) {
        seen.add(k);
        out.push(k);
      }
    }
  }
  return out;
}

function present(sample: RawRecord[], field: string): unknown[] {
  const out: unknown[] = [];
  for (const r of sample) if (!isMissing(r[field])) out.push(r[field]);
  return out;
}

function isMessageList(v: unknown): boolean {
  const list = asList(v);
  return list !== null && list.length > 0 && list.every((m) => readMessage(m) !== null);
}

function isMessageObject(v: unknown): boolean {
  return v !== null && typeof v === "object" && !Array.isArray(v) && readMessage(v) !== null;
}

const isNumberList = (v: unknown): boolean => asList(v) !== null && readNumberList(v).ok;

// Strings count as text unless every sampled value is a number (CSV cells of a numeric column are strings).
function isTextValue(v: unknown): boolean {
  return typeof v === "string" || isMessageList(v) || isMessageObject(v);
}

/** Candidate fields per role for the manual re-map UI: text-like fields, numeric fields, numeric-list fields. */
export function describeFields(sample: RawRecord[], fields: string[]): FieldKinds {
  const all = allFields(sample, fields);
  const text: string[] = [];
  const numeric: string[] = [];
  const numericList: string[] = [];
  for (const f of all) {
    const values = present(sample, f);
    if (values.length === 0) continue;
    if (values.every(isNumberLike)) numeric.push(f);
    else if (values.every(isNumberList)) numericList.push(f);
    else if (values.every(isTextValue)) text.push(f);
  }
  return { text, numeric, numericList, all };
}

/** Context shared by the detection steps. */
interface Probe {
  sample: RawRecord[];
  fields: Set<string>;
}

// Margin fields are recognised by name alone: a bad value in one must stop the scan naming its row and field,
// not quietly turn the margin off because the sample happened to contain it.
function numericField(p: Probe, field: string): boolean {
  return p.fields.has(field);
}

// The generic name `scores` may hold anything, so it must look like a score list in the sample.
function numericListField(p: Probe, field: string): boolean {
  return p.fields.has(field) && (field !== "scores" || present(p.sample, field).every(isNumberList));
}

function firstField(
  p: Probe,
  names: string[],
  ok: (f: string) => boolean = (f) => p.fields.has(f),
): string | undefined {
  return names.find((f) => ok(f));
}

function firstPair(p: Probe, pairs: [string, string][]): [string, string] | undefined {
  return pairs.find(([c, r]) => numericField(p, c) && numericField(p, r));
}

function detectExplicit(p: Probe, mapping: Omit<ColumnMapping, "explicit" | "implicit">): [ExplicitSource, string] {
  const column = firstField(p, EXPLICIT_COLUMNS, (f) => numericField(p, f));
  if (column) return [{ kind: "column", field: column }, `explicit margin: column ${column}`];
  const pair = firstPair(p, EXPLICIT_PAIRS);
  if (pair)
    return [{ kind: "difference", chosen: pair[0], rejected: pair[1] }, `explicit margin: ${pair[0]} − ${pair[1]}`];
  const scores = mapping.scores ?? firstField(p, SCORE_LIST_FIELDS, (f) => numericListField(p, f));
  if (scores) return [{ kind: "score-range", field: scores }, `explicit margin: max − min of ${scores}`];
  if (mapping.preference) {
    return [
      { kind: "judge-probability", field: mapping.preference },
      `explicit margin: logit of the judge's P(chosen better) from ${mapping.preference} (clamped at ±13.8)`,
    ];
  }
  return [{ kind: "none" }, "explicit margin: none in file"];
}

function detectImplicit(p: Probe): [ImplicitSource, string] {
  const column = firstField(p, IMPLICIT_COLUMNS, (f) => numericField(p, f));
  if (column) return [{ kind: "column", field: column }, `implicit margin: column ${column}`];
  const norm = firstPair(p, NORM_PAIRS);
  if (norm) {
    return [{ kind: "difference", chosen: norm[0], rejected: norm[1] }, `implicit margin: ${norm[0]} − ${norm[1]}`];
  }
  const sums = firstPair(p, SUM_PAIRS);
  const refs = firstPair(p, REF_PAIRS);
  if (sums && refs) {
    const source: ImplicitSource = {
      kind: "dpo",
      chosen: sums[0],
      rejected: sums[1],
      refChosen: refs[0],
      refRejected: refs[1],
      beta: DEFAULT_DPO_BETA,
    };
    return [
      source,
      `implicit margin: DPO β·[(${sums[0]} − ${refs[0]}) − (${sums[1]} − ${refs[1]})], β = ${DEFAULT_DPO_BETA}`,
    ];
  }
  if (sums) {
    return [
      { kind: "difference", chosen: sums[0], rejected: sums[1] },
      `implicit margin: ${sums[0]} − ${sums[1]} (summed log-probs)`,
    ];
  }
  return [{ kind: "none" }, "implicit margin: none in file"];
}

type Roles = Omit<ColumnMapping, "explicit" | "implicit">;

function share(values: unknown[], test: (v: unknown) => boolean): number {
  return values.length === 0 ? 0 : values.filter(test).length / values.length;
}

function detectRoles(p: Probe, fileName: string): ParseResult<{ roles: Roles; note: string }> {
  const { sample, fields } = p;
  const outputs = PAIRWISE_OUTPUTS.find(([a, b]) => fields.has(a) && fields.has(b));
  if (outputs) {
    const label = fields.has("label") ? "label" : undefined;
    const preference = fields.has("preference") ? "preference" : undefined;
    if (!label && !preference) {
      return {
        ok: false,
        reason: {
          file: fileName,
          field: "label",
          message: `found ${outputs[0]}/${outputs[1]} but no "label" (1|2) or "preference" field saying which output is better`,
        },
      };
    }
    const prompt = firstField(p, PAIRWISE_PROMPTS);
    const by = label
      ? `orientation by ${label} (1|2)${preference ? `, else ${preference}` : ""}`
      : `orientation by ${preference} (> 1.5 → ${outputs[1]} chosen; 1.5 → ${outputs[0]})`;
    return {
      ok: true,
      data: {
        roles: { schema: "pairwise", prompt, outputA: outputs[0], outputB: outputs[1], label, preference },
        note: `pairwise ${outputs[0]}/${outputs[1]}${prompt ? ` with prompt ${prompt}` : ""}; ${by}`,
      },
    };
  }
  if (fields.has("chosen") && fields.has("rejected")) {
    const chosen = present(sample, "chosen");
    const rejected = present(sample, "rejected");
    const both = [...chosen, ...rejected];
    const conversations = firstField(p, CONVERSATION_FIELDS);
    const prompt = firstField(p, PROMPT_FIELDS);
    if (both.length > 0 && both.every(isMessageObject)) {
      const fromValue = both.some((v) => typeof (v as { from?: unknown }).from === "string");
      const keys = fromValue ? "{from, value}" : "{role, content}";
      if (conversations) {
        return {
          ok: true,
          data: {
            roles: { schema: "sharegpt", prompt: conversations, chosen: "chosen", rejected: "rejected" },
            note: `ShareGPT ${conversations} + chosen/rejected ${keys}`,
          },
        };
      }
      return {
        ok: true,
        data: {
          roles: { schema: "chat", prompt, chosen: "chosen", rejected: "rejected" },
          note: `chat: chosen/rejected single messages ${keys}${prompt ? ` with prompt ${prompt}` : ""}`,
        },
      };
    }
    if (both.some(isMessageList)) {
      const promptField = prompt ?? conversations;
      return {
        ok: true,
        data: {
          roles: { schema: "chat", prompt: promptField, chosen: "chosen", rejected: "rejected" },
          note:
            `chat message lists in chosen/rejected` +
            (promptField ? ` with prompt ${promptField}` : "; prompt = the messages both share") +
            "; responses = the trailing assistant turns",
        },
      };
    }
    if (!prompt && share(chosen, isHhTranscript) >= HH_SHARE) {
      return {
        ok: true,
        data: {
          roles: { schema: "hh", chosen: "chosen", rejected: "rejected" },
          note: 'Anthropic HH transcripts ("\\n\\nHuman: … \\n\\nAssistant: …"); prompt = the shared dialogue up to the last common Assistant turn',
        },
      };
    }
    return {
      ok: true,
      data: {
        roles: { schema: "trl", prompt, chosen: "chosen", rejected: "rejected" },
        note: `TRL strings ${prompt ? `${prompt}/` : ""}chosen/rejected`,
      },
    };
  }
  const responses = firstField(p, RESPONSE_LIST_FIELDS);
  const scores = firstField(p, SCORE_LIST_FIELDS, (f) => numericListField(p, f));
  if (responses && scores) {
    const prompt = firstField(p, PROMPT_FIELDS);
    return {
      ok: true,
      data: {
        roles: { schema: "multi", prompt, responses, scores },
        note: `multiple responses ${responses} scored by ${scores}: chosen = highest score, rejected = lowest (ties: first)`,
      },
    };
  }
  const shown = [...fields].slice(0, 20).join(", ");
  return {
    ok: false,
    reason: {
      file: fileName,
      message:
        "could not recognise the schema: expected prompt/chosen/rejected, conversations + chosen/rejected, " +
        `output_1/output_2 with label or preference, or all_generated_responses + all_rm_scores; found fields: ${shown || "none"}`,
    },
  };
}

/** Detects the schema and margin sources from a sample of records (first ~200) and the field list. */
export function detectMapping(sample: RawRecord[], fields: string[], fileName: string): ParseResult<Detection> {
  const all = allFields(sample, fields);
  const probe: Probe = { sample, fields: new Set(all) };
  const roles = detectRoles(probe, fileName);
  if (!roles.ok) return roles;
  const [explicit, explicitNote] = detectExplicit(probe, roles.data.roles);
  const [implicit, implicitNote] = detectImplicit(probe);
  const mapping = stripUndefined({ ...roles.data.roles, explicit, implicit });
  return { ok: true, data: { mapping, notes: [roles.data.note, explicitNote, implicitNote] } };
}

// Keeps mappings comparable with toEqual and serialisable without `undefined` keys.
function stripUndefined(mapping: ColumnMapping): ColumnMapping {
  return Object.fromEntries(Object.entries(mapping).filter(([, v]) => v !== undefined)) as unknown as ColumnMapping;
}

/** Role fields each schema needs; `label`/`preference` of pairwise are checked separately (one is enough). */
const REQUIRED: Record<SchemaKind, (keyof ColumnMapping)[]> = {
  trl: ["chosen", "rejected"],
  chat: ["chosen", "rejected"],
  sharegpt: ["prompt", "chosen", "rejected"],
  hh: ["chosen", "rejected"],
  pairwise: ["outputA", "outputB"],
  multi: ["responses", "scores"],
};

const ROLE_NAMES: Partial<Record<keyof ColumnMapping, string>> = {
  prompt: "prompt",
  chosen: "chosen",
  rejected: "rejected",
  outputA: "first output",
  outputB: "second output",
  label: "label",
  preference: "preference",
  responses: "responses",
  scores: "scores",
};

const ROLE_KEYS = Object.keys(ROLE_NAMES) as (keyof ColumnMapping)[];

/** Checks a (possibly user-edited) mapping against the fields; problem names the missing field. */
export function validateMapping(mapping: ColumnMapping, fields: string[], fileName: string): ParseProblem | null {
  const known = new Set(fields);
  const listed = fields.length > 12 ? `${fields.slice(0, 12).join(", ")}, …` : fields.join(", ");
  const missing = (what: string, field: string): ParseProblem => ({
    file: fileName,
    field,
    message: `the ${what} field "${field}" is not in the file (fields: ${listed})`,
  });
  const unset = (what: string): ParseProblem => ({
    file: fileName,
    message: `the ${mapping.schema} schema needs a ${what} field; none is chosen`,
  });
  if (!(mapping.schema in REQUIRED)) {
    return { file: fileName, message: `unknown schema "${String(mapping.schema)}"` };
  }
  for (const role of REQUIRED[mapping.schema]) {
    if (!mapping[role]) return unset(ROLE_NAMES[role] ?? role);
  }
  if (mapping.schema === "pairwise" && !mapping.label && !mapping.preference) return unset("label or preference");
  for (const role of ROLE_KEYS) {
    const field = mapping[role];
    if (typeof field === "string" && field !== "" && !known.has(field)) return missing(ROLE_NAMES[role] ?? role, field);
  }
  const check = (what: string, field: string): ParseProblem | null => {
    if (!field) return { file: fileName, message: `the ${what} has no field chosen` };
    return known.has(field) ? null : missing(what, field);
  };
  const ex = mapping.explicit;
  const exFields = ex.kind === "none" ? [] : ex.kind === "difference" ? [ex.chosen, ex.rejected] : [ex.field];
  for (const f of exFields) {
    const p = check("explicit margin", f);
    if (p) return p;
  }
  if (ex.kind === "judge-probability" && mapping.schema !== "pairwise") {
    return {
      file: fileName,
      field: ex.field,
      message: "a judge probability margin needs the pairwise schema (it says which of output 1 and 2 is better)",
    };
  }
  const im = mapping.implicit;
  const imFields =
    im.kind === "none"
      ? []
      : im.kind === "column"
        ? [im.field]
        : im.kind === "difference"
          ? [im.chosen, im.rejected]
          : [im.chosen, im.rejected, im.refChosen, im.refRejected];
  for (const f of imFields) {
    const p = check("implicit margin", f);
    if (p) return p;
  }
  if (im.kind === "dpo" && !(Number.isFinite(im.beta) && im.beta > 0)) {
    return { file: fileName, message: `DPO β must be a positive number, got ${im.beta}` };
  }
  return null;
}
