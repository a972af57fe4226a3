/** File names for downloads: exported selections, recipes, and the one sanitiser every download goes through. */
import type { ExportFormat } from "@/lib/dataset/types";

const KNOWN_EXTENSIONS = /\.(jsonl|ndjson|json|csv|tsv|tab|parquet|pq)$/i;

/** Longest download name kept, in UTF-16 code units (common file systems allow 255 bytes). */
export const MAX_FILE_NAME_LENGTH = 120;

/**
 * A file name that is safe to offer as a download, whatever the input file was called: no path (only the part after
 * the last `/` or `\`), no control characters or newlines, no characters Windows refuses, no `..`, no leading dots,
 * at most `MAX_FILE_NAME_LENGTH` long with its extension (the part after the last dot, up to 16 characters) kept.
 * The browser cleans names too, but differently per browser: doing it here makes the name the same everywhere.
 */
export function sanitizeFileName(name: string, fallback = "download"): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const cleaned = base
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ")
    .replace(/[<>:"|?*]+/g, "_")
    .replace(/\.{2,}/g, ".")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^[.\s]+/, "")
    .replace(/[.\s]+$/, "");
  const safe = cleaned || fallback;
  if (safe.length <= MAX_FILE_NAME_LENGTH) return safe;
  const dot = safe.lastIndexOf(".");
  const ext = dot > 0 && safe.length - dot <= 17 ? safe.slice(dot) : "";
  return safe.slice(0, MAX_FILE_NAME_LENGTH - ext.length).trimEnd() + ext;
}

/** Strips `.gz` and then one extension: "data.jsonl.gz" → "data"; "" when nothing is left. */
function stemOf(sourceName: string, known: RegExp | null): string {
  const base = sourceName.split(/[\\/]/).pop() ?? sourceName;
  const noGz = base.replace(/\.gz$/i, "");
  return known ? noGz.replace(known, "") : noGz.replace(/\.[^.]*$/, "");
}

/**
 * e.g. "test.jsonl.gz" + jsonl → "test.selected.jsonl"; "data.csv" + parquet → "data.selected.parquet"; the TRL
 * export is JSON Lines: "data.csv" + trl → "data.selected.trl.jsonl".
 */
export function exportFileName(sourceName: string, format: ExportFormat): string {
  return suffixed(
    stemOf(sourceName, KNOWN_EXTENSIONS),
    format === "trl" ? ".selected.trl.jsonl" : `.selected.${format}`,
  );
}

/** The recipe's download name: "data.jsonl.gz" → "data.recipe.json". */
export function recipeFileName(sourceName: string): string {
  return suffixed(stemOf(sourceName, null), ".recipe.json");
}

/** `stem + suffix`, sanitised, with the suffix kept whole when the stem is cut to fit the length limit. */
function suffixed(stem: string, suffix: string): string {
  const clean = sanitizeFileName(stem, "dataset")
    .slice(0, MAX_FILE_NAME_LENGTH - suffix.length)
    .trimEnd();
  return sanitizeFileName(clean + suffix);
}
