/**
 * JSON records with integer literals beyond ±2^53 (read as exact BigInts) exported to Parquet, JSON and CSV: an
 * int64 column is INT64, a wider one its digits as text, nested ones exact JSON digits; never a rounded double.
 */
import { describe, expect, it } from "vitest";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { exportRows } from "@/lib/export/export";
import { openOk, scanAll } from "@/test/source-helpers";

const BIG = 2n ** 60n + 1n; // beyond 2^53, within int64
const HUGE = 2n ** 70n + 3n; // beyond int64
const NEG = -(2n ** 62n) - 5n;

/** JSON Lines whose integers are beyond ±2^53, at the top level and nested; `mixed` also holds ordinary numbers. */
const LINES = [
  `{"id":${BIG},"mixed":${BIG},"wide":${HUGE},"meta":{"seed":${HUGE},"n":1},"list":[${BIG},2]}`,
  `{"id":${NEG},"mixed":7,"wide":${-HUGE},"meta":{"seed":1,"n":2},"list":[]}`,
  `{"id":${BIG + 1n},"mixed":-3,"wide":null,"meta":null,"list":[${NEG}]}`,
];
const JSONL = LINES.join("\n") + "\n";
const ROWS = [0, 1, 2];

const decoder = new TextDecoder();
const text = async (blob: Blob) => decoder.decode(await blob.arrayBuffer());

describe("exact integers from JSON records", () => {
  it("JSON Lines → Parquet: INT64 when every integer fits, text digits beyond int64, nested as exact JSON", async () => {
    const source = await openOk(JSONL, "big.jsonl");
    const buffer = await (await exportRows(source, ROWS, "parquet")).arrayBuffer();
    const schema = parquetMetadata(buffer).schema;
    const types = Object.fromEntries(schema.slice(1).map((e) => [e.name, [e.type, e.converted_type]]));
    expect(types).toEqual({
      id: ["INT64", undefined],
      mixed: ["INT64", undefined],
      wide: ["BYTE_ARRAY", "UTF8"],
      meta: ["BYTE_ARRAY", "JSON"],
      list: ["BYTE_ARRAY", "JSON"],
    });
    const rows = await parquetReadObjects({ file: buffer, parsers: { jsonFromBytes: (b) => decoder.decode(b) } });
    expect(rows).toEqual([
      { id: BIG, mixed: BIG, wide: HUGE.toString(), meta: `{"seed":${HUGE},"n":1}`, list: `[${BIG},2]` },
      { id: NEG, mixed: 7n, wide: (-HUGE).toString(), meta: '{"seed":1,"n":2}', list: "[]" },
      { id: BIG + 1n, mixed: -3n, wide: null, meta: null, list: `[${NEG}]` },
    ]);
  });

  it("JSON columns carry the logical type JSON as well as the converted type", async () => {
    const source = await openOk(JSONL, "big.jsonl");
    const schema = parquetMetadata(await (await exportRows(source, ROWS, "parquet")).arrayBuffer()).schema;
    expect(schema.find((e) => e.name === "meta")).toMatchObject({
      converted_type: "JSON",
      logical_type: { type: "JSON" },
    });
  });

  // One column `v` per case: its literals, the Parquet type it gets, and what hyparquet reads back.
  it.each([
    ["every value beyond 2^53, within int64", [`${BIG}`, `${NEG}`], "INT64", [BIG, NEG]],
    ["every value beyond int64", [`${HUGE}`, `${-HUGE}`], "UTF8", [`${HUGE}`, `${-HUGE}`]],
    ["ordinary integers and one beyond 2^53", ["1", `${BIG}`, "-2"], "INT64", [1n, BIG, -2n]],
    ["fractions and an integer a double holds", ["1.5", `${2n ** 60n}`], "DOUBLE", [1.5, 2 ** 60]],
    ["fractions and an integer a double can't hold", ["1.5", `${BIG}`, "2"], "UTF8", ["1.5", `${BIG}`, "2"]],
    ["an integer beyond int64 and a string", [`${HUGE}`, '"x"'], "JSON", [`${HUGE}`, '"x"']],
  ] as const)("a column of %s → %s", async (_, literals, type, expected) => {
    const source = await openOk(literals.map((l) => `{"v":${l}}\n`).join(""), "v.jsonl");
    const buffer = await (await exportRows(source, [...literals.keys()], "parquet")).arrayBuffer();
    const element = parquetMetadata(buffer).schema[1];
    expect(element.converted_type ?? element.type).toBe(type);
    const rows = await parquetReadObjects({ file: buffer, parsers: { jsonFromBytes: (b) => decoder.decode(b) } });
    expect(rows.map((r) => r.v)).toEqual(expected);
  });

  it.each(["jsonl", "json"] as const)("JSON Lines → %s keeps every literal's digits", async (format) => {
    const source = await openOk(JSONL, "big.jsonl");
    const out = await text(
      await exportRows(source, ROWS, format, [{ name: "m", values: new Float64Array([1, 2, 3]) }]),
    );
    const expected = LINES.map((l, i) => l.slice(0, -1) + `,"m":${i + 1}}`);
    expect(out).toBe(format === "jsonl" ? expected.join("\n") + "\n" : `[\n${expected.join(",\n")}\n]\n`);
  });

  it("JSON array → JSON Lines (records re-written) keeps every literal's digits", async () => {
    const pretty = `[\n${LINES.map((l) => "  " + l.replace(/,/g, ",\n    ")).join(",\n")}\n]\n`;
    const source = await openOk(pretty, "big.json");
    expect(await text(await exportRows(source, ROWS, "jsonl"))).toBe(JSONL);
  });

  it.each(["csv", "tsv"] as const)("JSON Lines → %s writes exact digits in cells and nested JSON", async (format) => {
    const source = await openOk(JSONL, "big.jsonl");
    const back = await openOk(await exportRows(source, ROWS, format), `big.${format}`);
    expect((await scanAll(back)).records).toEqual([
      { id: `${BIG}`, mixed: `${BIG}`, wide: `${HUGE}`, meta: `{"seed":${HUGE},"n":1}`, list: `[${BIG},2]` },
      { id: `${NEG}`, mixed: "7", wide: `${-HUGE}`, meta: '{"seed":1,"n":2}', list: "[]" },
      { id: `${BIG + 1n}`, mixed: "-3", wide: "", meta: "", list: `[${NEG}]` },
    ]);
  });

  it("the Parquet export read back → JSON Lines gives the same top-level digits", async () => {
    const source = await openOk(JSONL, "big.jsonl");
    const parquet = await openOk(await exportRows(source, ROWS, "parquet"), "big.parquet");
    const out = await text(await exportRows(parquet, ROWS, "jsonl"));
    expect(out).toContain(`"id":${BIG},"mixed":${BIG},"wide":"${HUGE}"`);
  });
});
