/**
 * Writes the deterministic demo/fixture model folders (demo-lm/, demo-ref/, demo-rm/) in the Hugging Face
 * onnx-community layout, each with a files.json listing its files as the Hub's tree route does, so the app reads
 * only files that exist (no 404 for an optional file on a normal load; see lib/scoring/model-cache.ts).
 * Usage: npx tsx scripts/build-models.ts [outDir=public/models]
 * The output is generated, not committed.
 */
import fs from "node:fs";
import path from "node:path";
import { buildDemoModels } from "@/scripts/demo-models/demo-models";
import { FILE_LIST_NAME, fileListEntries } from "@/lib/scoring/model-cache";

const outDir = path.resolve(process.argv[2] ?? "public/models");
const started = performance.now();
for (const [folder, files] of Object.entries(buildDemoModels())) {
  const written: Record<string, string | Uint8Array> = files;
  for (const [rel, contents] of Object.entries(written)) {
    const file = path.join(outDir, folder, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, contents);
    console.log(`${path.relative(process.cwd(), file)}  ${fs.statSync(file).size} bytes`);
  }
  const listing = path.join(outDir, folder, FILE_LIST_NAME);
  fs.writeFileSync(listing, JSON.stringify(fileListEntries(written), null, 2) + "\n");
  console.log(`${path.relative(process.cwd(), listing)}  ${Object.keys(written).length} files listed`);
}
console.log(`built demo models in ${Math.round(performance.now() - started)} ms`);
