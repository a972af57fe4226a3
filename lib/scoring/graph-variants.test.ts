/**
 * The scoring engine on the graph variants Hub exports come in, each built by `scripts/demo-models/tiny-llama.ts`
 * and checked against the float64 TypeScript forward (`test/reference-llama.ts`) fed the weights the graph computes
 * with (dequantised where quantised), in onnxruntime-node and onnxruntime-web (WASM).
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { addTokenLogprobOutput, TOKEN_LOGPROBS } from "./logprob-graph";
import {
  createLogprobScorer,
  describeDecoder,
  tokensPerPass,
  type InferenceSessionLike,
  type PairScore,
  type ResponseScore,
  type TensorCtor,
  type TensorLike,
} from "./engine";
import { tokenizePair, type TokenizedPair } from "./sequence";
import { loadModel, type OrtModule } from "./model-loader";
import { createFileMapReader, readModelFolder } from "./model-source";
import { demoFixture } from "@/test/scoring-fixtures";
import { readModelInfo, readOpTypes } from "@/lib/onnx/onnx-model";
import { encodeModel, externalizeTensorsToFiles } from "@/lib/onnx/onnx-writer";
import {
  buildTinyLlamaLm,
  createTinyLlamaWeights,
  QWEN2_VOCAB_SIZE,
  TINY_LLAMA,
  TINY_QWEN2,
  tinyLlamaConfigJson,
  type TinyLlamaConfig,
  type TinyLlamaExportOptions,
  type TinyLlamaWeights,
} from "@/scripts/demo-models/tiny-llama";
import { referenceLlamaLogprobs } from "@/test/reference-llama";
import { createMulberry32 } from "@/lib/metrics/random";

type Ort = typeof ortNode | typeof ortWeb;
const RUNTIMES = [
  ["onnxruntime-node", ortNode],
  ["onnxruntime-web (WASM)", ortWeb],
] as const;

beforeAll(() => {
  ortWeb.env.wasm.numThreads = 1;
});

/** Seeded pairs over `vocab`: shared prompts, one empty prompt, one pair whose prompts differ in the last token. */
function makePairs(vocab: number, seed: number): TokenizedPair[] {
  const rng = createMulberry32(seed);
  const ids = (n: number) => Array.from({ length: n }, () => 3 + Math.floor(rng() * (vocab - 3)));
  const pair = (prompt: number[], chosen: number[], rejected: number[], rejectedPrompt = prompt): TokenizedPair => ({
    chosen: { promptIds: prompt, responseIds: chosen, boundaryMerged: false },
    rejected: { promptIds: rejectedPrompt, responseIds: rejected, boundaryMerged: rejectedPrompt !== prompt },
    promptTruncated: false,
    responseTruncated: false,
    chosenTruncated: false,
    rejectedTruncated: false,
    templateMismatch: false,
  });
  const p1 = ids(9);
  return [
    pair(p1, ids(7), ids(3)),
    pair(ids(4), ids(12), ids(5)),
    pair(p1.slice(0, 6), ids(2), ids(9), [...p1.slice(0, 5), 17]),
    pair([], ids(6), ids(4)),
    pair(ids(1), ids(1), ids(8)),
  ];
}

/** The reference's log-probs of each response token (the first token of an empty prompt has no prediction). */
function reference(cfg: TinyLlamaConfig, w: TinyLlamaWeights, s: { promptIds: number[]; responseIds: number[] }) {
  const all = referenceLlamaLogprobs(cfg, w, [...s.promptIds, ...s.responseIds]);
  return all.slice(Math.max(0, s.promptIds.length - 1));
}

