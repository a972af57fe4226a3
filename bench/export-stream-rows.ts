/**
 * The seeded file of the export benchmarks (Node and browser legs): TRL strings of about `textBytes` characters per
 * row, a reward margin (1 % missing), summed policy and reference log-probs and a normalised log-prob margin.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRng } from "@/lib/metrics/random";

/** Generates the file once per size: TRL strings, a reward margin, summed policy and reference log-probs. */
export function generateExportFile(rows: number, textBytes: number): string {
  const file = path.join(os.tmpdir(), `margin-atlas-export-stream-${rows}-${textBytes}.jsonl`);
  if (fs.existsSync(file)) return file;
  const rng = createRng(10);
  const fd = fs.openSync(`${file}.tmp`, "w");
  const filler = "The quick brown fox jumps over the lazy dog, é ✓. ";
  const text = (n: number) => filler.repeat(Math.ceil(n / filler.length)).slice(0, n);
  let lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const missing = rng() < 0.01;
    const logp = () => Math.round(-rng() * 400 * 1e4) / 1e4;
    lines.push(
      JSON.stringify({
        prompt: `Question ${i}: ${text(textBytes * 0.2)}`,
        chosen: `Answer ${i}: ${text(textBytes * 0.45)}`,
        rejected: `Answer ${i}, worse: ${text(textBytes * 0.35)}`,
        rm_margin: missing ? null : Math.round(rng() * 8e6) / 1e6,
        chosen_logps: logp(),
        rejected_logps: logp(),
        ref_chosen_logps: logp(),
        ref_rejected_logps: logp(),
        logp_margin_norm: Math.round((rng() - 0.5) * 4e6) / 1e6,
      }),
    );
    if (lines.length === 10_000) {
      fs.writeSync(fd, lines.join("\n") + "\n");
      lines = [];
    }
  }
  if (lines.length) fs.writeSync(fd, lines.join("\n") + "\n");
  fs.closeSync(fd);
  fs.renameSync(`${file}.tmp`, file);
  return file;
}
