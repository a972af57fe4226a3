/**
 * The scoring worker's `generate`: the loaded policy writes k responses per prompt, the loaded reward model scores
 * them, each finished prompt is stored and a second run with the same key reads them back instead of generating.
 */
import { describe, expect, it } from "vitest";
import * as ortWeb from "onnxruntime-web";
import type { HandlerContext } from "@/lib/worker/rpc";
import { buildDemoModels, type DemoFolderName } from "@/scripts/demo-models/demo-models";
import type { OrtModule } from "@/lib/scoring/model-loader";
import type { GeneratedPrompt, GenerateProgress, GenerateSettings } from "@/lib/scoring/protocol";
import { createMemoryResultStore } from "@/lib/scoring/result-store";
import { createScoringHandlers } from "@/lib/scoring/worker-handlers";
import { createMemoryGenerationStore, isGeneratedPrompt } from "./result-store";

const demo = buildDemoModels();
const enc = (v: Uint8Array | string) => (typeof v === "string" ? new TextEncoder().encode(v) : v);
const files = (name: DemoFolderName) =>
  Object.entries(demo[name]).map(([p, v]) => ({ path: `${name}/${p}`, data: enc(v as Uint8Array | string) }));
const PROMPTS = ["Name a colour.", "Say hello.", "Count to three."];
const promptsFile = new Blob([PROMPTS.map((prompt) => JSON.stringify({ prompt })).join("\n")]);
const SETTINGS: GenerateSettings = {
  k: 3,
  temperature: 0.8,
  topP: 1,
  topK: 0,
  repetitionPenalty: 1,
  maxNewTokens: 6,
  seed: 7,
};

function handlers(generationStore = createMemoryGenerationStore()) {
  ortWeb.env.wasm.numThreads = 1;
  const h = createScoringHandlers({
    store: createMemoryResultStore(),
    generationStore,
    loadOrt: async () => ortWeb as unknown as OrtModule,
    probeGpu: async () => ({ available: false, fallbackAdapter: false, shaderF16: false }),
    threads: () => 1,
  });
  return { h, generationStore };
}

function ctx(progress: GenerateProgress[] = []): HandlerContext {
  return { progress: (_s, _f, d) => d && progress.push(d as GenerateProgress), transfer: [] };
}

const results = (progress: GenerateProgress[]) =>
  progress.flatMap((p) => (p.kind === "results" ? p.results : [])).sort((a, b) => a.index - b.index);

async function loaded(store = createMemoryGenerationStore()) {
  const { h, generationStore } = handlers(store);
  await h.loadModel({ role: "policy", source: { kind: "files", files: files("demo-lm") }, backend: "wasm" }, ctx());
  await h.loadModel({ role: "reward", source: { kind: "files", files: files("demo-rm") }, backend: "wasm" }, ctx());
  return { h, generationStore };
}

