/** MIME types of the export formats (a small module: the page needs them for the save dialog without the writers). */
import type { DatasetFormat, ExportFormat } from "@/lib/dataset/types";

const MIME: Record<DatasetFormat, string> = {
  jsonl: "application/x-ndjson",
  json: "application/json",
  csv: "text/csv",
  tsv: "text/tab-separated-values",
  parquet: "application/vnd.apache.parquet",
};

/** The MIME type of an export in `format` (the TRL export is JSON Lines). */
export function exportMimeType(format: ExportFormat): string {
  return format === "trl" ? MIME.jsonl : MIME[format];
}
