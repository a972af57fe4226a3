"use client";
import { useEffect } from "react";
import { useWorkbench, currentSpec } from "@/components/workbench-store";
import { describeGate } from "@/lib/selection/spec";
import { metricLabel } from "@/lib/selection/ranking";

/** Whether a key event comes from a text field (where Ctrl+Z belongs to the field). */
function inTextField(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  const tag = el.tagName;
  return (
    tag === "TEXTAREA" ||
    (tag === "INPUT" && (el as HTMLInputElement).type !== "range" && (el as HTMLInputElement).type !== "checkbox") ||
    el.isContentEditable
  );
}

/**
 * The active clauses as removable chips ("Filters"): the ranking, every gate, the hand decisions; Undo / Redo
 * buttons and Ctrl/Cmd+Z, Shift+Ctrl/Cmd+Z (and Ctrl+Y) anywhere outside a text field.
 */
export default function FiltersBar() {
  const spec = useWorkbench((s) => currentSpec(s));
  const history = useWorkbench((s) => s.history);
  const removeGate = useWorkbench((s) => s.removeGate);
  const setSpec = useWorkbench((s) => s.setSpec);
  const undo = useWorkbench((s) => s.undo);
  const redo = useWorkbench((s) => s.redo);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || inTextField(e.target)) return;
      const key = e.key.toLowerCase();
      if (key === "z" && !e.shiftKey) {
        e.preventDefault();
        useWorkbench.getState().undo();
      } else if ((key === "z" && e.shiftKey) || key === "y") {
        e.preventDefault();
        useWorkbench.getState().redo();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const r = spec.ranking;
  const ranking = `${metricLabel(r.metric)}${r.metric === "map" ? ` (w = ${r.weight})` : ""} · ${
    r.topK !== undefined ? `top ${r.topK}` : `top ${Math.round(r.ratio * 1000) / 10} %`
  }`;
  const { keep, drop } = spec.decisions;
  return (
    <section className="filters" aria-label="Filters">
      <span className="filters-title">Filters</span>
      <span className="chip chip-ranking" title="The ranking clause (set in the Selection panel)">
        {ranking}
      </span>
      {spec.gates.map((g, i) => {
        const text = describeGate(g);
        return (
          <span className="chip" key={`${g.kind}|${g.source}|${i}`} data-testid="filter-chip">
            {text}
            <button type="button" aria-label={`Remove filter: ${text}`} onClick={() => removeGate(i)}>
              ×
            </button>
          </span>
        );
      })}
      {keep.length > 0 && (
        <span className="chip chip-keep" data-testid="filter-chip">
          kept by hand: {keep.length}
          <button
            type="button"
            aria-label="Clear all keep decisions"
            onClick={() => setSpec({ ...spec, decisions: { ...spec.decisions, keep: [] } })}
          >
            ×
          </button>
        </span>
      )}
      {drop.length > 0 && (
        <span className="chip chip-drop" data-testid="filter-chip">
          dropped by hand: {drop.length}
          <button
            type="button"
            aria-label="Clear all drop decisions"
            onClick={() => setSpec({ ...spec, decisions: { ...spec.decisions, drop: [] } })}
          >
            ×
          </button>
        </span>
      )}
      <span className="filters-actions">
        <button
          type="button"
          onClick={undo}
          disabled={history.past.length === 0}
          title="z or Ctrl/Cmd+Z"
          aria-keyshortcuts="z Control+Z Meta+Z"
        >
          Undo
        </button>
        <button
          type="button"
          onClick={redo}
          disabled={history.future.length === 0}
          title="Shift+z or Shift+Ctrl/Cmd+Z"
          aria-keyshortcuts="Shift+Z Control+Shift+Z Meta+Shift+Z Control+Y"
        >
          Redo
        </button>
      </span>
    </section>
  );
}
