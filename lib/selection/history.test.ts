import { describe, expect, it } from "vitest";
import { createHistory, HISTORY_LIMIT, push, redo, reset, seal, undo, type History } from "./history";

type Op = ["push", number, string | null] | ["undo"] | ["redo"] | ["seal"];

function run(ops: Op[], initial = 0): History<number> {
  let h = createHistory(initial);
  for (const op of ops) {
    if (op[0] === "push") h = push(h, op[1], op[2]);
    else if (op[0] === "undo") h = undo(h);
    else if (op[0] === "redo") h = redo(h);
    else h = seal(h);
  }
  return h;
}

/** Every value reachable by undoing from the present, oldest first. */
function timeline(h: History<number>): number[] {
  return [...h.past, h.present];
}

describe("undo / redo", () => {
  it.each<[string, Op[], { past: number[]; present: number; future: number[] }]>([
    ["nothing to undo at the start", [["undo"]], { past: [], present: 0, future: [] }],
    ["nothing to redo at the end", [["push", 1, null], ["redo"]], { past: [0], present: 1, future: [] }],
    [
      "undo steps back one push at a time",
      [["push", 1, null], ["push", 2, null], ["push", 3, null], ["undo"], ["undo"]],
      { past: [0], present: 1, future: [2, 3] },
    ],
    [
      "redo replays in order",
      [["push", 1, null], ["push", 2, null], ["push", 3, null], ["undo"], ["undo"], ["undo"], ["redo"], ["redo"]],
      { past: [0, 1], present: 2, future: [3] },
    ],
    [
      "a new push clears redo",
      [["push", 1, null], ["push", 2, null], ["undo"], ["push", 7, null]],
      { past: [0, 1], present: 7, future: [] },
    ],
    [
      "undo past the start stays at the start",
      [["push", 1, null], ["undo"], ["undo"], ["undo"]],
      { past: [], present: 0, future: [1] },
    ],
    [
      "pushing the identical value records nothing and keeps redo",
      [["push", 1, null], ["push", 2, null], ["undo"], ["push", 1, null]],
      { past: [0], present: 1, future: [2] },
    ],
  ])("%s", (_name, ops, expected) => {
    const h = run(ops);
    expect({ past: h.past, present: h.present, future: h.future }).toEqual(expected);
  });

  it("returns the same object when nothing changes", () => {
    const h = push(createHistory(0), 1);
    expect(push(h, 1)).toBe(h);
    expect(redo(h)).toBe(h);
    const start = createHistory(0);
    expect(undo(start)).toBe(start);
  });

  it("compares by identity: an equal but new object is a new step", () => {
    const a = { v: 1 };
    let h = createHistory(a);
    h = push(h, a);
    expect(h.past).toHaveLength(0);
    h = push(h, { v: 1 });
    expect(h.past).toEqual([a]);
  });
});

describe("coalescing", () => {
  it("a drag of 50 pushes with one key is one undo step", () => {
    let h = push(createHistory(0), 1, null);
    for (let i = 0; i < 50; i++) h = push(h, 100 + i, "drag:explicit");
    expect(h.present).toBe(149);
    expect(timeline(h)).toEqual([0, 1, 149]);
    h = undo(h);
    expect(h.present).toBe(1);
    h = redo(h);
    expect(h.present).toBe(149);
  });

  it.each<[string, Op[], number[]]>([
    [
      "seal starts a new step with the same key",
      [["push", 1, "k"], ["push", 2, "k"], ["seal"], ["push", 3, "k"], ["push", 4, "k"]],
      [0, 2, 4],
    ],
    [
      "a different key starts a new step",
      [
        ["push", 1, "a"],
        ["push", 2, "a"],
        ["push", 3, "b"],
      ],
      [0, 2, 3],
    ],
    [
      "a null key never coalesces",
      [
        ["push", 1, null],
        ["push", 2, null],
      ],
      [0, 1, 2],
    ],
    [
      "a null-key push between breaks the run",
      [
        ["push", 1, "k"],
        ["push", 2, null],
        ["push", 3, "k"],
        ["push", 4, "k"],
      ],
      [0, 1, 2, 4],
    ],
    ["undo ends coalescing", [["push", 1, null], ["push", 2, "k"], ["undo"], ["push", 3, "k"]], [0, 1, 3]],
    ["the very first keyed push is its own step (there is no past to merge into)", [["push", 1, "k"]], [0, 1]],
  ])("%s", (_name, ops, values) => {
    expect(timeline(run(ops))).toEqual(values);
  });

  it("seal on a sealed history returns it unchanged", () => {
    const h = push(createHistory(0), 1, null);
    expect(seal(h)).toBe(h);
  });
});

describe("limit", () => {
  it("honours at least 100 undo steps", () => {
    let h = createHistory(0);
    for (let i = 1; i <= 150; i++) h = push(h, i);
    for (let i = 0; i < 150; i++) h = undo(h);
    expect(h.present).toBe(0);
    expect(h.future).toHaveLength(150);
  });

  it(`250 pushes keep the newest ${HISTORY_LIMIT} undo steps`, () => {
    expect(HISTORY_LIMIT).toBe(200);
    let h = createHistory(0);
    for (let i = 1; i <= 250; i++) h = push(h, i);
    expect(h.past).toHaveLength(200);
    expect(h.past[0]).toBe(50);
    expect(h.present).toBe(250);
    let steps = 0;
    while (h.past.length > 0) {
      h = undo(h);
      steps++;
    }
    expect(steps).toBe(200);
    expect(h.present).toBe(50);
  });

  it("takes a custom limit", () => {
    let h = createHistory(0);
    for (let i = 1; i <= 10; i++) h = push(h, i, null, 3);
    expect(timeline(h)).toEqual([7, 8, 9, 10]);
  });
});

describe("reset", () => {
  it("forgets past and future", () => {
    const h = reset(5);
    expect(h).toEqual({ past: [], present: 5, future: [], coalesceKey: null });
  });
});
