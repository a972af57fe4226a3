/**
 * Handlers of the scatter worker over {@link ScatterScene}: the worker file only registers these. Kept in
 * lib/ so they are unit-testable in Node with a fake canvas.
 */
import type { Handlers } from "@/lib/worker/rpc";
import { HandlerError, WorkerCallError } from "@/lib/worker/rpc";
import { LINK_CLOSED, portClient, type PortClient } from "@/lib/worker/port-rpc";
import type { LinkedRead, LinkedReadResult, RenderResult, ScatterApi, ScatterLinkApi, ScatterPatch } from "./protocol";
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
  read(request: LinkedRead): Promise<LinkedReadResult>;
}

type Role = "x" | "y" | "color";
const ROLES: readonly Role[] = ["x", "y", "color"];

/**
 * The columns a scatter last read over its link, by role, with the field (null: no colour), the page's version and
 * the dataset worker's generation each was read at, and the mask with its generation: the same arrays the scene
 * draws, so keeping them costs nothing.
 */
export interface LinkedCache {
  columns: Map<Role, { field: string | null; version: number; gen: number; values: Float64Array | null }>;
  mask: { gen: number; values: Uint8Array } | null;
}

/** An empty {@link LinkedCache}. */
export function createLinkedCache(): LinkedCache {
  return { columns: new Map(), mask: null };
}

/**
 * The patch with its `linked` / `linkedMask` parts read from `source` and turned into plain data, colour and mask
 * (a missing field reads as NaN everywhere: nothing drawn; a mask of another length clears the selection). Only
 * what changed is in the result: a field whose page version did not move is not asked for, and the dataset worker
 * copies only the fields and the mask whose generation moved since `cache` got them. A colour-only change (a w
 * change re-colours M_AP) so reads one column and leaves the axes, and the scene's cell sort for them, as they are.
 * With `linkedAfter` every field is asked (with its generation) once that select is computed; with `recolour` as
 * well, the colour is asked first, once that select's scores are (see the protocol's `scored`).
 */
export async function resolveLinked(
  patch: ScatterPatch,
  source: LinkedSource,
  cache: LinkedCache = createLinkedCache(),
  recolour?: (color: Float64Array) => (() => void) | null,
): Promise<ScatterPatch> {
  const { linked, linkedMask, linkedAfter, ...rest } = patch;
  const out: ScatterPatch = { ...rest };
  if (!linked && linkedMask === undefined) return out;
  const versions = linked
    ? (linked.fieldVersions ?? { x: linked.version, y: linked.version, color: linked.version })
    : null;
  const want: Record<Role, string | null> | null = linked ? { x: linked.x, y: linked.y, color: linked.color } : null;
  const held = cache.columns;
  // The generation held of a field, whatever role holds it (-1: none).
  const haveOf = (field: string) => [...held.values()].find((h) => h.field === field)?.gen ?? -1;
  // A re-rank's colour first, read once the select's scores are computed: `recolour` gives the work that applies it
  // (null: not now), run while the read below waits for the selection, i.e. while the dataset worker chooses the
  // top k. That read then finds the colour held.
  let recolouring: (() => void) | null = null;
  if (recolour && want && versions && linkedAfter !== undefined && want.color !== null) {
    const field = want.color;
    const early = await source.read({ fields: [{ field, have: haveOf(field) }], after: linkedAfter, scored: true });
    const got = early.columns[0];
    if (got && !got.same && got.values) recolouring = recolour(got.values);
    if (recolouring) held.set("color", { field, version: versions.color, gen: got.gen, values: got.values });
  }
  const toRead =
    want && versions
      ? ROLES.filter((role) => {
          const had = held.get(role);
          if (want[role] === null) return false;
          return linkedAfter !== undefined || !had || had.field !== want[role] || had.version !== versions[role];
        })
      : [];
  const fields = [...new Set(toRead.map((role) => want![role]!))];
  const request: LinkedRead = {
    fields: fields.map((field) => ({ field, have: haveOf(field) })),
    mask: { have: cache.mask?.gen ?? -1 },
    ...(linkedAfter !== undefined ? { after: linkedAfter } : {}),
  };
  const reading = source.read(request);
  recolouring?.();
  const answer = await reading;
  const read = new Map<string, { gen: number; values: Float64Array | null }>();
  fields.forEach((field, j) => {
    const a = answer.columns[j];
    const values = a.same ? ([...held.values()].find((h) => h.field === field)?.values ?? null) : a.values;
    read.set(field, { gen: a.gen, values });
  });
  const mask = answer.mask?.same
    ? (cache.mask?.values ?? new Uint8Array(0))
    : (answer.mask?.values ?? new Uint8Array(0));
  const maskChanged = !answer.mask?.same;
  if (answer.mask) cache.mask = { gen: answer.mask.gen, values: mask };

  let rows = -1;
  if (want && versions) {
    const next = new Map<Role, { field: string | null; version: number; gen: number; values: Float64Array | null }>();
    const changed = new Set<Role>();
    for (const role of ROLES) {
      const field = want[role];
      const had = held.get(role);
      const got = field === null ? { gen: 0, values: null } : (read.get(field) ?? had!);
      next.set(role, { field, version: versions[role], gen: got.gen, values: got.values });
      if (!had || had.field !== field || had.gen !== got.gen || had.values !== got.values) changed.add(role);
    }
    // A cached axis of another length (another file under the same versions) cannot be reused: read everything.
    const lengths = [...next.values()].flatMap((e) => (e.values ? [e.values.length] : []));
    if (lengths.some((n) => n !== lengths[0]) && (held.size > 0 || cache.mask)) {
      cache.columns.clear();
      cache.mask = null;
      return resolveLinked(patch, source, cache);
    }
    cache.columns = next;
    const xs = next.get("x")!.values;
    const ys = next.get("y")!.values;
    rows = xs?.length ?? ys?.length ?? 0;
    const nan = () => new Float64Array(rows).fill(NaN);
    const axesChanged = changed.has("x") || changed.has("y");
    if (axesChanged) out.data = { xs: xs ?? nan(), ys: ys ?? nan() };
    if (axesChanged || changed.has("color")) out.color = next.get("color")!.values ?? nan();
    if (axesChanged || maskChanged) out.mask = mask.length > 0 && mask.length === rows ? mask : null;
  } else if (maskChanged) out.mask = mask.length > 0 ? mask : null;
  return out;
}

