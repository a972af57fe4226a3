/**
 * "The same shards" export of a dataset read from several files: one file per input file, with the selected rows
 * of that file in it (in their order), named after it. Every input file gets its output, an empty one included,
 * so names like `train-00002-of-00004` still count right.
 */
import type { RowSource } from "@/lib/dataset/source";
import type { ColumnMapping, ExportFormat } from "@/lib/dataset/types";
import { exportFileName } from "@/lib/export/download-name";
import { exportRows, type ExtraColumn } from "@/lib/export/export";

/** One exported shard. */
export interface ShardExport {
  blob: Blob;
  fileName: string;
  /** Rows written to it. */
  count: number;
}

/**
 * Splits the selected rows (ascending) by the file holding them and exports each part like `exportRows` does
 * (verbatim in the input's format, or converted); a source of one file gives one export. Extras are indexed by
 * global row; `mapping` is what a TRL export reads pairs with.
 */
export async function exportShards(
  source: RowSource,
  rows: ArrayLike<number>,
  format: ExportFormat,
  extra?: ExtraColumn[],
  mapping?: ColumnMapping,
): Promise<ShardExport[]> {
  const files = source.info.files;
  if (!files || files.length < 2 || !source.shardOf) {
    const blob = await exportRows(source, rows, format, extra, mapping);
    return [{ blob, fileName: exportFileName(source.info.name, format), count: rows.length }];
  }
  const parts: number[][] = files.map(() => []);
  for (let i = 0; i < rows.length; i++) parts[source.shardOf(rows[i])].push(rows[i]);
  const out: ShardExport[] = [];
  for (let k = 0; k < files.length; k++) {
    const blob = await exportRows(source, parts[k], format, extra, mapping);
    out.push({ blob, fileName: exportFileName(files[k].name, format), count: parts[k].length });
  }
  return out;
}
