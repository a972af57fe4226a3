import { describe, expect, it } from "vitest";
import {
  CsvColumnTyper,
  JsonText,
  csvNumber,
  stringifyJson,
  typeCsvCell,
  typeCsvRecord,
} from "@/lib/export/typed-values";

/** The types a column of these cells gets. */
const typeOf = (cells: string[]) => {
  const typer = new CsvColumnTyper(["c"]);
  for (const c of cells) typer.observe({ c });
  return typer.types().c;
};

describe("CsvColumnTyper", () => {
  it.each([
    [["1", "2.5", "-3e2", " 4 "], "number"],
    [["1", "", "NaN", "null"], "number"],
    [["+1", ".5", "007", "1."], "number"],
    [["true", "FALSE", "True", ""], "boolean"],
    [['["a"]', '{"k":1}', "[]", ""], "json"],
    [["1", "x"], "text"],
    [["8.0", "eight"], "text"],
    [["1", "true"], "text"],
    [["[1]", "1"], "text"],
    [["Infinity", "1"], "text"],
    [["0x10"], "text"],
    [["[not json"], "text"],
    [["", "NaN"], "text"],
    [[], "text"],
  ] as const)("%j → %s", (cells, expected) => {
    expect(typeOf([...cells])).toBe(expected);
  });
});

describe("csvNumber", () => {
  it.each([
    ["1.50", "1.50", 1.5],
    ["-0.25", "-0.25", -0.25],
    ["3", "3", 3],
    ["+1", "1", 1],
    [".5", "0.5", 0.5],
    ["1.", "1", 1],
    ["007", "7", 7],
    ["1E3", "1E3", 1000],
    [" 2 ", "2", 2],
    ["9007199254740993", "9007199254740993", 9007199254740993n],
    ["-12345678901234567890123", "-12345678901234567890123", -12345678901234567890123n],
    ["+0009007199254740993", "9007199254740993", 9007199254740993n],
  ] as const)("%j → JSON %s, value %s", (cell, json, value) => {
    const n = csvNumber(cell);
    expect(n.text).toBe(json);
    expect(n.value).toBe(value);
  });
});

describe("typeCsvCell", () => {
  it.each([
    ["", "number", null],
    ["NaN", "number", null],
    ["null", "boolean", null],
    ["TRUE", "boolean", true],
    ["false", "boolean", false],
    ["", "json", null],
    ["", "text", ""],
    ["NaN", "text", "NaN"],
    ["  spaced  ", "text", "  spaced  "],
  ] as const)("%j as %s → %j", (cell, type, expected) => {
    expect(typeCsvCell(cell, type)).toEqual(expected);
  });

  it("keeps a JSON cell's text (minified when it spans lines) with its parsed value", () => {
    const cell = typeCsvCell('[\n  {"role": "user", "content": "a b"},\n  1.50\n]', "json") as JsonText;
    expect(cell).toBeInstanceOf(JsonText);
    expect(cell.text).toBe('[{"role":"user","content":"a b"},1.50]');
    expect(cell.value).toEqual([{ role: "user", content: "a b" }, 1.5]);
  });

  it("types a record in field order; a field the record lacks is null", () => {
    const record = typeCsvRecord({ b: "2", a: "x" }, ["a", "b", "c"], { a: "text", b: "number", c: "number" });
    expect(Object.keys(record)).toEqual(["a", "b", "c"]);
    expect(stringifyJson(record)).toBe('{"a":"x","b":2,"c":null}');
  });
});

describe("stringifyJson", () => {
  it.each([
    [null, "null"],
    [undefined, "null"],
    [1.5, "1.5"],
    [NaN, "null"],
    [-Infinity, "null"],
    [2n ** 60n + 1n, "1152921504606846977"],
    [[1n, null, "s"], '[1,null,"s"]'],
    [{ a: 1, skip: undefined, b: [true, false] }, '{"a":1,"b":[true,false]}'],
    [new Float64Array([0.5, 2]), "[0.5,2]"],
    [new BigInt64Array([-(2n ** 62n)]), "[-4611686018427387904]"],
    [new Date(Date.UTC(2024, 0, 2)), '"2024-01-02T00:00:00.000Z"'],
    [new JsonText("1.50", 1.5), "1.50"],
    ['quote " and \n', '"quote \\" and \\n"'],
  ])("%o → %s", (value, expected) => {
    expect(stringifyJson(value)).toBe(expected);
  });

  it("matches JSON.stringify on plain JSON values", () => {
    const value = { s: "é\u2028", n: [0, -0, 1e21, 1e-7], o: { "": {}, k: [[]] }, t: true };
    expect(stringifyJson(value)).toBe(JSON.stringify(value));
  });

  it("ignores symbol keys (a planned row's pair pick)", () => {
    expect(stringifyJson({ a: 1, [Symbol.for("x")]: 2 })).toBe('{"a":1}');
  });
});
