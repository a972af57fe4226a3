/**
 * `margin-atlas score FILE --model DIR ...`: scores every row with onnxruntime-node on the same lib code as the
 * browser worker and writes FILE's rows in FILE's format with the log-prob (and reward) columns appended, which
 * `select` then reads as margins.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
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
import { onnxCandidates, readModelFolder, type ModelFileReader, type ModelFolder } from "@/lib/scoring/model-source";
import { scoreDataset } from "@/lib/scoring/pipeline";
import type { RunStats } from "@/lib/scoring/protocol";
import { createMemoryResultStore } from "@/lib/scoring/result-store";
import { parseRewardOutput, type RewardOutputChoice } from "@/lib/scoring/reward-outputs";
import {
  isShardableFormat,
  parseShardSpec,
  SHARDABLE_FORMATS,
  shardRange,
  type ShardManifest,
  type ShardSpec,
} from "@/lib/scoring/score-shards";
import { DEFAULT_SEQUENCE_OPTIONS, isSequenceRules, SEQUENCE_RULES } from "@/lib/scoring/sequence";
import { DatasetSession } from "@/lib/workbench/session";
import { openFileBlob } from "./file-blob";

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
  --device D               cpu (default) or cuda: onnxruntime-node's CUDA execution provider (Linux x64 with CUDA 12
                           and the provider installed: ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci)
  --shard I/N              score only shard I of N (0-based, e.g. $JOB_COMPLETION_INDEX/N): of the B blocks of
                           64 rows, blocks floor(I*B/N) to floor((I+1)*B/N)-1; writes them in FILE's format
                           (JSONL, JSON, CSV, TSV) and OUT.shard.json; join with: merge OUT SHARD...
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

/** Where `score` runs its models on onnxruntime-node. */
export type ScoreDevice = "cpu" | "cuda";

/** Options of {@link loadModelDir}. */
export interface LoadModelDirOptions {
  /** Execution provider (default cpu); check {@link cudaProviderProblem} before asking for cuda. */
  device?: ScoreDevice;
  /** Sees the folder's bytes before the session is created (`score --shard` fingerprints the model with it). */
  onFolder?: (folder: ModelFolder) => void;
}

/**
 * Loads a model folder from disk on onnxruntime-node (CPU unless `device` says cuda), as `score` does.
 * External-data weights are handed to the session in memory, like in the browser.
 */
export async function loadModelDir(
  dir: string,
  expect: "lm" | "rm",
  variant?: string,
  options: LoadModelDirOptions = {},
): Promise<LoadedModel> {
  if (!fs.existsSync(dir)) throw new ScoreCliError(`${dir}: no such model folder`);
  const names = variant ? [`onnx/${variant}`] : onnxCandidates({ webgpu: false, shaderF16: false });
  const folder = await readModelFolder(createDirReader(dir), names);
  options.onFolder?.(folder);
  const device = options.device ?? "cpu";
  try {
    return await loadModel(folder, ort as unknown as OrtModule, expect, {
      executionProviders: device === "cuda" ? ["cuda", "cpu"] : ["cpu"],
    });
  } catch (e) {
    if (device !== "cuda") throw e;
    throw new ScoreCliError(`${dir}: onnxruntime-node's CUDA execution provider failed: ${(e as Error).message}`);
  }
}

/** What onnxruntime-node reports about its backends, and where its native files are (a seam for tests). */
export interface OrtNodeInstall {
  backends: { name: string; bundled: boolean }[];
  /** Folder of onnxruntime_binding.node, or null when it was not found. */
  bindingDir: string | null;
  platform: string;
  exists: (file: string) => boolean;
}

/** The installed onnxruntime-node, as {@link cudaProviderProblem} reads it. */
export function installedOrtNode(): OrtNodeInstall {
  const require = createRequire(import.meta.url);
  const binRoot = path.join(path.dirname(require.resolve("onnxruntime-node")), "..", "bin");
  const napi = fs.existsSync(binRoot) ? fs.readdirSync(binRoot).filter((d) => d.startsWith("napi-v")) : [];
  const dirs = napi.map((d) => path.join(binRoot, d, process.platform, process.arch)).filter((d) => fs.existsSync(d));
  return {
    backends: ort.listSupportedBackends(),
    bindingDir: dirs[0] ?? null,
    platform: `${process.platform}/${process.arch}`,
    exists: fs.existsSync,
  };
}

