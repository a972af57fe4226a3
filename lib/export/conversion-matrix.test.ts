/**
 * Every input format exported to every format: each column's values and types. One table is written as CSV, JSON
 * Lines, a JSON array and Parquet; each export is read back with a plain reader of the output format (JSON.parse,
 * hyparquet, our CSV reader for cells) and compared with the table, so a CSV number is a number in JSON, a Parquet
 * INT64 beyond 2^53 keeps its digits, booleans stay booleans and missing stays null.
 */
import { describe, expect, it } from "vitest";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { parquetWriteBuffer } from "hyparquet-writer";
import type { DatasetFormat } from "@/lib/dataset/types";
import { exportRows } from "@/lib/export/export";
import { openOk, scanAll } from "@/test/source-helpers";

/** Integers a double cannot hold (2^60 + 1, 2^53 + 1), and a small one. */
const IDS = [2n ** 60n + 1n, 2n, 2n ** 53n + 1n];

interface Row {
  prompt: string;
  chosen: string;
  rejected: string;
  score: number | null;
  count: number;
  flag: boolean | null;
  tags: string[] | null;
  note: string;
  id: bigint;
}

const TABLE: Row[] = [
  {
    prompt: "q0",
    chosen: "a0",
    rejected: "b0",
    score: 1.5,
    count: 3,
    flag: true,
    tags: ["x", "y"],
    note: 'say "hi", twice',
    id: IDS[0],
  },
  {
    prompt: "q1",
    chosen: "a1",
    rejected: "b1",
    score: -0.25,
    count: 0,
    flag: false,
    tags: [],
    note: "line1\nline2",
    id: IDS[1],
  },
  { prompt: "q2", chosen: "a2", rejected: "b2", score: null, count: -7, flag: null, tags: null, note: "", id: IDS[2] },
];
const FIELDS = ["prompt", "chosen", "rejected", "score", "count", "flag", "tags", "note", "id"] as const;

/** A row as JSON text, the id as its exact digits. */
const jsonLine = (r: Row) => JSON.stringify({ ...r, id: "@ID@" }).replace('"@ID@"', r.id.toString());

