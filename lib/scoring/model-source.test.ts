import { describe, expect, it } from "vitest";
import { createUrlReader } from "./model-cache";
import {
  createFileMapReader,
  hubFileUrl,
  modelFolderHash,
  modelKind,
  normaliseFolderPaths,
  onnxCandidates,
  parseModelLocation,
  readModelFolder,
  sourceBaseUrl,
} from "./model-source";
import { chooseBackend } from "./backend";
import { isDemoConfig } from "./demo-check";
import { buildDemoModels } from "./demo/demo-models";

const demo = buildDemoModels();
const enc = (v: Uint8Array | string) => (typeof v === "string" ? new TextEncoder().encode(v) : v);
const lmFiles = Object.entries(demo["demo-lm"]).map(([p, v]) => ({ path: `demo-lm/${p}`, data: enc(v) }));

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
      ["a/config.json", "b/x.json"],
      ["a/config.json", "b/x.json"],
    ],
  ])("normalises picked paths %j", (paths, expected) => {
    expect(normaliseFolderPaths(paths)).toEqual(expected);
  });

  it.each([
    [{ webgpu: false, shaderF16: false }, ["onnx/model.onnx", "onnx/model_quantized.onnx", "onnx/model_q4.onnx"]],
    [{ webgpu: true, shaderF16: false }, ["onnx/model.onnx", "onnx/model_quantized.onnx", "onnx/model_q4.onnx"]],
    [
      { webgpu: true, shaderF16: true },
      ["onnx/model.onnx", "onnx/model_fp16.onnx", "onnx/model_quantized.onnx", "onnx/model_q4.onnx"],
    ],
  ])("graph candidates for %j", (opts, names) => {
    expect(onnxCandidates(opts)).toEqual(names);
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

  it("picks a quantised variant and its external data when model.onnx is absent", async () => {
    const files = [
      ...lmFiles.filter((f) => !f.path.endsWith(".onnx")),
      { path: "demo-lm/onnx/model_q4.onnx", data: Uint8Array.of(1, 2, 3) },
      { path: "demo-lm/onnx/model_q4.onnx_data", data: Uint8Array.of(4, 5) },
    ];
    const folder = await readModelFolder(
      createFileMapReader(files),
      onnxCandidates({ webgpu: false, shaderF16: false }),
    );
    expect(folder.onnxPath).toBe("onnx/model_q4.onnx");
    expect(folder.externalData).toEqual([{ path: "model_q4.onnx_data", data: Uint8Array.of(4, 5) }]);
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
