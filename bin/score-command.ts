/**
 * `margin-atlas score FILE --model DIR ...`: scores every row with onnxruntime-node on the same lib code as the
 * browser worker and writes FILE's rows in FILE's format with the log-prob (and reward) columns appended, which
 * `select` then reads as margins.
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { formatProblem } from "@/lib/dataset/types";
import { exportRows } from "@/lib/export/export";
import { DEFAULT_DPO_BETA } from "@/lib/metrics/margin-formulas";
import { ScoreColumns } from "@/lib/scoring/columns";
import {
  loadModel,
  type LoadedLanguageModel,
  type LoadedModel,
  type LoadedRewardModel,
  type OrtModule,
} from "@/lib/scoring/model-loader";
import { onnxCandidates, readModelFolder, type ModelFileReader } from "@/lib/scoring/model-source";
import { scoreDataset } from "@/lib/scoring/pipeline";
import type { RunStats } from "@/lib/scoring/protocol";
import { createMemoryResultStore } from "@/lib/scoring/result-store";
import { parseRewardOutput, type RewardOutputChoice } from "@/lib/scoring/reward-outputs";
import { DEFAULT_SEQUENCE_OPTIONS, isSequenceRules, SEQUENCE_RULES } from "@/lib/scoring/sequence";
import { DatasetSession } from "@/lib/workbench/session";

/** Usage of the `score` command. */
export const SCORE_USAGE = `usage: npm run --silent cli -- score FILE --model DIR [options]
  --model DIR              policy model folder (config.json, tokenizer.json, onnx/model.onnx); may be left out
                           with --reward-model to add only score_chosen / score_rejected
  --ref-model DIR          reference model folder: adds ref_chosen_logps, ref_rejected_logps (DPO margins)
  --reward-model DIR       reward model folder: adds score_chosen, score_rejected (explicit margin)
  --reward-output NAME[:I] the reward model's output (and label index, default 0) read as the reward, e.g. score
                           or rewards:3 (default: logits, else score, label 0)
  --beta B                 DPO beta, reported with the reference columns (default ${DEFAULT_DPO_BETA})
  --max-length N           TRL max_length (default 2048)
  --max-prompt-length N    TRL max_prompt_length (default 1800)
  --batch-size N           rows per forward pass (default 8)
  --variant FILE           ONNX graph to load, e.g. model_q4.onnx (default: best available, float32 first)
  --prompt-format F        chat (default: the chat template when the tokenizer has one) or plain (concatenate)
  --sequence-rules R       paper (default: SimPO / TRL 0.9-0.11), trl-0.12 (TRL 0.12-0.27) or trl-0.28 (TRL >= 0.28)
  --out OUT                output file (default: FILE with .scored before its extension)`;

/** A usage or input error of `score` (exit code 2 for usage, 1 for input). */
export class ScoreCliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Reads a model folder from disk. */
export function createDirReader(dir: string): ModelFileReader {
  return {
    location: dir,
    async read(rel) {
      const file = path.join(dir, rel);
      return fs.existsSync(file) ? new Uint8Array(fs.readFileSync(file)) : null;
    },
  };
}

function int(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const v = Number(value);
  if (!Number.isInteger(v) || v <= 0)
    throw new ScoreCliError(`--${name}: expected a positive integer, got "${value}"`, 2);
  return v;
}

/** Default output path: `data.jsonl` → `data.scored.jsonl`, `data.jsonl.gz` → `data.scored.jsonl`. */
export function defaultScoredPath(file: string): string {
  const plain = file.replace(/\.gz$/i, "");
  const ext = path.extname(plain);
  return `${plain.slice(0, plain.length - ext.length)}.scored${ext}`;
}

/**
 * Loads a model folder from disk on onnxruntime-node (CPU), as `score` does. External-data weights are handed to
 * the session in memory, like in the browser.
 */
export async function loadModelDir(dir: string, expect: "lm" | "rm", variant?: string): Promise<LoadedModel> {
  if (!fs.existsSync(dir)) throw new ScoreCliError(`${dir}: no such model folder`);
  const names = variant ? [`onnx/${variant}`] : onnxCandidates({ webgpu: false, shaderF16: false });
  const folder = await readModelFolder(createDirReader(dir), names);
  return loadModel(folder, ort as unknown as OrtModule, expect, { executionProviders: ["cpu"] });
}

