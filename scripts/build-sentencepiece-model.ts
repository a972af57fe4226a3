/**
 * Writes a tiny Llama-architecture model folder on a genuine sentencepiece tokenizer (see
 * scripts/demo-models/sentencepiece-llama-folder.ts), with a files.json listing as the demo folders have.
 * Usage: npx tsx scripts/build-sentencepiece-model.ts OUT_DIR [TOKENIZER_DIR=../shared/tokenizers/TinyLlama-1.1B-Chat-v1.0]
 * Used by e2e/sentencepiece-model.spec.ts; the output is generated, not committed.
 */
import fs from "node:fs";
import path from "node:path";
import { buildSentencepieceLlamaFolder, type TokenizerFiles } from "@/scripts/demo-models/sentencepiece-llama-folder";
import { FILE_LIST_NAME, fileListEntries } from "@/lib/scoring/model-cache";

const [outArg, tokenizerArg] = process.argv.slice(2);
if (!outArg) {
  console.error("usage: npx tsx scripts/build-sentencepiece-model.ts OUT_DIR [TOKENIZER_DIR]");
  process.exit(2);
}
const outDir = path.resolve(outArg);
const tokenizerDir = path.resolve(
  tokenizerArg ?? path.join(import.meta.dirname, "../../shared/tokenizers/TinyLlama-1.1B-Chat-v1.0"),
);
const read = (name: string) => {
  const file = path.join(tokenizerDir, name);
  if (!fs.existsSync(file)) return null;
  return new Uint8Array(fs.readFileSync(file));
};
const tokenizerJson = read("tokenizer.json");
const tokenizerConfig = read("tokenizer_config.json");
if (!tokenizerJson || !tokenizerConfig) {
  console.error(`${tokenizerDir}: tokenizer.json and tokenizer_config.json are needed`);
  process.exit(1);
}
const tokenizer: TokenizerFiles = { "tokenizer.json": tokenizerJson, "tokenizer_config.json": tokenizerConfig };
const specialTokensMap = read("special_tokens_map.json");
if (specialTokensMap) tokenizer["special_tokens_map.json"] = specialTokensMap;

const files = buildSentencepieceLlamaFolder(tokenizer);
for (const [rel, contents] of Object.entries(files)) {
  const file = path.join(outDir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, contents);
}
fs.writeFileSync(path.join(outDir, FILE_LIST_NAME), JSON.stringify(fileListEntries(files), null, 2) + "\n");
console.log(`${outDir}: ${Object.keys(files).join(", ")}, ${FILE_LIST_NAME}`);
