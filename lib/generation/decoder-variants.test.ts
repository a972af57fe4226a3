/**
 * The KV decoder on the graph variants of `scripts/demo-models/tiny-llama.ts` (issue 13): a `logits_to_keep` /
 * `num_logits_to_keep` input is fed 1 and greedy decoding then equals the plain export's token for token (and the
 * float64 reference's log-probs); an export without a KV cache is refused with a message that says what to export.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { readOpTypes } from "@/lib/onnx/onnx-model";
import { createRng } from "@/lib/metrics/random";
import type { InferenceSessionLike, TensorCtor, TensorLike } from "@/lib/scoring/engine";
import type { OrtModule } from "@/lib/scoring/model-loader";
import { createFileMapReader, readModelFolder } from "@/lib/scoring/model-source";
import {
  buildTinyLlamaLm,
  createTinyLlamaWeights,
  TINY_LLAMA,
  tinyLlamaConfigJson,
  type TinyLlamaExportOptions,
} from "@/scripts/demo-models/tiny-llama";
import { referenceLlamaLogprobs } from "@/test/reference-llama";
import { demoFixture } from "@/test/scoring-fixtures";
import { createKvDecoder, GenerationError } from "./decoder";
import { createGenerator, type DecodeSettings, type GeneratedSample } from "./generator";
import { addLastLogitsOutput, LAST_LOGITS } from "./last-logits-graph";
import { loadGenerator } from "./model";

type Ort = typeof ortNode | typeof ortWeb;
const RUNTIMES = [
  ["onnxruntime-node", ortNode],
  ["onnxruntime-web (WASM)", ortWeb],
] as const;

const WEIGHTS = createTinyLlamaWeights(TINY_LLAMA, 11);
const CONFIG = tinyLlamaConfigJson(TINY_LLAMA, "llama");
const PROMPT = [1, 45, 200, 17, 99, 3, 250, 61];
// No stop token, so every variant decodes the full 16 steps (prefill + 15 one-token steps).
const GREEDY: DecodeSettings = { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, maxNewTokens: 16 };

beforeAll(() => {
  ortWeb.env.wasm.numThreads = 1;
});

async function openSession(ort: Ort, options: TinyLlamaExportOptions) {
  const bytes = addLastLogitsOutput(buildTinyLlamaLm(TINY_LLAMA, WEIGHTS, options).onnx);
  const session = (await ort.InferenceSession.create(bytes)) as unknown as InferenceSessionLike;
  return { session, opTypes: readOpTypes(bytes) };
}

async function greedy(ort: Ort, session: InferenceSessionLike, opTypes: ReadonlySet<string>) {
  const decoder = createKvDecoder(session, ort.Tensor as unknown as TensorCtor, CONFIG, opTypes);
  const [sample] = await createGenerator(decoder, { stopTokenIds: [] }).sample(PROMPT, [createRng(1)], GREEDY);
  return { sample, layout: decoder.layout };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

const KEEP_VARIANTS: { name: string; options: TinyLlamaExportOptions; input: string }[] = [
  { name: "logits_to_keep", options: { logitsToKeep: "logits_to_keep" }, input: "logits_to_keep" },
  { name: "num_logits_to_keep", options: { logitsToKeep: "num_logits_to_keep" }, input: "num_logits_to_keep" },
  {
    name: "merged (use_cache_branch) with num_logits_to_keep",
    options: { cache: "merged", logitsToKeep: "num_logits_to_keep" },
    input: "num_logits_to_keep",
  },
  {
    name: "logits_to_keep without position_ids",
    options: { logitsToKeep: "logits_to_keep", positionIds: false },
    input: "logits_to_keep",
  },
];

describe.each(RUNTIMES)("generation on graph variants, %s", (_, ort) => {
  let plain: GeneratedSample;
  beforeAll(async () => {
    const { session, opTypes } = await openSession(ort, {});
    plain = (await greedy(ort, session, opTypes)).sample;
  });

  it("the plain export's greedy path is the float64 reference's log-probs within 1e-4 and not degenerate", () => {
    expect(plain.ids).toHaveLength(GREEDY.maxNewTokens);
    expect(new Set(plain.ids).size).toBeGreaterThan(3);
    const want = referenceLlamaLogprobs(TINY_LLAMA, WEIGHTS, [...PROMPT, ...plain.ids]).slice(PROMPT.length - 1);
    expect(maxAbsDiff(plain.tokenLogps, want)).toBeLessThan(1e-4);
  });

  it.each(KEEP_VARIANTS)("$name: greedy decoding equals the plain export's token for token", async (v) => {
    const { session, opTypes } = await openSession(ort, v.options);
    const { sample, layout } = await greedy(ort, session, opTypes);
    expect(layout.logitsToKeep).toEqual({ input: v.input, rank: 0 });
    expect(sample.ids).toEqual(plain.ids);
    expect(maxAbsDiff(sample.tokenLogps, plain.tokenLogps)).toBeLessThan(1e-5);
  });
});

describe("logits_to_keep feed", () => {
  it("is 1 in the prefill and every step, and the graph then returns one position's logits", async () => {
    const { session, opTypes } = await openSession(ortNode, { logitsToKeep: "logits_to_keep" });
    const seen: { keep: bigint; tokens: number; logitsPositions: number }[] = [];
    const spy: InferenceSessionLike = {
      inputNames: session.inputNames,
      outputNames: session.outputNames,
      inputMetadata: session.inputMetadata,
      async run(feeds: Record<string, TensorLike>, fetches: readonly string[]) {
        // Also fetch the graph's own logits, to see how many positions it computed.
        const out = await session.run(feeds, [...fetches, "logits"]);
        const keep = feeds.logits_to_keep;
        expect(keep.dims).toEqual([]);
        seen.push({
          keep: (keep.data as BigInt64Array)[0],
          tokens: feeds.input_ids.dims[1],
          logitsPositions: out.logits.dims[1],
        });
        expect(out[LAST_LOGITS].dims).toEqual([feeds.input_ids.dims[0], TINY_LLAMA.vocabSize]);
        return out;
      },
    };
    await greedy(ortNode, spy, opTypes);
    expect(seen).toHaveLength(GREEDY.maxNewTokens);
    expect(seen[0]).toEqual({ keep: 1n, tokens: PROMPT.length, logitsPositions: 1 });
    for (const call of seen.slice(1)) expect(call).toEqual({ keep: 1n, tokens: 1, logitsPositions: 1 });
  });
});

describe("an export without KV cache (Optimum's text-generation task)", () => {
  const noPast = buildTinyLlamaLm(TINY_LLAMA, WEIGHTS, { cache: "no-past" }).onnx;
  const message = /generation needs a KV-cache export: this decoder has no past_key_values\.N\.key\/value inputs/;

  it("is refused by the decoder with what to export instead", async () => {
    const bytes = addLastLogitsOutput(noPast);
    const session = (await ortNode.InferenceSession.create(bytes)) as unknown as InferenceSessionLike;
    const make = () => createKvDecoder(session, ortNode.Tensor as unknown as TensorCtor, CONFIG, readOpTypes(bytes));
    expect(make).toThrow(GenerationError);
    expect(make).toThrow(message);
    expect(make).toThrow(/inputs: input_ids, attention_mask, position_ids\)/);
    expect(make).toThrow(/--task text-generation-with-past/);
  });

  it("is refused when loaded from a model folder for generation", async () => {
    const f = demoFixture();
    const text = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    const reader = createFileMapReader([
      { path: "config.json", data: text(CONFIG) },
      { path: "tokenizer.json", data: text(f.tokenizerJson) },
      { path: "tokenizer_config.json", data: text(f.tokenizerConfig) },
      { path: "onnx/model.onnx", data: noPast },
    ]);
    const folder = await readModelFolder(reader, ["onnx/model.onnx"]);
    await expect(loadGenerator(folder, ortNode as unknown as OrtModule)).rejects.toMatchObject({
      code: "NO_CACHE",
      message: expect.stringMatching(message),
    });
  });
});
