/** File names for exported selections. */
import type { DatasetFormat } from "@/lib/dataset/types";

const KNOWN_EXTENSIONS = /\.(jsonl|ndjson|json|csv|tsv|tab|parquet|pq)$/i;

/** e.g. "test.jsonl.gz" + jsonl → "test.selected.jsonl"; "data.csv" + parquet → "data.selected.parquet". */
export function exportFileName(sourceName: string, format: DatasetFormat): string {
  const base = sourceName.split(/[\\/]/).pop() ?? sourceName;
  const stem = base.replace(/\.gz$/i, "").replace(KNOWN_EXTENSIONS, "") || "dataset";
  return `${stem}.selected.${format}`;
}
