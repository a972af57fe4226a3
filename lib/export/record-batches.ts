/** Reading export rows as parsed records in batches, shared by the format writers. */
import type { RawRecord } from "@/lib/dataset/types";
import type { RowSource } from "@/lib/dataset/source";

/** Rows parsed per batch: bounds the records alive at once during an export of 10⁶ rows. */
export const BATCH_ROWS = 2000;

/** The given rows in batches of records, in order. */
export async function* recordBatches(
  source: RowSource,
  rows: ArrayLike<number>,
): AsyncGenerator<{ first: number; records: RawRecord[] }> {
  for (let first = 0; first < rows.length; first += BATCH_ROWS) {
    const batch = Array.prototype.slice.call(rows, first, Math.min(rows.length, first + BATCH_ROWS)) as number[];
    yield { first, records: await source.getRecords(batch) };
  }
}
