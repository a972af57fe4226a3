/**
 * The browsers' scan path (row texts decoded by runs of ASCII rows, lib/dataset/readers/row-texts.ts) run in Node:
 * every record, line, field and problem the same as decoding row by row.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { JsonRowsSource } from "@/lib/dataset/readers/json-records";
import { setDecodeByRuns } from "@/lib/dataset/readers/row-texts";
import { openSource } from "@/lib/dataset/source";
import type { ParseProblem, RawRecord } from "@/lib/dataset/types";
import { blobOf } from "@/test/source-helpers";

afterEach(() => setDecodeByRuns(null));

async function scanned(content: string | Uint8Array, name: string, byRuns: boolean) {
  setDecodeByRuns(byRuns);
  const opened = await openSource(blobOf(content), name);
  if (!opened.ok) return { open: opened.reason };
  const source = opened.data as JsonRowsSource;
  const seen: [RawRecord, number, number | undefined][] = [];
  const problem: ParseProblem | null = await source.scan((r, where) => void seen.push([r, where.row, where.line]));
  // Rows fetched out of order and with gaps, as the table and the inspector ask for them.
  const some = [source.rowCount - 1, 0, 5, 6, 7, 9, 100, 64, 65, 300, 1500].filter((r) => r < source.rowCount);
  const fetched = some.length > 0 ? await source.getRecords(some).catch((e: Error) => e.message) : null;
  return { seen, problem, fields: source.fields, fetched };
}

/** 3,000 records: ASCII runs longer than a run, non-ASCII (2-, 3- and 4-byte) rows, blank and CRLF lines, a BOM. */
const mixed =
  "\uFEFF" +
  Array.from({ length: 3000 }, (_, k) => {
    const t = k % 97 === 5 ? "ü€😀" : k % 13 === 0 ? "é" : "x".repeat(k % 50);
    const sep = k % 17 === 0 ? "\r\n\r\n" : k % 23 === 0 ? "\n  \n" : "\n";
    return `{"k":${k},"t":"${t}","s":${k / 7}}${sep}`;
  }).join("");

describe("a JSON scan by runs of ASCII rows", () => {
  it("gives the records, rows, lines and fields of the row-by-row scan", async () => {
    const a = await scanned(mixed, "m.jsonl", true);
    const b = await scanned(mixed, "m.jsonl", false);
    expect(a.seen?.length).toBe(3000);
    expect(a).toEqual(b);
  });

  it("reports a bad record and invalid UTF-8 at the same line and column", async () => {
    const bad = mixed.replace('{"k":2000,', '{"k":2000,,');
    expect((await scanned(bad, "m.jsonl", true)).problem).toEqual((await scanned(bad, "m.jsonl", false)).problem);
    const bytes = new TextEncoder().encode(mixed);
    const at = bytes.indexOf(0x78, bytes.length >> 1);
    bytes[at] = 0xff;
    const a = await scanned(bytes, "m.jsonl", true);
    expect(a.problem).toMatchObject({ message: "the record is not valid UTF-8 text" });
    expect(a).toEqual(await scanned(bytes, "m.jsonl", false));
  });

  it("reads a JSON array the same way", async () => {
    const array = `[${Array.from({ length: 500 }, (_, k) => `{"k":${k},"t":"${k % 9 ? "a" : "ß"}"}`).join(",\n")}]`;
    const a = await scanned(array, "m.json", true);
    expect(a.seen?.length).toBe(500);
    expect(a).toEqual(await scanned(array, "m.json", false));
  });
});
