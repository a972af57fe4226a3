/**
 * Micro-benchmark of the selection path on 10^6 rows: `npx tsx bench/selection.bench.ts [rows]`.
 * Prints the median of 5 runs for scoring (map), top-k, a threshold change (top-k only) and ranks.
 */
import { computeScores, rankOf, selectTop } from "@/lib/metrics/select";
import { createRng } from "@/lib/metrics/random";
import type { MarginColumns } from "@/lib/dataset/types";

const rows = Number(process.argv[2] ?? 1_000_000);
const runs = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time<T>(fn: () => T): { ms: number; result: T } {
  const t0 = performance.now();
  const result = fn();
  return { ms: performance.now() - t0, result };
}

const rng = createRng(1);
const cols: MarginColumns = { explicit: new Float64Array(rows), implicit: new Float64Array(rows) };
for (let i = 0; i < rows; i++) {
  // ~1% missing margins, as in real files where some rows lack a reward score.
  cols.explicit[i] = rng() < 0.01 ? NaN : rng() * 8;
  cols.implicit[i] = rng() < 0.01 ? NaN : (rng() - 0.5) * 4;
}

const timings: Record<string, number[]> = {
  "computeScores(map)": [],
  "selectTop(ratio 0.4)": [],
  "selectTop(+thresholds)": [],
  rankOf: [],
};
let selected = 0;
for (let r = 0; r < runs; r++) {
  const scored = time(() => computeScores(cols, { metric: "map", weight: 1, seed: 42 }));
  timings["computeScores(map)"].push(scored.ms);
  const top = time(() => selectTop(scored.result, cols, { ratio: 0.4 }));
  timings["selectTop(ratio 0.4)"].push(top.ms);
  // A threshold drag re-runs only selectTop on the cached scores (see DatasetSession.select).
  const thr = time(() =>
    selectTop(scored.result, cols, { ratio: 0.4, explicitFloor: 2 + r * 0.1, implicitCeiling: 1.5 }),
  );
  timings["selectTop(+thresholds)"].push(thr.ms);
  timings.rankOf.push(time(() => rankOf(scored.result.score)).ms);
  selected = top.result.indices.length;
}

console.log(`rows=${rows} scored-selected=${selected} node=${process.version} (median of ${runs} runs, ms)`);
for (const [name, ms] of Object.entries(timings)) {
  console.log(
    `${name.padEnd(24)} ${median(ms).toFixed(1).padStart(8)}   runs: ${ms.map((m) => m.toFixed(1)).join(" ")}`,
  );
}
