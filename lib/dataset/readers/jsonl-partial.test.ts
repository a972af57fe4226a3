import { afterEach, describe, expect, it } from "vitest";
import { findLineFeeds, readDirect } from "@/lib/dataset/readers/blob-reader";
import { setBlobReader } from "@/lib/dataset/readers/bytes";
import { indexJsonLines, openJsonl } from "@/lib/dataset/readers/jsonl";
import type { JsonRowsSource } from "@/lib/dataset/readers/json-records";
import type { FileInfo, RawRecord } from "@/lib/dataset/types";
import { openSource } from "@/lib/dataset/source";
import { DatasetSession } from "@/lib/workbench/session";
import { blobOf, pairLines } from "@/test/source-helpers";

const info = (name = "p.jsonl"): FileInfo => ({ name, format: "jsonl", gzip: false, byteLength: 0 });

/** BOM, CRLF, blank and whitespace-only lines, leading blanks, non-ASCII, no final newline. */
const TEXT = '\uFEFF{"a":1}\r\n\r\n  \n{"a":"é"}\r\n \t{"b":2}\n{"a":3,"c":[1,2]}\n\n{"a":"ü€"}\r\n{"a":6}';

async function open(text: string, partialRows: number, chunk: number): Promise<JsonRowsSource> {
  const opened = await openJsonl(blobOf(text), info(), undefined, partialRows, chunk);
  if (!opened.ok) throw new Error(opened.reason.message);
  return opened.data;
}

async function scanAll(source: JsonRowsSource): Promise<[RawRecord, number, number | undefined][]> {
  const seen: [RawRecord, number, number | undefined][] = [];
  const problem = await source.scan((r, where) => void seen.push([r, where.row, where.line]));
  expect(problem).toBeNull();
  return seen;
}

describe("JSON Lines indexed by the first scan", () => {
  it("gives the same rows, lines, fields and index as a full index, whatever the read size", async () => {
    const full = await open(TEXT, Infinity, 1 << 20);
    expect(full.indexPending).toBe(false);
    const expected = await scanAll(full);
    expect(expected.map(([, row, line]) => [row, line])).toEqual([
      [0, 1],
      [1, 4],
      [2, 5],
      [3, 6],
      [4, 8],
      [5, 9],
    ]);
    for (let chunk = 1; chunk <= 24; chunk++) {
      for (const partialRows of [1, 2, 4]) {
        const source = await open(TEXT, partialRows, chunk);
        expect(source.rowCount).toBeGreaterThanOrEqual(partialRows);
        expect(source.rowCount).toBeLessThanOrEqual(6);
        expect(await scanAll(source)).toEqual(expected);
        expect(source.indexPending).toBe(false);
        expect(source.rowCount).toBe(6);
        expect(source.index).toEqual(full.index);
        expect(source.fields).toEqual(["a", "b", "c"]);
        expect(await source.getRecords([5, 0])).toEqual([{ a: 6 }, { a: 1 }]);
      }
    }
  });

  it("reports a bad record past the first rows with its file line and column, and scans again from the start", async () => {
    const text = '{"a":1}\n{"a":2}\n\n{"a":3,}\n{"a":4}\n';
    const source = await open(text, 1, 9);
    expect(source.rowCount).toBe(1);
    const seen: number[] = [];
    const problem = await source.scan((_, where) => void seen.push(where.row));
    expect(seen).toEqual([0, 1]);
    expect(problem).toMatchObject({ file: "p.jsonl", line: 4, column: 8, row: 2 });
    // The user's next try (another mapping) scans the whole file again and stops at the same record.
    const again: number[] = [];
    expect(await source.scan((_, where) => void again.push(where.row))).toMatchObject({ line: 4, column: 8 });
    expect(again).toEqual([0, 1]);
  });

  it("reads a line longer than a read in one piece", async () => {
    const long = `{"t":"${"x".repeat(100)}"}`;
    const source = await open(`{"a":1}\n${long}\n{"a":2}`, 1, 8);
    const rows = await scanAll(source);
    expect(rows.map(([r]) => r)).toEqual([{ a: 1 }, { t: "x".repeat(100) }, { a: 2 }]);
    expect(await indexJsonLines(blobOf(`{"a":1}\n${long}\n{"a":2}`), undefined, 8)).toEqual(source.index);
  });

  it("refuses a file of blank lines however far it is read", async () => {
    const opened = await openJsonl(blobOf(" \n\r\n\t\n"), info(), undefined, 1, 2);
    expect(opened.ok).toBe(false);
    if (!opened.ok) expect(opened.reason.message).toBe("the file contains only blank lines: no records");
  });
});

