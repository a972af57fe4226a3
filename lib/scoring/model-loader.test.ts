import { describe, expect, it } from "vitest";
import { buildDemoModels } from "@/scripts/demo-models/demo-models";
import { addTokenLogprobOutput } from "./logprob-graph";
import { withGpuResidentCache } from "./model-loader";

const lm = addTokenLogprobOutput(buildDemoModels()["demo-lm"]["onnx/model.onnx"] as Uint8Array);

describe("withGpuResidentCache", () => {
  it("keeps every present.* output on the GPU under WebGPU, and only those", () => {
    const options = withGpuResidentCache(lm, { executionProviders: ["webgpu"], graphOptimizationLevel: "all" });
    expect(options).toEqual({
      executionProviders: ["webgpu"],
      graphOptimizationLevel: "all",
      preferredOutputLocation: {
        "present.0.key": "gpu-buffer",
        "present.0.value": "gpu-buffer",
        "present.1.key": "gpu-buffer",
        "present.1.value": "gpu-buffer",
      },
    });
  });

  it("accepts the object form of the execution provider; leaves WASM alone", () => {
    expect(withGpuResidentCache(lm, { executionProviders: [{ name: "webgpu" }] })).toHaveProperty(
      "preferredOutputLocation",
    );
    const wasm = { executionProviders: ["wasm"] };
    expect(withGpuResidentCache(lm, wasm)).toBe(wasm);
  });
});
