/**
 * Picks the ONNX Runtime backend for the user's choice and what this browser offers, and loads the matching
 * onnxruntime-web build: `onnxruntime-web/webgpu` with a WebGPU adapter, `onnxruntime-web/wasm` (half the
 * download) otherwise. Execution providers are always named alone (`['webgpu']` or `['wasm']`): ORT's own
 * fallback is silent, ours sets a notice the UI shows.
 */
import type * as OrtWeb from "onnxruntime-web";
import type { OrtModule } from "./model-loader";
import type { BackendChoice, BackendInfo } from "./protocol";

/** What a WebGPU probe found. */
export interface GpuProbe {
  available: boolean;
  /** A software adapter (SwiftShader): correct but far slower than WASM. */
  fallbackAdapter: boolean;
  shaderF16: boolean;
  /** The adapter's buffer limits (ORT asks its device for these), which bound the batch size. */
  limits?: { maxBufferSize: number; maxStorageBufferBindingSize: number };
  /** Why there is no adapter, for the notice. */
  reason?: string;
}

// The few WebGPU members used here (the project does not pull in @webgpu/types for them).
interface GpuAdapterLike {
  features: { has(name: string): boolean };
  limits?: { maxBufferSize?: number; maxStorageBufferBindingSize?: number };
  info?: { isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(): Promise<GpuAdapterLike | null>;
}

/** Probes `navigator.gpu` (page or worker). */
export async function probeWebGpu(): Promise<GpuProbe> {
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) return { available: false, fallbackAdapter: false, shaderF16: false, reason: "navigator.gpu is missing" };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { available: false, fallbackAdapter: false, shaderF16: false, reason: "no WebGPU adapter" };
    const fallback = Boolean(adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter);
    const l = adapter.limits;
    const limits =
      l?.maxBufferSize && l.maxStorageBufferBindingSize
        ? { maxBufferSize: l.maxBufferSize, maxStorageBufferBindingSize: l.maxStorageBufferBindingSize }
        : undefined;
    return { available: true, fallbackAdapter: fallback, shaderF16: adapter.features.has("shader-f16"), limits };
  } catch (e) {
    return { available: false, fallbackAdapter: false, shaderF16: false, reason: (e as Error).message };
  }
}

/** The backend to use and the notice to show, from the choice and the probe (pure; unit-tested). */
export function chooseBackend(choice: BackendChoice, probe: GpuProbe, threads: number): BackendInfo {
  const base = { requested: choice, threads, shaderF16: probe.shaderF16 };
  if (choice === "wasm") return { ...base, backend: "wasm", notice: null };
  if (!probe.available) {
    return {
      ...base,
      backend: "wasm",
      notice: `WebGPU is unavailable (${probe.reason ?? "no adapter"}): running on WASM (CPU), which is slower for big models.`,
    };
  }
  if (probe.fallbackAdapter && choice === "auto") {
    return {
      ...base,
      backend: "wasm",
      notice: "WebGPU only has a software adapter here (slower than WASM): running on WASM (CPU).",
    };
  }
  return {
    ...base,
    backend: "webgpu",
    notice: probe.fallbackAdapter ? "WebGPU runs on a software adapter here: expect it to be slower than WASM." : null,
  };
}

/** WASM threads: several need cross-origin isolation (SharedArrayBuffer); ORT gains little past 4 here. */
export function wasmThreads(): number {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  return isolated ? Math.max(1, Math.min(4, cores)) : 1;
}

let wasmModule: Promise<OrtModule> | null = null;
let webgpuModule: Promise<OrtModule> | null = null;

/** Loads (once) the onnxruntime-web build for `backend` and sets its WASM thread count. */
export function loadOrtWeb(backend: "webgpu" | "wasm", threads: number): Promise<OrtModule> {
  const configure = (m: typeof OrtWeb) => {
    m.env.wasm.numThreads = threads;
    return m as unknown as OrtModule;
  };
  if (backend === "webgpu") return (webgpuModule ??= import("onnxruntime-web/webgpu").then(configure));
  return (wasmModule ??= import("onnxruntime-web/wasm").then(configure));
}

/**
 * Session options naming exactly one execution provider, so a failure is an error rather than a silent switch. On
 * WASM, ORT's CPU memory arena and memory pattern (off by default in onnxruntime-web) are on: measured faster with
 * bench/scoring-browser/realistic.ts `--configs pool` (2 runs, both models), so buffers are reused between passes.
 */
export function sessionOptionsFor(backend: "webgpu" | "wasm"): Record<string, unknown> {
  const base = { executionProviders: [backend], graphOptimizationLevel: "all" };
  return backend === "wasm" ? { ...base, enableCpuMemArena: true, enableMemPattern: true } : base;
}
