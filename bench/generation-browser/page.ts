/**
 * Browser side of the generation benchmark (bundled by run.ts with esbuild, once per onnxruntime-web build:
 * page-wasm.ts and page-webgpu.ts): loads the demo LM from the server, builds the tokenizer and the generator with
 * the app's code (see measure.ts) and times `generateResponses`. One page per thread count: ORT fixes
 * `env.wasm.numThreads` when its WASM module starts. On WebGPU the KV cache comes back to JS every step (the
 * generator moves cache rows in JS, as in the app).
 */
import type * as OrtWeb from "onnxruntime-web";
import { addLastLogitsOutput } from "@/lib/generation/last-logits-graph";
import type { InferenceSessionLike, TensorCtor } from "@/lib/scoring/engine";
import { createScoringTokenizer } from "@/lib/scoring/tokenize";
import { benchModel, measureGeneration, type Measurement, type MeasureOptions } from "./measure";

/** One page's settings. */
export interface PageConfig extends MeasureOptions {
  backend: "wasm" | "webgpu";
  threads: number;
  /** URLs relative to the page: the model folder (with a trailing slash) and ORT's dist folder. */
  modelPrefix: string;
  wasmPrefix: string;
}

/** What a page reports back. */
export interface PageResult extends Measurement {
  crossOriginIsolated: boolean;
  sessionMs: number;
}

/** The API the page registers on `window`. */
export interface GenerationBench {
  run(c: PageConfig): Promise<PageResult>;
}

async function run(ort: typeof OrtWeb, c: PageConfig): Promise<PageResult> {
  ort.env.wasm.numThreads = c.threads;
  ort.env.wasm.wasmPaths = new URL(c.wasmPrefix, location.href).href;
  const get = async (file: string) => {
    const res = await fetch(new URL(file, new URL(c.modelPrefix, location.href)));
    if (!res.ok) throw new Error(`${c.modelPrefix}${file}: HTTP ${res.status}`);
    return res;
  };
  const json = async (file: string) => (await (await get(file)).json()) as Record<string, unknown>;
  const [modelBytes, config, tokenizerJson, tokenizerConfig] = await Promise.all([
    get("onnx/model.onnx").then((r) => r.arrayBuffer()),
    json("config.json"),
    json("tokenizer.json"),
    json("tokenizer_config.json"),
  ]);
  const tokenizer = createScoringTokenizer(tokenizerJson, tokenizerConfig, config);
  const t0 = performance.now();
  const model = addLastLogitsOutput(new Uint8Array(modelBytes));
  const session = await ort.InferenceSession.create(model, {
    executionProviders: [c.backend],
    graphOptimizationLevel: "all",
  });
  const sessionMs = performance.now() - t0;
  try {
    const m = await measureGeneration(
      benchModel(
        session as unknown as InferenceSessionLike,
        ort.Tensor as unknown as TensorCtor,
        config,
        model,
        tokenizer,
      ),
      c,
    );
    return { ...m, crossOriginIsolated: globalThis.crossOriginIsolated === true, sessionMs };
  } finally {
    await session.release();
  }
}

/** Registers `window.generationBench` for `ort` (only in the page: ORT's pthread workers load another script). */
export function registerBench(ort: typeof OrtWeb): void {
  if (typeof window === "undefined") return;
  (window as unknown as { generationBench: GenerationBench }).generationBench = { run: (c) => run(ort, c) };
}
