import { describe, expect, it } from "vitest";
import { createRng } from "@/lib/metrics/random";
import { decisionOrder, rowOrder, TableOrderCache } from "./table-order";
import { reserveIds, reservedIds } from "@/lib/metrics/shared-column";

/** The table's order as the comparator sort had it: by value (descending or not), ties by row, NaN last by row. */
function comparatorOrder(values: Float64Array, descending: boolean, mask: Uint8Array | null): number[] {
  const ids = [...values.keys()].filter((i) => !mask || mask[i]);
  const sign = descending ? -1 : 1;
  return ids.sort((a, b) => {
    const va = values[a];
    const vb = values[b];
    const na = Number.isNaN(va);
    const nb = Number.isNaN(vb);
    if (na || nb) return na === nb ? a - b : na ? 1 : -1;
    return va === vb ? a - b : sign * (va - vb);
  });
}

const rng = createRng(7);
const col = (...v: number[]) => Float64Array.from(v);
// Ties, both zeros, infinities, NaN, and a long column with few distinct values (many equal high words).
const tricky = col(3, NaN, -0, 0, 3, -Infinity, Infinity, 3, NaN, -1e-300, 1e-300, 0, -2.5, Infinity);
const coarse = Float64Array.from({ length: 3000 }, () => (rng() < 0.05 ? NaN : Math.round(rng() * 20) / 4 - 2));
const fine = Float64Array.from({ length: 5000 }, () => (rng() < 0.01 ? NaN : (rng() - 0.5) * 1e3));
const maskOf = (n: number) => Uint8Array.from({ length: n }, () => (rng() < 0.4 ? 1 : 0));

describe("TableOrderCache.order", () => {
  it.each<[string, Float64Array]>([
    ["empty", col()],
    ["all NaN", col(NaN, NaN)],
    ["tricky", tricky],
    ["coarse", coarse],
    ["fine", fine],
  ])("%s: the comparator sort's order, both directions, with and without a mask", (_name, values) => {
    const cache = new TableOrderCache();
    const mask = maskOf(values.length);
    for (const descending of [false, true])
      for (const m of [null, mask])
        expect(Array.from(cache.order(values, descending, m))).toEqual(comparatorOrder(values, descending, m));
  });

  it.each<[string, Float64Array]>([
    ["tricky", tricky],
    ["coarse", coarse],
  ])("%s: a ranking's order given (best first, ties higher row first) gives the same orders", (_name, values) => {
    const rankedOrder = comparatorOrder(values, false, null)
      .filter((r) => !Number.isNaN(values[r]))
      .reverse();
    const mask = maskOf(values.length);
    for (const descending of [false, true])
      for (const m of [null, mask]) {
        const cache = new TableOrderCache();
        const got = cache.order(values, descending, m, () => Uint32Array.from(rankedOrder));
        expect(Array.from(got)).toEqual(comparatorOrder(values, descending, m));
      }
  });

  it("reuses a column's argsort until cleared, and returns a fresh array each time", () => {
    const cache = new TableOrderCache();
    const values = col(2, 1, 3);
    const a = cache.order(values, false, null);
    values[0] = 0; // written in place: the cached order stands until clear()
    expect(Array.from(cache.order(values, false, null))).toEqual([1, 0, 2]);
    expect(cache.order(values, false, null)).not.toBe(a);
    cache.clear();
    expect(Array.from(cache.order(values, false, null))).toEqual([0, 1, 2]);
  });
});

describe("rowOrder", () => {
  it.each<[boolean, Uint8Array | null, number[]]>([
    [false, null, [0, 1, 2, 3]],
    [true, null, [3, 2, 1, 0]],
    [false, Uint8Array.of(1, 0, 1, 1), [0, 2, 3]],
    [true, Uint8Array.of(1, 0, 1, 1), [3, 2, 0]],
  ])("descending %s, mask %j → %j", (descending, mask, want) => {
    expect(Array.from(rowOrder(4, descending, mask))).toEqual(want);
  });
});

describe("decisionOrder", () => {
  const decisions = { keep: [1, 4], drop: [0, 3] };
  it.each<[boolean, Uint8Array | null, number[]]>([
    [true, null, [1, 4, 2, 5, 0, 3]],
    [false, null, [0, 3, 2, 5, 1, 4]],
    [true, Uint8Array.of(1, 0, 1, 1, 1, 0), [4, 2, 0, 3]],
  ])("descending %s, mask %j → %j", (descending, mask, want) => {
    expect(Array.from(decisionOrder(6, decisions, descending, mask))).toEqual(want);
  });

  it("equals the comparator sort of the decision values (kept 1, dropped −1)", () => {
    const n = 500;
    const keep = [...Array(n).keys()].filter(() => rng() < 0.1);
    const drop = [...Array(n).keys()].filter((r) => !keep.includes(r) && rng() < 0.1);
    const values = new Float64Array(n);
    for (const r of keep) values[r] = 1;
    for (const r of drop) values[r] = -1;
    const mask = maskOf(n);
    for (const descending of [false, true])
      expect(Array.from(decisionOrder(n, { keep, drop }, descending, mask))).toEqual(
        comparatorOrder(values, descending, mask),
      );
  });
});

describe("orders into reserved ids", () => {
  it("give the same rows as new arrays, each order its own ids", () => {
    const cache = new TableOrderCache();
    const mask = maskOf(fine.length);
    for (const [descending, m] of [
      [false, null],
      [true, null],
      [true, mask],
    ] as const) {
      reserveIds(fine.length);
      const reserved = m && 2 * mask.reduce((a, b) => a + b, 0) < fine.length ? 0 : fine.length;
      const a = cache.order(fine, descending, m);
      expect(reservedIds()).toBe(fine.length - reserved);
      expect(Array.from(a)).toEqual(comparatorOrder(fine, descending, m));
      reserveIds(fine.length);
      const b = rowOrder(fine.length, descending, null);
      expect(reservedIds()).toBe(0);
      expect(b.buffer).not.toBe(a.buffer);
      expect(Array.from(b)).toEqual(
        Array.from({ length: fine.length }, (_, i) => (descending ? fine.length - 1 - i : i)),
      );
    }
    reserveIds(0);
  });
});
