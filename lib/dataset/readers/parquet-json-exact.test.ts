/**
 * Parquet JSON columns read exactly: integer literals beyond ±2^53 nested in them are BigInts, as in JSON records,
 * never doubles rounded by hyparquet's default `JSON.parse`.
 */
import { describe, expect, it } from "vitest";
import { ByteWriter, ParquetWriter, type SchemaElement } from "hyparquet-writer";
import { parseJsonExact } from "@/lib/dataset/readers/json-record-scan";
import { exportRows } from "@/lib/export/export";
import { openOk, scanAll } from "@/test/source-helpers";

const BIG = 2n ** 60n + 1n; // beyond 2^53, within int64
const ODD = 2n ** 53n + 1n; // the first integer a double can't hold
const HUGE = 2n ** 70n + 3n; // beyond int64

/**
 * A Parquet file with one JSON column `j` holding each text's bytes as written (hyparquet-writer would re-stringify
 * values through doubles), and an INT64 column `n` of row numbers.
 */
function jsonParquet(texts: (string | null)[]): ArrayBuffer {
  const utf8 = new TextEncoder();
  const schema: SchemaElement[] = [
    { name: "root", num_children: 2 },
    { name: "j", type: "BYTE_ARRAY", repetition_type: "OPTIONAL" },
    { name: "n", type: "INT64", repetition_type: "REQUIRED" },
  ];
  const out = new ByteWriter();
  const writer = new ParquetWriter({ writer: out, schema });
  writer.write({
    columnData: [
      { name: "j", data: texts.map((t) => (t === null ? null : utf8.encode(t))) },
      { name: "n", data: texts.map((_, i) => BigInt(i)) },
    ],
  });
  // Marked JSON only now, so the writer took the bytes as they are; the footer, written by finish(), says JSON.
  Object.assign(schema[1], { converted_type: "JSON", logical_type: { type: "JSON" } });
  writer.finish();
  return out.getBuffer();
}

describe("parseJsonExact", () => {
  it.each([
    ["an object", `{"id":${BIG},"n":1}`, { id: BIG, n: 1 }],
    ["a list", `[${ODD},2,-${BIG}]`, [ODD, 2, -BIG]],
    ["a bare integer", ` ${HUGE} `, HUGE],
    ["a nested list in an object", `{"a":{"b":[1,{"c":${HUGE}}]}}`, { a: { b: [1, { c: HUGE }] } }],
    ["safe integers only", `{"id":${Number.MAX_SAFE_INTEGER}}`, { id: Number.MAX_SAFE_INTEGER }],
    ["a float beyond 2^53", `[1e30,${2 ** 60}.5]`, [1e30, 2 ** 60 + 0.5]],
    ["a string of digits", `"${BIG}"`, `${BIG}`],
    ["a key written twice (last wins)", `{"id":${BIG},"id":${ODD}}`, { id: ODD }],
    ["null", "null", null],
  ])("%s", (_, text, expected) => {
    expect(parseJsonExact(text)).toEqual(expected);
  });

  it("throws as JSON.parse does on bad text", () => {
    expect(() => parseJsonExact(`{"id":${BIG}`)).toThrow(SyntaxError);
  });
});

