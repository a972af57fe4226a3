/**
 * The multi-response file a generation run writes, the same bytes in the app and the CLI (`generate --out`): one
 * JSONL row per prompt in prompt order (`prompt`, `all_generated_responses`, `all_rm_scores` when scored,
 * `all_generated_logps`, `all_generated_tokens`, `all_finish_reasons`, `generation_settings`), which `select` and the
 * workbench read as best/worst pairs.
 */
import type { GeneratedPrompt, GenerateSettings } from "@/lib/scoring/protocol";
import { generationRow, type GenerationSettings } from "./run";

/** w of M_AP in the paper's self-play (on-policy) setting. */
export const SELF_PLAY_WEIGHT = 2.5;

/** `prompts.jsonl` → `prompts.generated.jsonl`, `p.csv.gz` → `p.generated.jsonl` (a name without a folder). */
export function generatedFileName(name: string): string {
  const plain = name.replace(/\.gz$/i, "");
  const dot = plain.lastIndexOf(".");
  const stem = dot > 0 ? plain.slice(0, dot) : plain;
  return `${stem}.generated.jsonl`;
}

/** One row per finished prompt, in prompt order, as the CLI writes them. */
export function generatedLines(
  prompts: readonly GeneratedPrompt[],
  settings: GenerateSettings,
  policyHash?: string,
): string[] {
  return [...prompts]
    .sort((a, b) => a.index - b.index)
    .map((p) =>
      JSON.stringify(
        generationRow(p, settings as GenerationSettings, {
          ...(p.rmScores ? { rmScores: p.rmScores } : {}),
          modelSha256: policyHash,
        }),
      ),
    );
}

/** The file as a Blob (`application/x-ndjson`), each row ending with a newline. */
export function generatedJsonl(
  prompts: readonly GeneratedPrompt[],
  settings: GenerateSettings,
  policyHash?: string,
): Blob {
  const lines = generatedLines(prompts, settings, policyHash);
  return new Blob(
    lines.map((l) => `${l}\n`),
    { type: "application/x-ndjson" },
  );
}