describe("a session over a JSON Lines file larger than one read", () => {
  it("equals the session over the fully indexed file", async () => {
    // 9+ MB: more than the 8 MB first read, so the extraction scan indexes the rest.
    const text = pairLines((lines) => lines.length * 300 < 9.5e6);
    const lines = text.split("\n").slice(0, -1);
    const blob = blobOf(text);
    expect(blob.size).toBeGreaterThan(9e6);
    const inspected0 = await DatasetSession.inspect(blob, "big.jsonl");
    if (!inspected0.ok) throw new Error("inspect failed");
    expect((inspected0.data.source as JsonRowsSource).indexPending).toBe(true);
    expect(inspected0.data.source.rowCount).toBeLessThan(lines.filter((l) => l).length);
    const partial = await DatasetSession.open(blob, "big.jsonl");
    const source = await openSource(blob, "big.jsonl");
    if (!partial.ok || !source.ok) throw new Error("open failed");
    expect(source.data.rowCount).toBe(lines.filter((l) => l).length);
    const inspected = await DatasetSession.inspectSource(source.data);
    if (!inspected.ok) throw new Error("inspect failed");
    const full = await DatasetSession.fromOpened(inspected.data);
    if (!full.ok) throw new Error("fromOpened failed");
    const a = partial.data;
    const b = full.data;
    expect(a.source.rowCount).toBe(b.source.rowCount);
    expect(a.summary()).toEqual(b.summary());
    expect(a.margins().explicit).toEqual(b.margins().explicit);
    const spec = a.currentSpec();
    expect(a.select(spec).indices).toEqual(b.select(spec).indices);
    const last = b.source.rowCount - 1;
    expect(await a.source.getRecords([last, 0])).toEqual(await b.source.getRecords([last, 0]));
  });
});

describe("JSON Lines indexed from line feeds the reader found (the dataset worker's helper)", () => {
  afterEach(() => setBlobReader(null));

  it("gives the same rows and index as the indexer's own search, whatever the read size, the helper on or off per read", async () => {
    const full = await open(TEXT, Infinity, 1 << 20);
    const expected = await scanAll(full);
    const longLine = `{"a":1}\n{"t":"${"x".repeat(100)}"}\n{"a":2}`;
    const longIndex = await indexJsonLines(blobOf(longLine), undefined, 8);
    let reads = 0;
    let found = 0;
    setBlobReader({
      read: readDirect,
      readLines: async (blob, start, end) => {
        const bytes = await readDirect(blob, start, end);
        // Every third read comes back without line feeds (a helper that died: the indexer searches itself).
        if (reads++ % 3 === 2) return { bytes, lineFeeds: null };
        found++;
        return { bytes, lineFeeds: findLineFeeds(bytes) };
      },
    });
    for (let chunk = 1; chunk <= 24; chunk++) {
      for (const partialRows of [1, 2, 4, Infinity]) {
        const source = await open(TEXT, partialRows, chunk);
        expect(await scanAll(source)).toEqual(expected);
        expect(source.index).toEqual(full.index);
      }
      expect(await indexJsonLines(blobOf(longLine), undefined, chunk)).toEqual(longIndex);
    }
    expect(found).toBeGreaterThan(100);
  });

  it("finds every line feed in order", () => {
    const bytes = new TextEncoder().encode("\na\n\nbc\r\n" + "x".repeat(3000) + "\n");
    expect([...findLineFeeds(bytes)]).toEqual([0, 2, 3, 7, 3008]);
    expect([...findLineFeeds(new Uint8Array(0))]).toEqual([]);
    const many = new Uint8Array(5000).fill(0x0a);
    expect(findLineFeeds(many)).toEqual(Int32Array.from({ length: 5000 }, (_, i) => i));
  });
});
