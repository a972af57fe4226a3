/**
 * Scoring throughput in one run, on the same demo LM and the same token ids: onnxruntime-web (WASM) inside
 * headless Debian Chromium, 1 and 2 threads (the page is cross-origin isolated: COOP same-origin + COEP
 * require-corp), onnxruntime-web WebGPU in Chromium with --enable-unsafe-webgpu (prompt KV kept on the GPU or
 * handed through JS), and onnxruntime-node in this process; each with and without prompt sharing. Also checks that
 * every configuration's meanLogp matches onnxruntime-node's (1 thread, no sharing) within 1e-4.
 *
 * Usage: npx tsx bench/scoring-browser/run.ts [--pairs 32] [--prompt-words 150] [--reps 5] [--batch 8] [--threads 1,2]
 *        [--gpu-pairs 4]
 * Needs public/models/demo-lm (npx tsx scripts/build-models.ts public/models). Writes bench/out/scoring-browser/.
 */
import { chromium } from "@playwright/test";
import { build } from "esbuild";
import * as ortNode from "onnxruntime-node";
import { createServer } from "node:http";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { createLogprobScorer } from "@/lib/scoring/engine";
import { addTokenLogprobOutput } from "@/lib/scoring/logprob-graph";
import { createScoringTokenizer } from "@/lib/scoring/tokenize";
import { chromiumLaunch } from "../../scripts/chromium";
import { synthesizePairs } from "../scoring-pairs";
import type { PageConfig, PageResult } from "./page";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const nPairs = Number(arg("pairs", "32"));
const promptWords = Number(arg("prompt-words", "150"));
const reps = Number(arg("reps", "5"));
const batchSize = Number(arg("batch", "8"));
const threadCounts = arg("threads", "1,2").split(",").map(Number);
/** WebGPU here is SwiftShader (software, ~100× slower than WASM): it scores only the first pairs. 0 skips it. */
const gpuPairs = Number(arg("gpu-pairs", "4"));
const TOLERANCE = 1e-4;

const root = path.resolve(import.meta.dirname, "../..");
const outDir = path.join(root, "bench/out/scoring-browser");
const modelDir = path.join(root, "public/models/demo-lm");
const ortDist = path.join(root, "node_modules/onnxruntime-web/dist");

/** One measured configuration. */
interface Row {
  runtime: string;
  threads: number;
  sharePrompt: boolean;
  ms: number[];
  meanLogp: number[];
  /** Pairs and response tokens one timed pass scored. */
  pairs: number;
  responseTokens: number;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
const int = (v: number) => Math.round(v).toLocaleString("en-US");

/** Bundles page.ts; the extern-wasm condition makes ORT import ort-wasm-simd-threaded.mjs from wasmPaths. */
async function bundle(): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: {
      "page-wasm": path.join(root, "bench/scoring-browser/page-wasm.ts"),
      "page-webgpu": path.join(root, "bench/scoring-browser/page-webgpu.ts"),
    },
    outdir: outDir,
    bundle: true,
    format: "esm",
    target: "es2022",
    minify: true,
    tsconfig: path.join(root, "tsconfig.json"),
    conditions: ["onnxruntime-web-use-extern-wasm"],
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "warning",
  });
  for (const [html, entry] of [
    ["index.html", "page-wasm"],
    ["webgpu.html", "page-webgpu"],
  ]) {
    await writeFile(
      path.join(outDir, html),
      `<!doctype html><meta charset="utf-8"><title>scoring bench</title><link rel="icon" href="data:,"><script type="module" src="./${entry}.js"></script>`,
    );
  }
}

const types: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".wasm": "application/wasm",
  ".json": "application/json",
};

