/**
 * Writes the deterministic demo/fixture model folders (demo-lm/, demo-ref/, demo-rm/) in the Hugging Face
 * onnx-community layout.  Usage: npx tsx scripts/build-models.ts [outDir=public/models]
 * The output is generated, not committed.
 */
import fs from "node:fs";
import path from "node:path";
import { buildDemoModels } from "@/scripts/demo-models/demo-models";

const outDir = path.resolve(process.argv[2] ?? "public/models");
const started = performance.now();
for (const [folder, files] of Object.entries(buildDemoModels())) {
  for (const [rel, contents] of Object.entries(files)) {
    const file = path.join(outDir, folder, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, contents);
    console.log(`${path.relative(process.cwd(), file)}  ${fs.statSync(file).size} bytes`);
  }
}
console.log(`built demo models in ${Math.round(performance.now() - started)} ms`);
