import { describe, expect, it } from "vitest";
import { formatFromName, openSource } from "@/lib/dataset/source";
import { SourceError } from "@/lib/dataset/source-error";
import { indexCsv } from "@/lib/dataset/readers/csv";
import { indexJsonArray } from "@/lib/dataset/readers/json-array";
import { indexJsonLines } from "@/lib/dataset/readers/jsonl";
import { ParquetSource, toPlainValue } from "@/lib/dataset/readers/parquet";
import { gzip } from "@/test/node-codecs";
import {
  SHARED_FILES,
  baseName,
  fileBlob,
  haveFiles,
  paperStyleJsonl,
  readPlainText,
  sharedDataset,
  sharedDatasets,
} from "@/test/shared-files";
import { blobOf, openOk, openProblem, paperParquet, scanAll } from "@/test/source-helpers";

describe("formatFromName", () => {
  it.each([
    ["a.jsonl", "jsonl"],
    ["a.NDJSON", "jsonl"],
    ["a.jsonl.gz", "jsonl"],
    ["a.json", "json"],
    ["a.csv.gz", "csv"],
    ["a.tsv", "tsv"],
    ["a.parquet", "parquet"],
    ["a.txt", null],
    ["README", null],
  ])("%s → %s", (name, expected) => {
    expect(formatFromName(name)).toBe(expected);
  });
});

describe("openSource: detection and empty input", () => {
  it.each([
    ["", "a.jsonl", { file: "a.jsonl", message: "the file is empty" }],
    ["  \n\r\n\t\n", "a.jsonl", { file: "a.jsonl", message: "the file contains only whitespace" }],
    ["  \n", "a.json", { file: "a.json", message: "the file contains only whitespace" }],
    ["\uFEFF \n", "a", { file: "a", message: "the file contains only whitespace" }],
    [
      "hello",
      "notes.txt",
      {
        file: "notes.txt",
        message:
          "unknown file format: expected JSON Lines (.jsonl, .ndjson), a JSON array of objects (.json), CSV (.csv), TSV (.tsv) or Parquet (.parquet), each optionally gzip-compressed (.gz)",
      },
    ],
    ["[]", "a.json", { file: "a.json", message: "the JSON array is empty: no records" }],
    ["a,b\n", "a.csv", { file: "a.csv", line: 1, message: "no data rows: the file has only a header row" }],
    [
      "  \n",
      "a.csv",
      { file: "a.csv", line: 1, message: "the file contains only whitespace: expected a header row and data rows" },
    ],
    ["x", "a.parquet", { file: "a.parquet", message: "not a Parquet file: it does not start with PAR1" }],
  ])("%j as %s", async (text, name, expected) => {
    expect(await openProblem(text, name)).toEqual(expected);
  });

  it.each([
    ['{"a":1}\n', "data", "jsonl"],
    ['[{"a":1}]', "data", "json"],
    ['{"a":1}\n{"a":2}\n', "data.json", "jsonl"],
    ['  [{"a":1}]', "data.jsonl", "jsonl"],
  ])("sniffs %j named %s as %s", async (text, name, format) => {
    const source = await openOk(text, name);
    expect(source.info).toEqual({ name, format, gzip: false, byteLength: text.length });
  });
});