/** Largest |engine - reference| over every token log-prob of every pair. */
function maxDiffToReference(cfg: TinyLlamaConfig, w: TinyLlamaWeights, pairs: TokenizedPair[], got: PairScore[]) {
  let d = 0;
  pairs.forEach((p, i) => {
    for (const side of ["chosen", "rejected"] as const) {
      const expected = reference(cfg, w, p[side]);
      expect(got[i][side].tokenLogps.length).toBe(expected.length);
      expected.forEach((v, k) => (d = Math.max(d, Math.abs(v - got[i][side].tokenLogps[k]))));
    }
  });
  return d;
}

function maxDiff(a: readonly ResponseScore[], b: readonly ResponseScore[]): number {
  let d = 0;
  a.forEach((s, i) => {
    expect(s.tokens).toBe(b[i].tokens);
    s.tokenLogps.forEach((v, k) => (d = Math.max(d, Math.abs(v - b[i].tokenLogps[k]))));
  });
  return d;
}

async function open(ort: Ort, onnx: Uint8Array, externalData?: { path: string; data: Uint8Array }[]) {
  const bytes = addTokenLogprobOutput(onnx);
  const session = await ort.InferenceSession.create(bytes, externalData ? { externalData } : {});
  return { session: session as unknown as InferenceSessionLike, opTypes: readOpTypes(bytes) };
}

const LLAMA_WEIGHTS = createTinyLlamaWeights(TINY_LLAMA, 11);
const PAIRS = makePairs(TINY_LLAMA.vocabSize, 5);
const SEQS = PAIRS.flatMap((p) => [p.chosen, p.rejected]);

describe("tiny Llama builder", () => {
  it.each([
    {
      options: {},
      inputs: ["input_ids", "attention_mask", "position_ids", "past_key_values.0.key", "past_key_values.0.value"],
    },
    { options: { cache: "no-past" }, inputs: ["input_ids", "attention_mask", "position_ids"] },
    { options: { cache: "no-past", positionIds: false }, inputs: ["input_ids", "attention_mask"] },
    { options: { cache: "merged" }, inputs: ["past_key_values.1.value", "use_cache_branch"] },
    { options: { cache: "no-past", logitsToKeep: "num_logits_to_keep" }, inputs: ["num_logits_to_keep"] },
  ] as { options: TinyLlamaExportOptions; inputs: string[] }[])(
    "declares $inputs for $options",
    ({ options, inputs }) => {
      const info = readModelInfo(buildTinyLlamaLm(TINY_LLAMA, LLAMA_WEIGHTS, options).onnx);
      const names = info.inputs.map((i) => i.name);
      for (const name of inputs) expect(names).toContain(name);
      const hasCache = options.cache !== "no-past";
      expect(names.some((n) => n.startsWith("past_key_values"))).toBe(hasCache);
      expect(info.outputs.map((o) => o.name)).toEqual(
        hasCache ? ["logits", ...[0, 1].flatMap((l) => [`present.${l}.key`, `present.${l}.value`])] : ["logits"],
      );
    },
  );

  it.each([
    { format: "fp32", ops: ["MatMul"], absent: ["MatMulNBits", "MatMulInteger"] },
    { format: "fp16", ops: ["Cast", "MatMul"], absent: ["MatMulNBits"] },
    { format: "int8", ops: ["DynamicQuantizeLinear", "MatMulInteger", "DequantizeLinear"], absent: ["MatMulNBits"] },
    { format: "q4", ops: ["MatMulNBits"], absent: ["MatMulInteger"] },
  ] as const)("writes $format weights with $ops", ({ format, ops, absent }) => {
    const model = buildTinyLlamaLm(TINY_LLAMA, LLAMA_WEIGHTS, { weightFormat: format }).onnx;
    const types = readOpTypes(model);
    for (const op of ops) expect(types).toContain(op);
    for (const op of absent) expect(types).not.toContain(op);
    expect(readModelInfo(model).opsets.has("com.microsoft")).toBe(format === "q4");
  });

  it("reads the merged decoder's If branches as ops of the graph", () => {
    const ops = readOpTypes(buildTinyLlamaLm(TINY_LLAMA, LLAMA_WEIGHTS, { cache: "merged" }).onnx);
    expect(ops).toContain("If");
    expect(ops).toContain("Softmax");
  });
});

