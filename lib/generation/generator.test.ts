import { beforeAll, describe, expect, it } from "vitest";
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { readModelInfo } from "@/lib/onnx/onnx-model";
import { createRng, type Rng } from "@/lib/metrics/random";
import type { InferenceSessionLike, TensorCtor, TensorLike } from "@/lib/scoring/engine";
import { demoFixture, demoGqaLmOnnx } from "@/test/scoring-fixtures";
import { loadReferenceModel, referenceHidden, type ReferenceModel } from "@/test/reference-forward";
import { createKvDecoder, GenerationError } from "./decoder";
import { createGenerator, type DecodeSettings } from "./generator";
import { addLastLogitsOutput, LAST_LOGITS } from "./last-logits-graph";
import { generationPromptIds } from "./run";
import { sampleSeed } from "./sampling";

const f = demoFixture();
const EOS = f.tokenizer.eosTokenId!;
const model = addLastLogitsOutput(f.lmOnnx);
const ref: ReferenceModel = loadReferenceModel(f.lmOnnx, 4);
const PROMPTS = [
  generationPromptIds(f.tokenizer, "What is the capital of France?", {}),
  generationPromptIds(
    f.tokenizer,
    [
      { role: "system", content: "Be brief." },
      { role: "user", content: "How do I make tea?" },
    ],
    {},
  ),
];
const GREEDY: DecodeSettings = { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, maxNewTokens: 24 };
const SAMPLE: DecodeSettings = { temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1, maxNewTokens: 20 };

/** Next-token logits of the float64 reference forward (no cache, whole sequence). */
function referenceNextLogits(ids: readonly number[]): Float64Array {
  const h = referenceHidden(ref, ids).at(-1)!;
  const wte = ref.weights.get("wte")!.data;
  const bias = ref.weights.get("lm_bias")!.data;
  const { vocabSize: V, nEmbd: E } = ref.cfg;
  return Float64Array.from({ length: V }, (_, v) => {
    let s = bias[v];
    for (let e = 0; e < E; e++) s += h[e] * wte[v * E + e];
    return s;
  });
}

const rngsFor = (seed: number, prompt: number, k: number): Rng[] =>
  Array.from({ length: k }, (_, j) => createRng(sampleSeed(seed, prompt, j)));

/** Wraps a session and records the batch size (rows of input_ids) of every run. */
function recording(session: InferenceSessionLike): InferenceSessionLike & { batches: number[] } {
  const batches: number[] = [];
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputMetadata: session.inputMetadata,
    batches,
    run(feeds: Record<string, TensorLike>, fetches: readonly string[]) {
      batches.push(feeds.input_ids.dims[0]);
      return session.run(feeds, fetches);
    },
  };
}

let node: InferenceSessionLike;
let web: InferenceSessionLike;
const NodeTensor = ortNode.Tensor as unknown as TensorCtor;
beforeAll(async () => {
  node = (await ortNode.InferenceSession.create(model)) as unknown as InferenceSessionLike;
  ortWeb.env.wasm.numThreads = 1;
  web = (await ortWeb.InferenceSession.create(model)) as unknown as InferenceSessionLike;
});

function nodeGenerator(stop: number[] = [EOS], contextLength: number | null = 2048, session = node) {
  return createGenerator(createKvDecoder(session, NodeTensor, f.lmConfig), { stopTokenIds: stop, contextLength });
}

describe("addLastLogitsOutput", () => {
  it("returns logits[:, -1, :] as float32 [B,V], keeps every output, and is idempotent", async () => {
    const before = readModelInfo(f.lmOnnx);
    const after = readModelInfo(model);
    expect(after.outputs.map((o) => o.name)).toEqual([...before.outputs.map((o) => o.name), LAST_LOGITS]);
    expect(after.outputs.at(-1)?.dims).toEqual(["batch_size", ref.cfg.vocabSize]);
    expect(addLastLogitsOutput(model)).toBe(model);
    const ids = [...PROMPTS[0].slice(0, 6), ...PROMPTS[1].slice(0, 6)];
    const i64 = (v: number[], dims: number[]) => new ortNode.Tensor("int64", BigInt64Array.from(v, BigInt), dims);
    const feeds: Record<string, ortNode.Tensor> = {
      input_ids: i64(ids, [2, 6]),
      attention_mask: i64(new Array(12).fill(1), [2, 6]),
      position_ids: i64([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5], [2, 6]),
    };
    for (let l = 0; l < 2; l++)
      for (const kind of ["key", "value"])
        feeds[`past_key_values.${l}.${kind}`] = new ortNode.Tensor("float32", new Float32Array(0), [2, 4, 0, 16]);
    const out = await (node as unknown as ortNode.InferenceSession).run(feeds, ["logits", LAST_LOGITS]);
    const V = ref.cfg.vocabSize;
    const full = out.logits.data as Float32Array;
    const last = out[LAST_LOGITS].data as Float32Array;
    expect(out[LAST_LOGITS].dims).toEqual([2, V]);
    for (let b = 0; b < 2; b++) {
      expect([...last.subarray(b * V, (b + 1) * V)]).toEqual([...full.subarray((b * 6 + 5) * V, (b * 6 + 6) * V)]);
    }
  });
});

