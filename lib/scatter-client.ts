/**
 * Typed client of the scatter renderer: the component's only way to draw and hit-test. Renders in a worker
 * on an OffscreenCanvas where the browser can; otherwise (no OffscreenCanvas, or the worker fails) on the
 * main thread with the same lib/scatter code behind the same API.
 */
import {
  applyPatch,
  changesFrame,
  createLinkedCache,
  pointOf,
  resolveLinked,
  type LinkedSource,
} from "@/lib/scatter/handlers";
import { createIdleWork } from "@/lib/scatter/idle";
import { fitExtent } from "@/lib/scatter/viewport";
import type { PickArgs, PickResult, RenderResult, ScatterApi, ScatterPatch } from "@/lib/scatter/protocol";
import { ScatterScene } from "@/lib/scatter/scene";
import { createWorkerClient, isWorkerCrash, latestOnly, WorkerCallError, type WorkerClient } from "@/lib/worker/rpc";
import { recoveryLog, type CrashReport } from "@/lib/worker/recovery";

/** Where frames are drawn. */
export type ScatterRenderMode = "worker" | "main";

/** Options of {@link createScatterRenderer}. */
export interface ScatterRendererOptions {
  /** Starts the worker (the bench passes its own bundle); default: workers/scatter.worker.ts via the bundler. */
  createWorker?: () => Worker;
  /** Skip the worker even where OffscreenCanvas exists (benchmarks, debugging). */
  mainThread?: boolean;
  /** Called when the renderer falls back to the main thread, with the reason (shown to the user). */
  onFallback?(reason: string): void;
  /** Sets attributes (role, aria-label, class) of each canvas the renderer creates. */
  decorateCanvas?(canvas: HTMLCanvasElement): void;
  /**
   * Makes a port linked to the dataset worker (its other end went to `linkScatter`): each scatter worker started
   * gets one, and `linked` patches read their columns through it. Needed for `linked` patches in worker mode.
   */
  link?(): Promise<MessagePort>;
  /** Where `linked` patches read their columns when drawn on the main thread. */
  source?: LinkedSource;
}

/** Handle of a mounted scatter renderer. */
export interface ScatterRenderer {
  /** Current drawing path. */
  readonly mode: ScatterRenderMode;
  /** The canvas in the container (replaced when falling back, since a transferred canvas can't be reused). */
  readonly canvas: HTMLCanvasElement;
  /**
   * Merges `patch` into the next frame. Patches arriving while a frame is drawn are coalesced into one, so
   * there is never a backlog; every caller's promise settles with the frame that included its patch.
   */
  update(patch: ScatterPatch): Promise<RenderResult>;
  /** Hit-test; while one runs, newer calls supersede older ones, which resolve to null. */
  pick(args: PickArgs): Promise<PickResult | null>;
  /** One row's x / y as drawn (null when it is not a finite point). */
  point(row: number): Promise<{ x: number; y: number } | null>;
  /** Links the worker to the dataset worker again (that one restarted); frames waiting on the old link go on. */
  relink(): Promise<void>;
  /** Stops the worker and removes the canvas; pending calls reject with code "cancelled". */
  destroy(): void;
}

/** Whether this browser can hand a canvas to a worker. */
export function canUseOffscreenWorker(canvas: HTMLCanvasElement): boolean {
  return (
    typeof Worker !== "undefined" &&
    typeof OffscreenCanvas !== "undefined" &&
    typeof canvas.transferControlToOffscreen === "function"
  );
}

const defaultWorker = () =>
  new Worker(new URL("../workers/scatter.worker.ts", import.meta.url), { type: "module", name: "scatter" });

/**
 * Crashes of the scatter worker after which it is started again (on a fresh canvas, with every column sent again);
 * after one more the scatter is drawn on the main thread.
 */
export const SCATTER_RESTARTS = 2;

/** Merges `next` into `base` (later fields win). */
function mergePatch(base: ScatterPatch, next: ScatterPatch): ScatterPatch {
  const out: ScatterPatch = { ...base };
  if (next.data) out.data = next.data;
  if (next.color) out.color = next.color;
  if (next.mask !== undefined) out.mask = next.mask;
  if (next.linked) out.linked = next.linked;
  if (next.linkedMask !== undefined) out.linkedMask = next.linkedMask;
  if (next.linkedAfter !== undefined) out.linkedAfter = Math.max(next.linkedAfter, base.linkedAfter ?? -Infinity);
  if (next.palette) out.palette = next.palette;
  if (next.view) out.view = next.view;
  return out;
}

/** The patch as the renderer's state keeps it: a restarted worker reads the columns as they are, waiting on nothing. */
function withoutWait(patch: ScatterPatch): ScatterPatch {
  if (patch.linkedAfter === undefined) return patch;
  const out = { ...patch };
  delete out.linkedAfter;
  return out;
}

