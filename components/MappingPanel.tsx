"use client";
import { useState } from "react";
import { useWorkbench } from "@/components/workbench-store";
import type {
  Binarization,
  ColumnMapping,
  ExplicitSource,
  ImplicitSource,
  Orientation,
  SchemaKind,
} from "@/lib/dataset/types";
import type { FieldSummary, PlanSummary } from "@/lib/workbench/types";
import { DEFAULT_DPO_BETA } from "@/lib/metrics/margin-formulas";
import {
  DEFAULT_A_VALUES,
  DEFAULT_B_VALUES,
  DEFAULT_TIE_VALUES,
  draftMapping,
  voteFields,
} from "@/lib/dataset/draft-mapping";
import { formatProblem } from "@/lib/dataset/types";
import { describePlan } from "@/lib/workbench/plan-text";

/** Schema options and the text fields each one uses. */
const SCHEMAS: { value: SchemaKind; label: string; roles: (keyof ColumnMapping)[] }[] = [
  // Its fields are the selects below the schema (prompt, chosen, rejected): the name alone fits the sidebar.
  { value: "trl", label: "TRL strings", roles: ["chosen", "rejected"] },
  { value: "chat", label: "Chat message lists", roles: ["chosen", "rejected"] },
  { value: "sharegpt", label: "ShareGPT conversations", roles: ["chosen", "rejected"] },
  { value: "hh", label: "Anthropic HH transcripts", roles: ["chosen", "rejected"] },
  { value: "pairwise", label: "Two responses + which is better", roles: ["outputA", "outputB"] },
  { value: "multi", label: "Multiple responses + scores", roles: ["responses", "scores"] },
];

const ROLE_LABELS: Partial<Record<keyof ColumnMapping, string>> = {
  chosen: "Chosen field",
  rejected: "Rejected field",
  outputA: "Output 1 field",
  outputB: "Output 2 field",
  responses: "Responses field",
  scores: "Scores field",
};

/** Orientation choices of the pairwise schema; "legacy" is AlpacaEval's `label` (1|2) / `preference` in [1, 2]. */
type OrientationChoice = "legacy" | Orientation["kind"];

const ORIENTATIONS: { value: OrientationChoice; label: string }[] = [
  { value: "legacy", label: "label 1|2 or judge preference in [1, 2]" },
  { value: "label", label: "label field (values you name)" },
  { value: "probability", label: "probability that output 2 is better" },
  { value: "scores", label: "two scores (higher wins)" },
  { value: "strength", label: "signed strength (HelpSteer2: < 0 → output 1)" },
  { value: "votes", label: "annotator votes (majority)" },
];

const list = (text: string): string[] =>
  text
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");

// The separator is edited with visible escapes, so a newline can be typed in a one-line box.
const showEscapes = (s: string) => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\t/g, "\\t");
const readEscapes = (s: string) =>
  s.replace(/\\(\\|n|t)/g, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : "\\"));

function FieldSelect(props: {
  label: string;
  value: string | undefined;
  fields: string[];
  onChange(v?: string): void;
}) {
  // A field the draft names but the sample did not show (a typo in pasted JSON) stays visible, not silently blank.
  const fields = props.value && !props.fields.includes(props.value) ? [props.value, ...props.fields] : props.fields;
  return (
    <label>
      {props.label}
      <select
        aria-label={props.label}
        value={props.value ?? ""}
        onChange={(e) => props.onChange(e.target.value || undefined)}
      >
        <option value="">(none)</option>
        {fields.map((f) => (
          <option key={f} value={f}>
            {f}
          </option>
        ))}
      </select>
    </label>
  );
}

function ValuesInput(props: { label: string; values: string[]; onChange(v: string[]): void }) {
  const [text, setText] = useState(props.values.join(", "));
  return (
    <label>
      {props.label}
      <input
        aria-label={props.label}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          props.onChange(list(e.target.value));
        }}
      />
    </label>
  );
}

