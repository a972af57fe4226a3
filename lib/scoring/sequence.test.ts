import { describe, expect, it } from "vitest";
import { demoFixture } from "@/test/scoring-fixtures";
import { haveFiles, readPlainText, sharedPath } from "@/test/shared-files";
import { CHATML_TEMPLATE } from "@/scripts/demo-models/demo-tokenizer";
import { runKey } from "./pipeline";
import type { SequenceRules } from "./protocol";
import { createScoringTokenizer, type ScoringTokenizer } from "./tokenize";
import {
  buildTokenizedAnswer,
  renderPromptResponse,
  tokenizePair,
  tokenizeForReward,
  DEFAULT_SEQUENCE_OPTIONS,
  type SequenceOptions,
} from "./sequence";

const f = demoFixture();
const chat = f.tokenizer;
const plain = createScoringTokenizer(f.tokenizerJson, { ...f.tokenizerConfig, chat_template: undefined }, f.lmConfig);
const withBos = createScoringTokenizer(
  f.tokenizerJson,
  { ...f.tokenizerConfig, bos_token: "<|endoftext|>" },
  f.lmConfig,
);
const EOS = 319; // <|im_end|>
const BOS = 317; // <|endoftext|>

describe("scoring tokenizer", () => {
  it("reads special-token ids from tokenizer_config.json", () => {
    expect([chat.bosTokenId, chat.eosTokenId, chat.padTokenId, chat.hasChatTemplate]).toEqual([null, EOS, BOS, true]);
    expect([plain.hasChatTemplate, withBos.bosTokenId]).toEqual([false, BOS]);
  });

  it.each(["The capital of France is Paris.", "naïve café — 東京 🙂", "<|im_start|>user\nhi<|im_end|>\n"])(
    "round-trips %j",
    (text) => {
      expect(chat.decode(chat.encode(text))).toBe(text);
    },
  );

  it("keeps special tokens whole", () => {
    expect(chat.encode("<|im_start|><|im_end|><|endoftext|>")).toEqual([318, EOS, BOS]);
  });
});

describe("renderPromptResponse", () => {
  it.each([
    {
      name: "plain prompt with a chat template becomes one user turn",
      tok: chat,
      prompt: "Hi?" as string | { role: string; content: string }[],
      promptText: "<|im_start|>user\nHi?<|im_end|>\n<|im_start|>assistant\n",
      responseText: "Yes.<|im_end|>\n",
    },
    {
      name: "message prompt keeps every turn",
      tok: chat,
      prompt: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi?" },
      ],
      promptText: "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi?<|im_end|>\n<|im_start|>assistant\n",
      responseText: "Yes.<|im_end|>\n",
    },
    {
      name: "no template concatenates",
      tok: plain,
      prompt: "Q: Hi? A:",
      promptText: "Q: Hi? A:",
      responseText: "Yes.",
    },
  ])("$name", ({ tok, prompt, promptText, responseText }) => {
    expect(renderPromptResponse(tok, prompt, "Yes.")).toEqual({ promptText, responseText, templateMismatch: false });
  });
});

describe("buildTokenizedAnswer (TRL boundary handling)", () => {
  it.each([
    // "Fra" + "nce": "an" merges across the boundary, so the prompt loses its last token "a".
    { prompt: "The capital of Fra", answer: "nce is Paris", merged: true, promptLen: 10 },
    { prompt: "The capital of", answer: " France", merged: false, promptLen: 7 },
    { prompt: "", answer: "Paris", merged: false, promptLen: 0 },
  ])("$prompt|$answer", ({ prompt, answer, merged, promptLen }) => {
    const out = buildTokenizedAnswer(plain, prompt, answer);
    const full = plain.encode(prompt + answer);
    expect(out.boundaryMerged).toBe(merged);
    expect(out.promptIds.length).toBe(promptLen);
    expect([...out.promptIds, ...out.responseIds]).toEqual(full);
    if (merged) expect(plain.encode(prompt).length).toBe(promptLen + 1);
  });
});

