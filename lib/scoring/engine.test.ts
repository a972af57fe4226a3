import { beforeAll, describe, expect, it } from "vitest";
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { addTokenLogprobOutput } from "./logprob-graph";
import {
  createLogprobScorer,
  describeDecoder,
  planBatches,
  ScoringEngineError,
  type InferenceSessionLike,
  type PairScore,
} from "./engine";
import { loadModel, type LoadedLanguageModel, type OrtModule } from "./model-loader";
import type { ModelFolder } from "./model-source";
import { createRewardScorer, halfToFloat } from "./reward";
import { dpoMargin, simpoMargin, sumMargin } from "./margins";
import { loadReferenceModel, referenceLogprobs, referenceReward } from "@/test/reference-forward";
import { tokenizePair, tokenizeForReward, type TokenizedPair } from "./sequence";
import { createScoringTokenizer } from "./tokenize";
import { demoFixture, demoGqaLmOnnx } from "@/test/scoring-fixtures";
import { readOpTypes } from "@/lib/onnx/onnx-model";

const f = demoFixture();
const plain = createScoringTokenizer(f.tokenizerJson, { ...f.tokenizerConfig, chat_template: undefined }, f.lmConfig);
const PAIRS: TokenizedPair[] = [
  tokenizePair(f.tokenizer, "What is the capital of France?", "The capital of France is Paris.", "Rome."),
  tokenizePair(
    f.tokenizer,
    [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Tea?" },
    ],
    "Boil water, add tea.",
    "No idea, sorry about that.",
  ),
  tokenizePair(f.tokenizer, "Hi", "Hello! How can I help you today?", "Hello"),
  // Merged boundary: chosen and rejected prompts differ in their last token.
  tokenizePair(plain, "The capital of Fra", "nce is Paris.", " is Paris."),
  // Empty prompt: the first response token has no prediction.
  tokenizePair(plain, "", "Water boils at one hundred degrees.", "Water is dry."),
];
const allSeqs = PAIRS.flatMap((p) => [p.chosen, p.rejected]);

let nodeSession: ortNode.InferenceSession;
let webSession: ortWeb.InferenceSession;
beforeAll(async () => {
  const model = addTokenLogprobOutput(f.lmOnnx);
  nodeSession = await ortNode.InferenceSession.create(model);
  ortWeb.env.wasm.numThreads = 1;
  webSession = await ortWeb.InferenceSession.create(model);
});

function maxDiff(a: PairScore[], b: PairScore[]): number {
  let d = 0;
  a.forEach((p, i) => {
    for (const side of ["chosen", "rejected"] as const) {
      expect(p[side].tokens).toBe(b[i][side].tokens);
      p[side].tokenLogps.forEach((v, k) => (d = Math.max(d, Math.abs(v - b[i][side].tokenLogps[k]))));
      d = Math.max(d, Math.abs(p[side].sumLogp - b[i][side].sumLogp) / Math.max(1, p[side].tokens));
    }
  });
  return d;
}

describe("planBatches", () => {
  it.each([
    {
      lengths: [5, 1, 3, 2],
      batchSize: 2,
      maxTokens: 100,
      expected: [
        [1, 3],
        [2, 0],
      ],
    },
    { lengths: [5, 1, 3, 2], batchSize: 8, maxTokens: 6, expected: [[1, 3], [2], [0]] },
    { lengths: [10, 10, 10], batchSize: 8, maxTokens: 5, expected: [[0], [1], [2]] },
    { lengths: [], batchSize: 8, maxTokens: 5, expected: [] },
  ])("buckets $lengths (batch $batchSize, tokens $maxTokens)", ({ lengths, batchSize, maxTokens, expected }) => {
    expect(planBatches(lengths, batchSize, maxTokens)).toEqual(expected);
  });
});

