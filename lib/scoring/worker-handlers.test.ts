import { describe, expect, it } from "vitest";
import * as ortWeb from "onnxruntime-web";
import type { HandlerContext } from "@/lib/worker/rpc";
import { bufferBytes, computedColumns, linkedWorkers } from "@/test/linked-workers";
import { buildDemoModels } from "@/scripts/demo-models/demo-models";
import type { OrtModule } from "./model-loader";
import type { ScoreProgress } from "./protocol";
import { createMemoryResultStore } from "./result-store";
import { createScoringHandlers } from "./worker-handlers";

const demo = buildDemoModels();
const enc = (v: Uint8Array | string) => (typeof v === "string" ? new TextEncoder().encode(v) : v);
const lmFiles = Object.entries(demo["demo-lm"]).map(([p, v]) => ({ path: `demo-lm/${p}`, data: enc(v) }));
const ROWS = Array.from({ length: 6 }, (_, i) => ({
  prompt: `Question ${i}?`,
  chosen: `Answer ${i}.`,
  rejected: `No ${i}`,
}));
const file = new Blob([ROWS.map((r) => JSON.stringify(r)).join("\n")]);

function env(loaded: string[] = []) {
  ortWeb.env.wasm.numThreads = 1;
  return {
    store: createMemoryResultStore(),
    loadOrt: async (backend: "webgpu" | "wasm") => (loaded.push(backend), ortWeb as unknown as OrtModule),
    probeGpu: async () => ({ available: false, fallbackAdapter: false, shaderF16: false, reason: "no WebGPU adapter" }),
    threads: () => 1,
  };
}

/**
 * Node has no WebGPU: a module whose sessions always run on ORT's WASM build stands in for the WebGPU one, so the
 * tests check that both sessions are made and timed, not WebGPU itself.
 */
const wasmOnly = {
  Tensor: ortWeb.Tensor,
  InferenceSession: {
    create: (m: Uint8Array, o: Record<string, unknown>) =>
      ortWeb.InferenceSession.create(m, { ...o, executionProviders: ["wasm"] }),
  },
} as unknown as OrtModule;

function ctx(progress: [string, number, unknown][] = []): HandlerContext {
  return { progress: (s, f, d) => progress.push([s, f, d]), transfer: [] };
}

