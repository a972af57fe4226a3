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
  Binarization,
  ColumnMapping,
  ExplicitSource,
  ImplicitSource,
  Orientation,
  ParseProblem,
  ParseResult,
  RawRecord,
  SchemaKind,
} from "@/lib/dataset/types";
import { isFieldPath, listFieldPaths, pathRoot, readField } from "@/lib/dataset/field-path";
import { isHhTranscript } from "@/lib/dataset/hh";
import { readMessage } from "@/lib/dataset/pair";
import { asList, isMissing, isNumberLike, readNumberList, readScoreList } from "@/lib/dataset/schema-values";
import { DEFAULT_DPO_BETA } from "@/lib/metrics/margin-formulas";

export { createExtractor, explicitMargin, implicitMargin } from "@/lib/dataset/schema-extract";
export { toPair, pairToText, PairError } from "@/lib/dataset/pair";

/** What was detected, with human-readable notes for the UI. */
export interface Detection {
  mapping: ColumnMapping;
  notes: string[];
}

/**
 * Candidate fields per role for the manual re-map UI. Fields are top-level keys and the paths under them
 * (`input.messages`, `completions[].response`), as `listFieldPaths` lists them.
 */
export interface FieldKinds {
  /** Strings (not all numeric), message lists and message objects. */
  text: string[];
  /** Lists of texts or of chat conversations: the responses of a multi-response record (`completions[].response`). */
  textList: string[];
  /** Numbers or numeric strings (at least one present in the sample). */
  numeric: string[];
  /** Lists of numbers (or JSON text of such lists; "N/A" entries allowed, as in UltraFeedback's ratings). */
  numericList: string[];
  /** Every field and path, each top-level field followed by its paths, in file order. */
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
  for (const r of sample) {
    const v = readField(r, field);
    if (!isMissing(v)) out.push(v);
  }
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
const isScoreList = (v: unknown): boolean => asList(v) !== null && readScoreList(v).ok;

// Strings count as text unless every sampled value is a number (CSV cells of a numeric column are strings).
function isTextValue(v: unknown): boolean {
  return typeof v === "string" || isMessageList(v) || isMessageObject(v);
}

function isTextList(v: unknown): boolean {
  return (
    Array.isArray(v) &&
    v.some((x) => !isMissing(x)) &&
    v.every((x) => isMissing(x) || typeof x === "string" || isMessageList(x) || isMessageObject(x))
  );
}

/**
 * Candidate fields per role for the manual re-map UI: text-like fields, lists of texts, numeric fields and
 * numeric-list fields, over the top-level fields and the paths under them.
 */
export function describeFields(sample: RawRecord[], fields: string[]): FieldKinds {
  const all = listFieldPaths(sample, fields);
  const text: string[] = [];
  const textList: string[] = [];
  const numeric: string[] = [];
  const numericList: string[] = [];
  for (const f of all) {
    const values = present(sample, f);
    if (values.length === 0) continue;
    if (values.every(isNumberLike)) numeric.push(f);
    else if (values.every(isScoreList)) numericList.push(f);
    else if (values.every(isTextValue)) text.push(f);
    else if (values.every(isTextList)) textList.push(f);
  }
  return { text, textList, numeric, numericList, all };
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

function detectImplicit(p: Probe, schema: SchemaKind): [ImplicitSource, string] {
  const column = firstField(p, IMPLICIT_COLUMNS, (f) => numericField(p, f));
  if (column) return [{ kind: "column", field: column }, `implicit margin: column ${column}`];
  // `generate` writes each response's summed log-prob and token count under the policy that sampled it.
  if (schema === "multi" && numericListField(p, "all_generated_logps")) {
    const tokens = numericListField(p, "all_generated_tokens") ? "all_generated_tokens" : undefined;
    return [
      { kind: "picked-logps", logps: "all_generated_logps", ...(tokens ? { tokens } : {}) },
      tokens
        ? "implicit margin: mean token log-prob of chosen − rejected from all_generated_logps / all_generated_tokens (the policy that generated them)"
        : "implicit margin: summed log-prob of chosen − rejected from all_generated_logps",
    ];
  }
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

/** What a detection step found: the roles, a note, and the explicit margin when the schema defines one. */
interface Found {
  roles: Roles;
  note: string;
  explicit?: [ExplicitSource, string];
}

const PICKED: ExplicitSource = { kind: "picked" };
/** Annotator vote fields, `annotator1` … or `annotator_1` … (PandaLM's test set names them `annotator1..3`). */
const VOTE_FIELD = /^annotator_?(\d+)$/;
/** Response pairs a vote-judged file may use, first match wins. */
const VOTE_OUTPUTS: [string, string][] = [
  ["response1", "response2"],
  ["output_1", "output_2"],
  ["response_1", "response_2"],
  ["response_a", "response_b"],
];
/** Vote values: 1 → the first response, 2 → the second, 0 → a tie (PandaLM's `testset-v1.json`). */
const VOTE_VALUES = { a: ["1"], b: ["2"], tie: ["0"] };
/** Chatbot Arena's `winner` values (lmsys/chatbot_arena_conversations). */
const ARENA_WINNER = { a: ["model_a"], b: ["model_b"], tie: ["tie", "tie (bothbad)"] };
/** UltraFeedback's four aspects, each rated 1–5 (or "N/A") under `completions[].annotations.<aspect>.Rating`. */
const ULTRAFEEDBACK_ASPECTS = ["helpfulness", "honesty", "instruction_following", "truthfulness"];
/**
 * Zephyr's binarization of raw UltraFeedback: chosen = the highest `overall_score`, rejected = one of the other
 * completions at random, seed 42. Source: HuggingFaceH4/ultrafeedback_binarized, `create_dataset.py`
 * (https://huggingface.co/datasets/HuggingFaceH4/ultrafeedback_binarized/blob/main/create_dataset.py):
 * `random.seed(42)`, `chosen = max(…, key=overall_score)`, `random.choice` until it differs from chosen, so an
 * equal score can be the rejected one. The draw itself is ours (Python's Mersenne Twister is not reproduced).
 */
const ZEPHYR_BINARIZE: Binarization = { rule: "best-random-lower", seed: 42, among: "others" };

function voteFieldsOf(p: Probe): string[] {
  return [...p.fields]
    .flatMap((f) => {
      const m = VOTE_FIELD.exec(f);
      return m ? [{ f, n: Number(m[1]) }] : [];
    })
    .sort((x, y) => x.n - y.n)
    .map((x) => x.f);
}

// Vote fields are taken by name only when every sampled value is a vote the preset understands.
function votesLookRight(p: Probe, votes: string[]): boolean {
  const known = new Set([...VOTE_VALUES.a, ...VOTE_VALUES.b, ...VOTE_VALUES.tie]);
  const values = votes.flatMap((f) => present(p.sample, f));
  // JSON 2 and CSV "2.0" are the same vote (the orientation compares them as numbers too).
  const text = (v: unknown) => {
    const t = String(v).trim();
    return t !== "" && Number.isFinite(Number(t)) ? String(Number(t)) : t;
  };
  return values.length > 0 && values.every((v) => known.has(text(v)));
}

function detectVotes(p: Probe, outputs: [string, string]): Found | null {
  const votes = voteFieldsOf(p);
  if (votes.length === 0 || !votesLookRight(p, votes)) return null;
  const promptParts = ["instruction", "input"].filter((f) => p.fields.has(f));
  const prompt =
    promptParts.length === 1 ? promptParts[0] : promptParts.length === 0 ? firstField(p, PAIRWISE_PROMPTS) : undefined;
  const roles: Roles = {
    schema: "pairwise",
    outputA: outputs[0],
    outputB: outputs[1],
    orientation: { kind: "votes", fields: votes, ...structuredClone(VOTE_VALUES) },
  };
  if (promptParts.length > 1) {
    roles.promptFields = promptParts;
    roles.promptSeparator = "\n\n";
  } else if (prompt) roles.prompt = prompt;
  const promptNote =
    promptParts.length > 1
      ? `; prompt = ${promptParts.join(" + ")} joined by a blank line`
      : prompt
        ? `; prompt ${prompt}`
        : "";
  return {
    roles,
    note:
      `pairwise ${outputs[0]}/${outputs[1]} by the majority of ${votes.join(", ")} ` +
      `(1 → ${outputs[0]}, 2 → ${outputs[1]}, 0 = tie); ties and records with no majority are excluded (counted)` +
      promptNote,
    explicit: [PICKED, "explicit margin: votes for chosen − votes for rejected"],
  };
}

function listOfObjectsWith(p: Probe, field: string, keys: string[]): boolean {
  const values = present(p.sample, field);
  return (
    values.length > 0 &&
    values.every((v) => {
      const list = asList(v);
      return (
        list !== null &&
        list.every((item) => item !== null && typeof item === "object" && keys.every((k) => k in (item as object)))
      );
    })
  );
}

/** The published preference schemas beyond the six classic layouts, each mapped onto one of the six kinds. */
function detectPublished(p: Probe): Found | null {
  const { fields } = p;
  // OpenAI preference fine-tuning (https://platform.openai.com/docs/guides/direct-preference-optimization).
  if (fields.has("preferred_output") && fields.has("non_preferred_output")) {
    const prompt = present(p.sample, "input.messages").length > 0 ? "input.messages" : undefined;
    return {
      roles: { schema: "chat", prompt, chosen: "preferred_output", rejected: "non_preferred_output" },
      note:
        "OpenAI preference fine-tuning: " +
        (prompt ? "input.messages + " : "") +
        "preferred_output / non_preferred_output (assistant message lists)",
    };
  }
  // lmsys/chatbot_arena_conversations: whole conversations and the user's vote.
  if (fields.has("conversation_a") && fields.has("conversation_b") && fields.has("winner")) {
    return {
      roles: {
        schema: "pairwise",
        outputA: "conversation_a",
        outputB: "conversation_b",
        orientation: { kind: "label", field: "winner", ...structuredClone(ARENA_WINNER) },
      },
      note:
        "Chatbot Arena conversations: conversation_a/conversation_b (prompt = the turns both share) by winner " +
        '(model_a → A, model_b → B); "tie" and "tie (bothbad)" records are excluded (counted)',
    };
  }
  // PKU-Alignment/PKU-SafeRLHF: two responses, a helpfulness and a harmlessness preference (0 | 1).
  const pkuField = ["better_response_id", "safer_response_id"].find((f) => fields.has(f));
  if (fields.has("response_0") && fields.has("response_1") && pkuField) {
    const alternative = pkuField === "better_response_id" && fields.has("safer_response_id");
    return {
      roles: {
        schema: "pairwise",
        prompt: firstField(p, ["prompt"]),
        outputA: "response_0",
        outputB: "response_1",
        orientation: { kind: "label", field: pkuField, a: ["0"], b: ["1"], tie: [] },
      },
      note:
        `PKU-SafeRLHF: prompt + response_0/response_1 by ${pkuField} (0 → response_0, 1 → response_1)` +
        (alternative ? "; safer_response_id is the alternative orientation (harmlessness): pick it in Columns" : ""),
    };
  }
  // nvidia/HelpSteer2 preference/preference.jsonl.gz: a signed strength, −3 (response_1 much better) … 3.
  if (fields.has("response_1") && fields.has("response_2") && fields.has("preference_strength")) {
    return {
      roles: {
        schema: "pairwise",
        prompt: firstField(p, ["prompt"]),
        outputA: "response_1",
        outputB: "response_2",
        orientation: { kind: "strength", field: "preference_strength" },
      },
      note:
        "HelpSteer2 preference: prompt + response_1/response_2 by preference_strength " +
        "(−3…3: negative → response_1, positive → response_2; 0 is a tie, excluded)",
      explicit: [PICKED, "explicit margin: |preference_strength| (the strength that picked the pair)"],
    };
  }
  // Human-judged pairwise test sets with one vote field per annotator (PandaLM's testset-v1.json).
  for (const outputs of VOTE_OUTPUTS) {
    if (fields.has(outputs[0]) && fields.has(outputs[1])) {
      const votes = detectVotes(p, outputs);
      if (votes) return votes;
    }
  }
  // openbmb/UltraFeedback: four completions with GPT-4 annotations and an overall_score each.
  if (fields.has("completions") && listOfObjectsWith(p, "completions", ["response"])) {
    const prompt = firstField(p, ["instruction", ...PROMPT_FIELDS]);
    const base: Roles = { schema: "multi", prompt, responses: "completions[].response" };
    if (listOfObjectsWith(p, "completions", ["overall_score"])) {
      return {
        roles: { ...base, scores: "completions[].overall_score", binarize: { ...ZEPHYR_BINARIZE } },
        note:
          "UltraFeedback (raw): instruction + completions[].response scored by completions[].overall_score; pairs as " +
          "Zephyr's ultrafeedback_binarized: chosen = highest, rejected = another completion at random (seed 42). " +
          "Alternatives: best vs worst, or Argilla's cleaned rule (mean of the four annotations.*.Rating, a random " +
          "strictly lower one, equal ratings dropped)",
        explicit: [PICKED, "explicit margin: score of chosen − score of rejected"],
      };
    }
    const aspects = ULTRAFEEDBACK_ASPECTS.map((a) => `completions[].annotations.${a}.Rating`).filter(
      (f) => present(p.sample, f).length > 0,
    );
    if (aspects.length > 0) {
      return {
        roles: { ...base, scoreFields: aspects, binarize: { rule: "best-random-lower", seed: 42 } },
        note:
          "UltraFeedback (raw, no overall_score): scored by the mean of " +
          `${aspects.join(", ")} ("N/A" = not rated); Argilla's cleaned rule: chosen = highest mean, rejected = a ` +
          "random strictly lower one (seed 42), records with equal ratings excluded",
        explicit: [PICKED, "explicit margin: mean rating of chosen − of rejected"],
      };
    }
  }
  // berkeley-nest/Nectar: seven answers ranked by GPT-4 (rank 1 = best).
  if (fields.has("answers") && listOfObjectsWith(p, "answers", ["answer", "rank"])) {
    return {
      roles: {
        schema: "multi",
        prompt: firstField(p, PROMPT_FIELDS),
        responses: "answers[].answer",
        scores: "answers[].rank",
        scoreOrder: "lower-better",
        binarize: { rule: "best-worst" },
      },
      note:
        "Nectar-style ranked answers: answers[].answer ranked by answers[].rank (1 = best); pairs: best vs worst " +
        "(or every adjacent pair: 1 vs 2, 2 vs 3, …)",
      explicit: [PICKED, "explicit margin: rank of rejected − rank of chosen"],
    };
  }
  // distilabel's UltraFeedback task output: generations + ratings (argilla/ultrafeedback-mini and the like).
  if (fields.has("generations") && fields.has("ratings") && present(p.sample, "ratings").every(isNumberList)) {
    return {
      roles: {
        schema: "multi",
        prompt: firstField(p, ["instruction", ...PROMPT_FIELDS]),
        responses: "generations",
        scores: "ratings",
      },
      note: "distilabel generations scored by ratings: chosen = highest rating, rejected = lowest (ties: first)",
      explicit: [PICKED, "explicit margin: rating of chosen − rating of rejected"],
    };
  }
  return null;
}

function share(values: unknown[], test: (v: unknown) => boolean): number {
  return values.length === 0 ? 0 : values.filter(test).length / values.length;
}

function detectRoles(p: Probe, fileName: string): ParseResult<Found> {
  const { sample, fields } = p;
  const outputs = PAIRWISE_OUTPUTS.find(([a, b]) => fields.has(a) && fields.has(b));
  if (outputs) {
    const label = fields.has("label") ? "label" : undefined;
    const preference = fields.has("preference") ? "preference" : undefined;
    if (!label && !preference) {
      const votes = detectVotes(p, outputs);
      if (votes) return { ok: true, data: votes };
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
    // A file written by `generate` (the app's or the CLI's) gets the self-play rule: prompts whose best and worst
    // responses tie or are the same text yield no pair (counted), as the paper's on-policy pipeline drops them.
    if (p.fields.has("generation_settings") && numericListField(p, "all_generated_logps")) {
      return {
        ok: true,
        data: {
          roles: { schema: "multi", prompt, responses, scores, binarize: { rule: "best-worst", strict: true } },
          note: `generated responses ${responses} scored by ${scores}: chosen = highest score, rejected = lowest; prompts whose best and worst tie or are identical are excluded`,
        },
      };
    }
    return {
      ok: true,
      data: {
        roles: { schema: "multi", prompt, responses, scores },
        note: `multiple responses ${responses} scored by ${scores}: chosen = highest score, rejected = lowest (ties: first)`,
      },
    };
  }
  const published = detectPublished(p);
  if (published) return { ok: true, data: published };
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
  const [explicit, explicitNote] = roles.data.explicit ?? detectExplicit(probe, roles.data.roles);
  const [implicit, implicitNote] = detectImplicit(probe, roles.data.roles.schema);
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

/** Where a stored mapping's shape is wrong: the JSON path (`mapping.orientation.kind`), what was expected, the value. */
export interface MappingShapeFault {
  path: string;
  expected: string;
  got: unknown;
}

const SCHEMA_KINDS: readonly SchemaKind[] = ["trl", "chat", "sharegpt", "hh", "pairwise", "multi"];
const ROLE_STRINGS = [
  "prompt",
  "chosen",
  "rejected",
  "outputA",
  "outputB",
  "label",
  "preference",
  "responses",
  "scores",
];
const SOURCE_STRINGS: Record<string, string[]> = {
  none: [],
  picked: [],
  column: ["field"],
  "score-range": ["field"],
  "judge-probability": ["field"],
  difference: ["chosen", "rejected"],
  dpo: ["chosen", "rejected", "refChosen", "refRejected"],
  "picked-logps": ["logps"],
};
const EXPLICIT_KINDS: readonly ExplicitSource["kind"][] = [
  "none",
  "column",
  "difference",
  "score-range",
  "picked",
  "judge-probability",
];
const IMPLICIT_KINDS: readonly ImplicitSource["kind"][] = ["none", "column", "difference", "dpo", "picked-logps"];
const ORIENTATION_KINDS: readonly Orientation["kind"][] = ["label", "probability", "scores", "strength", "votes"];
const BINARIZE_RULES: readonly Binarization["rule"][] = ["best-worst", "best-random-lower", "adjacent"];

class ShapeError extends Error {
  constructor(readonly fault: MappingShapeFault) {
    super(fault.path);
  }
}

function want(ok: boolean, path: string, expected: string, got: unknown): void {
  if (!ok) throw new ShapeError({ path, expected, got });
}

function objectAt(v: unknown, path: string): Record<string, unknown> {
  want(v !== null && typeof v === "object" && !Array.isArray(v), path, "an object", v);
  return v as Record<string, unknown>;
}

function stringAt(v: unknown, path: string): void {
  want(typeof v === "string", path, "a string", v);
}

function oneOfAt(v: unknown, path: string, options: readonly string[]): string {
  want(typeof v === "string" && options.includes(v), path, `one of ${options.join(", ")}`, v);
  return v as string;
}

function stringsAt(v: unknown, path: string, min = 0): void {
  want(
    Array.isArray(v) && v.length >= min,
    path,
    min > 0 ? `a list of at least ${min} field name${min === 1 ? "" : "s"}` : "a list of texts",
    v,
  );
  (v as unknown[]).forEach((x, i) => stringAt(x, `${path}[${i}]`));
}

function sourceAt(v: unknown, path: string, kinds: readonly string[]): void {
  const o = objectAt(v, path);
  const kind = oneOfAt(o.kind, `${path}.kind`, kinds);
  for (const k of SOURCE_STRINGS[kind]) stringAt(o[k], `${path}.${k}`);
  if (kind === "dpo")
    want(typeof o.beta === "number" && Number.isFinite(o.beta), `${path}.beta`, "a finite number", o.beta);
  if (kind === "picked-logps" && o.tokens !== undefined) stringAt(o.tokens, `${path}.tokens`);
}

function orientationAt(v: unknown, path: string): void {
  const o = objectAt(v, path);
  const kind = oneOfAt(o.kind, `${path}.kind`, ORIENTATION_KINDS);
  switch (kind) {
    case "label":
    case "votes":
      if (kind === "label") stringAt(o.field, `${path}.field`);
      else stringsAt(o.fields, `${path}.fields`, 1);
      for (const k of ["a", "b", "tie"]) stringsAt(o[k], `${path}.${k}`);
      return;
    case "probability":
      stringAt(o.field, `${path}.field`);
      oneOfAt(o.scale, `${path}.scale`, ["unit", "one-two"]);
      return;
    case "scores":
      stringAt(o.a, `${path}.a`);
      stringAt(o.b, `${path}.b`);
      return;
    case "strength":
      stringAt(o.field, `${path}.field`);
  }
}

function binarizeAt(v: unknown, path: string): void {
  const o = objectAt(v, path);
  const rule = oneOfAt(o.rule, `${path}.rule`, BINARIZE_RULES);
  if (rule === "best-worst" && o.strict !== undefined)
    want(typeof o.strict === "boolean", `${path}.strict`, "true or false", o.strict);
  if (rule !== "best-random-lower") return;
  want(Number.isSafeInteger(o.seed), `${path}.seed`, "an integer seed", o.seed);
  if (o.among !== undefined) oneOfAt(o.among, `${path}.among`, ["lower", "others"]);
}

// The fields added for hand mappings and the published schemas; each is optional.
function extrasAt(m: Record<string, unknown>, path: string): void {
  if (m.promptFields !== undefined) stringsAt(m.promptFields, `${path}.promptFields`);
  if (m.promptSeparator !== undefined) stringAt(m.promptSeparator, `${path}.promptSeparator`);
  if (m.orientation !== undefined) orientationAt(m.orientation, `${path}.orientation`);
  if (m.scoreFields !== undefined) stringsAt(m.scoreFields, `${path}.scoreFields`);
  if (m.binarize !== undefined) binarizeAt(m.binarize, `${path}.binarize`);
  if (m.scoreOrder !== undefined) oneOfAt(m.scoreOrder, `${path}.scoreOrder`, ["higher-better", "lower-better"]);
}

function shapeOf(check: () => void): MappingShapeFault | null {
  try {
    check();
    return null;
  } catch (e) {
    if (e instanceof ShapeError) return e.fault;
    throw e;
  }
}

/**
 * Checks the shape of a stored mapping (a recipe's, a saved session's, a `--mapping` file's) before it is trusted
 * as a {@link ColumnMapping}: the schema, role names as strings, the margin sources, and the optional prompt,
 * orientation and binarization fields. Field names are checked against a file later, by {@link validateMapping}.
 */
export function checkMappingShape(value: unknown, path = "mapping"): MappingShapeFault | null {
  return shapeOf(() => {
    const m = objectAt(value, path);
    oneOfAt(m.schema, `${path}.schema`, SCHEMA_KINDS);
    for (const k of ROLE_STRINGS) if (m[k] !== undefined) stringAt(m[k], `${path}.${k}`);
    sourceAt(m.explicit, `${path}.explicit`, EXPLICIT_KINDS);
    sourceAt(m.implicit, `${path}.implicit`, IMPLICIT_KINDS);
    extrasAt(m, path);
  });
}

function describeShapeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  const text = JSON.stringify(v);
  return text === undefined ? String(v) : text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function orientationFields(o: Orientation): [string, string][] {
  switch (o.kind) {
    case "scores":
      return [
        ["first score", o.a],
        ["second score", o.b],
      ];
    case "votes":
      return o.fields.map((f) => ["vote", f]);
    default:
      return [[o.kind, o.field]];
  }
}

function valueListsProblem(o: { a: string[]; b: string[]; tie: string[] }, what: string): string | null {
  if (o.a.length === 0 || o.b.length === 0) {
    return `the ${what} values need at least one value for each output (first: ${o.a.length}, second: ${o.b.length})`;
  }
  const seen = new Map<string, string>();
  for (const k of ["a", "b", "tie"] as const) {
    for (const v of o[k]) {
      const t = v.trim();
      const other = seen.get(t);
      if (other && other !== k) return `the ${what} value ${JSON.stringify(t)} is listed for both ${other} and ${k}`;
      seen.set(t, k);
    }
  }
  return null;
}

/**
 * Checks a (possibly user-edited) mapping against the fields; problem names the missing field. `fields` are the
 * file's top-level fields, or the described paths (`describeFields(…).all`); a path (`input.messages`,
 * `completions[].response`) is accepted when it is listed or its first step is a top-level field (whether it
 * resolves in every record is checked per record, naming the row).
 */
export function validateMapping(mapping: ColumnMapping, fields: string[], fileName: string): ParseProblem | null {
  const known = new Set(fields);
  const isKnown = (field: string) => known.has(field) || (isFieldPath(field) && known.has(pathRoot(field)));
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
  const wrong = (field: string | undefined, message: string): ParseProblem =>
    field === undefined ? { file: fileName, message } : { file: fileName, field, message };
  if (!(mapping.schema in REQUIRED)) {
    return { file: fileName, message: `unknown schema "${String(mapping.schema)}"` };
  }
  const shape = shapeOf(() => extrasAt(mapping as unknown as Record<string, unknown>, "mapping"));
  if (shape) return wrong(undefined, `${shape.path}: expected ${shape.expected}, got ${describeShapeValue(shape.got)}`);
  const byScoreFields = mapping.schema === "multi" && (mapping.scoreFields?.length ?? 0) > 0;
  for (const role of REQUIRED[mapping.schema]) {
    if (role === "scores" && byScoreFields) continue;
    if (!mapping[role]) return unset(ROLE_NAMES[role] ?? role);
  }
  if (mapping.schema === "pairwise" && !mapping.label && !mapping.preference && !mapping.orientation) {
    return unset("label or preference");
  }
  for (const role of ROLE_KEYS) {
    const field = mapping[role];
    if (typeof field === "string" && field !== "" && !isKnown(field)) return missing(ROLE_NAMES[role] ?? role, field);
  }
  const check = (what: string, field: string): ParseProblem | null => {
    if (!field) return { file: fileName, message: `the ${what} has no field chosen` };
    return isKnown(field) ? null : missing(what, field);
  };
  for (const f of mapping.promptFields ?? []) {
    const p = check("prompt", f);
    if (p) return p;
  }
  const o = mapping.orientation;
  if (o) {
    if (mapping.schema !== "pairwise") {
      return wrong(undefined, `an orientation needs the pairwise schema (it says which of two outputs is better)`);
    }
    for (const [what, f] of orientationFields(o)) {
      const p = check(`${what} orientation`, f);
      if (p) return p;
    }
    if (o.kind === "label" || o.kind === "votes") {
      const lists = valueListsProblem(o, o.kind === "label" ? "label" : "vote");
      if (lists) return wrong(o.kind === "label" ? o.field : o.fields[0], lists);
    }
  }
  if (mapping.schema !== "multi") {
    const stray = (["scoreFields", "binarize", "scoreOrder"] as const).find((k) => mapping[k] !== undefined);
    if (stray) return wrong(undefined, `${stray} needs the multi schema (it orders a record's responses)`);
  }
  for (const f of mapping.scoreFields ?? []) {
    const p = check("score", f);
    if (p) return p;
  }
  const ex = mapping.explicit;
  const exFields =
    ex.kind === "none" || ex.kind === "picked" ? [] : ex.kind === "difference" ? [ex.chosen, ex.rejected] : [ex.field];
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
  if (ex.kind === "picked" && mapping.schema !== "pairwise" && mapping.schema !== "multi") {
    return wrong(
      undefined,
      "a picked margin needs the pairwise or multi schema (it is the difference of the scores that picked the pair)",
    );
  }
  const im = mapping.implicit;
  const imFields =
    im.kind === "none"
      ? []
      : im.kind === "column"
        ? [im.field]
        : im.kind === "difference"
          ? [im.chosen, im.rejected]
          : im.kind === "picked-logps"
            ? [im.logps, ...(im.tokens ? [im.tokens] : [])]
            : [im.chosen, im.rejected, im.refChosen, im.refRejected];
  for (const f of imFields) {
    const p = check("implicit margin", f);
    if (p) return p;
  }
  if (im.kind === "picked-logps" && mapping.schema !== "multi") {
    return wrong(undefined, "a picked log-prob margin needs the multi schema (one log-prob per response)");
  }
  if (im.kind === "dpo" && !(Number.isFinite(im.beta) && im.beta > 0)) {
    return { file: fileName, message: `DPO β must be a positive number, got ${im.beta}` };
  }
  return null;
}
