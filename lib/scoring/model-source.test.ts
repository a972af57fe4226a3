import { describe, expect, it } from "vitest";
import { createUrlReader } from "./model-cache";
import {
  createFileMapReader,
  hubFileUrl,
  modelFolderHash,
  modelKind,
  normaliseFolderPaths,
  onnxCandidates,
  ONNX_VARIANTS,
  parseModelLocation,
  readModelFolder,
  sourceBaseUrl,
} from "./model-source";
import { chooseBackend } from "./backend";
import { isDemoConfig } from "./demo-check";
import { buildDemoModels } from "@/scripts/demo-models/demo-models";
import { encodeModel } from "@/lib/onnx/onnx-writer";

const demo = buildDemoModels();
const enc = (v: Uint8Array | string) => (typeof v === "string" ? new TextEncoder().encode(v) : v);
const lmFiles = Object.entries(demo["demo-lm"]).map(([p, v]) => ({ path: `demo-lm/${p}`, data: enc(v) }));
const refFiles = Object.entries(demo["demo-ref"]).map(([p, v]) => ({ path: `demo-ref/${p}`, data: enc(v) }));

describe("model locations", () => {
  it.each([
    [
      "HuggingFaceTB/SmolLM2-135M-Instruct",
      "config.json",
      "main",
      "https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct/resolve/main/config.json",
    ],
    [
      "onnx-community/Qwen2.5-0.5B-Instruct",
      "onnx/model_q4.onnx",
      "main",
      "https://huggingface.co/onnx-community/Qwen2.5-0.5B-Instruct/resolve/main/onnx/model_q4.onnx",
    ],
    ["org/name", "tokenizer.json", "refs/pr/1", "https://huggingface.co/org/name/resolve/refs%2Fpr%2F1/tokenizer.json"],
  ])("hub %s %s @%s", (id, file, rev, url) => {
    expect(hubFileUrl(id, file, rev)).toBe(url);
  });

  it.each([
    ["/models/demo-lm/", { kind: "url", baseUrl: "/models/demo-lm/" }],
    ["/models/demo-lm", { kind: "url", baseUrl: "/models/demo-lm/" }],
    ["https://example.org/m", { kind: "url", baseUrl: "https://example.org/m/" }],
    [" onnx-community/gpt2 ", { kind: "hub", id: "onnx-community/gpt2" }],
  ])("parses %j", (text, source) => {
    expect(parseModelLocation(text)).toEqual(source);
  });

  it.each(["gpt2", "a/b/c", "ftp://x/y", ""])("refuses %j", (text) => {
    expect(() => parseModelLocation(text)).toThrow(/neither a URL/);
  });

  it("builds the Hub base URL a reader fetches from", () => {
    expect(sourceBaseUrl({ kind: "hub", id: "org/name" })).toBe("https://huggingface.co/org/name/resolve/main/");
  });

  it.each([
    [
      ["m/config.json", "m/onnx/model.onnx"],
      ["config.json", "onnx/model.onnx"],
    ],
    [
      ["config.json", "model.onnx", "model.onnx_data"],
      ["config.json", "onnx/model.onnx", "onnx/model.onnx_data"],
    ],
    [
      ["config.json", "model_q4f16.onnx", "model_q4f16.onnx_data", "model_q4f16.onnx_data_1"],
      ["config.json", "onnx/model_q4f16.onnx", "onnx/model_q4f16.onnx_data", "onnx/model_q4f16.onnx_data_1"],
    ],
    [
      ["a/config.json", "b/x.json"],
      ["a/config.json", "b/x.json"],
    ],
  ])("normalises picked paths %j", (paths, expected) => {
    expect(normaliseFolderPaths(paths)).toEqual(expected);
  });

  const fp32AndInt = ["model.onnx", "model_quantized.onnx", "model_int8.onnx", "model_uint8.onnx", "model_q4.onnx"];
  it.each([
    [{ webgpu: false, shaderF16: false }, [...fp32AndInt, "model_bnb4.onnx"]],
    [{ webgpu: true, shaderF16: false }, [...fp32AndInt, "model_bnb4.onnx"]],
    [
      { webgpu: true, shaderF16: true },
      [
        "model.onnx",
        "model_fp16.onnx",
        "model_quantized.onnx",
        "model_int8.onnx",
        "model_uint8.onnx",
        "model_q4.onnx",
        "model_q4f16.onnx",
        "model_bnb4.onnx",
      ],
    ],
  ])("graph candidates for %j", (opts, names) => {
    const f16 = opts.webgpu && opts.shaderF16;
    const merged = ["decoder_model_merged.onnx", ...(f16 ? ["decoder_model_merged_fp16.onnx"] : [])];
    merged.push("decoder_model_merged_quantized.onnx");
    expect(onnxCandidates(opts)).toEqual([
      ...[...names, ...merged].map((n) => `onnx/${n}`),
      // optimum-cli's layout: graphs beside config.json.
      "model.onnx",
      "decoder_model_merged.onnx",
    ]);
  });

  it("describes every variant, fp32 first, fp16 ones flagged", () => {
    expect(ONNX_VARIANTS[0].file).toBe("model.onnx");
    expect(ONNX_VARIANTS.filter((v) => v.shaderF16).map((v) => v.file)).toEqual([
      "model_fp16.onnx",
      "model_q4f16.onnx",
      "decoder_model_merged_fp16.onnx",
    ]);
    ONNX_VARIANTS.forEach((v) => expect(v.description.length).toBeGreaterThan(0));
  });
});

