/**
 * Encoder reward-model inputs (issue 13): `tokenizeForReward` in text-pair mode gives the ids and token_type_ids that
 * Hugging Face's Rust tokenizers (npm `tokenizers`, what Python's `tokenizer(question, answer, truncation=True,
 * max_length=N)` runs) give for bert-base-uncased, with and without longest-first truncation.
 *
 * Lives in test/ beside tokenizer-parity.test.ts: it loads the native addon, which lib/ tests may not.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import type * as RustTokenizers from "tokenizers";
import { createScoringTokenizer } from "@/lib/scoring/tokenize";
import { tokenizeForReward } from "@/lib/scoring/sequence";
import { haveFiles, readPlainText, sharedPath } from "./shared-files";

const BERT = sharedPath("tokenizers/bert-base-uncased");
const have = haveFiles(path.join(BERT, "tokenizer.json"));

// A prebuilt native addon: on a platform without a binary it throws at import, and the tests say so.
const oracle: { ok: true; rust: typeof RustTokenizers } | { ok: false; reason: string } =
  await import("tokenizers").then(
    (rust) => ({ ok: true as const, rust }),
    (e: unknown) => ({ ok: false as const, reason: `the Rust oracle (npm "tokenizers") cannot load: ${String(e)}` }),
  );

const PAIRS: [string, string][] = [
  ["Explain nuclear fusion like I am five", "Nuclear fusion is when two small atoms squeeze together into one."],
  ["What is 2+2?", "It is four."],
  ["Café ☕ or 東京?", "  Tabs\tand   spaces, [SEP] inside, and an emoji 🙂 at the end."],
  ["a very long question with many words in it that goes on and on and on", "short"],
  ["", "An answer to an empty question."],
];

describe.skipIf(!have)("encoder text pairs equal the Rust tokenizers (bert-base-uncased)", () => {
  it.skipIf(!oracle.ok).each([512, 16, 11, 8])("max_length %i, longest_first", async (maxLength) => {
    if (!oracle.ok) throw new Error(oracle.reason);
    const tok = createScoringTokenizer(
      JSON.parse(readPlainText(path.join(BERT, "tokenizer.json"))) as Record<string, unknown>,
      JSON.parse(readPlainText(path.join(BERT, "tokenizer_config.json"))) as Record<string, unknown>,
    );
    const rust = oracle.rust.Tokenizer.fromFile(path.join(BERT, "tokenizer.json"));
    rust.setTruncation(maxLength, { strategy: "LongestFirst" as RustTokenizers.TruncationStrategy });
    for (const [q, a] of PAIRS) {
      const want = await rust.encode(q, a);
      const got = tokenizeForReward(tok, q, a, 2048, "chat", { kind: "text-pair", maxTokens: maxLength });
      expect({ ids: got.ids, typeIds: got.typeIds }, `${q} / ${a}`).toEqual({
        ids: want.getIds(),
        typeIds: want.getTypeIds(),
      });
    }
  });

  it.skipIf(oracle.ok)("is skipped: the Rust oracle is missing", () => {
    expect(oracle.ok).toBe(false);
  });
});
