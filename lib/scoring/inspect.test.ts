import { beforeAll, describe, expect, it } from "vitest";
import * as ortWeb from "onnxruntime-web";
import type { Pair } from "@/lib/dataset/types";
import { inspectPair, tokenTexts } from "./inspect";
import { loadModel, type LoadedLanguageModel, type OrtModule } from "./model-loader";
import { createFileMapReader, readModelFolder } from "./model-source";
import { DEFAULT_SEQUENCE_OPTIONS, tokenizePair } from "./sequence";
import { buildDemoModels } from "@/scripts/demo-models/demo-models";
import { demoFixture } from "@/test/scoring-fixtures";

const tok = demoFixture().tokenizer;
let policy: LoadedLanguageModel;
beforeAll(async () => {
  ortWeb.env.wasm.numThreads = 1;
  const files = Object.entries(buildDemoModels()["demo-lm"]).map(([path, v]) => ({
    path,
    data: typeof v === "string" ? new TextEncoder().encode(v) : v,
  }));
  const folder = await readModelFolder(createFileMapReader(files), ["onnx/model.onnx"]);
  policy = (await loadModel(folder, ortWeb as unknown as OrtModule, "lm")) as LoadedLanguageModel;
});

const PAIR: Pair = {
  prompt: [{ role: "user", content: "Where is Tokyo?" }],
  chosen: [{ role: "assistant", content: "東京 is in Japan 🙂 — naïve café." }],
  rejected: [{ role: "assistant", content: "Mars." }],
};

describe("tokenTexts", () => {
  it.each(["The capital of France is Paris.", "東京 🙂 naïve café", "<|im_start|>user\nhi<|im_end|>\n"])(
    "pieces join back to %j with no replacement characters",
    (text) => {
      const pieces = tokenTexts(tok, tok.encode(text));
      expect(pieces.join("")).toBe(text);
      expect(pieces.join("")).not.toContain("\uFFFD");
    },
  );
});

describe("inspectPair", () => {
  it("returns each scored token with its text; the sums equal a run's numbers", async () => {
    const got = await inspectPair(PAIR, policy, DEFAULT_SEQUENCE_OPTIONS);
    const tp = tokenizePair(policy.tokenizer, PAIR.prompt, "東京 is in Japan 🙂 — naïve café.", "Mars.");
    const [want] = await policy.scorer.scorePairs([tp]);
    for (const side of ["chosen", "rejected"] as const) {
      const s = got[side];
      expect(s.tokens.map((t) => t.id)).toEqual(tp[side].responseIds);
      expect(s.sumLogp).toBeCloseTo(want[side].sumLogp, 9);
      expect(s.tokens.reduce((a, t) => a + t.logp, 0)).toBeCloseTo(s.sumLogp, 4);
      expect(s.meanLogp).toBeCloseTo(s.sumLogp / s.tokens.length, 9);
      expect(s.promptTokens).toBe(tp[side].promptIds.length);
      expect(s.promptIds).toEqual(tp[side].promptIds);
      expect(s.responseIds).toEqual(tp[side].responseIds);
      // The paper's rules append EOS; the demo tokenizer names no bos_token, so no BOS is prepended.
      expect(s.responseIds.at(-1)).toBe(got.eosTokenId);
      s.tokens.forEach((t) => expect(t.logp).toBeLessThan(0));
    }
    // The response as the template renders it, plus the EOS TRL appends.
    expect(got.chosen.tokens.map((t) => t.text).join("")).toBe(
      "東京 is in Japan 🙂 — naïve café.<|im_end|>\n<|im_end|>",
    );
    expect(got.rejected.tokens.map((t) => t.text).join("")).toBe("Mars.<|im_end|>\n<|im_end|>");
    expect(got).toMatchObject({ promptTruncated: false, responseTruncated: false, bosTokenId: null });
    expect(got.eosTokenId).toBe(tok.eosTokenId);
  });

  it("applies the run's truncation and prompt format", async () => {
    const short = { ...DEFAULT_SEQUENCE_OPTIONS, maxLength: 12, maxPromptLength: 4 };
    const truncated = await inspectPair(PAIR, policy, short);
    expect(truncated.promptTruncated).toBe(true);
    expect(truncated.chosen.promptTokens).toBe(4);
    const plain = await inspectPair(PAIR, policy, { ...DEFAULT_SEQUENCE_OPTIONS, promptFormat: "plain" });
    expect(plain.rejected.tokens.map((t) => t.text).join("")).toBe("Mars.<|im_end|>");
  });
});
