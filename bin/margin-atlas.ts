/**
 * Command-line interface on the same lib code as the app.
 *   margin-atlas select FILE... | FOLDER [--metric map|explicit|implicit|random|bees|bees-add|difficulty] [--ratio 0.4]
 *     [--top-k K] [--weight 1] [--seed 42] [--beta 0.1] [--bees-nan released|lowest] [--explicit-floor X]
 *     [--explicit-ceiling X] [--implicit-ceiling Y] [--selection S.json] [--out OUT] [--format jsonl|json|csv|tsv|parquet|trl]
 *     [--include-computed] [--indices IDX] [--recipe R.json] [--write-recipe R.json]
 *     [--mapping MAPPING.json] [--explicit-column F] [--implicit-column F]
 *   margin-atlas score FILE --model DIR [--ref-model DIR] [--reward-model DIR] [--beta 0.1] [--max-length 2048]
 *     [--max-prompt-length 1800] [--out OUT]   (see bin/score-command.ts)
 *   margin-atlas merge OUT SHARD...   (joins score --shard I/N outputs; see bin/merge-command.ts)
 *   margin-atlas generate PROMPTS --model DIR [--reward-model DIR] [--k 5] [--temperature 0.8] [--top-p 1.0]
 *     [--top-k 0] [--max-new-tokens 512] [--seed 42] [--out OUT]   (see bin/generate-command.ts)
 * Errors go to stderr with a non-zero exit code.
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  describeAccounting,
  describeDuplicateKey,
  describePlan,
  describeResponseIssues,
} from "@/lib/workbench/plan-text";
import { formatProblem, type ColumnMapping, type ExportFormat } from "@/lib/dataset/types";
import type { Metric } from "@/lib/metrics/select";
import { DatasetSession } from "@/lib/workbench/session";
import { inspectFiles } from "@/lib/workbench/open-files";
import { DATA_FILE_EXTENSION, datasetNameOf, sortShards, type NamedBlob } from "@/lib/dataset/shard-names";
import { describeMatch, parseRecipe, type ParsedRecipe } from "@/lib/workbench/recipe";
import { DEFAULT_SETTINGS, specFromSettings, type SelectionSettings } from "@/lib/selection/settings";
import { describeZeroVariance, METRIC_OPTIONS } from "@/lib/selection/ranking";
import { describeCoercion } from "@/lib/dataset/schema-extract";
import type { BeesNanRule, SelectionSpec } from "@/lib/selection/spec";
import { DEFAULT_DPO_BETA } from "@/lib/metrics/margin-formulas";
import { SCORE_USAGE, ScoreCliError, scoreCommand } from "./score-command";
import { GENERATE_USAGE, generateCommand } from "./generate-command";
import { MERGE_USAGE, mergeCommand } from "./merge-command";
import { writeExportFile } from "./export-file";
import { openFileBlob } from "./file-blob";
import { createTempFile } from "./temp-files";
import { concatBlobs } from "@/lib/dataset/readers/bytes";
import { setDecompressedFiles } from "@/lib/dataset/readers/gzip";

const USAGE = `usage: npm run --silent cli -- select FILE [options]
       (FILE may be several files, or a folder, read as one dataset: rows in shard order)
  --metric M           map (alignment potential, default) | explicit | implicit | random | bees | bees-add |
                       difficulty (the rival rules need chosen_logps, rejected_logps, ref_chosen_logps, ref_rejected_logps)
  --ratio R            keep the top floor(R*N) scored rows (default 0.4)
  --top-k K            keep the top K rows (overrides --ratio)
  --weight W           implicit weight w in M_AP = z(m_ex) - w*z(|m_im|) (default 1)
  --seed S             seed of the random baseline (default 42)
  --beta B             beta of the DPO reward gap (difficulty; default 0.1)
  --bees-nan R         BeeS 0/0 pairs: released (ranked above every number, as the released code) | lowest
  --explicit-floor X   only rows with explicit margin >= X
  --explicit-ceiling X only rows with explicit margin <= X
  --implicit-ceiling Y only rows with |implicit margin| <= Y
  --out OUT            write the selected rows (FILE's format unless --format; JSONL lines verbatim)
  --format F           jsonl|json|csv|tsv|parquet|trl; trl: JSON Lines of the selected pairs in TRL's preference
                       format (prompt, chosen, rejected; message lists when the file has roles, else strings), for
                       datasets.load_dataset("json") and TRL's DPOTrainer
  --include-computed   append explicit_margin, implicit_margin, m_ap, m_ap_rank
  --indices IDX        write the selected 0-based row indices, ascending, one per line
  --recipe R.json      apply a recipe ("Download recipe" or --write-recipe) as the app's "Apply recipe" does: its
                       mapping, ranking and gates, its decisions matched by row content; the match report goes
                       to stderr. It sets the selection and the mapping: the ranking, threshold, --selection and
                       mapping flags are refused with it
  --write-recipe R.json write the recipe of this selection (input SHA-256, mapping, selection, decisions by row
                       index and content hash, selected indices)
  --mapping M.json     column mapping (a ColumnMapping, or a recipe whose "mapping" is used)
  --explicit-column F  use numeric field F as the explicit margin
  --implicit-column F  use numeric field F as the implicit margin
  --selection S.json   the whole selection (ranking, gates, decisions) as the app saves it, or a recipe whose
                       "selection" is used; replaces the ranking and threshold flags`;

const METRICS: Metric[] = METRIC_OPTIONS.map((m) => m.value);
const BEES_NAN: BeesNanRule[] = ["released", "lowest"];
const FORMATS: ExportFormat[] = ["jsonl", "json", "csv", "tsv", "parquet", "trl"];

/** A usage or input error: printed to stderr, exit code 2 (usage) or 1 (input). */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/**
 * Reads `--name`'s number. Not a number at all: "expected a number"; a number that `check` refuses: "must be
 * <range>" when the range is given (so `--ratio 1.5` says what is allowed), else "expected a number".
 */
