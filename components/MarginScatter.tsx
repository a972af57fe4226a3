"use client";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { KeyboardEvent as ReactKeyboardEvent, PointerEvent as ReactPointerEvent } from "react";
import { createScatterRenderer, type ScatterRenderer } from "@/lib/scatter-client";
import { linkScatterPort, mainThreadScatterSource } from "@/lib/worker-link";
import { onDatasetRestored } from "@/components/workbench-store";
import { colormapCssStops } from "@/lib/scatter/palette";
import type { PickResult, RenderResult, SceneView } from "@/lib/scatter/scene";
import {
  fitExtent,
  formatTick,
  niceTicks,
  pan,
  resolveViewport,
  tickStep,
  zoomAt,
  type Viewport,
} from "@/lib/scatter/viewport";
import { simplifyPath } from "@/lib/selection/geometry";
import type { FieldKey, LassoGate, RectGate } from "@/lib/selection/spec";

/** Brush tools of the scatter (modifier-drag: Shift = rectangle, Alt = lasso, whatever the tool). */
export type ScatterTool = "pan" | "lasso" | "rect";

/**
 * Props of {@link MarginScatter}. Its columns come one of two ways: `linked`, read by the renderer from the dataset
 * worker (the app: no column passes through the page), or as arrays (x, y, color, mask: benchmarks), resent only
 * when their version changes.
 */
export interface MarginScatterProps {
  /** The columns named by `xField`, `yField` and `linked.color` are read from the dataset worker. */
  linked?: {
    rows: number;
    color: FieldKey | null;
    /** The version of one field's values (a field whose version holds is not read again); `dataVersion` if absent. */
    fieldVersion?: (field: FieldKey) => number;
    /**
     * Tells of each `select` the page sends, with its sequence number (returns the unsubscribe): the renderer reads
     * the new colour and mask as soon as the dataset worker has computed that selection, without waiting for the
     * page to receive the reply and bump the versions.
     */
    onSelectSent?: (listener: (seq: number) => void) => () => void;
  };
  x?: Float64Array;
  y?: Float64Array;
  /** Colour value per row (M_AP); NaN is drawn grey. */
  color?: Float64Array;
  /** 1 = selected (bright); null = no selection (all bright). */
  mask?: Uint8Array | null;
  /** Bump when x, y or color change. */
  dataVersion: number;
  /** Bump when only the mask changes: x/y/color are not resent. */
  maskVersion: number;
  /** Source id of this scatter's region clause. */
  source: string;
  xField: FieldKey;
  yField: FieldKey;
  /** The region clause this scatter owns (drawn as an outline), if any. */
  region: RectGate | LassoGate | null;
  onRegion?(region: RectGate | LassoGate | null): void;
  /**
   * Axis ranges set by the user (zoom / pan), shared by every scatter with the same field on an axis; null = fit
   * the data. The data changing (a scoring run) never resets them: only "Reset view" does.
   */
  xDomain: [number, number] | null;
  yDomain: [number, number] | null;
  onDomains?(x: [number, number] | null, y: [number, number] | null): void;
  /** A row hovered in a linked view: ringed here. */
  linkedRow?: number | null;
  /**
   * Quadrant split drawn on the plot (data coordinates; `mirrorY` also draws −y, for a signed implicit axis), with
   * a count label per quadrant (`corner` = quadrant index as in CompareReply); the lines can be dragged, and
   * `onSplit` gets the new split on release.
   */
  split?: { x: number | null; y: number | null; mirrorY: boolean; labels: { text: string; corner: number }[] } | null;
  onSplit?(x: number | null, y: number | null): void;
  xLabel: string;
  yLabel: string;
  /** Name of the colour value in the legend and tooltip. */
  colorLabel?: string;
  /** Plot height in CSS pixels (width follows the container). */
  height?: number;
  onHover?(row: number | null): void;
  onSelectRow?(row: number): void;
}

/** Room for the axes around the plot area, CSS pixels. */
const MARGIN = { top: 8, right: 12, bottom: 40, left: 60 };
/** Hover / click radius around the cursor, CSS pixels. */
const PICK_RADIUS = 6;
/** Pointer travel under which a press counts as a click rather than a drag. */
const CLICK_SLOP = 4;