/**
 * Variants scored against the reference within 1e-4 (the float32 engine vs a float64 forward on the same weights).
 * fp16 and q4 meet the same bound: the reference gets the dequantised weights, and onnxruntime's CPU kernels
 * dequantise exactly and accumulate in float32 (MatMulNBits' default accuracy_level 0), so what remains is float32
 * rounding (measured 1.2e-6 for both).
 */
const EXACT_VARIANTS: { name: string; cfg: TinyLlamaConfig; options: TinyLlamaExportOptions }[] = [
  { name: "Llama, KV cache", cfg: TINY_LLAMA, options: {} },
  { name: "logits_to_keep input", cfg: TINY_LLAMA, options: { logitsToKeep: "logits_to_keep" } },
  { name: "num_logits_to_keep input", cfg: TINY_LLAMA, options: { logitsToKeep: "num_logits_to_keep" } },
  { name: "no KV cache (text-generation)", cfg: TINY_LLAMA, options: { cache: "no-past" } },
  { name: "no KV cache, no position_ids", cfg: TINY_LLAMA, options: { cache: "no-past", positionIds: false } },
  { name: "merged, use_cache_branch", cfg: TINY_LLAMA, options: { cache: "merged" } },
  {
    name: "merged with num_logits_to_keep",
    cfg: TINY_LLAMA,
    options: { cache: "merged", logitsToKeep: "num_logits_to_keep" },
  },
  {
    name: "Qwen2-style q/k/v biases, tied head",
    cfg: { ...TINY_LLAMA, attentionBias: true, tieWordEmbeddings: true },
    options: {},
  },
  // A cap far below Gemma-2's 30 so that tanh bends these tiny logits (checked below).
  { name: "Gemma-2 final logit soft-cap", cfg: { ...TINY_LLAMA, finalLogitSoftcapping: 1.5 }, options: {} },
  { name: "fp16 weights (Cast)", cfg: TINY_LLAMA, options: { weightFormat: "fp16" } },
  { name: "q4 MatMulNBits", cfg: TINY_LLAMA, options: { weightFormat: "q4" } },
  {
    name: "q4 MatMulNBits, block 16, merged",
    cfg: TINY_LLAMA,
    options: { weightFormat: "q4", q4BlockSize: 16, cache: "merged" },
  },
];

describe.each(RUNTIMES)("graph variants on %s", (_, ort) => {
  it.each(EXACT_VARIANTS)("$name: pairs (prompt sharing) and windows match the reference within 1e-4", async (v) => {
    const w = createTinyLlamaWeights(v.cfg, 11);
    const built = buildTinyLlamaLm(v.cfg, w, v.options);
    const { session, opTypes } = await open(ort, built.onnx);
    const scorer = createLogprobScorer(session, ort.Tensor as TensorCtor, tinyLlamaConfigJson(v.cfg, "llama"), {
      opTypes,
    });
    const shared = await scorer.scorePairs(PAIRS, { batchSize: 4 });
    expect(maxDiffToReference(v.cfg, built.effectiveWeights, PAIRS, shared)).toBeLessThan(1e-4);
    // 6-token passes: KV variants score long rows in windows over the cache, the others one row per pass.
    const windowed = await scorer.scoreSequences(SEQS, { batchSize: 3, maxBatchTokens: 6 });
    expect(
      maxDiff(
        windowed,
        shared.flatMap((p) => [p.chosen, p.rejected]),
      ),
    ).toBeLessThan(1e-5);
  });
});

