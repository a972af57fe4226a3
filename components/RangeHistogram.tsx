"use client";
import { memo, useEffect, useRef, useState } from "react";
import type { KeyboardEvent as ReactKeyboardEvent, PointerEvent as ReactPointerEvent } from "react";
import type { ColumnHistogram } from "@/lib/workbench/protocol";
import { sameHistogram, sameValues } from "@/lib/charts/histogram-equal";
import { snapToResolution } from "@/lib/charts/snap";
import { usePointerFollow } from "@/components/use-pointer-follow";

/** Props of {@link RangeHistogram}. */
export interface RangeHistogramProps {
  /** Name of the field ("Explicit margin"): the handles are "<label> floor" and "<label> ceiling". */
  label: string;
  histogram: ColumnHistogram;
  /** The range clause this histogram owns (null bounds are open). */
  lo: number | null;
  hi: number | null;
  /** A bound moved (drag, brush or key): `gesture` groups one drag into one undo step. */
  onChange(lo: number | null, hi: number | null, gesture: string): void;
  /** The pointer was released / the key gesture ended. */
  onGestureEnd(): void;
}

const HEIGHT = 150;
const PAD = { left: 38, right: 10, top: 8, bottom: 22 };
/** Pointer travel under which a press on the plot is a click, not a brush. */
const BRUSH_SLOP = 3;