/** Smaller squares as the count grows: at 10^6 rows larger ones only hide each other. */
function pointSizeFor(rows: number): number {
  return rows > 200_000 ? 1.5 : rows > 20_000 ? 2 : 3;
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return "—";
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(3) : v.toFixed(a >= 100 ? 1 : 4);
}

function rectPath(a: [number, number], b: [number, number]): string {
  const [x0, x1] = [Math.min(a[0], b[0]), Math.max(a[0], b[0])];
  const [y0, y1] = [Math.min(a[1], b[1]), Math.max(a[1], b[1])];
  return `M${x0},${y0}H${x1}V${y1}H${x0}Z`;
}

interface Hover extends PickResult {
  left: number;
  top: number;
}

/**
 * Scatter of explicit (x) against implicit (y) margin coloured by M_AP: selected rows bright, the others
 * dimmed. Wheel zooms at the cursor, drag pans, double-click / "Reset view" fits, hover shows the row,
 * click opens it. Drawing happens in lib/scatter (a worker when OffscreenCanvas exists).
 */
export default function MarginScatter({
  linked,
  x,
  y,
  color,
  mask,
  dataVersion,
  maskVersion,
  xLabel,
  yLabel,
  colorLabel = "M_AP",
  height = 420,
  onHover,
  onSelectRow,
  source,
  xField,
  yField,
  region,
  onRegion,
  xDomain,
  yDomain,
  onDomains,
  linkedRow = null,
  split = null,
  onSplit,
}: MarginScatterProps) {
  const wrapperRef = useRef<HTMLElement>(null);
  const plotRef = useRef<HTMLDivElement>(null);
  const [renderer, setRenderer] = useState<ScatterRenderer | null>(null);
  const [size, setSize] = useState({ width: 0, height: 0 });
  const [fit, setFit] = useState<Viewport | null>(null);
  const [splitDrag, setSplitDrag] = useState<{ axis: "x" | "y"; value: number } | null>(null);
  const [tool, setTool] = useState<ScatterTool>("pan");
  const [sketch, setSketch] = useState<{ mode: ScatterTool; points: [number, number][] } | null>(null);
  const viewport = useMemo<Viewport | null>(
    () => (fit ? resolveViewport(fit, xDomain, yDomain) : null),
    [fit, xDomain, yDomain],
  );
  const viewportRef = useRef<Viewport | null>(null);
  useEffect(() => {
    viewportRef.current = viewport;
  }, [viewport]);
  const [domain, setDomain] = useState<[number, number] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [hover, setHover] = useState<Hover | null>(null);
  const [dragging, setDragging] = useState(false);
  const fitRef = useRef<Viewport | null>(null);
  const sent = useRef<{ x?: Float64Array; y?: Float64Array; color?: Float64Array }>({});
  const drag = useRef<{
    id: number;
    x0: number;
    y0: number;
    vp: Viewport;
    moved: boolean;
    mode: ScatterTool;
    path: [number, number][];
  } | null>(null);
  const callbacks = useRef({ onHover, onSelectRow, onDomains, onRegion });
  useEffect(() => {
    callbacks.current = { onHover, onSelectRow, onDomains, onRegion };
  });

  const rows = linked ? linked.rows : (x?.length ?? 0);
  const [ring, setRing] = useState<{ row: number; x: number; y: number } | null>(null);
  const ariaLabel = `Scatter of ${rows.toLocaleString("en-US")} pairs: ${xLabel} vs ${yLabel}`;

  const applyViewport = useCallback((vp: Viewport) => {
    viewportRef.current = vp;
    callbacks.current.onDomains?.([vp.xMin, vp.xMax], [vp.yMin, vp.yMax]);
  }, []);

  /** Reports a frame on the wrapper (for e2e and the bench) and refreshes the legend domain. */
  const onFrame = useCallback((r: RenderResult) => {
    const el = wrapperRef.current;
    if (el) {
      el.dataset.renderMs = r.renderMs.toFixed(2);
      el.dataset.points = String(r.drawn);
      el.dataset.rows = String(r.rowCount);
      el.dataset.frame = String(r.frame);
    }
    setDomain((d) =>
      d && r.colorDomain && d[0] === r.colorDomain[0] && d[1] === r.colorDomain[1] ? d : r.colorDomain,
    );
  }, []);
  const onError = useCallback((err: unknown) => {
    if ((err as { code?: string })?.code === "cancelled") return;
    setNotice(`Scatter failed to draw: ${(err as Error)?.message ?? String(err)}`);
  }, []);

  // Mount the renderer once; it owns the canvas.
  useEffect(() => {
    const container = plotRef.current;
    if (!container) return;
    const r = createScatterRenderer(container, {
      ...(linked ? { link: linkScatterPort, source: mainThreadScatterSource } : {}),
      onFallback: (reason) => setNotice(reason),
      decorateCanvas: (canvas) => {
        canvas.setAttribute("role", "img");
        canvas.setAttribute("aria-label", container.dataset.label ?? "Scatter");
      },
    });
    if (r.mode === "main") setNotice("Scatter drawn on the main thread: this browser has no OffscreenCanvas.");
    if (wrapperRef.current) wrapperRef.current.dataset.renderMode = r.mode;
    setRenderer(r);
    sent.current = {};
    // A restarted dataset worker: the renderer's link to it is made again (frames waiting on it go on).
    const unsubscribe = onDatasetRestored(() => r.relink());
    return () => {
      unsubscribe();
      r.destroy();
      setRenderer(null);
    };
    // Mounted once: whether it is linked is decided by the first props.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    renderer?.canvas.setAttribute("aria-label", ariaLabel);
    if (plotRef.current) plotRef.current.dataset.label = ariaLabel;
  }, [renderer, ariaLabel]);

  // Follow the container's width (and the fixed height).
  useEffect(() => {
    const el = plotRef.current;
    if (!el) return;
    const observer = new ResizeObserver(() => {
      const rect = el.getBoundingClientRect();
      setSize((s) =>
        s.width === Math.round(rect.width) && s.height === Math.round(rect.height)
          ? s
          : { width: Math.round(rect.width), height: Math.round(rect.height) },
      );
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // Data and colour: resent only when their version moves, and each column only if it is a new array.
  /** A frame with new data: the fit follows it (a range the user zoomed to, xDomain / yDomain, stays). */
  const onDataFrame = useCallback(
    (r: RenderResult) => {
      onFrame(r);
      if (r.extent) {
        fitRef.current = r.extent;
        setFit(r.extent);
      }
    },
    [onFrame],
  );

  // Linked columns: the renderer reads them from the dataset worker when the fields or the data version change.
  const linkedColor = linked?.color ?? null;
  // The linked read of the props in force (kept current for the select listener below).
  const linkedPatch = () => ({
    linked: {
      x: xField,
      y: yField,
      color: linkedColor,
      version: dataVersion,
      fieldVersions: linked?.fieldVersion && {
        x: linked.fieldVersion(xField),
        y: linked.fieldVersion(yField),
        color: linkedColor ? linked.fieldVersion(linkedColor) : dataVersion,
      },
    },
    linkedMask: maskVersion,
  });
  const linkedNow = useRef(linkedPatch);
  useEffect(() => {
    linkedNow.current = linkedPatch;
  });
  useEffect(() => {
    if (!renderer || !linked) return;
    renderer.update(linkedPatch()).then(onDataFrame, onError);
    if (wrapperRef.current) wrapperRef.current.dataset.renderMode = renderer.mode;
    // The mask has its own effect; the versions are the change signal.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [renderer, dataVersion, xField, yField, linkedColor]);
  // A select on its way: read what it changes once the dataset worker computed it (the versions follow its reply).
  const onSelectSent = linked?.onSelectSent;
  useEffect(() => {
    if (!renderer || !onSelectSent) return;
    return onSelectSent((seq) =>
      renderer.update({ ...linkedNow.current(), linkedAfter: seq }).then(onDataFrame, onError),
    );
  }, [renderer, onSelectSent, onDataFrame, onError]);

  useEffect(() => {
    if (!renderer || linked || !x || !y || !color) return;
    const last = sent.current;
    const patch: Parameters<ScatterRenderer["update"]>[0] = {};
    if (last.x !== x || last.y !== y) {
      patch.data = { xs: x, ys: y };
      // The fit follows the data; a range the user zoomed to (xDomain / yDomain) stays as it is.
      const next = fitExtent(x, y);
      fitRef.current = next;
      setFit(next);
      // The mask of the previous data may not match the new length; send the current one along.
      patch.mask = mask ?? null;
    }
    if (last.color !== color) patch.color = color;
    sent.current = { x, y, color };
    if (patch.data || patch.color) renderer.update(patch).then(onFrame, onError);
    if (renderer.mode === "worker" && wrapperRef.current) wrapperRef.current.dataset.renderMode = renderer.mode;
    // The versions are the change signal (the arrays may be large and reused); mask has its own effect.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [renderer, dataVersion]);

  useEffect(() => {
    if (!renderer) return;
    renderer.update(linked ? { linkedMask: maskVersion } : { mask: mask ?? null }).then(onFrame, onError);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [renderer, maskVersion]);

  // The row hovered in a linked view, looked up in this view's own columns.
  useEffect(() => {
    if (!renderer || linkedRow === null) return;
    let live = true;
    renderer.point(linkedRow).then(
      (p) => live && setRing(p ? { row: linkedRow, ...p } : null),
      () => live && setRing(null),
    );
    return () => {
      live = false;
    };
  }, [renderer, linkedRow, dataVersion]);

  const view = useMemo<SceneView | null>(
    () =>
      viewport && size.width > 0 && size.height > 0
        ? {
            viewport,
            widthCss: size.width,
            heightCss: size.height,
            pixelRatio: typeof window === "undefined" ? 1 : window.devicePixelRatio || 1,
            pointSizeCss: pointSizeFor(rows),
          }
        : null,
    [viewport, size, rows],
  );
  const viewRef = useRef<SceneView | null>(null);
  useEffect(() => {
    viewRef.current = view;
    if (!renderer || !view) return;
    renderer.update({ view }).then((r) => {
      onFrame(r);
      if (wrapperRef.current) wrapperRef.current.dataset.renderMode = renderer.mode;
    }, onError);
  }, [renderer, view, onFrame, onError]);

  const resetView = useCallback(() => {
    callbacks.current.onDomains?.(null, null);
  }, []);

  // Wheel zoom needs a non-passive listener to keep the page from scrolling.
  useEffect(() => {
    const el = plotRef.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      const vp = viewportRef.current;
      if (!vp) return;
      e.preventDefault();
      const rect = el.getBoundingClientRect();
      const delta = e.deltaY * (e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? rect.height : 1);
      const factor = Math.exp(-delta * 0.002);
      applyViewport(zoomAt(vp, rect.width, rect.height, e.clientX - rect.left, e.clientY - rect.top, factor));
    };
    el.addEventListener("wheel", onWheel, { passive: false });
    return () => el.removeEventListener("wheel", onWheel);
  }, [applyViewport]);

  const pickAt = useCallback(
    async (clientX: number, clientY: number): Promise<Hover | null> => {
      const el = plotRef.current;
      const v = viewRef.current;
      if (!renderer || !el || !v) return null;
      const rect = el.getBoundingClientRect();
      const xCss = clientX - rect.left;
      const yCss = clientY - rect.top;
      const hit = await renderer.pick({ xCss, yCss, radiusCss: PICK_RADIUS, view: v }).catch(() => null);
      return hit ? { ...hit, left: xCss, top: yCss } : null;
    },
    [renderer],
  );

  const toData = (xCss: number, yCss: number): [number, number] => {
    const vp = viewportRef.current!;
    return [vp.xMin + (xCss / size.width) * (vp.xMax - vp.xMin), vp.yMax - (yCss / size.height) * (vp.yMax - vp.yMin)];
  };
  const onPointerDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (e.button !== 0 || !viewportRef.current) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    const mode: ScatterTool = e.shiftKey ? "rect" : e.altKey ? "lasso" : tool;
    const rect = e.currentTarget.getBoundingClientRect();
    drag.current = {
      id: e.pointerId,
      x0: e.clientX,
      y0: e.clientY,
      vp: viewportRef.current,
      moved: false,
      mode,
      path: [[e.clientX - rect.left, e.clientY - rect.top]],
    };
  };
  const onPointerMove = (e: ReactPointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (d && d.id === e.pointerId) {
      const dx = e.clientX - d.x0;
      const dy = e.clientY - d.y0;
      if (!d.moved && Math.hypot(dx, dy) < CLICK_SLOP) return;
      if (!d.moved) setDragging(true);
      d.moved = true;
      setHover(null);
      const rect = e.currentTarget.getBoundingClientRect();
      if (d.mode === "pan") {
        applyViewport(pan(d.vp, rect.width, rect.height, dx, dy));
        return;
      }
      const pt: [number, number] = [e.clientX - rect.left, e.clientY - rect.top];
      if (d.mode === "rect") d.path = [d.path[0], pt];
      else d.path.push(pt);
      setSketch({ mode: d.mode, points: [...d.path] });
      return;
    }
    void pickAt(e.clientX, e.clientY).then((h) => {
      // A drag may have started while the pick was in flight.
      if (drag.current?.moved) return;
      setHover(h);
      callbacks.current.onHover?.(h ? h.row : null);
    });
  };
  const onPointerUp = (e: ReactPointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    drag.current = null;
    setDragging(false);
    setSketch(null);
    if (!d || d.id !== e.pointerId) return;
    if (d.moved && d.mode === "rect" && d.path.length === 2) {
      const [a, b] = d.path.map(([px, py]) => toData(px, py));
      callbacks.current.onRegion?.({
        kind: "rect",
        source,
        x: xField,
        y: yField,
        x0: Math.min(a[0], b[0]),
        x1: Math.max(a[0], b[0]),
        y0: Math.min(a[1], b[1]),
        y1: Math.max(a[1], b[1]),
      });
      return;
    }
    if (d.moved && d.mode === "lasso") {
      const simple = simplifyPath(d.path, 3);
      if (simple.length >= 3)
        callbacks.current.onRegion?.({
          kind: "lasso",
          source,
          x: xField,
          y: yField,
          points: simple.flatMap(([px, py]) => toData(px, py)),
        });
      return;
    }
    if (d.moved) return;
    void pickAt(e.clientX, e.clientY).then((h) => {
      if (h) callbacks.current.onSelectRow?.(h.row);
    });
  };
  const onPointerLeave = () => {
    if (drag.current) return;
    setHover(null);
    callbacks.current.onHover?.(null);
  };
  const onKeyDown = (e: ReactKeyboardEvent<HTMLDivElement>) => {
    const vp = viewportRef.current;
    if (!vp || size.width === 0) return;
    const { width: w, height: h } = size;
    const step = 0.1;
    const moves: Record<string, () => Viewport> = {
      ArrowLeft: () => pan(vp, w, h, w * step, 0),
      ArrowRight: () => pan(vp, w, h, -w * step, 0),
      ArrowUp: () => pan(vp, w, h, 0, h * step),
      ArrowDown: () => pan(vp, w, h, 0, -h * step),
      "+": () => zoomAt(vp, w, h, w / 2, h / 2, 1.25),
      "=": () => zoomAt(vp, w, h, w / 2, h / 2, 1.25),
      "-": () => zoomAt(vp, w, h, w / 2, h / 2, 0.8),
    };
    if (e.key === "0") {
      e.preventDefault();
      resetView();
      return;
    }
    const move = moves[e.key];
    if (!move) return;
    e.preventDefault();
    applyViewport(move());
  };

  const axes = useMemo(() => {
    if (!viewport || size.width === 0) return null;
    const { width: w, height: h } = size;
    const xCount = Math.max(2, Math.floor(w / 90));
    const yCount = Math.max(2, Math.floor(h / 50));
    const sx = w / (viewport.xMax - viewport.xMin);
    const sy = h / (viewport.yMax - viewport.yMin);
    const xStep = tickStep(viewport.xMin, viewport.xMax, xCount);
    const yStep = tickStep(viewport.yMin, viewport.yMax, yCount);
    return {
      x: niceTicks(viewport.xMin, viewport.xMax, xCount).map((v) => ({
        pos: (v - viewport.xMin) * sx,
        label: formatTick(v, xStep),
      })),
      y: niceTicks(viewport.yMin, viewport.yMax, yCount).map((v) => ({
        pos: (viewport.yMax - v) * sy,
        label: formatTick(v, yStep),
      })),
      zeroX: viewport.xMin < 0 && viewport.xMax > 0 ? -viewport.xMin * sx : null,
      zeroY: viewport.yMin < 0 && viewport.yMax > 0 ? viewport.yMax * sy : null,
    };
  }, [viewport, size]);

  const toCss = (vx: number, vy: number): [number, number] | null => {
    if (!viewport || size.width === 0) return null;
    return [
      ((vx - viewport.xMin) / (viewport.xMax - viewport.xMin)) * size.width,
      ((viewport.yMax - vy) / (viewport.yMax - viewport.yMin)) * size.height,
    ];
  };
  let regionPath: string | null = null;
  if (region && region.x === xField && region.y === yField) {
    if (region.kind === "rect") {
      const a = toCss(region.x0, region.y0);
      const b = toCss(region.x1, region.y1);
      if (a && b) regionPath = rectPath(a, b);
    } else {
      const pts: string[] = [];
      for (let i = 0; i < region.points.length; i += 2) {
        const c = toCss(region.points[i], region.points[i + 1]);
        if (c) pts.push(`${c[0].toFixed(1)},${c[1].toFixed(1)}`);
      }
      if (pts.length > 2) regionPath = `M${pts.join("L")}Z`;
    }
  }
  const linkedMarker = linkedRow !== null && ring?.row === linkedRow ? toCss(ring.x, ring.y) : null;

  const gradient = useMemo(() => `linear-gradient(to right, ${colormapCssStops().join(", ")})`, []);
  const totalW = size.width + MARGIN.left + MARGIN.right;
  const totalH = height;

  return (
    <figure
      ref={wrapperRef}
      className="margin-scatter"
      data-rows={rows}
      style={{ margin: 0, display: "flex", flexDirection: "column", gap: 6 }}
    >
      <div style={{ display: "flex", alignItems: "center", gap: 12, flexWrap: "wrap", fontSize: 12 }}>
        <figcaption style={{ fontWeight: 600 }}>
          {xLabel} × {yLabel}
        </figcaption>
        <div aria-label={`Colour: ${colorLabel}`} style={{ display: "flex", alignItems: "center", gap: 6 }}>
          <span>{colorLabel}</span>
          <span data-testid="scatter-legend-lo">{domain ? formatValue(domain[0]) : "—"}</span>
          <span aria-hidden style={{ width: 120, height: 10, borderRadius: 2, background: gradient }} />
          <span data-testid="scatter-legend-hi">{domain ? formatValue(domain[1]) : "—"}</span>
          <span aria-hidden style={{ width: 10, height: 10, borderRadius: 2, background: "#9ca3af" }} />
          <span style={{ color: "var(--muted, #94a3b8)" }}>no value · dimmed = not selected</span>
        </div>
        <span role="group" aria-label="Scatter tools" style={{ marginLeft: "auto", display: "flex", gap: 4 }}>
          {(
            [
              ["pan", "Pan"],
              ["lasso", "Lasso"],
              ["rect", "Rectangle"],
            ] as const
          ).map(([t, name]) => (
            <button key={t} type="button" aria-pressed={tool === t} onClick={() => setTool(t)}>
              {name}
            </button>
          ))}
          {region && (
            <button type="button" onClick={() => onRegion?.(null)}>
              Clear region
            </button>
          )}
        </span>
        <button type="button" onClick={resetView}>
          Reset view
        </button>
      </div>
      {notice && (
        <p role="status" style={{ margin: 0, fontSize: 12, color: "var(--accent, #f59e0b)" }}>
          {notice}
        </p>
      )}
      <div style={{ position: "relative", height: totalH, background: "#0b1222", borderRadius: 4 }}>
        <div
          ref={plotRef}
          tabIndex={0}
          aria-label={`Scatter plot area: arrow keys pan, + and − zoom, 0 resets (${xLabel} × ${yLabel}; Shift-drag rectangle, Alt-drag lasso)`}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onPointerCancel={() => {
            drag.current = null;
            setDragging(false);
          }}
          onPointerLeave={onPointerLeave}
          onDoubleClick={resetView}
          onKeyDown={onKeyDown}
          style={{
            position: "absolute",
            left: MARGIN.left,
            top: MARGIN.top,
            right: MARGIN.right,
            bottom: MARGIN.bottom,
            cursor: dragging && tool === "pan" ? "grabbing" : hover ? "pointer" : "crosshair",
            touchAction: "none",
            outlineOffset: 2,
          }}
        />
        {axes && (
          <svg
            width={totalW}
            height={totalH}
            aria-hidden
            style={{ position: "absolute", left: 0, top: 0, pointerEvents: "none", overflow: "visible" }}
            fontSize={11}
            fill="#94a3b8"
          >
            <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
              {axes.zeroX !== null && (
                <line x1={axes.zeroX} x2={axes.zeroX} y1={0} y2={size.height} stroke="#475569" strokeDasharray="3 3" />
              )}
              {axes.zeroY !== null && (
                <line x1={0} x2={size.width} y1={axes.zeroY} y2={axes.zeroY} stroke="#475569" strokeDasharray="3 3" />
              )}
              <rect width={size.width} height={size.height} fill="none" stroke="#24324f" />
              {axes.x.map((t) => (
                <g key={`x${t.label}`} transform={`translate(${t.pos},${size.height})`}>
                  <line y2={5} stroke="#64748b" />
                  <text y={16} textAnchor="middle">
                    {t.label}
                  </text>
                </g>
              ))}
              {axes.y.map((t) => (
                <g key={`y${t.label}`} transform={`translate(0,${t.pos})`}>
                  <line x2={-5} stroke="#64748b" />
                  <text x={-8} dy="0.32em" textAnchor="end">
                    {t.label}
                  </text>
                </g>
              ))}
              {regionPath && (
                <path
                  d={regionPath}
                  fill="rgba(245, 158, 11, 0.12)"
                  stroke="#f59e0b"
                  strokeWidth={1.5}
                  data-testid="scatter-region"
                />
              )}
              {sketch && sketch.points.length > 1 && (
                <path
                  d={
                    sketch.mode === "rect"
                      ? rectPath(sketch.points[0], sketch.points[sketch.points.length - 1])
                      : `M${sketch.points.map((p) => p.join(",")).join("L")}Z`
                  }
                  fill="rgba(255,255,255,0.08)"
                  stroke="#e2e8f0"
                  strokeDasharray="4 3"
                />
              )}
              {linkedMarker && (
                <circle cx={linkedMarker[0]} cy={linkedMarker[1]} r={7} fill="none" stroke="#f8fafc" strokeWidth={2} />
              )}
              <text x={size.width / 2} y={size.height + 34} textAnchor="middle" fill="#e2e8f0">
                {xLabel}
              </text>
              <text transform={`translate(${-46},${size.height / 2}) rotate(-90)`} textAnchor="middle" fill="#e2e8f0">
                {yLabel}
              </text>
            </g>
          </svg>
        )}
        {split && viewport && size.width > 0 && (
          <svg
            width={size.width}
            height={size.height}
            style={{
              position: "absolute",
              left: MARGIN.left,
              top: MARGIN.top,
              pointerEvents: "none",
              overflow: "hidden",
            }}
            data-testid="quadrant-overlay"
            data-split-x={split.x ?? ""}
            data-split-y={split.y ?? ""}
          >
            {(() => {
              const sxv = splitDrag?.axis === "x" ? splitDrag.value : split.x;
              const syv = splitDrag?.axis === "y" ? splitDrag.value : split.y;
              const px = sxv === null ? null : ((sxv - viewport.xMin) / (viewport.xMax - viewport.xMin)) * size.width;
              const py = (v: number) => ((viewport.yMax - v) / (viewport.yMax - viewport.yMin)) * size.height;
              const ys = syv === null ? [] : split.mirrorY ? [syv, -syv] : [syv];
              const startDrag = (axis: "x" | "y") => (e: ReactPointerEvent<SVGLineElement>) => {
                e.stopPropagation();
                e.currentTarget.setPointerCapture(e.pointerId);
                setSplitDrag({ axis, value: axis === "x" ? (sxv ?? 0) : (syv ?? 0) });
              };
              const moveDrag = (e: ReactPointerEvent<SVGLineElement>) => {
                if (!splitDrag) return;
                const rect = (e.currentTarget.ownerSVGElement as SVGSVGElement).getBoundingClientRect();
                const [dx, dy] = toData(e.clientX - rect.left, e.clientY - rect.top);
                const value = splitDrag.axis === "x" ? dx : split.mirrorY ? Math.abs(dy) : dy;
                setSplitDrag({ axis: splitDrag.axis, value });
              };
              const endDrag = () => {
                if (!splitDrag) return;
                const d = splitDrag;
                setSplitDrag(null);
                onSplit?.(d.axis === "x" ? d.value : split.x, d.axis === "y" ? d.value : split.y);
              };
              const hit = {
                stroke: "transparent",
                strokeWidth: 10,
                style: { pointerEvents: "stroke" as const, cursor: "move" },
                onPointerMove: moveDrag,
                onPointerUp: endDrag,
                onPointerCancel: endDrag,
              };
              return (
                <>
                  {px !== null && (
                    <>
                      <line x1={px} x2={px} y1={0} y2={size.height} stroke="#38bdf8" strokeDasharray="6 4" />
                      <line
                        x1={px}
                        x2={px}
                        y1={0}
                        y2={size.height}
                        {...hit}
                        onPointerDown={startDrag("x")}
                        data-testid="quadrant-split-x"
                      />
                    </>
                  )}
                  {ys.map((v, i) => (
                    <g key={i}>
                      <line x1={0} x2={size.width} y1={py(v)} y2={py(v)} stroke="#38bdf8" strokeDasharray="6 4" />
                      <line
                        x1={0}
                        x2={size.width}
                        y1={py(v)}
                        y2={py(v)}
                        {...hit}
                        onPointerDown={startDrag("y")}
                        data-testid={i === 0 ? "quadrant-split-y" : undefined}
                      />
                    </g>
                  ))}
                  {split.labels.map((l) => (
                    // Quadrant q: large explicit (right) for q < 2, large |implicit| (top) for odd q.
                    <text
                      key={l.corner}
                      x={l.corner < 2 ? size.width - 6 : 6}
                      y={l.corner % 2 === 1 ? 14 : split.mirrorY ? py(0) - 4 : size.height - 6}
                      textAnchor={l.corner < 2 ? "end" : "start"}
                      fontSize={11}
                      fill="#7dd3fc"
                      data-testid={`quadrant-label-${l.corner}`}
                    >
                      {l.text}
                    </text>
                  ))}
                </>
              );
            })()}
          </svg>
        )}
        {hover && (
          <div
            role="tooltip"
            data-testid="scatter-tooltip"
            style={{
              position: "absolute",
              left: MARGIN.left + Math.min(hover.left + 12, Math.max(0, size.width - 200)),
              top: MARGIN.top + Math.max(0, hover.top - 70),
              pointerEvents: "none",
              background: "rgba(15, 23, 42, 0.95)",
              border: "1px solid #24324f",
              borderRadius: 4,
              padding: "4px 8px",
              fontSize: 12,
              lineHeight: 1.4,
              whiteSpace: "nowrap",
            }}
          >
            <div>
              <strong>row {hover.row}</strong> {mask ? (hover.selected ? "· selected" : "· not selected") : ""}
            </div>
            <div>
              {xLabel}: {formatValue(hover.x)}
            </div>
            <div>
              {yLabel}: {formatValue(hover.y)}
            </div>
            <div>
              {colorLabel}: {formatValue(hover.color)}
            </div>
          </div>
        )}
      </div>
    </figure>
  );
}
