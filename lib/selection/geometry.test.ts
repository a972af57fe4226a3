import { describe, expect, it } from "vitest";
import { pointInPolygon, simplifyPath } from "./geometry";

function inside(points: [number, number][], polygon: number[], initial = 0): number[] {
  const xs = Float64Array.from(points, (p) => p[0]);
  const ys = Float64Array.from(points, (p) => p[1]);
  const out = new Uint8Array(points.length).fill(initial);
  pointInPolygon(xs, ys, polygon, out);
  return Array.from(out);
}

const SQUARE = [0, 0, 2, 0, 2, 2, 0, 2];
// A "U": the notch x ∈ (1, 2), y ∈ (1, 3) is outside although inside the bounding box [0, 3] × [0, 3].
const U_SHAPE = [0, 0, 3, 0, 3, 3, 2, 3, 2, 1, 1, 1, 1, 3, 0, 3];

describe("pointInPolygon", () => {
  it.each<[string, number[], [number, number], 0 | 1]>([
    ["square: centre", SQUARE, [1, 1], 1],
    ["square: near a corner inside", SQUARE, [0.01, 1.99], 1],
    ["square: left of it", SQUARE, [-0.5, 1], 0],
    ["square: above it", SQUARE, [1, 2.5], 0],
    ["square, clockwise: centre", [0, 0, 0, 2, 2, 2, 2, 0], [1, 1], 1],
    ["U: left arm", U_SHAPE, [0.5, 2.5], 1],
    ["U: right arm", U_SHAPE, [2.5, 2.5], 1],
    ["U: base", U_SHAPE, [1.5, 0.5], 1],
    ["U: in the notch (inside the bbox, outside the polygon)", U_SHAPE, [1.5, 2], 0],
    ["U: far outside", U_SHAPE, [5, 5], 0],
    ["triangle: inside", [0, 0, 4, 0, 0, 4], [1, 1], 1],
    ["triangle: beyond the hypotenuse, inside the bbox", [0, 0, 4, 0, 0, 4], [3, 3], 0],
    ["x is NaN", SQUARE, [NaN, 1], 0],
    ["y is NaN", SQUARE, [1, NaN], 0],
    ["both NaN", SQUARE, [NaN, NaN], 0],
  ])("%s", (_name, polygon, point, expected) => {
    expect(inside([point], polygon)).toEqual([expected]);
  });

  it("tests whole columns at once and overwrites the output (bbox fast path included)", () => {
    const points: [number, number][] = [
      [1, 1],
      [10, 10],
      [-3, 0.5],
      [1.5, 2],
      [2.5, 0.5],
      [NaN, 0],
    ];
    // Prefilled with 1: points rejected by the bounding box must be written 0, not left as they were.
    expect(inside(points, U_SHAPE, 1)).toEqual([0, 0, 0, 0, 1, 0]);
    expect(inside(points, SQUARE, 1)).toEqual([1, 0, 0, 0, 0, 0]);
  });

  it("fails every point for a degenerate polygon (a line)", () => {
    expect(
      inside(
        [
          [1, 1],
          [0.5, 0.5],
        ],
        [0, 0, 2, 2],
      ),
    ).toEqual([0, 0]);
  });
});

describe("simplifyPath", () => {
  it.each<[string, [number, number][], number, number | undefined, [number, number][]]>([
    ["empty", [], 1, undefined, []],
    ["one point", [[3, 4]], 1, undefined, [[3, 4]]],
    [
      "drops points closer than minStep to the last kept one",
      [
        [0, 0],
        [0.5, 0],
        [0.9, 0],
        [1, 0],
        [1.2, 0],
        [2.5, 0],
      ],
      1,
      undefined,
      [
        [0, 0],
        [1, 0],
        [2.5, 0],
      ],
    ],
    [
      "measures Euclidean distance",
      [
        [0, 0],
        [0.6, 0.6],
        [0.8, 0.8],
      ],
      1,
      undefined,
      [
        [0, 0],
        [0.8, 0.8],
      ],
    ],
    [
      "minStep 0 keeps every point",
      [
        [0, 0],
        [0, 0],
        [1, 1],
      ],
      0,
      undefined,
      [
        [0, 0],
        [0, 0],
        [1, 1],
      ],
    ],
    [
      "strides down to maxPoints",
      Array.from({ length: 10 }, (_, i): [number, number] => [i, 0]),
      1,
      4,
      [
        [0, 0],
        [2, 0],
        [5, 0],
        [7, 0],
      ],
    ],
  ])("%s", (_name, points, minStep, maxPoints, expected) => {
    expect(simplifyPath(points, minStep, maxPoints)).toEqual(expected);
  });

  it("caps a long pointer trail at 256 points by default, first point kept", () => {
    const trail = Array.from({ length: 1000 }, (_, i): [number, number] => [i, Math.sin(i)]);
    const out = simplifyPath(trail, 0.5);
    expect(out).toHaveLength(256);
    expect(out[0]).toEqual([0, 0]);
    for (let i = 1; i < out.length; i++) expect(out[i][0]).toBeGreaterThan(out[i - 1][0]);
  });
});
