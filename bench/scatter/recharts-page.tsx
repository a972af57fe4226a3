/**
 * Baseline of the scatter interaction bench (interaction.ts): recharts' SVG <ScatterChart> drawing the same kind
 * of synthetic margins (makeData in page.ts), selected rows bright and the rest dimmed as two series, timed like
 * the raster renderer: a selection change, a pan and a zoom, each until React has committed the new SVG and the
 * browser has laid it out (flushSync, then a forced layout).
 */
import { flushSync } from "react-dom";
import { createRoot } from "react-dom/client";
import { CartesianGrid, Scatter, ScatterChart, XAxis, YAxis } from "recharts";
import { makeData } from "./data";
import type { BenchConfig } from "./page";
import { fitExtent, pan, zoomAt } from "@/lib/scatter/viewport";
import type { Viewport } from "@/lib/scatter/protocol";

const WIDTH = 800;
const HEIGHT = 600;

/** What one recharts run measured (ms). */
export interface RechartsResult {
  n: number;
  firstMs: number;
  selectionMs: number[];
  panMs: number[];
  zoomMs: number[];
  longTasks: number;
  longestTaskMs: number;
}

interface ChartState {
  points: { x: number; y: number }[][];
  viewport: Viewport;
}

function Chart({ state }: { state: ChartState }) {
  const vp = state.viewport;
  return (
    <ScatterChart width={WIDTH} height={HEIGHT} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
      <CartesianGrid stroke="#1e293b" />
      <XAxis type="number" dataKey="x" domain={[vp.xMin, vp.xMax]} allowDataOverflow />
      <YAxis type="number" dataKey="y" domain={[vp.yMin, vp.yMax]} allowDataOverflow />
      <Scatter data={state.points[0]} fill="#334155" isAnimationActive={false} shape="square" />
      <Scatter data={state.points[1]} fill="#f59e0b" isAnimationActive={false} shape="square" />
    </ScatterChart>
  );
}

async function run(config: BenchConfig): Promise<RechartsResult> {
  const container = document.getElementById("plot")!;
  const data = makeData(config.n);
  const split = (mask: Uint8Array) => {
    const dim: { x: number; y: number }[] = [];
    const bright: { x: number; y: number }[] = [];
    for (let i = 0; i < config.n; i++) (mask[i] ? bright : dim).push({ x: data.xs[i], y: data.ys[i] });
    return [dim, bright];
  };
  const masks = [split(data.maskB), split(data.maskA)];
  const fit = fitExtent(data.xs, data.ys);
  await new Promise((r) => setTimeout(r, 50));
  const tasks: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => tasks.push(...list.getEntries()));
  observer.observe({ type: "longtask", buffered: false });
  let t = performance.now();
  const root = createRoot(container);
  let state: ChartState = { points: masks[1], viewport: fit };
  flushSync(() => root.render(<Chart state={state} />));
  void container.getBoundingClientRect().height;
  const firstMs = performance.now() - t;
  const tFirstEnd = performance.now();
  // One change, committed and laid out before the clock stops; the pause after lets long tasks stand alone.
  const time = async (next: ChartState) => {
    await new Promise((r) => setTimeout(r, 20));
    state = next;
    t = performance.now();
    flushSync(() => root.render(<Chart state={next} />));
    void container.getBoundingClientRect().height;
    return performance.now() - t;
  };
  const selectionMs: number[] = [];
  const panMs: number[] = [];
  const zoomMs: number[] = [];
  for (let i = 0; i < config.warmup + config.reps; i++) {
    const timed = i >= config.warmup;
    const s = await time({ ...state, points: masks[i % 2] });
    const p = await time({ ...state, viewport: pan(state.viewport, WIDTH, HEIGHT, i % 2 ? -8 : 8, i % 2 ? 5 : -5) });
    const z = await time({
      ...state,
      viewport: zoomAt(state.viewport, WIDTH, HEIGHT, WIDTH / 2, HEIGHT / 2, i % 2 ? 1 / 1.1 : 1.1),
    });
    if (timed) {
      selectionMs.push(s);
      panMs.push(p);
      zoomMs.push(z);
    }
  }
  await new Promise((r) => setTimeout(r, 100));
  observer.disconnect();
  root.unmount();
  const redraw = tasks.filter((e) => e.startTime >= tFirstEnd);
  return {
    n: config.n,
    firstMs,
    selectionMs,
    panMs,
    zoomMs,
    longTasks: redraw.length,
    longestTaskMs: redraw.reduce((m, e) => Math.max(m, e.duration), 0),
  };
}

(window as unknown as { rechartsBench: { run: typeof run } }).rechartsBench = { run };
