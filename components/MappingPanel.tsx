"use client";
import { useState } from "react";
import { useWorkbench } from "@/components/workbench-store";
import type { ColumnMapping, ExplicitSource, ImplicitSource, SchemaKind } from "@/lib/dataset/types";
import { DEFAULT_DPO_BETA } from "@/lib/metrics/margin-formulas";

/** Schema options and the text fields each one uses. */
const SCHEMAS: { value: SchemaKind; label: string; roles: (keyof ColumnMapping)[] }[] = [
  { value: "trl", label: "TRL strings (prompt/chosen/rejected)", roles: ["prompt", "chosen", "rejected"] },
  { value: "chat", label: "Chat message lists", roles: ["prompt", "chosen", "rejected"] },
  { value: "sharegpt", label: "ShareGPT conversations", roles: ["prompt", "chosen", "rejected"] },
  { value: "hh", label: "Anthropic HH transcripts", roles: ["chosen", "rejected"] },
  {
    value: "pairwise",
    label: "Pairwise outputs + label/preference",
    roles: ["prompt", "outputA", "outputB", "label", "preference"],
  },
  { value: "multi", label: "Multiple responses + scores", roles: ["prompt", "responses", "scores"] },
];

const ROLE_LABELS: Partial<Record<keyof ColumnMapping, string>> = {
  prompt: "Prompt field",
  chosen: "Chosen field",
  rejected: "Rejected field",
  outputA: "Output 1 field",
  outputB: "Output 2 field",
  label: "Label field",
  preference: "Preference field",
  responses: "Responses field",
  scores: "Scores field",
};

function FieldSelect(props: {
  label: string;
  value: string | undefined;
  fields: string[];
  onChange(v?: string): void;
}) {
  return (
    <label>
      {props.label}
      <select
        aria-label={props.label}
        value={props.value ?? ""}
        onChange={(e) => props.onChange(e.target.value || undefined)}
      >
        <option value="">(none)</option>
        {props.fields.map((f) => (
          <option key={f} value={f}>
            {f}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Shows what was detected and lets the user re-map fields and margin sources by hand. */
export default function MappingPanel() {
  const summary = useWorkbench((s) => s.summary);
  const remap = useWorkbench((s) => s.remap);
  // The parent keys this panel by dataVersion, so the draft starts afresh from each loaded mapping.
  const [draft, setDraft] = useState<ColumnMapping | null>(summary?.mapping ?? null);
  if (!summary || !draft) return null;
  const { fields } = summary;
  const schema = SCHEMAS.find((s) => s.value === draft.schema) ?? SCHEMAS[0];
  const set = (patch: Partial<ColumnMapping>) => setDraft({ ...draft, ...patch });
  const ex = draft.explicit;
  const im = draft.implicit;

  const setExplicit = (kind: ExplicitSource["kind"]) => {
    const num = fields.numeric;
    const next: ExplicitSource =
      kind === "none"
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

  return (
    <details className="mapping" open>
      <summary>Columns</summary>
      <ul className="notes" aria-label="Detected schema">
        {summary.notes.map((n) => (
          <li key={n}>{n}</li>
        ))}
      </ul>
      <label>
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
      {schema.roles.map((role) => (
        <FieldSelect
          key={role}
          label={ROLE_LABELS[role] ?? role}
          value={draft[role] as string | undefined}
          fields={fields.all}
          onChange={(v) => set({ [role]: v } as Partial<ColumnMapping>)}
        />
      ))}
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
        </select>
      </label>
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
      <button type="button" onClick={() => void remap(draft)}>
        Apply mapping
      </button>
    </details>
  );
}
