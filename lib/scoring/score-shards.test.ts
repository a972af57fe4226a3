import { describe, expect, it } from "vitest";
import { parseShardSpec, shardRange } from "./score-shards";

describe("shardRange", () => {
  it.each([
    [10, 3, [0, 3, 6, 10]],
    [4, 4, [0, 1, 2, 3, 4]],
    [2, 5, [0, 0, 0, 1, 1, 2]],
    [0, 2, [0, 0, 0]],
  ])("%i rows in %i shards start at %j", (rows, count, bounds) => {
    const ranges = Array.from({ length: count }, (_, index) => shardRange({ index, count }, rows));
    expect(ranges.map((r) => r.start).concat(ranges.at(-1)!.end)).toEqual(bounds);
    ranges.forEach((r, i) => i > 0 && expect(r.start).toBe(ranges[i - 1].end));
  });

  it.each([
    [150, 3, 64, [0, 64, 128, 150]],
    [150, 2, 64, [0, 64, 150]],
    [150, 5, 64, [0, 0, 64, 64, 128, 150]],
    [64, 2, 64, [0, 0, 64]],
  ])("%i rows in %i shards of %i-row blocks start at %j", (rows, count, blockRows, bounds) => {
    const ranges = Array.from({ length: count }, (_, index) => shardRange({ index, count }, rows, blockRows));
    expect(ranges.map((r) => r.start).concat(ranges.at(-1)!.end)).toEqual(bounds);
  });

  it("stays exact where index·rows passes 2^53", () => {
    expect(shardRange({ index: 9_999_999, count: 10_000_000 }, 1_000_000_007).end).toBe(1_000_000_007);
  });
});

describe("parseShardSpec", () => {
  it.each([
    ["0/1", { ok: true, data: { index: 0, count: 1 } }],
    ["3/4", { ok: true, data: { index: 3, count: 4 } }],
    ["4/4", { ok: false, reason: 'I must be 0…3 (0-based) for N = 4, got "4/4"' }],
    ["1/0", { ok: false, reason: 'N must be at least 1, got "1/0"' }],
    ["1", { ok: false, reason: 'expected I/N (shard I of N, 0-based, e.g. 0/4), got "1"' }],
    ["-1/2", { ok: false, reason: 'expected I/N (shard I of N, 0-based, e.g. 0/4), got "-1/2"' }],
  ])("%s", (text, expected) => expect(parseShardSpec(text)).toEqual(expected));
});
