/**
 * Names of the files of a dataset read from several (shards): their order and the dataset's name. Pure and light:
 * the page uses it before any file is read.
 */

/** One picked or downloaded file: its bytes and the name (or relative path) it is known by. */
export interface NamedBlob {
  blob: Blob;
  name: string;
}

/** Runs of digits and of other characters, for a natural comparison of names. */
const RUNS = /\d+|\D+/g;

/**
 * Orders file names as a user expects for shards: digit runs compare by value (`part-2` before `part-10`), the
 * rest by code unit, so the order is the same in every browser and in Node (no locale collation).
 */
export function compareShardNames(a: string, b: string): number {
  const ra = a.match(RUNS) ?? [];
  const rb = b.match(RUNS) ?? [];
  for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
    const x = ra[i];
    const y = rb[i];
    if (x === y) continue;
    const dx = x.charCodeAt(0) >= 48 && x.charCodeAt(0) <= 57;
    const dy = y.charCodeAt(0) >= 48 && y.charCodeAt(0) <= 57;
    if (dx && dy) {
      // By value without Number (ids longer than 2^53 stay exact): fewer significant digits is smaller.
      const vx = x.replace(/^0+/, "");
      const vy = y.replace(/^0+/, "");
      if (vx.length !== vy.length) return vx.length - vy.length;
      if (vx !== vy) return vx < vy ? -1 : 1;
      continue;
    }
    return x < y ? -1 : 1;
  }
  if (ra.length !== rb.length) return ra.length - rb.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The files in row order (see {@link compareShardNames}); a stable sort, so equal names keep the order given. */
export function sortShards<T extends { name: string }>(files: readonly T[]): T[] {
  return [...files].sort((x, y) => compareShardNames(x.name, y.name));
}

/**
 * The extensions `formatFromName` (source.ts) reads, optionally `.gz`. Stated again here so that the page, which
 * names and lists files, does not load the readers (Parquet, CSV) that only the workers need.
 */
export const DATA_FILE_EXTENSION = /\.(?:jsonl|ndjson|json|csv|tsv|tab|parquet|pq)(?:\.gz)?$/i;

/** A data extension (as above), or a bare `.gz`, captured. */
const DATA_EXTENSION = /(\.(?:jsonl|ndjson|json|csv|tsv|tab|parquet|pq)(?:\.gz)?|\.gz)$/i;
/** A shard counter at the end of a stem: `-00000-of-00004` (with the hash `datasets` may add), `_3`, `.12`. */
const SHARD_SUFFIX = /(?:[-_.]?\d+(?:[-_]of[-_]\d+)?(?:-[0-9a-f]{8,})?)$/i;

/**
 * A name for the whole dataset, from its files' names (in row order): `train.parquet` for
 * `data/train-00000-of-00004.parquet` …; the split folder for `default/train/0000.parquet`; else the common
 * beginning of the names, or `dataset`. One file keeps its name.
 */
export function datasetNameOf(names: readonly string[]): string {
  if (names.length === 1) return names[0];
  const parts = names.map((n) => {
    const segments = n.replace(/\\/g, "/").split("/").filter(Boolean);
    const base = segments.pop() ?? n;
    const ext = DATA_EXTENSION.exec(base)?.[1] ?? "";
    let stem = base.slice(0, base.length - ext.length).replace(SHARD_SUFFIX, "");
    // `<config>/<split>/0000.parquet` (the Hub's Parquet conversion): the folder names the rows.
    if (stem === "" && segments.length > 0) stem = segments[segments.length - 1];
    return { stem, ext };
  });
  const ext = parts.every((p) => p.ext === parts[0].ext) ? parts[0].ext : "";
  if (parts[0].stem !== "" && parts.every((p) => p.stem === parts[0].stem)) return parts[0].stem + ext;
  let prefix = parts[0].stem;
  for (const p of parts) while (!p.stem.startsWith(prefix)) prefix = prefix.slice(0, -1);
  prefix = prefix.replace(/[-_. ]+$/, "");
  return (prefix || "dataset") + ext;
}
