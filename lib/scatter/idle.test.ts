import { describe, expect, it } from "vitest";
import { createIdleWork, IDLE_DELAY_MS, type IdleScheduler } from "./idle";

/** A hand-driven clock and timer queue. */
function fakeScheduler() {
  let now = 0;
  let next = 0;
  const timers = new Map<number, { at: number; run: () => void }>();
  const scheduler: IdleScheduler = {
    later(run, delayMs) {
      const id = next++;
      timers.set(id, { at: now + delayMs, run });
      return () => timers.delete(id);
    },
    now: () => now,
  };
  /** Moves the clock by `ms`, running the timers that come due, in order (one may add more). */
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0]);
      if (due.length === 0) break;
      const [id, t] = due[0];
      timers.delete(id);
      now = Math.max(now, t.at);
      t.run();
    }
    now = Math.max(now, end);
  };
  return { scheduler, advance, pending: () => timers.size, tick: (ms: number) => (now += ms) };
}

describe("idle work", () => {
  it("starts after the quiet period, runs a slice per task until done, and asks to yield when a slice is spent", () => {
    const clock = fakeScheduler();
    const calls: number[] = [];
    let left = 3;
    const work = createIdleWork(
      (shouldYield) => {
        calls.push(clock.scheduler.now());
        // Each unit of work takes 3 ms; a slice (4 ms) fits two before shouldYield says stop.
        for (;;) {
          clock.tick(3);
          left--;
          if (left === 0) return false;
          if (shouldYield()) return true;
        }
      },
      { scheduler: clock.scheduler, sliceMs: 4 },
    );
    work.poke();
    clock.advance(IDLE_DELAY_MS - 1);
    expect(calls).toEqual([]);
    clock.advance(1);
    expect(calls).toEqual([IDLE_DELAY_MS]);
    expect(left).toBe(1);
    expect(clock.pending()).toBe(1);
    clock.advance(0);
    expect(calls).toEqual([IDLE_DELAY_MS, IDLE_DELAY_MS + 6]);
    expect(left).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it.each([
    ["a frame before the quiet period ends", 5, 0],
    ["a frame between two slices", IDLE_DELAY_MS, 1],
  ])("waits a new quiet period after %s", (_, at, done) => {
    const clock = fakeScheduler();
    let steps = 0;
    const work = createIdleWork(
      () => {
        // Each step is longer than a slice: one step per task.
        clock.tick(10);
        steps++;
        return steps < 5;
      },
      { scheduler: clock.scheduler },
    );
    work.poke();
    clock.advance(at);
    expect(steps).toBe(done);
    // The frame: cancelled while it is drawn, poked after it.
    work.cancel();
    clock.advance(100);
    expect(steps).toBe(done);
    work.poke();
    clock.advance(IDLE_DELAY_MS - 1);
    expect(steps).toBe(done);
    clock.advance(1);
    expect(steps).toBe(done + 1);
    let tasks = 1;
    while (clock.pending() > 0) {
      clock.advance(0);
      tasks++;
    }
    expect(steps).toBe(5);
    expect(tasks).toBe(5 - done);
  });
});