/** Runs `score` with parsed argv; returns the stats and the output path. */
export async function scoreCommand(
  argv: string[],
  log: (line: string) => void = () => {},
): Promise<{
  out: string;
  stats: RunStats;
}> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: "string" },
      "ref-model": { type: "string" },
      "reward-model": { type: "string" },
      "reward-output": { type: "string" },
      beta: { type: "string" },
      "max-length": { type: "string" },
      "max-prompt-length": { type: "string" },
      "batch-size": { type: "string" },
      variant: { type: "string" },
      "prompt-format": { type: "string" },
      "sequence-rules": { type: "string" },
      out: { type: "string" },
    },
  });
  if (positionals.length !== 1) throw new ScoreCliError(`score needs exactly one FILE\n${SCORE_USAGE}`, 2);
  if (!values.model && !values["reward-model"])
    throw new ScoreCliError(`score needs --model DIR or --reward-model DIR\n${SCORE_USAGE}`, 2);
  if (!values.model && values["ref-model"])
    throw new ScoreCliError(`--ref-model needs --model (the policy it is the reference of)\n${SCORE_USAGE}`, 2);
  const beta = values.beta === undefined ? DEFAULT_DPO_BETA : Number(values.beta);
  if (!Number.isFinite(beta)) throw new ScoreCliError(`--beta: expected a number, got "${values.beta}"`, 2);
  const maxLength = int("max-length", values["max-length"], DEFAULT_SEQUENCE_OPTIONS.maxLength);
  const maxPromptLength = int(
    "max-prompt-length",
    values["max-prompt-length"],
    DEFAULT_SEQUENCE_OPTIONS.maxPromptLength,
  );
  const batchSize = int("batch-size", values["batch-size"], 8);
  const promptFormat = values["prompt-format"] ?? "chat";
  if (promptFormat !== "chat" && promptFormat !== "plain")
    throw new ScoreCliError(`--prompt-format: expected chat or plain, got "${promptFormat}"`, 2);
  const sequenceRules = values["sequence-rules"] ?? "paper";
  if (!isSequenceRules(sequenceRules))
    throw new ScoreCliError(
      `--sequence-rules: expected ${SEQUENCE_RULES.map((r) => r.id).join(", ")}, got "${sequenceRules}"`,
      2,
    );
  if (values["reward-output"] !== undefined && !values["reward-model"])
    throw new ScoreCliError(`--reward-output needs --reward-model\n${SCORE_USAGE}`, 2);
  let rewardOutput: RewardOutputChoice | undefined;
  try {
    rewardOutput = values["reward-output"] === undefined ? undefined : parseRewardOutput(values["reward-output"]);
  } catch (e) {
    throw new ScoreCliError(`--reward-output: ${(e as Error).message}`, 2);
  }
  const variant = values.variant;
  const file = positionals[0];
  if (!fs.existsSync(file)) throw new ScoreCliError(`${file}: no such file`);
  const name = path.basename(file);
  const opened = await DatasetSession.open(await fs.openAsBlob(file), name);
  if (!opened.ok) throw new ScoreCliError(formatProblem(opened.reason));
  const session = opened.data;

  const policy = values.model ? ((await loadModelDir(values.model, "lm", variant)) as LoadedLanguageModel) : undefined;
  const reference = values["ref-model"]
    ? ((await loadModelDir(values["ref-model"], "lm")) as LoadedLanguageModel)
    : undefined;
  const loadedReward = values["reward-model"]
    ? ((await loadModelDir(values["reward-model"], "rm")) as LoadedRewardModel)
    : undefined;
  let reward = loadedReward;
  if (loadedReward && rewardOutput) {
    try {
      reward = loadedReward.withOutput(rewardOutput);
    } catch (e) {
      throw new ScoreCliError(`--reward-output: ${(e as Error).message}`);
    }
  }
  const columns = new ScoreColumns(session.source.rowCount);
  const stats = await scoreDataset(
    { rowCount: session.source.rowCount, pairs: async (rows) => (await session.rows(rows)).map((r) => r.pair) },
    { policy, reference, reward },
    {
      datasetKey: name,
      sequence: { ...DEFAULT_SEQUENCE_OPTIONS, maxLength, maxPromptLength, promptFormat, rules: sequenceRules },
      store: createMemoryResultStore(),
      batchSize,
      chunkPairs: 64,
      onChunk: (chunk, s) => {
        columns.add(chunk);
        log(
          `scored ${s.done}/${s.total} pairs (${s.pairsPerSec.toFixed(1)} pairs/s, ${Math.round(s.tokensPerSec)} tokens/s)`,
        );
      },
    },
  );
  const { columns: extra } = columns.attachment({ implicit: reference ? "dpo" : "simpo", beta });
  const all = Uint32Array.from({ length: session.source.rowCount }, (_, i) => i);
  const blob = await exportRows(session.source, all, session.summary().info.format, extra);
  const out = values.out ?? defaultScoredPath(file);
  fs.writeFileSync(out, new Uint8Array(await blob.arrayBuffer()));
  for (const m of [policy, reference, reward]) await m?.release();
  const demo = [policy, reward].some((m) => m?.isDemo) ? " (demo model: margins are illustrative)" : "";
  log(
    `${name}: scored ${stats.total} pairs in ${(stats.elapsedMs / 1000).toFixed(1)} s${stats.failed ? `, ${stats.failed} could not be tokenized` : ""}; wrote ${out}${demo}`,
  );
  return { out, stats };
}
