/**
 * Backend calibration: when both WebGPU and WASM can run a model, time the same small batch on each and keep the
 * faster. WebGPU is not always faster: a software adapter (SwiftShader) is ~30× slower than WASM, and for tiny
 * models the dispatch overhead outweighs the GPU's throughput.
 */
import type { LoadedModel } from "./model-loader";
import type { CalibrationResult } from "./protocol";

/** Rows and tokens per row of the calibration batch. */
export const CALIBRATION_SHAPE = { rows: 2, tokens: 64 } as const;

/** Models above this size are not loaded twice to calibrate (two sessions would double the memory). */
export const CALIBRATION_MAX_BYTES = 1024 ** 3;

/** Deterministic token ids below `vocab` (the timing does not depend on which tokens they are). */
function calibrationIds(vocab: number, n: number, offset: number): number[] {
  const span = Math.max(1, Math.min(vocab, 1000));
  return Array.from({ length: n }, (_, i) => (i * 31 + 7 + offset) % span);
}

/** One calibration batch on `model`: a prompt + response pair per row for a LM, whole rows for a reward model. */
export function calibrationBatch(model: LoadedModel): () => Promise<unknown> {
  const vocab = typeof model.folder.config.vocab_size === "number" ? model.folder.config.vocab_size : 256;
  const { rows, tokens } = CALIBRATION_SHAPE;
  const seqs = Array.from({ length: rows }, (_, r) => calibrationIds(vocab, tokens, r));
  if (model.kind === "rm") return () => model.scorer.scoreSequences(seqs);
  const half = tokens / 2;
  const lm = seqs.map((ids) => ({ promptIds: ids.slice(0, half), responseIds: ids.slice(half) }));
  return () => model.scorer.scoreSequences(lm);
}

/**
 * Times `webgpu` and `wasm` (one warm-up run each: WebGPU compiles its shaders on the first run, then the best of
 * `repeats` runs) and returns the faster; ties go to WASM (no GPU memory held, no driver in the way).
 */
export async function calibrate(
  runs: { webgpu: () => Promise<unknown>; wasm: () => Promise<unknown> },
  options: { repeats?: number; now?: () => number } = {},
): Promise<CalibrationResult> {
  const { repeats = 2, now = () => performance.now() } = options;
  const time = async (run: () => Promise<unknown>) => {
    await run();
    let best = Infinity;
    for (let i = 0; i < repeats; i++) {
      const t0 = now();
      await run();
      best = Math.min(best, now() - t0);
    }
    return best;
  };
  const wasmMs = await time(runs.wasm);
  const webgpuMs = await time(runs.webgpu);
  return { backend: webgpuMs < wasmMs ? "webgpu" : "wasm", webgpuMs, wasmMs };
}

/** The notice shown after a calibration. */
export function calibrationNotice(r: CalibrationResult): string {
  const ms = (v: number) => `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`;
  const { rows, tokens } = CALIBRATION_SHAPE;
  const kept = r.backend === "webgpu" ? "WebGPU" : "WASM (CPU)";
  return `Calibration (${rows} rows × ${tokens} tokens): WebGPU ${ms(r.webgpuMs)}, WASM ${ms(r.wasmMs)}: using ${kept}.`;
}
