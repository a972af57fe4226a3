/**
 * App-level scoring throughput, before vs after the forward pool, in one run: the production build (`next start`)
 * in headless Chromium, cross-origin isolated, a dataset uploaded and a model folder loaded through the UI, and
 * "Score dataset" timed from the click until the status says every pair is done (results stored in IndexedDB and
 * delivered to the dataset worker). "before" is `?scoringWorkers=1` (the scoring worker alone, min(4, cores) WASM
 * threads: the app's path before the pool); "after" is the app's own plan (`planScoringPool`, on 2 cores 2 forward
 * workers × 1 thread). Both pages stay open and their runs alternate (stored scores cleared before each), so load
 * spikes fall on both alike; the first run of each page (model and pool start) is reported apart. onnxruntime-node
 * scores the same token ids in this process at 1 and 2 threads, chunk by chunk as the app does, for the ratio at
 * equal cores. GFLOP/s from lib/scoring/forward-flops.ts.
 *
 * Usage: NEXT_DIST_DIR=.next-pool npx tsx bench/scoring-browser/app.ts [--port 3612] [--reps 3]
 *        [--models tiny,realistic] [--tiny-pairs 96] [--realistic-pairs 12] [--b-dist .next-other --b-port 3614]
 * Needs a production build in NEXT_DIST_DIR (npx next build) and public/models/demo-lm.
 */
import { chromium, type Page } from "@playwright/test";
import * as ortNode from "onnxruntime-node";
import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createLogprobScorer } from "@/lib/scoring/engine";
import { flopShapeFromConfig, scoringWork } from "@/lib/scoring/forward-flops";
import { addTokenLogprobOutput } from "@/lib/scoring/logprob-graph";
import { DEFAULT_SEQUENCE_OPTIONS, tokenizePair, type TokenizedPair } from "@/lib/scoring/sequence";
import { createScoringTokenizer } from "@/lib/scoring/tokenize";
import { writeRealisticLlamaFolder } from "@/scripts/demo-models/realistic-llama";
import { chromiumLaunch } from "../../scripts/chromium";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const port = Number(arg("port", "3612"));
const reps = Number(arg("reps", "3"));
const models = arg("models", "tiny,realistic").split(",");
const tinyPairs = Number(arg("tiny-pairs", "96"));
const realisticPairs = Number(arg("realistic-pairs", "12"));
/** A second build (another NEXT_DIST_DIR) served on `--b-port`, whose own plan runs as a third page: an A/B of builds. */
const buildB = arg("b-dist", "");
const portB = Number(arg("b-port", "3614"));
const root = path.resolve(import.meta.dirname, "../..");
const demoLm = path.join(root, "public/models/demo-lm");
const WORDS = [
  "tea",
  "river",
  "Paris",
  "seven",
  "green",
  "quiet",
  "bread",
  "window",
  "storm",
  "violin",
  "sugar",
  "map",
];

/** `n` preference rows whose prompts and responses have `scale` × varied lengths (texts as the app reads them). */
function rows(n: number, scale: number): { prompt: string; chosen: string; rejected: string }[] {
  return Array.from({ length: n }, (_, i) => {
    const w = (k: number) => WORDS[(i * 7 + k * 3) % WORDS.length];
    const words = (k: number, len: number) => Array.from({ length: len }, (_, j) => w(k + j)).join(" ");
    return {
      prompt: `Question ${i}: ${words(0, scale * (6 + (i % 5) * 3))}?`,
      chosen: `${words(2, scale * (4 + (i % 4) * 3))}.`,
      rejected: `${words(5, scale * (3 + (i % 3) * 2))}.`,
    };
  });
}

const loadAverage = () =>
  os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(" / ");

/** Stops the server's process group (npx and next), if still there. */
function kill(pid: number): void {
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    // already gone
  }
}

