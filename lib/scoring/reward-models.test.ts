/**
 * Reward models of every common shape (issue 13): decoder classifiers pooled as transformers >= 4.49 pools (in the
 * graph, or here over per-token scores), with pad = EOS occurring inside the sequence; ArmoRM-style multi-output
 * graphs and num_labels > 1 with a chosen output; BERT-style encoders fed a text pair with token_type_ids on the real
 * bert-base-uncased WordPiece tokenizer; and the reward model's own chat template. Every score is checked against the
 * float64 TypeScript forward of test/reference-encoder.ts within 1e-4, on onnxruntime-web's Node build (WASM) and
 * onnxruntime-node.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { readModelInfo } from "@/lib/onnx/onnx-model";
import { buildDemoTokenizer, CHATML_TEMPLATE } from "@/scripts/demo-models/demo-tokenizer";
import {
  ARMO_OBJECTIVES,
  buildArmoRmFolder,
  buildTinyDecoderRm,
  buildTinyEncoderRm,
  createTinyEncoderWeights,
  REWARD_FIXTURE_SEED,
  TINY_BERT,
  tinyDecoderRmConfigJson,
  tinyDecoderRmShape,
  tinyEncoderConfigJson,
} from "@/scripts/demo-models/tiny-encoder";
import { referenceDecoderRm, referenceEncoderRm } from "@/test/reference-encoder";
import { haveFiles, readPlainText, sharedPath } from "@/test/shared-files";
import type { InferenceSessionLike, TensorCtor } from "./engine";
import { loadModel, type LoadedRewardModel, type OrtModule } from "./model-loader";
import { isEncoderConfig, modelKind, type ModelFolder } from "./model-source";
import { runKey } from "./pipeline";
import { createRewardScorer, lastNonPadIndex } from "./reward";
import { defaultRewardOutput, formatRewardOutput, parseRewardOutput, rewardOutputOptions } from "./reward-outputs";
import { DEFAULT_SEQUENCE_OPTIONS, longestFirstLengths, tokenizeForReward } from "./sequence";
import { createScoringTokenizer } from "./tokenize";

const TOLERANCE = 1e-4;
const demoTok = buildDemoTokenizer();
const EOS = demoTok.specialIds["<|im_end|>"];
const BOS = demoTok.specialIds["<|endoftext|>"];
const json = (v: Uint8Array | string) => JSON.parse(String(v)) as Record<string, unknown>;

const RUNTIMES = [
  ["onnxruntime-web (WASM)", ortWeb],
  ["onnxruntime-node", ortNode],
] as const;
type Ort = (typeof RUNTIMES)[number][1];

beforeAll(() => {
  ortWeb.env.wasm.numThreads = 1;
});

async function session(ort: Ort, bytes: Uint8Array): Promise<InferenceSessionLike> {
  return (await ort.InferenceSession.create(bytes)) as unknown as InferenceSessionLike;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

function folderOf(files: Record<string, Uint8Array | string>, location: string): ModelFolder {
  const onnx = files["onnx/model.onnx"] as Uint8Array;
  return {
    location,
    config: json(files["config.json"]),
    tokenizerJson: json(files["tokenizer.json"]),
    tokenizerConfig: files["tokenizer_config.json"] ? json(files["tokenizer_config.json"]) : {},
    onnxPath: "onnx/model.onnx",
    onnx,
    externalData: [],
    bytes: onnx.length,
  };
}

describe("lastNonPadIndex: transformers >= 4.49 pooling", () => {
  it.each([
    { ids: [5, 6, 7], pad: 0, want: 2, why: "no padding: the last token" },
    { ids: [5, 6, 7, 0, 0], pad: 0, want: 2, why: "right padding" },
    { ids: [0, 0, 5, 6], pad: 0, want: 3, why: "left padding" },
    { ids: [5, 9, 6, 9, 7, 9, 9], pad: 9, want: 4, why: "pad = EOS inside and at the end: the last non-EOS token" },
    { ids: [9, 9], pad: 9, want: 0, why: "all pad: argmax of zeros is 0" },
    { ids: [5, 9, 6], pad: null, want: 2, why: "no pad_token_id: the last token" },
  ])("$why", ({ ids, pad, want }) => {
    expect(lastNonPadIndex(ids, pad)).toBe(want);
  });
});

describe("reward output choices", () => {
  it("lists one option per label of each output, defaulting to logits, else score, label 0", () => {
    const outputs = [
      { name: "rewards", dims: ["batch_size", 3] },
      { name: "gating_output", dims: ["batch_size", 3] },
      { name: "score", dims: ["batch_size", 1] },
    ];
    expect(rewardOutputOptions(outputs).map((o) => o.label)).toEqual([
      "rewards[0]",
      "rewards[1]",
      "rewards[2]",
      "gating_output[0]",
      "gating_output[1]",
      "gating_output[2]",
      "score",
    ]);
    expect(defaultRewardOutput(outputs.map((o) => o.name))).toEqual({ name: "score", index: 0 });
    expect(defaultRewardOutput(["logits", "score"])).toEqual({ name: "logits", index: 0 });
    expect(defaultRewardOutput(["value"])).toEqual({ name: "value", index: 0 });
    const labelled = rewardOutputOptions([{ name: "logits", dims: ["batch_size", 2] }], {
      "0": "helpful",
      "1": "safe",
    });
    expect(labelled.map((o) => o.label)).toEqual(["logits[0] helpful", "logits[1] safe"]);
  });

  it.each([
    ["score", { name: "score", index: 0 }],
    ["rewards:3", { name: "rewards", index: 3 }],
    [" logits:0 ", { name: "logits", index: 0 }],
  ])("parses %j", (text, want) => {
    expect(parseRewardOutput(text)).toEqual(want);
    expect(parseRewardOutput(formatRewardOutput(want))).toEqual(want);
  });

  it.each(["", "a:b", "x:-1", "a b"])("refuses %j with what it expects", (text) => {
    expect(() => parseRewardOutput(text)).toThrow(/expected NAME or NAME:INDEX/);
  });
});

describe.each(RUNTIMES)("decoder reward models on %s", (_name, ort) => {
  const tok = createScoringTokenizer(demoTok.tokenizerJson, { ...demoTok.tokenizerConfig, pad_token: "<|im_end|>" });
  const cfg = tinyDecoderRmShape(demoTok.vocabSize, 2);
  const w = createTinyEncoderWeights(cfg, REWARD_FIXTURE_SEED, true);
  // ChatML writes <|im_end|> (= pad here) after every turn: EOS occurs inside each sequence, and one row ends in it.
  const seqs = [
    tokenizeForReward(tok, "What is the capital of France?", "Paris.").ids,
    tokenizeForReward(
      tok,
      [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Tea?" },
      ],
      "Boil water.",
    ).ids,
    tokenizeForReward(tok, "Hi", "Hello! How can I help you today?").ids,
    [...tokenizeForReward(tok, "Hi", "Go away.").ids.slice(0, -1)], // ends in <|im_end|> itself
  ];
  const Tensor = ort.Tensor as unknown as TensorCtor;

  it("the fixture rows hold EOS = pad inside; one ends in it", () => {
    for (const s of seqs) expect(s.slice(0, -1)).toContain(EOS);
    expect(seqs[3][seqs[3].length - 1]).toBe(EOS);
  });

  it.each([1, 3, 8])(
    "in-graph pooling (Optimum export) equals the reference at the last non-pad token, batch %i",
    async (batchSize) => {
      const s = await session(
        ort,
        buildTinyDecoderRm(cfg, w, { padTokenId: EOS, pooling: "last-non-pad", heads: "logits" }),
      );
      for (const index of [0, 1]) {
        const scorer = createRewardScorer(s, Tensor, EOS, { output: { name: "logits", index } });
        const got = await scorer.scoreSequences(seqs, { batchSize });
        const want = seqs.map((ids) => referenceDecoderRm(cfg, w, ids, EOS).rewards[index]);
        expect(maxAbsDiff(got, want)).toBeLessThan(TOLERANCE);
      }
      expect(referenceDecoderRm(cfg, w, seqs[3], EOS).pooledAt).toBe(seqs[3].length - 2);
    },
  );

  it("per-token logits [B, T, labels] are pooled here, with position_ids, exactly as the in-graph export", async () => {
    const bytes = buildTinyDecoderRm(cfg, w, { pooling: "none", heads: "logits", positionIds: true });
    const info = readModelInfo(bytes);
    const scorer = createRewardScorer(await session(ort, bytes), Tensor, EOS, {
      output: { name: "logits", index: 1 },
      graph: { inputs: info.inputs, outputs: info.outputs },
    });
    expect(scorer.pooling).toBe("last-non-pad");
    const got = await scorer.scoreSequences(seqs, { batchSize: 4 });
    const want = seqs.map((ids) => referenceDecoderRm(cfg, w, ids, EOS).rewards[1]);
    expect(maxAbsDiff(got, want)).toBeLessThan(TOLERANCE);
    // Not the last token: the row ending in pad pools one position earlier.
    const last = referenceDecoderRm(cfg, w, seqs[3], EOS).perToken.at(-1)![1];
    expect(Math.abs(got[3] - last)).toBeGreaterThan(1e-3);
  });

  it("without pad_token_id scores one sequence at a time at its last token (transformers refuses batches)", async () => {
    const bytes = buildTinyDecoderRm(cfg, w, { pooling: "none", heads: "logits" });
    const info = readModelInfo(bytes);
    const s = await session(ort, bytes);
    const runs: number[][] = [];
    const counting: InferenceSessionLike = {
      ...s,
      inputNames: s.inputNames,
      outputNames: s.outputNames,
      run: (feeds, fetches) => {
        runs.push([...feeds.input_ids.dims]);
        return s.run(feeds, fetches);
      },
    };
    const got = await createRewardScorer(counting, Tensor, null, { graph: info }).scoreSequences(seqs, {
      batchSize: 8,
    });
    expect(runs.every((d) => d[0] === 1)).toBe(true);
    const want = seqs.map((ids) => referenceDecoderRm(cfg, w, ids, null).perToken.at(-1)![0]);
    expect(maxAbsDiff(got, want)).toBeLessThan(TOLERANCE);
  });

  it("ArmoRM-style outputs: score by default, any objective or gate weight by choice", async () => {
    const armo = tinyDecoderRmShape(demoTok.vocabSize, ARMO_OBJECTIVES);
    const aw = createTinyEncoderWeights(armo, REWARD_FIXTURE_SEED, true);
    const s = await session(
      ort,
      buildTinyDecoderRm(armo, aw, { padTokenId: EOS, pooling: "last-non-pad", heads: "armo" }),
    );
    const refs = seqs.map((ids) => referenceDecoderRm(armo, aw, ids, EOS));
    const byDefault = createRewardScorer(s, Tensor, EOS);
    expect(byDefault.output).toEqual({ name: "score", index: 0 });
    expect(
      maxAbsDiff(
        await byDefault.scoreSequences(seqs),
        refs.map((r) => r.score),
      ),
    ).toBeLessThan(TOLERANCE);
    const third = createRewardScorer(s, Tensor, EOS, { output: { name: "rewards", index: 2 } });
    expect(
      maxAbsDiff(
        await third.scoreSequences(seqs),
        refs.map((r) => r.rewards[2]),
      ),
    ).toBeLessThan(TOLERANCE);
    const gate = createRewardScorer(s, Tensor, EOS, { output: { name: "gating_output", index: 3 } });
    expect(
      maxAbsDiff(
        await gate.scoreSequences(seqs),
        refs.map((r) => r.gating[3]),
      ),
    ).toBeLessThan(TOLERANCE);
    expect(() => createRewardScorer(s, Tensor, EOS, { output: { name: "value", index: 0 } })).toThrow(
      'reward output "value" is not an output of this graph (it has rewards, gating_output, score)',
    );
    await expect(
      createRewardScorer(s, Tensor, EOS, { output: { name: "rewards", index: 4 } }).scoreSequences(seqs),
    ).rejects.toThrow('reward output "rewards" has 4 labels; label 4 does not exist');
  });
});

describe("encoder reward models (BERT-style, text pair)", () => {
  const bertPath = (file: string) => sharedPath(`tokenizers/bert-base-uncased/${file}`);
  const have = haveFiles(bertPath("tokenizer.json"));
  const read = (f: string) => JSON.parse(readPlainText(bertPath(f))) as Record<string, unknown>;
  const w = createTinyEncoderWeights(TINY_BERT, REWARD_FIXTURE_SEED);
  const onnx = buildTinyEncoderRm(TINY_BERT, w);

  it.skipIf(!have)("encodes question and answer as BERT does: [CLS] q [SEP] a [SEP], segments 0 then 1", () => {
    const tok = createScoringTokenizer(read("tokenizer.json"), read("tokenizer_config.json"));
    const r = tokenizeForReward(tok, "What is 2+2?", "It is four.", 2048, "chat", {
      kind: "text-pair",
      maxTokens: 512,
    });
    expect(r).toEqual({
      ids: [101, 2054, 2003, 1016, 1009, 1016, 1029, 102, 2009, 2003, 2176, 1012, 102],
      typeIds: [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1],
      truncated: false,
    });
  });

  it.skipIf(!have)("cuts an over-long pair longest-first to the encoder's limit, keeping the special tokens", () => {
    const tok = createScoringTokenizer(read("tokenizer.json"), read("tokenizer_config.json"));
    const q = "one two three four five six";
    const a = "alpha beta gamma delta epsilon zeta eta theta iota kappa";
    const r = tokenizeForReward(tok, q, a, 2048, "chat", { kind: "text-pair", maxTokens: 12 });
    // 12 - 3 special tokens = 9: the question (6) keeps 6 only if the answer gets >= 9 - 6; both over half -> 4 + 5.
    expect(longestFirstLengths(6, 10, 9)).toEqual([4, 5]);
    expect(r.ids).toEqual([101, ...tok.encode(q).slice(0, 4), 102, ...tok.encode(a).slice(0, 5), 102]);
    expect(r.typeIds).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    expect(r.truncated).toBe(true);
  });

  it.each([
    [0, 0, 7, [0, 0]],
    [2, 8, 7, [2, 5]],
    [4, 4, 7, [3, 4]],
    [8, 2, 7, [5, 2]],
    [8, 8, 7, [3, 4]],
    [4, 8, 7, [3, 4]],
  ] as const)("longest_first(%i, %i, budget %i) keeps %j (tokenizers' own test table)", (n1, n2, budget, want) => {
    expect(longestFirstLengths(n1, n2, budget)).toEqual(want);
  });

  it.skipIf(!have).each(RUNTIMES)("scores pairs on %s as the reference does, batched with padding", async (_n, ort) => {
    const folder = folderOf(
      {
        "config.json": JSON.stringify(tinyEncoderConfigJson(TINY_BERT, 0)),
        "tokenizer.json": readPlainText(bertPath("tokenizer.json")),
        "tokenizer_config.json": readPlainText(bertPath("tokenizer_config.json")),
        "onnx/model.onnx": onnx,
      },
      "tiny-bert-rm",
    );
    expect([modelKind(folder.config), isEncoderConfig(folder.config)]).toEqual(["rm", true]);
    const model = (await loadModel(folder, ort as unknown as OrtModule, "rm")) as LoadedRewardModel;
    expect([model.architecture, model.tokenization]).toEqual(["encoder", { kind: "text-pair", maxTokens: 512 }]);
    const rows = [
      ["Explain nuclear fusion like I am five", "Nuclear fusion is when two small atoms join into a bigger one."],
      ["Explain nuclear fusion like I am five", "I don't know."],
      ["Café ☕ or tea?", "Tea, please: two cups."],
    ];
    const seqs = rows.map(([q, a]) =>
      tokenizeForReward(model.tokenizer, q, a, DEFAULT_SEQUENCE_OPTIONS.maxLength, "chat", model.tokenization),
    );
    const got = await model.scorer.scoreSequences(seqs, { batchSize: 3 });
    const want = seqs.map((s) => referenceEncoderRm(TINY_BERT, w, s.ids, s.typeIds!)[0]);
    expect(maxAbsDiff(got, want)).toBeLessThan(TOLERANCE);
    // token_type_ids matter: all-zero segments give another score.
    const flat = await model.scorer.scoreSequences(seqs.map((s) => s.ids));
    expect(Math.abs(flat[0] - got[0])).toBeGreaterThan(1e-3);
    await model.release();
  });
});

describe("loading reward model folders", () => {
  const files = buildArmoRmFolder(demoTok);
  const folder = folderOf(files, "armo-rm");

  it("recognises a custom reward architecture (ArmoRM's LlamaForRewardModelWithGating) as a reward model", () => {
    expect(modelKind(folder.config)).toBe("rm");
    expect(modelKind({ architectures: ["LlamaForCausalLM"] })).toBe("lm");
    expect(isEncoderConfig(folder.config)).toBe(false);
    expect(isEncoderConfig({ model_type: "deberta-v2" })).toBe(true);
  });

  it("lists the outputs, keys a chosen output apart from the default, and refuses one the graph lacks", async () => {
    const model = (await loadModel(folder, ortWeb as unknown as OrtModule, "rm")) as LoadedRewardModel;
    expect(model.outputs).toEqual([
      { name: "rewards", dims: ["batch_size", ARMO_OBJECTIVES] },
      { name: "gating_output", dims: ["batch_size", ARMO_OBJECTIVES] },
      { name: "score", dims: ["batch_size", 1] },
    ]);
    expect(model.outputKey).toBe("");
    const picked = model.withOutput({ name: "rewards", index: 1 });
    expect(picked.outputKey).toBe("rewards:1");
    expect(model.withOutput({ name: "score", index: 0 }).outputKey).toBe("");
    const seq = { ...DEFAULT_SEQUENCE_OPTIONS };
    expect(runKey("d", model, seq)).toBe(`v1|d|rm:${model.hash}|2048`);
    expect(runKey("d", picked, seq)).toBe(`v1|d|rm:${model.hash}|2048/out=rewards:1`);
    expect(() => model.withOutput({ name: "logits", index: 0 })).toThrow(
      /armo-rm: reward output "logits" is not an output of this graph/,
    );
    const ids = tokenizeForReward(model.tokenizer, "Hi", "Hello!").ids;
    const cfg = tinyDecoderRmShape(demoTok.vocabSize, ARMO_OBJECTIVES);
    const ref = referenceDecoderRm(cfg, createTinyEncoderWeights(cfg, REWARD_FIXTURE_SEED, true), ids, EOS);
    const [score] = await model.scorer.scoreSequences([ids]);
    const [r1] = await picked.scorer.scoreSequences([ids]);
    expect(Math.abs(score - ref.score)).toBeLessThan(TOLERANCE);
    expect(Math.abs(r1 - ref.rewards[1])).toBeLessThan(TOLERANCE);
    await model.release();
  });

  it("pads a decoder with config.json's pad_token_id, not the tokenizer's: the graph compares against that id", async () => {
    const cfg = tinyDecoderRmShape(demoTok.vocabSize, 1);
    const w = createTinyEncoderWeights(cfg, REWARD_FIXTURE_SEED, true);
    const f = folderOf(
      {
        ...files,
        // The tokenizer pads with <|endoftext|>; the model was exported with pad_token_id = <|im_end|>.
        "tokenizer_config.json": JSON.stringify({ ...demoTok.tokenizerConfig, pad_token: "<|endoftext|>" }),
        "config.json": JSON.stringify(tinyDecoderRmConfigJson(cfg, { pad: EOS, eos: EOS, bos: BOS })),
        "onnx/model.onnx": buildTinyDecoderRm(cfg, w, { padTokenId: EOS, pooling: "last-non-pad", heads: "logits" }),
      },
      "llama-rm",
    );
    const model = (await loadModel(f, ortWeb as unknown as OrtModule, "rm")) as LoadedRewardModel;
    expect(model.tokenizer.padTokenId).toBe(BOS);
    const seqs = [
      [BOS, 40, 41, EOS, 42],
      [BOS, 40],
    ];
    const got = await model.scorer.scoreSequences(seqs, { batchSize: 2 });
    const want = seqs.map((ids) => referenceDecoderRm(cfg, w, ids, EOS).rewards[0]);
    expect(maxAbsDiff(got, want)).toBeLessThan(TOLERANCE);
    await model.release();
  });

  it("renders rows through the reward model's own chat template, not the policy's", async () => {
    const policyTok = createScoringTokenizer(demoTok.tokenizerJson, demoTok.tokenizerConfig);
    const model = (await loadModel(folder, ortWeb as unknown as OrtModule, "rm")) as LoadedRewardModel;
    expect(demoTok.tokenizerConfig.chat_template).toBe(CHATML_TEMPLATE);
    const r = tokenizeForReward(model.tokenizer, "Hi?", "Yes.");
    expect(model.tokenizer.decode(r.ids)).toBe("user: Hi?<|im_end|>\nassistant: Yes.<|im_end|>\n");
    expect(policyTok.decode(tokenizeForReward(policyTok, "Hi?", "Yes.").ids)).toBe(
      "<|im_start|>user\nHi?<|im_end|>\n<|im_start|>assistant\nYes.<|im_end|>\n",
    );
    await model.release();
  });
});
