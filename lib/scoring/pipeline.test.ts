import { beforeAll, describe, expect, it } from "vitest";
import * as ortWeb from "onnxruntime-web";
import type { Pair } from "@/lib/dataset/types";
import { ScoreColumns } from "./columns";
import { loadModel, type LoadedLanguageModel, type LoadedRewardModel, type OrtModule } from "./model-loader";
import { createFileMapReader, readModelFolder } from "./model-source";
import { RunCancelledError, runKey, scoreDataset, type PairSource } from "./pipeline";
import type { ScoredChunk } from "./protocol";
import { createMemoryResultStore } from "./result-store";
import { DEFAULT_SEQUENCE_OPTIONS, tokenizePair } from "./sequence";
import { simpoMargin } from "./margins";
import { TRUNCATED_CHOSEN, TRUNCATED_PROMPT, TRUNCATED_REJECTED } from "./truncation";
import { buildDemoModels } from "@/scripts/demo-models/demo-models";

const demo = buildDemoModels();
const enc = (v: Uint8Array | string) => (typeof v === "string" ? new TextEncoder().encode(v) : v);
const filesOf = (name: "demo-lm" | "demo-rm") =>
  Object.entries(demo[name]).map(([path, v]) => ({ path, data: enc(v) }));

const user = (content: string) => [{ role: "user", content }];
const bot = (content: string) => [{ role: "assistant", content }];
const PAIRS: Pair[] = [
  {
    prompt: user("What is the capital of France?"),
    chosen: bot("The capital of France is Paris."),
    rejected: bot("Rome."),
  },
  { prompt: user("Hi"), chosen: bot("Hello! How can I help you today?"), rejected: bot("Hello") },
  { prompt: user("Tea?"), chosen: bot("Boil water, add tea."), rejected: bot("No idea, sorry about that.") },
  {
    prompt: [{ role: "system", content: "Be brief." }, ...user("Sky?")],
    chosen: bot("Blue."),
    rejected: bot("Green, mostly."),
  },
  { prompt: user("Count"), chosen: bot("1 2 3"), rejected: bot("one two") },
];
const source = (calls: number[][] = []): PairSource => ({
  rowCount: PAIRS.length,
  pairs: async (rows) => {
    calls.push(rows);
    return rows.map((r) => PAIRS[r]);
  },
});
const SEQ = DEFAULT_SEQUENCE_OPTIONS;

let policy: LoadedLanguageModel;
let reward: LoadedRewardModel;
beforeAll(async () => {
  ortWeb.env.wasm.numThreads = 1;
  const ort = ortWeb as unknown as OrtModule;
  policy = (await loadModel(
    await readModelFolder(createFileMapReader(filesOf("demo-lm")), ["onnx/model.onnx"]),
    ort,
    "lm",
  )) as LoadedLanguageModel;
  reward = (await loadModel(
    await readModelFolder(createFileMapReader(filesOf("demo-rm")), ["onnx/model.onnx"]),
    ort,
    "rm",
  )) as LoadedRewardModel;
});

function collect(rowCount = PAIRS.length): {
  chunks: ScoredChunk[];
  columns: ScoreColumns;
  onChunk: (c: ScoredChunk) => void;
} {
  const chunks: ScoredChunk[] = [];
  const columns = new ScoreColumns(rowCount);
  return { chunks, columns, onChunk: (c) => (chunks.push(c), columns.add(c)) };
}