/**
 * Why onnxruntime-node cannot run `--device cuda` here, or null when its CUDA execution provider is installed.
 * The provider's library is not on npm (too large): the package's install script fetches it on Linux x64 when
 * asked (ONNXRUNTIME_NODE_INSTALL=cuda12), so a plain `npm ci` lists cuda as a backend without having it.
 */
export function cudaProviderProblem(install: OrtNodeInstall = installedOrtNode()): string | null {
  const prefix = "onnxruntime-node on this machine has no CUDA execution provider";
  const cuda = install.backends.find((b) => b.name === "cuda");
  if (!cuda)
    return `${prefix} (this build for ${install.platform} offers ${install.backends.map((b) => b.name).join(", ")}; onnxruntime-node has CUDA for linux/x64 and win32/x64 only)`;
  if (cuda.bundled) return null;
  const lib = install.platform.startsWith("win32")
    ? "onnxruntime_providers_cuda.dll"
    : "libonnxruntime_providers_cuda.so";
  if (install.bindingDir && install.exists(path.join(install.bindingDir, lib))) return null;
  return `${prefix} (${lib} is not in ${install.bindingDir ?? "onnxruntime-node's bin folder"}; install it on a machine with CUDA 12 with ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci, or run without --device cuda)`;
}

/** SHA-256 of a model folder's bytes (graph, external weights, config, tokenizer), so shards name models by content. */
export function modelFingerprint(folder: ModelFolder): string {
  const h = createHash("sha256");
  const part = (name: string, data: Uint8Array | string) => {
    h.update(`${name}\0${typeof data === "string" ? Buffer.byteLength(data) : data.length}\0`);
    h.update(data);
  };
  part("onnxPath", folder.onnxPath);
  part("onnx", folder.onnx);
  for (const e of folder.externalData) part(`external:${e.path}`, e.data);
  part("config", JSON.stringify(folder.config));
  part("tokenizer", JSON.stringify(folder.tokenizerJson));
  part("tokenizerConfig", JSON.stringify(folder.tokenizerConfig));
  part("chatTemplate", folder.chatTemplate ?? "");
  return h.digest("hex");
}

