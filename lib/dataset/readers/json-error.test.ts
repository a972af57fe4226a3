import { describe, expect, it } from "vitest";
import { describeJsonType, locateJsonError, parseJson } from "@/lib/dataset/readers/json-error";

describe("locateJsonError", () => {
  it.each([
    ['{"a":1}', null],
    ['  [1, -2.5e3, "x\\u00e9\\n", true, false, null, {}]  ', null],
    [
      '{"a":}',
      {
        offset: 5,
        message: 'invalid JSON: expected a value (object, array, string, number, true, false or null), found "}"',
      },
    ],
    [
      '{"a":1',
      {
        offset: 6,
        message:
          "invalid JSON: expected ',' or '}' after a property value, found the end of the record (the record is cut short)",
      },
    ],
    ['{"a":1 "b":2}', { offset: 7, message: `invalid JSON: expected ',' or '}' after a property value, found "\\""` }],
    ["{a:1}", { offset: 1, message: 'invalid JSON: expected a property name in double quotes, found "a"' }],
    ['{"a":1,}', { offset: 7, message: 'invalid JSON: expected a property name in double quotes, found "}"' }],
    [
      "[1,2",
      {
        offset: 4,
        message:
          "invalid JSON: expected ',' or ']' after an array element, found the end of the record (the record is cut short)",
      },
    ],
    ['{"a" 1}', { offset: 5, message: `invalid JSON: expected ':' after the property name, found "1"` }],
    ['{"a":01}', { offset: 6, message: "invalid JSON: expected ',' or '}' after a property value, found \"1\"" }],
    ['{"a":1.}', { offset: 7, message: 'invalid JSON: expected a digit after the decimal point, found "}"' }],
    [
      '{"a":tru}',
      {
        offset: 5,
        message: 'invalid JSON: expected a value (object, array, string, number, true, false or null), found "t"',
      },
    ],
    [
      '{"a":"x\\q"}',
      {
        offset: 8,
        message: 'invalid JSON: expected an escape character (one of " \\ / b f n r t u) after "\\", found "q"',
      },
    ],
    ['{"a":"x\ty"}', { offset: 7, message: "invalid JSON: a tab inside a string must be escaped (e.g. \\n)" }],
    [
      '{"a":"abc',
      {
        offset: 9,
        message: `invalid JSON: expected the closing '"' of the string opened at character 6, found the end of the record (the record is cut short)`,
      },
    ],
    ['{"a":1} x', { offset: 8, message: 'invalid JSON: expected nothing after the JSON value, found "x"' }],
    [
      "",
      { offset: 0, message: "invalid JSON: expected a value, found the end of the record (the record is cut short)" },
    ],
  ])("%j", (text, expected) => {
    expect(locateJsonError(text)).toEqual(expected);
  });

  it("agrees with JSON.parse on which texts are valid", () => {
    const texts = [
      '{"a":[1,{"b":null}]}',
      '{"a":1e5}',
      '{"a":-0}',
      '{"a":"\\ud83d\\ude00"}',
      '{"a":1e}',
      '{"a":-}',
      "[,]",
      '{"a":[1,]}',
    ];
    for (const text of texts) {
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      expect(locateJsonError(text) === null, text).toBe(valid);
    }
  });
});

describe("parseJson", () => {
  it("returns the value or the located error", () => {
    expect(parseJson('{"a":[1]}')).toEqual({ ok: true, value: { a: [1] } });
    expect(parseJson('{"a":')).toEqual({
      ok: false,
      error: {
        offset: 5,
        message: "invalid JSON: expected a value, found the end of the record (the record is cut short)",
      },
    });
  });
});

describe("describeJsonType", () => {
  it.each([
    [null, "null"],
    [[1], "an array"],
    ["s", "a string"],
    [3, "a number"],
    [true, "a boolean"],
  ])("%j → %s", (value, expected) => {
    expect(describeJsonType(value)).toBe(expected);
  });
});