function formatTick(v: number): string {
  const a = Math.abs(v);
  return a >= 1000 || (a < 0.01 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

function formatValue(v: number): string {
  return String(Number(v.toPrecision(5)));
}

let gestureCounter = 0;

/** Props of {@link HistogramBars}: the counts and where they go. */
interface HistogramBarsProps {
  edges: Float64Array;
  all: Uint32Array;
  selected: Uint32Array;
  x0: number;
  x1: number;
  plotW: number;
  plotH: number;
  maxCount: number;
}

/** Rounds a pixel coordinate to 1/100 px: keeps the path strings short without moving any bar visibly. */
const px = (v: number) => Math.round(v * 100) / 100;

/** One SVG path of a bar per bin with a non-zero count (a bar of height 0 draws nothing either way). */
function barsPath(
  edges: Float64Array,
  counts: Uint32Array,
  sx: (v: number) => number,
  sy: (c: number) => number,
  plotH: number,
): string {
  let d = "";
  for (let i = 0; i < counts.length; i++) {
    const h = sy(counts[i]);
    if (!(h > 0)) continue;
    const left = sx(edges[i]);
    const w = Math.max(1, sx(edges[i + 1]) - left - 1);
    d += `M${px(left)} ${px(PAD.top + plotH - h)}h${px(w)}v${px(h)}h${px(-w)}z`;
  }
  return d;
}

/**
 * The bars: all rows grey, the selected amber, each series one `<path>`. A selection step during a drag then
 * changes one attribute of one element per histogram; as 2 × bins rects it changed up to 80 attributes, each an SVG
 * layout invalidation (≈ 2,300 per 60-move drag in a trace of bench/interaction-browser.ts). Kept apart so that a
 * handle move, which re-renders its histogram on every pointer move, does not rebuild the bars when the counts are
 * the same numbers in a fresh reply (the dragged histogram's own).
 */
const HistogramBars = memo(
  function HistogramBars({ edges, all, selected, x0, x1, plotW, plotH, maxCount }: HistogramBarsProps) {
    const sx = (v: number) => PAD.left + ((v - x0) / (x1 - x0 || 1)) * plotW;
    const sy = (c: number) => (c / maxCount) * plotH;
    return (
      <>
        <path d={barsPath(edges, all, sx, sy, plotH)} fill="#475569" data-series="all" />
        <path d={barsPath(edges, selected, sx, sy, plotH)} fill="#f59e0b" data-series="selected" />
      </>
    );
  },
  (a, b) =>
    a.x0 === b.x0 &&
    a.x1 === b.x1 &&
    a.plotW === b.plotW &&
    a.plotH === b.plotH &&
    a.maxCount === b.maxCount &&
    sameValues(a.edges, b.edges) &&
    sameValues(a.all, b.all) &&
    sameValues(a.selected, b.selected),
);

/**
 * Histogram drawn as SVG (40 bars: cheap at any row count, unlike recharts' per-bar components measured in issue
 * 10) with draggable, keyboard-operable floor and ceiling handles (ARIA sliders) and a range brush by drag.
 * All rows grey, the rows the other views' clauses select amber; outside the range shaded. Memoised on the
 * histogram's numbers (see {@link sameHistogram}): a selection reply re-renders only the histograms that changed.
 */
export default memo(RangeHistogram, (a, b) => {
  return (
    a.label === b.label &&
    a.lo === b.lo &&
    a.hi === b.hi &&
    a.onChange === b.onChange &&
    a.onGestureEnd === b.onGestureEnd &&
    sameHistogram(a.histogram, b.histogram)
  );
});

function RangeHistogram({ label, histogram, lo, hi, onChange, onGestureEnd }: RangeHistogramProps) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(320);
  const drag = useRef<{
    kind: "lo" | "hi" | "brush";
    x0: number;
    moved: boolean;
    gesture: string;
    /** The plot's left edge in client pixels, read when the drag started (null: read it again, after a scroll). */
    left: number | null;
  } | null>(null);

  const svgRef = useRef<SVGSVGElement>(null);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setWidth(Math.max(120, Math.round(el.getBoundingClientRect().width))));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const { edges, all, selected } = histogram;
  const bins = all.length;
  const dataLo = Number.isFinite(histogram.min) ? histogram.min : edges[0];
  const dataHi = Number.isFinite(histogram.max) ? histogram.max : edges[bins];
  const x0 = Math.min(edges[0], lo ?? Infinity, hi ?? Infinity);
  const x1 = Math.max(edges[bins], lo ?? -Infinity, hi ?? -Infinity);
  const plotW = width - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const sx = (v: number) => PAD.left + ((v - x0) / (x1 - x0 || 1)) * plotW;
  const inv = (px: number) => x0 + ((px - PAD.left) / plotW) * (x1 - x0 || 1);
  let maxCount = 1;
  for (let i = 0; i < bins; i++) maxCount = Math.max(maxCount, all[i]);
  const step = (dataHi - dataLo || 1) / 100;
  const loPos = lo ?? dataLo;
  const hiPos = hi ?? dataHi;

  const clampValue = (v: number) => Math.min(Math.max(v, x0), x1);
  // A dragged bound lands on a round value within a pixel of the pointer (the ends of the axis stay exact).
  const perPixel = (x1 - x0 || 1) / plotW;
  // Where the plot is, read once per drag (and again after a scroll, which a wheel can do mid-drag): reading it on
  // every move forced a layout of the page in the middle of the frame whenever a reply had just changed the DOM.
  const plotLeft = () => ref.current!.getBoundingClientRect().left;
  const pointerValue = (e: { clientX: number }) => {
    const d = drag.current;
    const left = d ? (d.left ??= plotLeft()) : plotLeft();
    return clampValue(snapToResolution(inv(e.clientX - left), perPixel));
  };
  useEffect(() => {
    const forget = () => {
      if (drag.current) drag.current.left = null;
    };
    window.addEventListener("scroll", forget, { capture: true, passive: true });
    return () => window.removeEventListener("scroll", forget, { capture: true });
  }, []);

  const startHandle = (which: "lo" | "hi") => (e: ReactPointerEvent) => {
    e.stopPropagation();
    e.preventDefault();
    (e.currentTarget as Element).setPointerCapture(e.pointerId);
    pointer.reset();
    drag.current = {
      kind: which,
      x0: e.clientX,
      moved: false,
      gesture: `handle:${label}:${++gestureCounter}`,
      left: plotLeft(),
    };
  };
  const onPlotDown = (e: ReactPointerEvent<SVGSVGElement>) => {
    if (e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    pointer.reset();
    drag.current = {
      kind: "brush",
      x0: e.clientX,
      moved: false,
      gesture: `brush:${label}:${++gestureCounter}`,
      left: plotLeft(),
    };
  };
  const follow = (e: { clientX: number }) => {
    const d = drag.current;
    if (!d) return;
    if (!d.moved && Math.abs(e.clientX - d.x0) < BRUSH_SLOP) return;
    d.moved = true;
    const v = pointerValue(e);
    if (d.kind === "lo") onChange(Math.min(v, hi ?? Infinity), hi, d.gesture);
    else if (d.kind === "hi") onChange(lo, Math.max(v, lo ?? -Infinity), d.gesture);
    else {
      const start = pointerValue({ clientX: d.x0 });
      onChange(Math.min(start, v), Math.max(start, v), d.gesture);
    }
  };
  // A drag follows `pointerrawupdate` where the browser has it (up to a frame sooner than `pointermove`), and
  // `pointermove` for what the raw updates skipped.
  const pointer = usePointerFollow(svgRef, () => drag.current !== null, follow);
  const onMove = pointer.onPointerMove;
  const onUp = () => {
    if (drag.current?.moved) onGestureEnd();
    drag.current = null;
  };

  const onKey = (which: "lo" | "hi") => (e: ReactKeyboardEvent) => {
    const current = which === "lo" ? loPos : hiPos;
    const big = e.shiftKey ? 10 : 1;
    let next: number | null | undefined;
    // Steps of 1 % of the data range, landing on values rounded to a tenth of that.
    const by = (delta: number) => snapToResolution(current + delta, step / 10);
    if (e.key === "ArrowLeft" || e.key === "ArrowDown") next = by(-step * big);
    else if (e.key === "ArrowRight" || e.key === "ArrowUp") next = by(step * big);
    else if (e.key === "PageDown") next = by(-step * 10);
    else if (e.key === "PageUp") next = by(step * 10);
    else if (e.key === "Home") next = dataLo;
    else if (e.key === "End") next = dataHi;
    else if (e.key === "Delete" || e.key === "Backspace") next = null;
    if (next === undefined) return;
    e.preventDefault();
    const gesture = `key:${label}:${which}`;
    if (which === "lo") onChange(next === null ? null : Math.min(next, hi ?? Infinity), hi, gesture);
    else onChange(lo, next === null ? null : Math.max(next, lo ?? -Infinity), gesture);
  };

  const ticks = [x0, (x0 + x1) / 2, x1];
  const handle = (which: "lo" | "hi") => {
    const value = which === "lo" ? loPos : hiPos;
    const active = (which === "lo" ? lo : hi) !== null;
    const name = `${label} ${which === "lo" ? "floor" : "ceiling"}`;
    const x = sx(value);
    return (
      <g
        key={which}
        role="slider"
        tabIndex={0}
        aria-label={name}
        aria-valuemin={Number(dataLo.toPrecision(6))}
        aria-valuemax={Number(dataHi.toPrecision(6))}
        aria-valuenow={Number(value.toPrecision(6))}
        aria-valuetext={active ? formatValue(value) : `${formatValue(value)} (off)`}
        aria-orientation="horizontal"
        className={`range-handle${active ? " is-active" : ""}`}
        data-value={value}
        onPointerDown={startHandle(which)}
        onPointerMove={onMove}
        onPointerUp={onUp}
        onPointerCancel={onUp}
        onKeyDown={onKey(which)}
        // Arrow presses on one handle are one undo step until focus leaves it (like typing in a field).
        onBlur={() => onGestureEnd()}
        style={{ cursor: "ew-resize" }}
      >
        <rect x={x - 6} y={PAD.top} width={12} height={plotH} fill="transparent" />
        <line
          x1={x}
          x2={x}
          y1={PAD.top}
          y2={PAD.top + plotH}
          stroke={active ? "#ef4444" : "#64748b"}
          strokeWidth={2}
          strokeDasharray={active ? undefined : "3 3"}
        />
        <rect
          x={x - 5}
          y={PAD.top + plotH / 2 - 9}
          width={10}
          height={18}
          rx={3}
          fill={active ? "#ef4444" : "#475569"}
        />
      </g>
    );
  };

  return (
    <figure className="histogram" aria-label={`Histogram of ${label}`} data-field={histogram.field}>
      <figcaption>
        {label}
        {histogram.missing > 0 && <span className="missing"> · {histogram.missing} missing</span>}
        {(lo !== null || hi !== null) && (
          <span className="range-text">
            {" "}
            · {lo !== null ? formatValue(lo) : "−∞"} … {hi !== null ? formatValue(hi) : "∞"}
          </span>
        )}
      </figcaption>
      <div ref={ref} style={{ width: "100%" }}>
        <svg
          ref={svgRef}
          width={width}
          height={HEIGHT}
          onPointerDown={onPlotDown}
          onPointerMove={onMove}
          onPointerUp={onUp}
          onPointerCancel={onUp}
          onDoubleClick={() => {
            onChange(null, null, `clear:${label}:${++gestureCounter}`);
            onGestureEnd();
          }}
          style={{ touchAction: "none", cursor: "crosshair", display: "block" }}
          data-testid={`histogram-plot-${histogram.field}`}
        >
          <HistogramBars
            edges={edges}
            all={all}
            selected={selected}
            x0={x0}
            x1={x1}
            plotW={plotW}
            plotH={plotH}
            maxCount={maxCount}
          />
          {lo !== null && (
            <rect
              x={PAD.left}
              y={PAD.top}
              width={Math.max(0, sx(lo) - PAD.left)}
              height={plotH}
              fill="rgba(2,6,23,0.6)"
            />
          )}
          {hi !== null && (
            <rect
              x={sx(hi)}
              y={PAD.top}
              width={Math.max(0, PAD.left + plotW - sx(hi))}
              height={plotH}
              fill="rgba(2,6,23,0.6)"
            />
          )}
          <line x1={PAD.left} x2={PAD.left + plotW} y1={PAD.top + plotH} y2={PAD.top + plotH} stroke="#64748b" />
          {ticks.map((t, i) => (
            <text
              key={i}
              x={sx(t)}
              y={HEIGHT - 6}
              fontSize={10}
              fill="#94a3b8"
              textAnchor={i === 0 ? "start" : i === 2 ? "end" : "middle"}
            >
              {formatTick(t)}
            </text>
          ))}
          <text x={PAD.left - 4} y={PAD.top + 8} fontSize={10} fill="#94a3b8" textAnchor="end">
            {maxCount}
          </text>
          {handle("lo")}
          {handle("hi")}
        </svg>
      </div>
    </figure>
  );
}