describe("scoring worker handlers", () => {
  it("loads the demo folder on WASM with a visible notice; results go to the dataset worker, not the page", async () => {
    const loaded: string[] = [];
    const h = createScoringHandlers(env(loaded));
    const linked = await linkedWorkers(h, file, "rows.jsonl");
    const info = await h.loadModel(
      { role: "policy", source: { kind: "files", files: lmFiles }, backend: "auto" },
      ctx(),
    );
    expect(loaded).toEqual(["wasm"]);
    expect(info).toMatchObject({
      role: "policy",
      kind: "lm",
      isDemo: true,
      onnxPath: "onnx/model.onnx",
      hasChatTemplate: true,
    });
    expect(info.backend).toMatchObject({ backend: "wasm", requested: "auto" });
    expect(info.backend.notice).toMatch(/^WebGPU is unavailable/);

    const progress: [string, number, unknown][] = [];
    const stats = await h.score({ maxLength: 2048, maxPromptLength: 1800, chunkPairs: 4 }, ctx(progress));
    expect(stats).toMatchObject({ done: 6, total: 6, cached: 0 });
    expect(progress.map(([s, f]) => [s, f])).toEqual([
      ["scoring", 4 / 6],
      ["scoring", 1],
    ]);
    // The page's messages carry stats only: no buffer of results.
    expect(progress.map(([, , d]) => bufferBytes(d))).toEqual([0, 0]);
    expect(progress.map(([, , d]) => (d as ScoreProgress).stats.done)).toEqual([4, 6]);
    // The dataset worker has every row's results (it acknowledged them before `score` returned).
    expect(await linked.dataset.applyScores({ implicit: "simpo", beta: 0.1 }, ctx())).toMatchObject({ scored: 6 });
    const cols = await computedColumns(linked.dataset);
    const chosen = Array.from(cols.get("chosen_logps")!);
    expect(chosen).toHaveLength(6);
    chosen.forEach((v) => expect(v).toBeLessThan(0));
    // The demo model is tiny: WASM's 4 GiB allow the caps (2 rows, 8192 tokens).
    expect((progress[0][2] as ScoreProgress).plan).toMatchObject({ batchSize: 2, maxBatchTokens: 8192 });
    expect((progress[0][2] as ScoreProgress).plan.note).toMatch(
      /^batches ≤ 2 rows \/ 8,192 tokens \(WASM memory 4\.0 GB/,
    );
    // The inspector's per-token view of row 1 sums to the run's number; rows outside the file are refused.
    const inspected = await h.inspectPair({ row: 1, maxLength: 2048, maxPromptLength: 1800 }, ctx());
    expect(inspected.chosen.sumLogp).toBeCloseTo(chosen[1], 6);
    expect(inspected.chosen.tokens.length).toBeGreaterThan(1);
    await expect(h.inspectPair({ row: 6, maxLength: 2048, maxPromptLength: 1800 }, ctx())).rejects.toThrow(
      "row 6 is outside 0..5",
    );

    // Same settings again: everything comes from the store in one cached chunk, with the same values.
    const again: [string, number, unknown][] = [];
    expect(await h.score({ maxLength: 2048, maxPromptLength: 1800 }, ctx(again))).toMatchObject({ cached: 6 });
    expect(again).toHaveLength(1);
    await linked.dataset.applyScores({ implicit: "simpo", beta: 0.1 }, ctx());
    expect(Array.from((await computedColumns(linked.dataset)).get("chosen_logps")!)).toEqual(chosen);
    linked.close();
  });

  it("pauses between chunks, resumes, and cancels", async () => {
    const h = createScoringHandlers(env());
    const linked = await linkedWorkers(h, file, "rows.jsonl");
    await h.loadModel({ role: "policy", source: { kind: "files", files: lmFiles }, backend: "wasm" }, ctx());
    const progress: [string, number, unknown][] = [];
    const c = ctx(progress);
    // Pause as each chunk arrives: the run must stop between chunks until resumed.
    c.progress = (s, f, d) => {
      progress.push([s, f, d]);
      expect(h.pause({}, c)).toBe("paused");
    };
    const run = Promise.resolve(h.score({ maxLength: 2048, maxPromptLength: 1800, chunkPairs: 2 }, c));
    await new Promise((r) => setTimeout(r, 50));
    expect(progress).toHaveLength(1);
    await expect(h.score({ maxLength: 2048, maxPromptLength: 1800 }, ctx())).rejects.toMatchObject({ code: "busy" });
    expect(h.resume({}, c)).toBe("running");
    await new Promise((r) => setTimeout(r, 50));
    expect(progress).toHaveLength(2);
    expect(h.cancel({}, c)).toBe("paused");
    await expect(run).rejects.toMatchObject({ code: "cancelled" });
    expect(progress).toHaveLength(2);
    expect(h.pause({}, c)).toBe("idle");
    linked.close();
  });

  it("refuses a reward model in the policy slot", async () => {
    const h = createScoringHandlers(env());
    const rmFiles = Object.entries(demo["demo-rm"]).map(([p, v]) => ({ path: p, data: enc(v) }));
    await expect(
      h.loadModel({ role: "policy", source: { kind: "files", files: rmFiles }, backend: "wasm" }, ctx()),
    ).rejects.toMatchObject({ code: "WRONG_KIND" });
  });

  it("Auto with a WebGPU adapter times both backends on one batch and keeps the faster", async () => {
    const loaded: string[] = [];
    const h = createScoringHandlers({
      ...env(),
      loadOrt: async (backend: "webgpu" | "wasm") => (loaded.push(backend), wasmOnly),
      probeGpu: async () => ({
        available: true,
        fallbackAdapter: true,
        shaderF16: false,
        limits: { maxBufferSize: 256 * 1024 ** 2, maxStorageBufferBindingSize: 128 * 1024 ** 2 },
      }),
    });
    const progress: [string, number, unknown][] = [];
    const info = await h.loadModel(
      { role: "policy", source: { kind: "files", files: lmFiles }, backend: "auto" },
      ctx(progress),
    );
    expect(loaded.sort()).toEqual(["wasm", "webgpu"]);
    expect(progress.map(([s]) => s)).toContain("calibrating backends");
    const cal = info.backend.calibration!;
    expect(cal.webgpuMs).toBeGreaterThan(0);
    expect(cal.wasmMs).toBeGreaterThan(0);
    expect(info.backend.backend).toBe(cal.webgpuMs < cal.wasmMs ? "webgpu" : "wasm");
    expect(info.backend.notice).toMatch(
      /^Calibration \(2 rows × 64 tokens\): WebGPU [\d.]+ ms, WASM [\d.]+ ms: using (WebGPU|WASM \(CPU\))\.$/,
    );
  });

  it("Auto keeps the backend that opens the model when the other cannot, and says why", async () => {
    const broken = {
      Tensor: ortWeb.Tensor,
      InferenceSession: { create: async () => Promise.reject(new Error("no kernel for op X")) },
    } as unknown as OrtModule;
    const h = createScoringHandlers({
      ...env(),
      loadOrt: async (backend: "webgpu" | "wasm") => (backend === "wasm" ? broken : wasmOnly),
      probeGpu: async () => ({ available: true, fallbackAdapter: false, shaderF16: true }),
    });
    const info = await h.loadModel(
      { role: "policy", source: { kind: "files", files: lmFiles }, backend: "auto" },
      ctx(),
    );
    expect(info.backend.backend).toBe("webgpu");
    expect(info.backend.notice).toBe(
      "WASM cannot open this model (ONNX Runtime cannot open onnx/model.onnx: no kernel for op X): running on WebGPU.",
    );
    expect(info.backend.calibration).toBeUndefined();
  });

  it("forced WASM never probes WebGPU or calibrates", async () => {
    let probed = 0;
    const h = createScoringHandlers({
      ...env(),
      probeGpu: async () => (probed++, { available: true, fallbackAdapter: false, shaderF16: true }),
    });
    const info = await h.loadModel(
      { role: "policy", source: { kind: "files", files: lmFiles }, backend: "wasm" },
      ctx(),
    );
    expect(probed).toBe(0);
    expect(info.backend).toMatchObject({ backend: "wasm", notice: null });
    expect(info.backend.calibration).toBeUndefined();
  });
});
