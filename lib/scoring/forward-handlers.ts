/**
 * A forward worker's handlers: one session per language-model slot, opened with the app's own loader (the same
 * log-prob rewrite and session options as the coordinator's, so the same numbers), scoring the batches it is sent.
 * Kept out of the worker file so Node tests drive them with onnxruntime-web's Node build.
 */
import { HandlerError, type Handlers } from "@/lib/worker/rpc";
import type { PairScore, ResponseScore } from "./engine";
import type { ForwardApi, ForwardRole } from "./forward-protocol";
import { loadModel, type LoadedLanguageModel, type OrtModule } from "./model-loader";

/** What the handlers need: the ORT build (WASM) with `threads` threads. */
export interface ForwardEnvironment {
  loadOrt(backend: "wasm", threads: number): Promise<OrtModule>;
}

/** The buffers of scores, to transfer rather than copy. */
function scoreBuffers(scores: (PairScore | ResponseScore)[]): ArrayBuffer[] {
  return scores.flatMap((s) =>
    "chosen" in s ? [s.chosen.tokenLogps.buffer, s.rejected.tokenLogps.buffer] : [s.tokenLogps.buffer],
  ) as ArrayBuffer[];
}

/** Creates the handler set; the sessions live in the closure. */
export function createForwardHandlers(env: ForwardEnvironment): Handlers<ForwardApi> {
  const models = new Map<ForwardRole, LoadedLanguageModel>();
  let threads: number | null = null;
  const model = (role: ForwardRole) => {
    const m = models.get(role);
    if (!m) throw new HandlerError(`no ${role} model is loaded in this forward worker`, "no-model");
    return m;
  };
  return {
    async load({ role, folder, threads: wanted, sessionOptions }) {
      const started = performance.now();
      // ORT fixes its thread count when its WASM module starts: the first load decides it for the worker's life.
      threads ??= wanted;
      const ort = await env.loadOrt("wasm", threads);
      const loaded = await loadModel(folder, ort, "lm", sessionOptions);
      if (loaded.kind !== "lm") throw new HandlerError(`${folder.location} is not a language model`, "bad-model");
      await models.get(role)?.release();
      models.set(role, loaded);
      return { hash: loaded.hash, threads, loadMs: Math.round(performance.now() - started) };
    },
    async scorePairs({ role, pairs, options }, ctx) {
      const scores = await model(role).scorer.scorePairs(pairs, options);
      ctx.transfer.push(...scoreBuffers(scores));
      return scores;
    },
    async scoreSequences({ role, sequences, options }, ctx) {
      const scores = await model(role).scorer.scoreSequences(sequences, options);
      ctx.transfer.push(...scoreBuffers(scores));
      return scores;
    },
    async release() {
      for (const m of models.values()) await m.release();
      models.clear();
      return null;
    },
  };
}