describe("graph variant details", () => {
  it.each([
    { options: { logitsToKeep: "logits_to_keep" }, expected: { input: "logits_to_keep", rank: 0 } },
    { options: { logitsToKeep: "num_logits_to_keep" }, expected: { input: "num_logits_to_keep", rank: 0 } },
    { options: {}, expected: null },
  ] as { options: TinyLlamaExportOptions; expected: unknown }[])("finds $expected", async ({ options, expected }) => {
    const { session } = await open(ortNode, buildTinyLlamaLm(TINY_LLAMA, LLAMA_WEIGHTS, options).onnx);
    expect(describeDecoder(session).logitsToKeep).toEqual(expected);
  });

  it("logits_to_keep = 1 keeps only the last position (so the engine must feed 0)", async () => {
    const built = buildTinyLlamaLm(TINY_LLAMA, LLAMA_WEIGHTS, { cache: "no-past", logitsToKeep: "logits_to_keep" });
    const s = await ortNode.InferenceSession.create(built.onnx);
    const i64 = (v: number[], d: number[]) => new ortNode.Tensor("int64", BigInt64Array.from(v, BigInt), d);
    const ids = [5, 9, 40, 7];
    const feeds = (keep: number) => ({
      input_ids: i64(ids, [1, 4]),
      attention_mask: i64([1, 1, 1, 1], [1, 4]),
      position_ids: i64([0, 1, 2, 3], [1, 4]),
      logits_to_keep: i64([keep], []),
    });
    const all = (await s.run(feeds(0))).logits;
    const last = (await s.run(feeds(1))).logits;
    expect(all.dims).toEqual([1, 4, TINY_LLAMA.vocabSize]);
    expect(last.dims).toEqual([1, 1, TINY_LLAMA.vocabSize]);
    const V = TINY_LLAMA.vocabSize;
    const tail = (all.data as Float32Array).subarray(3 * V);
    (last.data as Float32Array).forEach((x, i) => expect(Math.abs(x - tail[i])).toBeLessThan(1e-5));
  });

  it("the soft-cap changes the log-probs (so the variant test exercises it)", () => {
    const cfg = { ...TINY_LLAMA, finalLogitSoftcapping: 1.5 };
    const w = createTinyLlamaWeights(cfg, 11);
    const ids = [...PAIRS[0].chosen.promptIds, ...PAIRS[0].chosen.responseIds];
    const capped = referenceLlamaLogprobs(cfg, w, ids);
    const plain = referenceLlamaLogprobs(TINY_LLAMA, w, ids);
    expect(Math.max(...capped.map((v, i) => Math.abs(v - plain[i])))).toBeGreaterThan(0.1);
  });

  it("feeds use_cache_branch false with an empty past and true with the prompt's cache", async () => {
    const built = buildTinyLlamaLm(TINY_LLAMA, LLAMA_WEIGHTS, { cache: "merged" });
    const { session, opTypes } = await open(ortNode, built.onnx);
    const branches: number[] = [];
    const spy: InferenceSessionLike = {
      inputNames: session.inputNames,
      outputNames: session.outputNames,
      inputMetadata: session.inputMetadata,
      run: (feeds, fetches) => {
        const flag = feeds.use_cache_branch.data as Uint8Array;
        const past = feeds["past_key_values.0.key"].dims[2];
        branches.push(flag[0], past);
        return session.run(feeds, fetches);
      },
    };
    const scorer = createLogprobScorer(spy, ortNode.Tensor as TensorCtor, {}, { opTypes });
    await scorer.scorePairs(PAIRS.slice(0, 1));
    // Prefix run without past, then chosen and rejected on the prefix's 8-slot cache.
    expect(branches).toEqual([0, 0, 1, 8, 1, 8]);
  });

  it("names the inputs it cannot fill", () => {
    const fake: InferenceSessionLike = {
      inputNames: ["input_ids", "attention_mask", "pixel_values", "token_type_ids", "target_ids"],
      outputNames: ["logits", TOKEN_LOGPROBS],
      run: async () => ({}),
    };
    expect(() => describeDecoder(fake)).toThrow(
      expect.objectContaining({
        code: "UNSUPPORTED_INPUT",
        message: expect.stringContaining('inputs "pixel_values", "token_type_ids"'),
      }),
    );
    expect(() => describeDecoder({ ...fake, inputNames: ["input_ids", "target_ids"] })).toThrow(
      expect.objectContaining({ code: "UNSUPPORTED_INPUT", message: expect.stringContaining('no "attention_mask"') }),
    );
  });
});

