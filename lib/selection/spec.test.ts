import { describe, expect, it } from "vitest";
import {
  decisionOf,
  defaultSpec,
  describeGate,
  fieldLabel,
  gateKey,
  hasRefinements,
  histogramSource,
  intervalOf,
  SEARCH_SOURCE,
  withDecision,
  withInterval,
  withoutGate,
  withRegion,
  withSearch,
  type Gate,
  type LassoGate,
  type RectGate,
  type SelectionSpec,
} from "./spec";

const EX = histogramSource("explicit");
const IM = histogramSource("absImplicit");

const rect = (source: string, x0 = 0, x1 = 1): RectGate => ({
  kind: "rect",
  source,
  x: "explicit",
  y: "absImplicit",
  x0,
  x1,
  y0: 0,
  y1: 2,
});
const lasso = (source: string): LassoGate => ({
  kind: "lasso",
  source,
  x: "explicit",
  y: "implicit",
  points: [0, 0, 1, 0, 1, 1],
});

describe("defaultSpec", () => {
  it("is the paper's released selection, a fresh object each call", () => {
    const a = defaultSpec();
    expect(a).toEqual({
      ranking: { metric: "map", weight: 1, ratio: 0.4, seed: 42, beta: 0.1, beesNan: "released" },
      gates: [],
      decisions: { keep: [], drop: [] },
    });
    a.ranking.weight = 3;
    a.decisions.keep.push(1);
    expect(defaultSpec().ranking.weight).toBe(1);
    expect(defaultSpec().decisions.keep).toEqual([]);
    expect(hasRefinements(defaultSpec())).toBe(false);
  });
});

describe("withInterval", () => {
  it.each([
    ["lo and hi", 1, 2, { lo: 1, hi: 2 }],
    ["lo only", 1, null, { lo: 1, hi: null }],
    ["hi only", null, 2, { lo: null, hi: 2 }],
    ["lo > hi is normalised", 5, -1, { lo: -1, hi: 5 }],
    ["lo = hi stays", 3, 3, { lo: 3, hi: 3 }],
  ] as const)("sets %s", (_name, lo, hi, bounds) => {
    const spec = withInterval(defaultSpec(), EX, "explicit", lo, hi);
    expect(spec.gates).toEqual([{ kind: "interval", source: EX, field: "explicit", ...bounds }]);
    expect(intervalOf(spec, EX, "explicit")).toEqual({ kind: "interval", source: EX, field: "explicit", ...bounds });
  });

  it("replaces the source's interval on the field, keeps other sources' and fields' gates", () => {
    let spec = withInterval(defaultSpec(), EX, "explicit", 0, 1);
    spec = withInterval(spec, IM, "absImplicit", null, 2);
    spec = withInterval(spec, "other", "explicit", 5, 6);
    spec = withInterval(spec, EX, "mAp", -1, null);
    spec = withInterval(spec, EX, "explicit", 0.5, 0.7);
    expect(spec.gates).toEqual([
      { kind: "interval", source: IM, field: "absImplicit", lo: null, hi: 2 },
      { kind: "interval", source: "other", field: "explicit", lo: 5, hi: 6 },
      { kind: "interval", source: EX, field: "mAp", lo: -1, hi: null },
      { kind: "interval", source: EX, field: "explicit", lo: 0.5, hi: 0.7 },
    ]);
    expect(intervalOf(spec, EX, "explicit")?.lo).toBe(0.5);
    expect(intervalOf(spec, IM, "explicit")).toBeUndefined();
  });

  it("removes the interval when both bounds are null, and leaves the input spec unchanged", () => {
    const before = withInterval(withInterval(defaultSpec(), EX, "explicit", 0, 1), IM, "absImplicit", null, 2);
    const snapshot = structuredClone(before);
    const after = withInterval(before, EX, "explicit", null, null);
    expect(after.gates).toEqual([{ kind: "interval", source: IM, field: "absImplicit", lo: null, hi: 2 }]);
    expect(before).toEqual(snapshot);
    expect(after.ranking).toBe(before.ranking);
    expect(after.decisions).toBe(before.decisions);
  });
});

