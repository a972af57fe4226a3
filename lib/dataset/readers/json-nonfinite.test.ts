import { describe, expect, it } from "vitest";
import { BARE_TOKENS, replaceBareTokens } from "@/lib/dataset/readers/json-nonfinite";
import { DatasetSession } from "@/lib/workbench/session";
import { describeCoercion } from "@/lib/dataset/schema-extract";
import { openOk } from "@/test/source-helpers";

describe("replaceBareTokens", () => {
  it("reads NaN, Infinity and -Infinity values as null and names their top-level field", () => {
    const r = replaceBareTokens('{"a": NaN, "b": {"c": [1, Infinity]}, "d": -Infinity, "e": "NaN Infinity"}');
    expect(r?.tokens).toEqual([
      { field: "a", token: "NaN" },
      { field: "b", token: "Infinity" },
      { field: "d", token: "-Infinity" },
    ]);
    expect(JSON.parse(r!.text)).toEqual({ a: null, b: { c: [1, null] }, d: null, e: "NaN Infinity" });
  });

  it("leaves strings, escaped quotes and longer words alone", () => {
    expect(replaceBareTokens('{"a": "say \\"NaN\\"", "b": 1}')).toBeNull();
    expect(replaceBareTokens('{"a": NaNa}')).toBeNull();
  });
});

const LINES = [
  '{"prompt": "p0", "chosen": "c0", "rejected": "r0", "rm_margin": NaN, "logp_margin_norm": 0.1}',
  '{"prompt": "p1", "chosen": "c1", "rejected": "r1", "rm_margin": 0.5, "logp_margin_norm": -Infinity}',
  '{"prompt": "p2", "chosen": "c2", "rejected": "r2", "rm_margin": NaN, "logp_margin_norm": 0.3}',
];

describe("JSON Lines with Python's bare non-finite numbers", () => {
  it("opens, reads them as missing and counts them per field", async () => {
    const opened = await DatasetSession.open(new Blob([LINES.join("\n") + "\n"]), "py.jsonl");
    if (!opened.ok) throw new Error(opened.reason.message);
    const s = opened.data;
    expect(Array.from(s.margins().explicit)).toEqual([NaN, 0.5, NaN]);
    expect(Array.from(s.margins().implicit)).toEqual([0.1, NaN, 0.3]);
    const coercions = s.summary().coercions;
    expect(coercions).toEqual([
      { field: "rm_margin", kind: "non-finite number written as a bare token", rows: 2, example: "NaN" },
      { field: "logp_margin_norm", kind: "non-finite number written as a bare token", rows: 1, example: "-Infinity" },
    ]);
    expect(describeCoercion(coercions[0])).toBe(
      `field "rm_margin": 2 rows hold a bare NaN (Python's json.dumps, not JSON), read as missing`,
    );
  });

  it("exports the lines verbatim, tokens and all", async () => {
    const opened = await DatasetSession.open(new Blob([LINES.join("\n") + "\n"]), "py.jsonl");
    if (!opened.ok) throw new Error(opened.reason.message);
    const s = opened.data;
    s.select({ ...s.currentSpec(), ranking: { ...s.currentSpec().ranking, metric: "implicit", ratio: 1 } });
    const out = await s.exportSelection("jsonl", false);
    expect((await out.blob.text()).split("\n").filter(Boolean)).toEqual([LINES[0], LINES[2]]);
  });

  it("still refuses other syntax errors with line and column", async () => {
    const src = await openOk('{"a": 1}\n{"a": NaN, }\n', "bad.jsonl");
    const problem = await src.scan(() => undefined);
    expect(problem).toMatchObject({ file: "bad.jsonl", line: 2 });
  });

  it("marks the parsed record (symbol key, not a field)", async () => {
    const src = await openOk('{"a": NaN}\n', "one.jsonl");
    const [rec] = await src.getRecords([0]);
    expect(Object.keys(rec)).toEqual(["a"]);
    expect((rec as Record<symbol, unknown>)[BARE_TOKENS]).toEqual([{ field: "a", token: "NaN" }]);
  });
});