describe("float16 logits and KV cache (model_fp16 / q4f16 interface)", () => {
  /**
   * The blocks compute in float32 but logits and the cache cross the graph's edge as float16: each logit is rounded
   * to within 2^-11 of itself (|logits| < 10 here, so 5e-3), a log-prob reads two of them (target and normaliser),
   * and prompt sharing feeds the prompt's cache back rounded too. Measured 2.4e-3 (fp32 weights) and 1.6e-3 (q4,
   * merged), the same in onnxruntime-node and -web.
   */
  const BOUND = 1e-2;
  it.each(
    RUNTIMES.flatMap(([rt, ort]) =>
      [
        { weightFormat: "fp32", cache: "with-past" },
        { weightFormat: "q4", cache: "merged" },
      ].map((o) => ({ rt, ort, options: { ...o, float16Io: true } as TinyLlamaExportOptions })),
    ),
  )("$rt, $options.weightFormat, $options.cache: within 1e-2 of the reference", async ({ ort, options }) => {
    const built = buildTinyLlamaLm(TINY_LLAMA, LLAMA_WEIGHTS, options);
    const { session, opTypes } = await open(ort, built.onnx);
    const scorer = createLogprobScorer(session, ort.Tensor as TensorCtor, {}, { opTypes });
    expect(scorer.layout.past.every((p) => p.type === "float16")).toBe(true);
    const got = await scorer.scorePairs(PAIRS, { batchSize: 4 });
    expect(maxDiffToReference(TINY_LLAMA, built.effectiveWeights, PAIRS, got)).toBeLessThan(BOUND);
  });
});