describe("withRegion", () => {
  it("keeps one region per scatter: a rect replaces a lasso and vice versa, other scatters untouched", () => {
    let spec = withInterval(defaultSpec(), EX, "explicit", 0, 1);
    spec = withRegion(spec, "scatter:a", rect("scatter:a"));
    spec = withRegion(spec, "scatter:b", lasso("scatter:b"));
    spec = withRegion(spec, "scatter:a", lasso("scatter:a"));
    expect(spec.gates.map((g) => [g.kind, g.source])).toEqual([
      ["interval", EX],
      ["lasso", "scatter:b"],
      ["lasso", "scatter:a"],
    ]);
    spec = withRegion(spec, "scatter:a", rect("scatter:a", 2, 3));
    expect(spec.gates.filter((g) => g.source === "scatter:a")).toEqual([rect("scatter:a", 2, 3)]);
  });

  it("null removes the scatter's region only", () => {
    let spec = withRegion(defaultSpec(), "scatter:a", rect("scatter:a"));
    spec = withRegion(spec, "scatter:b", rect("scatter:b"));
    spec = withRegion(spec, "scatter:a", null);
    expect(spec.gates).toEqual([rect("scatter:b")]);
  });
});

describe("withSearch", () => {
  it.each([
    ["defaults", {}, { regex: false, caseSensitive: false }],
    ["regex", { regex: true }, { regex: true, caseSensitive: false }],
    ["case-sensitive", { caseSensitive: true }, { regex: false, caseSensitive: true }],
  ] as const)("sets a search gate (%s)", (_name, options, flags) => {
    const spec = withSearch(defaultSpec(), "needle", options);
    expect(spec.gates).toEqual([{ kind: "search", source: SEARCH_SOURCE, query: "needle", ...flags }]);
  });

  it("replaces the previous search and clears it on an empty query", () => {
    let spec = withInterval(defaultSpec(), EX, "explicit", 0, 1);
    spec = withSearch(spec, "one");
    spec = withSearch(spec, "two", { regex: true });
    expect(spec.gates.filter((g) => g.kind === "search")).toEqual([
      { kind: "search", source: SEARCH_SOURCE, query: "two", regex: true, caseSensitive: false },
    ]);
    spec = withSearch(spec, "");
    expect(spec.gates).toEqual([{ kind: "interval", source: EX, field: "explicit", lo: 0, hi: 1 }]);
  });
});

describe("withoutGate", () => {
  const spec = withSearch(withRegion(withInterval(defaultSpec(), EX, "explicit", 0, 1), "s", rect("s")), "q");
  it.each([
    [0, ["rect", "search"]],
    [1, ["interval", "search"]],
    [2, ["interval", "rect"]],
    [3, ["interval", "rect", "search"]],
    [-1, ["interval", "rect", "search"]],
  ])("removes gate %i", (index, kinds) => {
    expect(withoutGate(spec, index).gates.map((g) => g.kind)).toEqual(kinds);
    expect(spec.gates).toHaveLength(3);
  });
});

describe("withDecision / decisionOf", () => {
  const apply = (steps: [number[], "keep" | "drop" | "clear"][]): SelectionSpec =>
    steps.reduce((s, [rows, d]) => withDecision(s, rows, d), defaultSpec());

  it.each<[string, [number[], "keep" | "drop" | "clear"][], { keep: number[]; drop: number[] }]>([
    ["keep sorts and dedupes", [[[5, 1, 3, 1], "keep"]], { keep: [1, 3, 5], drop: [] }],
    ["drop sorts and dedupes", [[[9, 0, 9], "drop"]], { keep: [], drop: [0, 9] }],
    [
      "drop moves rows out of keep",
      [
        [[1, 2, 3], "keep"],
        [[2, 7], "drop"],
      ],
      { keep: [1, 3], drop: [2, 7] },
    ],
    [
      "keep moves rows out of drop",
      [
        [[4, 6], "drop"],
        [[6, 0], "keep"],
      ],
      { keep: [0, 6], drop: [4] },
    ],
    [
      "clear removes from both",
      [
        [[1, 2], "keep"],
        [[3, 4], "drop"],
        [[2, 3, 99], "clear"],
      ],
      { keep: [1], drop: [4] },
    ],
    [
      "keeping an already kept row changes nothing",
      [
        [[2, 8], "keep"],
        [[8], "keep"],
      ],
      { keep: [2, 8], drop: [] },
    ],
    [
      "interleaved inserts stay ascending",
      [
        [[10, 30], "keep"],
        [[20, 0, 40], "keep"],
      ],
      { keep: [0, 10, 20, 30, 40], drop: [] },
    ],
  ])("%s", (_name, steps, decisions) => {
    const spec = apply(steps);
    expect(spec.decisions).toEqual(decisions);
    for (const r of decisions.keep) expect(decisionOf(spec, r)).toBe("keep");
    for (const r of decisions.drop) expect(decisionOf(spec, r)).toBe("drop");
    expect(hasRefinements(spec)).toBe(decisions.keep.length + decisions.drop.length > 0);
  });

  it("decisionOf is null for undecided rows, including between and beyond the decided ones", () => {
    const spec = apply([
      [[0, 4, 8, 12, 16], "keep"],
      [[2, 6, 10], "drop"],
    ]);
    expect(Array.from({ length: 20 }, (_, r) => decisionOf(spec, r))).toEqual([
      "keep",
      null,
      "drop",
      null,
      "keep",
      null,
      "drop",
      null,
      "keep",
      null,
      "drop",
      null,
      "keep",
      null,
      null,
      null,
      "keep",
      null,
      null,
      null,
    ]);
  });

  it("does not mutate the input spec's lists", () => {
    const before = apply([[[1, 5], "keep"]]);
    const keep = before.decisions.keep;
    withDecision(before, [3], "keep");
    withDecision(before, [1], "drop");
    expect(keep).toEqual([1, 5]);
  });
});

