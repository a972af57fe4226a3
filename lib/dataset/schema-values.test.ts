import { describe, expect, it } from "vitest";
import {
  JUDGE_LOGIT_CLAMP,
  asList,
  clampedLogit,
  describeValue,
  isMissing,
  readNumber,
  readNumberList,
} from "@/lib/dataset/schema-values";

describe("readNumber", () => {
  it.each([
    [0.25, 0.25],
    [-3, -3],
    [0, 0],
    ["1.5", 1.5],
    [" -2e-3 ", -0.002],
    [".5", 0.5],
  ])("%j reads as %d", (cell, want) => {
    expect(readNumber(cell)).toEqual({ ok: true, value: want });
  });

  it("a bigint (Parquet INT64) reads as a number", () => {
    expect(readNumber(BigInt(7))).toEqual({ ok: true, value: 7 });
    expect(readNumber(BigInt(Number.MAX_SAFE_INTEGER))).toEqual({ ok: true, value: Number.MAX_SAFE_INTEGER });
    expect(readNumber(-BigInt(Number.MAX_SAFE_INTEGER))).toEqual({ ok: true, value: -Number.MAX_SAFE_INTEGER });
  });

  it("a bigint beyond ±2^53 is refused, naming the value, not rounded", () => {
    const r = readNumber(BigInt(Number.MAX_SAFE_INTEGER) + BigInt(2));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain("9007199254740993");
    expect(readNumber(-(BigInt(2) ** BigInt(60))).ok).toBe(false);
  });

  it("integer text beyond ±2^53 (a CSV cell, Parquet INT64 digits) is refused the same way", () => {
    expect(readNumber("9007199254740993")).toEqual({
      ok: false,
      message:
        "expected a number a float64 holds exactly, got the integer 9007199254740993 (beyond ±2^53; write it as a float)",
    });
    expect(readNumber(" -12345678901234567890 ").ok).toBe(false);
    expect(readNumber("9007199254740991")).toEqual({ ok: true, value: 9007199254740991 });
    // A float written with many digits is a float: read as the nearest double, as Python's float() does.
    expect(readNumber("9007199254740993.0")).toEqual({ ok: true, value: 9007199254740992 });
  });

  it.each([[null], [undefined], [""], ["  "], ["NaN"], ["nan"], ["null"], [NaN]])(
    "%j is missing (NaN, never 0)",
    (cell) => {
      const r = readNumber(cell);
      expect(r.ok && Number.isNaN(r.value)).toBe(true);
      expect(isMissing(cell)).toBe(true);
    },
  );

  it.each([
    ["abc", 'expected a number (or null for missing), got string "abc"'],
    ["0x10", 'expected a number (or null for missing), got string "0x10"'],
    ["1.5.2", 'expected a number (or null for missing), got string "1.5.2"'],
    [true, "expected a number (or null for missing), got boolean true"],
    [{ a: 1 }, 'expected a number (or null for missing), got an object with keys "a"'],
    [[1, 2], "expected a number (or null for missing), got a list of 2 items"],
    [Infinity, "expected a finite number (or null for missing), got Infinity"],
  ])("%j is an error", (cell, message) => {
    expect(readNumber(cell)).toEqual({ ok: false, message });
  });
});

describe("lists and descriptions", () => {
  it.each([
    [
      [1, 2],
      [1, 2],
    ],
    ["[0.1, 0.2]", [0.1, 0.2]],
    [new Float32Array([0.5, 0.25]), [0.5, 0.25]],
    ["not a list", null],
    ["[broken", null],
    [3, null],
  ])("asList(%j)", (cell, want) => {
    expect(asList(cell)).toEqual(want);
  });

  it("readNumberList keeps missing entries as NaN and names a bad item", () => {
    expect(readNumberList([1, null, "2"])).toEqual({ ok: true, values: [1, NaN, 2] });
    expect(readNumberList([1, "x"])).toEqual({
      ok: false,
      message: 'item 1: expected a number (or null for missing), got string "x"',
    });
    expect(readNumberList("text")).toEqual({ ok: false, message: 'expected a list of numbers, got string "text"' });
  });

  it("describeValue shortens long strings", () => {
    expect(describeValue("x".repeat(50))).toBe(`string "${"x".repeat(40)}…"`);
    expect(describeValue(undefined)).toBe("nothing (field absent)");
  });

  it.each([
    [0.5, 0],
    [0.9974304233, Math.log(0.9974304233 / 0.0025695767)],
    [1, JUDGE_LOGIT_CLAMP],
    [0, -JUDGE_LOGIT_CLAMP],
  ])("clampedLogit(%d) = %d", (p, want) => {
    expect(clampedLogit(p)).toBeCloseTo(want, 9);
  });

  it("the clamp is logit(1 − 1e-6) ≈ 13.8155", () => {
    expect(JUDGE_LOGIT_CLAMP).toBeCloseTo(13.815509557963773, 9);
  });
});
