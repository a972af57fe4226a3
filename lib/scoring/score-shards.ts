/**
 * Sharded scoring: which rows shard I of N scores, the manifest each shard writes beside its output, the checks
 * that shards belong together, and the byte-exact join of their outputs (what `score --shard` and `merge` use).
 */

/** A shard of a row partition: `index` is 0-based (like Kubernetes' `JOB_COMPLETION_INDEX`), `count` shards in all. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** Output formats a sharded score can be joined in (Parquet's footer and row groups make it no simple join). */
export const SHARDABLE_FORMATS = ["jsonl", "json", "csv", "tsv"] as const;

/** A format whose shard outputs {@link joinShardOutputs} can join. */
export type ShardableFormat = (typeof SHARDABLE_FORMATS)[number];

/** Whether `format` is one {@link joinShardOutputs} can join. */
export function isShardableFormat(format: string): format is ShardableFormat {
  return (SHARDABLE_FORMATS as readonly string[]).includes(format);
}

/** Parses `I/N` (0 ≤ I < N); returns a message naming what was expected otherwise. */
export function parseShardSpec(text: string): { ok: true; data: ShardSpec } | { ok: false; reason: string } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return { ok: false, reason: `expected I/N (shard I of N, 0-based, e.g. 0/4), got "${text}"` };
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(count) || count < 1) return { ok: false, reason: `N must be at least 1, got "${text}"` };
  if (!Number.isSafeInteger(index) || index >= count)
    return { ok: false, reason: `I must be 0…${count - 1} (0-based) for N = ${count}, got "${text}"` };
  return { ok: true, data: { index, count } };
}

/**
 * The rows of shard `index` of `count` over `rowCount` rows, in whole blocks of `blockRows` rows: with
 * B = ceil(rowCount / blockRows) blocks, shard I holds blocks [floor(I·B/N), floor((I+1)·B/N)), i.e. rows
 * [start·blockRows, min(end·blockRows, rowCount)). Contiguous, in row order, every row in exactly one shard (shard
 * i+1 starts where shard i ends), block counts differ by at most one; with more shards than blocks some are empty.
 * `score` passes its chunk size: the pipeline batches rows within a chunk, and a float result depends in its last
 * bits on the batch it ran in (padding changes the shapes), so shards cut on chunk bounds score every row in the
 * same batch as one unsharded run, and merge to its bytes.
 */
export function shardRange(spec: ShardSpec, rowCount: number, blockRows = 1): { start: number; end: number } {
  const blocks = Math.ceil(rowCount / blockRows);
  // BigInt keeps index·blocks exact past 2^53 (10⁹ blocks × 10⁷ shards); plain numbers would round.
  const bound = (i: number) =>
    Math.min(rowCount, Number((BigInt(i) * BigInt(blocks)) / BigInt(spec.count)) * blockRows);
  return { start: bound(spec.index), end: bound(spec.index + 1) };
}

/** What `score --shard` writes beside its output as `OUT.shard.json`, and what `merge` checks. */
export interface ShardManifest {
  kind: "margin-atlas-score-shard";
  version: 1;
  /** The scored file: its name, size and SHA-256. */
  input: { name: string; bytes: number; sha256: string };
  /** Everything that changes the output's bytes besides the rows: models (by content hash), sequence rules... */
  settings: Record<string, string | number | null>;
  format: ShardableFormat;
  shard: ShardSpec;
  /** The rows this shard holds, `[start, end)` of `total`, cut in blocks of `blockRows` ({@link shardRange}). */
  rows: { start: number; end: number; total: number; blockRows: number };
  /**
   * The output file: its size, SHA-256 and the length of its header (the CSV header line, JSON's `[\n`), which
   * every shard repeats and the merged file holds once.
   */
  output: { bytes: number; sha256: string; headBytes: number };
}

