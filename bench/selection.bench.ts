/**
 * Selection compute at 10^6 rows against numpy in the same run: `npx tsx bench/selection.bench.ts [rows]`.
 * A full re-rank (w change, metric change) = scores + the top-k mask (an O(n) radix select: the evaluator no longer
 * sorts; the full order is sorted lazily, when ranks are shown or a handle is dragged, and timed on its own row);
 * numpy does z-scores + stable argsort + `[-k:]` on the same columns (written to a temp file; only the compute inside
 * Python is timed). "Eager sort" is the path before the select (scores + full radix argsort + a walk to k), "before"
 * the one before that (scores without the cache, the former 16-bit-digit argsort), both in this same process.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { computeScores, ScoreCache } from "@/lib/metrics/select";
import { radixArgsort } from "@/lib/metrics/order";
import { createRng } from "@/lib/metrics/random";
import { SelectionEvaluator, pickTop, rankScores, targetFor, type RankedScores } from "@/lib/selection/evaluate";
import { defaultSpec } from "@/lib/selection/spec";
import type { MarginColumns } from "@/lib/dataset/types";

const rows = Number(process.argv[2] ?? 1_000_000);
const runs = 7;

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

// The argsort this project used before (four 16-bit LSD passes, fresh buffers per call), kept here as the "before".
function previousArgsort(values: Float64Array): Uint32Array {
  const n = values.length;
  const hiWord = new Uint32Array(new Float64Array([-0]).buffer)[1] === 0x80000000 ? 1 : 0;
  let m = 0;
  for (let i = 0; i < n; i++) if (!Number.isNaN(values[i])) m++;
  let idx = new Uint32Array(m);
  let hi = new Uint32Array(m);
  let lo = new Uint32Array(m);
  const packed = new Float64Array(m);
  const words = new Uint32Array(packed.buffer);
  for (let i = 0, j = 0; i < n; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    packed[j] = v + 0;
    idx[j++] = i;
  }
  for (let j = 0; j < m; j++) {
    const h = words[2 * j + hiWord];
    const l = words[2 * j + 1 - hiWord];
    const neg = h >>> 31 === 1;
    hi[j] = neg ? ~h >>> 0 : (h | 0x80000000) >>> 0;
    lo[j] = neg ? ~l >>> 0 : l;
  }
  const counts = new Uint32Array(4 * 65536);
  for (let j = 0; j < m; j++) {
    counts[lo[j] & 0xffff]++;
    counts[65536 + (lo[j] >>> 16)]++;
    counts[131072 + (hi[j] & 0xffff)]++;
    counts[196608 + (hi[j] >>> 16)]++;
  }
  let idx2 = new Uint32Array(m);
  let hi2 = new Uint32Array(m);
  let lo2 = new Uint32Array(m);
  for (let pass = 0; pass < 4; pass++) {
    const base = pass * 65536;
    let trivial = false;
    for (let d = 0; d < 65536; d++) {
      const c = counts[base + d];
      if (c === m) trivial = true;
      if (c !== 0) break;
    }
    if (trivial || m === 0) continue;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = counts[base + d];
      counts[base + d] = sum;
      sum += c;
    }
    const keys = pass < 2 ? lo : hi;
    const shift = pass % 2 === 0 ? 0 : 16;
    for (let j = 0; j < m; j++) {
      const p = counts[base + ((keys[j] >>> shift) & 0xffff)]++;
      idx2[p] = idx[j];
      hi2[p] = hi[j];
      lo2[p] = lo[j];
    }
    [idx, idx2] = [idx2, idx];
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
  }
  return idx;
}

// numpy leg: the paper's selection (z-scores over rows with both margins, stable argsort, last k), timed inside.
const NUMPY = String.raw`
import sys, time, json
import numpy as np
ex = np.fromfile(sys.argv[1], dtype="<f8"); im = np.fromfile(sys.argv[2], dtype="<f8"); runs = int(sys.argv[3])
out = {"w": [], "explicit": []}
for r in range(runs):
    t = time.perf_counter()
    ok = np.isfinite(ex) & np.isfinite(im); e = ex[ok]; a = np.abs(im[ok])
    s = (e - e.mean()) / e.std() - (0.5 + 0.137 * r) * (a - a.mean()) / a.std()
    k = int(0.4 * len(s)); top = np.argsort(s, kind="stable")[-k:]
    mask = np.zeros(len(ex), np.uint8); mask[np.flatnonzero(ok)[top]] = 1
    out["w"].append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    ok = np.isfinite(ex); e = ex[ok]; s = (e - e.mean()) / e.std()
    k = int(0.4 * len(s)); top = np.argsort(s, kind="stable")[-k:]
    mask = np.zeros(len(ex), np.uint8); mask[np.flatnonzero(ok)[top]] = 1
    out["explicit"].append((time.perf_counter() - t) * 1000)
print(json.dumps(out))
`;
const dir = mkdtempSync(join(tmpdir(), "selection-bench-"));
let numpy: { w: number[]; explicit: number[] };
try {
  const exPath = join(dir, "explicit.f64");
  const imPath = join(dir, "implicit.f64");
  writeFileSync(exPath, new Uint8Array(cols.explicit.buffer));
  writeFileSync(imPath, new Uint8Array(cols.implicit.buffer));
  numpy = JSON.parse(execFileSync("python3", ["-c", NUMPY, exPath, imPath, String(runs)], { encoding: "utf8" }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const spec = defaultSpec();
const noRead = () => null;
const cache = new ScoreCache();
const evaluator = new SelectionEvaluator(rows);
const timings: Record<string, number[]> = {
  "after: w change (scores + top-k mask)": [],
  "  of which scores (cached z terms)": [],
  "  of which top-k mask (evaluate: radix select)": [],
  "after: metric change to explicit": [],
  "ranks when shown (lazy: full argsort + rank column)": [],
  "eager sort: w change (scores + argsort + walk)": [],
  "eager sort: metric change to explicit": [],
  "before: w change": [],
  "before: metric change to explicit": [],
};
const rerank = (metric: "map" | "explicit", weight: number) => {
  const scored = time(() => computeScores(cols, { metric, weight, seed: 42 }, cache));
  const picked = time(() =>
    evaluator.evaluate(
      { ...spec, ranking: { ...spec.ranking, metric, weight } },
      rankScores(scored.result.score),
      noRead,
      noRead,
    ),
  );
  return { scored, picked, total: scored.ms + picked.ms };
};
const ranks = (score: Float64Array) =>
  time(() => {
    const order = radixArgsort(score, true);
    const rank = new Float64Array(score.length).fill(NaN);
    for (let p = 0; p < order.length; p++) rank[order[p]] = p + 1;
    return rank;
  });
const eager = (metric: "map" | "explicit", weight: number) =>
  time(() => {
    const scored = computeScores(cols, { metric, weight, seed: 42 }, cache);
    const order = radixArgsort(scored.score, true);
    const ranked: RankedScores = { order, valid: order.length };
    return pickTop(ranked, targetFor(spec.ranking, ranked.valid), null, new Uint8Array(rows)).selected;
  });
const before = (metric: "map" | "explicit", weight: number) =>
  time(() => {
    const scored = computeScores(cols, { metric, weight, seed: 42 });
    const ranked: RankedScores = { order: previousArgsort(scored.score).reverse(), valid: scored.valid };
    return pickTop(ranked, targetFor(spec.ranking, ranked.valid), null, new Uint8Array(rows)).selected;
  });
let selected = 0;
for (let r = 0; r < runs; r++) {
  const w = 0.5 + 0.137 * r;
  const a = rerank("map", w);
  timings["after: w change (scores + top-k mask)"].push(a.total);
  timings["  of which scores (cached z terms)"].push(a.scored.ms);
  timings["  of which top-k mask (evaluate: radix select)"].push(a.picked.ms);
  selected = a.picked.result.selectedCount;
  timings["after: metric change to explicit"].push(rerank("explicit", w).total);
  timings["ranks when shown (lazy: full argsort + rank column)"].push(ranks(a.scored.result.score).ms);
  const e = eager("map", w);
  if (e.result !== selected) throw new Error(`eager path selected ${e.result}, the select ${selected}`);
  timings["eager sort: w change (scores + argsort + walk)"].push(e.ms);
  timings["eager sort: metric change to explicit"].push(eager("explicit", w).ms);
  timings["before: w change"].push(before("map", w).ms);
  timings["before: metric change to explicit"].push(before("explicit", w).ms);
}

const numpyW = median(numpy.w);
const numpyEx = median(numpy.explicit);
console.log(
  `rows=${rows} selected=${selected} node=${process.version} (median of ${runs} runs, ms; ratio = ms / numpy's)`,
);
console.log(
  `numpy w change       ${numpyW.toFixed(1).padStart(8)}   runs: ${numpy.w.map((m) => m.toFixed(1)).join(" ")}`,
);
console.log(
  `numpy explicit       ${numpyEx.toFixed(1).padStart(8)}   runs: ${numpy.explicit.map((m) => m.toFixed(1)).join(" ")}`,
);
for (const [name, ms] of Object.entries(timings)) {
  const base = name.includes("explicit") ? numpyEx : numpyW;
  console.log(
    `${name.padEnd(52)} ${median(ms).toFixed(1).padStart(8)}  ×numpy ${(median(ms) / base).toFixed(2)}   runs: ${ms.map((m) => m.toFixed(1)).join(" ")}`,
  );
}
