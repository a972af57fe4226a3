/** Helpers for reader and export tests: opening sources, full scans and a paper-style Parquet fixture. */
import { expect } from "vitest";
import { parquetWriteBuffer } from "hyparquet-writer";
import { openSource, type RowSource } from "@/lib/dataset/source";
import type { ParseProblem } from "@/lib/dataset/types";

/** A Blob of the given text or bytes. */
export function blobOf(content: string | Uint8Array): Blob {
  return new Blob([content as BlobPart]);
}

/**
 * JSON Lines of pairs with scores until `more(lines so far)` is false: non-ASCII padding of varied length, a pair
 * with identical responses every 997 rows, and a blank line every 1000 rows.
 */
export function pairLines(more: (lines: string[]) => boolean): string {
  const lines: string[] = [];
  for (let i = 0; more(lines); i++) {
    const pad = "é".repeat(i % 50) + "z".repeat(200);
    lines.push(
      JSON.stringify({
        prompt: `q${i} ${pad}`,
        chosen: `c${i}`,
        rejected: i % 997 === 0 ? `c${i}` : `r${i}`,
        score_chosen: (i * 7) % 13,
        score_rejected: (i * 5) % 11,
      }),
    );
    if (i % 1000 === 0) lines.push("");
  }
  return lines.join("\n") + "\n";
}

/** Opens and expects success. */
export async function openOk(content: string | Uint8Array | Blob, name: string): Promise<RowSource> {
  const blob = content instanceof Blob ? content : blobOf(content);
  const result = await openSource(blob, name);
  if (!result.ok) throw new Error(`expected ${name} to open, got: ${JSON.stringify(result.reason)}`);
  return result.data;
}

/** Opens and expects a problem. */
export async function openProblem(content: string | Uint8Array, name: string): Promise<ParseProblem> {
  const result = await openSource(blobOf(content), name);
  expect(result.ok).toBe(false);
  return (result as { ok: false; reason: ParseProblem }).reason;
}

/** All records of a source, by a full scan. */
export async function scanAll(source: RowSource): Promise<{ records: unknown[]; problem: ParseProblem | null }> {
  const records: unknown[] = [];
  const problem = await source.scan((r) => {
    records.push(r);
  });
  return { records, problem };
}

/** A Parquet file like the paper's processed data: chat lists (list of struct), score lists, numbers, INT64. */
export function paperParquet(rows: number): { buffer: ArrayBuffer; records: Record<string, unknown>[] } {
  const records = Array.from({ length: rows }, (_, i) => ({
    prompt: [{ role: "user", content: `question ${i} é` }],
    chosen: [
      { role: "user", content: `question ${i} é` },
      { role: "assistant", content: `good answer ${i}` },
    ],
    all_rm_scores: [i * 0.5, -(i + 1) * 0.25],
    rm_margin: i * 0.75,
    id: BigInt(i) + (i === rows - 1 ? 2n ** 60n : 0n),
  }));
  const message = [
    { name: "list", repetition_type: "REPEATED" as const, num_children: 1 },
    { name: "element", repetition_type: "OPTIONAL" as const, num_children: 2 },
    {
      name: "role",
      type: "BYTE_ARRAY" as const,
      converted_type: "UTF8" as const,
      repetition_type: "OPTIONAL" as const,
    },
    {
      name: "content",
      type: "BYTE_ARRAY" as const,
      converted_type: "UTF8" as const,
      repetition_type: "OPTIONAL" as const,
    },
  ];
  const schema = [
    { name: "root", num_children: 5 },
    { name: "prompt", repetition_type: "OPTIONAL" as const, converted_type: "LIST" as const, num_children: 1 },
    ...message,
    { name: "chosen", repetition_type: "OPTIONAL" as const, converted_type: "LIST" as const, num_children: 1 },
    ...message,
    { name: "all_rm_scores", repetition_type: "OPTIONAL" as const, converted_type: "LIST" as const, num_children: 1 },
    { name: "list", repetition_type: "REPEATED" as const, num_children: 1 },
    { name: "element", type: "DOUBLE" as const, repetition_type: "OPTIONAL" as const },
    { name: "rm_margin", type: "DOUBLE" as const, repetition_type: "OPTIONAL" as const },
    { name: "id", type: "INT64" as const, repetition_type: "REQUIRED" as const },
  ];
  const names = ["prompt", "chosen", "all_rm_scores", "rm_margin", "id"] as const;
  const buffer = parquetWriteBuffer({
    columnData: names.map((name) => ({ name, data: records.map((r) => r[name]) })),
    schema,
    rowGroupSize: 100,
  });
  return { buffer, records };
}