/** A shard's output as `merge` read it: the file it came from, its manifest and its bytes. */
export interface ShardPart {
  file: string;
  manifest: ShardManifest;
  bytes: Uint8Array;
  /** SHA-256 of `bytes`, hex. */
  sha256: string;
}

/** Checks that a parsed `.shard.json` has every field; returns the first missing or mistyped one. */
export function checkManifestShape(value: unknown): string | null {
  const m = value as Partial<ShardManifest> | null;
  if (typeof m !== "object" || m === null || m.kind !== "margin-atlas-score-shard")
    return `not a score shard manifest (expected "kind": "margin-atlas-score-shard")`;
  if (m.version !== 1) return `version ${String(m.version)} is not supported (expected 1)`;
  const isInt = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  if (!m.input || typeof m.input.sha256 !== "string" || typeof m.input.name !== "string" || !isInt(m.input.bytes))
    return `"input" must hold name, bytes and sha256`;
  if (!m.settings || typeof m.settings !== "object") return `"settings" must be an object`;
  if (!isShardableFormat(String(m.format))) return `"format" must be one of ${SHARDABLE_FORMATS.join(", ")}`;
  if (!m.shard || !isInt(m.shard.index) || !isInt(m.shard.count) || m.shard.count < 1)
    return `"shard" must hold index and count`;
  if (!m.rows || !isInt(m.rows.start) || !isInt(m.rows.end) || !isInt(m.rows.total) || !isInt(m.rows.blockRows))
    return `"rows" must hold start, end, total and blockRows`;
  if (!m.output || !isInt(m.output.bytes) || typeof m.output.sha256 !== "string" || !isInt(m.output.headBytes))
    return `"output" must hold bytes, sha256 and headBytes`;
  return null;
}

const label = (s: ShardSpec) => `${s.index}/${s.count}`;

/**
 * Checks that `parts` are every shard of one scoring run, each once, unchanged since it was written; returns them
 * in shard order, or the first problem (naming the files and what differs).
 */
