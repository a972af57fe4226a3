/**
 * Generation throughput on the demo LM: onnxruntime-node vs onnxruntime-web (WASM, in Node), one thread each,
 * k samples per prompt batched on the prompt's KV cache, against one sample at a time and against decoding without
 * the cache (the whole sequence recomputed for every token).
 *   Usage: npx tsx bench/generation.bench.ts [prompts=8] [maxNewTokens=128] [k=5]
 * Prints generated tokens/s and prompts/s; each configuration runs once as a warm-up first.
 * No stop token is used, so every sample is exactly maxNewTokens long and runs compare like with like.
 */
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { buildDemoModels } from "@/scripts/demo-models/demo-models";
import { DEMO_CORPUS } from "@/scripts/demo-models/demo-tokenizer";
import { createKvDecoder } from "@/lib/generation/decoder";
import { createGenerator, type DecodeSettings } from "@/lib/generation/generator";
import { addLastLogitsOutput } from "@/lib/generation/last-logits-graph";
import { promptSourceFromList } from "@/lib/generation/prompts";
import { generateResponses, generationPromptIds, type GenerationSettings } from "@/lib/generation/run";
import { chooseToken } from "@/lib/generation/sampling";
import { createRng } from "@/lib/metrics/random";
import type { InferenceSessionLike, TensorCtor } from "@/lib/scoring/engine";
import { createScoringTokenizer } from "@/lib/scoring/tokenize";

const nPrompts = Number(process.argv[2] ?? 8);
const maxNewTokens = Number(process.argv[3] ?? 128);
const k = Number(process.argv[4] ?? 5);
const { "demo-lm": lm } = buildDemoModels();
const config = JSON.parse(String(lm["config.json"])) as Record<string, unknown>;
const tok = createScoringTokenizer(
  JSON.parse(String(lm["tokenizer.json"])),
  JSON.parse(String(lm["tokenizer_config.json"])),
  config,
);
const sentences = DEMO_CORPUS.split("\n");
const prompts = Array.from({ length: nPrompts }, (_, i) => sentences[i % sentences.length]);
const promptTokens = prompts.reduce((n, p) => n + generationPromptIds(tok, p, {}).length, 0);
const model = addLastLogitsOutput(lm["onnx/model.onnx"] as Uint8Array);

ortWeb.env.wasm.numThreads = 1;
const runtimes: [string, InferenceSessionLike, TensorCtor][] = [
  [
    "ort-node",
    (await ortNode.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 })) as never,
    ortNode.Tensor as unknown as TensorCtor,
  ],
  ["ort-web (wasm)", (await ortWeb.InferenceSession.create(model)) as never, ortWeb.Tensor as unknown as TensorCtor],
];
console.log(
  `${nPrompts} prompts (${promptTokens} prompt tokens), max_new_tokens ${maxNewTokens}, temperature 0.8, no stop token`,
);

async function timed(run: () => Promise<number>): Promise<{ tokens: number; s: number }> {
  await run();
  const t0 = performance.now();
  const tokens = await run();
  return { tokens, s: (performance.now() - t0) / 1000 };
}

for (const [name, session, Tensor] of runtimes) {
  const generator = createGenerator(createKvDecoder(session, Tensor, config), { stopTokenIds: [] });
  for (const samples of [k, 1]) {
    const settings: GenerationSettings = {
      k: samples,
      temperature: 0.8,
      topK: 0,
      topP: 1,
      repetitionPenalty: 1,
      maxNewTokens,
      seed: 42,
    };
    const { tokens, s } = await timed(async () => {
      const stats = await generateResponses(promptSourceFromList(prompts), { generator, tokenizer: tok }, { settings });
      return stats.generatedTokens;
    });
    console.log(
      `${name.padEnd(15)} KV cache, k=${String(samples).padEnd(2)} ${(tokens / s).toFixed(0).padStart(7)} tokens/s  ${(nPrompts / s).toFixed(2).padStart(6)} prompts/s  ${(s * 1000).toFixed(0)} ms`,
    );
  }
  // Baseline: no cache, one sample, every token recomputes prompt + response so far (what the cache saves).
  const decoder = createKvDecoder(session, Tensor, config);
  const settings: DecodeSettings = { temperature: 0.8, topK: 0, topP: 1, repetitionPenalty: 1, maxNewTokens };
  const { tokens, s } = await timed(async () => {
    let n = 0;
    for (const [i, p] of prompts.entries()) {
      const rng = createRng(i);
      const ids = generationPromptIds(tok, p, {});
      for (let t = 0; t < maxNewTokens; t++) {
        const { logits, state } = await decoder.prefill(ids);
        decoder.release(state);
        ids.push(chooseToken(logits, null, settings, rng));
        n++;
      }
    }
    return n;
  });
  console.log(
    `${name.padEnd(15)} no cache, k=1  ${(tokens / s).toFixed(0).padStart(7)} tokens/s  ${(nPrompts / s).toFixed(2).padStart(6)} prompts/s  ${(s * 1000).toFixed(0)} ms`,
  );
}