describe("KV decoder", () => {
  it("cached decoding equals full recomputation (and the float64 reference) within 1e-4, rows dropped midway", async () => {
    const dec = createKvDecoder(node, NodeTensor, f.lmConfig);
    const prompt = PROMPTS[0];
    const conts = [
      [100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111],
      [32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43],
      [250, 7, 250, 7, 250, 7, 250, 7, 250, 7, 250, 7],
    ];
    let first = await dec.prefill(prompt);
    let rows = [0, 1, 2];
    let state = dec.selectRows(first.state, [0, 0, 0]);
    let worstFull = 0;
    let worstRef = 0;
    const V = first.vocabSize;
    for (let t = 0; t < conts[0].length; t++) {
      if (t === 6) {
        // Row 1 leaves the batch: the others must go on exactly as before.
        state = dec.selectRows(state, [0, 2]);
        rows = [0, 2];
      }
      const step = await dec.step(
        state,
        rows.map((r) => conts[r][t]),
      );
      state = step.state;
      for (const [j, r] of rows.entries()) {
        const seq = [...prompt, ...conts[r].slice(0, t + 1)];
        const cached = step.logits.subarray(j * V, (j + 1) * V);
        const full = await dec.prefill(seq);
        dec.release(full.state);
        const reference = t % 4 === 0 ? referenceNextLogits(seq) : null;
        for (let v = 0; v < V; v++) {
          worstFull = Math.max(worstFull, Math.abs(cached[v] - full.logits[v]));
          if (reference) worstRef = Math.max(worstRef, Math.abs(cached[v] - reference[v]));
        }
      }
    }
    dec.release(state);
    first = null!;
    console.info(
      `KV-cached vs full recomputation: max |logit diff| ${worstFull.toExponential(2)}; vs float64 reference ${worstRef.toExponential(2)}`,
    );
    expect(worstFull).toBeLessThan(1e-4);
    expect(worstRef).toBeLessThan(1e-4);
  });

  it("names a GPU-resident cache instead of reading it", () => {
    const dec = createKvDecoder(node, NodeTensor, f.lmConfig);
    const gpu = {
      type: "float32",
      dims: [1, 4, 3, 16],
      location: "gpu-buffer",
      get data(): never {
        throw new Error("The data is not on CPU");
      },
    };
    const past = Object.fromEntries(dec.layout.past.map((p) => [p.input, gpu]));
    expect(() => dec.selectRows({ past, length: 3, rows: 1 }, [0, 0])).toThrow(
      /not in CPU memory \(location gpu-buffer\)/,
    );
  });

  it("refuses sessions without last_logits or without a cache", () => {
    const bare = { inputNames: ["input_ids"], outputNames: ["logits"], run: node.run.bind(node) };
    expect(() => createKvDecoder(bare, NodeTensor)).toThrow(GenerationError);
    const noCache = { ...bare, outputNames: ["logits", LAST_LOGITS] };
    expect(() => createKvDecoder(noCache, NodeTensor)).toThrow(/past_key_values/);
  });
});