/** The planned rows: records in, pairs out, and every excluded record counted (and the first ones listed). */
export function PlanCounts({ plan }: { plan: PlanSummary }) {
  return (
    <div className="plan-counts" data-testid="plan-counts">
      <p>{describePlan(plan)}</p>
      {plan.reasons.map((r) => (
        <details key={r.reason}>
          <summary>
            {r.reason}: {r.count} record{r.count === 1 ? "" : "s"}
          </summary>
          <p aria-label={`Excluded records: ${r.reason}`}>
            rows {r.records.join(", ")}
            {r.count > r.records.length && ` … (${r.count - r.records.length} more)`}
          </p>
        </details>
      ))}
    </div>
  );
}

function orientationChoice(m: ColumnMapping): OrientationChoice {
  return m.orientation?.kind ?? "legacy";
}

function newOrientation(kind: Orientation["kind"], fields: FieldSummary, m: ColumnMapping): Orientation {
  const num = fields.numeric;
  const other = fields.all.filter((f) => f !== m.outputA && f !== m.outputB && f !== m.prompt);
  switch (kind) {
    case "label":
      return { kind, field: other[0] ?? "", a: DEFAULT_A_VALUES, b: DEFAULT_B_VALUES, tie: DEFAULT_TIE_VALUES };
    case "probability":
      return { kind, field: num[0] ?? "", scale: "unit" };
    case "scores":
      return { kind, a: num[0] ?? "", b: num[1] ?? "" };
    case "strength":
      return { kind, field: num[0] ?? "" };
    case "votes": {
      const votes = voteFields(fields.all);
      return { kind, fields: votes.length ? votes : other.slice(0, 3), a: ["1"], b: ["2"], tie: ["0"] };
    }
  }
}