export function checkShardSet(parts: ShardPart[]): { ok: true; data: ShardPart[] } | { ok: false; reason: string } {
  if (parts.length === 0) return { ok: false, reason: "no shard files given" };
  for (const p of parts) {
    const o = p.manifest.output;
    if (p.bytes.length !== o.bytes || p.sha256 !== o.sha256)
      return {
        ok: false,
        reason: `${p.file}: ${p.bytes.length} bytes with SHA-256 ${p.sha256.slice(0, 12)}…, but its manifest says ${o.bytes} bytes with ${o.sha256.slice(0, 12)}…: the file changed after scoring`,
      };
  }
  const [first] = parts;
  const a = first.manifest;
  for (const p of parts.slice(1)) {
    const b = p.manifest;
    if (b.input.sha256 !== a.input.sha256 || b.input.bytes !== a.input.bytes)
      return {
        ok: false,
        reason: `${p.file} was scored from ${b.input.name} (SHA-256 ${b.input.sha256.slice(0, 12)}…) but ${first.file} from ${a.input.name} (${a.input.sha256.slice(0, 12)}…): shards of different inputs`,
      };
    const keys = [...new Set([...Object.keys(a.settings), ...Object.keys(b.settings)])];
    const differs = keys.filter((k) => a.settings[k] !== b.settings[k]);
    if (differs.length)
      return {
        ok: false,
        reason: `${p.file} and ${first.file} were scored with different settings: ${differs.map((k) => `${k} ${JSON.stringify(b.settings[k] ?? null)} vs ${JSON.stringify(a.settings[k] ?? null)}`).join("; ")}`,
      };
    if (b.format !== a.format)
      return { ok: false, reason: `${p.file} is ${b.format} but ${first.file} is ${a.format}` };
    if (b.shard.count !== a.shard.count)
      return {
        ok: false,
        reason: `${p.file} is shard ${label(b.shard)} but ${first.file} is shard ${label(a.shard)}: different shard counts`,
      };
  }
  const count = a.shard.count;
  const byIndex = new Map<number, ShardPart>();
  for (const p of parts) {
    const seen = byIndex.get(p.manifest.shard.index);
    if (seen)
      return {
        ok: false,
        reason: `${seen.file} and ${p.file} are both shard ${label(p.manifest.shard)}: duplicated shard`,
      };
    byIndex.set(p.manifest.shard.index, p);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length)
    return {
      ok: false,
      reason: `shard${missing.length > 1 ? "s" : ""} ${missing.map((i) => `${i}/${count}`).join(", ")} missing (given ${[...byIndex.keys()].sort((x, y) => x - y).join(", ")} of ${count})`,
    };
  const ordered = Array.from({ length: count }, (_, i) => byIndex.get(i)!);
  let next = 0;
  for (let i = 0; i < ordered.length; i++) {
    const { file, manifest } = ordered[i];
    const r = manifest.rows;
    if (r.total !== a.rows.total || r.blockRows !== a.rows.blockRows)
      return {
        ok: false,
        reason: `${file} counts ${r.total} input rows in ${r.blockRows}-row blocks but ${first.file} ${a.rows.total} in ${a.rows.blockRows}-row blocks`,
      };
    if (r.start < next) {
      const prev = ordered[i - 1];
      return {
        ok: false,
        reason: `overlapping rows: ${prev.file} holds rows ${prev.manifest.rows.start}–${prev.manifest.rows.end - 1} and ${file} rows ${r.start}–${r.end - 1}`,
      };
    }
    if (r.start > next || r.end < r.start)
      return { ok: false, reason: `rows ${next}–${r.start - 1} are in no shard (${file} starts at row ${r.start})` };
    next = r.end;
  }
  if (next !== a.rows.total)
    return {
      ok: false,
      reason: `rows ${next}–${a.rows.total - 1} are in no shard (the last shard ends at row ${next})`,
    };
  const head = ordered[0].bytes.subarray(0, ordered[0].manifest.output.headBytes);
  for (const p of ordered.slice(1)) {
    const h = p.bytes.subarray(0, p.manifest.output.headBytes);
    if (h.length !== head.length || h.some((v, k) => v !== head[k]))
      return { ok: false, reason: `${p.file}'s header differs from ${ordered[0].file}'s` };
  }
  return { ok: true, data: ordered };
}

const JSON_OPEN = new TextEncoder().encode("[\n");
const JSON_CLOSE = new TextEncoder().encode("\n]\n");
const JSON_EMPTY = "[]\n";
const JSON_SEP = new TextEncoder().encode(",\n");

const concat = (chunks: Uint8Array[]) => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
};

/**
 * Joins checked shard outputs (in shard order) into the bytes one unsharded run writes: JSON Lines concatenated,
 * CSV/TSV's header once, a JSON array's members joined with `,\n` inside one `[\n … \n]\n` (`[]\n` when empty).
 */
export function joinShardOutputs(format: ShardableFormat, parts: ShardPart[]): Uint8Array {
  if (format === "jsonl") return concat(parts.map((p) => p.bytes));
  if (format === "csv" || format === "tsv") {
    const headBytes = parts[0]?.manifest.output.headBytes ?? 0;
    return concat([
      parts[0]?.bytes.subarray(0, headBytes) ?? new Uint8Array(),
      ...parts.map((p) => p.bytes.subarray(p.manifest.output.headBytes)),
    ]);
  }
  const bodies = parts
    .filter((p) => p.manifest.rows.end > p.manifest.rows.start)
    .map((p) => p.bytes.subarray(JSON_OPEN.length, p.bytes.length - JSON_CLOSE.length));
  if (bodies.length === 0) return new TextEncoder().encode(JSON_EMPTY);
  return concat([JSON_OPEN, ...bodies.flatMap((b, i) => (i > 0 ? [JSON_SEP, b] : [b])), JSON_CLOSE]);
}
