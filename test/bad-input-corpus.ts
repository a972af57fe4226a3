/**
 * The bad-input corpus of issue 11: files a curator gets from other tools, each with what loading it must say.
 * One table for the CLI test (`bin/bad-input-corpus.test.ts`) and the UI test (`e2e/bad-input-corpus.spec.ts`):
 * an error names the file and where (line, column, field); a file that loads has an exact row count and, where a
 * value was read with a coercion, a note naming the field. The files are generated (a 10 MB field is not kept in
 * git); `writeCorpus` writes them into a folder.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";

/** What loading a corpus file must give. */
export type BadInputExpectation =
  /** Refused: the message (one line, CLI stderr and the UI alert alike) matches every pattern. */
  | { kind: "error"; message: RegExp[] }
  /** Loaded: exactly `rows` rows; each note pattern matches a line the CLI writes to stderr and text on the page. */
  | { kind: "loaded"; rows: number; notes?: RegExp[] };

/** One corpus file. */
export interface BadInputCase {
  /** File name, unique in the corpus (it is also what the messages must name). */
  file: string;
  /** What is wrong with it, for test titles. */
  what: string;
  bytes: () => Uint8Array;
  expect: BadInputExpectation;
  /**
   * Set when the CLI already says something the app does not show yet: the UI test then checks the row count only
   * and records this as an "expected-to-note" annotation.
   */
  uiPending?: string;
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** A well-formed TRL record with both margins. */
const good = (i: number) =>
  JSON.stringify({ prompt: `q${i}`, chosen: `a${i}`, rejected: `b${i}`, rm_margin: i / 10, logp_margin_norm: -i / 20 });
const goodLines = (n: number) => Array.from({ length: n }, (_, i) => good(i + 1));
const CSV_HEADER = "prompt,chosen,rejected,rm_margin,logp_margin_norm";
const csvRow = (i: number) => `q${i},a${i},b${i},${i / 10},${-i / 20}`;

/** Bytes of a 1×1 PNG: what a misnamed image starts with. */
const PNG = Uint8Array.from(
  Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
    "base64",
  ),
);

/** Size of the long text field: 10 MB. */
export const LONG_FIELD_BYTES = 10 * 1024 * 1024;