function num(
  name: string,
  value: string | undefined,
  check: (v: number) => boolean = Number.isFinite,
  range?: string,
): number | undefined {
  if (value === undefined) return undefined;
  const v = Number(value);
  if (value.trim() === "" || !Number.isFinite(v) || !check(v)) {
    if (range && value.trim() !== "" && Number.isFinite(v))
      throw new CliError(`--${name}: must be ${range}, got ${value}`, 2);
    throw new CliError(`--${name}: expected a number, got "${value}"`, 2);
  }
  return v;
}

/**
 * What `select` reads: one FILE, several files of one dataset, or a folder's data files (by extension, hidden ones
 * skipped, named by their path in the folder), in shard order.
 */
async function datasetFiles(paths: string[]): Promise<NamedBlob[]> {
  for (const p of paths) if (!fs.existsSync(p)) throw new CliError(`${p}: no such file`);
  if (paths.length === 1 && fs.statSync(paths[0]).isDirectory()) {
    const dir = paths[0];
    const found = (fs.readdirSync(dir, { recursive: true }) as string[])
      .map((rel) => rel.split(path.sep).join("/"))
      .filter((rel) => !rel.split("/").some((s) => s.startsWith(".")) && DATA_FILE_EXTENSION.test(rel))
      .filter((rel) => fs.statSync(path.join(dir, rel)).isFile());
    if (found.length === 0)
      throw new CliError(`${dir}: the folder holds no data files (JSONL, JSON, CSV/TSV or Parquet, optionally .gz)`);
    return sortShards(
      await Promise.all(found.map(async (rel) => ({ blob: await openFileBlob(path.join(dir, rel)), name: rel }))),
    );
  }
  return sortShards(
    await Promise.all(paths.map(async (p) => ({ blob: await openFileBlob(p), name: path.basename(p) }))),
  );
}

