/**
 * Generation throughput in one run, on the demo LM with the same prompts and settings everywhere: onnxruntime-node
 * in this process, onnxruntime-web WASM inside headless Debian Chromium (1 and 2 threads; the page is cross-origin
 * isolated: COOP same-origin + COEP require-corp) and, on the first prompts only, onnxruntime-web WebGPU in
 * Chromium with --enable-unsafe-webgpu (SwiftShader here). Every configuration runs measure.ts, i.e. the app's
 * `generateResponses` over `createGenerator(createKvDecoder(...))` on the `addLastLogitsOutput` graph, with k
 * samples per prompt batched on the prompt's KV cache and no stop token (every sample is max-new-tokens long).
 * Since sampling is seeded per (seed, prompt, sample), every runtime should draw the same ids; the run reports how
 * many samples differ from onnxruntime-node's and at which step (a float difference can move a draw across a
 * CDF boundary, after which the sample diverges).
 *
 * Usage: npx tsx bench/generation-browser/run.ts [--prompts 8] [--max-new-tokens 128] [--k 5] [--temperature 0.8]
 *        [--seed 42] [--reps 5] [--threads 1,2] [--node-threads 1] [--gpu-prompts 2]
 * --gpu-prompts 0 skips WebGPU. Needs public/models/demo-lm (npm run --silent prepare:assets).
 * Writes bench/out/generation-browser/results.{md,json}.
 */
import { chromium, type Browser } from "@playwright/test";
import { build } from "esbuild";
import * as ortNode from "onnxruntime-node";
import { createServer } from "node:http";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { addLastLogitsOutput } from "@/lib/generation/last-logits-graph";
import { generationPromptIds, type GenerationSettings } from "@/lib/generation/run";
import type { InferenceSessionLike, TensorCtor } from "@/lib/scoring/engine";
import { createScoringTokenizer } from "@/lib/scoring/tokenize";
import { DEMO_CORPUS } from "@/scripts/demo-models/demo-tokenizer";
import { chromiumLaunch } from "../../scripts/chromium";
import { benchModel, measureGeneration, type Measurement, type MeasureOptions } from "./measure";
import type { GenerationBench, PageConfig, PageResult } from "./page";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const nPrompts = Number(arg("prompts", "8"));
const reps = Number(arg("reps", "5"));
const threadCounts = arg("threads", "1,2").split(",").map(Number);
const nodeThreadCounts = arg("node-threads", "1").split(",").map(Number);
/** WebGPU here is SwiftShader (software, ~100× slower than WASM): it generates for the first prompts only. */
const gpuPrompts = Math.min(nPrompts, Number(arg("gpu-prompts", "2")));
const settings: GenerationSettings = {
  k: Number(arg("k", "5")),
  temperature: Number(arg("temperature", "0.8")),
  topK: 0,
  topP: 1,
  repetitionPenalty: 1,
  maxNewTokens: Number(arg("max-new-tokens", "128")),
  seed: Number(arg("seed", "42")),
};

const root = path.resolve(import.meta.dirname, "../..");
const outDir = path.join(root, "bench/out/generation-browser");
const modelDir = path.join(root, "public/models/demo-lm");
const ortDist = path.join(root, "node_modules/onnxruntime-web/dist");

/** One measured configuration. */
interface Row extends Measurement {
  runtime: string;
  threads: number;
  prompts: number;
  sessionMs: number;
}