describe("Parquet JSON columns through the source", () => {
  const texts = [`{"id":${BIG}}`, `[${ODD}]`, `{"meta":{"seed":${HUGE},"n":1},"list":[${BIG},2]}`, null, "7"];
  const expected = [
    { j: { id: BIG }, n: 0 },
    { j: [ODD], n: 1 },
    { j: { meta: { seed: HUGE, n: 1 }, list: [BIG, 2] }, n: 2 },
    { j: null, n: 3 },
    { j: 7, n: 4 },
  ];

  it("a scan yields nested integers beyond 2^53 as exact BigInts", async () => {
    const source = await openOk(new Blob([jsonParquet(texts)]), "j.parquet");
    expect(source.fields).toEqual(["j", "n"]);
    expect(await scanAll(source)).toEqual({ records: expected, problem: null });
  });

  it("getRecords yields the same exact values, in the order asked", async () => {
    const source = await openOk(new Blob([jsonParquet(texts)]), "j.parquet");
    expect(await source.getRecords([2, 0, 1])).toEqual([expected[2], expected[0], expected[1]]);
  });

  it("a JSON column's text that isn't JSON names the row group", async () => {
    const source = await openOk(new Blob([jsonParquet([`{"id":${BIG}`])]), "bad.parquet");
    const { problem } = await scanAll(source);
    expect(problem).toMatchObject({ file: "bad.parquet", row: 0 });
    expect(problem?.message).toMatch(/^could not read row group 1 of 1: .*JSON/);
  });

  it("Parquet → JSON Lines writes the nested digits exactly", async () => {
    const source = await openOk(new Blob([jsonParquet(texts)]), "j.parquet");
    const out = new TextDecoder().decode(await (await exportRows(source, [0, 1, 2, 3, 4], "jsonl")).arrayBuffer());
    expect(out).toBe(
      [
        `{"j":{"id":${BIG}},"n":0}`,
        `{"j":[${ODD}],"n":1}`,
        `{"j":{"meta":{"seed":${HUGE},"n":1},"list":[${BIG},2]},"n":2}`,
        `{"j":null,"n":3}`,
        `{"j":7,"n":4}`,
      ].join("\n") + "\n",
    );
  });
});

describe("JSON Lines → Parquet export → Parquet read", () => {
  const lines = [
    `{"id":${BIG},"meta":{"seed":${HUGE},"n":1},"list":[${BIG},2]}`,
    `{"id":1,"meta":{"seed":1,"n":2},"list":[]}`,
    `{"id":2,"meta":null,"list":[${-ODD}]}`,
  ];

  it("keeps nested integers' digits as BigInts in the records", async () => {
    const jsonl = await openOk(lines.join("\n") + "\n", "big.jsonl");
    const parquet = await openOk(await exportRows(jsonl, [0, 1, 2], "parquet"), "big.parquet");
    const { records, problem } = await scanAll(parquet);
    expect(problem).toBeNull();
    // The top-level INT64 beyond 2^53 is decimal text in a Parquet record (toPlainValue); nested ones are BigInts.
    expect(records).toEqual([
      { id: `${BIG}`, meta: { seed: HUGE, n: 1 }, list: [BIG, 2] },
      { id: 1, meta: { seed: 1, n: 2 }, list: [] },
      { id: 2, meta: null, list: [-ODD] },
    ]);
    expect((await scanAll(jsonl)).records).toEqual([
      { id: BIG, meta: { seed: HUGE, n: 1 }, list: [BIG, 2] },
      { id: 1, meta: { seed: 1, n: 2 }, list: [] },
      { id: 2, meta: null, list: [-ODD] },
    ]);
  });

  it("and back to JSON Lines gives the original lines", async () => {
    const jsonl = await openOk(lines.join("\n") + "\n", "big.jsonl");
    const parquet = await openOk(await exportRows(jsonl, [0, 1, 2], "parquet"), "big.parquet");
    const out = new TextDecoder().decode(await (await exportRows(parquet, [0, 1, 2], "jsonl")).arrayBuffer());
    expect(out).toBe(lines.join("\n") + "\n");
  });

  it("and Parquet → Parquet (the same-format export) keeps them too, with the JSON types in the footer", async () => {
    const jsonl = await openOk(lines.join("\n") + "\n", "big.jsonl");
    const parquet = await openOk(await exportRows(jsonl, [0, 1, 2], "parquet"), "big.parquet");
    const again = await openOk(await exportRows(parquet, [2, 0], "parquet"), "again.parquet");
    const { records } = await scanAll(again);
    expect(records).toEqual([
      { id: 2, meta: null, list: [-ODD] },
      { id: `${BIG}`, meta: { seed: HUGE, n: 1 }, list: [BIG, 2] },
    ]);
    const out = new TextDecoder().decode(await (await exportRows(again, [0, 1], "jsonl")).arrayBuffer());
    expect(out).toBe([lines[2], lines[0]].join("\n") + "\n");
  });
});
