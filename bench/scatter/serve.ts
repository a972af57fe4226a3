/** Bundling and serving of the scatter bench pages (shared by run.ts and smoke.ts). */
import { build, type Plugin } from "esbuild";
import { createServer } from "node:http";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { AddressInfo } from "node:net";

/** Repository root. */
export const root = path.resolve(import.meta.dirname, "../..");
/** Where the bundles go (git-ignored; SCATTER_BENCH_OUT moves them, so that two runs at once do not mix bundles). */
export const outDir = path.resolve(process.env.SCATTER_BENCH_OUT ?? path.join(root, "bench/out/scatter"));

/**
 * Points the client's bundler-style worker URL (`new URL("../workers/scatter.worker.ts", import.meta.url)`,
 * which Next.js resolves) at the worker bundle esbuild writes next to the page.
 */
const workerUrlPlugin: Plugin = {
  name: "scatter-worker-url",
  setup(b) {
    b.onLoad({ filter: /scatter-client\.ts$/ }, async (args) => ({
      contents: (await readFile(args.path, "utf8")).replace("../workers/scatter.worker.ts", "./scatter.worker.js"),
      loader: "ts",
    }));
  },
};

const html = (script: string) => `<!doctype html><meta charset="utf-8"><title>scatter bench</title>
<body style="margin:0;background:#0f172a;color:#e2e8f0;font:14px system-ui">
<div id="plot" style="position:relative;width:800px;height:600px"></div><div id="root"></div>
<script type="module" src="./${script}"></script></body>`;

/**
 * Resolves `@/lib/scatter/…` and `@/lib/scatter-client` to the copies under `dir` (an earlier commit's renderer,
 * see {@link bundleBefore}); their own relative imports stay inside `dir`, everything else comes from this tree.
 */
const rendererPlugin = (dir: string): Plugin => ({
  name: "scatter-before",
  setup(b) {
    b.onResolve({ filter: /^@\/lib\/scatter(-client|\/[\w-]+)$/ }, (args) => ({
      path: path.join(dir, args.path.slice(2)) + ".ts",
    }));
  },
});

/**
 * Bundles the bench page and the worker again with lib/scatter and lib/scatter-client.ts taken from `dir` (a copy
 * of another commit's files), as page-before.js / scatter.worker-before.js, served at before.html, whose page
 * starts that worker: the same bench, in the same browser session, against the renderer before a change.
 */
export async function bundleBefore(dir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await build({
    bundle: true,
    format: "esm",
    target: "es2022",
    minify: true,
    tsconfig: path.join(root, "tsconfig.json"),
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "warning",
    entryPoints: {
      "page-before": path.join(root, "bench/scatter/page.ts"),
      "scatter.worker-before": path.join(root, "workers/scatter.worker.ts"),
    },
    outdir: outDir,
    plugins: [rendererPlugin(dir), workerUrlPlugin],
  });
  await writeFile(path.join(outDir, "before.html"), html("page-before.js"));
}

/**
 * Bundles the bench page, the component harness (with the worker, and a second copy whose worker URL is
 * left unresolved, so the worker fails to start and the main-thread fallback is exercised) and the worker.
 */
export async function bundle(): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const common = {
    bundle: true,
    format: "esm" as const,
    target: "es2022",
    minify: true,
    tsconfig: path.join(root, "tsconfig.json"),
    jsx: "automatic" as const,
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "warning" as const,
  };
  await build({
    ...common,
    entryPoints: {
      page: path.join(root, "bench/scatter/page.ts"),
      component: path.join(root, "bench/scatter/component-page.tsx"),
      "scatter.worker": path.join(root, "workers/scatter.worker.ts"),
      recharts: path.join(root, "bench/scatter/recharts-page.tsx"),
    },
    outdir: outDir,
    plugins: [workerUrlPlugin],
  });
  await build({
    ...common,
    entryPoints: { "component-fallback": path.join(root, "bench/scatter/component-page.tsx") },
    outdir: outDir,
  });
  await writeFile(path.join(outDir, "index.html"), html("page.js"));
  await writeFile(path.join(outDir, "component.html"), html("component.js"));
  await writeFile(path.join(outDir, "recharts.html"), html("recharts.js"));
  await writeFile(path.join(outDir, "component-fallback.html"), html("component-fallback.js"));
}

const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript" };

/** Serves bench/out/scatter on a free port (module workers need http, not file://). */
export function serve(): Promise<{ url: string; close(): void }> {
  const server = createServer(async (req, res) => {
    const name = path.normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)).replace(/^\/+/, "");
    const file = path.join(outDir, name || "index.html");
    if (!file.startsWith(outDir)) return void res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" }).end(body);
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

/** Chromium launch options of this machine (see scripts/chromium.ts). */
export { chromiumLaunch } from "../../scripts/chromium";
