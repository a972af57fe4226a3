/**
 * Browser side of the scatter benchmark (bundled by run.ts with esbuild): draws N synthetic margin pairs
 * with the app's own renderer (worker / main thread) or a minimal raw-WebGL point renderer, and times the
 * first draw, selection-change redraws and pan redraws until the pixels are done.
 */
import { createScatterRenderer } from "@/lib/scatter-client";
import { createPaletteSet } from "@/lib/scatter/palette";
import { colorDomain, colorIndices } from "@/lib/scatter/raster";
import type { DensityMode, SceneView, Viewport } from "@/lib/scatter/protocol";
import { fitExtent, pan, zoomAt } from "@/lib/scatter/viewport";
import { makeData, thresholdMasks } from "./data";

/** Which renderer a run measures. */
export type BenchMode = "worker" | "main" | "webgl";

/** One run's settings. */
export interface BenchConfig {
  n: number;
  mode: BenchMode;
  reps: number;
  warmup: number;
  /** Density shading of the raster renderers (default "auto", the app's). */
  density?: DensityMode;
}

/** One run's measurements (ms). */
export interface BenchResult {
  config: BenchConfig;
  firstMs: number;
  selectionMs: number[];
  panMs: number[];
  /** Wheel-like zooms by 1.1 about the centre, in and out in turn (a new scale every time). */
  zoomMs: number[];
  /**
   * The selection change right after a zoom, with no pause (the raster renderer has no cells for the new scale yet;
   * it draws the frame keyed and sorts when idle).
   */
  afterZoomMs: number[];
  /** The first selection change after the pause that follows, then `selectionMs` is the one after that. */
  afterPauseMs: number[];
  /**
   * Threshold steps right after `selectionMs`: the colour threshold moved so that 0.5 % of the rows change sides
   * (data.ts `thresholdMasks`), what a dragged ratio or handle sends; `selectionMs` flips half the rows.
   */
  stepMs: number[];
  /** Rasterize + putImageData inside the renderer (worker/main), median over the timed redraws. */
  innerMs: number | null;
  /**
   * Per timed case (selection, step, pan, zoom, afterZoom): the renderer's own time (rasterize + putImageData) and
   * its putImageData part, per redraw, so that the end-to-end time splits into raster, upload and the rest (messages,
   * scheduling). Empty for the WebGL drawer.
   */
  inside: Record<string, { renderMs: number[]; uploadMs: number[] }>;
  drawn: number | null;
  longTasksFirst: number;
  longTasksRedraw: number;
  longestTaskMs: number;
  renderer: string;
}

const WIDTH = 800;
const HEIGHT = 600;
/**
 * Pause after each zoom's selection change, before the next iteration's selection change: a user's wheel stops
 * before they brush a selection. The raster renderer sorts its rows into cells for the new scale meanwhile.
 */
const PAUSE_MS = 250;

/**
 * Resolves in a new task. Each redraw of the loop below starts in its own task, as each user input does: without
 * this, the main-thread renderer's frames (which resolve in microtasks) ran back to back in one task per iteration,
 * which the long-task count reported as 130–150 ms tasks that no user input makes.
 */
const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : NaN;
};

/** What one redraw reports: the renderer's own time and its upload part (raster drawers), the points drawn. */
interface DrawOutcome {
  inner?: number;
  upload?: number;
  drawn?: number;
}

interface Drawer {
  name: string;
  first(view: Viewport): Promise<DrawOutcome>;
  select(mask: Uint8Array): Promise<DrawOutcome>;
  view(view: Viewport): Promise<DrawOutcome>;
}

function sceneView(viewport: Viewport): SceneView {
  return { viewport, widthCss: WIDTH, heightCss: HEIGHT, pixelRatio: 1, pointSizeCss: 2 };
}

function rasterDrawer(
  container: HTMLElement,
  data: ReturnType<typeof makeData>,
  mainThread: boolean,
  density: DensityMode = "auto",
): Drawer {
  const renderer = createScatterRenderer(container, {
    mainThread,
    // `?worker=` names another worker bundle (interaction.ts --before: the renderer of an earlier commit).
    createWorker: () =>
      new Worker(new URLSearchParams(location.search).get("worker") ?? "./scatter.worker.js", {
        type: "module",
        name: "scatter",
      }),
  });
  const out = (r: { renderMs: number; uploadMs?: number; drawn: number }) => ({
    inner: r.renderMs,
    upload: r.uploadMs,
    drawn: r.drawn,
  });
  return {
    name:
      (mainThread ? "raster, main thread" : `raster, ${renderer.mode === "worker" ? "worker" : "fallback"}`) +
      (density === "auto" ? "" : `, density ${density}`),
    first: (vp) =>
      renderer
        .update({
          data: { xs: data.xs, ys: data.ys },
          color: data.color,
          mask: data.maskA,
          palette: { density },
          view: sceneView(vp),
        })
        .then(out),
    select: (mask) => renderer.update({ mask }).then(out),
    view: (vp) => renderer.update({ view: sceneView(vp) }).then(out),
  };
}