describe("tokenizePair", () => {
  it("splits the ChatML sequence at the generation prompt and appends EOS once", () => {
    const p = tokenizePair(chat, "Hi?", "Yes.", "No.");
    expect(chat.decode(p.chosen.promptIds)).toBe("<|im_start|>user\nHi?<|im_end|>\n<|im_start|>assistant\n");
    expect(chat.decode(p.chosen.responseIds)).toBe("Yes.<|im_end|>\n<|im_end|>");
    expect(chat.decode(p.rejected.responseIds)).toBe("No.<|im_end|>\n<|im_end|>");
    expect(p.chosen.promptIds).toEqual(p.rejected.promptIds);
    expect([p.promptTruncated, p.responseTruncated, p.templateMismatch]).toEqual([false, false, false]);
  });

  it.each([
    { name: "prepends BOS when the tokenizer has one", tok: withBos, first: BOS },
    { name: "adds no BOS when the tokenizer has none", tok: chat, first: 318 },
  ])("$name", ({ tok, first }) => {
    expect(tokenizePair(tok, "Hi?", "Yes.", "No.").chosen.promptIds[0]).toBe(first);
  });

  it("does not append EOS when the response already ends with it, or when disabled", () => {
    const p = tokenizePair(plain, "Q:", " A<|im_end|>", " B", { ...DEFAULT_SEQUENCE_OPTIONS, appendEos: true });
    expect(p.chosen.responseIds.filter((id) => id === EOS)).toHaveLength(1);
    const q = tokenizePair(plain, "Q:", " A", " B", { ...DEFAULT_SEQUENCE_OPTIONS, appendEos: false });
    expect(q.chosen.responseIds).not.toContain(EOS);
  });

  const longPrompt = "one two three four five six seven eight nine ten eleven twelve thirteen";
  it.each([
    {
      name: "keep_end drops prompt tokens on the left",
      opts: { maxLength: 30, maxPromptLength: 12, truncationMode: "keep_end" as const, appendEos: false },
      check: (ids: number[], full: number[]) => expect(ids).toEqual(full.slice(-12)),
      promptTruncated: true,
      responseTruncated: false,
    },
    {
      name: "keep_start drops prompt tokens on the right",
      opts: { maxLength: 30, maxPromptLength: 12, truncationMode: "keep_start" as const, appendEos: false },
      check: (ids: number[], full: number[]) => expect(ids).toEqual(full.slice(0, 12)),
      promptTruncated: true,
      responseTruncated: false,
    },
    {
      name: "fits: nothing truncated",
      opts: { maxLength: 200, maxPromptLength: 12, truncationMode: "keep_end" as const, appendEos: false },
      check: (ids: number[], full: number[]) => expect(ids).toEqual(full),
      promptTruncated: false,
      responseTruncated: false,
    },
  ])("$name", ({ opts, check, promptTruncated, responseTruncated }) => {
    const p = tokenizePair(plain, longPrompt, " yes", " no", opts);
    check(p.chosen.promptIds, plain.encode(longPrompt));
    expect([p.promptTruncated, p.responseTruncated]).toEqual([promptTruncated, responseTruncated]);
  });

  it("truncates responses to max_length - max_prompt_length when the prompt alone is not enough", () => {
    const long = " the answer is yes because the data show that the model is better";
    const p = tokenizePair(plain, longPrompt, long, " no", {
      maxLength: 20,
      maxPromptLength: 12,
      truncationMode: "keep_end",
      appendEos: true,
    });
    expect(p.chosen.promptIds).toHaveLength(12);
    expect(p.chosen.responseIds).toEqual(
      plain.encode(longPrompt + long).slice(plain.encode(longPrompt).length, plain.encode(longPrompt).length + 8),
    );
    expect(p.rejected.responseIds).toEqual([...plain.encode(" no"), EOS]);
    expect([p.promptTruncated, p.responseTruncated]).toEqual([true, true]);
    expect([p.chosenTruncated, p.rejectedTruncated]).toEqual([true, false]);
  });
});

