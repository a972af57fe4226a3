"use client";
import { useEffect, useRef } from "react";
import { useWorkbench, currentSpec } from "@/components/workbench-store";
import RatioSlider from "@/components/RatioSlider";
import { histogramSource, intervalOf, type FieldKey } from "@/lib/selection/spec";
import { METRIC_OPTIONS, metricUnavailable } from "@/lib/selection/ranking";
import type { Metric } from "@/lib/metrics/select";
import type { BeesNanRule } from "@/lib/selection/spec";

function parseNumber(text: string): number | undefined {
  const v = Number(text);
  return text.trim() === "" || !Number.isFinite(v) ? undefined : v;
}

/** A number box bound to one bound of a histogram's range clause (empty = off). */
function BoundInput({ field, which, label }: { field: FieldKey; which: "lo" | "hi"; label: string }) {
  const spec = useWorkbench((s) => currentSpec(s));
  const setInterval = useWorkbench((s) => s.setInterval);
  const gate = intervalOf(spec, histogramSource(field), field);
  const value = which === "lo" ? gate?.lo : gate?.hi;
  const input = useRef<HTMLInputElement>(null);
  // An outside change (a handle drag, undo) shows here unless the box is being edited; typing edits locally. (Keying
  // the input by the value did the same by mounting a new number input, shadow tree included, on every drag step.)
  useEffect(() => {
    const el = input.current;
    if (el && document.activeElement !== el) el.value = String(value ?? "");
  }, [value]);
  return (
    <label className="bound">
      {label}
      <input
        ref={input}
        type="number"
        step="any"
        aria-label={`${label} value`}
        placeholder="off"
        defaultValue={value ?? ""}
        onBlur={(e) => {
          const v = parseNumber(e.target.value);
          const lo = which === "lo" ? (v ?? null) : (gate?.lo ?? null);
          const hi = which === "hi" ? (v ?? null) : (gate?.hi ?? null);
          if (lo !== (gate?.lo ?? null) || hi !== (gate?.hi ?? null)) setInterval(field, lo, hi);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter") (e.target as HTMLInputElement).blur();
        }}
      />
    </label>
  );
}

/** The ranking clause (metric, ratio / top-k, w, seed, β, BeeS rule) and the classic thresholds as number boxes. */
export default function SelectionControls() {
  const spec = useWorkbench((s) => currentSpec(s));
  const summary = useWorkbench((s) => s.summary);
  const notes = useWorkbench((s) => s.notes);
  const update = useWorkbench((s) => s.updateRanking);
  const endGesture = useWorkbench((s) => s.endGesture);
  const r = spec.ranking;
  const unavailable = (m: Metric) => metricUnavailable(m, summary?.hasLogprobs ?? false);

  return (
    <fieldset className="controls">
      <legend>Selection</legend>
      <label className="wide-choice">
        Metric
        <select aria-label="Metric" value={r.metric} onChange={(e) => update({ metric: e.target.value as Metric })}>
          {METRIC_OPTIONS.map((m) => {
            const why = unavailable(m.value);
            return (
              <option key={m.value} value={m.value} disabled={why !== null} title={why ?? undefined}>
                {why ? `${m.label} — needs log-prob columns` : m.label}
              </option>
            );
          })}
        </select>
      </label>
      {METRIC_OPTIONS.some((m) => unavailable(m.value)) && (
        <p className="hint" data-testid="rival-hint">
          BeeS and the DPO reward gap {unavailable("bees")}.
        </p>
      )}
      <label>
        Selection ratio
        <input
          aria-label="Selection ratio"
          type="number"
          min={0}
          max={1}
          step={0.01}
          value={r.ratio}
          onChange={(e) => {
            const v = parseNumber(e.target.value);
            if (v !== undefined && v >= 0 && v <= 1) update({ ratio: v, topK: undefined }, "ratio-input");
          }}
          onBlur={endGesture}
        />
      </label>
      <RatioSlider
        label="Selection ratio slider"
        min={0}
        max={1}
        step={0.01}
        value={r.ratio}
        onChange={(ratio) => update({ ratio, topK: undefined }, "ratio-slider")}
        onGestureEnd={endGesture}
      />
      <label>
        Top k (overrides ratio)
        <input
          aria-label="Top k"
          type="number"
          min={0}
          step={1}
          value={r.topK ?? ""}
          placeholder="—"
          onChange={(e) => {
            const v = parseNumber(e.target.value);
            update({ topK: v === undefined ? undefined : Math.max(0, Math.floor(v)) }, "topk-input");
          }}
          onBlur={endGesture}
        />
      </label>
      <label>
        Implicit weight (w)
        <input
          aria-label="Implicit weight (w)"
          type="number"
          step={0.1}
          value={r.weight}
          onChange={(e) => {
            const v = parseNumber(e.target.value);
            if (v !== undefined) update({ weight: v }, "weight-input");
          }}
          onBlur={endGesture}
        />
      </label>
      {r.metric === "random" && (
        <label>
          Seed
          <input
            aria-label="Seed"
            type="number"
            step={1}
            value={r.seed}
            onChange={(e) => {
              const v = parseNumber(e.target.value);
              if (v !== undefined) update({ seed: Math.floor(v) }, "seed-input");
            }}
            onBlur={endGesture}
          />
        </label>
      )}
      {r.metric === "difficulty" && (
        <label>
          β (DPO reward gap)
          <input
            aria-label="β (DPO reward gap)"
            type="number"
            step={0.01}
            value={r.beta}
            onChange={(e) => {
              const v = parseNumber(e.target.value);
              if (v !== undefined) update({ beta: v }, "beta-input");
            }}
            onBlur={endGesture}
          />
        </label>
      )}
      {r.metric === "bees" && (
        <>
          <label>
            BeeS 0/0 pairs
            <select
              aria-label="BeeS 0/0 pairs"
              value={r.beesNan}
              onChange={(e) => update({ beesNan: e.target.value as BeesNanRule })}
            >
              <option value="released">Kept first (as the released code)</option>
              <option value="lowest">Ranked lowest (fix)</option>
            </select>
          </label>
          <p className="hint" data-testid="bees-note">
            Pairs with p_im = 1 and p_ex = 0 (or the reverse) score 0/0 = NaN; the released code&apos;s numpy sort keeps
            them ahead of every other pair
            {notes.zeroOverZero !== undefined ? ` (${notes.zeroOverZero} here)` : ""}. Missing margins count as 0
            {notes.missingToZero !== undefined ? ` (${notes.missingToZero} rows)` : ""}.
          </p>
        </>
      )}
      <div className="thresholds">
        <BoundInput field="explicit" which="lo" label="Explicit margin ≥" />
        <BoundInput field="explicit" which="hi" label="Explicit margin ≤" />
        <BoundInput field="absImplicit" which="hi" label="|Implicit margin| ≤" />
      </div>
    </fieldset>
  );
}
