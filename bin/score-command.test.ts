import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import * as ortWeb from "onnxruntime-web";
import { buildDemoModels } from "@/scripts/demo-models/demo-models";
import { ScoreColumns } from "@/lib/scoring/columns";
import {
  loadModel,
  type LoadedLanguageModel,
  type LoadedRewardModel,
  type OrtModule,
} from "@/lib/scoring/model-loader";
import { readModelFolder } from "@/lib/scoring/model-source";
import { scoreDataset } from "@/lib/scoring/pipeline";
import { loadReferenceModel, referenceLogprobs } from "@/test/reference-forward";
import { createMemoryResultStore } from "@/lib/scoring/result-store";
import { DEFAULT_SEQUENCE_OPTIONS, tokenizePair } from "@/lib/scoring/sequence";
import { DatasetSession } from "@/lib/workbench/session";
import { createDirReader, defaultScoredPath, loadModelDir, scoreCommand } from "./score-command";

const ROOT = path.resolve(import.meta.dirname, "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-score-"));
for (const [folder, files] of Object.entries(buildDemoModels())) {
  for (const [rel, v] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, folder, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, folder, rel), v);
  }
}
const ROWS = [
  { prompt: "What is the capital of France?", chosen: "The capital of France is Paris.", rejected: "Rome." },
  { prompt: "Hi", chosen: "Hello! How can I help you today?", rejected: "Hello" },
  { prompt: "Tea?", chosen: "Boil water, add tea.", rejected: "No idea, sorry about that." },
  { prompt: "Count to three", chosen: "1, 2, 3.", rejected: "3, 2, 1, 0, -1, and so on." },
];
const input = path.join(dir, "pairs.jsonl");
fs.writeFileSync(input, ROWS.map((r) => JSON.stringify(r)).join("\n") + "\n");

/** A JSONL file's rows. */
function readJsonl(file: string): Record<string, number>[] {
  return fs
    .readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, number>);
}

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "bin/margin-atlas.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same rows scored with onnxruntime-web (WASM) in Node, through the browser worker's pipeline. */
async function webColumns(): Promise<Record<string, number[]>> {
  ortWeb.env.wasm.numThreads = 1;
  const ort = ortWeb as unknown as OrtModule;
  const load = async (name: string, kind: "lm" | "rm") =>
    loadModel(await readModelFolder(createDirReader(path.join(dir, name)), ["onnx/model.onnx"]), ort, kind);
  const policy = (await load("demo-lm", "lm")) as LoadedLanguageModel;
  const reward = (await load("demo-rm", "rm")) as LoadedRewardModel;
  const opened = await DatasetSession.open(await fs.openAsBlob(input), "pairs.jsonl");
  if (!opened.ok) throw new Error(opened.reason.message);
  const session = opened.data;
  const cols = new ScoreColumns(ROWS.length);
  await scoreDataset(
    { rowCount: ROWS.length, pairs: async (rows) => (await session.rows(rows)).map((r) => r.pair) },
    { policy, reference: policy, reward },
    {
      datasetKey: "k",
      sequence: DEFAULT_SEQUENCE_OPTIONS,
      store: createMemoryResultStore(),
      onChunk: (c) => cols.add(c),
    },
  );
  return Object.fromEntries(cols.attachment({ implicit: "dpo" }).columns.map((c) => [c.name, Array.from(c.values)]));
}