function OrientationEditor(props: {
  mapping: ColumnMapping;
  fields: FieldSummary;
  set(patch: Partial<ColumnMapping>): void;
}) {
  const { mapping: m, fields, set } = props;
  const o = m.orientation;
  const setO = (next: Orientation) => set({ orientation: next });
  return (
    <>
      <label>
        Orientation
        <select
          aria-label="Orientation"
          value={orientationChoice(m)}
          onChange={(e) => {
            const kind = e.target.value as OrientationChoice;
            if (kind === "legacy") set({ orientation: undefined });
            else set({ orientation: newOrientation(kind, fields, m), label: undefined, preference: undefined });
          }}
        >
          {ORIENTATIONS.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
      {!o && (
        <>
          <FieldSelect label="Label field" value={m.label} fields={fields.all} onChange={(v) => set({ label: v })} />
          <FieldSelect
            label="Preference field"
            value={m.preference}
            fields={fields.numeric}
            onChange={(v) => set({ preference: v })}
          />
        </>
      )}
      {o?.kind === "label" && (
        <>
          <FieldSelect
            label="Label field"
            value={o.field}
            fields={fields.all}
            onChange={(v) => setO({ ...o, field: v ?? "" })}
          />
          <ValuesInput label="Values: output 1 better" values={o.a} onChange={(a) => setO({ ...o, a })} />
          <ValuesInput label="Values: output 2 better" values={o.b} onChange={(b) => setO({ ...o, b })} />
          <ValuesInput label="Values: tie" values={o.tie} onChange={(tie) => setO({ ...o, tie })} />
        </>
      )}
      {o?.kind === "probability" && (
        <>
          <FieldSelect
            label="Probability field"
            value={o.field}
            fields={fields.numeric}
            onChange={(v) => setO({ ...o, field: v ?? "" })}
          />
          <label>
            Probability scale
            <select
              aria-label="Probability scale"
              value={o.scale}
              onChange={(e) => setO({ ...o, scale: e.target.value as "unit" | "one-two" })}
            >
              <option value="unit">0 … 1</option>
              <option value="one-two">1 … 2 (AlpacaEval)</option>
            </select>
          </label>
        </>
      )}
      {o?.kind === "scores" && (
        <>
          <FieldSelect
            label="Output 1 score field"
            value={o.a}
            fields={fields.numeric}
            onChange={(v) => setO({ ...o, a: v ?? "" })}
          />
          <FieldSelect
            label="Output 2 score field"
            value={o.b}
            fields={fields.numeric}
            onChange={(v) => setO({ ...o, b: v ?? "" })}
          />
        </>
      )}
      {o?.kind === "strength" && (
        <FieldSelect
          label="Strength field"
          value={o.field}
          fields={fields.numeric}
          onChange={(v) => setO({ ...o, field: v ?? "" })}
        />
      )}
      {o?.kind === "votes" && (
        <>
          <fieldset className="vote-fields">
            <legend>Vote fields</legend>
            {fields.all
              .filter((f) => f !== m.outputA && f !== m.outputB)
              .map((f) => (
                <label key={f}>
                  <input
                    type="checkbox"
                    aria-label={`Vote field ${f}`}
                    checked={o.fields.includes(f)}
                    onChange={(e) =>
                      setO({
                        ...o,
                        // Kept in file order, whatever order they are ticked in.
                        fields: fields.all.filter((x) => (x === f ? e.target.checked : o.fields.includes(x))),
                      })
                    }
                  />
                  {f}
                </label>
              ))}
          </fieldset>
          <ValuesInput label="Votes: output 1" values={o.a} onChange={(a) => setO({ ...o, a })} />
          <ValuesInput label="Votes: output 2" values={o.b} onChange={(b) => setO({ ...o, b })} />
          <ValuesInput label="Votes: tie" values={o.tie} onChange={(tie) => setO({ ...o, tie })} />
        </>
      )}
    </>
  );
}

function BinarizationEditor(props: { mapping: ColumnMapping; set(patch: Partial<ColumnMapping>): void }) {
  const { mapping: m, set } = props;
  const b: Binarization = m.binarize ?? { rule: "best-worst" };
  return (
    <>
      <label>
        Pairs from responses
        <select
          aria-label="Pairs from responses"
          value={b.rule}
          onChange={(e) => {
            const rule = e.target.value as Binarization["rule"];
            set({
              binarize:
                rule === "best-worst"
                  ? undefined
                  : rule === "best-random-lower"
                    ? b.rule === "best-random-lower"
                      ? b
                      : { rule, seed: 42 }
                    : { rule },
            });
          }}
        >
          <option value="best-worst">best vs worst</option>
          <option value="best-random-lower">best vs a random other one (seeded)</option>
          <option value="adjacent">every adjacent pair in score order</option>
        </select>
      </label>
      {b.rule === "best-worst" && (
        <label>
          <input
            type="checkbox"
            aria-label="Exclude tied scores and identical best/worst responses"
            checked={b.strict === true}
            onChange={(e) => set({ binarize: e.target.checked ? { rule: "best-worst", strict: true } : undefined })}
          />
          Exclude tied scores and identical best/worst responses
        </label>
      )}
      {b.rule === "best-random-lower" && (
        <label>
          Binarization seed
          <input
            aria-label="Binarization seed"
            type="number"
            step={1}
            value={b.seed}
            onChange={(e) => set({ binarize: { ...b, seed: Math.trunc(Number(e.target.value)) } })}
          />
        </label>
      )}
      {b.rule === "best-random-lower" && (
        <label>
          Rejected drawn from
          <select
            aria-label="Rejected drawn from"
            value={b.among ?? "lower"}
            onChange={(e) => set({ binarize: { ...b, among: e.target.value === "others" ? "others" : undefined } })}
          >
            <option value="lower">responses scored lower (Argilla)</option>
            <option value="others">any other response (Zephyr)</option>
          </select>
        </label>
      )}
      <label>
        Score order
        <select
          aria-label="Score order"
          value={m.scoreOrder ?? "higher-better"}
          onChange={(e) => set({ scoreOrder: e.target.value === "lower-better" ? "lower-better" : undefined })}
        >
          <option value="higher-better">higher is better</option>
          <option value="lower-better">lower is better (ranks)</option>
        </select>
      </label>
      <ValuesInput
        label="Score fields averaged"
        values={m.scoreFields ?? []}
        onChange={(v) => set({ scoreFields: v.length ? v : undefined })}
      />
    </>
  );
}

function PromptEditor(props: {
  mapping: ColumnMapping;
  fields: FieldSummary;
  set(patch: Partial<ColumnMapping>): void;
}) {
  const { mapping: m, fields, set } = props;
  const prompts = m.promptFields ?? (m.prompt ? [m.prompt] : []);
  const setPrompts = (next: string[]) =>
    set(
      next.length <= 1
        ? { prompt: next[0], promptFields: undefined, promptSeparator: undefined }
        : { prompt: undefined, promptFields: next, promptSeparator: m.promptSeparator ?? "\n\n" },
    );
  return (
    <fieldset className="prompt-fields">
      <legend>Prompt</legend>
      {prompts.map((f, i) => (
        <div key={`${f}-${i}`} className="prompt-field">
          <FieldSelect
            label={i === 0 ? "Prompt field" : `Prompt field ${i + 1}`}
            value={f}
            fields={fields.all}
            onChange={(v) =>
              setPrompts(v ? prompts.map((p, j) => (j === i ? v : p)) : prompts.filter((_, j) => j !== i))
            }
          />
          {prompts.length > 1 && (
            <button
              type="button"
              aria-label={`Remove prompt field ${f}`}
              onClick={() => setPrompts(prompts.filter((_, j) => j !== i))}
            >
              ×
            </button>
          )}
        </div>
      ))}
      <label>
        {prompts.length === 0 ? "Prompt field" : "Add prompt field"}
        <select
          aria-label={prompts.length === 0 ? "Prompt field" : "Add prompt field"}
          value=""
          onChange={(e) => e.target.value && setPrompts([...prompts, e.target.value])}
        >
          <option value="">{prompts.length === 0 ? "(none)" : "(add…)"}</option>
          {fields.all
            .filter((f) => !prompts.includes(f))
            .map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
        </select>
      </label>
      {prompts.length > 1 && (
        <label>
          Prompt separator
          <input
            aria-label="Prompt separator"
            value={showEscapes(m.promptSeparator ?? "\n\n")}
            onChange={(e) => set({ promptSeparator: readEscapes(e.target.value) })}
          />
        </label>
      )}
    </fieldset>
  );
}

// Keeps the JSON free of `undefined` keys, as the worker and recipes store it.
function clean(m: ColumnMapping): ColumnMapping {
  return JSON.parse(JSON.stringify(m)) as ColumnMapping;
}

/**
 * The hand mapping editor: schema, prompt fields, responses, orientation or binarization, margin sources, and the
 * mapping as JSON (copy it for `--mapping M.json`, or paste one). `onApply` gets the mapping; the worker validates it.
 */
export function MappingEditor(props: {
  fields: FieldSummary;
  initial: ColumnMapping;
  applyLabel: string;
  onApply(mapping: ColumnMapping): void;
}) {
  const { fields } = props;
  const [draft, setDraftState] = useState<ColumnMapping>(props.initial);
  const [jsonText, setJsonText] = useState(() => JSON.stringify(clean(props.initial), null, 2));
  const [jsonError, setJsonError] = useState<string | null>(null);
  const setDraft = (next: ColumnMapping) => {
    setDraftState(next);
    setJsonText(JSON.stringify(clean(next), null, 2));
    setJsonError(null);
  };
  const schema = SCHEMAS.find((s) => s.value === draft.schema) ?? SCHEMAS[0];
  const set = (patch: Partial<ColumnMapping>) => setDraft({ ...draft, ...patch });
  const ex = draft.explicit;
  const im = draft.implicit;

  const setExplicit = (kind: ExplicitSource["kind"]) => {
    const num = fields.numeric;
    const next: ExplicitSource =
      kind === "none" || kind === "picked"
        ? { kind }
        : kind === "column"
          ? { kind, field: num[0] ?? "" }
          : kind === "difference"
            ? { kind, chosen: num[0] ?? "", rejected: num[1] ?? "" }
            : kind === "score-range"
              ? { kind, field: fields.numericList[0] ?? "" }
              : { kind, field: num[0] ?? "" };
    set({ explicit: next });
  };
  const setImplicit = (kind: ImplicitSource["kind"]) => {
    const num = fields.numeric;
    const next: ImplicitSource =
      kind === "none"
        ? { kind }
        : kind === "column"
          ? { kind, field: num[0] ?? "" }
          : kind === "difference"
            ? { kind, chosen: num[0] ?? "", rejected: num[1] ?? "" }
            : kind === "picked-logps"
              ? { kind, logps: fields.numericList[0] ?? "", tokens: fields.numericList[1] }
              : {
                  kind,
                  chosen: num[0] ?? "",
                  rejected: num[1] ?? "",
                  refChosen: num[2] ?? "",
                  refRejected: num[3] ?? "",
                  beta: DEFAULT_DPO_BETA,
                };
    set({ implicit: next });
  };
  // Likely fields first (score lists for scores, text lists for responses), then every other field and path.
  const first = (likely: string[]) => [...likely, ...fields.all.filter((f) => !likely.includes(f))];
  const roleFields = (role: keyof ColumnMapping) =>
    role === "scores" ? first(fields.numericList) : role === "responses" ? first(fields.textList ?? []) : fields.all;

  return (
    <div className="mapping-editor">
      <label className="wide-choice">
        Schema
        <select
          aria-label="Schema"
          value={draft.schema}
          onChange={(e) => set({ schema: e.target.value as SchemaKind })}
        >
          {SCHEMAS.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
      </label>
      {draft.schema !== "hh" && <PromptEditor mapping={draft} fields={fields} set={set} />}
      {schema.roles.map((role) => (
        <FieldSelect
          key={role}
          label={ROLE_LABELS[role] ?? role}
          value={draft[role] as string | undefined}
          fields={roleFields(role)}
          onChange={(v) => set({ [role]: v } as Partial<ColumnMapping>)}
        />
      ))}
      {draft.schema === "pairwise" && <OrientationEditor mapping={draft} fields={fields} set={set} />}
      {draft.schema === "multi" && <BinarizationEditor mapping={draft} set={set} />}
      <label>
        Explicit margin source
        <select
          aria-label="Explicit margin source"
          value={ex.kind}
          onChange={(e) => setExplicit(e.target.value as ExplicitSource["kind"])}
        >
          <option value="none">none</option>
          <option value="column">margin column</option>
          <option value="difference">chosen − rejected scores</option>
          <option value="score-range">max − min of score list</option>
          <option value="judge-probability">judge probability (logit)</option>
          <option value="picked">the scores, strength or votes that picked the pair</option>
        </select>
      </label>
      {(ex.kind === "column" || ex.kind === "score-range" || ex.kind === "judge-probability") && (
        <FieldSelect
          label="Explicit margin field"
          value={ex.field}
          fields={ex.kind === "score-range" ? fields.numericList : fields.numeric}
          onChange={(v) => set({ explicit: { ...ex, field: v ?? "" } })}
        />
      )}
      {ex.kind === "difference" && (
        <>
          <FieldSelect
            label="Chosen score field"
            value={ex.chosen}
            fields={fields.numeric}
            onChange={(v) => set({ explicit: { ...ex, chosen: v ?? "" } })}
          />
          <FieldSelect
            label="Rejected score field"
            value={ex.rejected}
            fields={fields.numeric}
            onChange={(v) => set({ explicit: { ...ex, rejected: v ?? "" } })}
          />
        </>
      )}
      <label>
        Implicit margin source
        <select
          aria-label="Implicit margin source"
          value={im.kind}
          onChange={(e) => setImplicit(e.target.value as ImplicitSource["kind"])}
        >
          <option value="none">none</option>
          <option value="column">margin column</option>
          <option value="difference">chosen − rejected log-probs (SimPO: normalised)</option>
          <option value="dpo">DPO with reference log-probs</option>
          <option value="picked-logps">log-prob lists of the responses (generate)</option>
        </select>
      </label>
      {im.kind === "picked-logps" && (
        <>
          <FieldSelect
            label="Log-prob list field"
            value={im.logps}
            fields={fields.numericList}
            onChange={(v) => set({ implicit: { ...im, logps: v ?? "" } })}
          />
          <FieldSelect
            label="Token count list field"
            value={im.tokens}
            fields={fields.numericList}
            onChange={(v) => set({ implicit: { ...im, tokens: v } })}
          />
        </>
      )}
      {im.kind === "column" && (
        <FieldSelect
          label="Implicit margin field"
          value={im.field}
          fields={fields.numeric}
          onChange={(v) => set({ implicit: { ...im, field: v ?? "" } })}
        />
      )}
      {(im.kind === "difference" || im.kind === "dpo") && (
        <>
          <FieldSelect
            label="Chosen log-prob field"
            value={im.chosen}
            fields={fields.numeric}
            onChange={(v) => set({ implicit: { ...im, chosen: v ?? "" } })}
          />
          <FieldSelect
            label="Rejected log-prob field"
            value={im.rejected}
            fields={fields.numeric}
            onChange={(v) => set({ implicit: { ...im, rejected: v ?? "" } })}
          />
        </>
      )}
      {im.kind === "dpo" && (
        <>
          <FieldSelect
            label="Reference chosen log-prob field"
            value={im.refChosen}
            fields={fields.numeric}
            onChange={(v) => set({ implicit: { ...im, refChosen: v ?? "" } })}
          />
          <FieldSelect
            label="Reference rejected log-prob field"
            value={im.refRejected}
            fields={fields.numeric}
            onChange={(v) => set({ implicit: { ...im, refRejected: v ?? "" } })}
          />
          <label>
            β
            <input
              aria-label="DPO beta"
              type="number"
              step={0.01}
              value={im.beta}
              onChange={(e) => set({ implicit: { ...im, beta: Number(e.target.value) } })}
            />
          </label>
        </>
      )}
      <label className="mapping-json">
        Mapping JSON (the CLI&apos;s --mapping M.json; paste one to use it)
        <textarea
          aria-label="Mapping JSON"
          rows={8}
          spellCheck={false}
          value={jsonText}
          onChange={(e) => {
            setJsonText(e.target.value);
            try {
              const parsed = JSON.parse(e.target.value) as unknown;
              const m = parsed && typeof parsed === "object" && "mapping" in parsed ? parsed.mapping : parsed;
              if (!m || typeof m !== "object" || typeof (m as ColumnMapping).schema !== "string")
                throw new Error('expected an object with a "schema" (or a recipe with a "mapping")');
              setDraftState(m as ColumnMapping);
              setJsonError(null);
            } catch (err) {
              setJsonError(err instanceof Error ? err.message : String(err));
            }
          }}
        />
      </label>
      {jsonError && (
        <p className="error" role="status">
          Mapping JSON: {jsonError}
        </p>
      )}
      <button type="button" disabled={jsonError !== null} onClick={() => props.onApply(clean(draft))}>
        {props.applyLabel}
      </button>
    </div>
  );
}

/** Shows what was detected and lets the user re-map fields and margin sources by hand. */
export default function MappingPanel() {
  const summary = useWorkbench((s) => s.summary);
  const remap = useWorkbench((s) => s.remap);
  // The parent keys this panel by the rows version, so the draft starts afresh from each loaded mapping.
  if (!summary) return null;
  return (
    <details className="mapping" open>
      <summary>Columns</summary>
      <ul className="notes" aria-label="Detected schema">
        {summary.notes.map((n) => (
          <li key={n}>{n}</li>
        ))}
      </ul>
      {summary.plan && <PlanCounts plan={summary.plan} />}
      <MappingEditor
        fields={summary.fields}
        initial={summary.mapping}
        applyLabel="Apply mapping"
        onApply={(m) => void remap(m)}
      />
    </details>
  );
}

/** The "Columns" panel for a file detection refused: why, and a hand mapping to build from its fields. */
export function PendingMappingPanel() {
  const pending = useWorkbench((s) => s.pendingMapping);
  const mapPending = useWorkbench((s) => s.mapPending);
  const cancel = useWorkbench((s) => s.cancelPending);
  if (!pending) return null;
  return (
    <section className="mapping pending-mapping" aria-label="Map columns by hand">
      <h2>Columns: map {pending.name} by hand</h2>
      <p className="error" role="alert">
        {formatProblem(pending.problem)}
      </p>
      <p>
        Every field is listed (nested ones as paths like <code>input.messages</code>). Build the pair from them; the
        file is already read and indexed, so trying a mapping does not read it again.
      </p>
      {pending.error && (
        <p className="error" role="alert" data-testid="mapping-error">
          {pending.error}
        </p>
      )}
      <MappingEditor
        key={pending.name}
        fields={pending.fields}
        initial={draftMapping(pending.fields)}
        applyLabel="Open with this mapping"
        onApply={(m) => void mapPending(m)}
      />
      <button type="button" onClick={cancel}>
        Cancel
      </button>
    </section>
  );
}