describe("readModelFolder", () => {
  it("reads the demo LM folder picked from disk", async () => {
    const folder = await readModelFolder(
      createFileMapReader(lmFiles),
      onnxCandidates({ webgpu: false, shaderF16: false }),
    );
    expect(folder.onnxPath).toBe("onnx/model.onnx");
    expect(folder.onnx).toEqual(demo["demo-lm"]["onnx/model.onnx"]);
    expect(folder.config.eos_token_id).toBe(319);
    expect(folder.externalData).toEqual([]);
    expect(modelKind(folder.config)).toBe("lm");
    expect(isDemoConfig(folder.config)).toBe(true);
    expect(await modelFolderHash(folder)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("picks a quantised variant when model.onnx is absent", async () => {
    const files = [
      ...lmFiles.filter((f) => !f.path.endsWith(".onnx")),
      { path: "demo-lm/onnx/model_q4.onnx", data: enc(demo["demo-lm"]["onnx/model.onnx"]) },
      // Not named by the graph, so not read: only the graph says which external files it needs.
      { path: "demo-lm/onnx/model_q4.onnx_data", data: Uint8Array.of(4, 5) },
    ];
    const folder = await readModelFolder(
      createFileMapReader(files),
      onnxCandidates({ webgpu: false, shaderF16: false }),
    );
    expect(folder.onnxPath).toBe("onnx/model_q4.onnx");
    expect(folder.externalData).toEqual([]);
  });

  it("reads the external data the graph names (demo-ref), beside the graph", async () => {
    const folder = await readModelFolder(createFileMapReader(refFiles), ["onnx/model.onnx"]);
    expect(folder.externalData).toEqual([{ path: "model.onnx_data", data: demo["demo-ref"]["onnx/model.onnx_data"] }]);
    const sizes = [folder.onnx.length, folder.externalData[0].data.length];
    expect(sizes).toEqual([14031, 1002752]);
    expect(folder.bytes).toBeGreaterThan(sizes[0] + sizes[1]);
  });

  it("reads external data picked as bare file names", async () => {
    const bare = refFiles.map((f) => ({ ...f, path: f.path.split("/").pop()! }));
    const folder = await readModelFolder(createFileMapReader(bare), ["onnx/model.onnx"]);
    expect(folder.externalData.map((d) => d.path)).toEqual(["model.onnx_data"]);
  });

  it("names the missing external data file", async () => {
    const files = refFiles.filter((f) => !f.path.endsWith(".onnx_data"));
    await expect(readModelFolder(createFileMapReader(files), ["onnx/model.onnx"])).rejects.toMatchObject({
      code: "MISSING_FILE",
      message: 'local folder: onnx/model.onnx keeps its weights in external data "model.onnx_data", which is missing',
    });
  });

  it("refuses a graph whose external data points outside the folder", async () => {
    const graph = encodeModel(
      {
        initializers: [
          { name: "w", dims: [1], data: Float32Array.of(0), external: { location: "../x", offset: 0, length: 4 } },
        ],
      },
      17,
    );
    const files = [
      ...lmFiles.filter((f) => !f.path.endsWith(".onnx")),
      { path: "demo-lm/onnx/model.onnx", data: graph },
    ];
    await expect(readModelFolder(createFileMapReader(files), ["onnx/model.onnx"])).rejects.toMatchObject({
      code: "BAD_GRAPH",
      message: expect.stringMatching(/^local folder: onnx\/model.onnx: initializer "w" names external data "\.\.\/x"/),
    });
  });

  it("names a requested variant that is missing", async () => {
    await expect(readModelFolder(createFileMapReader(lmFiles), ["onnx/model_q4f16.onnx"])).rejects.toMatchObject({
      code: "MISSING_FILE",
      message: "local folder: the requested ONNX graph onnx/model_q4f16.onnx is missing",
    });
  });

  it("names the missing file", async () => {
    const files = lmFiles.filter((f) => !f.path.endsWith("tokenizer.json"));
    await expect(readModelFolder(createFileMapReader(files), ["onnx/model.onnx"])).rejects.toMatchObject({
      code: "MISSING_FILE",
      message: "local folder: tokenizer.json is missing",
    });
  });

  it("tells a reward model by its architecture", () => {
    expect(modelKind(JSON.parse(String(demo["demo-rm"]["config.json"])))).toBe("rm");
  });

  it("changes the hash when any file changes", async () => {
    const a = await readModelFolder(createFileMapReader(lmFiles), ["onnx/model.onnx"]);
    const b = { ...a, tokenizerConfig: { ...a.tokenizerConfig, chat_template: "{{ messages }}" } };
    expect(await modelFolderHash(a)).not.toBe(await modelFolderHash(b));
    expect(await modelFolderHash(a)).toBe(await modelFolderHash({ ...a }));
  });
});

describe("URL reader", () => {
  const served = new Map(lmFiles.map((f) => [`http://host/models/demo-lm/${f.path.slice("demo-lm/".length)}`, f.data]));
  const fetched: string[] = [];
  const fakeFetch = (async (url: string) => {
    fetched.push(url);
    if (url.includes("boom")) return new Response("no", { status: 500 });
    const body = served.get(url);
    return body ? new Response(body as Uint8Array<ArrayBuffer>) : new Response("missing", { status: 404 });
  }) as unknown as typeof fetch;

  it("reads a folder over HTTP: 404 = absent file, the first graph that exists wins", async () => {
    const folder = await readModelFolder(createUrlReader("http://host/models/demo-lm/", fakeFetch), [
      "onnx/model_fp16.onnx",
      "onnx/model.onnx",
    ]);
    expect(folder.onnxPath).toBe("onnx/model.onnx");
    expect(folder.onnx).toEqual(demo["demo-lm"]["onnx/model.onnx"]);
    expect(fetched).toContain("http://host/models/demo-lm/onnx/model_fp16.onnx");
  });

  it.each([
    ["has a chat_template: chat_template.jinja is not asked for (no 404 on every load)", true],
    ["has none: chat_template.jinja is asked for and used", false],
  ])("tokenizer_config.json %s", async (_, withTemplate) => {
    const base = "http://host/tpl/";
    const config = JSON.parse(String(demo["demo-lm"]["tokenizer_config.json"])) as Record<string, unknown>;
    if (!withTemplate) delete config.chat_template;
    const files = new Map(served);
    for (const [url, data] of served)
      if (url.startsWith("http://host/models/demo-lm/"))
        files.set(url.replace("http://host/models/demo-lm/", base), data);
    files.set(`${base}tokenizer_config.json`, new TextEncoder().encode(JSON.stringify(config)));
    files.set(`${base}chat_template.jinja`, new TextEncoder().encode("{{ messages }}"));
    const urls: string[] = [];
    const fetchFn = (async (url: string) => {
      urls.push(url);
      const body = files.get(url);
      return body ? new Response(body as Uint8Array<ArrayBuffer>) : new Response("missing", { status: 404 });
    }) as unknown as typeof fetch;
    const folder = await readModelFolder(createUrlReader(base, fetchFn), ["onnx/model.onnx"]);
    expect(urls.includes(`${base}chat_template.jinja`)).toBe(!withTemplate);
    expect(folder.chatTemplate).toBe(withTemplate ? undefined : "{{ messages }}");
  });

  it("throws on a server error", async () => {
    await expect(createUrlReader("http://host/boom/", fakeFetch).read("config.json")).rejects.toMatchObject({
      code: "FETCH_FAILED",
    });
  });
});

describe("chooseBackend", () => {
  const none = { available: false, fallbackAdapter: false, shaderF16: false, reason: "no WebGPU adapter" };
  const soft = { available: true, fallbackAdapter: true, shaderF16: false };
  const hw = { available: true, fallbackAdapter: false, shaderF16: true };
  it.each([
    ["wasm", hw, "wasm", null],
    ["auto", hw, "webgpu", null],
    ["webgpu", hw, "webgpu", null],
    [
      "auto",
      none,
      "wasm",
      "WebGPU is unavailable (no WebGPU adapter): running on WASM (CPU), which is slower for big models.",
    ],
    [
      "webgpu",
      none,
      "wasm",
      "WebGPU is unavailable (no WebGPU adapter): running on WASM (CPU), which is slower for big models.",
    ],
    ["auto", soft, "wasm", "WebGPU only has a software adapter here (slower than WASM): running on WASM (CPU)."],
    ["webgpu", soft, "webgpu", "WebGPU runs on a software adapter here: expect it to be slower than WASM."],
  ] as const)("%s with %j → %s", (choice, probe, backend, notice) => {
    const info = chooseBackend(choice, probe, 2);
    expect(info.backend).toBe(backend);
    expect(info.notice).toBe(notice);
    expect(info.requested).toBe(choice);
  });
});
