import { describe, expect, it } from "vitest";
import { parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { compareShardNames, datasetNameOf, openSources, sortShards, type NamedBlob } from "@/lib/dataset/multi-source";
import { formatFromName, openSource, type RowSource } from "@/lib/dataset/source";
import { DATA_FILE_EXTENSION } from "@/lib/dataset/shard-names";
import { blobAsyncBuffer } from "@/lib/dataset/readers/parquet";
import { pairedSource, RowPlanBuilder } from "@/lib/dataset/paired-source";
import { exportRows } from "@/lib/export/export";
import { exportShards } from "@/lib/export/shard-export";
import { blobOf, paperParquet } from "@/test/source-helpers";
import { gzip } from "@/test/node-codecs";

const named = (name: string, content: string | Uint8Array | ArrayBuffer): NamedBlob => ({
  name,
  blob: new Blob([content as BlobPart]),
});

async function openAll(files: NamedBlob[]): Promise<RowSource> {
  const r = await openSources(files);
  if (!r.ok) throw new Error(`expected the files to open, got ${JSON.stringify(r.reason)}`);
  return r.data;
}

async function readParquet(blob: Blob): Promise<Record<string, unknown>[]> {
  const file = blobAsyncBuffer(blob);
  return parquetReadObjects({ file, metadata: await parquetMetadataAsync(file), compressors });
}

describe("compareShardNames / sortShards", () => {
  it.each([
    ["train-00002-of-00011.parquet", "train-00010-of-00011.parquet", -1],
    ["part-2.jsonl", "part-10.jsonl", -1],
    ["part-010.jsonl", "part-9.jsonl", 1],
    ["a/train.jsonl", "b/train.jsonl", -1],
    ["test-0.csv", "train-0.csv", -1],
    ["x-99999999999999999999.jsonl", "x-100000000000000000000.jsonl", -1],
    ["same.jsonl", "same.jsonl", 0],
  ])("%s vs %s → %i", (a, b, sign) => {
    expect(Math.sign(compareShardNames(a, b))).toBe(sign);
    expect(Math.sign(compareShardNames(b, a)) + sign).toBe(0);
  });

  it("sorts the way shards are numbered, not by code unit", () => {
    const names = ["train-10.jsonl", "train-2.jsonl", "train-1.jsonl"];
    expect(sortShards(names.map((name) => ({ name }))).map((f) => f.name)).toEqual([
      "train-1.jsonl",
      "train-2.jsonl",
      "train-10.jsonl",
    ]);
  });
});

describe("DATA_FILE_EXTENSION", () => {
  it.each(["jsonl", "ndjson", "json", "csv", "tsv", "tab", "parquet", "pq", "txt", "md", "py", "arrow", "jsonl.zip"])(
    "names the files formatFromName reads (.%s, plain and .gz)",
    (ext) => {
      for (const name of [`x.${ext}`, `x.${ext}.gz`, `X.${ext.toUpperCase()}`]) {
        expect(DATA_FILE_EXTENSION.test(name)).toBe(formatFromName(name) !== null);
      }
    },
  );
});

describe("datasetNameOf", () => {
  it.each([
    [["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"], "train.parquet"],
    [["train-00000-of-00002-5f3a9c1d.parquet", "train-00001-of-00002-77aa0b12.parquet"], "train.parquet"],
    [["default/train/0000.parquet", "default/train/0001.parquet"], "train.parquet"],
    [["part_1.jsonl.gz", "part_2.jsonl.gz"], "part.jsonl.gz"],
    [["chat-a.jsonl", "chat-b.jsonl"], "chat.jsonl"],
    [["x.jsonl", "y.jsonl"], "dataset.jsonl"],
    [["only.csv"], "only.csv"],
  ])("%j → %s", (names, expected) => {
    expect(datasetNameOf(names)).toBe(expected);
  });
});

describe("openSources: JSON Lines", () => {
  // Given out of order: rows follow the sorted names (part-1, part-2, part-10).
  const files = [
    named("part-10.jsonl", '{"x": 10}\n{"x": 11, "z": true}\n'),
    named("part-1.jsonl", '{"x": 1}\n\n{"x":  2}\n'),
    named("part-2.jsonl", '{"x": 3, "y": "b"}\n'),
  ];

  it("numbers rows globally in file-name order and counts every file", async () => {
    const source = await openAll(files);
    expect(source.rowCount).toBe(5);
    expect(source.info.name).toBe("part.jsonl");
    expect(source.info.format).toBe("jsonl");
    expect(source.info.files?.map((f) => [f.name, f.firstRow, f.rowCount])).toEqual([
      ["part-1.jsonl", 0, 2],
      ["part-2.jsonl", 2, 1],
      ["part-10.jsonl", 3, 2],
    ]);
    expect(await source.getRecords([4, 0, 2, 3])).toEqual([{ x: 11, z: true }, { x: 1 }, { x: 3, y: "b" }, { x: 10 }]);
    expect([0, 1, 2, 3, 4].map((r) => source.shardOf!(r))).toEqual([0, 0, 1, 2, 2]);
    const rows: number[] = [];
    await source.scan((record, where) => void rows.push(where.row, record.x as number));
    expect(rows).toEqual([0, 1, 1, 2, 2, 3, 3, 10, 4, 11]);
    await expect(source.getRecords([5])).rejects.toThrow(RangeError);
  });

  it("has the union of the files' fields", async () => {
    const source = await openAll(files);
    expect(await source.completeFields!()).toBeNull();
    expect(source.fields).toEqual(["x", "y", "z"]);
  });

  it("names the file and its own line when a record is bad", async () => {
    const bad = [named("a-1.jsonl", '{"x": 1}\n'), named("a-2.jsonl", '{"x": 2}\n{"x": }\n')];
    const source = await openAll(bad);
    const problem = await source.scan(() => undefined);
    expect(problem).toMatchObject({ file: "a-2.jsonl", line: 2, row: 1 });
    await expect(source.getRecords([2])).rejects.toThrow(/^a-2\.jsonl, line 2, column 7/);
  });

  it("tells a visitor's problem in the file's own name and row", async () => {
    const source = await openAll(files);
    const problem = await source.scan((record, where) =>
      record.x === 10 ? { file: source.info.name, row: where.row, line: where.line, message: "no" } : undefined,
    );
    expect(problem).toEqual({ file: "part-10.jsonl", row: 0, line: 1, message: "no" });
  });

  it("exports verbatim: the same bytes as the files' lines, in order", async () => {
    const source = await openAll(files);
    const all = await exportRows(source, [0, 1, 2, 3, 4], "jsonl");
    expect(await all.text()).toBe('{"x": 1}\n{"x":  2}\n{"x": 3, "y": "b"}\n{"x": 10}\n{"x": 11, "z": true}\n');
    const some = await exportRows(source, [1, 4], "jsonl", [
      { name: "m", values: Float64Array.from([0, 0.5, 0, 0, 2]) },
    ]);
    expect(await some.text()).toBe('{"x":  2,"m":0.5}\n{"x": 11, "z": true,"m":2}\n');
  });

  it("reads gzip-compressed and plain files together", async () => {
    const source = await openAll([named("p-1.jsonl.gz", gzip('{"a": 1}\n')), named("p-2.jsonl", '{"a": 2}\n')]);
    expect(await source.getRecords([0, 1])).toEqual([{ a: 1 }, { a: 2 }]);
    expect(await (await exportRows(source, [0, 1], "jsonl")).text()).toBe('{"a": 1}\n{"a": 2}\n');
    expect(source.info.gzip).toBe(false);
  });

  it("exports the same shards: each file's selected rows under its own name", async () => {
    const source = await openAll(files);
    const parts = await exportShards(source, [0, 3, 4], "jsonl");
    expect(parts.map((p) => [p.fileName, p.count])).toEqual([
      ["part-1.selected.jsonl", 1],
      ["part-2.selected.jsonl", 0],
      ["part-10.selected.jsonl", 2],
    ]);
    expect(await Promise.all(parts.map((p) => p.blob.text()))).toEqual([
      '{"x": 1}\n',
      "",
      '{"x": 10}\n{"x": 11, "z": true}\n',
    ]);
  });

  it("keeps the file of each pair when a plan turns records into pairs", async () => {
    const source = await openAll(files);
    const plan = new RowPlanBuilder();
    plan.add(0, [{ chosen: 0, rejected: 1 }]);
    plan.exclude(1, "tie");
    plan.add(3, [
      { chosen: 0, rejected: 1 },
      { chosen: 1, rejected: 0 },
    ]);
    const paired = pairedSource(source, plan.finish(5));
    expect([0, 1, 2].map((r) => paired.shardOf!(r))).toEqual([0, 2, 2]);
    const parts = await exportShards(paired, [0, 1, 2], "jsonl");
    expect(await Promise.all(parts.map((p) => p.blob.text()))).toEqual(['{"x": 1}\n', "", '{"x": 10}\n{"x": 10}\n']);
  });
});

describe("openSources: one file, or files that do not fit together", () => {
  it("returns exactly openSource's result for one file", async () => {
    const content = '{"a": 1}\n{"a": 2}\n';
    const one = await openSources([named("one.jsonl", content)]);
    const direct = await openSource(blobOf(content), "one.jsonl");
    expect(one.ok && direct.ok).toBe(true);
    if (!one.ok || !direct.ok) return;
    expect(one.data.constructor).toBe(direct.data.constructor);
    expect(one.data.info).toEqual(direct.data.info);
    expect(one.data.info.files).toBeUndefined();
    expect(one.data.shardOf).toBeUndefined();
  });

  it("refuses files of different formats, naming both", async () => {
    const r = await openSources([named("a.jsonl", '{"a": 1}\n'), named("b.csv", "a\n1\n")]);
    expect(r).toEqual({
      ok: false,
      reason: {
        file: "b.csv",
        message: "is CSV but a.jsonl is JSON Lines: the files of one dataset must share one format",
      },
    });
  });

  it("passes on the first file's own problem", async () => {
    const r = await openSources([named("a-1.jsonl", '{"a": 1}\n'), named("a-2.parquet", "not parquet")]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatchObject({ file: "a-2.parquet", message: expect.stringMatching(/PAR1/) });
  });

  it("refuses an empty list", async () => {
    expect(await openSources([])).toMatchObject({ ok: false, reason: { message: "no files given" } });
  });
});

describe("openSources: CSV", () => {
  it("exports shards with the same header verbatim (one header, every record as written)", async () => {
    const source = await openAll([
      named("t-1.csv", 'p,c\r\n"a, b",1\r\n'),
      named("t-2.csv", 'p,c\r\nx,"multi\nline"\r\ny,3\r\n'),
    ]);
    expect(source.rowCount).toBe(3);
    expect(await source.getRecords([1])).toEqual([{ p: "x", c: "multi\nline" }]);
    expect(await (await exportRows(source, [0, 1, 2], "csv")).text()).toBe(
      'p,c\r\n"a, b",1\r\nx,"multi\nline"\r\ny,3\r\n',
    );
  });

  it("refuses files whose headers differ, naming the file and both headers", async () => {
    const r = await openSources([named("t-1.csv", "p,c\n1,2\n"), named("t-2.csv", "p,d\n1,2\n")]);
    expect(r).toEqual({
      ok: false,
      reason: {
        file: "t-2.csv",
        line: 1,
        message:
          "its header (p, d) differs from the header of t-1.csv (p, c): the CSV files of one dataset need the same columns in the same order",
      },
    });
  });
});

describe("openSources: sharded Parquet", () => {
  // Three shards of a paper-style file (chat lists, score lists, INT64 with a value beyond 2^53).
  const shards = [0, 1, 2].map((k) => {
    const { buffer } = paperParquet(3 + k);
    return named(`train-0000${k}-of-00003.parquet`, buffer);
  });

  it("is one dataset: row count the sum, rows in shard order", async () => {
    const source = await openAll([shards[2], shards[0], shards[1]]);
    expect(source.rowCount).toBe(3 + 4 + 5);
    expect(source.info).toMatchObject({ name: "train.parquet", format: "parquet" });
    expect(source.fields).toEqual(["prompt", "chosen", "all_rm_scores", "rm_margin", "id"]);
    const [first, last] = await source.getRecords([3, 11]);
    expect(first.id).toBe(0);
    expect(last.id).toBe((2n ** 60n + 4n).toString());
  });

  it("exports verbatim: the concatenation of the shards' rows under their schema", async () => {
    const source = await openAll(shards);
    const expected = (await Promise.all(shards.map((s) => readParquet(s.blob)))).flat();
    const rows = Array.from({ length: source.rowCount }, (_, i) => i);
    const out = await exportRows(source, rows, "parquet");
    expect(await readParquet(out)).toEqual(expected);
    const metadata = await parquetMetadataAsync(blobAsyncBuffer(out));
    const first = await parquetMetadataAsync(blobAsyncBuffer(shards[0].blob));
    expect(metadata.schema).toEqual(first.schema);
  });

  it("exports the same shards, each with its own rows", async () => {
    const source = await openAll(shards);
    const parts = await exportShards(source, [0, 2, 5, 11], "parquet");
    expect(parts.map((p) => [p.fileName, p.count])).toEqual([
      ["train-00000-of-00003.selected.parquet", 2],
      ["train-00001-of-00003.selected.parquet", 1],
      ["train-00002-of-00003.selected.parquet", 1],
    ]);
    const rows = await Promise.all(parts.map((p) => readParquet(p.blob)));
    const originals = await Promise.all(shards.map((s) => readParquet(s.blob)));
    expect(rows).toEqual([[originals[0][0], originals[0][2]], [originals[1][2]], [originals[2][4]]]);
  });
});
