/**
 * Several files read as one dataset (`train-00000-of-00004.parquet` …, a folder of JSON Lines): each file is opened
 * by `openSource` on its own, then their rows follow one another in the order of the file names as a person sorts
 * shards (numbers by value). Row ids are global; problems keep the file's own name, line and row, so a bad record
 * is found in the file that holds it. A verbatim export still works when the files share a format (and, for CSV, a
 * header; for Parquet, a schema): the byte ranges or decoded rows of every file are handed out as one.
 */
import { concatBlobs } from "@/lib/dataset/readers/bytes";
import { openSource, type NativeRows, type RowSource } from "@/lib/dataset/source";
import { datasetNameOf, sortShards, type NamedBlob } from "@/lib/dataset/shard-names";
import type { FileInfo, ParseProblem, ParseResult, RawRecord, RecordVisitor, ShardFile } from "@/lib/dataset/types";

export { compareShardNames, datasetNameOf, sortShards, type NamedBlob } from "@/lib/dataset/shard-names";

/** True for equal Parquet schemas (element by element, BigInts as text), so one schema can describe every file. */
function sameJson(a: unknown, b: unknown): boolean {
  const text = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x));
  return text(a) === text(b);
}

/** A row source over several opened files, in the order given. */
class MultiSource implements RowSource {
  readonly info: FileInfo;
  readonly rowCount: number;
  /** First global row of each file, plus the total at the end. */
  readonly rowStarts: Float64Array;
  readonly completeFields?: () => Promise<ParseProblem | null>;
  private fieldsKey = "";
  private fieldsCache: string[] = [];
  private native: NativeRows | undefined | null = null;

  constructor(
    readonly shards: readonly RowSource[],
    name: string,
  ) {
    this.rowStarts = new Float64Array(shards.length + 1);
    shards.forEach((s, k) => (this.rowStarts[k + 1] = this.rowStarts[k] + s.rowCount));
    this.rowCount = this.rowStarts[shards.length];
    const files: ShardFile[] = shards.map((s, k) => ({
      name: s.info.name,
      byteLength: s.info.byteLength,
      firstRow: this.rowStarts[k],
      rowCount: s.rowCount,
    }));
    this.info = {
      name,
      format: shards[0].info.format,
      gzip: shards.every((s) => s.info.gzip),
      byteLength: shards.reduce((n, s) => n + s.info.byteLength, 0),
      files,
    };
    // "Decompressed to disk" only when every file's copy is on disk (lib/dataset/readers/gzip.ts).
    if (shards.every((s) => s.info.gunzippedTo === "opfs")) this.info.gunzippedTo = "opfs";
    if (shards.some((s) => s.completeFields)) {
      this.completeFields = async () => {
        for (const s of this.shards) {
          const problem = (await s.completeFields?.()) ?? null;
          if (problem) return problem;
        }
        return null;
      };
    }
  }

  /** Union of the files' fields in first-seen order (JSON readers learn fields while parsing: kept up to date). */
  get fields(): string[] {
    const key = this.shards.map((s) => s.fields.length).join(",");
    if (key !== this.fieldsKey) {
      const seen = new Set<string>();
      const out: string[] = [];
      for (const s of this.shards) {
        for (const f of s.fields) {
          if (!seen.has(f)) {
            seen.add(f);
            out.push(f);
          }
        }
      }
      this.fieldsKey = key;
      this.fieldsCache = out;
    }
    return this.fieldsCache;
  }

  /** Index of the file holding global `row`. */
  shardOf(row: number): number {
    if (!(Number.isInteger(row) && row >= 0 && row < this.rowCount)) {
      throw new RangeError(`row ${row} is out of range (0…${this.rowCount - 1})`);
    }
    let lo = 0;
    let hi = this.shards.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.rowStarts[mid] <= row) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Every file's rows as one, when the files share a format family's layout; else undefined (exports convert). */
  get nativeRows(): NativeRows | undefined {
    if (this.native === null) this.native = this.joinNative();
    return this.native;
  }

  private joinNative(): NativeRows | undefined {
    const all = this.shards.map((s) => s.nativeRows);
    const first = all[0];
    if (!first || all.some((n) => !n || n.kind !== first.kind)) return undefined;
    switch (first.kind) {
      case "json-bytes": {
        const parts = all as (typeof first)[];
        const n = this.rowCount;
        const starts = new Float64Array(n);
        const ends = new Float64Array(n);
        const lines = new Float64Array(n);
        let row = 0;
        let shift = 0;
        for (const p of parts) {
          for (let i = 0; i < p.index.starts.length; i++, row++) {
            starts[row] = p.index.starts[i] + shift;
            ends[row] = p.index.ends[i] + shift;
            lines[row] = p.index.lines[i];
          }
          shift += p.bytes.size;
        }
        return { kind: "json-bytes", bytes: concatBlobs(parts.map((p) => p.bytes)), index: { starts, ends, lines } };
      }
      case "csv-bytes": {
        const parts = all as (typeof first)[];
        if (parts.some((p) => p.delimiter !== first.delimiter)) return undefined;
        // Record 0 is the first file's header (every file has the same one: checked at open), then every row.
        const starts = new Float64Array(this.rowCount + 1);
        const ends = new Float64Array(this.rowCount + 1);
        starts[0] = first.index.starts[0];
        ends[0] = first.index.ends[0];
        let at = 1;
        let shift = 0;
        for (const p of parts) {
          for (let i = 1; i < p.index.starts.length; i++, at++) {
            starts[at] = p.index.starts[i] + shift;
            ends[at] = p.index.ends[i] + shift;
          }
          shift += p.bytes.size;
        }
        return {
          kind: "csv-bytes",
          bytes: concatBlobs(parts.map((p) => p.bytes)),
          delimiter: first.delimiter,
          index: { starts, ends, newline: first.index.newline },
        };
      }
      case "parquet-values": {
        const parts = all as (typeof first)[];
        // One schema must describe every row written: files with other schemas are exported by conversion.
        if (parts.some((p) => !sameJson(p.metadata.schema, first.metadata.schema))) return undefined;
        return {
          kind: "parquet-values",
          metadata: first.metadata,
          rawRow: (row) => {
            const k = this.shardOf(row);
            return parts[k].rawRow(row - this.rowStarts[k]);
          },
        };
      }
    }
  }

