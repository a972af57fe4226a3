import { describe, expect, it } from "vitest";
import { demoFixture } from "@/test/scoring-fixtures";
import { createScoringTokenizer } from "./tokenize";
import {
  buildTokenizedAnswer,
  renderPromptResponse,
  tokenizePair,
  tokenizeForReward,
  DEFAULT_SEQUENCE_OPTIONS,
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
