import { describe, expect, it } from "vitest";
import { formatBytes, formatEta } from "./units";

describe("units", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1536, "1.5 KB"],
    [12 * 1024 ** 2, "12.0 MB"],
    [1.25 * 1024 ** 3, "1.25 GB"],
  ])("formatBytes(%d) = %s", (n, want) => expect(formatBytes(n)).toBe(want));

  it.each([
    [null, "–"],
    [Infinity, "–"],
    [41.2, "42 s"],
    [185, "3 min 5 s"],
    [7800, "2 h 10 min"],
  ])("formatEta(%s) = %s", (s, want) => expect(formatEta(s)).toBe(want));
});
