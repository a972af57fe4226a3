/**
 * Scoring throughput on the demo LM: onnxruntime-node vs onnxruntime-web (WASM, in Node), with and without prompt
 * KV sharing, one thread each.  Usage: npx tsx bench/scoring.bench.ts [pairs=32] [promptWords=150]
 * Prints response tokens/s (scored tokens) and pairs/s; the first pass of each configuration is a warm-up.
 */
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { buildDemoModels } from "@/scripts/demo-models/demo-models";
import { addTokenLogprobOutput } from "@/lib/scoring/logprob-graph";
import { createLogprobScorer, type InferenceSessionLike, type TensorCtor } from "@/lib/scoring/engine";
import { createScoringTokenizer } from "@/lib/scoring/tokenize";
import { synthesizePairs } from "./scoring-pairs";

const nPairs = Number(process.argv[2] ?? 32);
const promptWords = Number(process.argv[3] ?? 150);
const { "demo-lm": lm } = buildDemoModels();
const tok = createScoringTokenizer(
  JSON.parse(String(lm["tokenizer.json"])),
  JSON.parse(String(lm["tokenizer_config.json"])),
  JSON.parse(String(lm["config.json"])),
);
const { pairs, promptTokens, responseTokens } = synthesizePairs(tok, nPairs, promptWords);
const model = addTokenLogprobOutput(lm["onnx/model.onnx"] as Uint8Array);

ortWeb.env.wasm.numThreads = 1;
const runtimes: [string, InferenceSessionLike, TensorCtor][] = [
  ["ort-node", await ortNode.InferenceSession.create(model, { intraOpNumThreads: 1 }), ortNode.Tensor],
  ["ort-web (wasm)", await ortWeb.InferenceSession.create(model), ortWeb.Tensor],
];
console.log(`${nPairs} pairs, ${promptTokens} prompt tokens, ${responseTokens} response tokens, batch 8`);
for (const [name, session, Tensor] of runtimes) {
  const scorer = createLogprobScorer(session, Tensor, JSON.parse(String(lm["config.json"])));
  for (const sharePrompt of [false, true]) {
    await scorer.scorePairs(pairs.slice(0, 8), { sharePrompt, batchSize: 8 });
    const t0 = performance.now();
    await scorer.scorePairs(pairs, { sharePrompt, batchSize: 8 });
    const s = (performance.now() - t0) / 1000;
    console.log(
      `${name.padEnd(15)} sharePrompt=${String(sharePrompt).padEnd(5)} ${(responseTokens / s).toFixed(0).padStart(7)} response tok/s  ${(nPairs / s).toFixed(1).padStart(6)} pairs/s  ${(s * 1000).toFixed(0)} ms`,
    );
  }
}