describe("tokenizeForReward", () => {
  it.each([
    { maxLength: 2048, truncated: false },
    { maxLength: 5, truncated: true },
  ])("renders the full conversation (maxLength $maxLength)", ({ maxLength, truncated }) => {
    const full = chat.encode("<|im_start|>user\nHi?<|im_end|>\n<|im_start|>assistant\nYes.<|im_end|>\n");
    const r = tokenizeForReward(chat, "Hi?", "Yes.", maxLength);
    expect(r).toEqual({ ids: full.slice(-maxLength), truncated });
  });
});

describe("prompt format: the user can switch a templated tokenizer to plain concatenation", () => {
  it("plain concatenates even with a chat template (string and chat prompts)", () => {
    expect(renderPromptResponse(chat, "Hi?", "Yes.", "plain")).toEqual({
      promptText: "Hi?",
      responseText: "Yes.",
      templateMismatch: false,
    });
    const turns = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi?" },
    ];
    expect(renderPromptResponse(chat, turns, "Yes.", "plain").promptText).toBe("Be brief.\nHi?");
  });

  it("plain tokenizes as the template-less tokenizer does; chat differs", () => {
    const opts = { ...DEFAULT_SEQUENCE_OPTIONS, promptFormat: "plain" as const };
    const a = tokenizePair(chat, "Why is the sky blue?", "Rayleigh scattering.", "No idea.", opts);
    const b = tokenizePair(plain, "Why is the sky blue?", "Rayleigh scattering.", "No idea.");
    expect(a).toEqual(b);
    expect(tokenizePair(chat, "Why is the sky blue?", "Rayleigh scattering.", "No idea.").chosen.promptIds).not.toEqual(
      a.chosen.promptIds,
    );
    expect(tokenizeForReward(chat, "Hi?", "Yes.", 2048, "plain").ids).toEqual(chat.encode("Hi?Yes."));
  });
});