/** Starts `next start` on the build in NEXT_DIST_DIR and waits until it answers. */
async function startServer(port: number, distDir = process.env.NEXT_DIST_DIR): Promise<() => void> {
  const up = await fetch(`http://127.0.0.1:${port}/`).then(
    () => true,
    () => false,
  );
  // Another server there would be measured instead of this build.
  if (up) throw new Error(`port ${port} is in use: pass --port`);
  const child = spawn("npx", ["next", "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: root,
    env: { ...process.env, NEXT_DIST_DIR: distDir },
    stdio: ["ignore", "ignore", "inherit"],
    detached: true,
  });
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/`)).ok) return () => void kill(child.pid!);
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  kill(child.pid!);
  throw new Error("next start did not answer");
}

/** Opens the app with `query`, uploads the dataset, loads the model folder on WASM. */
async function openPage(page: Page, url: string, dataset: string, modelDir: string): Promise<void> {
  await page.goto(url);
  await page.getByRole("button", { name: "Load demo dataset" }).waitFor();
  await page.getByLabel("Upload dataset").setInputFiles(dataset);
  await page
    .getByTestId("missing-counts")
    .getByText(/missing implicit margin: \d+/)
    .waitFor();
  await page.getByLabel("Backend").selectOption({ label: "WASM" });
  await page.getByLabel("Load model folder", { exact: true }).setInputFiles(modelDir);
  await page
    .getByTestId("backend-policy")
    .getByText(/backend WASM/)
    .waitFor({ timeout: 300_000 });
}

/** Clears stored scores, clicks "Score dataset", returns the ms until the status says `n / n` done, and the status. */
async function timedRun(page: Page, n: number): Promise<{ ms: number; stats: string; plan: string }> {
  await page.getByRole("button", { name: "Clear stored scores" }).click();
  // clearResults is its own call: let it finish before the run reads the store.
  await page.waitForTimeout(500);
  // A string, not a function: tsx names arrow functions with a helper (`__name`) that the page does not have.
  const r = (await page.evaluate(`new Promise((resolve, reject) => {
    const el = document.querySelector('[data-testid="scoring-stats"]');
    const button = [...document.querySelectorAll("button")].find((b) => b.textContent === "Score dataset");
    if (!button) return reject(new Error("no Score dataset button"));
    let running = false;
    const t0 = performance.now();
    const observer = new MutationObserver(() => {
      const t = el.textContent ?? "";
      if (t.startsWith("running")) running = true;
      if (running && t.startsWith("done: ${n} / ${n} pairs")) {
        observer.disconnect();
        resolve({ ms: performance.now() - t0, stats: t });
      }
      if (t.startsWith("error")) reject(new Error(t));
    });
    observer.observe(el, { childList: true, subtree: true, characterData: true });
    button.click();
  })`)) as { ms: number; stats: string };
  if (r.stats.includes("from stored")) throw new Error(`a run read stored results: ${r.stats}`);
  const plan = (await page.getByTestId("batch-plan").textContent()) ?? "";
  return { ...r, plan };
}

/** The pipeline's chunks of 16 pairs, scored with onnxruntime-node at `threads`, as the app's plan batches them. */
async function nodePasses(bytes: Uint8Array, config: Record<string, unknown>, pairs: TokenizedPair[], plan: string) {
  const m = /batches ≤ (\d+) rows \/ ([\d,]+) tokens/.exec(plan);
  const options = { batchSize: Number(m?.[1] ?? 8), maxBatchTokens: Number((m?.[2] ?? "4096").replace(/,/g, "")) };
  const rewritten = addTokenLogprobOutput(bytes);
  const out: { threads: number; pass: () => Promise<number> }[] = [];
  for (const threads of [1, 2]) {
    const session = await ortNode.InferenceSession.create(rewritten, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: "all",
    });
    const scorer = createLogprobScorer(session, ortNode.Tensor, config);
    await scorer.scorePairs(pairs.slice(0, 4), options);
    out.push({
      threads,
      pass: async () => {
        const t0 = performance.now();
        for (let at = 0; at < pairs.length; at += 16) await scorer.scorePairs(pairs.slice(at, at + 16), options);
        return performance.now() - t0;
      },
    });
  }
  return out;
}

interface Row {
  model: string;
  runtime: string;
  config: string;
  cores: number;
  ms: number[];
  firstMs?: number;
  plan?: string;
}

async function main() {
  const tmp = await mkdtemp(path.join(os.tmpdir(), "ma-app-bench-"));
  const stop = await startServer(port);
  const stopB = buildB ? await startServer(portB, buildB).catch((e: unknown) => (stop(), Promise.reject(e))) : () => {};
  const browser = await chromium.launch(chromiumLaunch);
  const report: string[] = [`load average at start: ${loadAverage()}`];
  try {
    for (const name of models) {
      let dir = demoLm;
      if (name === "realistic") {
        dir = path.join(tmp, "realistic-llm");
        await writeRealisticLlamaFolder(dir);
        // The demo tokenizer (320 ids, all inside the 32,000-entry vocabulary) stands in for a real one.
        for (const f of ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"])
          await copyFile(path.join(demoLm, f), path.join(dir, f));
      }
      const n = name === "realistic" ? realisticPairs : tinyPairs;
      const data = rows(n, name === "realistic" ? 3 : 4);
      const dataset = path.join(tmp, `${name}.jsonl`);
      await writeFile(dataset, data.map((r) => JSON.stringify(r)).join("\n") + "\n");
      const config = JSON.parse(await readFile(path.join(dir, "config.json"), "utf8")) as Record<string, unknown>;
      const tok = createScoringTokenizer(
        JSON.parse(await readFile(path.join(dir, "tokenizer.json"), "utf8")),
        JSON.parse(await readFile(path.join(dir, "tokenizer_config.json"), "utf8")),
        config,
      );
      const pairs = data.map((r) =>
        tokenizePair(tok, [{ role: "user", content: r.prompt }], r.chosen, r.rejected, DEFAULT_SEQUENCE_OPTIONS),
      );
      const work = scoringWork(flopShapeFromConfig(config)!, pairs, true);

      const pages: { label: string; page: Page; row: Row }[] = [];
      const a = `http://127.0.0.1:${port}/`;
      for (const [label, url] of [
        ["before: scoring worker alone", `${a}?scoringWorkers=1`],
        ["after: the app's pool plan", a],
        ...(buildB ? [[`after, build ${buildB}`, `http://127.0.0.1:${portB}/`]] : []),
      ]) {
        const context = await browser.newContext();
        const page = await context.newPage();
        await openPage(page, url, dataset, dir);
        const first = await timedRun(page, n);
        if (!/ · \d+ workers? × \d+ threads? \(/.test(first.plan))
          throw new Error(`the status names no pool (another build?): ${first.plan}`);
        const cores = /\((\d+) cores?\)|(\d+) workers? × (\d+) threads?/.exec(first.plan);
        const w = /(\d+) workers? × (\d+) threads?/.exec(first.plan);
        pages.push({
          label,
          page,
          row: {
            model: name,
            runtime: "Chromium WASM (app)",
            config: `${label}: ${first.plan.replace(/ \(WASM memory[^)]*\)/, "")}`,
            cores: w ? Number(w[1]) * Number(w[2]) : Number(cores?.[1] ?? 0),
            ms: [],
            firstMs: first.ms,
            plan: first.plan,
          },
        });
      }
      const bytes = new Uint8Array(await readFile(path.join(dir, "onnx/model.onnx")));
      const node = await nodePasses(bytes, config, pairs, pages[0].row.plan!);
      const nodeRows: Row[] = node.map((s) => ({
        model: name,
        runtime: "onnxruntime-node",
        config: `${s.threads} thread${s.threads > 1 ? "s" : ""}`,
        cores: s.threads,
        ms: [],
      }));
      for (let r = 0; r < reps; r++) {
        // Rotate the order each round so no configuration always runs right after the same one.
        const order = [...pages.map((p) => p.row), ...nodeRows];
        const shift = r % order.length;
        for (const row of [...order.slice(shift), ...order.slice(0, shift)]) {
          const p = pages.find((x) => x.row === row);
          if (p) row.ms.push((await timedRun(p.page, n)).ms);
          else row.ms.push(await node[nodeRows.indexOf(row)].pass());
        }
      }
      const all = [...nodeRows, ...pages.map((p) => p.row)];
      const best = (row: Row) => Math.min(...row.ms);
      const before = best(pages[0].row);
      report.push(
        "",
        `${name}: ${n} pairs, ${work.tokens.toLocaleString("en-US")} tokens fed, ${(work.flops / 1e9).toFixed(2)} GFLOP per run; ${pages[0].row.plan}`,
        "",
        "| runtime | configuration | cores | pairs/s | tokens/s | GFLOP/s | × node (equal cores) | × before | ms best | ms all | first run ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
      );
      for (const row of all) {
        const ms = best(row);
        const nodeEq = nodeRows.find((x) => x.cores === Math.min(2, row.cores));
        const fmt = (v: number, d = 0) =>
          v.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
        report.push(
          `| ${row.runtime} | ${row.config} | ${row.cores} | ${fmt((n * 1000) / ms, 2)} | ${fmt((work.tokens * 1000) / ms)} | ` +
            `${fmt(work.flops / ms / 1e6, 1)} | ${nodeEq ? (best(nodeEq) / ms).toFixed(2) : "–"} | ` +
            `${row.runtime.startsWith("Chromium") ? (before / ms).toFixed(2) : "–"} | ${fmt(ms)} | ` +
            `${row.ms.map((v) => fmt(v)).join(", ")} | ${row.firstMs ? fmt(row.firstMs) : "–"} |`,
        );
      }
      report.push("", `load average after ${name}: ${loadAverage()}`);
      for (const p of pages) await p.page.context().close();
      console.log(report.join("\n"));
    }
  } finally {
    await browser.close();
    stop();
    stopB();
    await rm(tmp, { recursive: true, force: true });
  }
  const out = path.join(root, "bench/out/scoring-app");
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, "results.md"), report.join("\n") + "\n");
  console.log(`\nwritten to ${path.relative(root, out)}/results.md`);
}

await main();
