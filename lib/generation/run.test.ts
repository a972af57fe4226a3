import { beforeAll, describe, expect, it } from "vitest";
import * as ort from "onnxruntime-node";
import type { InferenceSessionLike, LogprobScorer, TensorCtor } from "@/lib/scoring/engine";
import { createLogprobScorer } from "@/lib/scoring/engine";
import { addTokenLogprobOutput } from "@/lib/scoring/logprob-graph";
import { createRewardScorer } from "@/lib/scoring/reward";
import { tokenizeForReward, tokenizePair, type PromptInput } from "@/lib/scoring/sequence";
import { createScoringTokenizer, type ScoringTokenizer } from "@/lib/scoring/tokenize";
import type { SequenceRules } from "@/lib/scoring/protocol";
import { demoFixture } from "@/test/scoring-fixtures";
import { buildEosBiasedLm } from "@/scripts/demo-models/demo-generation";
import { createKvDecoder } from "./decoder";
import { createGenerator, type Generator } from "./generator";
import { addLastLogitsOutput } from "./last-logits-graph";
import { promptSourceFromList } from "./prompts";
import {
  generateResponses,
  GenerationCancelledError,
  generationPromptIds,
  generationRow,
  retokenizesTo,
  scoreResponses,
  type GenerationSettings,
  type PromptResult,
} from "./run";

const f = demoFixture();
const EOS = f.tokenizer.eosTokenId!;
const Tensor = ort.Tensor as unknown as TensorCtor;
const PROMPTS: PromptInput[] = [
  "What is the capital of France?",
  "How do I make tea?",
  "Hi",
  [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Count to three" },
  ],
  "Tell me about water.",
  "Why is the sky blue?",
  "Say something nice.",
  "What is a fox?",
];
const SETTINGS: GenerationSettings = {
  k: 8,
  temperature: 1,
  topK: 0,
  topP: 1,
  repetitionPenalty: 1,
  maxNewTokens: 64,
  seed: 42,
};
const SEQ = { maxLength: 2048, maxPromptLength: 1800, truncationMode: "keep_end" as const, appendEos: true };
/** The demo template closes a turn with "<|im_end|>\n"; this one with "<|im_end|>" alone, so EOS is the last token. */
const closing = createScoringTokenizer(
  f.tokenizerJson,
  {
    ...f.tokenizerConfig,
    chat_template:
      "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' }}" +
      "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
  },
  f.lmConfig,
);

async function session(bytes: Uint8Array): Promise<InferenceSessionLike> {
  return (await ort.InferenceSession.create(bytes)) as unknown as InferenceSessionLike;
}

let demoGen: Generator;
let eosGen: Generator;
let eosScorer: LogprobScorer;
beforeAll(async () => {
  const stop = { stopTokenIds: [EOS], contextLength: 2048 };
  demoGen = createGenerator(createKvDecoder(await session(addLastLogitsOutput(f.lmOnnx)), Tensor, f.lmConfig), stop);
  // demo-lm almost never ends a sample on its own; the EOS-biased variant does (see demo-generation.ts).
  const eosLm = buildEosBiasedLm(f.lmOnnx, EOS, 5);
  eosGen = createGenerator(createKvDecoder(await session(addLastLogitsOutput(eosLm)), Tensor, f.lmConfig), stop);
  eosScorer = createLogprobScorer(await session(addTokenLogprobOutput(eosLm)), Tensor, f.lmConfig);
});

async function collect(gen: Generator, tok: ScoringTokenizer, settings = SETTINGS, prompts = PROMPTS) {
  const results: PromptResult[] = [];
  const stats = await generateResponses(
    promptSourceFromList(prompts),
    { generator: gen, tokenizer: tok },
    {
      settings,
      onResult: (r) => void results.push(r),
    },
  );
  return { results, stats };
}

describe("prompt construction", () => {
  const bosTok = createScoringTokenizer(
    f.tokenizerJson,
    { ...f.tokenizerConfig, bos_token: "<|endoftext|>" },
    f.lmConfig,
  );
  it.each([
    ["paper", f.tokenizer],
    ["paper", bosTok],
    ["trl-0.12", bosTok],
    ["trl-0.28", bosTok],
  ] as [SequenceRules, ScoringTokenizer][])("%s: the prompt ids are the scorer's", (rules, tok) => {
    for (const prompt of PROMPTS) {
      const ids = generationPromptIds(tok, prompt, { rules });
      expect(ids).toEqual(tokenizePair(tok, prompt, "Paris.", "Rome.", { ...SEQ, rules }).chosen.promptIds);
      expect(tok.decode(ids).endsWith("<|im_start|>assistant\n")).toBe(true);
    }
    const withBos = generationPromptIds(tok, "Hi", { rules });
    expect(withBos[0] === tok.bosTokenId).toBe(rules === "paper" && tok.bosTokenId !== null);
  });
});

