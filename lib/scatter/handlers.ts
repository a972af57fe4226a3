/**
 * Handlers of the scatter worker over {@link ScatterScene}: the worker file only registers these. Kept in
 * lib/ so they are unit-testable in Node with a fake canvas.
 */
import type { Handlers } from "@/lib/worker/rpc";
import { HandlerError, WorkerCallError } from "@/lib/worker/rpc";
import { LINK_CLOSED, portClient, type PortClient } from "@/lib/worker/port-rpc";
import type { LinkedColumns, RenderResult, ScatterApi, ScatterLinkApi, ScatterPatch } from "./protocol";
import { createIdleWork, type IdleScheduler } from "./idle";
import { ScatterScene, type PixelTarget } from "./scene";
import { fitExtent } from "./viewport";

/** Applies the parts of `patch` that are present, in dependency order (data before colour and mask). */
export function applyPatch(scene: ScatterScene, patch: ScatterPatch): void {
  if (patch.data) scene.setData(patch.data.xs, patch.data.ys);
  if (patch.color) scene.setColor(patch.color);
  if (patch.mask !== undefined) scene.setMask(patch.mask);
  if (patch.palette) scene.setPalette(patch.palette);
  if (patch.view) scene.setView(patch.view);
}

/** Where `linked` patches read their columns and mask: the dataset worker's link, or the page's own fallback. */
export interface LinkedSource {
  columns(fields: string[]): Promise<(Float64Array | null)[]>;
  mask(): Promise<Uint8Array>;
}

/**
 * The columns a scatter last read over its link, by role, with the field and version each was read at (the same
 * arrays the scene draws, so keeping them costs nothing).
 */
export type LinkedCache = Map<"x" | "y" | "color", { field: string; version: number; values: Float64Array | null }>;

/**
 * The patch with its `linked` / `linkedMask` parts read from `source` and turned into plain data, colour and mask
 * (a missing field reads as NaN everywhere: nothing drawn; a mask of another length clears the selection). With a
 * `cache`, only the fields whose version moved are read: a colour-only change (a w change re-colours M_AP) reads one
 * column instead of three and leaves the axes, and the scene's cell sort for them, as they are.
 */
export async function resolveLinked(
  patch: ScatterPatch,
  source: LinkedSource,
  cache?: LinkedCache,
): Promise<ScatterPatch> {
  const { linked, linkedMask, ...rest } = patch;
  const out: ScatterPatch = { ...rest };
  let rows = -1;
  if (linked) {
    const versions = linked.fieldVersions ?? { x: linked.version, y: linked.version, color: linked.version };
    const want = { x: linked.x, y: linked.y, color: linked.color } as const;
    const roles = (["x", "y", "color"] as const).filter((role) => want[role] !== null);
    const fresh = roles.filter((role) => {
      const had = cache?.get(role);
      return !had || had.field !== want[role] || had.version !== versions[role];
    });
    const fields = [...new Set(fresh.map((role) => want[role]!))];
    const read = fields.length > 0 ? await source.columns(fields) : [];
    const value = (role: "x" | "y" | "color"): Float64Array | null => {
      if (want[role] === null) return null;
      if (!fresh.includes(role)) return cache!.get(role)!.values;
      return read[fields.indexOf(want[role]!)] ?? null;
    };
    let xs = value("x");
    let ys = value("y");
    const color = value("color");
    rows = xs?.length ?? ys?.length ?? 0;
    // A cached axis of another length (another file under the same versions) cannot be reused: read everything.
    const lengths = [xs, ys, color].filter((v): v is Float64Array => v !== null).map((v) => v.length);
    if (cache && fresh.length < roles.length && lengths.some((n) => n !== lengths[0])) {
      cache.clear();
      return resolveLinked(patch, source, cache);
    }
    if (cache) {
      for (const role of roles) cache.set(role, { field: want[role]!, version: versions[role], values: value(role) });
      if (want.color === null) cache.delete("color");
    }
    const nan = () => new Float64Array(rows).fill(NaN);
    const axesFresh = !cache || fresh.includes("x") || fresh.includes("y");
    if (axesFresh) out.data = { xs: (xs ??= nan()), ys: (ys ??= nan()) };
    if (axesFresh || fresh.includes("color") || want.color === null) out.color = color ?? nan();
  }
  if (linkedMask !== undefined || linked) {
    const mask = await source.mask();
    out.mask = mask.length > 0 && (rows < 0 || mask.length === rows) ? mask : null;
  }
  return out;
}