describe("scoreDataset", () => {
  it("equals scoring the tokenized pairs directly (SimPO margins, sums, token counts)", async () => {
    const direct = await policy.scorer.scorePairs(
      PAIRS.map((p) => tokenizePair(policy.tokenizer, p.prompt, p.chosen[0].content, p.rejected[0].content, SEQ)),
    );
    const { columns, onChunk } = collect();
    const stats = await scoreDataset(
      source(),
      { policy },
      { datasetKey: "d", sequence: SEQ, store: createMemoryResultStore(), chunkPairs: 2, onChunk },
    );
    expect(stats).toMatchObject({ done: 5, total: 5, cached: 0, failed: 0, etaSeconds: 0 });
    const a = columns.attachment({ implicit: "simpo" });
    const byName = Object.fromEntries(a.columns.map((c) => [c.name, c.values]));
    direct.forEach((d, i) => {
      expect(byName.chosen_logps[i]).toBeCloseTo(d.chosen.sumLogp, 5);
      expect(byName.rejected_logps[i]).toBeCloseTo(d.rejected.sumLogp, 5);
      expect(byName.chosen_logps_norm[i]).toBeCloseTo(d.chosen.meanLogp, 5);
      expect(a.implicit![i]).toBeCloseTo(simpoMargin(d), 5);
    });
    expect(a.explicit).toBeUndefined();
    expect(Object.keys(byName)).toEqual(["chosen_logps", "rejected_logps", "chosen_logps_norm", "rejected_logps_norm"]);
  });

  it("resumes a cancelled run with identical numbers and re-scores nothing the second time", async () => {
    const store = createMemoryResultStore();
    const full = collect();
    await scoreDataset(
      source(),
      { policy, reward },
      { datasetKey: "ref", sequence: SEQ, store: createMemoryResultStore(), chunkPairs: 2, onChunk: full.onChunk },
    );

    const controller = new AbortController();
    const first = collect();
    const cut = scoreDataset(
      source(),
      { policy, reward },
      {
        datasetKey: "d2",
        sequence: SEQ,
        store,
        chunkPairs: 2,
        signal: controller.signal,
        onChunk: (c) => (first.onChunk(c), controller.abort()),
      },
    );
    await expect(cut).rejects.toBeInstanceOf(RunCancelledError);
    expect(first.columns.scored).toBe(2);
    expect((await store.load(runKey("d2", policy, SEQ))).size).toBe(2);

    const calls: number[][] = [];
    const second = collect();
    const stats = await scoreDataset(
      source(calls),
      { policy, reward },
      { datasetKey: "d2", sequence: SEQ, store, chunkPairs: 2, onChunk: second.onChunk },
    );
    expect(stats.cached).toBe(2);
    expect(calls).toEqual([[2, 3], [4]]);
    expect(second.chunks[0].fromCache).toBe(true);
    const want = full.columns.attachment({ implicit: "sum" });
    const got = second.columns.attachment({ implicit: "sum" });
    expect(got.columns.map((c) => Array.from(c.values))).toEqual(want.columns.map((c) => Array.from(c.values)));
    expect(Array.from(got.explicit!)).toEqual(Array.from(want.explicit!));

    const third: number[][] = [];
    const again = await scoreDataset(source(third), { policy, reward }, { datasetKey: "d2", sequence: SEQ, store });
    expect(again).toMatchObject({ cached: 5, done: 5 });
    expect(third).toEqual([]);
  });

  it("keys results by sequence settings: a different max_length scores again", async () => {
    const store = createMemoryResultStore();
    await scoreDataset(source(), { policy }, { datasetKey: "d", sequence: SEQ, store });
    const calls: number[][] = [];
    const stats = await scoreDataset(
      source(calls),
      { policy },
      { datasetKey: "d", sequence: { ...SEQ, maxLength: 64, maxPromptLength: 32 }, store },
    );
    expect(stats.cached).toBe(0);
    expect(calls.flat()).toEqual([0, 1, 2, 3, 4]);
  });

  it("waits while paused", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let waited = 0;
    const run = scoreDataset(
      source(),
      { policy },
      {
        datasetKey: "p",
        sequence: SEQ,
        store: createMemoryResultStore(),
        chunkPairs: 5,
        waitWhilePaused: () => (waited++, gate),
      },
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(waited).toBe(1);
    release();
    expect((await run).done).toBe(5);
  });
});

describe("ScoreColumns", () => {
  const chunk = (
    rows: number[],
    c: number[],
    r: number[],
    tc: number[],
    tr: number[],
    ref?: number[][],
  ): ScoredChunk => ({
    rows: Int32Array.from(rows),
    policy: {
      chosenLogps: Float64Array.from(c),
      rejectedLogps: Float64Array.from(r),
      chosenTokens: Float64Array.from(tc),
      rejectedTokens: Float64Array.from(tr),
      truncated: Float64Array.from(rows, () => 0),
    },
    reference: ref && {
      chosenLogps: Float64Array.from(ref[0]),
      rejectedLogps: Float64Array.from(ref[1]),
      chosenTokens: Float64Array.from(tc),
      rejectedTokens: Float64Array.from(tr),
      truncated: Float64Array.from(rows, () => 0),
    },
    fromCache: false,
  });

  it.each([
    ["simpo", [-10 / 5 - -12 / 4, NaN, NaN]],
    ["sum", [2, NaN, NaN]],
    ["dpo", [0.5 * (-10 - -11 - (-12 - -11.5)), NaN, NaN]],
  ] as const)("%s margin, NaN for rows not scored", (kind, expected) => {
    const cols = new ScoreColumns(3);
    cols.add(chunk([0], [-10], [-12], [5], [4], [[-11], [-11.5]]));
    const a = cols.attachment({ implicit: kind, beta: 0.5 });
    expect(Array.from(a.implicit!)).toEqual(expected);
    expect(a.columns.map((c) => c.name)).toEqual([
      "chosen_logps",
      "rejected_logps",
      "chosen_logps_norm",
      "rejected_logps_norm",
      "ref_chosen_logps",
      "ref_rejected_logps",
    ]);
    expect(cols.scored).toBe(1);
  });

  it("refuses DPO without a reference and gives NaN norms for zero scored tokens", () => {
    const cols = new ScoreColumns(1);
    cols.add(chunk([0], [0], [-1], [0], [1]));
    expect(() => cols.attachment({ implicit: "dpo" })).toThrow(/reference model/);
    expect(Array.from(cols.attachment({ implicit: "simpo" }).columns[2].values)).toEqual([NaN]);
  });
});

