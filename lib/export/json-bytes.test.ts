import { describe, expect, it } from "vitest";
import { appendMembers, hasLineBreak, jsonNumber, minifyJson } from "@/lib/export/json-bytes";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe("minifyJson", () => {
  it.each([
    ['{ "a" : 1.50 ,\n "b": [ 1e2, "x  y" ] }', '{"a":1.50,"b":[1e2,"x  y"]}'],
    ['{"s": "q\\" \\\\ ", "t": "é \\n"}', '{"s":"q\\" \\\\ ","t":"é \\n"}'],
    ["[ ]", "[]"],
  ])("%j → %j", (input, expected) => {
    expect(dec(minifyJson(enc(input)))).toBe(expected);
  });
});

describe("appendMembers", () => {
  it.each([
    ['{"a":1}', '{"a":1,"x":2}'],
    ["{}", '{"x":2}'],
    ["{ }", '{"x":2 }'],
    ['{\n  "a": [1]\n}\n', '{\n  "a": [1],"x":2\n}\n'],
  ])("%j → %j", (input, expected) => {
    expect(dec(appendMembers(enc(input), enc('"x":2')))).toBe(expected);
  });

  it("refuses a non-object", () => {
    expect(() => appendMembers(enc("[1]"), enc('"x":2'))).toThrow("expected a JSON object ending in '}'");
  });
});

describe("small helpers", () => {
  it.each([
    [0.1, "0.1"],
    [1 / 3, "0.3333333333333333"],
    [-2, "-2"],
    [NaN, "null"],
    [Infinity, "null"],
  ])("jsonNumber(%d) → %s", (value, expected) => {
    expect(jsonNumber(value)).toBe(expected);
  });

  it.each([
    ['{"a":1}', false],
    ['{"a":\n1}', true],
    ['{"a":1}\r', true],
  ])("hasLineBreak(%j) → %s", (text, expected) => {
    expect(hasLineBreak(enc(text))).toBe(expected);
  });
});