describe("int8 dynamic quantisation (DynamicQuantizeLinear + MatMulInteger)", () => {
  const built = buildTinyLlamaLm(TINY_LLAMA, LLAMA_WEIGHTS, { weightFormat: "int8" });

  /**
   * Bound against the dequantised-weight reference: the weights match it exactly, but every MatMul also rounds its
   * input to uint8 over the tensor's [min, max] range (step range/255, about 0.4% of the range), which no float
   * reference reproduces. Measured on these pairs 0.073 max / 0.013 mean |diff| (log-probs around -6), on another
   * seed's 8 x 16 tokens 0.108 / 0.025, identical in onnxruntime-node and -web; the bounds leave about 2x room, and
   * the mean keeps the bulk honest where the max allows an outlier.
   */
  const MAX_ABS = 0.25;
  const MEAN_ABS = 0.05;

  it.each(RUNTIMES)(
    "%s: within 0.25 (mean 0.05) of the dequantised reference, the same in any batch",
    async (_, ort) => {
      const { session, opTypes } = await open(ort, built.onnx);
      const scorer = createLogprobScorer(session, ort.Tensor as TensorCtor, {}, { opTypes });
      expect(scorer.layout.rowsInteract).toBe(true);
      const batched = await scorer.scorePairs(PAIRS, { batchSize: 8 });
      expect(maxDiffToReference(TINY_LLAMA, built.effectiveWeights, PAIRS, batched)).toBeLessThan(MAX_ABS);
      let sum = 0;
      let n = 0;
      PAIRS.forEach((p, i) =>
        (["chosen", "rejected"] as const).forEach((side) =>
          reference(TINY_LLAMA, built.effectiveWeights, p[side]).forEach((v, k) => {
            sum += Math.abs(v - batched[i][side].tokenLogps[k]);
            n++;
          }),
        ),
      );
      expect(sum / n).toBeLessThan(MEAN_ABS);
      // Every sequence runs alone and whole, so batching options cannot move a number.
      const single = [];
      for (const s of SEQS) single.push(...(await scorer.scoreSequences([s])));
      expect(
        maxDiff(
          single,
          batched.flatMap((p) => [p.chosen, p.rejected]),
        ),
      ).toBe(0);
    },
  );

  it("why: a padded batch quantises a row with its neighbours' activations", async () => {
    const s = await ortNode.InferenceSession.create(addTokenLogprobOutput(built.onnx));
    const i64 = (v: number[], d: number[]) => new ortNode.Tensor("int64", BigInt64Array.from(v, BigInt), d);
    const past = (B: number) =>
      Object.fromEntries(
        [0, 1].flatMap((l) =>
          ["key", "value"].map((k) => [
            `past_key_values.${l}.${k}`,
            new ortNode.Tensor("float32", new Float32Array(0), [B, 2, 0, 16]),
          ]),
        ),
      );
    const a = [...SEQS[0].promptIds, ...SEQS[0].responseIds];
    const b = [...SEQS[2].promptIds, ...SEQS[2].responseIds].slice(0, a.length);
    const run = async (rows: number[][]) => {
      const T = rows[0].length;
      const out = await s.run({
        input_ids: i64(rows.flat(), [rows.length, T]),
        attention_mask: i64(Array(rows.length * T).fill(1), [rows.length, T]),
        position_ids: i64(
          rows.flatMap((r) => r.map((_, t) => t)),
          [rows.length, T],
        ),
        target_ids: i64(
          rows.flatMap((r) => [...r.slice(1), 0]),
          [rows.length, T],
        ),
        ...past(rows.length),
      });
      return (out[TOKEN_LOGPROBS].data as Float32Array).subarray(0, T - 1);
    };
    const alone = await run([a]);
    const together = await run([a, b]);
    expect(Math.max(...alone.map((v, i) => Math.abs(v - together[i])))).toBeGreaterThan(1e-4);
  });
});

describe("Qwen2-size vocabulary (151,936) on a tiny width", () => {
  const w = createTinyLlamaWeights(TINY_QWEN2, 3);
  const built = buildTinyLlamaLm(TINY_QWEN2, w);
  const config = tinyLlamaConfigJson(TINY_QWEN2, "qwen2");
  const pairs = makePairs(QWEN2_VOCAB_SIZE, 9).slice(0, 3);

  it("plans 441 tokens per pass by default: logits and log-softmax in 0.54 GB", () => {
    expect(tokensPerPass(QWEN2_VOCAB_SIZE)).toBe(441);
    expect(tokensPerPass(QWEN2_VOCAB_SIZE, { maxBatchTokens: 256 })).toBe(256);
    expect(tokensPerPass(320)).toBe(4096);
    expect(tokensPerPass(null, { maxBatchTokens: 100 })).toBe(100);
  });

  it.each(RUNTIMES)("%s: matches the reference, never fetching logits, each pass within the budget", async (_, ort) => {
    const { session, opTypes } = await open(ort, built.onnx);
    const maxLogitsBytes = 8 * 8 * QWEN2_VOCAB_SIZE; // 8 tokens per pass
    const seen: { fetches: readonly string[]; tokens: number; outputs: [string, readonly number[]][] }[] = [];
    const spy: InferenceSessionLike = {
      inputNames: session.inputNames,
      outputNames: session.outputNames,
      inputMetadata: session.inputMetadata,
      run: async (feeds: Record<string, TensorLike>, fetches: readonly string[]) => {
        const out = await session.run(feeds, fetches);
        const [B, T] = feeds.input_ids.dims;
        seen.push({ fetches, tokens: B * T, outputs: Object.entries(out).map(([k, t]) => [k, t.dims]) });
        return out;
      },
    };
    const scorer = createLogprobScorer(spy, ort.Tensor as TensorCtor, config, { opTypes });
    const got = await scorer.scorePairs(pairs, { maxLogitsBytes });
    expect(maxDiffToReference(TINY_QWEN2, built.effectiveWeights, pairs, got)).toBeLessThan(1e-4);
    expect(seen.length).toBeGreaterThan(pairs.length);
    for (const call of seen) {
      expect(call.fetches).not.toContain("logits");
      expect(call.tokens).toBeLessThanOrEqual(8);
      for (const [name, dims] of call.outputs) {
        expect(dims.length === 2 || name.startsWith("present")).toBe(true);
        expect(dims).not.toContain(QWEN2_VOCAB_SIZE);
      }
    }
  });
});