describe("log-prob identity", () => {
  it.each([
    ["closing with EOS", closing, 0],
    ["ChatML (EOS then a newline)", f.tokenizer, 2],
  ] as const)(
    "template %s: a response that ended with EOS and re-tokenises scores exactly what it was sampled with",
    async (_, tok, tail) => {
      const { results } = await collect(eosGen, tok);
      let n = 0;
      let eosEnded = 0;
      let exact = 0;
      let notRetokenized = 0;
      let worst = 0;
      for (const r of results) {
        const promptIds = generationPromptIds(tok, r.prompt, {});
        // Token level, every sample: the scorer on prompt ++ sampled ids gives the sampled log-probs.
        const direct = await eosScorer.scoreSequences(r.ids.map((ids) => ({ promptIds, responseIds: ids })));
        direct.forEach((d, j) => (worst = Math.max(worst, Math.abs(d.sumLogp - r.sumLogps[j]))));
        // Text level: what the scorer reads for the response text.
        const sides = r.responses.map((text) => tokenizePair(tok, r.prompt, text, text, SEQ).chosen);
        const scored = await eosScorer.scoreSequences(sides);
        r.responses.forEach((_, j) => {
          n++;
          const ended = r.finish[j] === "stop";
          eosEnded += ended ? 1 : 0;
          const same =
            sides[j].promptIds.join() === promptIds.join() &&
            sides[j].responseIds.slice(0, r.ids[j].length).join() === r.ids[j].join();
          expect(r.retokenizes[j]).toBe(same);
          if (!same) {
            notRetokenized++;
            return;
          }
          const prefix = Array.from(scored[j].tokenLogps.subarray(0, r.ids[j].length)).reduce((a, b) => a + b, 0);
          expect(Math.abs(prefix - r.sumLogps[j])).toBeLessThan(1e-4);
          if (!ended) return;
          // After EOS the scorer reads the template's closing tokens (ChatML: "\n", then TRL's appended EOS).
          expect(scored[j].tokens).toBe(r.ids[j].length + tail);
          if (tail === 0) {
            expect(Math.abs(scored[j].sumLogp - r.sumLogps[j])).toBeLessThan(1e-4);
            exact++;
          }
        });
      }
      console.info(
        `log-prob identity (${_}): ${n} responses, ${eosEnded} ended with EOS, ${notRetokenized} do not ` +
          `re-tokenise to their sampled ids (the scorer reads other tokens for them); ` +
          (tail === 0
            ? `${exact} EOS-ended, re-tokenising ones score exactly their sampled sum`
            : `for the re-tokenising ones the scorer adds ${tail} closing tokens after EOS`) +
          `; token-level max |diff| ${worst.toExponential(2)}`,
      );
      expect(worst).toBeLessThan(1e-4);
      if (tail === 0) expect(exact).toBeGreaterThanOrEqual(10);
    },
  );

  it("random byte-level samples of demo-lm almost never re-tokenise (counted, not hidden)", async () => {
    const { results } = await collect(demoGen, f.tokenizer, { ...SETTINGS, k: 4, maxNewTokens: 32 });
    const flags = results.flatMap((r) => r.retokenizes);
    console.info(`demo-lm: ${flags.filter((x) => !x).length} of ${flags.length} responses do not re-tokenise`);
    expect(flags.length).toBe(32);
    // A canonical text does: its ids are what the scorer reads.
    const text = "The capital of France is Paris.";
    const ids = [...f.tokenizer.encode(text), EOS];
    const promptIds = generationPromptIds(f.tokenizer, "Hi", {});
    expect(retokenizesTo(f.tokenizer, "Hi", text, promptIds, ids, {})).toBe(true);
    expect(retokenizesTo(f.tokenizer, "Hi", text, promptIds, [...ids.slice(0, 3), 116, 104, EOS], {})).toBe(false);
  });
});