/** Every corpus case, in a stable order. */
export const BAD_INPUT_CORPUS: BadInputCase[] = [
  {
    file: "truncated-line.jsonl",
    what: "the last line is cut off mid-record",
    bytes: () => utf8(`${goodLines(2).join("\n")}\n{"prompt": "q3", "chosen": "a3", "rej`),
    expect: {
      kind: "error",
      message: [/^truncated-line\.jsonl, line 3, column 38: /, /the record is cut short/],
    },
  },
  {
    file: "garbage-line.jsonl",
    what: "a line of plain text between records",
    bytes: () => utf8(`${good(1)}\nthis is not json\n${good(2)}\n`),
    expect: { kind: "error", message: [/^garbage-line\.jsonl, line 2, column 1: /, /invalid JSON: expected/] },
  },
  {
    file: "bom-crlf.jsonl",
    what: "a UTF-8 byte order mark and CRLF line ends",
    bytes: () => utf8(`\uFEFF${goodLines(4).join("\r\n")}\r\n`),
    expect: { kind: "loaded", rows: 4 },
  },
  {
    file: "bom-crlf.csv",
    what: "a CSV with a byte order mark, CRLF line ends and a blank line",
    bytes: () => utf8(`\uFEFF${CSV_HEADER}\r\n${csvRow(1)}\r\n\r\n${csvRow(2)}\r\n${csvRow(3)}\r\n`),
    expect: { kind: "loaded", rows: 3 },
  },
  {
    file: "empty.jsonl",
    what: "an empty file",
    bytes: () => new Uint8Array(0),
    expect: { kind: "error", message: [/^empty\.jsonl: the file is empty$/] },
  },
  {
    file: "whitespace-only.jsonl",
    what: "only spaces and line breaks",
    bytes: () => utf8("  \n\t\r\n   \n"),
    expect: { kind: "error", message: [/^whitespace-only\.jsonl: the file contains only whitespace$/] },
  },
  {
    file: "whitespace-only.csv",
    what: "a CSV of blank lines",
    bytes: () => utf8("   \r\n  \r\n"),
    expect: {
      kind: "error",
      message: [/^whitespace-only\.csv, line 1: /, /the header row is blank: expected column names/],
    },
  },
  {
    file: "header-only.csv",
    what: "a CSV header and no rows",
    bytes: () => utf8(`${CSV_HEADER}\n`),
    expect: { kind: "error", message: [/^header-only\.csv, line 1: /, /no data rows: the file has only a header row/] },
  },
  {
    file: "missing-cell.csv",
    what: "a CSV record with fewer cells than the header",
    bytes: () => utf8(`${CSV_HEADER}\n${csvRow(1)}\nq2,a2,b2\n`),
    expect: {
      kind: "error",
      message: [/^missing-cell\.csv, line 3, field "rm_margin": /, /3 cells, expected 5/, /"logp_margin_norm"/],
    },
  },
  {
    file: "unclosed-quote.csv",
    what: "a quoted CSV cell that never closes",
    bytes: () => utf8(`${CSV_HEADER}\n${csvRow(1)}\n"q2,a2,b2,0.2,-0.1\n${csvRow(3)}\n`),
    expect: { kind: "error", message: [/^unclosed-quote\.csv, line 3: /, /never closes/] },
  },
  {
    file: "missing-field.jsonl",
    what: "a record without the rejected response",
    bytes: () => utf8(`${goodLines(2).join("\n")}\n${JSON.stringify({ prompt: "q", chosen: "a", rm_margin: 1 })}\n`),
    expect: { kind: "error", message: [/^missing-field\.jsonl, line 3, field "rejected": /] },
  },
  {
    file: "wrong-type.jsonl",
    what: "a word in the margin field",
    bytes: () =>
      utf8(
        `${goodLines(2).join("\n")}\n${JSON.stringify({ prompt: "q", chosen: "a", rejected: "b", rm_margin: "high", logp_margin_norm: 0.1 })}\n`,
      ),
    expect: {
      kind: "error",
      message: [/^wrong-type\.jsonl, line 3, field "rm_margin": /, /expected a number/, /"high"/],
    },
  },
  {
    file: "invalid-utf8.jsonl",
    what: "bytes that are not UTF-8 in a record",
    bytes: () =>
      concat(utf8(`${good(1)}\n{"prompt":"q`), Uint8Array.of(0xff, 0xfe), utf8(`","chosen":"a","rejected":"b"}\n`)),
    expect: { kind: "error", message: [/^invalid-utf8\.jsonl, line 2, column 1: /, /not valid UTF-8/] },
  },
  {
    file: "truncated.jsonl.gz",
    what: "a gzip file cut short",
    bytes: () => {
      const whole = zlib.gzipSync(Buffer.from(goodLines(200).join("\n") + "\n"));
      return new Uint8Array(whole.subarray(0, Math.floor(whole.length / 2)));
    },
    expect: { kind: "error", message: [/^truncated\.jsonl\.gz: the gzip data is damaged or cut short/] },
  },
  {
    file: "image.jsonl",
    what: "a PNG image renamed .jsonl",
    bytes: () => PNG,
    expect: { kind: "error", message: [/^image\.jsonl, line 1, column 1: the record is not valid UTF-8 text/] },
  },
  {
    file: "long-field.jsonl",
    what: "a 10 MB chosen response",
    bytes: () =>
      utf8(
        [
          good(1),
          JSON.stringify({
            prompt: "q2",
            chosen: "x".repeat(LONG_FIELD_BYTES),
            rejected: "b2",
            rm_margin: 0.2,
            logp_margin_norm: -0.1,
          }),
          good(3),
        ].join("\n") + "\n",
      ),
    expect: { kind: "loaded", rows: 3 },
  },
  {
    file: "script-tags.jsonl",
    what: "HTML script tags and markup in the texts",
    bytes: () =>
      utf8(
        [
          JSON.stringify({
            prompt: '<script>document.title="pwned"</script>',
            chosen: "<img src=x onerror=\"document.title='pwned'\">",
            rejected: "</textarea><b>bold</b>",
            rm_margin: 1,
            logp_margin_norm: 0.5,
          }),
          ...goodLines(2),
        ].join("\n") + "\n",
      ),
    expect: { kind: "loaded", rows: 3 },
  },
  {
    file: "number-as-string.jsonl",
    what: 'a margin written as the string "8.0"',
    bytes: () =>
      utf8(
        `${goodLines(2).join("\n")}\n${JSON.stringify({ prompt: "q", chosen: "a", rejected: "b", rm_margin: "8.0", logp_margin_norm: 0.1 })}\n`,
      ),
    expect: {
      kind: "loaded",
      rows: 3,
      notes: [/field "rm_margin": 1 row hold a number written as text \(e\.g\. "8\.0"\), read as a number/],
    },
  },
  {
    file: "nan-infinity.jsonl",
    what: "Python's bare NaN and Infinity in margin fields",
    bytes: () =>
      utf8(
        `${goodLines(2).join("\n")}\n` +
          '{"prompt":"q","chosen":"a","rejected":"b","rm_margin":NaN,"logp_margin_norm":0.1}\n' +
          '{"prompt":"r","chosen":"c","rejected":"d","rm_margin":Infinity,"logp_margin_norm":-Infinity}\n',
      ),
    expect: {
      kind: "loaded",
      rows: 4,
      notes: [
        /field "rm_margin": 2 rows hold a bare NaN \(Python's json\.dumps, not JSON\), read as missing/,
        /field "logp_margin_norm": 1 row hold a bare -Infinity/,
      ],
    },
  },
  {
    file: "long-integer.jsonl",
    what: "an integer margin beyond 2^53",
    bytes: () =>
      utf8(
        `${goodLines(2).join("\n")}\n{"prompt":"q","chosen":"a","rejected":"b","rm_margin":9007199254740993,"logp_margin_norm":0}\n`,
      ),
    expect: {
      kind: "error",
      message: [/^long-integer\.jsonl, line 3, field "rm_margin": /, /9007199254740993/, /2\^53/],
    },
  },
  {
    file: "duplicate-keys.jsonl",
    what: "a key written twice in one record",
    bytes: () =>
      utf8(
        `${goodLines(2).join("\n")}\n{"prompt":"q","chosen":"a","rejected":"b","rm_margin":1,"rm_margin":2,"logp_margin_norm":0}\n`,
      ),
    expect: {
      kind: "loaded",
      rows: 3,
      notes: [
        /1 row has a duplicate key "rm_margin": the last value is used, as JSON\.parse and Python's json do \(first: line 3\)/,
      ],
    },
  },
];

/** Writes every corpus file into a new temporary folder; returns the path of each file by name. */
export function writeCorpus(): Map<string, string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-bad-input-"));
  const paths = new Map<string, string>();
  for (const c of BAD_INPUT_CORPUS) {
    const p = path.join(dir, c.file);
    fs.writeFileSync(p, c.bytes());
    paths.set(c.file, p);
  }
  return paths;
}
