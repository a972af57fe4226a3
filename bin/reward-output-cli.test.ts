/**
 * `score --reward-model DIR --reward-output NAME[:INDEX]` (issue 13): the CLI reads the named output's label of a
 * multi-output reward model (the ArmoRM-style fixture), `score` when the flag is absent; bad values are usage errors
 * that say what is expected, and a name the graph lacks lists the outputs it has.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildDemoTokenizer } from "@/scripts/demo-models/demo-tokenizer";
import {
  ARMO_OBJECTIVES,
  buildArmoRmFolder,
  createTinyEncoderWeights,
  REWARD_FIXTURE_SEED,
  tinyDecoderRmShape,
} from "@/scripts/demo-models/tiny-encoder";
import { referenceDecoderRm } from "@/test/reference-encoder";
import { tokenizeForReward } from "@/lib/scoring/sequence";
import { createScoringTokenizer } from "@/lib/scoring/tokenize";
import { scoreCommand } from "./score-command";

const tok = buildDemoTokenizer();
const files = buildArmoRmFolder(tok);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-reward-output-"));
const rmDir = path.join(dir, "armo-rm");
for (const [rel, v] of Object.entries(files)) {
  fs.mkdirSync(path.dirname(path.join(rmDir, rel)), { recursive: true });
  fs.writeFileSync(path.join(rmDir, rel), v);
}
const ROWS = [
  { prompt: "What is the capital of France?", chosen: "Paris.", rejected: "Rome." },
  { prompt: "Hi", chosen: "Hello! How can I help you today?", rejected: "Hello" },
];
const input = path.join(dir, "pairs.jsonl");
fs.writeFileSync(input, ROWS.map((r) => JSON.stringify(r)).join("\n") + "\n");

const cfg = tinyDecoderRmShape(tok.vocabSize, ARMO_OBJECTIVES);
const weights = createTinyEncoderWeights(cfg, REWARD_FIXTURE_SEED, true);
const rmTok = createScoringTokenizer(
  JSON.parse(String(files["tokenizer.json"])) as Record<string, unknown>,
  JSON.parse(String(files["tokenizer_config.json"])) as Record<string, unknown>,
);
const reference = (side: "chosen" | "rejected") =>
  ROWS.map((r) =>
    referenceDecoderRm(cfg, weights, tokenizeForReward(rmTok, r.prompt, r[side]).ids, tok.specialIds["<|im_end|>"]),
  );

function scoredRows(file: string): Record<string, number>[] {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, number>);
}

describe("score --reward-output", () => {
  it.each([
    { flag: [] as string[], pick: (r: ReturnType<typeof reference>[number]) => r.score },
    { flag: ["--reward-output", "rewards:3"], pick: (r: ReturnType<typeof reference>[number]) => r.rewards[3] },
    { flag: ["--reward-output", "gating_output"], pick: (r: ReturnType<typeof reference>[number]) => r.gating[0] },
  ])("reads $flag as the reference does", async ({ flag, pick }) => {
    const out = path.join(dir, `out-${flag.join("-") || "default"}.jsonl`);
    await scoreCommand([input, "--reward-model", rmDir, ...flag, "--out", out]);
    const rows = scoredRows(out);
    const [chosen, rejected] = [reference("chosen"), reference("rejected")];
    rows.forEach((row, i) => {
      expect(row.score_chosen).toBeCloseTo(pick(chosen[i]), 4);
      expect(row.score_rejected).toBeCloseTo(pick(rejected[i]), 4);
    });
  });

  it.each([
    [["--reward-output", "a:b"], /--reward-output: expected NAME or NAME:INDEX/, 2],
    [
      ["--reward-output", "logits"],
      /--reward-output: .*reward output "logits" is not an output of this graph \(it has rewards, gating_output, score\)/,
      1,
    ],
  ] as const)("refuses %j", async (flag, message, exitCode) => {
    const run = scoreCommand([input, "--reward-model", rmDir, ...flag, "--out", path.join(dir, "x.jsonl")]);
    await expect(run).rejects.toThrow(message);
    await expect(run).rejects.toHaveProperty("exitCode", exitCode);
  });

  it("needs --reward-model", async () => {
    await expect(scoreCommand([input, "--model", rmDir, "--reward-output", "score"])).rejects.toThrow(
      /--reward-output needs --reward-model/,
    );
  });
});
