/**
 * The seeded rows of the curation drag benchmarks (Node and browser legs measure the same data): short
 * prompt/chosen/rejected texts, `rm_margin` uniform [0, 8), `logp_margin_norm` uniform [−2, 2), ~1 % of each missing.
 */
import { createRng } from "@/lib/metrics/random";

/** Yields the file's JSONL text in chunks of 10,000 lines. */
export function* curationRowChunks(rows: number): Generator<string> {
  const rng = createRng(1);
  let lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const explicit = rng() < 0.01 ? null : rng() * 8;
    const implicit = rng() < 0.01 ? null : (rng() - 0.5) * 4;
    lines.push(
      JSON.stringify({
        prompt: `Question ${i}?`,
        chosen: `Good answer ${i}.`,
        rejected: `Bad answer ${i}.`,
        rm_margin: explicit,
        logp_margin_norm: implicit,
      }),
    );
    if (lines.length === 10_000) {
      yield lines.join("\n") + "\n";
      lines = [];
    }
  }
  if (lines.length) yield lines.join("\n") + "\n";
}