/** Serves the bundle at /, ORT's dist at /ort/ and the model folder at /model/, all cross-origin isolated. */
function serve(): Promise<{ url: string; close(): void }> {
  const mounts: [string, string][] = [
    ["ort/", ortDist],
    ["model/", modelDir],
    ["", outDir],
  ];
  const server = createServer(async (req, res) => {
    const name = path.posix
      .normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname))
      .replace(/^\/+/, "");
    const [prefix, dir] = mounts.find(([p]) => name.startsWith(p))!;
    const file = path.join(dir, name.slice(prefix.length) || "index.html");
    if (!file.startsWith(dir)) return void res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res
        .writeHead(200, {
          "content-type": types[path.extname(file)] ?? "application/octet-stream",
          "cross-origin-opener-policy": "same-origin",
          "cross-origin-embedder-policy": "require-corp",
          "cross-origin-resource-policy": "same-origin",
          "cache-control": "no-store",
        })
        .end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/`, close: () => server.close() });
    }),
  );
}

async function main(): Promise<void> {
  const read = (f: string) => readFile(path.join(modelDir, f));
  let modelBytes: Uint8Array;
  try {
    modelBytes = new Uint8Array(await read("onnx/model.onnx"));
  } catch {
    throw new Error(`${modelDir} is missing: run npx tsx scripts/build-models.ts public/models`);
  }
  const json = async (f: string) => JSON.parse(String(await read(f))) as Record<string, unknown>;
  const config = await json("config.json");
  const tok = createScoringTokenizer(await json("tokenizer.json"), await json("tokenizer_config.json"), config);

  const { pairs, promptTokens, responseTokens } = synthesizePairs(tok, nPairs, promptWords);
  console.error(
    `${nPairs} pairs, ${promptTokens} prompt tokens, ${responseTokens} response tokens, batch ${batchSize}`,
  );

  const rows: Row[] = [];
  const sessionMs: Record<string, number> = {};

  // (b) onnxruntime-node, in this process.
  const rewritten = addTokenLogprobOutput(modelBytes);
  for (const threads of threadCounts) {
    const t0 = performance.now();
    const session = await ortNode.InferenceSession.create(rewritten, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: "all",
    });
    sessionMs[`onnxruntime-node ${threads}`] = performance.now() - t0;
    const scorer = createLogprobScorer(session, ortNode.Tensor, config);
    for (const sharePrompt of [false, true]) {
      const options = { sharePrompt, batchSize };
      await scorer.scorePairs(pairs.slice(0, batchSize), options);
      const ms: number[] = [];
      let meanLogp: number[] = [];
      for (let r = 0; r < reps; r++) {
        const start = performance.now();
        const scores = await scorer.scorePairs(pairs, options);
        ms.push(performance.now() - start);
        meanLogp = scores.flatMap((s) => [s.chosen.meanLogp, s.rejected.meanLogp]);
      }
      rows.push({ runtime: "onnxruntime-node", threads, sharePrompt, ms, meanLogp, pairs: nPairs, responseTokens });
      console.error(`node threads=${threads} share=${sharePrompt}: ${ms.map((v) => v.toFixed(0)).join(", ")} ms`);
    }
    await session.release();
  }

  // (a) onnxruntime-web WASM in Chromium, a fresh page per thread count.
  await bundle();
  const server = await serve();
  const browser = await chromium.launch(chromiumLaunch);
  const browserVersion = browser.version();
  let isolated = true;
  try {
    for (const threads of threadCounts) {
      const page = await browser.newPage();
      page.on("pageerror", (e) => console.error(`[page] ${e.message}`));
      page.on("console", (m) => m.type() === "error" && console.error(`[console] ${m.text()}`));
      await page.goto(server.url);
      await page.waitForFunction(() => "scoringBench" in window);
      const pageConfig: PageConfig = {
        threads,
        pairs,
        reps,
        batchSize,
        modelUrl: "./model/onnx/model.onnx",
        configUrl: "./model/config.json",
        wasmPrefix: "./ort/",
        backend: "wasm",
        gpuResidentKv: false,
      };
      const r = await page.evaluate(
        (c) => (window as unknown as { scoringBench: { run(c: PageConfig): Promise<PageResult> } }).scoringBench.run(c),
        pageConfig,
      );
      isolated &&= r.crossOriginIsolated;
      sessionMs[`Chromium WASM ${threads}`] = r.sessionMs;
      for (const run of r.runs) {
        rows.push({ runtime: "onnxruntime-web WASM (Chromium)", threads, ...run, pairs: nPairs, responseTokens });
        console.error(
          `chromium threads=${threads} share=${run.sharePrompt} isolated=${r.crossOriginIsolated}: ` +
            `${run.ms.map((v) => v.toFixed(0)).join(", ")} ms`,
        );
      }
      await page.close();
    }
  } finally {
    await browser.close();
  }

  // (c) onnxruntime-web WebGPU in Chromium with --enable-unsafe-webgpu (SwiftShader here: no GPU), KV on the GPU
  // between the prompt and its two continuations vs handed through JS.
  let gpuAdapter = "none";
  const gpuBrowser = await chromium.launch({
    ...chromiumLaunch,
    args: [...chromiumLaunch.args, "--enable-unsafe-webgpu"],
  });
  try {
    const page = await gpuBrowser.newPage();
    page.on("pageerror", (e) => console.error(`[page] ${e.message}`));
    await page.goto(`${server.url}webgpu.html`);
    await page.waitForFunction(() => "scoringBench" in window);
    gpuAdapter = await page.evaluate(async () => {
      type Adapter = { info?: { vendor?: string; architecture?: string; isFallbackAdapter?: boolean } };
      const gpu = (navigator as { gpu?: { requestAdapter(): Promise<Adapter | null> } }).gpu;
      const a = gpu ? await gpu.requestAdapter() : null;
      if (!a) return "none";
      const i = a.info ?? {};
      return `${i.vendor || "?"} ${i.architecture || ""}${i.isFallbackAdapter ? " (fallback adapter)" : ""}`.trim();
    });
    if (gpuAdapter === "none") console.error("no WebGPU adapter: WebGPU rows skipped");
    const subset = pairs.slice(0, gpuPairs);
    const subsetTokens = subset.reduce((n, p) => n + p.chosen.responseIds.length + p.rejected.responseIds.length, 0);
    for (const gpuResidentKv of gpuAdapter === "none" || gpuPairs === 0 ? [] : [true, false]) {
      const pageConfig: PageConfig = {
        threads: 1,
        pairs: subset,
        reps,
        batchSize,
        modelUrl: "./model/onnx/model.onnx",
        configUrl: "./model/config.json",
        wasmPrefix: "./ort/",
        backend: "webgpu",
        gpuResidentKv,
        // Without prompt sharing no KV is passed, so that mode is timed once (with the GPU-resident setting).
        shareModes: gpuResidentKv ? [false, true] : [true],
      };
      const r = await page.evaluate(
        (c) => (window as unknown as { scoringBench: { run(c: PageConfig): Promise<PageResult> } }).scoringBench.run(c),
        pageConfig,
      );
      const runtime = `onnxruntime-web WebGPU (Chromium), KV ${gpuResidentKv ? "on GPU" : "through JS"}`;
      sessionMs[runtime] = r.sessionMs;
      for (const run of r.runs) {
        rows.push({ runtime, threads: 1, ...run, pairs: subset.length, responseTokens: subsetTokens });
        console.error(
          `webgpu kvOnGpu=${gpuResidentKv} share=${run.sharePrompt}: ${run.ms.map((v) => v.toFixed(0)).join(", ")} ms`,
        );
      }
    }
  } finally {
    await gpuBrowser.close();
    server.close();
  }

  // Agreement: every configuration against onnxruntime-node, first thread count, no sharing.
  const ref = rows[0].meanLogp;
  const diff = (v: number[]) => Math.max(...v.map((x, i) => Math.abs(x - ref[i])));
  const crossMax = Math.max(
    ...rows.flatMap((a) =>
      a.runtime === "onnxruntime-node"
        ? []
        : rows
            .filter((b) => b.runtime === "onnxruntime-node")
            .map((b) => Math.max(...a.meanLogp.map((x, i) => Math.abs(x - b.meanLogp[i])))),
    ),
  );

  const lines = [
    `Demo LM (\`public/models/demo-lm\`), ${nPairs} pairs, ${promptTokens} prompt + ${responseTokens} response tokens ` +
      `(${promptWords}-word prompts), batch ${batchSize}; median of ${reps} timed passes after a one-batch warm-up. ` +
      `Chromium ${browserVersion} headless (Playwright), cross-origin isolated: ${isolated}; ` +
      `Node ${process.version}, ${os.cpus().length} vCPUs. WebGPU adapter (--enable-unsafe-webgpu): ${gpuAdapter}.`,
    "",
    "| runtime | threads | prompt sharing | pairs | response tokens/s | pairs/s | ms (median) | max \\|ΔmeanLogp\\| vs node |",
    "|---|---|---|---|---|---|---|---|",
    ...rows.map((r) => {
      const s = median(r.ms) / 1000;
      return (
        `| ${r.runtime} | ${r.threads} | ${r.sharePrompt ? "on" : "off"} | ${r.pairs} | ${int(r.responseTokens / s)} | ` +
        `${(r.pairs / s).toFixed(2)} | ${int(s * 1000)} | ${diff(r.meanLogp).toExponential(1)} |`
      );
    }),
    "",
    `Session creation (ms): ${Object.entries(sessionMs)
      .map(([k, v]) => `${k} thread(s) ${int(v)}`)
      .join("; ")}.`,
    `Max |meanLogp(Chromium) − meanLogp(node)| over all pairs, sides and configurations: ${crossMax.toExponential(2)} ` +
      `(${crossMax <= TOLERANCE ? "within" : "OVER"} ${TOLERANCE}).`,
  ];
  const md = lines.join("\n");
  console.log(md);
  await writeFile(path.join(outDir, "results.md"), md + "\n");
  await writeFile(
    path.join(outDir, "results.json"),
    JSON.stringify(
      {
        nPairs,
        promptWords,
        reps,
        batchSize,
        promptTokens,
        responseTokens,
        browserVersion,
        isolated,
        gpuAdapter,
        sessionMs,
        crossMax,
        rows,
      },
      null,
      1,
    ),
  );
  if (!(crossMax <= TOLERANCE)) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