describe("external data split over several files", () => {
  it.each(RUNTIMES)("%s: model.onnx_data, _1, _2... score exactly as inline weights", async (_, ort) => {
    const built = buildTinyLlamaLm(TINY_LLAMA, LLAMA_WEIGHTS);
    const { tensors, files } = externalizeTensorsToFiles(built.graph.initializers ?? [], "model.onnx_data", 64 * 1024);
    expect(files.map((f) => f.path).slice(0, 3)).toEqual(["model.onnx_data", "model.onnx_data_1", "model.onnx_data_2"]);
    expect(Math.max(...files.map((f) => f.data.length))).toBeLessThanOrEqual(128 * 1024);
    const graphOnly = encodeModel({ ...built.graph, initializers: tensors }, 17);
    expect(graphOnly.length).toBeLessThan(built.onnx.length / 10);
    const split = await open(ort, graphOnly, files);
    const inline = await open(ort, built.onnx);
    const score = (s: typeof split) =>
      createLogprobScorer(s.session, ort.Tensor as TensorCtor, {}, { opTypes: s.opTypes }).scoreSequences(SEQS);
    expect(maxDiff(await score(split), await score(inline))).toBe(0);
  });
});

describe("a model folder of a quantised variant", () => {
  it("onnx/model_q4.onnx with split external data loads through readModelFolder and loadModel", async () => {
    const cfg = { ...TINY_LLAMA, attentionBias: true, tieWordEmbeddings: true };
    const built = buildTinyLlamaLm(cfg, createTinyLlamaWeights(cfg, 21), { weightFormat: "q4", cache: "merged" });
    const split = externalizeTensorsToFiles(built.graph.initializers ?? [], "model_q4.onnx_data", 16 * 1024);
    expect(split.files.length).toBeGreaterThan(2);
    const f = demoFixture();
    const text = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    const reader = createFileMapReader([
      { path: "config.json", data: text(tinyLlamaConfigJson(cfg, "qwen2")) },
      { path: "tokenizer.json", data: text(f.tokenizerJson) },
      { path: "tokenizer_config.json", data: text({ ...f.tokenizerConfig, chat_template: undefined }) },
      { path: "onnx/model_q4.onnx", data: encodeModel({ ...built.graph, initializers: split.tensors }, 17) },
      ...split.files.map((file) => ({ path: `onnx/${file.path}`, data: file.data })),
    ]);
    const folder = await readModelFolder(reader, ["onnx/model.onnx", "onnx/model_q4.onnx"]);
    expect(folder.externalData.map((d) => d.path)).toEqual(split.files.map((file) => file.path));
    const model = await loadModel(folder, ortNode as unknown as OrtModule, "lm");
    if (model.kind !== "lm") throw new Error("expected a causal LM");
    expect(model.scorer.layout.hasUseCacheBranch).toBe(true);
    const pairs = [
      tokenizePair(model.tokenizer, "What is the capital of France?", "Paris.", "Rome, I think."),
      tokenizePair(model.tokenizer, "Tea?", "Boil water, add tea.", "No."),
    ];
    const got = await model.scorer.scorePairs(pairs);
    expect(maxDiffToReference(cfg, built.effectiveWeights, pairs, got)).toBeLessThan(1e-4);
    await model.release();
  });
});

