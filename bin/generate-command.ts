/**
 * `margin-atlas generate PROMPTS --model DIR ...`: samples k responses per prompt with onnxruntime-node on the same
 * lib code the browser worker will use (lib/generation), optionally scores them with a reward model, and writes
 * one JSONL row per prompt in the multi-response schema `select` reads (`all_generated_responses` +
 * `all_rm_scores`). Rows are appended as prompts finish, so `--resume` continues a run cut short with the same
 * text the uninterrupted run writes.
 */
import fs from "node:fs";
import path from "node:path";
import { isDeepStrictEqual, parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { openSource } from "@/lib/dataset/source";
import { formatProblem } from "@/lib/dataset/types";
import { loadGenerator, readGenerationConfig } from "@/lib/generation/model";
import { generatedFileName } from "@/lib/generation/output";
import { checkPrompts, DEFAULT_PROMPT_FIELD, promptSourceFromRows, type PromptSource } from "@/lib/generation/prompts";
import {
  checkGenerationSettings,
  DEFAULT_GENERATION_SETTINGS,
  generateResponses,
  generationRow,
  generationSettingsRecord,
  scoreResponses,
  type GenerationSettings,
  type GenerationStats,
} from "@/lib/generation/run";
import type { LoadedRewardModel, OrtModule } from "@/lib/scoring/model-loader";
import { onnxCandidates, readModelFolder } from "@/lib/scoring/model-source";
import { isSequenceRules, SEQUENCE_RULES } from "@/lib/scoring/sequence";
import { createDirReader, loadModelDir, ScoreCliError } from "./score-command";
import { openFileBlob } from "./file-blob";

const D = DEFAULT_GENERATION_SETTINGS;

/** Usage of the `generate` command. */
export const GENERATE_USAGE = `usage: npm run --silent cli -- generate PROMPTS --model DIR [options]
  PROMPTS                  JSONL, JSON, CSV or Parquet with a "prompt" field (a string or a list of messages)
  --model DIR              policy model folder (causal LM with a KV cache: config.json, tokenizer.json, onnx/)
  --reward-model DIR       reward model folder: adds all_rm_scores (select needs them to build pairs)
  --k N                    samples per prompt (default ${D.k})
  --temperature T          0 = greedy (default ${D.temperature})
  --top-p P                nucleus mass in (0, 1] (default ${D.topP.toFixed(1)})
  --top-k K                keep the K most likely tokens; 0 = off (default ${D.topK})
  --repetition-penalty R   > 0; 1 = off (default ${D.repetitionPenalty})
  --max-new-tokens N       tokens per response at most (default ${D.maxNewTokens})
  --seed S                 integer; sample j of prompt i draws from a stream seeded by (S, i, j) (default ${D.seed})
  --prompt-field F         field holding the prompt (default ${DEFAULT_PROMPT_FIELD})
  --prompt-format F        chat (default: the chat template with its generation prompt) or plain
  --sequence-rules R       paper (default), trl-0.12 or trl-0.28: whose prompt construction (BOS) to match
  --variant FILE           ONNX graph to load, e.g. model_q4.onnx (default: best available, float32 first)
  --max-length N           reward model input budget in tokens (default 2048)
  --resume                 keep OUT's rows (same prompts and settings) and generate only the prompts after them
  --out OUT                output JSONL (default: PROMPTS with .generated.jsonl as extension)`;

function parseNumber(name: string, value: string | undefined, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
  const v = Number(value);
  if (value.trim() === "" || !Number.isFinite(v) || (integer && !Number.isInteger(v)))
    throw new ScoreCliError(`--${name}: expected ${integer ? "an integer" : "a number"}, got "${value}"`, 2);
  return v;
}

/** Default output path: `prompts.jsonl` → `prompts.generated.jsonl`, `p.csv.gz` → `p.generated.jsonl`. */
export function defaultGeneratedPath(file: string): string {
  return path.join(path.dirname(file), generatedFileName(path.basename(file)));
}

/**
 * Rows of a previous run of OUT that `--resume` keeps: complete lines only (a run killed mid-write leaves a partial
 * last line, which is dropped), each checked to hold prompt i of PROMPTS and the same settings.
 */
async function resumableRows(
  out: string,
  prompts: PromptSource,
  settings: Record<string, unknown>,
): Promise<{ lines: string[]; dropped: boolean }> {
  const lines = fs.readFileSync(out, "utf8").split("\n");
  const partial = lines.pop() ?? "";
  if (lines.length > prompts.count)
    throw new ScoreCliError(`--resume: ${out} has ${lines.length} rows, more than the ${prompts.count} prompts`);
  const expected = await prompts.prompts(lines.map((_, i) => i));
  lines.forEach((line, i) => {
    let row: { prompt?: unknown; generation_settings?: unknown };
    try {
      row = JSON.parse(line) as typeof row;
    } catch {
      throw new ScoreCliError(`--resume: ${out}, line ${i + 1} is not JSON`);
    }
    if (!isDeepStrictEqual(row.prompt, expected[i]))
      throw new ScoreCliError(`--resume: ${out}, line ${i + 1} holds another prompt than row ${i} of the prompts file`);
    if (!isDeepStrictEqual(row.generation_settings, settings))
      throw new ScoreCliError(
        `--resume: ${out}, line ${i + 1} was generated with other settings (${JSON.stringify(row.generation_settings)}); ` +
          `drop --resume to start over`,
      );
  });
  return { lines, dropped: partial.trim() !== "" };
}

/** Runs `generate` with parsed argv; returns the output path and the final stats. */
export async function generateCommand(
  argv: string[],
  log: (line: string) => void = () => {},
): Promise<{ out: string; stats: GenerationStats }> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: "string" },
      "reward-model": { type: "string" },
      k: { type: "string" },
      temperature: { type: "string" },
      "top-p": { type: "string" },
      "top-k": { type: "string" },
      "repetition-penalty": { type: "string" },
      "max-new-tokens": { type: "string" },
      seed: { type: "string" },
      "prompt-field": { type: "string" },
      "prompt-format": { type: "string" },
      "sequence-rules": { type: "string" },
      variant: { type: "string" },
      "max-length": { type: "string" },
      resume: { type: "boolean" },
      out: { type: "string" },
    },
  });
  if (positionals.length !== 1)
    throw new ScoreCliError(`generate needs exactly one PROMPTS file\n${GENERATE_USAGE}`, 2);
  if (!values.model) throw new ScoreCliError(`generate needs --model DIR\n${GENERATE_USAGE}`, 2);
  const promptFormat = values["prompt-format"] ?? "chat";
  if (promptFormat !== "chat" && promptFormat !== "plain")
    throw new ScoreCliError(`--prompt-format: expected chat or plain, got "${promptFormat}"`, 2);
  const rules = values["sequence-rules"] ?? "paper";
  if (!isSequenceRules(rules))
    throw new ScoreCliError(
      `--sequence-rules: expected ${SEQUENCE_RULES.map((r) => r.id).join(", ")}, got "${rules}"`,
      2,
    );
  const settings: GenerationSettings = {
    k: parseNumber("k", values.k, D.k, true),
    temperature: parseNumber("temperature", values.temperature, D.temperature, false),
    topP: parseNumber("top-p", values["top-p"], D.topP, false),
    topK: parseNumber("top-k", values["top-k"], D.topK, true),
    repetitionPenalty: parseNumber("repetition-penalty", values["repetition-penalty"], D.repetitionPenalty, false),
    maxNewTokens: parseNumber("max-new-tokens", values["max-new-tokens"], D.maxNewTokens, true),
    seed: parseNumber("seed", values.seed, D.seed, true),
    promptFormat,
    rules,
  };
  const bad = checkGenerationSettings(settings);
  if (bad) throw new ScoreCliError(bad, 2);
  const maxLength = parseNumber("max-length", values["max-length"], 2048, true);
  if (maxLength < 1) throw new ScoreCliError(`--max-length: must be >= 1, got ${maxLength}`, 2);
  const field = values["prompt-field"] ?? DEFAULT_PROMPT_FIELD;

  const file = positionals[0];
  if (!fs.existsSync(file)) throw new ScoreCliError(`${file}: no such file`);
  const name = path.basename(file);
  const opened = await openSource(await openFileBlob(file), name);
  if (!opened.ok) throw new ScoreCliError(formatProblem(opened.reason));
  const source = opened.data;
  // Every prompt is checked before the first is generated: a bad row 10 000 must not fail an hour-long run.
  const problem = await checkPrompts(source, field);
  if (problem) throw new ScoreCliError(formatProblem(problem));
  const prompts = promptSourceFromRows(source, field);

  const dir = values.model;
  if (!fs.existsSync(dir)) throw new ScoreCliError(`${dir}: no such model folder`);
  const reader = createDirReader(dir);
  const names = values.variant ? [`onnx/${values.variant}`] : onnxCandidates({ webgpu: false, shaderF16: false });
  const policy = await loadGenerator(
    await readModelFolder(reader, names),
    ort as unknown as OrtModule,
    { executionProviders: ["cpu"] },
    await readGenerationConfig(reader),
  );
  const reward = values["reward-model"]
    ? ((await loadModelDir(values["reward-model"], "rm")) as LoadedRewardModel)
    : undefined;

  const out = values.out ?? defaultGeneratedPath(file);
  const settingsRecord = generationSettingsRecord(settings, policy.hash);
  let kept = 0;
  if (values.resume && fs.existsSync(out)) {
    const { lines, dropped } = await resumableRows(out, prompts, settingsRecord);
    kept = lines.length;
    fs.writeFileSync(out, lines.map((l) => `${l}\n`).join(""));
    log(`${path.basename(out)}: resuming after ${kept} rows${dropped ? " (a partial last line was dropped)" : ""}`);
  } else {
    fs.writeFileSync(out, "");
  }

  const counts = { responses: 0, stopped: 0, capped: 0, notRetokenized: 0, failed: 0 };
  let lastLog = 0;
  const stats = await generateResponses(
    prompts,
    { generator: policy.generator, tokenizer: policy.tokenizer },
    {
      settings,
      isDone: (i) => i < kept,
      onResult: async (result, s) => {
        const rmScores = reward
          ? await scoreResponses(reward, result.prompt, result.responses, { maxLength, promptFormat })
          : undefined;
        fs.appendFileSync(
          out,
          JSON.stringify(generationRow(result, settings, { rmScores, modelSha256: policy.hash })) + "\n",
        );
        counts.responses += result.responses.length;
        counts.stopped += result.finish.filter((f) => f === "stop").length;
        counts.capped += result.finish.filter((f) => f !== "stop").length;
        counts.notRetokenized += result.retokenizes.filter((r) => !r).length;
        if (result.error) {
          counts.failed++;
          log(`${name}: row ${result.index}: ${result.error}`);
        }
        if (s.elapsedMs - lastLog >= 1000 || s.done === s.total) {
          lastLog = s.elapsedMs;
          const eta = s.etaSeconds === null ? "?" : `${Math.round(s.etaSeconds)} s`;
          log(
            `generated ${s.done}/${s.total} prompts (${s.promptsPerSec.toFixed(2)} prompts/s, ${Math.round(s.tokensPerSec)} tokens/s, ETA ${eta})`,
          );
        }
      },
    },
  );
  await policy.release();
  await reward?.release();
  const demo = policy.isDemo ? " (demo model: the text is noise)" : "";
  log(
    `${name}: ${counts.responses} responses for ${stats.total - stats.skipped} prompts in ${(stats.elapsedMs / 1000).toFixed(1)} s ` +
      `(${Math.round(stats.tokensPerSec)} tokens/s); ${counts.stopped} ended with a stop token, ${counts.capped} at the length limit; ` +
      `${counts.notRetokenized} do not re-tokenise to their sampled ids, so the scorer will read other tokens for them` +
      `${counts.failed ? `; ${counts.failed} prompts failed` : ""}${kept ? `; kept ${kept} rows` : ""}; wrote ${out}${demo}`,
  );
  return { out, stats };
}