/** Copies the patch's columns so their buffers can be transferred without detaching the caller's arrays. */
function copyForTransfer(patch: ScatterPatch): { patch: ScatterPatch; transfer: Transferable[] } {
  const out: ScatterPatch = { ...patch };
  const transfer: Transferable[] = [];
  if (patch.data) {
    out.data = { xs: patch.data.xs.slice(), ys: patch.data.ys.slice() };
    transfer.push(out.data.xs.buffer, out.data.ys.buffer);
  }
  if (patch.color) {
    out.color = patch.color.slice();
    transfer.push(out.color.buffer);
  }
  if (patch.mask) {
    out.mask = patch.mask.slice();
    transfer.push(out.mask.buffer);
  }
  return { patch: out, transfer };
}

interface Waiter {
  resolve(r: RenderResult): void;
  reject(e: unknown): void;
}

/** Mounts a canvas in `container` and returns the renderer that draws into it. */
export function createScatterRenderer(container: HTMLElement, options: ScatterRendererOptions = {}): ScatterRenderer {
  let canvas = document.createElement("canvas");
  const mountCanvas = () => {
    canvas.style.display = "block";
    canvas.style.width = "100%";
    canvas.style.height = "100%";
    options.decorateCanvas?.(canvas);
    container.appendChild(canvas);
  };
  mountCanvas();

  let mode: ScatterRenderMode = !options.mainThread && canUseOffscreenWorker(canvas) ? "worker" : "main";
  let destroyed = false;
  // Everything sent so far, merged: replayed onto the main thread if the worker dies.
  let state: ScatterPatch = {};
  let pending: ScatterPatch | null = null;
  let waiters: Waiter[] = [];
  let inFlight = false;

  let rpc: WorkerClient<ScatterApi> | null = null;
  let initialised: Promise<unknown> | null = null;
  /** The worker's link to the dataset worker (when `options.link` is given): made after init, again by relink. */
  let linking: Promise<void> | null = null;
  /** Links `client` to the dataset worker; a failed link is forgotten, so the next frame tries again. */
  const linkWorker = (client: WorkerClient<ScatterApi>): Promise<void> => {
    const attempt = (async () => {
      const port = await options.link!();
      await client.call("link", { port }, { transfer: [port] });
    })();
    linking = attempt;
    attempt.catch(() => {
      if (linking === attempt) linking = null;
    });
    return attempt;
  };
  let mainScene: ScatterScene | null = null;
  // The fallback's last linked columns, as the worker keeps them (handlers.ts): unchanged fields are not read again.
  let mainColumns = createLinkedCache();
  let mainLast: RenderResult | null = null;
  // The fallback's idle cell sort, as the worker's handlers do it (handlers.ts): slices of ≈4 ms between frames.
  const mainIdle = createIdleWork((shouldYield) => mainScene?.idleWork(shouldYield) ?? false);
  let mainData: { xs: Float64Array; ys: Float64Array } | null = null;
  let crashes = 0;
  /** A crash whose recovery is reported once the next frame is drawn. */
  let recovering: CrashReport | null = null;

  /** The old canvas's control belongs to the dead worker: only a fresh element can be drawn on. */
  const replaceCanvas = () => {
    const old = canvas;
    canvas = document.createElement("canvas");
    mountCanvas();
    old.remove();
  };

  const dropWorker = () => {
    const client = rpc;
    rpc = null;
    initialised = null;
    linking = null;
    client?.dispose();
    replaceCanvas();
  };

  const fallBack = (reason: string) => {
    if (mode === "main") return;
    mode = "main";
    dropWorker();
    options.onFallback?.(reason);
  };

  /** A dead scatter worker: reported; restarted with the whole state on the next frame (queued now), or given up. */
  const onCrash = (client: WorkerClient<ScatterApi>, report: CrashReport) => {
    if (client !== rpc || destroyed) return;
    crashes++;
    recoveryLog.crashed(report);
    if (crashes > SCATTER_RESTARTS)
      fallBack(`Scatter drawn on the main thread: its worker stopped ${crashes} times (last: ${report.cause})`);
    else dropWorker();
    recovering = report;
    pending = mergePatch(pending ?? {}, {});
    queueMicrotask(() => void flush());
  };

  const workerFrame = async (patch: ScatterPatch): Promise<RenderResult> => {
    if (!rpc) {
      const client = createWorkerClient<ScatterApi>(options.createWorker ?? defaultWorker, { name: "scatter" });
      client.onCrash((report) => onCrash(client, report));
      rpc = client;
    }
    const client = rpc;
    if (!initialised) {
      const offscreen = canvas.transferControlToOffscreen();
      initialised = client.call("init", { canvas: offscreen }, { transfer: [offscreen] });
      linking = null;
      // The first frame after (re)starting must carry the whole state, not just the latest patch.
      patch = mergePatch(state, patch);
    }
    await initialised;
    await (options.link ? (linking ?? linkWorker(client)) : null);
    const { patch: copy, transfer } = copyForTransfer(patch);
    return client.call("update", copy, { transfer });
  };

  const mainFrame = async (patch: ScatterPatch): Promise<RenderResult> => {
    if (!mainScene) {
      mainScene = new ScatterScene({}, { sortWhenIdle: true });
      mainColumns = createLinkedCache();
      mainLast = null;
      patch = mergePatch(state, patch);
    }
    mainIdle.cancel();
    if (patch.linked || patch.linkedMask !== undefined) {
      if (!options.source) throw new WorkerCallError("no column source for a linked scatter", "no-source");
      patch = await resolveLinked(patch, options.source, mainColumns);
    }
    if (mainLast && !changesFrame(patch)) {
      mainIdle.poke();
      return mainLast;
    }
    applyPatch(mainScene, patch);
    if (patch.data) mainData = patch.data;
    const ctx = canvas.getContext("2d");
    if (!ctx) throw new WorkerCallError("no 2D canvas context", "no-context");
    const result = mainScene.render(ctx, (w, h) => ctx.createImageData(w, h));
    mainLast = result;
    mainIdle.poke();
    return patch.data ? { ...result, extent: fitExtent(patch.data.xs, patch.data.ys) } : result;
  };

  const flush = async () => {
    if (inFlight || !pending || destroyed) return;
    const patch = pending;
    const batch = waiters;
    pending = null;
    waiters = [];
    inFlight = true;
    try {
      let result: RenderResult;
      if (mode === "worker") {
        try {
          result = await workerFrame(patch);
        } catch (err) {
          if (isWorkerCrash(err) && !destroyed) {
            // onCrash has dropped the worker: this frame is drawn by the next one, with the whole state.
            pending = mergePatch(patch, pending ?? {});
            waiters = [...batch, ...waiters];
            return;
          }
          const code = err instanceof WorkerCallError ? err.code : "";
          if (destroyed || (code !== "worker-start" && code !== "no-context")) throw err;
          fallBack(`Scatter drawn on the main thread: ${(err as Error).message}`);
          result = await mainFrame(patch);
        }
      } else result = await mainFrame(patch);
      state = mergePatch(state, withoutWait(patch));
      if (recovering) {
        recoveryLog.update("scatter", {
          state: "restored",
          outcome:
            mode === "main"
              ? `not restarted after ${crashes} crashes; drawn on the main thread (${result.drawn} points)`
              : `restarted; scatter drawn again (${result.drawn} points)`,
        });
        recovering = null;
      }
      for (const w of batch) w.resolve(result);
    } catch (err) {
      state = mergePatch(state, withoutWait(patch));
      for (const w of batch) w.reject(err);
    } finally {
      inFlight = false;
      if (pending) void flush();
    }
  };

  const workerPick = latestOnly((args: PickArgs) => (rpc ? rpc.call("pick", args) : Promise.resolve(null)));

  return {
    get mode() {
      return mode;
    },
    get canvas() {
      return canvas;
    },
    update(patch) {
      if (destroyed) return Promise.reject(new WorkerCallError("scatter renderer destroyed", "cancelled"));
      pending = mergePatch(pending ?? {}, patch);
      return new Promise<RenderResult>((resolve, reject) => {
        waiters.push({ resolve, reject });
        // A microtask lets updates made in the same task (e.g. data + view on mount) share one frame.
        queueMicrotask(() => void flush());
      });
    },
    async pick(args) {
      if (destroyed) return null;
      if (mode === "worker" && rpc && initialised) {
        try {
          return await workerPick(args);
        } catch (err) {
          // A pick the dead worker never answered: the next one goes to its successor.
          if (err instanceof WorkerCallError && (err.code === "cancelled" || isWorkerCrash(err))) return null;
          throw err;
        }
      }
      return mainScene ? mainScene.pick(args.xCss, args.yCss, args.radiusCss, args.view) : null;
    },
    async point(row) {
      if (destroyed) return null;
      if (mode === "main") return pointOf(mainData, row);
      if (!rpc || !initialised) return null;
      try {
        return await rpc.call("point", { row });
      } catch (err) {
        if (err instanceof WorkerCallError && (err.code === "cancelled" || isWorkerCrash(err))) return null;
        throw err;
      }
    },
    async relink() {
      if (destroyed || mode !== "worker" || !rpc || !initialised || !options.link) return;
      const client = rpc;
      await initialised;
      await linkWorker(client);
    },
    destroy() {
      destroyed = true;
      mainIdle.cancel();
      rpc?.dispose();
      rpc = null;
      const err = new WorkerCallError("scatter renderer destroyed", "cancelled");
      for (const w of waiters) w.reject(err);
      waiters = [];
      pending = null;
      canvas.remove();
    },
  };
}