/** How a configuration's samples compare with onnxruntime-node's for the same prompts. */
interface Agreement {
  samples: number;
  identical: number;
  /** 0-based step of the first differing id, per differing sample. */
  firstDiffSteps: number[];
  /** Max |sumLogp − node's| over identical samples. */
  maxSumLogpDiff: number;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
const int = (v: number) => Math.round(v).toLocaleString("en-US");

function agreement(row: Row, ref: Row): Agreement {
  const out: Agreement = { samples: 0, identical: 0, firstDiffSteps: [], maxSumLogpDiff: 0 };
  row.ids.forEach((samples, i) =>
    samples.forEach((ids, j) => {
      const want = ref.ids[i][j];
      out.samples++;
      const step = ids.findIndex((id, t) => id !== want[t]);
      if (step < 0 && ids.length === want.length) {
        out.identical++;
        out.maxSumLogpDiff = Math.max(out.maxSumLogpDiff, Math.abs(row.sumLogps[i][j] - ref.sumLogps[i][j]));
      } else out.firstDiffSteps.push(step < 0 ? Math.min(ids.length, want.length) : step);
    }),
  );
  return out;
}

/** Bundles page.ts per ORT build; the extern-wasm condition makes ORT import its .mjs from wasmPaths. */
async function bundle(): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: {
      "page-wasm": path.join(root, "bench/generation-browser/page-wasm.ts"),
      "page-webgpu": path.join(root, "bench/generation-browser/page-webgpu.ts"),
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
      `<!doctype html><meta charset="utf-8"><title>generation bench</title><link rel="icon" href="data:,"><script type="module" src="./${entry}.js"></script>`,
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

/** Opens `url` in a fresh page of `browser` and runs one configuration there. */
async function runInPage(browser: Browser, url: string, config: PageConfig): Promise<PageResult> {
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.error(`[page] ${e.message}`));
  page.on("console", (m) => m.type() === "error" && console.error(`[console] ${m.text()}`));
  try {
    await page.goto(url);
    await page.waitForFunction(() => "generationBench" in window);
    return await page.evaluate(
      (c) => (window as unknown as { generationBench: GenerationBench }).generationBench.run(c),
      config,
    );
  } finally {
    await page.close();
  }
}

async function main(): Promise<void> {
  const read = (f: string) => readFile(path.join(modelDir, f));
  let modelBytes: Uint8Array;
  try {
    modelBytes = new Uint8Array(await read("onnx/model.onnx"));
  } catch {
    throw new Error(`${modelDir}/onnx/model.onnx is missing: run npm run --silent prepare:assets`);
  }
  const json = async (f: string) => JSON.parse(String(await read(f))) as Record<string, unknown>;
  const config = await json("config.json");
  const tok = createScoringTokenizer(await json("tokenizer.json"), await json("tokenizer_config.json"), config);
  const sentences = DEMO_CORPUS.split("\n");
  const prompts = Array.from({ length: nPrompts }, (_, i) => sentences[i % sentences.length]);
  const promptTokens = prompts.reduce((n, p) => n + generationPromptIds(tok, p, settings).length, 0);
  const measure: MeasureOptions = { prompts, settings, reps, warmupPrompts: nPrompts };
  console.error(
    `${nPrompts} prompts (${promptTokens} prompt tokens), k ${settings.k}, max_new_tokens ${settings.maxNewTokens}, ` +
      `temperature ${settings.temperature}, seed ${settings.seed}, no stop token, ${reps} timed passes`,
  );

  const rows: Row[] = [];
  const log = (r: Row) =>
    console.error(`${r.runtime} threads=${r.threads}: ${r.ms.map((v) => v.toFixed(0)).join(", ")} ms`);

  // onnxruntime-node, in this process.
  const rewritten = addLastLogitsOutput(modelBytes);
  for (const threads of nodeThreadCounts) {
    const t0 = performance.now();
    const session = await ortNode.InferenceSession.create(rewritten, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: "all",
    });
    const sessionMs = performance.now() - t0;
    const model = benchModel(
      session as unknown as InferenceSessionLike,
      ortNode.Tensor as unknown as TensorCtor,
      config,
      rewritten,
      tok,
    );
    const m = await measureGeneration(model, measure);
    await session.release();
    rows.push({ runtime: "onnxruntime-node", threads, prompts: nPrompts, sessionMs, ...m });
    log(rows[rows.length - 1]);
  }

  await bundle();
  const server = await serve();
  const base = { modelPrefix: "./model/", wasmPrefix: "./ort/" };
  let browserVersion = "";
  let isolated = true;
  let gpuAdapter = "skipped (--gpu-prompts 0)";
  try {
    // onnxruntime-web WASM in Chromium, a fresh page per thread count.
    const browser = await chromium.launch(chromiumLaunch);
    browserVersion = browser.version();
    try {
      for (const threads of threadCounts) {
        const r = await runInPage(browser, server.url, { ...measure, ...base, backend: "wasm", threads });
        isolated &&= r.crossOriginIsolated;
        const { crossOriginIsolated: _, ...m } = r;
        rows.push({ runtime: "onnxruntime-web WASM (Chromium)", threads, prompts: nPrompts, ...m });
        log(rows[rows.length - 1]);
      }
    } finally {
      await browser.close();
    }

    // onnxruntime-web WebGPU in Chromium (SwiftShader: no GPU here), first prompts, warm-up on one prompt.
    if (gpuPrompts > 0) {
      const gpuBrowser = await chromium.launch({
        ...chromiumLaunch,
        args: [...chromiumLaunch.args, "--enable-unsafe-webgpu"],
      });
      try {
        const page = await gpuBrowser.newPage();
        await page.goto(`${server.url}webgpu.html`);
        gpuAdapter = await page.evaluate(async () => {
          type Adapter = { info?: { vendor?: string; architecture?: string; isFallbackAdapter?: boolean } };
          const gpu = (navigator as { gpu?: { requestAdapter(): Promise<Adapter | null> } }).gpu;
          const a = gpu ? await gpu.requestAdapter() : null;
          if (!a) return "none";
          const i = a.info ?? {};
          return `${i.vendor || "?"} ${i.architecture || ""}${i.isFallbackAdapter ? " (fallback adapter)" : ""}`.trim();
        });
        await page.close();
        if (gpuAdapter === "none") console.error("no WebGPU adapter: WebGPU row skipped");
        else {
          const r = await runInPage(gpuBrowser, `${server.url}webgpu.html`, {
            ...measure,
            ...base,
            prompts: prompts.slice(0, gpuPrompts),
            reps: 1,
            warmupPrompts: 1,
            backend: "webgpu",
            threads: 1,
          });
          const { crossOriginIsolated: _, ...m } = r;
          rows.push({ runtime: "onnxruntime-web WebGPU (Chromium)", threads: 1, prompts: gpuPrompts, ...m });
          log(rows[rows.length - 1]);
        }
      } finally {
        await gpuBrowser.close();
      }
    }
  } finally {
    server.close();
  }

