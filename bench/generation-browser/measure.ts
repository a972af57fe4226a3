/**
 * The timed part of the generation benchmark, shared by the Node process (onnxruntime-node) and the Chromium page
 * (onnxruntime-web), so both sides build the generator and time `generateResponses` with the same code: the
 * app's generation path (`addLastLogitsOutput` graph, `createKvDecoder`, `createGenerator`, `generateResponses`),
 * except that no stop token is set, so every sample runs to `maxNewTokens` and every configuration generates the
 * same number of tokens.
 */
import { readOpTypes } from "@/lib/onnx/onnx-model";
import { createKvDecoder } from "@/lib/generation/decoder";
import { contextLengthOf, createGenerator } from "@/lib/generation/generator";
import { promptSourceFromList } from "@/lib/generation/prompts";
import { generateResponses, type GenerationModel, type GenerationSettings } from "@/lib/generation/run";
import type { InferenceSessionLike, TensorCtor } from "@/lib/scoring/engine";
import type { ScoringTokenizer } from "@/lib/scoring/tokenize";

/** What one configuration runs. */
export interface MeasureOptions {
  prompts: string[];
  settings: GenerationSettings;
  /** Timed passes over all prompts (after the warm-up pass). */
  reps: number;
  /** Prompts of the untimed warm-up pass (the first ones). */
  warmupPrompts: number;
}

/** Timings and outputs of one configuration. */
export interface Measurement {
  /** Wall time of each timed pass (ms). */
  ms: number[];
  /** Tokens one pass generated. */
  generatedTokens: number;
  /** Generated ids per prompt and sample, from the last pass. */
  ids: number[][][];
  /** Sum of log-probs per prompt and sample, from the last pass. */
  sumLogps: number[][];
  /** Time spent inside `session.run` per timed pass (ms): the rest is JS (sampling, cache rows, tokenizer). */
  runMs: number[];
}

/** A generation model whose session counts the time spent in `run`. */
export interface BenchModel extends GenerationModel {
  /** ms inside `session.run` since the model was made. */
  runMs(): number;
}

/** The generation model on `session` (already created from `addLastLogitsOutput(modelBytes)`), without stop tokens. */
export function benchModel(
  session: InferenceSessionLike,
  Tensor: TensorCtor,
  config: Record<string, unknown>,
  rewrittenBytes: Uint8Array,
  tokenizer: ScoringTokenizer,
): BenchModel {
  let runMs = 0;
  const timed: InferenceSessionLike = {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputMetadata: session.inputMetadata,
    run: async (feeds, fetches) => {
      const t0 = performance.now();
      try {
        return await session.run(feeds, fetches);
      } finally {
        runMs += performance.now() - t0;
      }
    },
  };
  const decoder = createKvDecoder(timed, Tensor, config, readOpTypes(rewrittenBytes));
  const generator = createGenerator(decoder, { stopTokenIds: [], contextLength: contextLengthOf(config) });
  return { generator, tokenizer, runMs: () => runMs };
}

/** One warm-up pass, then `reps` timed passes of `generateResponses` over the prompts. */
export async function measureGeneration(model: BenchModel, o: MeasureOptions): Promise<Measurement> {
  const pass = async (prompts: string[]) => {
    const ids: number[][][] = [];
    const sumLogps: number[][] = [];
    const stats = await generateResponses(promptSourceFromList(prompts), model, {
      settings: o.settings,
      onResult: (r) => {
        if (r.error) throw new Error(`prompt ${r.index}: ${r.error}`);
        ids[r.index] = r.ids;
        sumLogps[r.index] = r.sumLogps;
      },
    });
    return { ids, sumLogps, generatedTokens: stats.generatedTokens };
  };
  await pass(o.prompts.slice(0, Math.max(1, o.warmupPrompts)));
  const ms: number[] = [];
  const runMs: number[] = [];
  let last: Awaited<ReturnType<typeof pass>> | null = null;
  for (let r = 0; r < o.reps; r++) {
    const t0 = performance.now();
    const run0 = model.runMs();
    last = await pass(o.prompts);
    ms.push(performance.now() - t0);
    runMs.push(model.runMs() - run0);
  }
  if (!last) throw new RangeError(`reps must be >= 1, got ${o.reps}`);
  return { ms, runMs, ...last };
}
