"use client";
import { useRef } from "react";
import type { KeyboardEvent as ReactKeyboardEvent, PointerEvent as ReactPointerEvent } from "react";
import { usePointerFollow } from "@/components/use-pointer-follow";
import { keyedValue, trackValue } from "@/lib/charts/slider";

/** Props of {@link RatioSlider}. */
export interface RatioSliderProps {
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  /** A new value from a drag or a key. */
  onChange(value: number): void;
  /** The drag or the key press ended (one undo step per gesture). */
  onGestureEnd(): void;
}

/**
 * A horizontal slider of our own, for the selection ratio: a drag follows `pointerrawupdate` where the browser fires
 * it (a native range input takes the frame-aligned `pointermove`, up to a frame later), and keys move it as a native
 * one (lib/charts/slider.ts). `role="slider"` with its value, bounds and keyboard, like the histogram handles.
 */
export default function RatioSlider({ label, value, min, max, step, onChange, onGestureEnd }: RatioSliderProps) {
  const ref = useRef<HTMLDivElement>(null);
  /** The track's box, read when the drag starts, and the value the drag last sent (a move within a step sends none). */
  const drag = useRef<{ left: number; width: number; sent: number } | null>(null);
  const follow = ({ clientX }: { clientX: number }) => {
    const d = drag.current;
    if (!d) return;
    const next = trackValue(clientX, d.left, d.width, min, max, step);
    if (next === d.sent) return;
    d.sent = next;
    onChange(next);
  };
  const pointer = usePointerFollow(ref, () => drag.current !== null, follow);

  const onPointerDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    e.preventDefault();
    e.currentTarget.focus();
    e.currentTarget.setPointerCapture(e.pointerId);
    const box = e.currentTarget.getBoundingClientRect();
    drag.current = { left: box.left, width: box.width, sent: value };
    pointer.reset();
    follow(e);
  };
  const onPointerUp = () => {
    if (!drag.current) return;
    drag.current = null;
    onGestureEnd();
  };
  const onKeyDown = (e: ReactKeyboardEvent) => {
    const next = keyedValue(e.key, value, min, max, step);
    if (next === null) return;
    e.preventDefault();
    if (next !== value) onChange(next);
  };

  const at = max > min ? ((value - min) / (max - min)) * 100 : 0;
  return (
    <div
      ref={ref}
      role="slider"
      tabIndex={0}
      aria-label={label}
      aria-valuemin={min}
      aria-valuemax={max}
      aria-valuenow={value}
      aria-orientation="horizontal"
      className="ratio-slider"
      onPointerDown={onPointerDown}
      onPointerMove={pointer.onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
      onKeyDown={onKeyDown}
      onKeyUp={onGestureEnd}
      onBlur={onGestureEnd}
    >
      <div className="ratio-track">
        <div className="ratio-fill" style={{ width: `${at}%` }} />
      </div>
      <div className="ratio-thumb" style={{ left: `${at}%` }} />
    </div>
  );
}
