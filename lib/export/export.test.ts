import { describe, expect, it } from "vitest";
import { parquetMetadata } from "hyparquet";
import { toPlainValue, type ParquetSource } from "@/lib/dataset/readers/parquet";
import type { RowSource } from "@/lib/dataset/source";
import { gzip } from "@/test/node-codecs";
import {
  SHARED_FILES,
  baseName,
  fileBlob,
  haveFiles,
  paperStyleJsonl,
  readPlainBytes,
  readPlainText,
  sharedDataset,
  sharedDatasets,
} from "@/test/shared-files";
import { openOk, paperParquet, scanAll } from "@/test/source-helpers";
import type { DatasetFormat } from "@/lib/dataset/types";
import { ExportError } from "@/lib/export/export-error";
import { csvCell, exportFileName, exportRows, type ExtraColumn } from "@/lib/export/export";
import { exportTrl } from "@/lib/export/trl";

const text = async (blob: Blob) => new TextDecoder().decode(await blob.arrayBuffer());

/** The text a record's value becomes in a CSV cell (what a CSV round trip gives back). */
function asCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** Exports, re-opens the result and returns its records. */
async function roundTrip(source: RowSource, rows: number[], format: DatasetFormat, extra?: ExtraColumn[]) {
  const blob = await exportRows(source, rows, format, extra);
  const reopened = await openOk(blob, exportFileName(source.info.name, format));
  expect(reopened.info.format).toBe(format);
  const { records, problem } = await scanAll(reopened);
  expect(problem).toBeNull();
  return { blob, reopened, records: records as Record<string, unknown>[] };
}

describe("exportFileName", () => {
  it.each([
    ["test.jsonl.gz", "jsonl", "test.selected.jsonl"],
    ["data.csv", "parquet", "data.selected.parquet"],
    ["dpo_en_demo.json", "json", "dpo_en_demo.selected.json"],
    ["dir/x.NDJSON", "csv", "x.selected.csv"],
    ["noext", "tsv", "noext.selected.tsv"],
    [".jsonl", "jsonl", "dataset.selected.jsonl"],
    ["data.csv", "trl", "data.selected.trl.jsonl"],
    ["test.jsonl.gz", "trl", "test.selected.trl.jsonl"],
  ] as const)("%s + %s → %s", (name, format, expected) => {
    expect(exportFileName(name, format)).toBe(expected);
  });
});

describe("csvCell", () => {
  it.each([
    ["plain", ",", "plain"],
    ["a,b", ",", '"a,b"'],
    ['say "hi"', ",", '"say ""hi"""'],
    ["two\nlines", ",", '"two\nlines"'],
    [" edge", ",", '" edge"'],
    ["a,b", "\t", "a,b"],
    ["a\tb", "\t", '"a\tb"'],
  ])("%j with %j → %j", (value, delimiter, expected) => {
    expect(csvCell(value, delimiter)).toBe(expected);
  });
});

