/**
 * The reward output a user picks, end to end through the scoring worker's handlers (issue 13): `loadModel` lists
 * the graph's outputs in ModelInfo, `score` with `rewardOutput` reads that output's label, stores it under its own
 * key (so switching outputs never serves the other output's scores) and renders rows with the reward model's own
 * chat template; a name the graph lacks is refused with the outputs it has.
 */
import { describe, expect, it } from "vitest";
import * as ortWeb from "onnxruntime-web";
import type { HandlerContext } from "@/lib/worker/rpc";
import { computedColumns, linkedWorkers } from "@/test/linked-workers";
import { buildDemoTokenizer } from "@/scripts/demo-models/demo-tokenizer";
import {
  ARMO_OBJECTIVES,
  buildArmoRmFolder,
  createTinyEncoderWeights,
  REWARD_FIXTURE_SEED,
  tinyDecoderRmShape,
} from "@/scripts/demo-models/tiny-encoder";
import { referenceDecoderRm } from "@/test/reference-encoder";
import type { OrtModule } from "./model-loader";
import { createMemoryResultStore } from "./result-store";
import { tokenizeForReward } from "./sequence";
import { createScoringTokenizer } from "./tokenize";
import { createScoringHandlers } from "./worker-handlers";

const tok = buildDemoTokenizer();
const EOS = tok.specialIds["<|im_end|>"];
const folder = buildArmoRmFolder(tok);
const files = Object.entries(folder).map(([p, v]) => ({
  path: `armo-rm/${p}`,
  data: typeof v === "string" ? new TextEncoder().encode(v) : v,
}));
const ROWS = [
  { prompt: "What is the capital of France?", chosen: "Paris.", rejected: "Rome, I think." },
  { prompt: "Tea?", chosen: "Boil water, add tea.", rejected: "No." },
  { prompt: "Hi", chosen: "Hello! How can I help you today?", rejected: "Go away." },
];
const file = new Blob([ROWS.map((r) => JSON.stringify(r)).join("\n")]);
const cfg = tinyDecoderRmShape(tok.vocabSize, ARMO_OBJECTIVES);
const weights = createTinyEncoderWeights(cfg, REWARD_FIXTURE_SEED, true);
const rmTok = createScoringTokenizer(
  JSON.parse(String(folder["tokenizer.json"])) as Record<string, unknown>,
  JSON.parse(String(folder["tokenizer_config.json"])) as Record<string, unknown>,
);

function ctx(): HandlerContext {
  return { progress: () => {}, transfer: [] };
}

async function handlers() {
  ortWeb.env.wasm.numThreads = 1;
  const store = createMemoryResultStore();
  const h = createScoringHandlers({
    store,
    loadOrt: async () => ortWeb as unknown as OrtModule,
    probeGpu: async () => ({ available: false, fallbackAdapter: false, shaderF16: false, reason: "no WebGPU adapter" }),
    threads: () => 1,
  });
  const linked = await linkedWorkers(h, file, "rows.jsonl");
  /** The chosen scores of the last run, by row, as the dataset worker holds them. */
  const chosenScores = async () => {
    await linked.dataset.applyScores({ implicit: "simpo", beta: 0.1 }, ctx());
    return Array.from((await computedColumns(linked.dataset)).get("score_chosen")!);
  };
  return { h, chosenScores, close: linked.close };
}

describe("picking a reward output", () => {
  it("lists the outputs, scores the picked label with the RM's template, and keys each output apart", async () => {
    const { h, chosenScores, close } = await handlers();
    const info = await h.loadModel({ role: "reward", source: { kind: "files", files }, backend: "wasm" }, ctx());
    expect(info.outputs).toEqual([
      { name: "rewards", dims: ["batch_size", ARMO_OBJECTIVES] },
      { name: "gating_output", dims: ["batch_size", ARMO_OBJECTIVES] },
      { name: "score", dims: ["batch_size", 1] },
    ]);
    expect(info.rewardInput).toBe("conversation");
    const args = { maxLength: 2048, maxPromptLength: 1800 };
    const ref = ROWS.map((r) =>
      referenceDecoderRm(cfg, weights, tokenizeForReward(rmTok, r.prompt, r.chosen).ids, EOS),
    );

    await h.score(args, ctx());
    (await chosenScores()).forEach((v, i) => expect(v).toBeCloseTo(ref[i].score, 4));

    const stats = await h.score({ ...args, rewardOutput: { name: "rewards", index: 2 } }, ctx());
    // Another output is another key: nothing is served from the default output's stored rows.
    expect(stats.cached).toBe(0);
    (await chosenScores()).forEach((v, i) => expect(v).toBeCloseTo(ref[i].rewards[2], 4));

    const again = await h.score({ ...args, rewardOutput: { name: "rewards", index: 2 } }, ctx());
    expect(again.cached).toBe(ROWS.length);

    await expect(h.score({ ...args, rewardOutput: { name: "logits", index: 0 } }, ctx())).rejects.toThrow(
      'reward output "logits" is not an output of this graph (it has rewards, gating_output, score)',
    );
    close();
  });
});