describe("reward-model-only runs", () => {
  it("score only the reward slot; the attachment keeps the file's implicit margin (none given)", async () => {
    const chunks: ScoredChunk[] = [];
    const stats = await scoreDataset(
      source(),
      { reward },
      { datasetKey: "rm-only", sequence: SEQ, store: createMemoryResultStore(), onChunk: (c) => chunks.push(c) },
    );
    expect(stats).toMatchObject({ done: PAIRS.length, total: PAIRS.length });
    expect(chunks.every((c) => c.policy === undefined && c.reward !== undefined)).toBe(true);
    const cols = new ScoreColumns(PAIRS.length);
    chunks.forEach((c) => cols.add(c));
    const a = cols.attachment({ implicit: "simpo" });
    expect(a.implicit).toBeUndefined();
    expect(a.columns.map((c) => c.name)).toEqual(["score_chosen", "score_rejected"]);
    a.explicit!.forEach((m, i) => expect(m).toBeCloseTo(a.columns[0].values[i] - a.columns[1].values[i], 12));
  });

  it("refuses a run with no model, or a reference without a policy", async () => {
    const opts = { datasetKey: "x", sequence: SEQ, store: createMemoryResultStore() };
    await expect(scoreDataset(source(), {}, opts)).rejects.toThrow("a run needs a policy model or a reward model");
    await expect(scoreDataset(source(), { reference: policy, reward }, opts)).rejects.toThrow(
      "a reference model needs a policy model",
    );
  });
});

describe("truncation code", () => {
  // Budgets small enough that a few dozen words overflow them: max_length 64, of which 32 for the prompt.
  const TIGHT = { ...SEQ, maxLength: 64, maxPromptLength: 32 };
  const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(" ");
  const sourceOf = (pairs: Pair[]): PairSource => ({
    rowCount: pairs.length,
    pairs: async (rows) => rows.map((r) => pairs[r]),
  });

  it.each([
    { name: "a pair under max_length", pair: PAIRS[1], code: 0 },
    { name: "a long chosen response", pair: { ...PAIRS[1], chosen: bot(words(80)) }, code: TRUNCATED_CHOSEN },
    { name: "a long rejected response", pair: { ...PAIRS[1], rejected: bot(words(80)) }, code: TRUNCATED_REJECTED },
    { name: "a long prompt", pair: { ...PAIRS[1], prompt: user(words(60)) }, code: TRUNCATED_PROMPT },
    {
      name: "a long prompt and two long responses",
      pair: { prompt: user(words(60)), chosen: bot(words(80)), rejected: bot(words(90)) },
      code: TRUNCATED_PROMPT | TRUNCATED_CHOSEN | TRUNCATED_REJECTED,
    },
  ])("flags $name on its row, through the pipeline into the columns' view fields", async ({ pair, code }) => {
    // The pair under test sits beside a short one, so a flag cannot leak onto the wrong row.
    const { columns, onChunk } = collect();
    await scoreDataset(
      sourceOf([PAIRS[0], pair, PAIRS[2], PAIRS[3], PAIRS[4]]),
      { policy },
      { datasetKey: "trunc", sequence: TIGHT, store: createMemoryResultStore(), chunkPairs: 2, onChunk },
    );
    const a = columns.attachment({ implicit: "simpo" });
    const truncated = a.fields!.find((f) => f.name === "truncated")!.values;
    expect(Array.from(truncated)).toEqual([0, code, 0, 0, 0]);
    // A view-only field: the exported columns are the ones the CLI writes today.
    expect(a.columns.map((c) => c.name)).not.toContain("truncated");
  });

  it("reads rows stored without a code (older versions) as unknown, and stores the code with new rows", async () => {
    const store = createMemoryResultStore();
    const key = runKey("old", policy, TIGHT);
    await store.save(key, [0, 1], [Float64Array.of(-10, -12, 5, 4), Float64Array.of(-3, -4, 2, 2)]);
    const { chunks, columns, onChunk } = collect(3);
    const stats = await scoreDataset(
      sourceOf([PAIRS[0], PAIRS[1], { ...PAIRS[2], chosen: bot(words(80)) }]),
      { policy },
      { datasetKey: "old", sequence: TIGHT, store, onChunk },
    );
    expect(stats).toMatchObject({ done: 3, cached: 2 });
    expect(chunks[0].fromCache).toBe(true);
    expect(Array.from(chunks[0].policy!.chosenLogps)).toEqual([-10, -3]);
    const truncated = columns.attachment({ implicit: "simpo" }).fields!.find((f) => f.name === "truncated")!.values;
    expect(Array.from(truncated)).toEqual([NaN, NaN, TRUNCATED_CHOSEN]);
    expect(Array.from(store.runs.get(key)!.get(2)!).at(-1)).toBe(TRUNCATED_CHOSEN);
  });

  it("gives rows that could not be tokenized an unknown code", async () => {
    const broken = { ...PAIRS[0], chosen: null } as unknown as Pair;
    const { columns, onChunk } = collect(2);
    const stats = await scoreDataset(
      sourceOf([broken, PAIRS[1]]),
      { policy },
      { datasetKey: "broken", sequence: TIGHT, store: createMemoryResultStore(), onChunk },
    );
    expect(stats.failed).toBe(1);
    const truncated = columns.attachment({ implicit: "simpo" }).fields!.find((f) => f.name === "truncated")!.values;
    expect(Array.from(truncated)).toEqual([NaN, 0]);
  });
});