describe("JSON Lines export", () => {
  const lines = ['{"a": 1.0, "s":"x y"}', ' {"a":2e1,"n":{"k":[1, 2]}} ', "{}", '{"a":-0.5}'];
  const file = lines[0] + "\r\n\r\n" + lines[1] + "\n" + lines[2] + "\n" + lines[3];

  it("keeps the original line bytes, joined with \\n and a final newline", async () => {
    const source = await openOk(file, "d.jsonl");
    const { blob, records } = await roundTrip(source, [0, 1, 3], "jsonl");
    expect(await text(blob)).toBe([lines[0], lines[1], lines[3]].join("\n") + "\n");
    expect(records).toEqual([{ a: 1, s: "x y" }, { a: 20, n: { k: [1, 2] } }, { a: -0.5 }]);
    expect(blob.type).toBe("application/x-ndjson");
  });

  it("appends computed columns after the last member, keeping every original byte; NaN → null", async () => {
    const source = await openOk(file, "d.jsonl");
    const extra = [
      { name: "m_ap", values: new Float64Array([0.1, NaN, 1 / 3, -2]) },
      { name: "rank", values: new Float64Array([3, 1, 2, 4]) },
    ];
    const { blob } = await roundTrip(source, [0, 1, 2], "jsonl", extra);
    expect(await text(blob)).toBe(
      '{"a": 1.0, "s":"x y","m_ap":0.1,"rank":3}\n' +
        ' {"a":2e1,"n":{"k":[1, 2]},"m_ap":null,"rank":1} \n' +
        '{"m_ap":0.3333333333333333,"rank":2}\n',
    );
  });

  it("refuses a computed column named like an existing field, naming it", async () => {
    const source = await openOk(file, "d.jsonl");
    const err = await exportRows(source, [0], "jsonl", [{ name: "n", values: new Float64Array(4) }]).catch((e) => e);
    expect(err).toBeInstanceOf(ExportError);
    expect(err.code).toBe("export-column-clash");
    expect(err.message).toBe(
      'cannot add the computed column "n": the file already has a field named "n". Export without the computed columns, or rename that field in the file.',
    );
  });

  it("writes a JSON array of the original line bytes", async () => {
    const source = await openOk(file, "d.jsonl");
    const { blob, records } = await roundTrip(source, [1, 2], "json");
    expect(await text(blob)).toBe(`[\n${lines[1]},\n${lines[2]}\n]\n`);
    expect(records).toEqual([{ a: 20, n: { k: [1, 2] } }, {}]);
  });

  it("writes CSV with nested values as compact JSON and missing keys as empty cells", async () => {
    const source = await openOk(file, "d.jsonl");
    const { blob, records } = await roundTrip(source, [0, 1, 2], "csv", [
      { name: "x", values: new Float64Array([NaN, 2.5, 0, 0]) },
    ]);
    expect(await text(blob)).toBe('a,s,n,x\n1,x y,,\n20,,"{""k"":[1,2]}",2.5\n,,,0\n');
    expect(records).toEqual([
      { a: "1", s: "x y", n: "", x: "" },
      { a: "20", s: "", n: '{"k":[1,2]}', x: "2.5" },
      { a: "", s: "", n: "", x: "0" },
    ]);
  });

  it("writes Parquet with inferred types; nested values as JSON that reads back as objects", async () => {
    const source = await openOk(
      '{"s":"a","i":1,"f":1.5,"b":true,"n":{"k":[1]},"m":1}\n{"s":null,"i":-3,"f":2,"b":false,"n":[2],"m":"x"}\n',
      "t.jsonl",
    );
    const { blob, records } = await roundTrip(source, [0, 1], "parquet", [
      { name: "e", values: new Float64Array([NaN, 4]) },
    ]);
    const metadata = parquetMetadata(await blob.arrayBuffer());
    expect(metadata.schema.map((e) => [e.name, e.type, e.converted_type, e.repetition_type])).toEqual([
      ["root", undefined, undefined, undefined],
      ["s", "BYTE_ARRAY", "UTF8", "OPTIONAL"],
      ["i", "INT64", undefined, "OPTIONAL"],
      ["f", "DOUBLE", undefined, "OPTIONAL"],
      ["b", "BOOLEAN", undefined, "OPTIONAL"],
      ["n", "BYTE_ARRAY", "JSON", "OPTIONAL"],
      ["m", "BYTE_ARRAY", "JSON", "OPTIONAL"],
      ["e", "DOUBLE", undefined, "OPTIONAL"],
    ]);
    expect(records).toEqual([
      { s: "a", i: 1, f: 1.5, b: true, n: { k: [1] }, m: 1, e: null },
      { s: null, i: -3, f: 2, b: false, n: [2], m: "x", e: 4 },
    ]);
  });
});

describe("JSON array export", () => {
  const el0 = '{\n    "a": 1.50,\n    "s": "x  y",\n    "t": [ 1, {"u" : "v\\"w"} ]\n  }';
  const el1 = "{ }";
  const el2 = '{"a": 3}';
  const file = `[\n  ${el0},\n  ${el1}\n  ,${el2}\n]\n`;

  it("keeps the element bytes, re-wrapped as [\\n … ,\\n … \\n]\\n", async () => {
    const source = await openOk(file, "p.json");
    const { blob, records } = await roundTrip(source, [0, 2], "json");
    expect(await text(blob)).toBe(`[\n${el0},\n${el2}\n]\n`);
    expect(records).toEqual([{ a: 1.5, s: "x  y", t: [1, { u: 'v"w' }] }, { a: 3 }]);
  });

  it("minifies pretty elements for JSON Lines without re-serialising (number spellings kept)", async () => {
    const source = await openOk(file, "p.json");
    const { blob } = await roundTrip(source, [0, 1, 2], "jsonl", [{ name: "z", values: new Float64Array([1, 2, 3]) }]);
    expect(await text(blob)).toBe('{"a":1.50,"s":"x  y","t":[1,{"u":"v\\"w"}],"z":1}\n{"z":2 }\n{"a": 3,"z":3}\n');
  });

  it("exports nothing as an empty array", async () => {
    const source = await openOk(file, "p.json");
    expect(await text(await exportRows(source, [], "json"))).toBe("[]\n");
    expect(await text(await exportRows(source, [], "jsonl"))).toBe("");
  });
});

