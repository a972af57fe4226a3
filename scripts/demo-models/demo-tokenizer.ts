/**
 * A GPT-2-style byte-level BPE tokenizer.json trained (deterministically) on a small built-in corpus, plus a
 * ChatML tokenizer_config.json. Loadable by @huggingface/tokenizers and transformers; used by the demo models.
 */

/** ChatML, as Qwen2/SmolLM ship it but without a default system message. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Special tokens appended after the byte and merge tokens, in this id order. */
export const DEMO_SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] as const;

/** English-ish text the merges and the demo LM's unigram prior are learned from. */
export const DEMO_CORPUS = [
  "The quick brown fox jumps over the lazy dog. The dog was not amused, and the fox ran into the forest.",
  "You are a helpful assistant. Please answer the question clearly and explain your reasoning step by step.",
  "Thank you for your question. Here is a short and correct answer with an example that you can try at home.",
  "The capital of France is Paris. The capital of Germany is Berlin. The capital of Italy is Rome.",
  "To make tea, boil the water, add the tea leaves, and wait for three minutes before you drink it.",
  "I think that the best way to learn is to practice every day and to ask for help when you need it.",
  "In the morning the sun rises in the east, and in the evening it sets in the west over the sea.",
  "Sorry, I cannot help with that request. Is there something else that I can do for you today?",
  "Water is made of hydrogen and oxygen. It boils at one hundred degrees and freezes at zero degrees.",
  "The answer is yes, because the data show that the model performs better when the margin is larger.",
].join("\n");

/** GPT-2's reversible byte -> printable-unicode map (so every byte is a visible vocabulary symbol). */
export function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const out = new Array<string>(256);
  bs.forEach((b, i) => (out[b] = String.fromCodePoint(cs[i])));
  return out;
}

/** GPT-2's pre-tokenisation pattern (the one ByteLevel with use_regex applies). */
export const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Learns `numMerges` BPE merges on `corpus` (ties broken by first occurrence, so the result is deterministic). */
export function trainByteBpe(corpus: string, numMerges: number): [string, string][] {
  const map = bytesToUnicode();
  const enc = new TextEncoder();
  const words = new Map<string, number>();
  for (const m of corpus.matchAll(GPT2_SPLIT)) {
    const w = [...enc.encode(m[0])].map((b) => map[b]).join("\u0000");
    words.set(w, (words.get(w) ?? 0) + 1);
  }
  let seqs = [...words].map(([w, c]) => ({ syms: w.split("\u0000"), count: c }));
  const merges: [string, string][] = [];
  for (let k = 0; k < numMerges; k++) {
    const counts = new Map<string, number>();
    for (const { syms, count } of seqs) {
      for (let i = 0; i + 1 < syms.length; i++) {
        const key = syms[i] + "\u0000" + syms[i + 1];
        counts.set(key, (counts.get(key) ?? 0) + count);
      }
    }
    let best = "";
    let bestCount = 1;
    for (const [key, c] of counts) if (c > bestCount) [best, bestCount] = [key, c];
    if (!best) break;
    const [a, b] = best.split("\u0000");
    merges.push([a, b]);
    seqs = seqs.map(({ syms, count }) => {
      const out: string[] = [];
      for (let i = 0; i < syms.length; i++) {
        if (i + 1 < syms.length && syms[i] === a && syms[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(syms[i]);
      }
      return { syms: out, count };
    });
  }
  return merges;
}

/** tokenizer.json and tokenizer_config.json contents for the demo tokenizer. */
export interface DemoTokenizerFiles {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  vocabSize: number;
  /** Token id of each special token. */
  specialIds: Record<(typeof DEMO_SPECIAL_TOKENS)[number], number>;
}

/** Builds the demo byte-level BPE tokenizer with `numMerges` merges (vocab = 256 + merges + 3 specials). */
export function buildDemoTokenizer(numMerges = 61): DemoTokenizerFiles {
  const merges = trainByteBpe(DEMO_CORPUS, numMerges);
  const vocab: Record<string, number> = {};
  bytesToUnicode().forEach((s, b) => (vocab[s] = b));
  for (const [a, b] of merges) vocab[a + b] ??= Object.keys(vocab).length;
  let next = Object.keys(vocab).length;
  const specialIds = {} as DemoTokenizerFiles["specialIds"];
  const addedTokens = DEMO_SPECIAL_TOKENS.map((content) => {
    const id = next++;
    specialIds[content] = id;
    return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
  });
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
  const tokenizerJson = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: { ...byteLevel, trim_offsets: false },
    decoder: byteLevel,
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: "",
      end_of_word_suffix: "",
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
  const addedTokensDecoder = Object.fromEntries(addedTokens.map(({ id, ...t }) => [String(id), t]));
  const tokenizerConfig = {
    add_bos_token: false,
    add_eos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: addedTokensDecoder,
    bos_token: null,
    eos_token: "<|im_end|>",
    pad_token: "<|endoftext|>",
    unk_token: null,
    chat_template: CHATML_TEMPLATE,
    clean_up_tokenization_spaces: false,
    model_max_length: 2048,
    tokenizer_class: "PreTrainedTokenizerFast",
  };
  return { tokenizerJson, tokenizerConfig, vocabSize: next, specialIds };
}