  /** A visitor's problem about global row `global` of file `k`, told in that file's own name and row. */
  private localise(problem: ParseProblem, k: number, local: number, global: number): ParseProblem {
    return {
      ...problem,
      file: problem.file === this.info.name ? this.shards[k].info.name : problem.file,
      ...(problem.row === global ? { row: local } : {}),
    };
  }

  async scan(visit: RecordVisitor, onProgress?: (fraction: number) => void): Promise<ParseProblem | null> {
    for (let k = 0; k < this.shards.length; k++) {
      const base = this.rowStarts[k];
      const share = (this.rowStarts[k + 1] - base) / Math.max(1, this.rowCount);
      const problem = await this.shards[k].scan(
        (record, where) => {
          const global = base + where.row;
          const found = visit(record, { row: global, line: where.line });
          if (found) return this.localise(found, k, where.row, global);
        },
        onProgress && ((f) => onProgress(base / Math.max(1, this.rowCount) + f * share)),
      );
      if (problem) return problem;
    }
    return null;
  }

  async getRecords(rows: ArrayLike<number>): Promise<RawRecord[]> {
    const byShard = new Map<number, number[]>();
    for (let i = 0; i < rows.length; i++) {
      const k = this.shardOf(rows[i]);
      const list = byShard.get(k);
      if (list) list.push(i);
      else byShard.set(k, [i]);
    }
    const out: RawRecord[] = new Array(rows.length);
    for (const [k, positions] of byShard) {
      const base = this.rowStarts[k];
      const records = await this.shards[k].getRecords(positions.map((i) => rows[i] - base));
      positions.forEach((i, j) => (out[i] = records[j]));
    }
    return out;
  }
}

/**
 * Opens several files as one dataset: each with {@link openSource}, in the order of {@link sortShards}. The files
 * must share a format (JSON Lines, JSON array, CSV, TSV or Parquet; gzip may differ), and CSV/TSV files a header;
 * fields are the union. One file returns exactly `openSource`'s result. `name` overrides {@link datasetNameOf}.
 */
export async function openSources(
  files: readonly NamedBlob[],
  onProgress?: (fraction: number) => void,
  options: { name?: string } = {},
): Promise<ParseResult<RowSource>> {
  if (files.length === 0) return { ok: false, reason: { file: options.name ?? "dataset", message: "no files given" } };
  if (files.length === 1) return openSource(files[0].blob, files[0].name, onProgress);
  const sorted = sortShards(files);
  const total = sorted.reduce((n, f) => n + f.blob.size, 0);
  const shards: RowSource[] = [];
  let done = 0;
  for (const f of sorted) {
    const opened = await openSource(
      f.blob,
      f.name,
      onProgress && ((x) => onProgress((done + x * f.blob.size) / Math.max(1, total))),
    );
    if (!opened.ok) return opened;
    const source = opened.data;
    const first = shards[0];
    if (first && source.info.format !== first.info.format) {
      return {
        ok: false,
        reason: {
          file: f.name,
          message: `is ${describeFormat(source.info.format)} but ${first.info.name} is ${describeFormat(first.info.format)}: the files of one dataset must share one format`,
        },
      };
    }
    if (first && (source.info.format === "csv" || source.info.format === "tsv")) {
      const a = first.fields;
      const b = source.fields;
      if (a.length !== b.length || a.some((x, i) => x !== b[i])) {
        return {
          ok: false,
          reason: {
            file: f.name,
            line: 1,
            message: `its header (${b.join(", ")}) differs from the header of ${first.info.name} (${a.join(", ")}): the ${source.info.format.toUpperCase()} files of one dataset need the same columns in the same order`,
          },
        };
      }
    }
    shards.push(source);
    done += f.blob.size;
  }
  return { ok: true, data: new MultiSource(shards, options.name ?? datasetNameOf(sorted.map((f) => f.name))) };
}

function describeFormat(format: FileInfo["format"]): string {
  switch (format) {
    case "jsonl":
      return "JSON Lines";
    case "json":
      return "a JSON array";
    case "parquet":
      return "Parquet";
    default:
      return format.toUpperCase();
  }
}
