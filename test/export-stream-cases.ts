/**
 * Datasets on which the streamed export is checked against the export as it was before streaming (every input
 * format, every export format, with and without computed columns): seeded rows with exact integers beyond 2^53,
 * nested values, non-ASCII text, quotes and line breaks in CSV cells, typed CSV columns, missing margins, and enough
 * rows that batches (2,000 rows), the 1 MB write buffer and Parquet row groups (10,000 rows) all turn over.
 */
import { createHash } from "node:crypto";
import { parquetWriteBuffer } from "hyparquet-writer";
import type { ExportFormat } from "@/lib/dataset/types";
import { createRng } from "@/lib/metrics/random";
import { DEFAULT_SETTINGS, specFromSettings } from "@/lib/selection/settings";
import { DatasetSession } from "@/lib/workbench/session";

/** Every export format of the app (the CLI's `--format` list). */
export const EXPORT_FORMATS: ExportFormat[] = ["jsonl", "json", "csv", "tsv", "parquet", "trl"];

/** One dataset: its file name and bytes. */
export interface StreamCase {
  name: string;
  file: () => Blob;
}

const BIG = 2n ** 60n + 1n;
const HUGE = 2n ** 70n + 3n;

/** A margin, or null for ~3 % of rows (exported as null / empty cells). */
function margin(rng: () => number, scale: number): number | null {
  return rng() < 0.03 ? null : Math.round((rng() - 0.3) * scale * 1e6) / 1e6;
}

/** TRL-string JSON Lines, 12,000 rows: exact integers, nested values, non-ASCII text. */
function trlJsonl(): Blob {
  const rng = createRng(7);
  const lines: string[] = [];
  for (let i = 0; i < 12_000; i++) {
    const words = "lorem ipsum dolor é ✓ 𝛃 ".repeat(1 + (i % 7));
    const line = JSON.stringify({
      prompt: `Question ${i}: ${words}?`,
      chosen: `Good "answer" ${i}\n${words}`,
      rejected: `Bad answer ${i}`,
      rm_margin: margin(rng, 8),
      logp_margin_norm: margin(rng, 4),
      id: "@ID@",
      meta: { seed: "@SEED@", tags: ["a", i % 3 === 0 ? "b" : "c"] },
    })
      .replace('"@ID@"', (BIG + BigInt(i)).toString())
      .replace('"@SEED@"', i % 5 === 0 ? HUGE.toString() : String(i));
    lines.push(line);
  }
  return new Blob([lines.join("\n") + "\n"]);
}

/** A pretty-printed JSON array of chat message lists (the minified-to-JSON-Lines path). */
function chatJson(): Blob {
  const rng = createRng(11);
  const rows = Array.from({ length: 3_000 }, (_, i) => ({
    chosen: [
      { role: "system", content: i % 4 === 0 ? "Be brief." : "" },
      { role: "user", content: `Q${i} ü` },
      { role: "assistant", content: `A good one, ${i}` },
    ].filter((m) => m.content !== ""),
    rejected: [
      { role: "system", content: i % 4 === 0 ? "Be brief." : "" },
      { role: "user", content: `Q${i} ü` },
      { role: "assistant", content: `A bad one, ${i}` },
    ].filter((m) => m.content !== ""),
    score_chosen: margin(rng, 10),
    score_rejected: margin(rng, 10),
    logp_margin_norm: margin(rng, 4),
    count: i,
  }));
  return new Blob([JSON.stringify(rows, null, 2) + "\n"]);
}