/** Whether a resolved patch changes anything on the canvas (otherwise the last frame stands). */
export function changesFrame(patch: ScatterPatch): boolean {
  return !!(patch.data || patch.color || patch.mask !== undefined || patch.palette || patch.view);
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
  const source: LinkedSource = { read: (request) => link!.call("read", request) };
  let columnCache = createLinkedCache();
  // The last frame drawn: an update that changes nothing (its columns were read early, see `linkedAfter`) answers it.
  let last: RenderResult | null = null;
  const resolve = async (
    patch: ScatterPatch,
    recolour?: (color: Float64Array) => (() => void) | null,
  ): Promise<ScatterPatch> => {
    if (patch.linked === undefined && patch.linkedMask === undefined) return patch;
    for (;;) {
      if (!link || link.closed) await awaitLink();
      try {
        return await resolveLinked(patch, source, columnCache, recolour);
      } catch (err) {
        if (!(err instanceof WorkerCallError && err.code === LINK_CLOSED)) throw err;
      }
    }
  };

  return {
    init({ canvas }) {
      target = getContext(canvas);
      last = null;
      if (!target) throw new HandlerError("no 2D context on the OffscreenCanvas", "no-context");
      return null;
    },
    link({ port }) {
      link?.close("the dataset worker was linked again");
      link = portClient<ScatterLinkApi>(port);
      // A new link may be a restarted dataset worker: read every column again.
      columnCache = createLinkedCache();
      if (nextLink) {
        nextLink = null;
        linked();
      }
      return null;
    },
    async update(patch) {
      if (!target) throw new HandlerError("scatter worker not initialised", "not-ready");
      idle.cancel();
      const t0 = performance.now();
      // A re-rank's new colour is applied as soon as it is read (before the mask), when it fits the rows drawn.
      let recoloured = false;
      let recolourMs = 0;
      const recolour = (color: Float64Array) =>
        scene.rowCount > 0 && color.length === scene.rowCount
          ? () => {
              const start = performance.now();
              scene.setColor(color);
              recoloured = true;
              recolourMs = performance.now() - start;
            }
          : null;
      const plain = await resolve(patch, recolour);
      const t1 = performance.now();
      if (last && !changesFrame(plain) && !recoloured) {
        idle.poke();
        return last;
      }
      applyPatch(scene, plain);
      if (plain.data) data = plain.data;
      const t2 = performance.now();
      const result: RenderResult = scene.render(target, createImage);
      result.timings = { readMs: t1 - t0 - recolourMs, applyMs: t2 - t1 + recolourMs };
      // Kept before `extent` is set: a frame answered again refits nothing.
      last = { ...result };
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
