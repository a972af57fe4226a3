/**
 * `margin-atlas merge OUT SHARD...`: joins the outputs of `score --shard I/N` in row order into the file one
 * unsharded `score` writes, after checking (from each shard's `SHARD.shard.json`) that they are every shard of one
 * input scored with one set of settings, each once, unchanged since scoring.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { checkManifestShape, checkShardSet, joinShardOutputs, type ShardManifest } from "@/lib/scoring/score-shards";
import { ScoreCliError, shardManifestPath } from "./score-command";

/** Usage of the `merge` command. */
export const MERGE_USAGE = `usage: npm run --silent cli -- merge OUT SHARD...
  joins the outputs of score --shard I/N (each with its SHARD.shard.json) in row order into OUT, byte for byte
  what one score run without --shard writes; refuses shards of different inputs or settings, a missing or
  duplicated shard, overlapping rows, or a shard file changed after scoring`;

/** Reads one shard file and its manifest; a missing or malformed manifest names the file and what is wrong. */
function readShard(file: string) {
  if (!fs.existsSync(file)) throw new ScoreCliError(`${file}: no such file`);
  const manifestFile = shardManifestPath(file);
  if (!fs.existsSync(manifestFile))
    throw new ScoreCliError(
      `${file}: no ${path.basename(manifestFile)} beside it (write shards with score --shard I/N)`,
    );
  let manifest: unknown;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
  } catch (e) {
    throw new ScoreCliError(`${manifestFile}: not JSON (${(e as Error).message})`);
  }
  const problem = checkManifestShape(manifest);
  if (problem) throw new ScoreCliError(`${manifestFile}: ${problem}`);
  const bytes = new Uint8Array(fs.readFileSync(file));
  return {
    file,
    manifest: manifest as ShardManifest,
    bytes,
    sha256: createHash("sha256").update(bytes).digest("hex"),
  };
}

/** Runs `merge` with parsed argv; returns the output path and the rows written. */
export async function mergeCommand(
  argv: string[],
  log: (line: string) => void = () => {},
): Promise<{ out: string; rows: number }> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  if (positionals.length < 2) throw new ScoreCliError(`merge needs OUT and at least one SHARD\n${MERGE_USAGE}`, 2);
  const [out, ...files] = positionals;
  const resolvedOut = path.resolve(out);
  if (files.some((f) => path.resolve(f) === resolvedOut))
    throw new ScoreCliError(`merge: OUT ${out} is also one of the shards; write the merged file elsewhere`, 2);
  const checked = checkShardSet(files.map(readShard));
  if (!checked.ok) throw new ScoreCliError(`merge: ${checked.reason}`);
  const parts = checked.data;
  const { format, rows } = parts[0].manifest;
  fs.writeFileSync(out, joinShardOutputs(format, parts));
  log(`merged ${parts.length} shards of ${parts[0].manifest.input.name} (${rows.total} rows, ${format}) into ${out}`);
  return { out, rows: rows.total };
}
