import { afterEach, describe, expect, it } from "vitest";
import {
  asColumn,
  canShareColumns,
  hasReservedColumn,
  isShared,
  newColumn,
  reserveColumn,
  reserveIds,
  reservedIds,
  takeColumn,
  takeIds,
} from "@/lib/metrics/shared-column";
import { alignmentPotential, computeScores } from "@/lib/metrics/select";

const isolation = (value: boolean | undefined) =>
  Object.defineProperty(globalThis, "crossOriginIsolated", { value, configurable: true, writable: true });

describe("shared columns", () => {
  afterEach(() => {
    delete (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  });

  it("are plain arrays outside a cross-origin-isolated page (Node, the CLI)", () => {
    expect(canShareColumns()).toBe(false);
    const c = newColumn(4);
    expect(c).toHaveLength(4);
    expect(isShared(c)).toBe(false);
    expect(isShared(alignmentPotential({ explicit: new Float64Array(3), implicit: new Float64Array(3) }, 1))).toBe(
      false,
    );
  });

  it("live in a SharedArrayBuffer where the page is isolated; M_AP is computed into one, with the same values", () => {
    const explicit = Float64Array.from([1, 2, NaN, 4, 8]);
    const implicit = Float64Array.from([0.5, -1, 2, NaN, 0]);
    const plain = alignmentPotential({ explicit, implicit }, 2);
    isolation(true);
    expect(canShareColumns()).toBe(true);
    const c = newColumn(3);
    expect(Array.from(c)).toEqual([0, 0, 0]);
    expect(isShared(c)).toBe(true);
    const shared = alignmentPotential({ explicit, implicit }, 2);
    expect(isShared(shared)).toBe(true);
    expect(Array.from(shared)).toEqual(Array.from(plain));
    // A copy is plain again: it can be transferred.
    expect(isShared(shared.slice())).toBe(false);
    isolation(false);
    expect(canShareColumns()).toBe(false);
  });

  it("a reserved column is zero-filled, taken once, and of the kind and length asked for", () => {
    reserveColumn(1500);
    const reserved = takeColumn(1500);
    expect(reserved).toHaveLength(1500);
    expect(reserved.every((v) => v === 0)).toBe(true);
    expect(isShared(reserved)).toBe(false);
    // Taken: the next one is new, never the same array twice.
    const next = takeColumn(1500);
    expect(next).not.toBe(reserved);
    expect(next).toHaveLength(1500);
    // Another length: a new column, and the spare of the old length stays for its own length.
    reserveColumn(1500);
    const other = takeColumn(700);
    expect(other).toHaveLength(700);
    const kept = takeColumn(1500);
    expect(kept.every((v) => v === 0)).toBe(true);
    // Reserving another length lets the spare go.
    reserveColumn(1500);
    reserveColumn(10);
    expect(takeColumn(10)).toHaveLength(10);
    // A spare made before the page was isolated is not handed out as a shared column (nor the other way round).
    reserveColumn(8);
    isolation(true);
    const shared = takeColumn(8);
    expect(isShared(shared)).toBe(true);
    reserveColumn(8);
    isolation(false);
    expect(isShared(takeColumn(8))).toBe(false);
    // Empty: nothing is kept.
    reserveColumn(0);
    expect(takeColumn(0)).toHaveLength(0);
  });

  it("M_AP and the margin metrics write into the reserved column, with the numbers of a new one", () => {
    const explicit = Float64Array.from([1, 2, NaN, 4, 8, -3]);
    const implicit = Float64Array.from([0.5, -1, 2, NaN, 0, 4]);
    const cols = { explicit, implicit };
    for (const metric of ["map", "explicit", "implicit"] as const) {
      const fresh = computeScores(cols, { metric, weight: 2.5, seed: 0 }).score;
      reserveColumn(6);
      expect(hasReservedColumn(6)).toBe(true);
      const score = computeScores(cols, { metric, weight: 2.5, seed: 0 }).score;
      expect(hasReservedColumn(6)).toBe(false);
      expect(Array.from(score)).toEqual(Array.from(fresh));
      expect(takeColumn(6)).not.toBe(score);
    }
    // Random scores are made elsewhere and leave the spare alone.
    reserveColumn(6);
    computeScores(cols, { metric: "random", weight: 1, seed: 3 });
    expect(hasReservedColumn(6)).toBe(true);
    takeColumn(6);
  });

  it("asColumn trims or pads a column to its rows, and shares it where the page is isolated", () => {
    const values = Float64Array.from([1, -2, 3.5, NaN]);
    // Already a column of its kind and length: itself.
    expect(asColumn(values)).toBe(values);
    const cut = asColumn(values, 2);
    expect(Array.from(cut)).toEqual([1, -2]);
    const padded = asColumn(values, 6);
    expect(Array.from(padded)).toEqual([1, -2, 3.5, NaN, NaN, NaN]);
    expect(isShared(padded)).toBe(false);
    isolation(true);
    const shared = asColumn(values);
    expect(shared).not.toBe(values);
    expect(isShared(shared)).toBe(true);
    expect(Array.from(shared)).toEqual(Array.from(values));
    expect(asColumn(shared)).toBe(shared);
    expect(Array.from(asColumn(shared, 3))).toEqual([1, -2, 3.5]);
    // The copy is the column's: writing the source afterwards does not reach it.
    values[0] = 99;
    expect(shared[0]).toBe(1);
  });

  it("reserved ids are zero-filled, plain (an order is transferred), taken once, and only for at least half as many", () => {
    reserveIds(100);
    expect(reservedIds()).toBe(100);
    // Too few to be worth 100 ids of memory: a new array, and the reservation stays.
    expect(takeIds(10)).toHaveLength(10);
    expect(reservedIds()).toBe(100);
    const some = takeIds(60);
    expect(some).toHaveLength(60);
    expect(some.buffer.byteLength).toBe(400);
    expect(some.every((v) => v === 0)).toBe(true);
    expect(some.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(reservedIds()).toBe(0);
    // Taken: the next is new.
    expect(takeIds(60).buffer).not.toBe(some.buffer);
    reserveIds(100);
    const all = takeIds(100);
    expect(all.buffer.byteLength).toBe(400);
    // More than reserved: new.
    reserveIds(100);
    expect(takeIds(101)).toHaveLength(101);
    expect(reservedIds()).toBe(100);
    reserveIds(0);
    expect(reservedIds()).toBe(0);
  });
});
