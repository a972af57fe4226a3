/**
 * The File System Access API's save dialog (`window.showSaveFilePicker`, Chromium-based browsers), where the browser
 * has it: the page asks for a file to save an export into and hands the handle to the dataset worker, which streams
 * the export into it. Elsewhere (Firefox, Safari) exports are downloads of a chunked Blob.
 */
import type { ExportFormat } from "@/lib/dataset/types";
import { exportMimeType } from "@/lib/export/mime-types";

/** The options of `showSaveFilePicker` the app passes. */
export interface SaveFilePickerOptions {
  suggestedName: string;
  types: { description: string; accept: Record<string, string[]> }[];
  /** Remembers the folder last saved to, apart from other pickers. */
  id: string;
}

/** `showSaveFilePicker`'s signature. */
export type ShowSaveFilePicker = (options?: SaveFilePickerOptions) => Promise<FileSystemFileHandle>;

const DESCRIPTIONS: Record<ExportFormat, string> = {
  jsonl: "JSON Lines",
  json: "JSON",
  csv: "CSV",
  tsv: "TSV",
  parquet: "Parquet",
  trl: "TRL preference JSON Lines",
};

/** The page's `showSaveFilePicker`, or null where the browser has none (or `scope` is not a page). */
export function saveFilePicker(scope: unknown = globalThis): ShowSaveFilePicker | null {
  const picker = (scope as { showSaveFilePicker?: unknown } | null)?.showSaveFilePicker;
  return typeof picker === "function" ? (picker.bind(scope) as ShowSaveFilePicker) : null;
}

/** Picker options for an export named `fileName` in `format`: that name, that format's type and extension. */
export function pickerOptions(fileName: string, format: ExportFormat): SaveFilePickerOptions {
  const dot = fileName.lastIndexOf(".");
  const extension = dot > 0 ? fileName.slice(dot) : format === "trl" ? ".jsonl" : `.${format}`;
  return {
    suggestedName: fileName,
    types: [{ description: DESCRIPTIONS[format], accept: { [exportMimeType(format)]: [extension] } }],
    id: "margin-atlas-export",
  };
}

/**
 * Asks for the file to save into; null when the user dismisses the dialog. Must run in the click's task (the
 * dialog needs the user's gesture). Other failures (a blocked dialog) throw.
 */
export async function pickSaveFile(
  picker: ShowSaveFilePicker,
  fileName: string,
  format: ExportFormat,
): Promise<FileSystemFileHandle | null> {
  try {
    return await picker(pickerOptions(fileName, format));
  } catch (err) {
    if ((err as { name?: string })?.name === "AbortError") return null;
    throw err;
  }
}
