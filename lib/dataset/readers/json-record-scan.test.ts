import { describe, expect, it } from "vitest";
import { DUPLICATE_KEYS, keyColonCount, parsedShape, scanRecordText } from "@/lib/dataset/readers/json-record-scan";
import { DatasetSession } from "@/lib/workbench/session";
import { describeDuplicateKey } from "@/lib/workbench/plan-text";
import { formatProblem } from "@/lib/dataset/types";
import { openOk } from "@/test/source-helpers";

describe("keyColonCount and parsedShape", () => {
  it.each([
    ['{"a": 1, "b": {"c": 2}}', 3, 3],
    ['{"a" : 1,\n "b"\t:[{"c":2},{"c":3}]}', 4, 4],
    // A string holding `":` counts as a key-like colon (never fewer than the keys written), Human: does not.
    ['{"a": "say \\"x\\": y", "h": "Human: hi"}', 3, 2],
    ['{"a": 1, "a": 2}', 2, 1],
  ])("%s → %i colons, %i parsed keys", (text, colons, keys) => {
    expect(keyColonCount(text)).toBe(colons);
    expect(parsedShape(JSON.parse(text)).keys).toBe(keys);
  });

  it.each([
    ['{"a": 9007199254740991, "b": [-9007199254740991]}', false],
    ['{"a": 9007199254740992}', true],
    ['{"a": {"b": [1, -12345678901234567890]}}', true],
    ['{"a": 1e30}', true],
    ['{"id": "12345678901234567890"}', false],
  ])("%s: a number beyond ±(2^53 − 1) is %s", (text, large) => {
    expect(parsedShape(JSON.parse(text)).large).toBe(large);
  });
});

describe("scanRecordText", () => {
  it.each([
    ['{"score": 1, "score": 2}', ["score"]],
    ['{"a": 1, "b": 2}', []],
    ['{"meta": {"x": 1, "x": 2}, "x": 3}', ["meta.x"]],
    ['{"chosen": [{"role": "a", "content": "x", "content": "y"}]}', ["chosen[].content"]],
    ['{"a\\u0062": 1, "ab": 2}', ["ab"]],
    ['{"a": "\\"a\\": 1", "a": 2, "a": 3}', ["a"]],
    ['{"s": NaN, "s": 1}', ["s"]],
    ['{"l": [{"k": 1}, {"k": 2}]}', []],
  ])("%s has duplicate keys %j", (text, duplicates) => {
    expect(scanRecordText(text).duplicates).toEqual(duplicates);
  });

  it("lists integers beyond ±(2^53 − 1) with their paths, not floats, strings or safe integers", () => {
    const text =
      '{"a": 9007199254740993, "b": [1, -12345678901234567890], "c": {"d": 9007199254740991}, ' +
      '"e": 12345678901234567890.0, "f": "12345678901234567890", "g": 1e30, "h": {"i": [9007199254740992]}}';
    expect(scanRecordText(text).integers).toEqual([
      { path: ["a"], literal: "9007199254740993" },
      { path: ["b", 1], literal: "-12345678901234567890" },
      { path: ["h", "i", 0], literal: "9007199254740992" },
    ]);
  });

  it("drops an integer whose key is written again later (JSON.parse kept the later value)", () => {
    expect(scanRecordText('{"a": 12345678901234567890, "a": 1}').integers).toEqual([]);
    expect(scanRecordText('{"a": 1, "a": 12345678901234567890}').integers).toEqual([
      { path: ["a"], literal: "12345678901234567890" },
    ]);
  });
});

