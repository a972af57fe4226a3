/**
 * Writes the ArmoRM-style multi-output reward model folder (scripts/demo-models/tiny-encoder.ts
 * `buildArmoRmFolder`, on the demo tokenizer) with a files.json listing as the demo folders have.
 * Usage: npx tsx scripts/build-reward-model.ts OUT_DIR
 * Used by e2e/reward-models.spec.ts; the output is generated, not committed.
 */
import fs from "node:fs";
import path from "node:path";
import { buildDemoTokenizer } from "@/scripts/demo-models/demo-tokenizer";
import { buildArmoRmFolder } from "@/scripts/demo-models/tiny-encoder";
import { FILE_LIST_NAME, fileListEntries } from "@/lib/scoring/model-cache";

const [outArg] = process.argv.slice(2);
if (!outArg) {
  console.error("usage: npx tsx scripts/build-reward-model.ts OUT_DIR");
  process.exit(2);
}
const outDir = path.resolve(outArg);
const files = buildArmoRmFolder(buildDemoTokenizer());
for (const [rel, contents] of Object.entries(files)) {
  const file = path.join(outDir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, contents);
}
fs.writeFileSync(path.join(outDir, FILE_LIST_NAME), JSON.stringify(fileListEntries(files), null, 2) + "\n");
console.log(`wrote ${Object.keys(files).length} files to ${outDir}`);
