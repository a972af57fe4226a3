/**
 * In-memory demo model folders for unit tests (built once per test file, ~0.2 s), so tests never depend on
 * `public/models/` having been generated.
 */
import { buildDemoModels } from "@/scripts/demo-models/demo-models";
import { DEMO_ARCH } from "@/lib/scoring/demo-check";
import { createScoringTokenizer, type ScoringTokenizer } from "@/lib/scoring/tokenize";
import { readFloatInitializers } from "@/lib/onnx/onnx-model";
import { buildTinyGpt2GqaLm } from "@/scripts/demo-models/tiny-gpt2";

/** Parsed demo folders: ONNX bytes, config.json objects and the shared tokenizer. */
export interface DemoFixture {
  lmOnnx: Uint8Array;
  rmOnnx: Uint8Array;
  /** demo-ref's graph; its weights are in `refData` (external data "model.onnx_data"). */
  refOnnx: Uint8Array;
  refData: Uint8Array;
  lmConfig: Record<string, unknown>;
  rmConfig: Record<string, unknown>;
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  tokenizer: ScoringTokenizer;
}

let cached: DemoFixture | null = null;

/** Builds (once) and returns the demo fixture. */
export function demoFixture(): DemoFixture {
  if (cached) return cached;
  const { "demo-lm": lm, "demo-ref": ref, "demo-rm": rm } = buildDemoModels();
  const json = (v: Uint8Array | string) => JSON.parse(String(v)) as Record<string, unknown>;
  const tokenizerJson = json(lm["tokenizer.json"]);
  const tokenizerConfig = json(lm["tokenizer_config.json"]);
  const lmConfig = json(lm["config.json"]);
  cached = {
    lmOnnx: lm["onnx/model.onnx"] as Uint8Array,
    rmOnnx: rm["onnx/model.onnx"] as Uint8Array,
    refOnnx: ref["onnx/model.onnx"] as Uint8Array,
    refData: ref["onnx/model.onnx_data"] as Uint8Array,
    lmConfig,
    rmConfig: json(rm["config.json"]),
    tokenizerJson,
    tokenizerConfig,
    tokenizer: createScoringTokenizer(tokenizerJson, tokenizerConfig, lmConfig),
  };
  return cached;
}

let cachedGqa: Uint8Array | null = null;

/**
 * demo-lm rebuilt with `com.microsoft.GroupQueryAttention` blocks (same weights and interface), standing in for
 * onnxruntime-genai exports. Built in tests only: it is not a demo folder.
 */
export function demoGqaLmOnnx(): Uint8Array {
  if (cachedGqa) return cachedGqa;
  const { lmOnnx } = demoFixture();
  // The builder's own constants (`const_N`) are re-created with the graph; only the named weights carry over.
  const weights = new Map([...readFloatInitializers(lmOnnx)].filter(([name]) => !name.startsWith("const_")));
  const vocabSize = weights.get("wte")?.dims[0] ?? 0;
  cachedGqa = buildTinyGpt2GqaLm({ ...DEMO_ARCH, vocabSize }, weights);
  return cachedGqa;
}
