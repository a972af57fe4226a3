import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import * as ortNode from "onnxruntime-node";
import type { OrtModule } from "@/lib/scoring/model-loader";
import { loadModel } from "@/lib/scoring/model-loader";
import { createFileMapReader, readModelFolder } from "@/lib/scoring/model-source";
import { tokenizePair } from "@/lib/scoring/sequence";
import { referenceLlamaLogprobs } from "@/test/reference-llama";
import { haveFiles, sharedPath } from "@/test/shared-files";
import {
  buildSentencepieceLlamaFolder,
  SENTENCEPIECE_TINY_LLAMA,
  tokenizerVocabSize,
  type TokenizerFiles,
} from "./sentencepiece-llama-folder";
import { createTinyLlamaWeights } from "./tiny-llama";

const DIR = sharedPath("tokenizers/TinyLlama-1.1B-Chat-v1.0");
const available = haveFiles(path.join(DIR, "tokenizer.json"), path.join(DIR, "tokenizer_config.json"));
const read = (name: string) => new Uint8Array(fs.readFileSync(path.join(DIR, name)));

describe("tokenizerVocabSize", () => {
  it.each([
    { json: { model: { vocab: { a: 0, b: 1 } }, added_tokens: [{ id: 5 }] }, size: 6 },
    {
      json: {
        model: {
          vocab: [
            ["a", 0],
            ["b", -1],
            ["c", -2],
          ],
        },
      },
      size: 3,
    },
    { json: { model: { vocab: { a: 0, b: 1, c: 2 } }, added_tokens: [{ id: 1 }] }, size: 3 },
  ])("$size ids", ({ json, size }) => expect(tokenizerVocabSize(json)).toBe(size));

  it("names a missing vocabulary", () => {
    expect(() => tokenizerVocabSize({ model: {} })).toThrow("tokenizer.json: model.vocab is missing");
  });
});

describe.skipIf(!available)(`a tiny Llama folder on TinyLlama's sentencepiece tokenizer (${DIR})`, () => {
  const tokenizer = (): TokenizerFiles => ({
    "tokenizer.json": read("tokenizer.json"),
    "tokenizer_config.json": read("tokenizer_config.json"),
  });

  it("copies the tokenizer files verbatim and writes TinyLlama's ids into config.json", () => {
    const files = buildSentencepieceLlamaFolder(tokenizer());
    expect(Object.keys(files).sort()).toEqual([
      "config.json",
      "onnx/model.onnx",
      "tokenizer.json",
      "tokenizer_config.json",
    ]);
    expect(files["tokenizer_config.json"]).toEqual(read("tokenizer_config.json"));
    const config = JSON.parse(files["config.json"] as string) as Record<string, unknown>;
    expect(config).toMatchObject({ model_type: "llama", vocab_size: 32000, bos_token_id: 1, eos_token_id: 2 });
  });

  it("refuses a tokenizer whose vocabulary is not the model's", () => {
    expect(() =>
      buildSentencepieceLlamaFolder(tokenizer(), 7, { ...SENTENCEPIECE_TINY_LLAMA, vocabSize: 384 }),
    ).toThrow("tokenizer.json defines 32000 ids, expected 384 (the model's vocab_size)");
  });

  it("loads and scores like the float64 reference (BOS first, the genuine chat template) within 1e-4", async () => {
    const files = buildSentencepieceLlamaFolder(tokenizer(), 7);
    const reader = createFileMapReader(
      Object.entries(files).map(([p, data]) => ({
        path: p,
        data: typeof data === "string" ? new TextEncoder().encode(data) : data,
      })),
    );
    const model = await loadModel(
      await readModelFolder(reader, ["onnx/model.onnx"]),
      ortNode as unknown as OrtModule,
      "lm",
    );
    if (model.kind !== "lm") throw new Error("expected a causal LM");
    const pair = tokenizePair(model.tokenizer, "Wie spät ist es? 🕒", "Es ist\tzwölf Uhr.", "def f(): return 12");
    // <s>, then the template's "<|user|>\n" as plain text (TinyLlama's SOURCE.md).
    expect(pair.chosen.promptIds.slice(0, 2)).toEqual([1, 529]);
    expect(pair.chosen.responseIds.at(-1)).toBe(2);
    const [got] = await model.scorer.scorePairs([pair]);
    const w = createTinyLlamaWeights(SENTENCEPIECE_TINY_LLAMA, 7);
    for (const side of ["chosen", "rejected"] as const) {
      const { promptIds, responseIds } = pair[side];
      const want = referenceLlamaLogprobs(SENTENCEPIECE_TINY_LLAMA, w, [...promptIds, ...responseIds]).slice(
        promptIds.length - 1,
      );
      expect(got[side].tokenLogps).toHaveLength(want.length);
      want.forEach((v, k) => expect(Math.abs(v - got[side].tokenLogps[k])).toBeLessThan(1e-4));
    }
    await model.release();
  });
});