describe("describeDecoder", () => {
  const fake = (shape: (number | string)[]): InferenceSessionLike => ({
    inputNames: [
      "input_ids",
      "attention_mask",
      "past_key_values.0.key",
      "past_key_values.0.value",
      "target_ids",
      "use_cache_branch",
    ],
    outputNames: ["logits", "present.0.key", "present.0.value", "token_logprobs"],
    inputMetadata: ["key", "value"].map((k) => ({
      name: `past_key_values.0.${k}`,
      isTensor: true,
      type: "float16",
      shape,
    })),
    run: async () => ({}),
  });
  it.each([
    { name: "numeric metadata", shape: ["b", 2, "p", 8], config: {}, heads: 2, headDim: 8 },
    {
      name: "GQA config fallback",
      shape: ["b", "h", "p", "d"],
      config: { num_key_value_heads: 2, num_attention_heads: 8, hidden_size: 512 },
      heads: 2,
      headDim: 64,
    },
    { name: "GPT-2 config fallback", shape: [], config: { n_head: 4, n_embd: 64 }, heads: 4, headDim: 16 },
  ])("reads the cache shape from $name", ({ shape, config, heads, headDim }) => {
    const layout = describeDecoder(fake(shape), config);
    expect(layout.past[0]).toEqual({
      input: "past_key_values.0.key",
      output: "present.0.key",
      heads,
      headDim,
      type: "float16",
    });
    expect([layout.hasPositionIds, layout.hasUseCacheBranch]).toEqual([false, true]);
  });

  it.each([
    { ops: [], expected: false },
    { ops: ["MatMul", "Softmax", "Attention", "MultiHeadAttention"], expected: false },
    { ops: ["MatMul", "GroupQueryAttention"], expected: true },
  ])("contiguousRowsOnly is $expected for ops $ops", ({ ops, expected }) => {
    expect(describeDecoder(fake([1, 2, 3, 4]), {}, new Set(ops)).contiguousRowsOnly).toBe(expected);
  });

  it.each([
    { name: "no rewrite", session: { ...fake([]), inputNames: ["input_ids"] }, code: "NOT_REWRITTEN" },
    { name: "unknown cache shape", session: fake(["b", "h", "p", "d"]), code: "UNKNOWN_CACHE_SHAPE" },
  ])("fails with $code on $name", ({ session, code }) => {
    expect(() => describeDecoder(session)).toThrow(expect.objectContaining({ code }));
  });
});

describe("log-prob engine (onnxruntime-node)", () => {
  it("matches the float64 reference forward within 1e-4", async () => {
    const scorer = createLogprobScorer(nodeSession, ortNode.Tensor, f.lmConfig);
    const ref = loadReferenceModel(f.lmOnnx, 4);
    const scores = await scorer.scoreSequences(allSeqs, { batchSize: 1 });
    allSeqs.forEach((s, i) => {
      const all = referenceLogprobs(ref, [...s.promptIds, ...s.responseIds]);
      const expected = all.slice(Math.max(0, s.promptIds.length - 1));
      expect(scores[i].tokens).toBe(s.promptIds.length ? s.responseIds.length : s.responseIds.length - 1);
      expect(scores[i].tokenLogps.length).toBe(expected.length);
      scores[i].tokenLogps.forEach((v, k) => expect(Math.abs(v - expected[k])).toBeLessThan(1e-4));
      expect(scores[i].meanLogp).toBeCloseTo(scores[i].sumLogp / scores[i].tokens, 10);
    });
  });

  it("is padding invariant: batched equals one-by-one within 1e-5", async () => {
    const scorer = createLogprobScorer(nodeSession, ortNode.Tensor, f.lmConfig);
    const single = await scorer.scorePairs(PAIRS, { batchSize: 1, sharePrompt: false });
    const batched = await scorer.scorePairs(PAIRS, { batchSize: 8, sharePrompt: false });
    expect(maxDiff(single, batched)).toBeLessThan(1e-5);
  });

  it("prompt KV sharing equals the full run within 1e-5 (batched and single)", async () => {
    const scorer = createLogprobScorer(nodeSession, ortNode.Tensor, f.lmConfig);
    const full = await scorer.scorePairs(PAIRS, { batchSize: 1, sharePrompt: false });
    for (const batchSize of [1, 3, 8]) {
      const shared = await scorer.scorePairs(PAIRS, { batchSize, sharePrompt: true });
      expect(maxDiff(full, shared)).toBeLessThan(1e-5);
    }
  });

  it("rows over the token budget are scored in KV-cached windows, equal to one pass within 1e-5", async () => {
    const scorer = createLogprobScorer(nodeSession, ortNode.Tensor, f.lmConfig);
    const full = await scorer.scorePairs(PAIRS, { batchSize: 1, sharePrompt: false });
    const longest = Math.max(...allSeqs.map((s) => s.promptIds.length + s.responseIds.length));
    const runs: number[] = [];
    const counting = {
      ...nodeSession,
      inputNames: nodeSession.inputNames,
      outputNames: nodeSession.outputNames,
      inputMetadata: nodeSession.inputMetadata,
      run: (feeds: Parameters<typeof nodeSession.run>[0], fetches: string[]) => {
        runs.push((feeds.input_ids as ortNode.Tensor).dims[1]);
        return nodeSession.run(feeds, fetches);
      },
    } as unknown as InferenceSessionLike;
    const windowed = createLogprobScorer(counting, ortNode.Tensor, f.lmConfig);
    for (const window of [1, 5, 16]) {
      for (const sharePrompt of [false, true]) {
        runs.length = 0;
        const got = await windowed.scorePairs(PAIRS, { maxBatchTokens: window, sharePrompt });
        expect(maxDiff(full, got), `window ${window}, share ${sharePrompt}`).toBeLessThan(1e-5);
        // No forward pass holds more positions than the budget.
        expect(Math.max(...runs)).toBeLessThanOrEqual(window);
      }
    }
    expect(longest).toBeGreaterThan(16);
  });

  it("reports progress and honours abort", async () => {
    const scorer = createLogprobScorer(nodeSession, ortNode.Tensor, f.lmConfig);
    const seen: number[] = [];
    await scorer.scorePairs(PAIRS, { batchSize: 2, onProgress: (d) => seen.push(d) });
    expect(seen).toEqual([2, 4, 5]);
    const ac = new AbortController();
    ac.abort();
    await expect(scorer.scorePairs(PAIRS, { signal: ac.signal })).rejects.toThrow(ScoringEngineError);
  });
});

