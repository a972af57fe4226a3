import { describe, expect, it } from "vitest";
import { calibrate, calibrationNotice } from "./calibrate";

/** A clock that each run advances by its own cost, so timings are exact. */
function fakeRuns(costs: { webgpu: number[]; wasm: number[] }) {
  let t = 0;
  const calls = { webgpu: 0, wasm: 0 };
  const run = (b: "webgpu" | "wasm") => async () => {
    t += costs[b][calls[b]++] ?? costs[b].at(-1)!;
  };
  return { now: () => t, runs: { webgpu: run("webgpu"), wasm: run("wasm") }, calls };
}

describe("calibrate", () => {
  it("ignores the warm-up (shader compilation) and keeps the best of the timed runs", async () => {
    const f = fakeRuns({ webgpu: [900, 12, 10], wasm: [40, 41, 39] });
    const r = await calibrate(f.runs, { now: f.now });
    expect(r).toEqual({ backend: "webgpu", webgpuMs: 10, wasmMs: 39 });
    expect(f.calls).toEqual({ webgpu: 3, wasm: 3 });
  });

  it("keeps WASM when the adapter is slower (SwiftShader) and on a tie", async () => {
    const slow = fakeRuns({ webgpu: [2000, 800, 820], wasm: [30, 25, 26] });
    expect(await calibrate(slow.runs, { now: slow.now })).toEqual({ backend: "wasm", webgpuMs: 800, wasmMs: 25 });
    const tie = fakeRuns({ webgpu: [5, 5, 5], wasm: [5, 5, 5] });
    expect((await calibrate(tie.runs, { now: tie.now })).backend).toBe("wasm");
  });

  it("words the notice with both timings and the kept backend", () => {
    expect(calibrationNotice({ backend: "wasm", webgpuMs: 812.4, wasmMs: 4.26 })).toBe(
      "Calibration (2 rows × 64 tokens): WebGPU 812 ms, WASM 4.3 ms: using WASM (CPU).",
    );
    expect(calibrationNotice({ backend: "webgpu", webgpuMs: 3, wasmMs: 40 })).toBe(
      "Calibration (2 rows × 64 tokens): WebGPU 3.0 ms, WASM 40 ms: using WebGPU.",
    );
  });
});