describe("CSV export", () => {
  const header = 'prompt,"chosen text",score';
  const r0 = '"a, b","multi\r\nline ""q""",1.50';
  const r1 = "plain,x,2";
  const file = `\uFEFF${header}\r\n${r0}\r\n\r\n${r1}\r\n`;

  it("keeps the header line and record text, with the file's line terminator", async () => {
    const source = await openOk(file, "d.csv");
    const { blob, records } = await roundTrip(source, [0, 1], "csv");
    expect(await text(blob)).toBe(`${header}\r\n${r0}\r\n${r1}\r\n`);
    expect(records).toEqual([
      { prompt: "a, b", "chosen text": 'multi\r\nline "q"', score: "1.50" },
      { prompt: "plain", "chosen text": "x", score: "2" },
    ]);
  });

  it("appends computed cells (NaN → empty cell) and header names", async () => {
    const source = await openOk(file, "d.csv");
    const { blob } = await roundTrip(source, [1], "csv", [{ name: "m ap, w=1", values: new Float64Array([0, NaN]) }]);
    expect(await text(blob)).toBe(`${header},"m ap, w=1"\r\n${r1},\r\n`);
  });

  it("converts to TSV as string cells", async () => {
    const source = await openOk(file, "d.csv");
    const { records } = await roundTrip(source, [0, 1], "tsv");
    expect(records).toEqual([
      { prompt: "a, b", "chosen text": 'multi\r\nline "q"', score: "1.50" },
      { prompt: "plain", "chosen text": "x", score: "2" },
    ]);
  });

  it.each(["jsonl", "json", "parquet"] as const)(
    "converts to %s with the numeric column as numbers",
    async (format) => {
      const source = await openOk(file, "d.csv");
      const { records } = await roundTrip(source, [0, 1], format);
      expect(records).toEqual([
        { prompt: "a, b", "chosen text": 'multi\r\nline "q"', score: 1.5 },
        { prompt: "plain", "chosen text": "x", score: 2 },
      ]);
    },
  );

  it("writes typed cells to JSON Lines, a number's spelling kept", async () => {
    const source = await openOk(file, "d.csv");
    const blob = await exportRows(source, [1, 0], "jsonl", [{ name: "m", values: new Float64Array([0, -1.25]) }]);
    expect(await text(blob)).toBe(
      '{"prompt":"plain","chosen text":"x","score":2,"m":-1.25}\n' +
        '{"prompt":"a, b","chosen text":"multi\\r\\nline \\"q\\"","score":1.50,"m":0}\n',
    );
  });
});

describe("Parquet export", () => {
  it("keeps the source schema (nested list-of-struct intact) and values; computed columns as optional DOUBLE", async () => {
    const { buffer, records } = paperParquet(250);
    const source = (await openOk(new Uint8Array(buffer), "paper.parquet")) as ParquetSource;
    const rows = [3, 99, 100, 180, 249];
    const extra = [{ name: "m_ap", values: Float64Array.from({ length: 250 }, (_, i) => (i === 99 ? NaN : i / 10)) }];
    const { blob, reopened, records: got } = await roundTrip(source, rows, "parquet", extra);
    const metadata = parquetMetadata(await blob.arrayBuffer());
    const sourceSchema = source.metadata.schema;
    expect(metadata.schema.slice(1, sourceSchema.length)).toEqual(sourceSchema.slice(1));
    expect(metadata.schema[0].num_children).toBe(6);
    expect(metadata.schema.at(-1)).toMatchObject({ name: "m_ap", type: "DOUBLE", repetition_type: "OPTIONAL" });
    expect(reopened.fields).toEqual([...source.fields, "m_ap"]);
    expect(got).toEqual(rows.map((i) => ({ ...(toPlainValue(records[i]) as object), m_ap: i === 99 ? null : i / 10 })));
    // Lossless for the raw values too (BigInt beyond 2^53 kept exactly).
    const raw = await (reopened as ParquetSource).rawGroup(0);
    expect(raw[4].id).toBe(records[249].id);
  });

  it.each(["jsonl", "json", "csv"] as const)("converts to %s", async (format) => {
    const { buffer, records } = paperParquet(30);
    const source = await openOk(new Uint8Array(buffer), "paper.parquet");
    const { blob, records: got } = await roundTrip(source, [0, 29], format);
    const expected = [0, 29].map((i) => toPlainValue(records[i]) as Record<string, unknown>);
    // The INT64 beyond 2^53 is written as its exact digits: an integer in JSON, the same digits in a CSV cell.
    expect(await text(blob)).toMatch(format === "csv" ? /,1152921504606847005\r?\n/ : /"id":1152921504606847005\}/);
    const withoutId = (r: Record<string, unknown>) => ({ ...r, id: undefined });
    if (format === "csv") {
      expect(got).toEqual(expected.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, asCell(v)]))));
    } else expect(got.map(withoutId)).toEqual(expected.map(withoutId));
  });
});

