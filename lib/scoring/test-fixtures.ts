/**
 * In-memory demo model folders for unit tests (built once per test file, ~0.2 s), so tests never depend on
 * `public/models/` having been generated.
 */
import { buildDemoModels } from "./demo/demo-models";
import { createScoringTokenizer, type ScoringTokenizer } from "./tokenize";

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
