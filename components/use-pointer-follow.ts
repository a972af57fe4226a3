"use client";
import { useCallback, useEffect, useLayoutEffect, useRef, type RefObject } from "react";
import { createPointerFollower, hasRawPointerUpdates } from "@/lib/charts/pointer-follow";

/** The part of a pointer event a drag reads. */
export interface PointerPosition {
  clientX: number;
  clientY: number;
}

/**
 * The positions one drag follows: the `pointerrawupdate`s of `ref`'s element where the browser fires them, and the
 * `pointermove`s handed to the returned `onPointerMove`, each position once (lib/charts/pointer-follow.ts). `follow`
 * runs for each position taken while `dragging()` holds; `reset` starts a new drag. Used by the histogram handles
 * and the ratio slider.
 */
export function usePointerFollow(
  ref: RefObject<Element | null>,
  dragging: () => boolean,
  follow: (e: PointerPosition) => void,
): { onPointerMove: (e: PointerPosition) => void; reset: () => void } {
  const follower = useRef(createPointerFollower());
  const latest = useRef({ dragging, follow });
  useLayoutEffect(() => {
    latest.current = { dragging, follow };
  });
  // Reads only refs: the same function for every render and for the listener below.
  const take = useCallback((e: PointerPosition, raw: boolean) => {
    const { dragging, follow } = latest.current;
    if (dragging() && follower.current.accept(e.clientX, e.clientY, raw, performance.now())) follow(e);
  }, []);
  useEffect(() => {
    const el = ref.current;
    if (!el || !hasRawPointerUpdates()) return;
    const raw = (e: Event) => take(e as PointerEvent, true);
    el.addEventListener("pointerrawupdate", raw);
    return () => el.removeEventListener("pointerrawupdate", raw);
  }, [ref, take]);
  return { onPointerMove: (e) => take(e, false), reset: () => follower.current.reset() };
}