describe("generator", () => {
  it("greedy decoding equals the reference forward's argmax path token for token", async () => {
    const gen = nodeGenerator([EOS]);
    for (const prompt of PROMPTS) {
      const [sample] = await gen.sample(prompt, rngsFor(1, 0, 1), GREEDY);
      const expected: number[] = [];
      let minGap = Infinity;
      while (expected.length < GREEDY.maxNewTokens) {
        const logits = referenceNextLogits([...prompt, ...expected]);
        const order = [...logits.keys()].sort((a, b) => logits[b] - logits[a] || a - b);
        minGap = Math.min(minGap, logits[order[0]] - logits[order[1]]);
        expected.push(order[0]);
        if (order[0] === EOS) break;
      }
      expect(sample.ids).toEqual(expected);
      console.info(
        `greedy = reference argmax path: ${expected.length} tokens, smallest top-2 logit gap ${minGap.toFixed(4)}`,
      );
      // The path is decided by margins far above float32 noise, so the comparison is meaningful.
      expect(minGap).toBeGreaterThan(1e-4);
      expect(sample.finish).toBe(expected.at(-1) === EOS ? "stop" : "length");
    }
  });

  it("greedy k samples are k copies of one decode", async () => {
    const s = recording(node);
    const out = await nodeGenerator([EOS], 2048, s).sample(PROMPTS[0], rngsFor(1, 0, 3), {
      ...GREEDY,
      maxNewTokens: 5,
    });
    expect(out.map((o) => o.ids)).toEqual([out[0].ids, out[0].ids, out[0].ids]);
    expect(Math.max(...s.batches)).toBe(1);
  });

  it("onnxruntime-web (WASM), the GroupQueryAttention build and onnxruntime-node decode the same tokens", async () => {
    const gqa = (await ortNode.InferenceSession.create(
      addLastLogitsOutput(demoGqaLmOnnx()),
    )) as unknown as InferenceSessionLike;
    const webGen = createGenerator(createKvDecoder(web, ortWeb.Tensor as unknown as TensorCtor, f.lmConfig), {
      stopTokenIds: [EOS],
    });
    for (const settings of [GREEDY, SAMPLE]) {
      const a = await nodeGenerator().sample(PROMPTS[1], rngsFor(5, 1, 4), settings);
      const b = await webGen.sample(PROMPTS[1], rngsFor(5, 1, 4), settings);
      const c = await nodeGenerator([EOS], 2048, gqa).sample(PROMPTS[1], rngsFor(5, 1, 4), settings);
      expect(b.map((s) => s.ids)).toEqual(a.map((s) => s.ids));
      expect(c.map((s) => s.ids)).toEqual(a.map((s) => s.ids));
      a.forEach((s, i) => expect(Math.abs(s.sumLogp - b[i].sumLogp)).toBeLessThan(1e-3));
    }
  });

  it("a fixed seed gives fixed tokens; another seed other tokens; a sample does not depend on its batch", async () => {
    const gen = nodeGenerator();
    const a = await gen.sample(PROMPTS[0], rngsFor(42, 0, 4), SAMPLE);
    const b = await gen.sample(PROMPTS[0], rngsFor(42, 0, 4), SAMPLE);
    const c = await gen.sample(PROMPTS[0], rngsFor(43, 0, 4), SAMPLE);
    expect(b.map((s) => s.ids)).toEqual(a.map((s) => s.ids));
    expect(c.map((s) => s.ids)).not.toEqual(a.map((s) => s.ids));
    expect(new Set(a.map((s) => s.ids.join())).size).toBe(4);
    // Sample 2 alone (its own stream) is the same as sample 2 within the batch of four.
    const alone = await gen.sample(PROMPTS[0], [createRng(sampleSeed(42, 0, 2))], SAMPLE);
    expect(alone[0].ids).toEqual(a[2].ids);
    expect(alone[0].sumLogp).toBeCloseTo(a[2].sumLogp, 4);
  });

  it("stops on a stop token (kept as the last id), finished rows leave the batch, the others go on unchanged", async () => {
    const free = await nodeGenerator([]).sample(PROMPTS[0], rngsFor(9, 0, 6), SAMPLE);
    expect(free.every((s) => s.finish === "length" && s.ids.length === SAMPLE.maxNewTokens)).toBe(true);
    // Pick as stop token sample 0's 4th id: it ends sample 0 early, and whichever others contain it.
    const stop = free[0].ids[3];
    const s = recording(node);
    const stopped = await nodeGenerator([stop], 2048, s).sample(PROMPTS[0], rngsFor(9, 0, 6), SAMPLE);
    stopped.forEach((sample, j) => {
      const at = free[j].ids.indexOf(stop);
      const expected = at < 0 ? free[j].ids : free[j].ids.slice(0, at + 1);
      expect(sample.ids).toEqual(expected);
      expect(sample.finish).toBe(at < 0 ? "length" : "stop");
      expect(Array.from(sample.tokenLogps)).toEqual(Array.from(free[j].tokenLogps.subarray(0, expected.length)));
    });
    // Prefill (1 row), then steps whose batch shrinks each time samples finish, never grows.
    expect(s.batches[0]).toBe(1);
    const steps = s.batches.slice(1);
    expect(steps[0]).toBe(6);
    steps.forEach((n, i) => i > 0 && expect(n).toBeLessThanOrEqual(steps[i - 1]));
    const finishedBefore = (t: number) => stopped.filter((x) => x.ids.length <= t).length;
    steps.forEach((n, t) => expect(n).toBe(6 - finishedBefore(t + 1)));
    expect(steps.length).toBe(Math.max(...stopped.map((x) => x.ids.length)) - 1);
  });

  it("caps prompt + response at the model's context and refuses prompts that fill it", async () => {
    const P = PROMPTS[0].length;
    const [capped] = await nodeGenerator([], P + 5).sample(PROMPTS[0], rngsFor(1, 0, 1), SAMPLE);
    expect(capped.ids.length).toBe(5);
    expect(capped.finish).toBe("context");
    await expect(nodeGenerator([], P).sample(PROMPTS[0], rngsFor(1, 0, 1), SAMPLE)).rejects.toMatchObject({
      code: "PROMPT_TOO_LONG",
    });
    await expect(nodeGenerator().sample([], rngsFor(1, 0, 1), SAMPLE)).rejects.toMatchObject({ code: "EMPTY_PROMPT" });
  });

  it("aborts between steps", async () => {
    const ac = new AbortController();
    let steps = 0;
    const run = nodeGenerator([]).sample(PROMPTS[0], rngsFor(1, 0, 2), SAMPLE, {
      signal: ac.signal,
      onStep: () => ++steps === 3 && ac.abort(),
    });
    await expect(run).rejects.toMatchObject({ code: "ABORTED" });
    expect(steps).toBe(3);
  });
});