describe("JSON Lines", () => {
  it("indexes lines with CRLF, BOM, blank lines and no final newline, keeping physical line numbers", async () => {
    const text = '\uFEFF{"a":1}\r\n\r\n  \n{"a":2,"b":"x"}\n\n{"b":"é"}';
    const source = await openOk(text, "t.jsonl");
    expect(source.rowCount).toBe(3);
    const lines: (number | undefined)[] = [];
    const records: unknown[] = [];
    expect(await source.scan((r, where) => void (records.push(r), lines.push(where.line)))).toBeNull();
    expect(records).toEqual([{ a: 1 }, { a: 2, b: "x" }, { b: "é" }]);
    expect(lines).toEqual([1, 4, 6]);
    expect(source.fields).toEqual(["a", "b"]);
    expect(await source.getRecords([2, 0, 2])).toEqual([{ b: "é" }, { a: 1 }, { b: "é" }]);
  });

  it("reports a truncated last line with file, line, column and what was expected", async () => {
    const source = await openOk('{"a":1}\n\n{"a":2,"b":"xy', "cut.jsonl");
    expect(source.rowCount).toBe(2);
    expect((await scanAll(source)).problem).toEqual({
      file: "cut.jsonl",
      line: 3,
      column: 15,
      row: 1,
      message: `invalid JSON: expected the closing '"' of the string opened at character 12, found the end of the record (the record is cut short)`,
    });
  });

  it.each([
    [
      '{"a":1}\n{"a":1 "b":2}\n',
      { line: 2, column: 8, row: 1, message: `invalid JSON: expected ',' or '}' after a property value, found "\\""` },
    ],
    [
      '{"a":1}\n[1,2]\n',
      { line: 2, column: 1, row: 1, message: "expected a JSON object {…} as the record, found an array" },
    ],
    [
      '{"é":"ü", x}\n',
      { line: 1, column: 11, row: 0, message: 'invalid JSON: expected a property name in double quotes, found "x"' },
    ],
  ])("reports %j", async (text, expected) => {
    const source = await openOk(text, "bad.jsonl");
    expect((await scanAll(source)).problem).toEqual({ file: "bad.jsonl", ...expected });
  });

  it("getRecords throws a SourceError carrying the problem", async () => {
    const source = await openOk('{"a":1}\n{"a":\n', "bad.jsonl");
    const err = await source.getRecords([1]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).code).toBe("bad-input");
    expect((err as SourceError).detail).toMatchObject({ file: "bad.jsonl", line: 2, column: 6, row: 1 });
    await expect(source.getRecords([5])).rejects.toThrow("row 5 is out of range (0…1)");
  });

  it("stops the scan at the visitor's problem", async () => {
    const source = await openOk('{"a":1}\n{"a":"x"}\n', "v.jsonl");
    const problem = await source.scan((r, where) =>
      typeof r.a === "number"
        ? undefined
        : { file: "v.jsonl", line: where.line, field: "a", message: "expected a number" },
    );
    expect(problem).toEqual({ file: "v.jsonl", line: 2, field: "a", message: "expected a number" });
  });

  it("gives the same index whatever the read chunk size (rows, CRLF and BOM straddling chunk boundaries)", async () => {
    const blob = blobOf('\uFEFF{"a":1}\r\n\r\n  \n{"a":"é"}\r\n \t{"b":2}');
    const expected = await indexJsonLines(blob);
    expect(expected).toEqual({
      starts: new Float64Array([3, 17, 29]),
      ends: new Float64Array([10, 27, 38]),
      lines: new Float64Array([1, 4, 5]),
      columns: null,
    });
    for (let chunk = 1; chunk <= 12; chunk++) expect(await indexJsonLines(blob, undefined, chunk)).toEqual(expected);
  });
});

describe("JSON array", () => {
  const pretty = '[\n  {\n    "a": 1,\n    "b": "x"\n  },\n  {\n    "a": 2\n  }\n]\n';

  it("indexes pretty-printed elements with their start line and column", async () => {
    const source = await openOk(pretty, "p.json");
    expect(source.rowCount).toBe(2);
    const seen: unknown[] = [];
    expect(await source.scan((r, where) => void seen.push([r, where]))).toBeNull();
    expect(seen).toEqual([
      [
        { a: 1, b: "x" },
        { row: 0, line: 2 },
      ],
      [{ a: 2 }, { row: 1, line: 6 }],
    ]);
  });

  it.each([
    ["  nope", "x.json", 1, 3, 'expected "[" to start a JSON array of records, found "n"'],
    [
      '[{"a":1},\n {"a":2}',
      "x.json",
      2,
      9,
      'expected "]" to close the array, found the end of the file (truncated file?)',
    ],
    [
      '[{"a":1},\n {"a":"é',
      "x.json",
      2,
      2,
      "record 2 (starting at line 2) is not closed: the file ends inside it (truncated file?)",
    ],
    ['[{"a":1} x {"a":2}]', "x.json", 1, 10, 'expected "," or "]" after record 1, found "x"'],
    ['[{"a":1},]', "x.json", 1, 10, 'expected a record after ",", found "]"'],
    ['[{"a":"é"}] ,', "x.json", 1, 13, 'expected nothing after the closing "]" of the array, found ","'],
  ])("structural problem in %j", async (text, name, line, column, message) => {
    expect(await openProblem(text, name)).toEqual({ file: name, line, column, message });
  });

  it("reports a syntax error inside an element at its file-level line and column", async () => {
    const text = '[\n  {"a": 1},\n  {\n    "a": 2,\n    "b": tru\n  },\n  {"é": "ü", "c" 3}\n]';
    const source = await openOk(text, "e.json");
    expect((await scanAll(source)).problem).toEqual({
      file: "e.json",
      line: 5,
      column: 10,
      row: 1,
      message: 'invalid JSON: expected a value (object, array, string, number, true, false or null), found "t"',
    });
    const err = (await source.getRecords([2]).catch((e: unknown) => e)) as SourceError;
    expect(err.detail).toEqual({
      file: "e.json",
      line: 7,
      column: 18,
      row: 2,
      message: `invalid JSON: expected ':' after the property name, found "3"`,
    });
  });

  it("reports non-object elements at scan", async () => {
    const source = await openOk('[{"a":1}, 42, "s"]', "n.json");
    expect(source.rowCount).toBe(3);
    expect((await scanAll(source)).problem).toEqual({
      file: "n.json",
      line: 1,
      column: 11,
      row: 1,
      message: "expected a JSON object {…} as the record, found a number",
    });
  });

  it("gives the same index whatever the read chunk size", async () => {
    const blob = blobOf('\uFEFF[\r\n {"a":"é\\"]"},\n  [1],"x\\"", 12 ,{}\n]');
    const expected = await indexJsonArray(blob);
    expect(expected).toEqual({
      ok: true,
      index: {
        starts: new Float64Array([7, 24, 28, 35, 39]),
        ends: new Float64Array([20, 27, 33, 37, 41]),
        lines: new Float64Array([2, 3, 3, 3, 3]),
        columns: new Float64Array([2, 3, 7, 14, 18]),
      },
    });
    for (let chunk = 1; chunk <= 12; chunk++) expect(await indexJsonArray(blob, undefined, chunk)).toEqual(expected);
  });

  it("is not fooled by brackets and escaped quotes inside strings", async () => {
    const text = '[{"a":"]}\\"[{"},{"b":"\\\\"}]';
    const source = await openOk(text, "s.json");
    expect((await scanAll(source)).records).toEqual([{ a: ']}"[{' }, { b: "\\" }]);
  });
});