/** Whether two linked-column requests name the same columns of the same version. */
export function sameLinked(a: LinkedColumns | undefined, b: LinkedColumns | undefined): boolean {
  return !!a && !!b && a.x === b.x && a.y === b.y && a.color === b.color && a.version === b.version;
}

/**
 * Creates the handlers; `getContext` turns the transferred canvas into a 2D target and `createImage` makes
 * ImageData (both injectable for tests, as is the idle `scheduler`). The hit-test grid is built right after a
 * frame with new data, so the first hover does not pay for it. When no frame has been asked for in a while (idle.ts),
 * the scene sorts its rows into cells for the scale in force, a slice per task so that a new request waits at most
 * one slice: the selection change after a zoom then draws from them instead of sorting on that frame.
 */
export function createScatterHandlers(
  createImage: (w: number, h: number) => ImageData = (w, h) => new ImageData(w, h),
  getContext: (canvas: OffscreenCanvas) => PixelTarget | null = (canvas) => canvas.getContext("2d"),
  scheduler?: IdleScheduler,
): Handlers<ScatterApi> {
  const scene = new ScatterScene({}, { sortWhenIdle: true });
  const idle = createIdleWork((shouldYield) => scene.idleWork(shouldYield), { scheduler });
  let target: PixelTarget | null = null;
  let gridTimer: ReturnType<typeof setTimeout> | null = null;
  let data: { xs: Float64Array; ys: Float64Array } | null = null;

  // The dataset worker's link; a frame whose link closed (the dataset worker restarted) waits for the next one.
  let link: PortClient<ScatterLinkApi> | null = null;
  let nextLink: Promise<void> | null = null;
  let linked!: () => void;
  const awaitLink = () => (nextLink ??= new Promise<void>((resolve) => (linked = resolve)));
  const source: LinkedSource = {
    columns: (fields) => link!.call("columns", { fields }),
    mask: () => link!.call("mask", {}),
  };
  const columnCache: LinkedCache = new Map();
  const resolve = async (patch: ScatterPatch): Promise<ScatterPatch> => {
    if (patch.linked === undefined && patch.linkedMask === undefined) return patch;
    for (;;) {
      if (!link || link.closed) await awaitLink();
      try {
        return await resolveLinked(patch, source, columnCache);
      } catch (err) {
        if (!(err instanceof WorkerCallError && err.code === LINK_CLOSED)) throw err;
      }
    }
  };

  return {
    init({ canvas }) {
      target = getContext(canvas);
      if (!target) throw new HandlerError("no 2D context on the OffscreenCanvas", "no-context");
      return null;
    },
    link({ port }) {
      link?.close("the dataset worker was linked again");
      link = portClient<ScatterLinkApi>(port);
      // A new link may be a restarted dataset worker: read every column again.
      columnCache.clear();
      if (nextLink) {
        nextLink = null;
        linked();
      }
      return null;
    },
    async update(patch) {
      if (!target) throw new HandlerError("scatter worker not initialised", "not-ready");
      idle.cancel();
      const plain = await resolve(patch);
      applyPatch(scene, plain);
      if (plain.data) data = plain.data;
      const result: RenderResult = scene.render(target, createImage);
      idle.poke();
      if (plain.data) {
        result.extent = fitExtent(plain.data.xs, plain.data.ys);
        if (gridTimer) clearTimeout(gridTimer);
        gridTimer = setTimeout(() => scene.prepareHitTest(), 0);
      }
      return result;
    },
    pick({ xCss, yCss, radiusCss, view }) {
      return scene.pick(xCss, yCss, radiusCss, view);
    },
    point({ row }) {
      return pointOf(data, row);
    },
  };
}

/** Row `row` of `data` when it is a finite point. */
export function pointOf(
  data: { xs: Float64Array; ys: Float64Array } | null,
  row: number,
): { x: number; y: number } | null {
  if (!data || !Number.isInteger(row) || row < 0 || row >= data.xs.length) return null;
  const x = data.xs[row];
  const y = data.ys[row];
  return Number.isFinite(x) && Number.isFinite(y) ? { x, y } : null;
}
