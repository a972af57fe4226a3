/**
 * `npm run bench`: runs the Node benchmarks in bench/ one after another, each in its own process with small default
 * sizes (each prints its own table and ratios), then a summary. The browser benchmarks (headless Debian Chromium)
 * are listed and run with `--browser`.
 *   npm run bench -- [--browser] [--full] [--only NAME,NAME] [--list]
 *   --browser  also run the browser benchmarks (after the Node ones)
 *   --full     each benchmark's own default sizes (10^6 rows etc.; slow on a shared machine) instead of the small ones
 *   --only     just these benchmarks, by name (see --list)
 *   --list     print the benchmarks and their commands, run nothing
 * Exit code 1 when any benchmark failed (the rest still run).
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";

/** One benchmark: its script under bench/, the arguments of a quick run, and whether it drives Chromium. */
interface Bench {
  name: string;
  script: string;
  quickArgs: string[];
  browser: boolean;
  note?: string;
}

const BENCHES: Bench[] = [
  { name: "selection", script: "selection.bench.ts", quickArgs: ["100000"], browser: false },
  { name: "data-layer", script: "data-layer.bench.ts", quickArgs: ["1"], browser: false },
  { name: "row-checks", script: "row-checks.bench.ts", quickArgs: ["1"], browser: false },
  {
    name: "export-stream",
    script: "export-stream.bench.ts",
    quickArgs: ["--rows", "50000", "--reps", "1"],
    browser: false,
  },
  { name: "ingest", script: "ingest.bench.ts", quickArgs: ["--mb", "50", "--reps", "1"], browser: false },
  { name: "scoring", script: "scoring.bench.ts", quickArgs: ["8", "50"], browser: false },
  { name: "generation", script: "generation.bench.ts", quickArgs: ["2", "16", "2"], browser: false },
  { name: "rerank-worker", script: "rerank-worker.bench.ts", quickArgs: ["--rows", "100000"], browser: false },
  {
    name: "curation-drag",
    script: "curation-drag.bench.ts",
    quickArgs: ["--rows", "100000", "--moves", "10"],
    browser: false,
  },
  {
    name: "scoring-browser",
    script: "scoring-browser/run.ts",
    quickArgs: ["--pairs", "8", "--reps", "2"],
    browser: true,
  },
  {
    name: "scoring-realistic",
    script: "scoring-browser/realistic.ts",
    quickArgs: ["--pairs", "2", "--tiny-pairs", "8", "--reps", "1", "--configs", "app"],
    browser: true,
    note: "builds a ≈100 M-parameter model (400 MB) in a temp folder; needs gcc for the measured peaks",
  },
  {
    name: "scoring-app",
    script: "scoring-browser/app.ts",
    quickArgs: ["--reps", "1", "--models", "tiny", "--tiny-pairs", "16"],
    browser: true,
    note: "needs a production build (NEXT_DIST_DIR=.next-pool npx next build); the realistic model builds 400 MB in a temp folder",
  },
  {
    name: "generation-browser",
    script: "generation-browser/run.ts",
    quickArgs: ["--prompts", "2", "--max-new-tokens", "16"],
    browser: true,
  },
  { name: "scatter", script: "scatter/run.ts", quickArgs: ["--n", "1e4,1e5"], browser: true },
  {
    name: "column-alloc-browser",
    script: "column-alloc-browser.ts",
    quickArgs: ["--rows", "100000", "--reps", "4"],
    browser: true,
  },
  { name: "scatter-cache", script: "scatter/cache.ts", quickArgs: ["--n", "100000", "--reps", "5"], browser: false },
  {
    name: "scatter-interaction",
    script: "scatter/interaction.ts",
    quickArgs: ["--n", "1e5", "--baseline-n", "1e3", "--reps", "3"],
    browser: true,
  },
  {
    name: "interaction-browser",
    script: "interaction-browser.ts",
    quickArgs: ["--rows", "100000", "--frames", "30"],
    browser: true,
    note: "needs a production build in .next-bench",
  },
  {
    name: "export-stream-browser",
    script: "export-stream-browser.ts",
    quickArgs: ["--rows", "100000"],
    browser: true,
    note: "needs a production build in .next-bench (NEXT_DIST_DIR=.next-bench npx next build)",
  },
  {
    name: "curation-drag-browser",
    script: "curation-drag-browser.ts",
    quickArgs: ["--rows", "100000", "--steps", "5"],
    browser: true,
    note: "needs a production build in .next-bench (NEXT_DIST_DIR=.next-bench npx next build)",
  },
  {
    name: "ingest-browser",
    script: "ingest-browser.ts",
    quickArgs: ["--mb", "50", "--rows", "20000", "--gz-mb", "50", "--parquet-mb", "50"],
    browser: true,
    note: "needs a production build in .next-ingest (NEXT_DIST_DIR=.next-ingest npx next build)",
  },
  {
    name: "decode-paths-browser",
    script: "decode-paths-browser.ts",
    quickArgs: ["--rows", "20000", "--mb", "20", "--gz-mb", "50", "--reps", "2"],
    browser: true,
  },
  {
    name: "table-browser",
    script: "table-browser.ts",
    quickArgs: ["--rows", "100000"],
    browser: true,
    note: "needs a production build in .next-bench",
  },
];

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    browser: { type: "boolean" },
    full: { type: "boolean" },
    only: { type: "string" },
    list: { type: "boolean" },
  },
});
const only = values.only?.split(",").map((s) => s.trim());
const unknown = only?.filter((n) => !BENCHES.some((b) => b.name === n)) ?? [];
if (unknown.length) {
  console.error(`bench: no benchmark named ${unknown.join(", ")} (have ${BENCHES.map((b) => b.name).join(", ")})`);
  process.exit(2);
}
// --only names benchmarks outright, browser ones included; otherwise the browser ones need --browser.
const chosen = BENCHES.filter((b) => (only ? only.includes(b.name) : !b.browser || values.browser));
const argsOf = (b: Bench) => (values.full ? [] : b.quickArgs);
const commandOf = (b: Bench) => `npx tsx bench/${b.script} ${argsOf(b).join(" ")}`.trim();

if (values.list) {
  for (const b of BENCHES)
    console.log(
      `${b.name.padEnd(22)} ${b.browser ? "browser" : "node   "} ${commandOf(b)}${b.note ? `  (${b.note})` : ""}`,
    );
  process.exit(0);
}

const results: { name: string; code: number | null; seconds: number }[] = [];
for (const b of chosen) {
  console.log(`\n## ${b.name}: ${commandOf(b)}${b.note ? `\n(${b.note})` : ""}\n`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, b.script), ...argsOf(b)], {
    stdio: "inherit",
  });
  results.push({ name: b.name, code: r.status, seconds: (performance.now() - t0) / 1000 });
}
if (!values.browser && !only)
  console.log(
    `\nbrowser benchmarks, not run (add --browser): ${BENCHES.filter((b) => b.browser)
      .map((b) => b.name)
      .join(", ")}`,
  );
console.log("\n| benchmark | exit | seconds |\n| --- | ---: | ---: |");
for (const r of results) console.log(`| ${r.name} | ${r.code ?? "killed"} | ${r.seconds.toFixed(1)} |`);
process.exitCode = results.every((r) => r.code === 0) ? 0 : 1;