describe("CSV / TSV", () => {
  it("reads a header and string cells, with quoted commas, quotes and line breaks", async () => {
    const text = 'prompt,chosen,score\r\n"a, b","he said ""hi""\r\nbye",1.5\r\n\r\nq,c,2\r\n';
    const source = await openOk(text, "d.csv");
    expect(source.fields).toEqual(["prompt", "chosen", "score"]);
    expect(source.rowCount).toBe(2);
    const seen: unknown[] = [];
    expect(await source.scan((r, where) => void seen.push([r, where.line]))).toBeNull();
    expect(seen).toEqual([
      [{ prompt: "a, b", chosen: 'he said "hi"\r\nbye', score: "1.5" }, 2],
      [{ prompt: "q", chosen: "c", score: "2" }, 5],
    ]);
    expect(await source.getRecords([1])).toEqual([{ prompt: "q", chosen: "c", score: "2" }]);
  });

  it("gives the same index whatever the read chunk size", async () => {
    const blob = blobOf('\uFEFFa,b\r\n"x\r\n""y""",2\r\n\r\n3,"4"');
    const expected = await indexCsv(blob, 0x2c);
    expect(expected).toEqual({
      ok: true,
      index: {
        starts: new Float64Array([3, 8, 24]),
        ends: new Float64Array([6, 20, 29]),
        lines: new Float64Array([1, 2, 5]),
        newline: "\r\n",
      },
    });
    for (let chunk = 1; chunk <= 12; chunk++) expect(await indexCsv(blob, 0x2c, undefined, chunk)).toEqual(expected);
  });

  it("reads TSV", async () => {
    const source = await openOk("a\tb\nx, y\t2\n", "d.tsv");
    expect(await source.getRecords([0])).toEqual([{ a: "x, y", b: "2" }]);
  });

  it.each([
    [
      "a,b,c\n1,2,3\n4,5\n",
      {
        line: 3,
        row: 1,
        field: "c",
        message: 'the record has 2 cells, expected 3 (one per header column): no value for "c"',
      },
    ],
    [
      "a,b\n1,2,3\n",
      {
        line: 2,
        row: 0,
        message: "the record has 3 cells, expected 2 (one per header column: a, b); check the quoting or the delimiter",
      },
    ],
    [
      'a,b\n"x"y,2\n',
      { line: 2, row: 0, message: "malformed CSV quoting: trailing quote on quoted field is malformed" },
    ],
  ])("reports %j", async (text, expected) => {
    const source = await openOk(text, "bad.csv");
    expect((await scanAll(source)).problem).toEqual({ file: "bad.csv", ...expected });
  });

  it.each([
    [
      'a,b\n1,"open\n2,3\n',
      { line: 2, message: `a quoted cell opened on line 2 never closes: expected a closing '"'` },
    ],
    [
      "a,a\n1,2\n",
      { line: 1, field: "a", message: 'the header names column "a" twice (columns 1 and 2); names must be unique' },
    ],
  ])("refuses to open %j", async (text, expected) => {
    expect(await openProblem(text, "bad.csv")).toEqual({ file: "bad.csv", ...expected });
  });
});