describe("generateResponses", () => {
  it("reports every prompt in order with k samples; the same seed gives the same text, another seed other text", async () => {
    const settings = { ...SETTINGS, k: 3, maxNewTokens: 24 };
    const a = await collect(demoGen, f.tokenizer, settings);
    const b = await collect(demoGen, f.tokenizer, settings);
    const c = await collect(demoGen, f.tokenizer, { ...settings, seed: 7 });
    expect(a.results.map((r) => r.index)).toEqual(PROMPTS.map((_, i) => i));
    expect(a.results.every((r) => r.responses.length === 3 && r.tokenCounts.every((n) => n >= 1))).toBe(true);
    expect(b.results.map((r) => r.responses)).toEqual(a.results.map((r) => r.responses));
    expect(c.results.map((r) => r.responses)).not.toEqual(a.results.map((r) => r.responses));
    expect(a.stats).toMatchObject({ done: 8, total: 8, skipped: 0, failed: 0 });
    expect(a.stats.generatedTokens).toBe(a.results.reduce((n, r) => n + r.tokenCounts.reduce((x, y) => x + y, 0), 0));
  });

  it("resumes after a cancel with exactly the text of an uninterrupted run", async () => {
    const settings = { ...SETTINGS, k: 3, maxNewTokens: 24 };
    const full = await collect(demoGen, f.tokenizer, settings);
    const stored = new Map<number, PromptResult>();
    const ac = new AbortController();
    const first = generateResponses(
      promptSourceFromList(PROMPTS),
      { generator: demoGen, tokenizer: f.tokenizer },
      {
        settings,
        signal: ac.signal,
        onResult: (r) => {
          stored.set(r.index, r);
          if (stored.size === 3) ac.abort();
        },
      },
    );
    await expect(first).rejects.toBeInstanceOf(GenerationCancelledError);
    expect(stored.size).toBe(3);
    const stats = await generateResponses(
      promptSourceFromList(PROMPTS),
      { generator: demoGen, tokenizer: f.tokenizer },
      { settings, isDone: (i) => stored.has(i), onResult: (r) => void stored.set(r.index, r) },
    );
    expect(stats).toMatchObject({ done: 8, skipped: 3 });
    expect(PROMPTS.map((_, i) => stored.get(i)!.responses)).toEqual(full.results.map((r) => r.responses));
  });

  it("progress: prompts/s, tokens/s and ETA from the clock; live steps", async () => {
    let t = 0;
    const steps: number[] = [];
    const seen: { done: number; eta: number | null; pps: number }[] = [];
    await generateResponses(
      promptSourceFromList(PROMPTS.slice(0, 4)),
      { generator: demoGen, tokenizer: f.tokenizer },
      {
        settings: { ...SETTINGS, k: 2, maxNewTokens: 5 },
        now: () => (t += 250),
        onStep: (index, ids) => steps.push(index * 100 + ids[0].length),
        onResult: (_, s) => void seen.push({ done: s.done, eta: s.etaSeconds, pps: s.promptsPerSec }),
      },
    );
    expect(steps.filter((s) => s < 100)).toEqual([1, 2, 3, 4, 5]);
    expect(seen.map((s) => s.done)).toEqual([1, 2, 3, 4]);
    expect(seen.at(-1)!.eta).toBe(0);
    expect(seen.every((s) => s.pps > 0)).toBe(true);
  });

  it("a prompt too long for the context gets an error row, the run goes on", async () => {
    const tiny = createGenerator(demoGen.decoder, { stopTokenIds: [EOS], contextLength: 20 });
    const { results, stats } = await collect(tiny, f.tokenizer, { ...SETTINGS, k: 2, maxNewTokens: 4 }, [
      "Hi",
      "A much longer prompt that cannot fit in twenty tokens of context at all.",
    ]);
    expect(results[0].responses.length).toBe(2);
    expect(results[1].responses).toEqual([]);
    expect(results[1].error).toMatch(/context is 20/);
    expect(stats.failed).toBe(1);
  });

  it("rejects bad settings before generating", async () => {
    await expect(collect(demoGen, f.tokenizer, { ...SETTINGS, k: 0 })).rejects.toThrow(/samples per prompt/);
    await expect(collect(demoGen, f.tokenizer, { ...SETTINGS, topP: 1.5 })).rejects.toThrow(/top-p/);
  });
});

describe("rows and rewards", () => {
  it("scores responses with the reward model as the explicit-margin scorer does", async () => {
    const rm = createRewardScorer(await session(f.rmOnnx), Tensor, f.tokenizer.padTokenId!);
    const responses = ["Paris.", "Rome, I think.", ""];
    const got = await scoreResponses({ tokenizer: f.tokenizer, scorer: rm }, "Capital of France?", responses);
    const want = await rm.scoreSequences(
      responses.map((r) => tokenizeForReward(f.tokenizer, "Capital of France?", r).ids),
    );
    expect(got).toEqual(Array.from(want));
  });

  it("builds the multi-response row with the settings", () => {
    const r: PromptResult = {
      index: 0,
      prompt: "Hi",
      promptTokens: 10,
      responses: ["a", "b"],
      ids: [[1], [2, EOS]],
      sumLogps: [-1, -2],
      tokenCounts: [1, 2],
      finish: ["length", "stop"],
      retokenizes: [true, true],
    };
    expect(generationRow(r, SETTINGS, { rmScores: [0.5, 0.1] })).toEqual({
      prompt: "Hi",
      all_generated_responses: ["a", "b"],
      all_rm_scores: [0.5, 0.1],
      all_generated_logps: [-1, -2],
      all_generated_tokens: [1, 2],
      all_finish_reasons: ["length", "stop"],
      generation_settings: {
        k: 8,
        temperature: 1,
        top_p: 1,
        top_k: 0,
        repetition_penalty: 1,
        max_new_tokens: 64,
        seed: 42,
        prompt_format: "chat",
        sequence_rules: "paper",
      },
    });
  });
});
