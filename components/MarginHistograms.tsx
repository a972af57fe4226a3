"use client";
import { useMemo } from "react";
import { useWorkbench, currentSpec } from "@/components/workbench-store";
import RangeHistogram from "@/components/RangeHistogram";
import { fieldLabel, histogramSource, intervalOf, type FieldKey } from "@/lib/selection/spec";

/** Length histograms offered on request (they take one pass over the texts). */
const LENGTH_FIELDS: FieldKey[] = ["chosenChars", "rejectedChars"];

/**
 * Histograms of the margins, M_AP and (on request) response lengths. Each owns one range clause: drag its
 * handles or brush it; its amber bars are the rows the *other* clauses select, so it never filters itself away.
 */
export default function MarginHistograms() {
  const histograms = useWorkbench((s) => s.histograms);
  const spec = useWorkbench((s) => currentSpec(s));
  const fields = useWorkbench((s) => s.histogramFields);
  const setInterval = useWorkbench((s) => s.setInterval);
  const endGesture = useWorkbench((s) => s.endGesture);
  const showHistogram = useWorkbench((s) => s.showHistogram);
  const summary = useWorkbench((s) => s.summary);
  // One callback per field for the component's life, so that a memoised histogram whose numbers and range did not
  // change skips its render (a new arrow per render would defeat RangeHistogram's memo on every selection reply).
  const fieldList = histograms.map((h) => h.field).join("\n");
  const onChangeOf = useMemo(() => {
    const byField = new Map(
      fieldList.split("\n").map((field) => {
        const onChange = (lo: number | null, hi: number | null, gesture: string) =>
          setInterval(field as FieldKey, lo, hi, gesture);
        return [field, onChange] as const;
      }),
    );
    return (field: FieldKey) => byField.get(field)!;
  }, [fieldList, setInterval]);
  // Token counts are known once the policy scored the rows (chosen_tokens / rejected_tokens from the run).
  const lengthFields: FieldKey[] = [
    ...LENGTH_FIELDS,
    ...(summary?.attachedColumns ?? [])
      .filter((c) => c === "chosen_tokens" || c === "rejected_tokens")
      .map((c) => `column:${c}` as FieldKey),
  ];
  const showLengths = !lengthFields.every((f) => fields.includes(f));
  return (
    <section className="histograms-wrap" aria-label="Histograms">
      <div className="histograms">
        {histograms.map((h) => {
          const gate = intervalOf(spec, histogramSource(h.field), h.field);
          const label = h.field === "mAp" ? `M_AP (w = ${spec.ranking.weight})` : fieldLabel(h.field);
          return (
            <RangeHistogram
              key={h.field}
              label={h.field === "mAp" ? "M_AP" : label}
              histogram={h}
              lo={gate?.lo ?? null}
              hi={gate?.hi ?? null}
              onChange={onChangeOf(h.field)}
              onGestureEnd={endGesture}
            />
          );
        })}
      </div>
      <button type="button" onClick={() => lengthFields.forEach((f) => showHistogram(f, showLengths))}>
        {showLengths ? "Show length histograms" : "Hide length histograms"}
      </button>
    </section>
  );
}