describe("JSON readers mark what JSON.parse changed", () => {
  it("lists duplicate keys on the record (last value kept) and keeps integers beyond 2^53 exact, as BigInts", async () => {
    const src = await openOk(
      '{"score": 1, "score": 2, "id": 12345678901234567890, "m": {"l": [1, -9007199254740993]}}\n{"x": 1}\n',
      "d.jsonl",
    );
    const [rec, plain] = await src.getRecords([0, 1]);
    expect({ ...rec }).toMatchObject({ score: 2, id: 12345678901234567890n, m: { l: [1, -9007199254740993n] } });
    expect(Object.keys(rec)).toEqual(["score", "id", "m"]);
    expect((rec as Record<symbol, unknown>)[DUPLICATE_KEYS]).toEqual(["score"]);
    expect(plain).toEqual({ x: 1 });
    expect((plain as Record<symbol, unknown>)[DUPLICATE_KEYS]).toBeUndefined();
  });

  it("does the same for the elements of a JSON array", async () => {
    const src = await openOk('[\n  {"a": 1,\n   "a": 2},\n  {"a": 3}\n]\n', "d.json");
    const [rec] = await src.getRecords([0]);
    expect((rec as Record<symbol, unknown>)[DUPLICATE_KEYS]).toEqual(["a"]);
  });
});

const TRL = (i: number, extra: string) => `{"prompt": "p${i}", "chosen": "c${i}", "rejected": "r${i}"${extra}}`;

describe("a session over JSON with duplicate keys and long integers", () => {
  it("counts the rows with a duplicate key per field and describes them", async () => {
    const lines = [
      TRL(0, ', "rm_margin": 1, "rm_margin": 5'),
      TRL(1, ', "rm_margin": 2'),
      TRL(2, ', "rm_margin": 3, "rm_margin": 6, "meta": {"k": 1, "k": 2}'),
      TRL(3, ', "rm_margin": 4, "rm_margin": 7, "rm_margin": 8'),
    ];
    const opened = await DatasetSession.open(new Blob([lines.join("\n") + "\n"]), "dup.jsonl");
    if (!opened.ok) throw new Error(opened.reason.message);
    const s = opened.data;
    expect(Array.from(s.margins().explicit)).toEqual([5, 2, 6, 8]);
    const counts = s.summary().duplicateKeys;
    expect(counts).toEqual([
      { field: "rm_margin", rows: 3, firstRow: 0, firstLine: 1 },
      { field: "meta.k", rows: 1, firstRow: 2, firstLine: 3 },
    ]);
    expect(describeDuplicateKey(counts[0])).toBe(
      `3 rows have a duplicate key "rm_margin": the last value is used, as JSON.parse and Python's json do (first: line 1)`,
    );
  });

  it("refuses an integer beyond 2^53 in a margin field, naming file, line, field and the literal", async () => {
    const lines = [TRL(0, ', "rm_margin": 1'), TRL(1, ', "rm_margin": 9007199254740993')];
    const opened = await DatasetSession.open(new Blob([lines.join("\n") + "\n"]), "big.jsonl");
    expect(opened.ok).toBe(false);
    if (opened.ok) return;
    expect(opened.reason).toMatchObject({ file: "big.jsonl", line: 2, field: "rm_margin" });
    expect(formatProblem(opened.reason)).toContain("9007199254740993");
    expect(formatProblem(opened.reason)).toContain("beyond ±2^53");
  });

  it("refuses one in a score list too, and accepts one in a field that is not read as a number", async () => {
    const multi = [
      '{"prompt": "p", "all_generated_responses": ["a", "b"], "all_rm_scores": [1, 12345678901234567890]}',
    ];
    const m = await DatasetSession.open(new Blob([multi.join("\n") + "\n"]), "multi.jsonl");
    expect(m.ok).toBe(false);
    if (!m.ok) expect(formatProblem(m.reason)).toMatch(/multi\.jsonl, line 1.*all_rm_scores.*12345678901234567890/);
    const ids = [TRL(0, ', "id": 12345678901234567890, "rm_margin": 1'), TRL(1, ', "id": 2, "rm_margin": 2')];
    const ok = await DatasetSession.open(new Blob([ids.join("\n") + "\n"]), "ids.jsonl");
    expect(ok.ok).toBe(true);
    if (!ok.ok) return;
    // The same field as a numeric axis or gate column is a number field: refused there, naming it.
    const problem = await ok.data.prepare(ok.data.currentSpec(), ["column:id"]);
    expect(problem).toMatchObject({ file: "ids.jsonl", line: 1, field: "id" });
    expect(problem?.message).toContain("12345678901234567890");
  });
});
