import { describe, expect, it } from "vitest";
import { snapToResolution } from "@/lib/charts/snap";

describe("snapToResolution", () => {
  it("rounds to the largest power of ten no larger than the resolution", () => {
    expect(snapToResolution(0.7234817263, 0.033)).toBe(0.72);
    expect(snapToResolution(0.7254817263, 0.033)).toBe(0.73);
    expect(snapToResolution(-3.14159, 0.2)).toBe(-3.1);
    expect(snapToResolution(1234.567, 7)).toBe(1235);
    expect(snapToResolution(1234.567, 45)).toBe(1230);
    expect(snapToResolution(0.000123456, 0.0000051)).toBe(0.000123);
  });

  it("writes the result without float noise", () => {
    expect(snapToResolution(0.30000000000000004, 0.01)).toBe(0.3);
    expect(String(snapToResolution(0.1 + 0.2, 0.001))).toBe("0.3");
    expect(String(snapToResolution(2.675, 0.01))).toMatch(/^2\.6[78]$/);
    for (let k = -50; k <= 50; k++) {
      const v = snapToResolution(k * 0.07 + 0.0049, 0.01);
      expect(String(v)).toMatch(/^-?\d+(\.\d{1,2})?$/);
      expect(Math.abs(v - (k * 0.07 + 0.0049))).toBeLessThanOrEqual(0.005 + 1e-12);
    }
  });

  it("takes an exact power of ten as the step itself", () => {
    expect(snapToResolution(0.456, 0.1)).toBe(0.5);
    expect(snapToResolution(0.456, 0.001)).toBe(0.456);
    expect(snapToResolution(4567, 1000)).toBe(5000);
  });

  it("stays within half a step of the value, and gives 0 rather than -0", () => {
    expect(Object.is(snapToResolution(-0.004, 0.01), 0)).toBe(true);
    for (const [v, r] of [
      [12.3456, 0.05],
      [-987.654, 3],
      [1e-7 * 3.3, 1e-9],
    ])
      expect(Math.abs(snapToResolution(v, r) - v)).toBeLessThanOrEqual(r / 2 + Math.abs(v) * 1e-15);
  });

  it("leaves non-finite values and unusable resolutions alone", () => {
    expect(snapToResolution(Infinity, 0.1)).toBe(Infinity);
    expect(snapToResolution(Number.NaN, 0.1)).toBeNaN();
    expect(snapToResolution(0.123, 0)).toBe(0.123);
    expect(snapToResolution(0.123, -1)).toBe(0.123);
    expect(snapToResolution(0.123, Number.NaN)).toBe(0.123);
    expect(snapToResolution(0.123, Infinity)).toBe(0.123);
    expect(snapToResolution(1.23e-150, 1e-120)).toBe(1.23e-150);
  });
});