describe("Gemma-2 sliding-window attention (even layers)", () => {
  /** Window 4 under rows of up to 16 tokens: most keys of layer 0 fall outside it. */
  const WINDOW = 4;
  const cfg: TinyLlamaConfig = { ...TINY_LLAMA, slidingWindow: WINDOW };
  const w = createTinyLlamaWeights(cfg, 11);
  const config = tinyLlamaConfigJson(cfg, "gemma2");

  it("writes Gemma-2's config keys and rows longer than the window", () => {
    expect(config).toMatchObject({ sliding_window: 4, layer_types: ["sliding_attention", "full_attention"] });
    expect(tinyLlamaConfigJson(TINY_LLAMA, "gemma2")).not.toHaveProperty("sliding_window");
    expect(Math.max(...SEQS.map((s) => s.promptIds.length + s.responseIds.length))).toBe(4 * WINDOW);
  });

  /**
   * The graph limits keys by position (cumsum of attention_mask), so the engine's right-padded shared-prompt past,
   * with holes between prompt and continuation, sees the same window as an unpadded row. Measured max |diff| to the
   * reference: 2.3e-6 (onnxruntime-node) and 3.3e-6 (-web), the same for every cache layout.
   */
  it.each(
    RUNTIMES.flatMap(([rt, ort]) => (["with-past", "merged", "no-past"] as const).map((cache) => ({ rt, ort, cache }))),
  )(
    "$rt, $cache: shared prompts, unshared rows and windows match the reference within 1e-4",
    async ({ ort, cache }) => {
      const built = buildTinyLlamaLm(cfg, w, { cache });
      const { session, opTypes } = await open(ort, built.onnx);
      const scorer = createLogprobScorer(session, ort.Tensor as TensorCtor, config, { opTypes });
      const shared = await scorer.scorePairs(PAIRS, { batchSize: 4 });
      expect(maxDiffToReference(cfg, built.effectiveWeights, PAIRS, shared)).toBeLessThan(1e-4);
      const unshared = await scorer.scorePairs(PAIRS, { batchSize: 4, sharePrompt: false });
      expect(maxDiffToReference(cfg, built.effectiveWeights, PAIRS, unshared)).toBeLessThan(1e-4);
      const windowed = await scorer.scoreSequences(SEQS, { batchSize: 3, maxBatchTokens: 6 });
      expect(
        maxDiff(
          windowed,
          shared.flatMap((p) => [p.chosen, p.rejected]),
        ),
      ).toBeLessThan(1e-5);
    },
  );

  // Measured: up to 2.26 in both, so the variant test above would catch a mask that did nothing.
  it("the window changes the log-probs, in the graph and in the reference (so the mask is real)", async () => {
    const { session: windowSession, opTypes } = await open(ortNode, buildTinyLlamaLm(cfg, w).onnx);
    const { session: fullSession } = await open(ortNode, buildTinyLlamaLm(TINY_LLAMA, w).onnx);
    const score = (s: InferenceSessionLike) =>
      createLogprobScorer(s, ortNode.Tensor as TensorCtor, {}, { opTypes }).scoreSequences(SEQS);
    expect(maxDiff(await score(windowSession), await score(fullSession))).toBeGreaterThan(1e-3);
    const ids = [...PAIRS[1].chosen.promptIds, ...PAIRS[1].chosen.responseIds];
    const windowed = referenceLlamaLogprobs(cfg, w, ids);
    const full = referenceLlamaLogprobs(TINY_LLAMA, w, ids);
    expect(Math.max(...windowed.map((v, i) => Math.abs(v - full[i])))).toBeGreaterThan(1e-3);
    // Inside the window the two agree: the first WINDOW positions see every key either way.
    windowed.slice(0, WINDOW - 1).forEach((v, i) => expect(Math.abs(v - full[i])).toBeLessThan(1e-12));
  });
});