  const ref = rows[0];
  const refTokensPerSec = ref.generatedTokens / (median(ref.ms) / 1000);
  const agreements = rows.map((r) => agreement(r, ref));
  const lines = [
    `Demo LM (\`public/models/demo-lm\`), ${nPrompts} corpus prompts (${promptTokens} prompt tokens with the chat ` +
      `template), k ${settings.k} batched on the prompt's KV cache, max_new_tokens ${settings.maxNewTokens}, ` +
      `temperature ${settings.temperature}, seed ${settings.seed}, no stop token; median of ${reps} timed passes ` +
      `after a warm-up pass (WebGPU: 1 pass after a one-prompt warm-up). Chromium ${browserVersion} headless ` +
      `(Playwright), cross-origin isolated: ${isolated}; Node ${process.version}, ${os.cpus().length} vCPUs, ` +
      `load average ${os
        .loadavg()
        .map((v) => v.toFixed(1))
        .join(" / ")} at the end. WebGPU adapter (--enable-unsafe-webgpu): ${gpuAdapter}.`,
    "",
    "| runtime | threads | prompts | tokens | tokens/s | prompts/s | ms (median) | tokens/s vs node | " +
      "tokens/s, best pass | samples identical to node | first differing step |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows.map((r, n) => {
      const s = median(r.ms) / 1000;
      const a = agreements[n];
      const steps = [...a.firstDiffSteps].sort((x, y) => x - y);
      return (
        `| ${r.runtime} | ${r.threads} | ${r.prompts} | ${int(r.generatedTokens)} | ${int(r.generatedTokens / s)} | ` +
        `${(r.prompts / s).toFixed(2)} | ${int(s * 1000)} | ${(r.generatedTokens / s / refTokensPerSec).toFixed(2)}× | ` +
        `${int(r.generatedTokens / (Math.min(...r.ms) / 1000))} | ` +
        `${a.identical} / ${a.samples} | ${steps.length ? steps.join(", ") : "—"} |`
      );
    }),
    "",
    `Passes (ms): ${rows.map((r) => `${r.runtime} ${r.threads}t ${r.ms.map(int).join(", ")}`).join("; ")}.`,
    `Share of a pass inside session.run (median pass): ${rows
      .map((r) => {
        const i = r.ms.indexOf(median(r.ms));
        return `${r.runtime} ${r.threads}t ${((100 * r.runMs[i]) / r.ms[i]).toFixed(0)} %`;
      })
      .join("; ")}.`,
    `Session creation (ms): ${rows.map((r) => `${r.runtime} ${r.threads}t ${int(r.sessionMs)}`).join("; ")}.`,
    `Max |sumLogp − node's| over samples with identical ids: ${Math.max(
      ...agreements.map((a) => a.maxSumLogpDiff),
    ).toExponential(2)}.`,
  ];
  const md = lines.join("\n");
  console.log(md);
  await writeFile(path.join(outDir, "results.md"), md + "\n");
  await writeFile(
    path.join(outDir, "results.json"),
    JSON.stringify(
      {
        settings,
        nPrompts,
        promptTokens,
        reps,
        browserVersion,
        isolated,
        gpuAdapter,
        rows: rows.map((r, n) => ({ ...r, agreement: agreements[n] })),
      },
      null,
      1,
    ),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
