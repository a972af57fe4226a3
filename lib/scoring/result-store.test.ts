import { beforeAll, describe, expect, it } from "vitest";
import * as ortWeb from "onnxruntime-web";
import type { Pair } from "@/lib/dataset/types";
import { loadModel, type LoadedLanguageModel, type LoadedRewardModel, type OrtModule } from "./model-loader";
import { createFileMapReader, readModelFolder } from "./model-source";
import { runKey, scoreDataset } from "./pipeline";
import type { ScoredChunk } from "./protocol";
import {
  checkRecords,
  createMemoryResultStore,
  storeProblemNotice,
  type RowValues,
  type StoredRecordProblem,
} from "./result-store";
import { DEFAULT_SEQUENCE_OPTIONS } from "./sequence";
import { buildDemoModels } from "@/scripts/demo-models/demo-models";

describe("checkRecords", () => {
  it.each([
    ["a list of numbers", { row: 3, v: [-1.5, -2, 4, 5, 0] }, null],
    ["NaN values (a row that could not be scored)", { row: 0, v: [NaN, NaN, NaN, NaN, NaN] }, null],
    ["a Float64Array", { row: 1, v: Float64Array.of(1, 2, 3, 4) }, null],
    ["too few values (a cut write)", { row: 2, v: [1, 2] }, "holds 2 values where 4 or 5 were expected"],
    ["too many values", { row: 2, v: [1, 2, 3, 4, 5, 6] }, "holds 6 values where 4 or 5 were expected"],
    ["a string", { row: 2, v: "-1.5,-2" }, "values are a string, not a list of numbers"],
    ["an object of an older layout", { row: 2, v: { chosen: -1 } }, "values are an object, not a list of numbers"],
    [
      "strings in the list",
      { row: 2, v: [1, "2", 3, 4] },
      "values are a list holding 1 non-numbers, not a list of numbers",
    ],
    ["no values", { row: 2, v: undefined }, "values are undefined, not a list of numbers"],
    ["a negative row", { row: -1, v: [1, 2, 3, 4] }, "row index -1 is not a row"],
    ["a fractional row", { row: 1.5, v: [1, 2, 3, 4] }, "row index 1.5 is not a row"],
    ["a string row", { row: "7", v: [1, 2, 3, 4] }, 'row index "7" is not a row'],
  ])("%s", (_, record, reason) => {
    const { values, problems } = checkRecords("k", [record], [4, 5]);
    if (reason === null) {
      expect(problems).toEqual([]);
      expect(Array.from(values.get(record.row as number)!)).toEqual(Array.from(record.v as ArrayLike<number>));
    } else {
      expect(values.size).toBe(0);
      expect(problems.map((p) => p.reason)).toEqual([reason]);
    }
  });

  it("accepts any length when no counts are given", () => {
    expect(checkRecords("k", [{ row: 0, v: [1, 2, 3] }]).problems).toEqual([]);
  });
});

describe("storeProblemNotice", () => {
  it("counts the records, groups the reasons, and says they are scored again and can be cleared", () => {
    const p = (row: number, reason: string): StoredRecordProblem => ({ runKey: "k", row, reason });
    expect(storeProblemNotice([])).toBeNull();
    expect(
      storeProblemNotice([p(1, "holds 2 values where 5 were expected"), p(2, "holds 2 values where 5 were expected")]),
    ).toBe(
      '2 stored results were unusable (2 holds 2 values where 5 were expected) and their rows are scored again. "Clear stored scores" removes every stored result.',
    );
    expect(storeProblemNotice([p(1, "values are a string, not a list of numbers")])).toMatch(
      /^1 stored result was unusable \(1 values are a string, not a list of numbers\) and its row is scored again\./,
    );
  });
});

const demo = buildDemoModels();
const enc = (v: Uint8Array | string) => (typeof v === "string" ? new TextEncoder().encode(v) : v);
const filesOf = (name: "demo-lm" | "demo-rm") =>
  Object.entries(demo[name]).map(([path, v]) => ({ path, data: enc(v) }));
const user = (content: string) => [{ role: "user", content }];
const bot = (content: string) => [{ role: "assistant", content }];
const PAIRS: Pair[] = [
  { prompt: user("Tea?"), chosen: bot("Boil water, add tea."), rejected: bot("No idea.") },
  { prompt: user("Hi"), chosen: bot("Hello! How can I help?"), rejected: bot("Hello") },
  { prompt: user("Sky?"), chosen: bot("Blue."), rejected: bot("Green, mostly.") },
  { prompt: user("Count"), chosen: bot("1 2 3"), rejected: bot("one two") },
];
const SEQ = DEFAULT_SEQUENCE_OPTIONS;

