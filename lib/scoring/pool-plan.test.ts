import { describe, expect, it } from "vitest";
import { forcedWorkersFromQuery, partitionRows, planScoringPool } from "./pool-plan";

describe("partitionRows", () => {
  it.each([
    [
      "equal rows, 2 parts",
      [1, 1, 1, 1],
      2,
      [
        [0, 1],
        [2, 3],
      ],
    ],
    [
      "equal rows, 3 parts of 7",
      [1, 1, 1, 1, 1, 1, 1],
      3,
      [
        [0, 1],
        [2, 3, 4],
        [5, 6],
      ],
    ],
    ["a heavy first row", [10, 1, 1, 1, 1, 1], 2, [[0], [1, 2, 3, 4, 5]]],
    ["a heavy last row", [1, 1, 1, 1, 1, 10], 2, [[0, 1, 2, 3, 4], [5]]],
    ["fewer rows than parts", [5, 5], 4, [[0], [1]]],
    ["one part", [3, 1, 2], 1, [[0, 1, 2]]],
    ["no rows", [], 3, []],
    [
      "zero costs split by count",
      [0, 0, 0, 0],
      2,
      [
        [0, 1],
        [2, 3],
      ],
    ],
  ])("%s", (_, costs, parts, blocks) => {
    expect(partitionRows(costs, parts)).toEqual(blocks);
  });

  it("covers every row once, in order, each block's sum within the largest row of total / parts", () => {
    const costs = Array.from({ length: 101 }, (_, i) => 50 + ((i * 37) % 200));
    for (const parts of [2, 3, 4, 7]) {
      const blocks = partitionRows(costs, parts);
      expect(blocks.flat()).toEqual(costs.map((_, i) => i));
      const sums = blocks.map((b) => b.reduce((s, i) => s + costs[i], 0));
      const mean = costs.reduce((a, b) => a + b, 0) / parts;
      for (const s of sums) expect(Math.abs(s - mean)).toBeLessThanOrEqual(Math.max(...costs));
    }
  });

  it.each([
    [[1, 2], 0, "parts must be a positive integer, got 0"],
    [[1, 2], 1.5, "parts must be a positive integer, got 1.5"],
    [[1, -2], 2, "row costs must be non-negative numbers, got -2"],
    [[1, NaN], 2, "row costs must be non-negative numbers, got NaN"],
  ])("rejects %j into %s parts", (costs, parts, message) => {
    expect(() => partitionRows(costs, parts)).toThrow(message);
  });
});

describe("planScoringPool", () => {
  const MiB = 1024 ** 2;
  const base = {
    backend: "wasm" as const,
    cores: 2,
    crossOriginIsolated: true,
    modelBytes: 400 * MiB,
    rows: 1000,
    batchSize: 8,
  };
  it.each([
    ["2 cores, isolated: a worker per core", {}, 2, 1, "2 workers × 1 thread (2 cores)"],
    [
      "2 cores, not isolated: still a worker per core",
      { crossOriginIsolated: false },
      2,
      1,
      "2 workers × 1 thread (2 cores)",
    ],
    [
      "8 cores, isolated: 4 workers × 2 threads",
      { cores: 8, modelBytes: 100 * MiB },
      4,
      2,
      "4 workers × 2 threads (at most 4 workers)",
    ],
    [
      "8 cores, not isolated: 4 × 1",
      { cores: 8, crossOriginIsolated: false, modelBytes: 100 * MiB },
      4,
      1,
      "4 workers × 1 thread (at most 4 workers)",
    ],
    // 2 GiB / (1.25 · 1.9 GiB + 128 MiB) < 1: one worker, both cores as threads.
    [
      "a 1.9 GB model: one worker",
      { modelBytes: 1946 * MiB },
      1,
      2,
      "1 worker × 2 threads (memory for the model copies)",
    ],
    [
      "8 rows at batch 8: one batch, one worker",
      { rows: 8 },
      1,
      2,
      "1 worker × 2 threads (rows for one batch per worker)",
    ],
    ["1 core", { cores: 1 }, 1, 1, "1 worker × 1 thread (1 core)"],
    ["WebGPU: one worker", { backend: "webgpu" as const, cores: 8 }, 1, 4, "WebGPU: one device, one worker"],
  ])("%s", (_, over, workers, threadsPerWorker, reason) => {
    // The limit alone is the notice's parenthesis; WebGPU's notice is its limit.
    const bound = reason.endsWith(")") ? reason.slice(reason.indexOf("(") + 1, -1) : reason;
    expect(planScoringPool({ ...base, ...over })).toEqual({ workers, threadsPerWorker, reason, bound });
  });
  it("8 cores and a 400 MB model: memory allows 3 copies (2 GiB / 628 MiB)", () => {
    expect(planScoringPool({ ...base, cores: 8 })).toEqual({
      workers: 3,
      threadsPerWorker: 2,
      reason: "3 workers × 2 threads (memory for the model copies)",
      bound: "memory for the model copies",
    });
  });
  it("a bigger memory budget allows more copies", () => {
    expect(planScoringPool({ ...base, modelBytes: 1946 * MiB, memoryBudgetBytes: 8 * 1024 * MiB }).workers).toBe(2);
  });
  it.each([
    [1, 1, 2, "1 worker × 2 threads (set by the page)"],
    [2, 2, 1, "2 workers × 1 thread (set by the page)"],
    [4, 4, 1, "4 workers × 1 thread (set by the page)"],
  ])("forced to %i worker(s) on 2 cores", (forcedWorkers, workers, threadsPerWorker, reason) => {
    expect(planScoringPool({ ...base, forcedWorkers })).toEqual({
      workers,
      threadsPerWorker,
      reason,
      bound: "set by the page",
    });
  });
  it.each([0, 5, 1.5])("refuses a forced count of %s", (forcedWorkers) => {
    expect(() => planScoringPool({ ...base, forcedWorkers })).toThrow(RangeError);
  });
});

describe("forcedWorkersFromQuery", () => {
  it.each([
    ["?scoringWorkers=2", 2],
    ["?demo&scoringWorkers=1", 1],
    ["?scoringWorkers=4", 4],
    ["?scoringWorkers=5", undefined],
    ["?scoringWorkers=0", undefined],
    ["?scoringWorkers=two", undefined],
    ["?scoringWorkers=", undefined],
    ["", undefined],
  ])("%j → %s", (search, want) => {
    expect(forcedWorkersFromQuery(search)).toBe(want);
  });
});
