import { afterEach, describe, expect, it } from "vitest";
import { canShareColumns, isShared, newColumn } from "@/lib/metrics/shared-column";
import { alignmentPotential } from "@/lib/metrics/select";

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
});
