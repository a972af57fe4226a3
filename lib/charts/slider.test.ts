import { describe, expect, it } from "vitest";
import { keyedValue, stepValue, trackValue } from "@/lib/charts/slider";

describe("stepValue", () => {
  it("lands on the step grid, clamped, without float noise", () => {
    expect(stepValue(0.123456, 0, 1, 0.01)).toBe(0.12);
    expect(stepValue(0.125001, 0, 1, 0.01)).toBe(0.13);
    expect(stepValue(0.1 + 0.2, 0, 1, 0.01)).toBe(0.3);
    expect(stepValue(1.7, 0, 1, 0.01)).toBe(1);
    expect(stepValue(-0.2, 0, 1, 0.01)).toBe(0);
    expect(stepValue(7.4, 2, 12, 0.5)).toBe(7.5);
    expect(stepValue(Number.NaN, 0, 1, 0.01)).toBe(0);
    for (let k = 0; k <= 100; k++) expect(String(stepValue(k / 100 + 1e-9, 0, 1, 0.01))).toMatch(/^(0|1|0\.\d{1,2})$/);
  });
});

describe("trackValue", () => {
  it("maps the track's left edge to min and its right edge to max", () => {
    expect(trackValue(100, 100, 200, 0, 1, 0.01)).toBe(0);
    expect(trackValue(300, 100, 200, 0, 1, 0.01)).toBe(1);
    expect(trackValue(150, 100, 200, 0, 1, 0.01)).toBe(0.25);
    expect(trackValue(151, 100, 200, 0, 1, 0.01)).toBe(0.26);
    expect(trackValue(40, 100, 200, 0, 1, 0.01)).toBe(0);
    expect(trackValue(900, 100, 200, 0, 1, 0.01)).toBe(1);
    expect(trackValue(150, 100, 0, 0, 1, 0.01)).toBe(0);
  });
});

describe("keyedValue", () => {
  it("moves as a native range input does", () => {
    expect(keyedValue("ArrowRight", 0.4, 0, 1, 0.01)).toBe(0.41);
    expect(keyedValue("ArrowUp", 0.4, 0, 1, 0.01)).toBe(0.41);
    expect(keyedValue("ArrowLeft", 0.4, 0, 1, 0.01)).toBe(0.39);
    expect(keyedValue("ArrowDown", 0, 0, 1, 0.01)).toBe(0);
    expect(keyedValue("PageUp", 0.95, 0, 1, 0.01)).toBe(1);
    expect(keyedValue("PageDown", 0.4, 0, 1, 0.01)).toBe(0.3);
    expect(keyedValue("Home", 0.4, 0, 1, 0.01)).toBe(0);
    expect(keyedValue("End", 0.4, 0, 1, 0.01)).toBe(1);
    expect(keyedValue("a", 0.4, 0, 1, 0.01)).toBeNull();
  });
});