function expectClose(got: Map<number, number[]>, want: Map<number, number[]>) {
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [row, values] of want) {
    values.forEach((v, i) => expect(got.get(row)![i], `row ${row} value ${i}`).toBeCloseTo(v, 4));
  }
}

describe("a run over a store holding unusable records", () => {
  let policy: LoadedLanguageModel;
  let reward: LoadedRewardModel;
  beforeAll(async () => {
    ortWeb.env.wasm.numThreads = 1;
    const ort = ortWeb as unknown as OrtModule;
    const load = async (name: "demo-lm" | "demo-rm", kind: "lm" | "rm") =>
      loadModel(await readModelFolder(createFileMapReader(filesOf(name)), ["onnx/model.onnx"]), ort, kind);
    policy = (await load("demo-lm", "lm")) as LoadedLanguageModel;
    reward = (await load("demo-rm", "rm")) as LoadedRewardModel;
  });

  const run = async (store: ReturnType<typeof createMemoryResultStore>) => {
    const chunks: ScoredChunk[] = [];
    const problems: StoredRecordProblem[][] = [];
    const stats = await scoreDataset(
      { rowCount: PAIRS.length, pairs: async (rows) => rows.map((r) => PAIRS[r]) },
      { policy, reward },
      {
        datasetKey: "d",
        sequence: SEQ,
        store,
        chunkPairs: 2,
        onChunk: (c) => chunks.push(c),
        onStoreProblems: (p) => problems.push(p),
      },
    );
    const byRow = new Map<number, number[]>();
    for (const c of chunks) {
      c.rows.forEach((row, k) =>
        byRow.set(row, [
          c.policy!.chosenLogps[k],
          c.policy!.rejectedLogps[k],
          c.reward!.scoreChosen[k],
          c.reward!.scoreRejected[k],
        ]),
      );
    }
    return { stats, problems, byRow };
  };

  it("scores the damaged rows again, reports them once, and ends with the numbers of a clean run", async () => {
    const clean = await run(createMemoryResultStore());
    expect(clean.problems).toEqual([]);

    const store = createMemoryResultStore();
    await run(store);
    const lmKey = runKey("d", policy, SEQ);
    const rmKey = runKey("d", reward, SEQ);
    // Row 1: a cut LM write; row 2: a reward record of another layout; row 3 of the LM: not numbers at all.
    store.runs.get(lmKey)!.set(1, Float64Array.of(-1, -2));
    store.runs.get(rmKey)!.set(2, { chosen: 1 } as unknown as RowValues);
    store.runs.get(lmKey)!.set(3, "garbage" as unknown as RowValues);
    const again = await run(store);
    expect(again.problems).toHaveLength(1);
    expect(again.problems[0].map((p) => [p.runKey === lmKey ? "lm" : "rm", p.row, p.reason])).toEqual([
      ["lm", 1, "holds 2 values where 4 or 5 were expected"],
      ["lm", 3, "values are a string, not a list of numbers"],
      ["rm", 2, "values are an object, not a list of numbers"],
    ]);
    expect(again.stats).toMatchObject({ done: 4, cached: 1 });
    // Re-scored rows ride in other batches than in the clean run (row 1 alone, not with row 0): float32 sums may
    // differ in the last digits with batch composition, so they are compared to 1e-4.
    expectClose(again.byRow, clean.byRow);
    // The rows were written anew: a third run finds nothing wrong and scores nothing.
    const third = await run(store);
    expect(third.problems).toEqual([]);
    expect(third.stats).toMatchObject({ done: 4, cached: 4 });
    expect(third.byRow).toEqual(again.byRow);
  });

  it("reuses LM records of the older four-value layout without a problem", async () => {
    const store = createMemoryResultStore();
    await run(store);
    const lmKey = runKey("d", policy, SEQ);
    const row0 = store.runs.get(lmKey)!.get(0)!;
    store.runs.get(lmKey)!.set(0, row0.slice(0, 4));
    const again = await run(store);
    expect(again.problems).toEqual([]);
    expect(again.stats.cached).toBe(4);
  });

  it("clear forgets every record, good and bad", async () => {
    const store = createMemoryResultStore();
    await run(store);
    store.runs.get(runKey("d", policy, SEQ))!.set(1, Float64Array.of(1));
    await store.clear();
    const after = await run(store);
    expect(after.problems).toEqual([]);
    expect(after.stats.cached).toBe(0);
  });
});
