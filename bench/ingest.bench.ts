/**
 * Ingest on the CLI side (issue 10): `margin-atlas select` over a seeded TRL-string JSONL (bench/ingest-rows.ts)
 * against Node's plain per-line `JSON.parse` of the same file and a Python json + numpy script doing the same job
 * (margins, z-scores, top 40 %), each in its own process under `/usr/bin/time -v` (wall time, peak RSS), same run.
 *   npx tsx bench/ingest.bench.ts [--mb 1000] [--rows N] [--reps 2]
 * Skips with a message when ../shared/datasets is absent.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { generateIngestFile, SHARED_DATASETS } from "./ingest-rows";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    mb: { type: "string", default: "1000" },
    rows: { type: "string" },
    reps: { type: "string", default: "2" },
  },
});
const file = generateIngestFile(Number(values.mb), values.rows ? Number(values.rows) : undefined);
if (!file) {
  console.log(`ingest: skipped, ${SHARED_DATASETS} is absent (the file is generated from its texts)`);
  process.exit(0);
}
const size = fs.statSync(file).size;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ingest-bench-"));
const repo = path.resolve(import.meta.dirname, "..");

const NODE_BASELINE = `
const fs = require("node:fs"); const readline = require("node:readline");
(async () => { let n = 0, sum = 0;
  for await (const line of readline.createInterface({ input: fs.createReadStream(process.argv[1]), crlfDelay: Infinity })) {
    if (!line.trim()) continue; const r = JSON.parse(line); sum += r.score_chosen - r.score_rejected; n++; }
  console.log(n, sum); })();`;
const PYTHON = `
import json, sys, numpy as np
ex, im = [], []
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        if not line.strip(): continue
        r = json.loads(line)
        ex.append(r["score_chosen"] - r["score_rejected"])
        im.append((r["chosen_logps"] - r["ref_chosen_logps"]) - (r["rejected_logps"] - r["ref_rejected_logps"]))
ex = np.array(ex); im = np.array(im)
z = (ex - ex.mean()) / ex.std() - np.abs((im - im.mean()) / im.std())
k = int(len(z) * 0.4)
top = np.sort(np.argsort(-z, kind="stable")[:k])
np.savetxt(sys.argv[2], top, fmt="%d")`;

interface Leg {
  name: string;
  command: string[];
}
const legs: Leg[] = [
  {
    name: "margin-atlas select (CLI)",
    command: ["node", "--import", "tsx", "bin/margin-atlas.ts", "select", file, "--indices", path.join(tmp, "cli.txt")],
  },
  { name: "Node per-line JSON.parse", command: ["node", "-e", NODE_BASELINE, file] },
  { name: "python json + numpy", command: ["python3", "-c", PYTHON, file, path.join(tmp, "py.txt")] },
];

/** Runs one leg under /usr/bin/time -v: wall seconds and peak RSS in bytes. */
function measure(leg: Leg): { seconds: number; rssBytes: number } {
  const run = spawnSync("/usr/bin/time", ["-v", ...leg.command], { cwd: repo, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`${leg.name} failed (${run.status}):\n${run.stderr.slice(-2000)}`);
  const wall = /Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)/.exec(run.stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr);
  if (!wall || !rss) throw new Error(`no /usr/bin/time figures for ${leg.name}`);
  const seconds = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
  return { seconds, rssBytes: Number(rss[1]) * 1024 };
}

const reps = Number(values.reps);
console.log(`ingest: ${file} (${(size / 1e6).toFixed(0)} MB), ${reps} reps, load ${os.loadavg()[0].toFixed(2)}`);
const best = new Map<string, { seconds: number; rssBytes: number }>();
for (let r = 0; r < reps; r++) {
  for (const leg of legs) {
    const m = measure(leg);
    console.log(`  rep ${r + 1} ${leg.name}: ${m.seconds.toFixed(2)} s, peak RSS ${(m.rssBytes / 1e6).toFixed(0)} MB`);
    const prev = best.get(leg.name);
    best.set(leg.name, { seconds: Math.min(prev?.seconds ?? Infinity, m.seconds), rssBytes: m.rssBytes });
  }
}
const cliIdx = fs.readFileSync(path.join(tmp, "cli.txt"), "utf8").trim().split("\n").length;
const pyIdx = fs.readFileSync(path.join(tmp, "py.txt"), "utf8").trim().split("\n").length;
console.log(`  selected rows: CLI ${cliIdx}, python ${pyIdx}`);
const cli = best.get(legs[0].name)!;
const node = best.get(legs[1].name)!;
const py = best.get(legs[2].name)!;
console.log("| leg | best wall s | peak RSS MB | RSS / file |");
console.log("| --- | --- | --- | --- |");
for (const leg of legs) {
  const m = best.get(leg.name)!;
  console.log(
    `| ${leg.name} | ${m.seconds.toFixed(2)} | ${(m.rssBytes / 1e6).toFixed(0)} | ${(m.rssBytes / size).toFixed(2)}× |`,
  );
}
console.log(
  `speed vs Node JSON.parse: ${(node.seconds / cli.seconds).toFixed(2)}× (target ≥ 1), vs python: ${(py.seconds / cli.seconds).toFixed(2)}×; CLI RSS ${(cli.rssBytes / size).toFixed(2)}× the file (target ≤ 2)`,
);
fs.rmSync(tmp, { recursive: true, force: true });
