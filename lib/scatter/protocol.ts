/**
 * Messages of the scatter worker, spoken through the shared request/reply protocol of lib/worker/rpc.ts
 * (discriminated by `type`, every message has an `id`, replies are result | error | progress, plus `ready`).
 */
import type { PaletteOptions } from "./palette";
import type { PickResult, RenderResult, SceneView } from "./scene";

/**
 * A change to the scatter; absent fields stay as they were. `mask: null` clears the selection. Columns sent
 * to the worker are copies whose buffers are transferred, so the caller's arrays stay usable.
 */
export interface ScatterPatch {
  /** x and y travel together: both or neither. */
  data?: { xs: Float64Array; ys: Float64Array };
  color?: Float64Array;
  mask?: Uint8Array | null;
  palette?: PaletteOptions;
  view?: SceneView;
}

/** A hit-test at a CSS pixel of a given view (sent with the query so a pending redraw cannot make it stale). */
export interface PickArgs {
  xCss: number;
  yCss: number;
  radiusCss: number;
  view: SceneView;
}

/** Request name → arguments and result of the scatter worker. */
export type ScatterApi = {
  /** Hands the worker the canvas it draws into (from `transferControlToOffscreen`). */
  init: { args: { canvas: OffscreenCanvas }; result: null };
  /** Applies a patch and redraws (when a view is known); answers the frame's stats. */
  update: { args: ScatterPatch; result: RenderResult };
  pick: { args: PickArgs; result: PickResult | null };
};