describe("describeGate", () => {
  it.each<[Gate, string]>([
    [{ kind: "interval", source: EX, field: "explicit", lo: 0.5, hi: 2 }, "Explicit margin ∈ [0.5, 2]"],
    [{ kind: "interval", source: EX, field: "explicit", lo: 0.5, hi: null }, "Explicit margin ≥ 0.5"],
    [{ kind: "interval", source: IM, field: "absImplicit", lo: null, hi: 1.23456 }, "|Implicit margin| ≤ 1.235"],
    [{ kind: "interval", source: "h", field: "mAp", lo: -1, hi: 0 }, "M_AP ∈ [-1, 0]"],
    [{ kind: "interval", source: "h", field: "promptChars", lo: 123456, hi: null }, "Prompt length (chars) ≥ 1.235e+5"],
    [{ kind: "interval", source: "h", field: "score", lo: 0.0001, hi: null }, "Metric score ≥ 1.000e-4"],
    [{ kind: "interval", source: "h", field: "column:reward", lo: 0, hi: null }, "reward ≥ 0"],
    [rect("s"), "rectangle on Explicit margin × |Implicit margin|: [0, 1] × [0, 2]"],
    [lasso("s"), "lasso on Explicit margin × Implicit margin (3 points)"],
    [{ kind: "search", source: SEARCH_SOURCE, query: "cat", regex: false, caseSensitive: false }, 'search "cat"'],
    [{ kind: "search", source: SEARCH_SOURCE, query: "^a+", regex: true, caseSensitive: false }, "search /^a+/"],
    [
      { kind: "search", source: SEARCH_SOURCE, query: "Cat", regex: false, caseSensitive: true },
      'search "Cat" (case-sensitive)',
    ],
  ])("%j → %s", (gate, text) => {
    expect(describeGate(gate)).toBe(text);
  });

  it.each([
    ["zExplicit", "z(explicit margin)"],
    ["column:len", "len"],
    ["rejectedChars", "Rejected length (chars)"],
  ] as const)("fieldLabel(%s) = %s", (field, label) => {
    expect(fieldLabel(field)).toBe(label);
  });
});

describe("gateKey", () => {
  const gates: Gate[] = [
    { kind: "interval", source: EX, field: "explicit", lo: 0, hi: 1 },
    { kind: "interval", source: EX, field: "explicit", lo: 0, hi: null },
    { kind: "interval", source: EX, field: "explicit", lo: null, hi: 1 },
    { kind: "interval", source: EX, field: "explicit", lo: 0, hi: 2 },
    { kind: "interval", source: EX, field: "mAp", lo: 0, hi: 1 },
    rect("s"),
    rect("s", 0, 2),
    { ...rect("s"), x: "mAp" },
    lasso("s"),
    { ...lasso("s"), points: [0, 0, 1, 0, 1, 2] },
    { kind: "search", source: SEARCH_SOURCE, query: "a", regex: false, caseSensitive: false },
    { kind: "search", source: SEARCH_SOURCE, query: "a", regex: true, caseSensitive: false },
    { kind: "search", source: SEARCH_SOURCE, query: "a", regex: false, caseSensitive: true },
    { kind: "search", source: SEARCH_SOURCE, query: "b", regex: false, caseSensitive: false },
  ];

  it("gives gates of different meaning different keys", () => {
    const keys = gates.map(gateKey);
    expect(new Set(keys).size).toBe(gates.length);
  });

  it("ignores the owning source (same meaning, same predicate)", () => {
    expect(gateKey({ ...rect("a") })).toBe(gateKey({ ...rect("b") }));
    expect(gateKey({ kind: "interval", source: "a", field: "explicit", lo: 0, hi: 1 })).toBe(gateKey(gates[0]));
  });
});