describe("scoring worker: generate", () => {
  it("writes k responses per prompt with reward scores, stores each prompt, and resumes from the store", async () => {
    const { h, generationStore } = await loaded();
    const progress: GenerateProgress[] = [];
    const prompts = { kind: "file" as const, file: promptsFile, name: "prompts.jsonl" };
    const first = await h.generate({ prompts, settings: SETTINGS }, ctx(progress));
    expect(first.stats).toMatchObject({ done: 3, total: 3, stored: 0, failed: 0 });
    const got = results(progress);
    expect(got.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(got.map((r) => r.prompt)).toEqual(PROMPTS);
    for (const r of got) {
      expect(r.responses).toHaveLength(3);
      expect(r.rmScores).toHaveLength(3);
      expect(r.rmScores!.every(Number.isFinite)).toBe(true);
      expect(r.sumLogps.every((x) => Number.isFinite(x) && x < 0)).toBe(true);
      expect(r.tokenCounts.every((n) => n >= 1 && n <= 6)).toBe(true);
      expect(isGeneratedPrompt(r)).toBe(true);
    }
    // The sum of generated tokens is what the stats counted.
    expect(first.stats.generatedTokens).toBe(got.reduce((n, r) => n + r.tokenCounts.reduce((a, b) => a + b, 0), 0));
    expect(JSON.parse(first.runKey)).toEqual([
      "gen1",
      expect.stringMatching(/^file:[0-9a-f]{64}:prompt$/),
      first.policyHash,
      first.rewardHash,
      2048,
      [3, 0.8, 1, 0, 1, 6, 7, "chat", "paper"],
    ]);
    expect((await generationStore.load(first.runKey)).prompts.size).toBe(3);

    // Same prompts and settings: everything comes back from the store, nothing is generated.
    const again: GenerateProgress[] = [];
    const second = await h.generate({ prompts, settings: SETTINGS }, ctx(again));
    expect(second.stats).toMatchObject({ done: 3, total: 3, stored: 3, generatedTokens: 0 });
    expect(again.every((p) => p.kind === "results" && p.stored)).toBe(true);
    expect(results(again)).toEqual(got);

    // Another seed is another run.
    const other = await h.generate({ prompts, settings: { ...SETTINGS, seed: 8 } }, ctx());
    expect(other.runKey).not.toBe(first.runKey);
    expect(other.stats.stored).toBe(0);
  });

  it("a run cut short and resumed gives the text of an uninterrupted run", async () => {
    const prompts = { kind: "file" as const, file: promptsFile, name: "prompts.jsonl" };
    const whole = await loaded();
    const full: GenerateProgress[] = [];
    await whole.h.generate({ prompts, settings: SETTINGS }, ctx(full));

    const { h } = await loaded();
    const partial: GenerateProgress[] = [];
    const cut = h.generate(
      { prompts, settings: SETTINGS },
      {
        progress: (_s, _f, d) => {
          const p = d as GenerateProgress;
          if (p) partial.push(p);
          // Cancel as soon as the first prompt is stored.
          if (p?.kind === "results" && !p.stored) void h.cancel({}, ctx());
        },
        transfer: [],
      },
    );
    await expect(cut).rejects.toMatchObject({ code: "cancelled" });
    const before = results(partial);
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(before.length).toBeLessThan(3);

    const resumed: GenerateProgress[] = [];
    const r = await h.generate({ prompts, settings: SETTINGS }, ctx(resumed));
    expect(r.stats.stored).toBe(before.length);
    const merged: GeneratedPrompt[] = results(resumed);
    expect(merged.map((x) => x.responses)).toEqual(results(full).map((x) => x.responses));
    expect(merged.map((x) => x.rmScores)).toEqual(results(full).map((x) => x.rmScores));
  });

  it("skips stored entries of the wrong shape, counting them, and generates those prompts again", async () => {
    const store = createMemoryGenerationStore();
    const { h } = await loaded(store);
    const prompts = { kind: "file" as const, file: promptsFile, name: "prompts.jsonl" };
    const first = await h.generate({ prompts, settings: SETTINGS }, ctx());
    store.runs.get(first.runKey)!.set(1, { index: 1, responses: "half-written" });
    const progress: GenerateProgress[] = [];
    const second = await h.generate({ prompts, settings: SETTINGS }, ctx(progress));
    expect(second.unreadableStored).toBe(1);
    expect(second.stats.stored).toBe(2);
    expect(results(progress).map((r) => r.index)).toEqual([0, 1, 2]);
  });

  it("names what is missing: no policy, a bad prompt, bad settings", async () => {
    const { h } = handlers();
    const prompts = { kind: "file" as const, file: promptsFile, name: "prompts.jsonl" };
    await expect(h.generate({ prompts, settings: SETTINGS }, ctx())).rejects.toMatchObject({
      code: "no-model",
      message: "load a policy model (or the demo model) first: it writes the responses",
    });
    const ready = (await loaded()).h;
    const bad = new Blob(['{"prompt": "ok"}\n{"prompt": 5}\n']);
    await expect(
      ready.generate({ prompts: { kind: "file", file: bad, name: "bad.jsonl" }, settings: SETTINGS }, ctx()),
    ).rejects.toMatchObject({ code: "bad-input", message: expect.stringMatching(/^bad\.jsonl, line 2.*"prompt"/) });
    await expect(ready.generate({ prompts, settings: { ...SETTINGS, k: 0 } }, ctx())).rejects.toMatchObject({
      code: "bad-input",
      message: "samples per prompt must be an integer >= 1, got 0",
    });
  });
});