const SOURCES: Record<Exclude<DatasetFormat, "tsv">, () => Uint8Array | string> = {
  jsonl: () => TABLE.map(jsonLine).join("\n") + "\n",
  json: () => `[\n  ${TABLE.map(jsonLine).join(",\n  ")}\n]\n`,
  csv: () =>
    "prompt,chosen,rejected,score,count,flag,tags,note,id\n" +
    `q0,a0,b0,1.5,3,true,"[""x"",""y""]","say ""hi"", twice",${IDS[0]}\n` +
    `q1,a1,b1,-0.25,0,false,[],"line1\nline2",${IDS[1]}\n` +
    `q2,a2,b2,,-7,,,,${IDS[2]}\n`,
  parquet: () => {
    const utf8 = { type: "BYTE_ARRAY" as const, converted_type: "UTF8" as const, repetition_type: "REQUIRED" as const };
    const buffer = parquetWriteBuffer({
      schema: [
        { name: "root", num_children: FIELDS.length },
        { name: "prompt", ...utf8 },
        { name: "chosen", ...utf8 },
        { name: "rejected", ...utf8 },
        { name: "score", type: "DOUBLE", repetition_type: "OPTIONAL" },
        { name: "count", type: "INT64", repetition_type: "REQUIRED" },
        { name: "flag", type: "BOOLEAN", repetition_type: "OPTIONAL" },
        { name: "tags", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        { name: "element", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
        { name: "note", ...utf8 },
        { name: "id", type: "INT64", repetition_type: "REQUIRED" },
      ],
      columnData: FIELDS.map((name) => ({
        name,
        data: TABLE.map((r) => (name === "count" ? BigInt(r.count) : r[name])),
      })),
    });
    return new Uint8Array(buffer);
  },
};

const NAMES: Record<DatasetFormat, string> = {
  jsonl: "t.jsonl",
  json: "t.json",
  csv: "t.csv",
  tsv: "t.tsv",
  parquet: "t.parquet",
};

const text = async (blob: Blob) => new TextDecoder().decode(await blob.arrayBuffer());

/** Each row of a JSON Lines text or JSON array text, with the id literal taken from the text (JSON.parse rounds it). */
function readJson(output: string, format: "jsonl" | "json"): { values: Record<string, unknown>[]; ids: string[] } {
  const values =
    format === "jsonl"
      ? output
          .trimEnd()
          .split("\n")
          .map((l) => JSON.parse(l))
      : JSON.parse(output);
  const ids = [...output.matchAll(/"id":(-?\d+)/g)].map((m) => m[1]);
  return { values, ids };
}

/** What a row's cells read as text in a CSV/TSV export (our CSV reader keeps cells as strings). */
const cellsOf = (r: Row) => ({
  prompt: r.prompt,
  chosen: r.chosen,
  rejected: r.rejected,
  score: r.score === null ? "" : String(r.score),
  count: String(r.count),
  flag: r.flag === null ? "" : String(r.flag),
  tags: r.tags === null ? "" : JSON.stringify(r.tags),
  note: r.note,
  id: r.id.toString(),
});

const ROWS = [0, 1, 2];
const INPUTS = Object.keys(SOURCES) as (keyof typeof SOURCES)[];
const OUTPUTS: DatasetFormat[] = ["jsonl", "json", "csv", "tsv", "parquet"];
const MATRIX = INPUTS.flatMap((from) => OUTPUTS.map((to) => [from, to] as const));

describe("conversion matrix: every column's values and types", () => {
  it.each(MATRIX)("%s → %s", async (from, to) => {
    const input = SOURCES[from]();
    const source = await openOk(input, NAMES[from]);
    expect(source.info.format).toBe(from);
    const blob = await exportRows(source, ROWS, to);

    if (to === "jsonl" || to === "json") {
      const out = await text(blob);
      if (from === to && typeof input === "string") expect(out, "verbatim").toBe(from === "jsonl" ? input : out);
      const { values, ids } = readJson(out, to);
      expect(ids).toEqual(IDS.map(String));
      values.forEach((v, i) => {
        const r = TABLE[i];
        expect({ ...v, id: undefined }).toEqual({ ...r, id: undefined });
        expect(typeof v.score === "number" || v.score === null).toBe(true);
        expect(Number.isInteger(v.count)).toBe(true);
        expect(typeof v.flag === "boolean" || v.flag === null).toBe(true);
        expect(Array.isArray(v.tags) || v.tags === null).toBe(true);
        expect(Object.keys(v)).toEqual([...FIELDS]);
      });
    } else if (to === "csv" || to === "tsv") {
      if (from === "csv" && to === "csv") expect(await text(blob), "verbatim").toBe(input);
      const back = await openOk(blob, NAMES[to]);
      expect(back.fields).toEqual([...FIELDS]);
      expect((await scanAll(back)).records).toEqual(TABLE.map(cellsOf));
    } else {
      const buffer = await blob.arrayBuffer();
      const schema = parquetMetadata(buffer).schema;
      const types = Object.fromEntries(schema.slice(1).map((e) => [e.name, [e.type, e.converted_type]]));
      expect(types).toMatchObject({
        prompt: ["BYTE_ARRAY", "UTF8"],
        score: ["DOUBLE", undefined],
        count: ["INT64", undefined],
        flag: ["BOOLEAN", undefined],
        // A Parquet list stays a LIST; lists from JSON or CSV text are stored as JSON.
        tags: from === "parquet" ? [undefined, "LIST"] : ["BYTE_ARRAY", "JSON"],
        note: ["BYTE_ARRAY", "UTF8"],
        id: ["INT64", undefined],
      });
      const rows = await parquetReadObjects({ file: buffer });
      expect(rows).toEqual(TABLE.map((r) => ({ ...r, count: BigInt(r.count) })));
    }
  });

  it.each(INPUTS)("%s → CSV → JSON Lines gives the table back (nested values through JSON text)", async (from) => {
    const source = await openOk(SOURCES[from](), NAMES[from]);
    const csv = await openOk(await exportRows(source, ROWS, "csv"), "t.csv");
    const { values, ids } = readJson(await text(await exportRows(csv, ROWS, "jsonl")), "jsonl");
    expect(ids).toEqual(IDS.map(String));
    expect(values.map((v) => ({ ...v, id: undefined }))).toEqual(TABLE.map((r) => ({ ...r, id: undefined })));
  });

  it("a JSON array → JSON array export keeps each element's bytes", async () => {
    const input = SOURCES.json() as string;
    const out = await text(await exportRows(await openOk(input, "t.json"), ROWS, "json"));
    expect(out).toBe(`[\n${TABLE.map(jsonLine).join(",\n")}\n]\n`);
  });

  it("Parquet → Parquet keeps the source schema", async () => {
    const input = SOURCES.parquet() as Uint8Array;
    const out = await (await exportRows(await openOk(input, "t.parquet"), ROWS, "parquet")).arrayBuffer();
    expect(parquetMetadata(out).schema).toEqual(parquetMetadata(input.buffer as ArrayBuffer).schema);
  });
});