/** SHA-256 of a file, streamed. */
async function fileSha256(file: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** Rows `score` scores per pipeline chunk; batches form within a chunk, so shards are cut on these bounds. */
export const SCORE_CHUNK_ROWS = 64;

/** Where `score --shard` writes the manifest of OUT: `OUT.shard.json`. */
export const shardManifestPath = (out: string) => `${out}.shard.json`;

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
      device: { type: "string" },
      shard: { type: "string" },
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
  const device = values.device ?? "cpu";
  if (device !== "cpu" && device !== "cuda")
    throw new ScoreCliError(`--device: expected cpu or cuda, got "${device}"`, 2);
  let shard: ShardSpec | undefined;
  if (values.shard !== undefined) {
    const parsed = parseShardSpec(values.shard);
    if (!parsed.ok) throw new ScoreCliError(`--shard: ${parsed.reason}`, 2);
    shard = parsed.data;
  }
  if (device === "cuda") {
    const problem = cudaProviderProblem();
    if (problem) throw new ScoreCliError(problem);
  }
  const variant = values.variant;
  const file = positionals[0];
  if (!fs.existsSync(file)) throw new ScoreCliError(`${file}: no such file`);
  const name = path.basename(file);
  const opened = await DatasetSession.open(await openFileBlob(file), name);
  if (!opened.ok) throw new ScoreCliError(formatProblem(opened.reason));
  const session = opened.data;
  const format = session.summary().info.format;
  if (shard && !isShardableFormat(format))
    throw new ScoreCliError(
      `--shard: ${name} is ${format}; sharded scoring writes ${SHARDABLE_FORMATS.join(", ")} (outputs that join byte for byte)`,
      2,
    );

  const fingerprints: Record<string, string> = {};
  const load = (slot: string, dir: string, expect: "lm" | "rm", v?: string) =>
    loadModelDir(dir, expect, v, { device, onFolder: (f) => (fingerprints[slot] = modelFingerprint(f)) });
  const policy = values.model ? ((await load("model", values.model, "lm", variant)) as LoadedLanguageModel) : undefined;
  const reference = values["ref-model"]
    ? ((await load("refModel", values["ref-model"], "lm")) as LoadedLanguageModel)
    : undefined;
  const loadedReward = values["reward-model"]
    ? ((await load("rewardModel", values["reward-model"], "rm")) as LoadedRewardModel)
    : undefined;
  let reward = loadedReward;
  if (loadedReward && rewardOutput) {
    try {
      reward = loadedReward.withOutput(rewardOutput);
    } catch (e) {
      throw new ScoreCliError(`--reward-output: ${(e as Error).message}`);
    }
  }
  const rowCount = session.source.rowCount;
  const { start, end } = shard ? shardRange(shard, rowCount, SCORE_CHUNK_ROWS) : { start: 0, end: rowCount };
  const columns = new ScoreColumns(rowCount);
  const stats = await scoreDataset(
    // The pipeline counts rows from 0; a shard's local row r is the file's row start + r.
    {
      rowCount: end - start,
      pairs: async (rows) => (await session.rows(rows.map((r) => r + start))).map((r) => r.pair),
    },
    { policy, reference, reward },
    {
      datasetKey: name,
      sequence: { ...DEFAULT_SEQUENCE_OPTIONS, maxLength, maxPromptLength, promptFormat, rules: sequenceRules },
      store: createMemoryResultStore(),
      batchSize,
      chunkPairs: SCORE_CHUNK_ROWS,
      onChunk: (chunk, s) => {
        columns.add(start === 0 ? chunk : { ...chunk, rows: chunk.rows.map((r) => r + start) });
        log(
          `scored ${s.done}/${s.total} pairs (${s.pairsPerSec.toFixed(1)} pairs/s, ${Math.round(s.tokensPerSec)} tokens/s)`,
        );
      },
    },
  );
  const { columns: extra } = columns.attachment({ implicit: reference ? "dpo" : "simpo", beta });
  const rows = Uint32Array.from({ length: end - start }, (_, i) => start + i);
  const blob = await exportRows(session.source, rows, format, extra);
  const out = values.out ?? defaultScoredPath(file);
  const bytes = new Uint8Array(await blob.arrayBuffer());
  // A shard's OUT is often in a fresh folder on a shared volume (deploy/score-indexed-job.yaml's /data/out).
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  fs.writeFileSync(out, bytes);
  if (shard && isShardableFormat(format)) {
    // CSV/TSV repeat their header in every shard; what an export of no rows writes is exactly that header.
    const headBytes =
      format === "csv" || format === "tsv" ? (await exportRows(session.source, [], format, extra)).size : 0;
    const manifest: ShardManifest = {
      kind: "margin-atlas-score-shard",
      version: 1,
      input: { name, bytes: fs.statSync(file).size, sha256: await fileSha256(file) },
      settings: {
        model: fingerprints.model ?? null,
        refModel: fingerprints.refModel ?? null,
        rewardModel: fingerprints.rewardModel ?? null,
        rewardOutput: values["reward-output"] ?? null,
        variant: variant ?? null,
        beta,
        maxLength,
        maxPromptLength,
        batchSize,
        promptFormat,
        sequenceRules,
        device,
      },
      format,
      shard,
      rows: { start, end, total: rowCount, blockRows: SCORE_CHUNK_ROWS },
      output: { bytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex"), headBytes },
    };
    fs.writeFileSync(shardManifestPath(out), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  for (const m of [policy, reference, reward]) await m?.release();
  const demo = [policy, reward].some((m) => m?.isDemo) ? " (demo model: margins are illustrative)" : "";
  log(
    `${name}${shard ? ` shard ${shard.index}/${shard.count} (rows ${start}–${end - 1})` : ""}: scored ${stats.total} pairs in ${(stats.elapsedMs / 1000).toFixed(1)} s${stats.failed ? `, ${stats.failed} could not be tokenized` : ""}; wrote ${out}${demo}`,
  );
  return { out, stats };
}
