/**
 * The seeded file of the ingest benchmarks: TRL strings drawn from the texts of ../shared/datasets (real prompts and
 * responses, with their escapes and non-ASCII characters), two reward scores and four summed log-probs per row.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRng } from "@/lib/metrics/random";

/** Where the shared datasets live (beside the repository). */
export const SHARED_DATASETS = path.resolve(import.meta.dirname, "../../shared/datasets");

/** Prompt and response texts of the shared datasets, or null when ../shared is absent. */
function sharedTexts(): string[] | null {
  const dpo = path.join(SHARED_DATASETS, "llamafactory-dpo-en-demo/dpo_en_demo.json");
  const alpaca = path.join(SHARED_DATASETS, "alpacaeval-weighted-fusechat-llama32-3b/annotations.json");
  if (!fs.existsSync(dpo) || !fs.existsSync(alpaca)) return null;
  const texts: string[] = [];
  type Dpo = { conversations: { value: string }[]; chosen: { value: string }; rejected: { value: string } };
  for (const r of JSON.parse(fs.readFileSync(dpo, "utf8")) as Dpo[])
    texts.push(r.conversations[0].value, r.chosen.value, r.rejected.value);
  type Alpaca = { instruction: string; output_1: string; output_2: string };
  for (const r of JSON.parse(fs.readFileSync(alpaca, "utf8")) as Alpaca[])
    texts.push(r.instruction, r.output_1, r.output_2);
  return texts;
}

/**
 * Generates (once per size) a JSONL file of about `megabytes` MB, or of exactly `rows` rows when given (texts cut to
 * `maxTextChars`); null when ../shared/datasets is absent.
 */
export function generateIngestFile(megabytes: number, rows?: number, maxTextChars = 400): string | null {
  const texts = sharedTexts();
  if (!texts) return null;
  const file = path.join(os.tmpdir(), `margin-atlas-ingest-${rows ? `${rows}rows` : `${megabytes}mb`}.jsonl`);
  if (fs.existsSync(file)) return file;
  const rng = createRng(7);
  const pick = () => {
    const t = texts[Math.floor(rng() * texts.length)];
    return rows ? t.slice(0, maxTextChars) : t;
  };
  const fd = fs.openSync(`${file}.tmp`, "w");
  let bytes = 0;
  let written = 0;
  const done = () => (rows ? written >= rows : bytes >= megabytes * 1e6);
  while (!done()) {
    const lines: string[] = [];
    for (let k = 0; k < 5000 && !(rows && written >= rows); k++, written++) {
      const logp = () => Math.round(-rng() * 400 * 1e4) / 1e4;
      lines.push(
        JSON.stringify({
          prompt: pick(),
          chosen: pick(),
          rejected: pick(),
          score_chosen: Math.round(rng() * 1e4) / 1e3,
          score_rejected: Math.round(rng() * 1e4) / 1e3,
          chosen_logps: logp(),
          rejected_logps: logp(),
          ref_chosen_logps: logp(),
          ref_rejected_logps: logp(),
        }),
      );
    }
    const text = lines.join("\n") + "\n";
    bytes += Buffer.byteLength(text);
    fs.writeSync(fd, text);
  }
  fs.closeSync(fd);
  fs.renameSync(`${file}.tmp`, file);
  return file;
}