describe("onnxruntime-web (WASM in Node) vs onnxruntime-node", () => {
  it.each([true, false])("agree within 1e-4 (sharePrompt %s)", async (sharePrompt) => {
    const web = await createLogprobScorer(webSession, ortWeb.Tensor, f.lmConfig).scorePairs(PAIRS, {
      batchSize: 4,
      sharePrompt,
    });
    const node = await createLogprobScorer(nodeSession, ortNode.Tensor, f.lmConfig).scorePairs(PAIRS, {
      batchSize: 4,
      sharePrompt,
    });
    expect(maxDiff(web, node)).toBeLessThan(1e-4);
  });
});

describe("reward scorer", () => {
  it("matches the reference and is padding invariant", async () => {
    const session = await ortNode.InferenceSession.create(f.rmOnnx);
    const scorer = createRewardScorer(session, ortNode.Tensor, f.rmConfig.pad_token_id as number);
    const ref = loadReferenceModel(f.rmOnnx, 4);
    const seqs = [
      tokenizeForReward(f.tokenizer, "Hi", "Hello! How can I help you today?").ids,
      tokenizeForReward(f.tokenizer, "Hi", "Go away.").ids,
      tokenizeForReward(f.tokenizer, "What is the capital of France?", "Paris.").ids,
    ];
    const batched = await scorer.scoreSequences(seqs, { batchSize: 8 });
    const single = await scorer.scoreSequences(seqs, { batchSize: 1 });
    seqs.forEach((ids, i) => {
      expect(Math.abs(batched[i] - referenceReward(ref, ids))).toBeLessThan(1e-4);
      expect(Math.abs(batched[i] - single[i])).toBeLessThan(1e-5);
    });
    const [pair] = await scorer.scorePairs([{ chosen: seqs[0], rejected: seqs[1] }]);
    expect(pair.margin).toBeCloseTo(batched[0] - batched[1], 6);
  });

  it.each([
    [0x3c00, 1],
    [0xc000, -2],
    [0x3800, 0.5],
    [0x7bff, 65504],
    [0x0001, 2 ** -24],
    [0x8000, -0],
    [0x7c00, Infinity],
  ])("decodes fp16 bits %#x as %d", (bits, value) => {
    expect(halfToFloat(bits)).toBe(value);
  });

  it("reads float16 logits (fp16 exports) as raw bits or Float16Array-like; refuses other types by name", async () => {
    const fake = (type: string, data: unknown): InferenceSessionLike => ({
      inputNames: ["input_ids", "attention_mask"],
      outputNames: ["logits"],
      run: async () => ({ logits: { type, dims: [2, 1], data } }),
    });
    const bits = await createRewardScorer(
      fake("float16", Uint16Array.of(0x3c00, 0xc000)),
      ortNode.Tensor,
      0,
    ).scoreSequences([[1], [2]]);
    expect(Array.from(bits)).toEqual([1, -2]);
    const view = await createRewardScorer(
      fake("float16", Float64Array.of(0.25, -0.5)),
      ortNode.Tensor,
      0,
    ).scoreSequences([[1], [2]]);
    expect(Array.from(view)).toEqual([0.25, -0.5]);
    await expect(
      createRewardScorer(fake("int64", BigInt64Array.of(1n, 2n)), ortNode.Tensor, 0).scoreSequences([[1], [2]]),
    ).rejects.toThrow("reward output logits is int64 [2,1], expected float [2, labels]");
  });
});

