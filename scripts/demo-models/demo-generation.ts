/**
 * A variant of the demo LM for generation tests: the same weights with the EOS logit raised by `boost`, so its
 * samples end on their own (demo-lm gives EOS about 0.05% per token and almost never stops). With boost 5 a sample
 * of the variant is ~11 tokens and a third of them re-tokenise to their own ids (random byte-level samples of
 * demo-lm essentially never do), which gives the log-prob identity tests real cases. Not a demo folder.
 */
import { readFloatInitializers } from "@/lib/onnx/onnx-model";
import { DEMO_ARCH } from "@/lib/scoring/demo-check";
import { buildTinyGpt2Lm } from "./tiny-gpt2";

/** demo-lm's graph (`lmOnnx`) rebuilt with `lm_bias[eosId] += boost`; everything else is unchanged. */
export function buildEosBiasedLm(lmOnnx: Uint8Array, eosId: number, boost: number): Uint8Array {
  // The builder's own constants (`const_N`) are re-created with the graph; only the named weights carry over.
  const weights = new Map([...readFloatInitializers(lmOnnx)].filter(([name]) => !name.startsWith("const_")));
  const bias = weights.get("lm_bias");
  const wte = weights.get("wte");
  if (!bias || !wte) throw new Error("not a demo LM graph: lm_bias/wte missing");
  const data = Float32Array.from(bias.data);
  data[eosId] += boost;
  weights.set("lm_bias", { dims: bias.dims, data });
  return buildTinyGpt2Lm({ ...DEMO_ARCH, vocabSize: wte.dims[0] }, weights);
}