/**
 * A minimal WebGL1 point renderer (no library): interleaved float positions + RGBA bytes, unselected rows
 * first so selected ones land on top; a selection change rebuilds and re-uploads that order.
 */
function webglDrawer(container: HTMLElement, data: ReturnType<typeof makeData>): Drawer {
  const canvas = document.createElement("canvas");
  canvas.width = WIDTH;
  canvas.height = HEIGHT;
  container.appendChild(canvas);
  const gl = canvas.getContext("webgl", { antialias: false, preserveDrawingBuffer: false })!;
  const compile = (type: number, src: string) => {
    const sh = gl.createShader(type)!;
    gl.shaderSource(sh, src);
    gl.compileShader(sh);
    return sh;
  };
  const prog = gl.createProgram()!;
  gl.attachShader(
    prog,
    compile(
      gl.VERTEX_SHADER,
      `attribute vec2 p; attribute vec4 c; uniform vec4 t; varying vec4 v;
       void main() { gl_Position = vec4(p.x * t.x + t.y, p.y * t.z + t.w, 0.0, 1.0); gl_PointSize = 2.0; v = c; }`,
    ),
  );
  gl.attachShader(
    prog,
    compile(gl.FRAGMENT_SHADER, `precision mediump float; varying vec4 v; void main() { gl_FragColor = v; }`),
  );
  gl.linkProgram(prog);
  gl.useProgram(prog);
  const buf = gl.createBuffer();
  gl.bindBuffer(gl.ARRAY_BUFFER, buf);
  const locP = gl.getAttribLocation(prog, "p");
  const locC = gl.getAttribLocation(prog, "c");
  gl.enableVertexAttribArray(locP);
  gl.enableVertexAttribArray(locC);
  gl.vertexAttribPointer(locP, 2, gl.FLOAT, false, 12, 0);
  gl.vertexAttribPointer(locC, 4, gl.UNSIGNED_BYTE, true, 12, 8);
  const locT = gl.getUniformLocation(prog, "t");
  const palette = createPaletteSet();
  const n = data.xs.length;
  const bytes = new ArrayBuffer(n * 12);
  const f32 = new Float32Array(bytes);
  const u32 = new Uint32Array(bytes);
  let idx: Uint16Array | null = null;
  let count = 0;
  const upload = (mask: Uint8Array) => {
    idx ??= colorIndices(data.color, colorDomain(data.color));
    let k = 0;
    for (const want of [0, 1]) {
      for (let i = 0; i < n; i++) {
        if (mask[i] !== want || data.xs[i] !== data.xs[i] || data.ys[i] !== data.ys[i]) continue;
        f32[k * 3] = data.xs[i];
        f32[k * 3 + 1] = data.ys[i];
        u32[k * 3 + 2] = (want ? palette.bright : palette.dim)[idx[i]];
        k++;
      }
    }
    count = k;
    gl.bufferData(gl.ARRAY_BUFFER, bytes, gl.DYNAMIC_DRAW);
  };
  const pixel = new Uint8Array(4);
  let viewport: Viewport | null = null;
  const draw = () => {
    const vp = viewport!;
    const sx = 2 / (vp.xMax - vp.xMin);
    const sy = 2 / (vp.yMax - vp.yMin);
    gl.viewport(0, 0, WIDTH, HEIGHT);
    gl.clearColor(0.04, 0.07, 0.13, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.uniform4f(locT, sx, -1 - vp.xMin * sx, sy, -1 - vp.yMin * sy);
    gl.drawArrays(gl.POINTS, 0, count);
    // readPixels blocks until the GPU (here SwiftShader) has finished the frame.
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
    return {};
  };
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  const name = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : "unknown";
  return {
    name: `raw WebGL1 (${name.slice(0, 40)})`,
    first: async (vp) => {
      viewport = vp;
      upload(data.maskA);
      return draw();
    },
    select: async (mask) => {
      upload(mask);
      return draw();
    },
    view: async (vp) => {
      viewport = vp;
      return draw();
    },
  };
}

/** Runs one configuration in this page. */
async function run(config: BenchConfig): Promise<BenchResult> {
  const container = document.getElementById("plot")!;
  container.replaceChildren();
  const data = makeData(config.n);
  // Let the task that generated the data end first, so it is not counted as a long task of the renderer.
  await new Promise((r) => setTimeout(r, 50));
  const tasks: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => tasks.push(...list.getEntries()));
  observer.observe({ type: "longtask", buffered: false });
  const drawer =
    config.mode === "webgl"
      ? webglDrawer(container, data)
      : rasterDrawer(container, data, config.mode === "main", config.density);
  const fit = fitExtent(data.xs, data.ys);

  const t0 = performance.now();
  const first = await drawer.first(fit);
  const firstMs = performance.now() - t0;
  const tFirstEnd = performance.now();

  const masks = [data.maskB, data.maskA];
  let current = fit;
  const selectionMs: number[] = [];
  const panMs: number[] = [];
  const zoomMs: number[] = [];
  const afterZoomMs: number[] = [];
  const afterPauseMs: number[] = [];
  const stepMs: number[] = [];
  const steps = thresholdMasks(data.color, 5);
  const inner: number[] = [];
  const inside: BenchResult["inside"] = {};
  const keep = (label: string, r: DrawOutcome) => {
    if (r.inner === undefined) return;
    const entry = (inside[label] ??= { renderMs: [], uploadMs: [] });
    entry.renderMs.push(r.inner);
    // A renderer from before uploadMs was reported (interaction.ts --before) gives NaN here.
    entry.uploadMs.push(r.upload ?? NaN);
  };
  let drawn = first.drawn ?? null;
  for (let i = 0; i < config.warmup + config.reps; i++) {
    const timed = i >= config.warmup;
    // The first selection change after a pause runs on cold caches (other processes ran meanwhile): timed apart
    // from the one right after it, as when a user brushes a selection.
    await nextTask();
    let t = performance.now();
    await drawer.select(masks[(i + 1) % 2]);
    if (timed) afterPauseMs.push(performance.now() - t);
    await nextTask();
    t = performance.now();
    const s = await drawer.select(masks[i % 2]);
    if (timed) {
      selectionMs.push(performance.now() - t);
      if (s.inner !== undefined) inner.push(s.inner);
      keep("selection", s);
    }
    await nextTask();
    await drawer.select(steps[0]);
    for (const step of steps.slice(1)) {
      await nextTask();
      t = performance.now();
      const r = await drawer.select(step);
      if (timed) {
        stepMs.push(performance.now() - t);
        keep("step", r);
      }
    }
    // Pans and zooms start from the view in force, as the user's do (a pan keeps the scale, a zoom changes it).
    const vp = pan(current, WIDTH, HEIGHT, i % 2 ? -8 : 8, i % 2 ? 5 : -5);
    await nextTask();
    t = performance.now();
    const p = await drawer.view(vp);
    if (timed) {
      panMs.push(performance.now() - t);
      if (p.inner !== undefined) inner.push(p.inner);
      keep("pan", p);
      drawn = p.drawn ?? drawn;
    }
    await nextTask();
    t = performance.now();
    current = zoomAt(vp, WIDTH, HEIGHT, WIDTH / 2, HEIGHT / 2, i % 2 ? 1 / 1.1 : 1.1);
    const z = await drawer.view(current);
    if (timed) {
      zoomMs.push(performance.now() - t);
      if (z.inner !== undefined) inner.push(z.inner);
      keep("zoom", z);
    }
    // A selection change at once, before the renderer had a quiet moment to sort rows into cells for the new
    // scale (raster.ts); the pause then lets it sort, so that the next selection change and pan draw from cells.
    await nextTask();
    t = performance.now();
    const a = await drawer.select(masks[(i + 1) % 2]);
    if (timed) {
      afterZoomMs.push(performance.now() - t);
      keep("afterZoom", a);
    }
    await new Promise((r) => setTimeout(r, PAUSE_MS));
  }
  // Long-task entries are delivered asynchronously; give the observer a moment.
  await new Promise((r) => setTimeout(r, 100));
  observer.disconnect();
  return {
    config,
    firstMs,
    selectionMs,
    panMs,
    zoomMs,
    afterZoomMs,
    afterPauseMs,
    stepMs,
    innerMs: inner.length ? median(inner) : null,
    inside,
    drawn,
    longTasksFirst: tasks.filter((e) => e.startTime < tFirstEnd).length,
    longTasksRedraw: tasks.filter((e) => e.startTime >= tFirstEnd).length,
    longestTaskMs: tasks.reduce((m, e) => Math.max(m, e.duration), 0),
    renderer: drawer.name,
  };
}

(window as unknown as { scatterBench: { run: typeof run } }).scatterBench = { run };