describe("TRL export through exportRows", () => {
  const file =
    '{"prompt":"p0","chosen":"c0","rejected":"r0","chosen_score":1}\n{"prompt":"p1","chosen":"c1","rejected":"r1"}\n';
  const mapping = {
    schema: "trl",
    prompt: "prompt",
    chosen: "chosen",
    rejected: "rejected",
    explicit: { kind: "none" },
    implicit: { kind: "none" },
  } as const;

  it("writes each row's pair (not its record) as JSON Lines, extras as doubles", async () => {
    const source = await openOk(file, "d.jsonl");
    const extra = [{ name: "m_ap", values: new Float64Array([NaN, 2]) }];
    const blob = await exportRows(source, [1, 0], "trl", extra, mapping);
    expect(blob.type).toBe("application/x-ndjson");
    expect(await text(blob)).toBe(
      '{"prompt":"p1","chosen":"c1","rejected":"r1","m_ap":2.0}\n{"prompt":"p0","chosen":"c0","rejected":"r0","m_ap":null}\n',
    );
    expect(await text(blob)).toBe(await text((await exportTrl(source, mapping, [1, 0], extra)).blob));
  });

  it("does not clash extras with the file's own fields (they are not written) and needs the mapping", async () => {
    const source = await openOk(file, "d.jsonl");
    const extra = [{ name: "chosen_score", values: new Float64Array([1, 2]) }];
    expect(await text(await exportRows(source, [0], "trl", extra, mapping))).toContain('"chosen_score":1.0}');
    await expect(exportRows(source, [0], "trl")).rejects.toThrow(
      "the TRL export needs the column mapping that makes each row a pair",
    );
    await expect(exportRows(source, [2], "trl", [], mapping)).rejects.toThrow("row 2 is out of range (0…1)");
  });
});

describe("gzip input", () => {
  it("exports decompressed bytes", async () => {
    const plain = '{"a":1}\n{"a":2}\n{"a":3}\n';
    const source = await openOk(gzip(plain), "x.jsonl.gz");
    expect(await text(await exportRows(source, [0, 2], "jsonl"))).toBe('{"a":1}\n{"a":3}\n');
  });
});

describe.skipIf(!haveFiles(sharedDatasets))(
  "shared datasets round trip (skipped: ../shared/datasets not found)",
  () => {
    const every = (n: number, step: number) => Array.from({ length: Math.ceil(n / step) }, (_, k) => k * step);

    it.each(SHARED_FILES)("$file: same format keeps record bytes; every format round-trips", async ({ file, rows }) => {
      const full = sharedDataset(file);
      const source = await openOk(await fileBlob(full), baseName(file));
      const { records: all } = await scanAll(source);
      const picked = every(rows, 3);
      const expected = picked.map((i) => all[i] as Record<string, unknown>);
      const raw = readPlainBytes(full);
      const index = (source as unknown as { index: { starts: Float64Array; ends: Float64Array } }).index;
      const slices = picked.map((i) => new TextDecoder().decode(raw.subarray(index.starts[i], index.ends[i])));

      const same = source.info.format as "jsonl" | "json";
      const verbatim = await text(await exportRows(source, picked, same));
      expect(verbatim).toBe(same === "jsonl" ? slices.join("\n") + "\n" : `[\n${slices.join(",\n")}\n]\n`);

      for (const format of ["jsonl", "json", "parquet"] as const) {
        expect((await roundTrip(source, picked, format)).records, format).toEqual(expected);
      }
      for (const format of ["csv", "tsv"] as const) {
        const asCells = expected.map((r) => Object.fromEntries(source.fields.map((f) => [f, asCell(r[f])])));
        expect((await roundTrip(source, picked, format)).records, format).toEqual(asCells);
      }
    });
  },
);

describe.skipIf(!haveFiles(paperStyleJsonl))("paper-style data (skipped: ../shared/reference not found)", () => {
  it("JSONL → Parquet → Parquet keeps chat lists and numbers; the Parquet re-exports to the same records", async () => {
    const source = await openOk(await fileBlob(paperStyleJsonl), "processed.jsonl");
    const all = Array.from({ length: source.rowCount }, (_, i) => i);
    const { blob, records } = await roundTrip(source, all, "parquet");
    const lines = readPlainText(paperStyleJsonl).split("\n").filter(Boolean);
    expect(records.length).toBe(3000);
    expect(records[1234]).toEqual(JSON.parse(lines[1234]));
    const parquet = await openOk(blob, "processed.parquet");
    const picked = all.filter((i) => i % 5 === 2);
    const again = await roundTrip(parquet, picked, "parquet", [
      { name: "m_ap", values: new Float64Array(3000).fill(0.5) },
    ]);
    expect(again.records).toEqual(picked.map((i) => ({ ...JSON.parse(lines[i]), m_ap: 0.5 })));
    const jsonl = await text(await exportRows(source, picked, "jsonl"));
    expect(jsonl).toBe(picked.map((i) => lines[i]).join("\n") + "\n");
  });
});