describe("sequence rules presets (paper, TRL 0.12-0.27, TRL >= 0.28)", () => {
  const opts = (rules: SequenceRules, promptFormat: "chat" | "plain" = "chat"): SequenceOptions => ({
    ...DEFAULT_SEQUENCE_OPTIONS,
    rules,
    promptFormat,
  });
  const turn = [{ role: "user", content: "Hi?" }];
  // Byte-level (the demo BPE): ChatML without BOS ending in "\n"; one that writes BOS itself; one ending in EOS.
  const bosTemplate = createScoringTokenizer(
    f.tokenizerJson,
    { ...f.tokenizerConfig, bos_token: "<|endoftext|>", chat_template: "{{ bos_token }}" + CHATML_TEMPLATE },
    f.lmConfig,
  );
  const eosTemplate = createScoringTokenizer(
    f.tokenizerJson,
    { ...f.tokenizerConfig, chat_template: CHATML_TEMPLATE.replace("'<|im_end|>' + '\\n'", "'<|im_end|>'") },
    f.lmConfig,
  );
  const e = (t: string) => chat.encode(t);
  const P = "<|im_start|>user\nHi?<|im_end|>\n<|im_start|>assistant\n";
  const P_EOS = "<|im_start|>user\nHi?<|im_end|><|im_start|>assistant\n";
  it.each([
    // ChatML, no BOS: paper and 0.12 both add one EOS after the template's "\n"; >= 0.28 adds none.
    { rules: "paper", tok: chat, prompt: e(P), response: [...e("Yes.<|im_end|>\n"), EOS] },
    { rules: "trl-0.12", tok: chat, prompt: e(P), response: [...e("Yes.<|im_end|>\n"), EOS] },
    { rules: "trl-0.28", tok: chat, prompt: e(P), response: e("Yes.<|im_end|>\n") },
    // The template writes BOS: paper does not double it; 0.12 and >= 0.28 keep the template's one.
    { rules: "paper", tok: bosTemplate, prompt: [BOS, ...e(P)], response: [...e("Yes.<|im_end|>\n"), EOS] },
    { rules: "trl-0.12", tok: bosTemplate, prompt: [BOS, ...e(P)], response: [...e("Yes.<|im_end|>\n"), EOS] },
    { rules: "trl-0.28", tok: bosTemplate, prompt: [BOS, ...e(P)], response: e("Yes.<|im_end|>\n") },
    // The template ends with EOS: paper keeps it single, 0.12 appends a second, >= 0.28 adds nothing.
    { rules: "paper", tok: eosTemplate, prompt: e(P_EOS), response: [...e("Yes."), EOS] },
    { rules: "trl-0.12", tok: eosTemplate, prompt: e(P_EOS), response: [...e("Yes."), EOS, EOS] },
    { rules: "trl-0.28", tok: eosTemplate, prompt: e(P_EOS), response: [...e("Yes."), EOS] },
  ] as { rules: SequenceRules; tok: ScoringTokenizer; prompt: number[]; response: number[] }[])(
    "byte-level, $rules: chosen = prompt ++ response",
    ({ rules, tok, prompt, response }) => {
      const tp = tokenizePair(tok, turn, "Yes.", "No.", opts(rules));
      expect([tp.chosen.promptIds, tp.chosen.responseIds]).toEqual([prompt, response]);
    },
  );

  it.each([
    { rules: "paper", prompt: e("Hi?"), response: [...e(" Yes."), EOS] },
    { rules: "trl-0.12", prompt: e("Hi?"), response: [...e(" Yes."), EOS] },
    // Not conversational: >= 0.28 appends EOS to the text (the demo tokenizer adds no special tokens of its own).
    { rules: "trl-0.28", prompt: e("Hi?"), response: [...e(" Yes."), EOS] },
  ] as { rules: SequenceRules; prompt: number[]; response: number[] }[])(
    "byte-level plain text, $rules",
    ({ rules, prompt, response }) => {
      const tp = tokenizePair(chat, "Hi?", " Yes.", " No.", opts(rules, "plain"));
      expect([tp.chosen.promptIds, tp.chosen.responseIds]).toEqual([prompt, response]);
    },
  );

  it("0.12 cuts the prompt to its last max_prompt_length tokens, then the sequence on the right; >= 0.28 keeps the start", () => {
    const long = { ...DEFAULT_SEQUENCE_OPTIONS, maxLength: 20, maxPromptLength: 12 };
    const p = e(P).length;
    const r012 = tokenizePair(chat, turn, "Yes, certainly, and more.", "No.", { ...long, rules: "trl-0.12" });
    expect(r012.chosen.promptIds).toEqual(e(P).slice(-12));
    expect(r012.chosen.promptIds.length + r012.chosen.responseIds.length).toBe(20);
    expect([r012.promptTruncated, r012.chosenTruncated, r012.rejectedTruncated]).toEqual([p > 12, true, false]);
    const r028 = tokenizePair(chat, turn, "Yes, certainly, and more.", "No.", { ...long, rules: "trl-0.28" });
    expect(r028.chosen.promptIds).toEqual(e(P));
    expect(r028.chosen.responseIds).toEqual(e("Yes, certainly, and more.<|im_end|>\n").slice(0, 20 - p));
    expect(r028.chosenTruncated).toBe(true);
  });

  it("runKey separates the rules; paper keeps the old key", () => {
    const model = { kind: "lm", hash: "h" };
    const keys = (["paper", "trl-0.12", "trl-0.28"] as const).map((r) => runKey("d", model, opts(r)));
    expect(new Set(keys).size).toBe(3);
    expect(keys[0]).toBe(runKey("d", model, DEFAULT_SEQUENCE_OPTIONS));
  });

  // Sentencepiece with byte fallback (Llama-2 style, `legacy: false`): the normalizer prepends "▁" to every
  // separately encoded text, the template has no BOS and ends each turn with </s>.
  const tinyLlama = sharedPath("tokenizers/TinyLlama-1.1B-Chat-v1.0");
  const hasTinyLlama = haveFiles(`${tinyLlama}/tokenizer.json`);
  if (!hasTinyLlama) console.warn(`skipping sentencepiece preset tests: ${tinyLlama} is absent`);
  const read = (name: string) => JSON.parse(readPlainText(`${tinyLlama}/${name}`));
  const sp = () => createScoringTokenizer(read("tokenizer.json"), read("tokenizer_config.json"), read("config.json"));
  const spBosTemplate = () =>
    createScoringTokenizer(
      read("tokenizer.json"),
      {
        ...read("tokenizer_config.json"),
        chat_template: "{{ bos_token }}" + read("tokenizer_config.json").chat_template,
      },
      read("config.json"),
    );
  // <s>=1 </s>=2; "<|user|>\nHi</s>\n<|assistant|>\n"; 8241 "Yes", 3869 "▁Yes", 29889 ".", 29871 "▁", 13 "\n".
  const SP_BOS = 1;
  const SP_EOS = 2;
  const SP_PROMPT = [
    529, 29989, 1792, 29989, 29958, 13, 18567, 2, 29871, 13, 29966, 29989, 465, 22137, 29989, 29958, 13,
  ];
  it.skipIf(!hasTinyLlama).each([
    // The paper's reference: BOS prepended, the answer split off the joint encoding, one more EOS after "\n".
    { rules: "paper", bos: false, prompt: [SP_BOS, ...SP_PROMPT], response: [8241, 29889, SP_EOS, 29871, 13, SP_EOS] },
    // 0.12: no BOS, the completion encoded alone ("▁Yes"), EOS always appended: one BOS and one token differ.
    { rules: "trl-0.12", bos: false, prompt: SP_PROMPT, response: [3869, 29889, SP_EOS, 29871, 13, SP_EOS] },
    // >= 0.28: joint encoding without special tokens, the template's own </s> only.
    { rules: "trl-0.28", bos: false, prompt: SP_PROMPT, response: [8241, 29889, SP_EOS, 29871, 13] },
    // A template that writes BOS: nobody adds a second one.
    { rules: "paper", bos: true, prompt: [SP_BOS, ...SP_PROMPT], response: [8241, 29889, SP_EOS, 29871, 13, SP_EOS] },
    {
      rules: "trl-0.12",
      bos: true,
      prompt: [SP_BOS, ...SP_PROMPT],
      response: [3869, 29889, SP_EOS, 29871, 13, SP_EOS],
    },
    { rules: "trl-0.28", bos: true, prompt: [SP_BOS, ...SP_PROMPT], response: [8241, 29889, SP_EOS, 29871, 13] },
  ] as { rules: SequenceRules; bos: boolean; prompt: number[]; response: number[] }[])(
    "sentencepiece (TinyLlama), $rules, template writes BOS: $bos",
    ({ rules, bos, prompt, response }) => {
      const tp = tokenizePair(
        bos ? spBosTemplate() : sp(),
        [{ role: "user", content: "Hi" }],
        "Yes.",
        "No",
        opts(rules),
      );
      expect([tp.chosen.promptIds, tp.chosen.responseIds]).toEqual([prompt, response]);
    },
  );

  it.skipIf(!hasTinyLlama).each([
    { rules: "paper", prompt: [SP_BOS, 6324], response: [8241, 29889, SP_EOS] },
    { rules: "trl-0.12", prompt: [6324], response: [3869, 29889, SP_EOS] },
    // Plain text goes through tokenizer(text): the Llama post-processor adds BOS; EOS appended as text.
    { rules: "trl-0.28", prompt: [SP_BOS, 6324], response: [8241, 29889, SP_EOS] },
  ] as { rules: SequenceRules; prompt: number[]; response: number[] }[])(
    "sentencepiece plain text, $rules",
    ({ rules, prompt, response }) => {
      const tp = tokenizePair(sp(), "Hi", "Yes.", "No", opts(rules, "plain"));
      expect([tp.chosen.promptIds, tp.chosen.responseIds]).toEqual([prompt, response]);
    },
  );
});