describe("cli score", () => {
  it("writes the rows verbatim plus log-prob and reward columns equal to onnxruntime-web's (≤1e-4)", async () => {
    const out = path.join(dir, "scored.jsonl");
    const args = [input, "--model", path.join(dir, "demo-lm"), "--ref-model", path.join(dir, "demo-lm")];
    const { stats } = await scoreCommand([...args, "--reward-model", path.join(dir, "demo-rm"), "--out", out]);
    expect(stats).toMatchObject({ done: 4, total: 4, failed: 0 });
    const lines = fs.readFileSync(out, "utf8").trim().split("\n");
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    // The original bytes come first, untouched; the columns are appended.
    lines.forEach((l, i) => expect(l.startsWith(JSON.stringify(ROWS[i]).slice(0, -1))).toBe(true));
    const web = await webColumns();
    const names = Object.keys(web);
    expect(names).toEqual([
      "chosen_logps",
      "rejected_logps",
      "chosen_logps_norm",
      "rejected_logps_norm",
      "ref_chosen_logps",
      "ref_rejected_logps",
      "score_chosen",
      "score_rejected",
    ]);
    for (const name of names) {
      parsed.forEach((row, i) => {
        expect(typeof row[name]).toBe("number");
        expect(Math.abs((row[name] as number) - web[name][i])).toBeLessThanOrEqual(1e-4);
      });
    }
    parsed.forEach((row) => {
      expect(row.chosen_logps_norm as number).toBeLessThan(0);
      expect(row.ref_chosen_logps).toBe(row.chosen_logps);
    });

    // `select` reads the scored file back: implicit = chosen_logps_norm − rejected_logps_norm, explicit = scores.
    const selected = path.join(dir, "selected.jsonl");
    const r = cli(["select", out, "--ratio", "1", "--include-computed", "--out", selected]);
    expect(r.stderr).toContain("scored 4 (missing explicit 0, implicit 0)");
    expect(r.code).toBe(0);
    const back = readJsonl(selected);
    back.forEach((row) => {
      expect(row.implicit_margin).toBeCloseTo(row.chosen_logps_norm - row.rejected_logps_norm, 12);
      expect(row.explicit_margin).toBeCloseTo(row.score_chosen - row.score_rejected, 12);
    });
  });

  it("scores with --ref-model pointing at a model whose weights are external data (demo-ref)", () => {
    const out = path.join(dir, "scored-ref.jsonl");
    const model = ["--model", path.join(dir, "demo-lm"), "--ref-model", path.join(dir, "demo-ref")];
    const r = cli(["score", input, ...model, "--out", out]);
    expect(r.stderr).toContain("pairs.jsonl: scored 4 pairs");
    expect(r.code).toBe(0);
    const rows = fs
      .readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, number>);
    expect(rows.length).toBe(ROWS.length);
    rows.forEach((row) => {
      for (const name of ["chosen_logps", "rejected_logps", "ref_chosen_logps", "ref_rejected_logps"]) {
        expect(Number.isFinite(row[name]) && row[name] < 0).toBe(true);
      }
      expect(Math.abs(row.ref_chosen_logps - row.chosen_logps)).toBeGreaterThan(1e-3);
      expect(Math.abs(row.ref_rejected_logps - row.rejected_logps)).toBeGreaterThan(1e-3);
    });
  });

  it.each([
    [["score"], /exactly one FILE/],
    [["score", "x.jsonl"], /needs --model/],
    [["score", "x.jsonl", "--model", "m", "--max-length", "0"], /--max-length: expected a positive integer/],
    [["score", "x.jsonl", "--ref-model", "r", "--reward-model", "rm"], /--ref-model needs --model/],
  ])("usage error %j exits 2", (args, message) => {
    const r = cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it.each([
    ["data.jsonl", "data.scored.jsonl"],
    ["d/data.jsonl.gz", "d/data.scored.jsonl"],
    ["data.parquet", "data.scored.parquet"],
  ])("default output of %s is %s", (file, out) => {
    expect(defaultScoredPath(file)).toBe(out);
  });
});

describe("external-data model (demo-ref) on both runtimes", () => {
  const refDir = path.join(dir, "demo-ref");
  const oracle = loadReferenceModel(fs.readFileSync(path.join(refDir, "onnx/model.onnx")), 4, {
    externalData: [{ path: "model.onnx_data", data: fs.readFileSync(path.join(refDir, "onnx/model.onnx_data")) }],
  });

  it.each([
    [
      "onnxruntime-web (WASM)",
      async () => {
        ortWeb.env.wasm.numThreads = 1;
        const folder = await readModelFolder(createDirReader(refDir), ["onnx/model.onnx"]);
        return loadModel(folder, ortWeb as unknown as OrtModule, "lm");
      },
    ],
    ["onnxruntime-node (the CLI's loader)", () => loadModelDir(refDir, "lm")],
  ])("%s gives the reference forward's log-probs within 1e-4", async (_, load) => {
    const model = (await load()) as LoadedLanguageModel;
    const pairs = ROWS.slice(0, 2).map((r) => tokenizePair(model.tokenizer, r.prompt, r.chosen, r.rejected));
    const seqs = pairs.flatMap((p) => [p.chosen, p.rejected]);
    const scores = await model.scorer.scoreSequences(seqs, { batchSize: 4 });
    let maxDiff = 0;
    seqs.forEach((s, i) => {
      const expected = referenceLogprobs(oracle, [...s.promptIds, ...s.responseIds]).slice(
        Math.max(0, s.promptIds.length - 1),
      );
      expect(scores[i].tokenLogps.length).toBe(expected.length);
      scores[i].tokenLogps.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - expected[k]))));
    });
    expect(maxDiff).toBeLessThan(1e-4);
    await model.release();
  });

  it("--prompt-format plain concatenates texts (different numbers than the chat template); bad values exit 2", async () => {
    const chat = path.join(dir, "chat.jsonl");
    const plain = path.join(dir, "plain.jsonl");
    await scoreCommand([input, "--model", path.join(dir, "demo-lm"), "--out", chat]);
    await scoreCommand([input, "--model", path.join(dir, "demo-lm"), "--prompt-format", "plain", "--out", plain]);
    const a = readJsonl(chat);
    const b = readJsonl(plain);
    // The response tokens differ (the template adds <|im_end|>\n after the answer), so the sums differ.
    b.forEach((row, i) => expect(row.chosen_logps).not.toBeCloseTo(a[i].chosen_logps, 3));
    const r = cli(["score", input, "--model", path.join(dir, "demo-lm"), "--prompt-format", "raw"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--prompt-format: expected chat or plain, got "raw"');
  });

  it("--sequence-rules picks the trainer's sequences (the demo's ChatML ends with a newline); bad values exit 2", async () => {
    const out = (rules: string) => path.join(dir, `rules-${rules}.jsonl`);
    for (const rules of ["paper", "trl-0.12", "trl-0.28"])
      await scoreCommand([input, "--model", path.join(dir, "demo-lm"), "--sequence-rules", rules, "--out", out(rules)]);
    const [paper, trl012, trl028] = ["paper", "trl-0.12", "trl-0.28"].map((r) => readJsonl(out(r)));
    // No BOS and a template ending in "\n": paper and 0.12 both append one EOS, so the sequences are equal;
    // >= 0.28 appends none to conversational completions, so every sum loses the EOS term.
    trl012.forEach((row, i) => expect(row.chosen_logps).toBeCloseTo(paper[i].chosen_logps, 5));
    trl028.forEach((row, i) => expect(row.chosen_logps).toBeGreaterThan(paper[i].chosen_logps));
    const r = cli(["score", input, "--model", path.join(dir, "demo-lm"), "--sequence-rules", "trl-9"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--sequence-rules: expected paper, trl-0.12, trl-0.28, got "trl-9"');
  });

  it("--variant names the graph file; a missing one is said plainly", () => {
    const r = cli(["score", input, "--model", path.join(dir, "demo-lm"), "--variant", "model_q4.onnx"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("the requested ONNX graph onnx/model_q4.onnx is missing");
  });

  it("--reward-model alone adds only the reward columns", async () => {
    const out = path.join(dir, "rm-only.jsonl");
    const { stats } = await scoreCommand([input, "--reward-model", path.join(dir, "demo-rm"), "--out", out]);
    expect(stats).toMatchObject({ done: 4, total: 4 });
    const rows = readJsonl(out);
    const web = await webColumns();
    rows.forEach((row, i) => {
      expect(Object.keys(row)).toEqual(["prompt", "chosen", "rejected", "score_chosen", "score_rejected"]);
      expect(Math.abs(row.score_chosen - web.score_chosen[i])).toBeLessThanOrEqual(1e-4);
      expect(Math.abs(row.score_rejected - web.score_rejected[i])).toBeLessThanOrEqual(1e-4);
    });
  });
});
