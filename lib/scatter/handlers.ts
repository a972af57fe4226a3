/**
 * Handlers of the scatter worker over {@link ScatterScene}: the worker file only registers these. Kept in
 * lib/ so they are unit-testable in Node with a fake canvas.
 */
import type { Handlers } from "@/lib/worker/rpc";
import { HandlerError } from "@/lib/worker/rpc";
import type { ScatterApi, ScatterPatch } from "./protocol";
import { ScatterScene, type PixelTarget } from "./scene";

/** Applies the parts of `patch` that are present, in dependency order (data before colour and mask). */
export function applyPatch(scene: ScatterScene, patch: ScatterPatch): void {
  if (patch.data) scene.setData(patch.data.xs, patch.data.ys);
  if (patch.color) scene.setColor(patch.color);
  if (patch.mask !== undefined) scene.setMask(patch.mask);
  if (patch.palette) scene.setPalette(patch.palette);
  if (patch.view) scene.setView(patch.view);
}

/**
 * Creates the handlers; `getContext` turns the transferred canvas into a 2D target and `createImage` makes
 * ImageData (both injectable for tests). The hit-test grid is built right after a frame with new data, so
 * the first hover does not pay for it.
 */
export function createScatterHandlers(
  createImage: (w: number, h: number) => ImageData = (w, h) => new ImageData(w, h),
  getContext: (canvas: OffscreenCanvas) => PixelTarget | null = (canvas) => canvas.getContext("2d"),
): Handlers<ScatterApi> {
  const scene = new ScatterScene();
  let target: PixelTarget | null = null;
  let gridTimer: ReturnType<typeof setTimeout> | null = null;
  return {
    init({ canvas }) {
      target = getContext(canvas);
      if (!target) throw new HandlerError("no 2D context on the OffscreenCanvas", "no-context");
      return null;
    },
    update(patch) {
      if (!target) throw new HandlerError("scatter worker not initialised", "not-ready");
      applyPatch(scene, patch);
      const result = scene.render(target, createImage);
      if (patch.data) {
        if (gridTimer) clearTimeout(gridTimer);
        gridTimer = setTimeout(() => scene.prepareHitTest(), 0);
      }
      return result;
    },
    pick({ xCss, yCss, radiusCss, view }) {
      return scene.pick(xCss, yCss, radiusCss, view);
    },
  };
}