async function select(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      metric: { type: "string" },
      ratio: { type: "string" },
      "top-k": { type: "string" },
      weight: { type: "string" },
      seed: { type: "string" },
      beta: { type: "string" },
      "bees-nan": { type: "string" },
      selection: { type: "string" },
      "explicit-floor": { type: "string" },
      "explicit-ceiling": { type: "string" },
      "implicit-ceiling": { type: "string" },
      out: { type: "string" },
      format: { type: "string" },
      "include-computed": { type: "boolean" },
      indices: { type: "string" },
      recipe: { type: "string" },
      "write-recipe": { type: "string" },
      mapping: { type: "string" },
      "explicit-column": { type: "string" },
      "implicit-column": { type: "string" },
    },
  });
  if (positionals.length === 0) throw new CliError(`select needs a FILE (or several files, or a folder)\n${USAGE}`, 2);
  const metric = (values.metric ?? DEFAULT_SETTINGS.metric) as Metric;
  if (!METRICS.includes(metric))
    throw new CliError(`--metric: expected one of ${METRICS.join(", ")}, got "${metric}"`, 2);
  const format = values.format as ExportFormat | undefined;
  if (format !== undefined && !FORMATS.includes(format))
    throw new CliError(`--format: expected one of ${FORMATS.join(", ")}, got "${format}"`, 2);
  const settings: SelectionSettings = {
    metric,
    ratio: num("ratio", values.ratio, (v) => v > 0 && v <= 1, "in (0, 1]") ?? DEFAULT_SETTINGS.ratio,
    topK: num("top-k", values["top-k"], (v) => Number.isInteger(v) && v >= 0, "an integer >= 0"),
    weight: num("weight", values.weight) ?? DEFAULT_SETTINGS.weight,
    seed: num("seed", values.seed, Number.isInteger, "an integer") ?? DEFAULT_SETTINGS.seed,
    beta: num("beta", values.beta) ?? DEFAULT_DPO_BETA,
    beesNan: (values["bees-nan"] ?? "released") as BeesNanRule,
    explicitFloor: num("explicit-floor", values["explicit-floor"]),
    explicitCeiling: num("explicit-ceiling", values["explicit-ceiling"]),
    implicitCeiling: num("implicit-ceiling", values["implicit-ceiling"]),
  };
  if (!BEES_NAN.includes(settings.beesNan!))
    throw new CliError(`--bees-nan: expected one of ${BEES_NAN.join(", ")}, got "${values["bees-nan"]}"`, 2);
  let recipe: ParsedRecipe | null = null;
  if (values.recipe) {
    // A recipe is the whole selection and its mapping: a flag that would change either is refused, not ignored.
    const clashing = [
      "metric",
      "ratio",
      "top-k",
      "weight",
      "seed",
      "beta",
      "bees-nan",
      "explicit-floor",
      "explicit-ceiling",
      "implicit-ceiling",
      "selection",
      "mapping",
      "explicit-column",
      "implicit-column",
    ].filter((flag) => values[flag as keyof typeof values] !== undefined);
    if (clashing.length)
      throw new CliError(
        `--recipe sets the selection and the mapping: drop ${clashing.map((f) => `--${f}`).join(", ")}`,
        2,
      );
    if (!fs.existsSync(values.recipe)) throw new CliError(`${values.recipe}: no such file`);
    const parsed = parseRecipe(fs.readFileSync(values.recipe, "utf8"), path.basename(values.recipe));
    if (!parsed.ok) throw new CliError(formatProblem(parsed.reason));
    recipe = parsed.data;
  }
  let spec: SelectionSpec = specFromSettings(settings);
  if (values.selection) {
    const parsed = JSON.parse(fs.readFileSync(values.selection, "utf8")) as
      SelectionSpec | { selection: SelectionSpec };
    spec = "selection" in parsed ? parsed.selection : parsed;
    if (!spec?.ranking || !Array.isArray(spec.gates) || !spec.decisions)
      throw new CliError(`${values.selection}: expected a selection (ranking, gates, decisions) or a recipe with one`);
  }
  const inputs = await datasetFiles(positionals);
  // Several files are one dataset, as in the app: shard order, global row ids, their concatenation hashed.
  const blob = inputs.length === 1 ? inputs[0].blob : concatBlobs(inputs.map((f) => f.blob));
  const name = inputs.length === 1 ? inputs[0].name : datasetNameOf(inputs.map((f) => f.name));

  let mapping: ColumnMapping | undefined;
  if (values.mapping) {
    const parsed = JSON.parse(fs.readFileSync(values.mapping, "utf8")) as ColumnMapping | { mapping: ColumnMapping };
    mapping = "mapping" in parsed ? parsed.mapping : parsed;
  }
  let opened =
    inputs.length === 1
      ? await DatasetSession.open(blob, name, { mapping })
      : await inspectFiles(blob, name, inputs).then((r) => (r.ok ? DatasetSession.fromOpened(r.data, { mapping }) : r));
  if (!opened.ok) throw new CliError(formatProblem(opened.reason));
  const session = opened.data;
  if (values["explicit-column"] || values["implicit-column"]) {
    const base = session.summary().mapping;
    const edited: ColumnMapping = {
      ...base,
      explicit: values["explicit-column"] ? { kind: "column", field: values["explicit-column"] } : base.explicit,
      implicit: values["implicit-column"] ? { kind: "column", field: values["implicit-column"] } : base.implicit,
    };
    const problem = await session.remap(edited);
    if (problem) throw new CliError(formatProblem(problem));
    opened = { ok: true, data: session };
  }

  let selection;
  if (recipe) {
    const applied = await session.applyRecipe(recipe, blob);
    if (!applied.ok) throw new CliError(formatProblem(applied.reason));
    spec = applied.data.spec;
    selection = session.currentSelection();
    process.stderr.write(`${name}: recipe ${path.basename(values.recipe!)}: ${describeMatch(applied.data.report)}\n`);
  } else {
    const needsPrep = await session.prepare(spec);
    if (needsPrep) throw new CliError(formatProblem(needsPrep));
    try {
      selection = session.select(spec);
    } catch (err) {
      if (err instanceof RangeError) throw new CliError(err.message);
      throw err;
    }
  }
  const { scores } = selection;
  const plan = session.summary().plan;
  if (plan) process.stderr.write(`${name}: ${describePlan(plan)}\n`);
  for (const c of session.summary().coercions) process.stderr.write(`${name}: ${describeCoercion(c)}\n`);
  for (const d of session.summary().duplicateKeys) process.stderr.write(`${name}: ${describeDuplicateKey(d)}\n`);
  const responseIssues = describeResponseIssues(session.summary().responseIssues);
  if (responseIssues) process.stderr.write(`${name}: ${responseIssues}\n`);
  const accounting = session.summary().accounting;
  if (accounting.skipped > 0) process.stderr.write(`${name}: ${describeAccounting(accounting)}\n`);
  const zeroVariance = describeZeroVariance(spec.ranking.metric, selection.notes.zeroVariance);
  if (zeroVariance) process.stderr.write(`${name}: ${zeroVariance}\n`);
  const summary = session.summary();
  if (values.out) {
    // Streamed chunk by chunk to the file (never the whole export in memory); a failed export leaves no file.
    await writeExportFile(values.out, (sink) =>
      session.writeSelection(format ?? summary.info.format, values["include-computed"] ?? false, sink),
    );
  }
  if (values.indices) fs.writeFileSync(values.indices, Array.from(selection.indices, (i) => `${i}\n`).join(""));
  if (values["write-recipe"])
    fs.writeFileSync(values["write-recipe"], JSON.stringify(await session.recipe(blob), null, 2) + "\n");
  process.stderr.write(
    `${name}: ${summary.rowCount} rows (${summary.info.format}${summary.info.gzip ? ", gzip" : ""}, schema ${summary.mapping.schema}); ` +
      `scored ${scores.valid} (missing explicit ${summary.missingExplicit}, implicit ${summary.missingImplicit}); ` +
      `selected ${selection.indices.length} by ${spec.ranking.metric}\n`,
  );
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // A .gz input is decompressed to a temporary file, not into memory.
  setDecompressedFiles(createTempFile);
  try {
    if (command === "select") await select(rest);
    else if (command === "score") await scoreCommand(rest, (line) => process.stderr.write(`${line}\n`));
    else if (command === "generate") await generateCommand(rest, (line) => process.stderr.write(`${line}\n`));
    else if (command === "merge") await mergeCommand(rest, (line) => process.stderr.write(`${line}\n`));
    else if (command === undefined || command === "--help" || command === "-h") {
      process.stdout.write(`${USAGE}\n\n${SCORE_USAGE}\n\n${MERGE_USAGE}\n\n${GENERATE_USAGE}\n`);
      return command === undefined ? 2 : 0;
    } else throw new CliError(`unknown command "${command}"\n${USAGE}`, 2);
    return 0;
  } catch (err) {
    const e = err as Error & { exitCode?: number };
    process.stderr.write(`margin-atlas: ${e.message}\n`);
    if (e instanceof CliError || e instanceof ScoreCliError) return e.exitCode;
    // parseArgs rejects unknown or malformed options with codes ERR_PARSE_ARGS_*: a usage error.
    return String((e as { code?: string }).code).startsWith("ERR_PARSE_ARGS") ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
