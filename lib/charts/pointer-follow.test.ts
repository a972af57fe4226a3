import { describe, expect, it } from "vitest";
import { createPointerFollower, hasRawPointerUpdates, RAW_MIN_MS } from "@/lib/charts/pointer-follow";

describe("createPointerFollower", () => {
  it("follows a 60 Hz stream of raw updates at once, and skips the frame's move to the same spot", () => {
    const f = createPointerFollower();
    const taken: string[] = [];
    for (let k = 0; k < 5; k++) {
      const t = k * 16.7;
      if (f.accept(100 + k, 50, true, t)) taken.push(`raw ${k}`);
      if (f.accept(100 + k, 50, false, t + 9)) taken.push(`move ${k}`);
    }
    expect(taken).toEqual(["raw 0", "raw 1", "raw 2", "raw 3", "raw 4"]);
  });

  it("takes a fast device's raw updates at most every RAW_MIN_MS; the frame's move catches up", () => {
    const f = createPointerFollower();
    const taken: number[] = [];
    // 1000 Hz for 40 ms, a frame-aligned move every 16.7 ms with the latest position.
    for (let t = 0; t < 40; t++) {
      if (f.accept(t, 0, true, t)) taken.push(t);
      const frame = Math.round((Math.floor(t / 16.7) + 1) * 16.7);
      if (t + 1 === frame && f.accept(t, 0, false, t + 0.5)) taken.push(t + 0.5);
    }
    expect(taken).toEqual([0, RAW_MIN_MS, 16.5, 29, 32.5]);
    // Never two followed events closer than RAW_MIN_MS unless one is a move.
    expect(taken.length).toBeLessThan(8);
  });

  it("follows a move where raw updates are missing (other browsers), and starts afresh after reset", () => {
    const f = createPointerFollower();
    expect(f.accept(10, 10, false, 0)).toBe(true);
    expect(f.accept(10, 10, false, 16)).toBe(false);
    expect(f.accept(11, 10, false, 17)).toBe(true);
    expect(f.accept(11, 12, false, 18)).toBe(true);
    f.reset();
    expect(f.accept(11, 12, true, 19)).toBe(true);
  });
});

describe("hasRawPointerUpdates", () => {
  it("reads the event handler property, absent in Node", () => {
    expect(hasRawPointerUpdates(undefined)).toBe(false);
    expect(hasRawPointerUpdates({})).toBe(false);
    expect(hasRawPointerUpdates({ onpointerrawupdate: null })).toBe(true);
  });
});
