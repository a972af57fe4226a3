"use client";
import { useMemo } from "react";
import { useWorkbench } from "@/components/workbench-store";
import { buffers } from "@/lib/workbench/buffers";
import type { Metric } from "@/lib/metrics/select";

/** Metric options with their stable accessible labels. */
const METRICS: { value: Metric; label: string }[] = [
  { value: "map", label: "Alignment potential (M_AP)" },
  { value: "explicit", label: "Explicit margin" },
  { value: "implicit", label: "Implicit margin" },
  { value: "random", label: "Random" },
];

/** Steps of the threshold sliders. */
const SLIDER_STEPS = 1000;

function finiteRange(values: Float64Array, abs: boolean): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = abs ? Math.abs(values[i]) : values[i];
    if (Number.isNaN(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

function parseNumber(text: string): number | undefined {
  const v = Number(text);
  return text.trim() === "" || !Number.isFinite(v) ? undefined : v;
}

/** Metric, ratio / top-k, w, seed, and the hand thresholds (sliders update the selection while dragging). */
export default function SelectionControls() {
  const settings = useWorkbench((s) => s.settings);
  const update = useWorkbench((s) => s.updateSettings);
  const dataVersion = useWorkbench((s) => s.dataVersion);
  const ranges = useMemo(() => {
    void dataVersion;
    const b = buffers.get();
    return { explicit: finiteRange(b.explicit, false), implicit: finiteRange(b.implicit, true) };
  }, [dataVersion]);

  const toStep = (v: number, [lo, hi]: [number, number]) => Math.round(((v - lo) / (hi - lo || 1)) * SLIDER_STEPS);
  const fromStep = (step: number, [lo, hi]: [number, number]) => lo + ((hi - lo) * step) / SLIDER_STEPS;

  return (
    <fieldset className="controls">
      <legend>Selection</legend>
      <label>
        Metric
        <select
          aria-label="Metric"
          value={settings.metric}
          onChange={(e) => update({ metric: e.target.value as Metric })}
        >
          {METRICS.map((m) => (
            <option key={m.value} value={m.value}>
              {m.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Selection ratio
        <input
          aria-label="Selection ratio"
          type="number"
          min={0}
          max={1}
          step={0.01}
          value={settings.ratio}
          onChange={(e) => {
            const v = parseNumber(e.target.value);
            if (v !== undefined && v >= 0 && v <= 1) update({ ratio: v, topK: undefined });
          }}
        />
      </label>
      <input
        aria-label="Selection ratio slider"
        type="range"
        min={0}
        max={1}
        step={0.01}
        value={settings.ratio}
        onChange={(e) => update({ ratio: Number(e.target.value), topK: undefined })}
      />
      <label>
        Top k (overrides ratio)
        <input
          aria-label="Top k"
          type="number"
          min={0}
          step={1}
          value={settings.topK ?? ""}
          placeholder="—"
          onChange={(e) => {
            const v = parseNumber(e.target.value);
            update({ topK: v === undefined ? undefined : Math.max(0, Math.floor(v)) });
          }}
        />
      </label>
      <label>
        Implicit weight (w)
        <input
          aria-label="Implicit weight (w)"
          type="number"
          step={0.1}
          value={settings.weight}
          onChange={(e) => {
            const v = parseNumber(e.target.value);
            if (v !== undefined) update({ weight: v });
          }}
        />
      </label>
      {settings.metric === "random" && (
        <label>
          Seed
          <input
            aria-label="Seed"
            type="number"
            step={1}
            value={settings.seed}
            onChange={(e) => {
              const v = parseNumber(e.target.value);
              if (v !== undefined) update({ seed: Math.floor(v) });
            }}
          />
        </label>
      )}
      {ranges.explicit && (
        <div className="threshold">
          <label>
            <input
              type="checkbox"
              aria-label="Use explicit margin floor"
              checked={settings.explicitFloor !== undefined}
              onChange={(e) => update({ explicitFloor: e.target.checked ? ranges.explicit![0] : undefined })}
            />
            Explicit margin ≥ <output>{settings.explicitFloor?.toPrecision(4) ?? "off"}</output>
          </label>
          <input
            type="range"
            aria-label="Explicit margin floor"
            min={0}
            max={SLIDER_STEPS}
            disabled={settings.explicitFloor === undefined}
            value={settings.explicitFloor === undefined ? 0 : toStep(settings.explicitFloor, ranges.explicit)}
            onChange={(e) => update({ explicitFloor: fromStep(Number(e.target.value), ranges.explicit!) })}
          />
        </div>
      )}
      {ranges.implicit && (
        <div className="threshold">
          <label>
            <input
              type="checkbox"
              aria-label="Use implicit margin ceiling"
              checked={settings.implicitCeiling !== undefined}
              onChange={(e) => update({ implicitCeiling: e.target.checked ? ranges.implicit![1] : undefined })}
            />
            |Implicit margin| ≤ <output>{settings.implicitCeiling?.toPrecision(4) ?? "off"}</output>
          </label>
          <input
            type="range"
            aria-label="Implicit margin ceiling"
            min={0}
            max={SLIDER_STEPS}
            disabled={settings.implicitCeiling === undefined}
            value={
              settings.implicitCeiling === undefined ? SLIDER_STEPS : toStep(settings.implicitCeiling, ranges.implicit)
            }
            onChange={(e) => update({ implicitCeiling: fromStep(Number(e.target.value), ranges.implicit!) })}
          />
        </div>
      )}
    </fieldset>
  );
}