/** CSV cells typed per column on export: numbers, booleans, JSON lists, quotes, line breaks, big integers. */
function typedCsv(delimiter: string): Blob {
  const rng = createRng(13);
  const quote = (s: string) =>
    s.includes(delimiter) || s.includes('"') || s.includes("\n") ? `"${s.replace(/"/g, '""')}"` : s;
  const header = ["prompt", "chosen", "rejected", "rm_margin", "logp_margin_norm", "flag", "tags", "id", "note"];
  const lines = [header.join(delimiter)];
  for (let i = 0; i < 5_000; i++) {
    const explicit = margin(rng, 8);
    const implicit = margin(rng, 4);
    lines.push(
      [
        `q${i}, or "${i}"?`,
        `good\n${i}`,
        `bad ${i}`,
        explicit === null ? "" : String(explicit),
        implicit === null ? "" : String(implicit),
        i % 9 === 0 ? "" : String(i % 2 === 0),
        i % 4 === 0 ? "" : JSON.stringify(["x", i]),
        (BIG + BigInt(i)).toString(),
        i % 6 === 0 ? " edge " : `n${i}`,
      ]
        .map(quote)
        .join(delimiter),
    );
  }
  return new Blob([lines.join("\r\n") + "\r\n"]);
}

/** Parquet with nested chat lists, INT64 beyond 2^53, doubles with nulls, in row groups of 1,000. */
function paperParquet(): Blob {
  const rng = createRng(17);
  const n = 11_000;
  const records = Array.from({ length: n }, (_, i) => ({
    prompt: `question ${i} é`,
    chosen: [
      { role: "user", content: `question ${i} é` },
      { role: "assistant", content: `good answer ${i}` },
    ],
    rejected: [
      { role: "user", content: `question ${i} é` },
      { role: "assistant", content: `bad answer ${i}` },
    ],
    rm_margin: margin(rng, 8),
    logp_margin_norm: margin(rng, 4),
    id: BIG + BigInt(i),
  }));
  const utf8 = { type: "BYTE_ARRAY" as const, converted_type: "UTF8" as const, repetition_type: "OPTIONAL" as const };
  const messages = (name: string) => [
    { name, repetition_type: "OPTIONAL" as const, converted_type: "LIST" as const, num_children: 1 },
    { name: "list", repetition_type: "REPEATED" as const, num_children: 1 },
    { name: "element", repetition_type: "OPTIONAL" as const, num_children: 2 },
    { name: "role", ...utf8 },
    { name: "content", ...utf8 },
  ];
  const names = ["prompt", "chosen", "rejected", "rm_margin", "logp_margin_norm", "id"] as const;
  const buffer = parquetWriteBuffer({
    schema: [
      { name: "root", num_children: names.length },
      { name: "prompt", ...utf8 },
      ...messages("chosen"),
      ...messages("rejected"),
      { name: "rm_margin", type: "DOUBLE", repetition_type: "OPTIONAL" },
      { name: "logp_margin_norm", type: "DOUBLE", repetition_type: "OPTIONAL" },
      { name: "id", type: "INT64", repetition_type: "REQUIRED" },
    ],
    columnData: names.map((name) => ({ name, data: records.map((r) => r[name]) })),
    rowGroupSize: 1_000,
  });
  return new Blob([buffer]);
}

/** The datasets, by file name (the name picks the reader). */
export const STREAM_CASES: StreamCase[] = [
  { name: "trl.jsonl", file: trlJsonl },
  { name: "chat.json", file: chatJson },
  { name: "typed.csv", file: () => typedCsv(",") },
  { name: "typed.tsv", file: () => typedCsv("\t") },
  { name: "paper.parquet", file: paperParquet },
];

/** Opens a case as the app does and selects with the default settings (top 40 % by M_AP). */
export async function openCase(c: StreamCase): Promise<DatasetSession> {
  const opened = await DatasetSession.open(c.file(), c.name);
  if (!opened.ok) throw new Error(`${c.name}: ${opened.reason.message}`);
  const session = opened.data;
  const spec = specFromSettings(DEFAULT_SETTINGS);
  const problem = await session.prepare(spec);
  if (problem) throw new Error(`${c.name}: ${problem.message}`);
  session.select(spec);
  return session;
}

/** SHA-256 (hex) of chunks taken as one file. */
export function sha256(chunks: Uint8Array[]): string {
  const hash = createHash("sha256");
  for (const c of chunks) hash.update(c);
  return hash.digest("hex");
}