describe("margins", () => {
  const score = (sumLogp: number, tokens: number) => ({
    sumLogp,
    tokens,
    meanLogp: sumLogp / tokens,
    tokenLogps: new Float32Array(),
  });
  it.each([
    { c: [-10, 5], r: [-12, 4], simpo: -2 - -3, sum: 2 },
    { c: [-4, 2], r: [-4, 2], simpo: 0, sum: 0 },
    { c: [-30, 10], r: [-6, 2], simpo: 0, sum: -24 },
  ])("SimPO and sum margins of $c vs $r", ({ c, r, simpo, sum }) => {
    const p = { chosen: score(c[0], c[1]), rejected: score(r[0], r[1]) };
    expect(simpoMargin(p)).toBeCloseTo(simpo, 12);
    expect(sumMargin(p)).toBeCloseTo(sum, 12);
  });
  it.each([
    { beta: 0.1, policy: [-10, -12], ref: [-11, -11], expected: 0.1 * (1 - -1) },
    { beta: 2, policy: [-5, -5], ref: [-5, -5], expected: 0 },
  ])("DPO margin beta=$beta", ({ beta, policy, ref, expected }) => {
    const mk = ([c, r]: number[]) => ({ chosen: score(c, 1), rejected: score(r, 1) });
    expect(dpoMargin(mk(policy), mk(ref), beta)).toBeCloseTo(expected, 12);
  });
});

describe("GroupQueryAttention graphs (onnxruntime-web WASM in Node)", () => {
  const folder = (onnx: Uint8Array): ModelFolder => ({
    location: "memory",
    config: f.lmConfig,
    tokenizerJson: f.tokenizerJson,
    tokenizerConfig: f.tokenizerConfig,
    onnxPath: "onnx/model.onnx",
    onnx,
    externalData: [],
    bytes: onnx.length,
  });
  const load = async (onnx: Uint8Array) =>
    (await loadModel(folder(onnx), ortWeb as unknown as OrtModule, "lm")) as LoadedLanguageModel;

  it("sets contiguousRowsOnly from the graph's ops, only for GQA", async () => {
    const [gqa, plainLm] = [await load(demoGqaLmOnnx()), await load(f.lmOnnx)];
    expect(gqa.scorer.layout.contiguousRowsOnly).toBe(true);
    expect(plainLm.scorer.layout.contiguousRowsOnly).toBe(false);
    await Promise.all([gqa.release(), plainLm.release()]);
  });

  it.each([
    { sharePrompt: true },
    { sharePrompt: false },
    { sharePrompt: true, batchSize: 3 },
    { sharePrompt: true, maxBatchTokens: 5 },
  ])("scores pairs as the mask-based model does within 1e-4 (%o)", async (options) => {
    const [gqa, plainLm] = [await load(demoGqaLmOnnx()), await load(f.lmOnnx)];
    const got = await gqa.scorer.scorePairs(PAIRS, options);
    const expected = await plainLm.scorer.scorePairs(PAIRS, options);
    expect(maxDiff(got, expected)).toBeLessThan(1e-4);
    got.forEach((p, i) => {
      for (const side of ["chosen", "rejected"] as const) {
        expect(Math.abs(p[side].sumLogp - expected[i][side].sumLogp)).toBeLessThan(1e-4);
        expect(Math.abs(p[side].meanLogp - expected[i][side].meanLogp)).toBeLessThan(1e-4);
      }
    });
    await Promise.all([gqa.release(), plainLm.release()]);
  });

  it("never feeds a past to a batch of several rows, and skips empty prefixes", async () => {
    ortWeb.env.wasm.numThreads = 1;
    const model = addTokenLogprobOutput(demoGqaLmOnnx());
    const session = await ortWeb.InferenceSession.create(model);
    const runs: { batch: number; pastLen: number }[] = [];
    const spy: InferenceSessionLike = {
      inputNames: session.inputNames,
      outputNames: session.outputNames,
      inputMetadata: session.inputMetadata,
      run: (feeds, fetches) => {
        runs.push({ batch: feeds.input_ids.dims[0], pastLen: feeds["past_key_values.0.key"].dims[2] });
        return session.run(feeds as Record<string, ortWeb.Tensor>, fetches);
      },
    };
    const scorer = createLogprobScorer(spy, ortWeb.Tensor, f.lmConfig, { opTypes: readOpTypes(model) });
    const seen: number[] = [];
    await scorer.scorePairs(PAIRS, { batchSize: 8, onProgress: (d) => seen.push(d) });
    expect(runs.filter((r) => r.pastLen > 0 && r.batch > 1)).toEqual([]);
    // Four pairs share a prompt (prefix + 2 continuations), the empty-prompt pair runs its two sides alone.
    expect(runs.length).toBe(4 * 3 + 2);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    // Full runs (no past) keep their padded batches: measured exact for GQA.
    runs.length = 0;
    await scorer.scoreSequences(allSeqs, { batchSize: 8 });
    expect(runs.map((r) => r.batch)).toEqual([8, 2]);
    await session.release();
  });
});
