import { it } from "vitest";
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { addTokenLogprobOutput } from "@/lib/scoring/logprob-graph";
import { createLogprobScorer, type InferenceSessionLike, type TensorCtor, type PairScore, type ResponseScore } from "@/lib/scoring/engine";
import { loadReferenceModel, referenceLogprobs } from "@/lib/scoring/reference-forward";
import { tokenizePair, type TokenizedPair } from "@/lib/scoring/sequence";
import { createScoringTokenizer } from "@/lib/scoring/tokenize";
import { demoFixture, demoGqaLmOnnx } from "@/lib/scoring/test-fixtures";

const f = demoFixture();
const plain = createScoringTokenizer(f.tokenizerJson, { ...f.tokenizerConfig, chat_template: undefined }, f.lmConfig);
const PAIRS: TokenizedPair[] = [
  tokenizePair(f.tokenizer, "What is the capital of France?", "The capital of France is Paris.", "Rome."),
  tokenizePair(f.tokenizer, [{ role: "system", content: "Be brief." }, { role: "user", content: "Tea?" }], "Boil water, add tea.", "No idea, sorry about that."),
  tokenizePair(f.tokenizer, "Hi", "Hello! How can I help you today?", "Hello"),
  tokenizePair(plain, "The capital of Fra", "nce is Paris.", " is Paris."),
  tokenizePair(plain, "", "Water boils at one hundred degrees.", "Water is dry."),
];
const seqs = PAIRS.flatMap((p) => [p.chosen, p.rejected]);
const diffR = (a: ResponseScore[], b: ResponseScore[]) => {
  let d = 0;
  a.forEach((s, i) => s.tokenLogps.forEach((v, k) => (d = Math.max(d, Math.abs(v - b[i].tokenLogps[k])))));
  return d;
};
const diffP = (a: PairScore[], b: PairScore[]) =>
  Math.max(diffR(a.map((p) => p.chosen), b.map((p) => p.chosen)), diffR(a.map((p) => p.rejected), b.map((p) => p.rejected)));

it("gqa experiment", async () => {
  const gqa = addTokenLogprobOutput(demoGqaLmOnnx());
  const ref = loadReferenceModel(f.lmOnnx, 4);
  ortWeb.env.wasm.numThreads = 1;
  for (const [name, ort] of [["node", ortNode], ["web", ortWeb]] as const) {
    let session: InferenceSessionLike;
    try {
      session = (await (ort.InferenceSession as any).create(gqa)) as InferenceSessionLike;
    } catch (e) {
      console.log(name, "CREATE FAILED", (e as Error).message);
      continue;
    }
    const scorer = createLogprobScorer(session, ort.Tensor as unknown as TensorCtor, f.lmConfig);
    const single = await scorer.scoreSequences(seqs, { batchSize: 1 });
    let dRef = 0;
    seqs.forEach((s, i) => {
      const all = referenceLogprobs(ref, [...s.promptIds, ...s.responseIds]).slice(Math.max(0, s.promptIds.length - 1));
      single[i].tokenLogps.forEach((v, k) => (dRef = Math.max(dRef, Math.abs(v - all[k]))));
    });
    console.log(name, "single row vs reference", dRef);
    try {
      const padded = await scorer.scoreSequences(seqs, { batchSize: 8 });
      console.log(name, "right-padded batch (no past) vs single", diffR(padded, single));
    } catch (e) { console.log(name, "padded FAILED", (e as Error).message); }
    const full = await scorer.scorePairs(PAIRS, { batchSize: 1, sharePrompt: false });
    for (const bs of [1, 8]) {
      try {
        const shared = await scorer.scorePairs(PAIRS, { batchSize: bs, sharePrompt: true });
        console.log(name, `shared prompt batch ${bs} vs full single`, diffP(shared, full));
        shared.forEach((p, i) => console.log("   pair", i, Math.max(diffR([p.chosen], [full[i].chosen]), diffR([p.rejected], [full[i].rejected]))));
      } catch (e) { console.log(name, `shared batch ${bs} FAILED`, (e as Error).message); }
    }
    const nonEmpty = PAIRS.slice(0, 4);
    for (const bs of [2, 8]) {
      const sh = await scorer.scorePairs(nonEmpty, { batchSize: bs, sharePrompt: true }).catch((e) => (console.log(name, "HOLES", bs, "FAILED", e.message), null));
      if (!sh) continue;
      console.log(name, `HOLES shared batch ${bs} (non-empty prompts) vs full`, diffP(sh, full.slice(0, 4)));
      sh.forEach((p, i) => console.log("   pair", i, Math.max(diffR([p.chosen], [full[i].chosen]), diffR([p.rejected], [full[i].rejected]))));
    }
    // Same prompt (no holes: every row's prefix fills all past slots), responses of different lengths.
    const same = [
      tokenizePair(f.tokenizer, "Hi", "Hello! How can I help you today?", "Hello"),
      tokenizePair(f.tokenizer, "Hi", "Go away.", "Good morning to you, friend, and welcome."),
    ];
    const sameFull = await scorer.scorePairs(same, { batchSize: 1, sharePrompt: false });
    const sameShared = await scorer.scorePairs(same, { batchSize: 8, sharePrompt: true }).catch((e) => (console.log(name, "NOHOLES FAILED", e.message), null));
    if (sameShared) console.log(name, "NO HOLES, past + right-padded continuations vs full", diffP(sameShared, sameFull));
    const fullNE = full.slice(0, 4);
    const shared1 = await scorer.scorePairs(nonEmpty, { batchSize: 1, sharePrompt: true }).catch((e) => (console.log("ne fail", e.message), null));
    if (shared1) console.log(name, "shared batch 1 (non-empty prompts) vs full", diffP(shared1, fullNE));
  }
});