describe("Parquet", () => {
  it("reads nested list-of-struct columns, converts INT64 and answers scattered rows across row groups", async () => {
    const { buffer, records } = paperParquet(350);
    const source = await openOk(new Uint8Array(buffer), "paper.parquet");
    expect(source).toBeInstanceOf(ParquetSource);
    expect(source.info).toEqual({
      name: "paper.parquet",
      format: "parquet",
      gzip: false,
      byteLength: buffer.byteLength,
    });
    expect(source.rowCount).toBe(350);
    expect(source.fields).toEqual(["prompt", "chosen", "all_rm_scores", "rm_margin", "id"]);
    expect((source as ParquetSource).groupStarts).toEqual(new Float64Array([0, 100, 200, 300, 350]));
    const got = await source.getRecords([349, 5, 250, 101, 5]);
    const expected = [349, 5, 250, 101, 5].map((i) => toPlainValue(records[i]));
    expect(got).toEqual(expected);
    expect(got[0].id).toBe(String(2n ** 60n + 349n));
    expect(got[1].id).toBe(5);
    const { records: scanned, problem } = await scanAll(source);
    expect(problem).toBeNull();
    expect(scanned).toEqual(records.map(toPlainValue));
  });

  it("a full scan keeps no decoded row group, a row fetch keeps its group for the next", async () => {
    const { buffer, records } = paperParquet(350);
    const source = (await openOk(new Uint8Array(buffer), "paper.parquet")) as ParquetSource;
    const cached = () => source["cache"].map((c) => c.group);
    const { problem } = await scanAll(source);
    expect(problem).toBeNull();
    expect(cached()).toEqual([]);
    expect(await source.getRecords([120])).toEqual([toPlainValue(records[120])]);
    expect(cached()).toEqual([1]);
  });

  it("reports a damaged file", async () => {
    const { buffer } = paperParquet(10);
    const damaged = new Uint8Array(buffer.slice(0, buffer.byteLength - 30));
    const result = await openSource(
      blobOf(new Uint8Array([...damaged.subarray(0, 4), ...damaged.subarray(40)])),
      "d.parquet",
    );
    expect(result.ok).toBe(false);
    expect((result as { ok: false; reason: { message: string } }).reason.message).toMatch(
      /^not a readable Parquet file \(/,
    );
  });
});

describe("gzip", () => {
  it("decompresses transparently and keeps the compressed size in info", async () => {
    const text = '{"a":1}\n{"a":2}\n';
    const gz = gzip(text);
    const source = await openOk(gz, "x.jsonl.gz");
    expect(source.info).toEqual({ name: "x.jsonl.gz", format: "jsonl", gzip: true, byteLength: gz.length });
    expect((await scanAll(source)).records).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it("reports damaged gzip data", async () => {
    const gz = gzip('{"a":1}\n'.repeat(1000));
    const problem = await openProblem(gz.subarray(0, 40), "x.jsonl.gz");
    expect(problem.file).toBe("x.jsonl.gz");
    expect(problem.message).toMatch(/^the gzip data is damaged or cut short/);
  });
});

describe.skipIf(!haveFiles(sharedDatasets))("shared datasets (skipped: ../shared/datasets not found)", () => {
  it.each(SHARED_FILES)("$file opens and scans", async ({ file, rows, fields }) => {
    const source = await openOk(await fileBlob(sharedDataset(file)), baseName(file));
    expect(source.rowCount).toBe(rows);
    const { records, problem } = await scanAll(source);
    expect(problem).toBeNull();
    expect(records.length).toBe(rows);
    expect(source.fields).toEqual(fields);
    const last = await source.getRecords([rows - 1]);
    expect(last[0]).toEqual(records[rows - 1]);
  });

  it("matches JSON.parse of the whole file for the JSON arrays", async () => {
    for (const { file } of SHARED_FILES.filter((f) => f.file.endsWith(".json"))) {
      const full = sharedDataset(file);
      const source = await openOk(await fileBlob(full), baseName(file));
      expect((await scanAll(source)).records).toEqual(JSON.parse(readPlainText(full)));
    }
  });
});

describe.skipIf(!haveFiles(paperStyleJsonl))("paper-style reference (skipped: ../shared/reference not found)", () => {
  it("opens processed.jsonl: 3000 rows, numbers as in the file", async () => {
    const source = await openOk(await fileBlob(paperStyleJsonl), "processed.jsonl");
    expect(source.rowCount).toBe(3000);
    const lines = readPlainText(paperStyleJsonl).split("\n").filter(Boolean);
    const picks = [0, 1234, 2999];
    expect(await source.getRecords(picks)).toEqual(picks.map((i) => JSON.parse(lines[i])));
  });
});
