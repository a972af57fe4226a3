import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  addListingPage,
  clearModelCache,
  createUrlReader,
  fileListEntries,
  listingUrlFor,
  MODEL_CACHE_NAME,
  modelCacheBytes,
} from "./model-cache";
import { loadModel, type OrtModule } from "./model-loader";
import { createFileMapReader, parseModelJson, readModelFolder } from "./model-source";
import { buildDemoModels } from "@/scripts/demo-models/demo-models";

const demo = buildDemoModels();
const enc = (v: Uint8Array | string) => (typeof v === "string" ? new TextEncoder().encode(v) : v);
const folderOf = (name: "demo-lm" | "demo-ref") =>
  Object.fromEntries(Object.entries(demo[name]).map(([p, v]) => [p, enc(v)])) as Record<string, Uint8Array>;
const pick = (files: Record<string, Uint8Array>) =>
  createFileMapReader(Object.entries(files).map(([p, data]) => ({ path: `m/${p}`, data })));
const lm = folderOf("demo-lm");
const ref = folderOf("demo-ref");
const graph = lm["onnx/model.onnx"];
const weights = ref["onnx/model.onnx_data"];

describe("readModelFolder names damaged files", () => {
  it.each([
    [
      "an empty graph",
      { "onnx/model.onnx": new Uint8Array(0) },
      "EMPTY_FILE",
      "local folder: onnx/model.onnx is empty (0 bytes)",
    ],
    [
      "a graph cut at 100 bytes",
      { "onnx/model.onnx": graph.slice(0, 100) },
      "TRUNCATED_FILE",
      /^local folder: onnx\/model\.onnx is truncated: ends at byte 100 inside field 7 \(graph\), which declares \d+ bytes from byte 20 \(the file is 100 bytes; a complete download is needed\)$/,
    ],
    [
      "a graph cut one byte short",
      { "onnx/model.onnx": graph.slice(0, graph.length - 1) },
      "TRUNCATED_FILE",
      new RegExp(
        `^local folder: onnx/model\\.onnx is truncated: ends at byte ${graph.length - 1} inside field 8 \\(opset_import\\)`,
      ),
    ],
    [
      "an empty config.json",
      { "config.json": new Uint8Array(0) },
      "EMPTY_FILE",
      "local folder: config.json is empty (0 bytes)",
    ],
    [
      "a whitespace-only tokenizer.json",
      { "tokenizer.json": enc(" \n\n") },
      "EMPTY_FILE",
      "local folder: tokenizer.json holds only whitespace (3 bytes)",
    ],
    [
      "a tokenizer.json cut in a string",
      { "tokenizer.json": lm["tokenizer.json"].slice(0, 1000) },
      "TRUNCATED_FILE",
      /^local folder: tokenizer\.json is truncated: the JSON ends at byte 1000 (inside a string|with \d+ objects or arrays still open) \(the file is 1000 bytes; a complete download is needed\)$/,
    ],
    [
      "a config.json cut between fields",
      { "config.json": enc('{"architectures": ["GPT2LMHeadModel"],') },
      "TRUNCATED_FILE",
      "local folder: config.json is truncated: the JSON ends at byte 38 with 1 object or array still open (the file is 38 bytes; a complete download is needed)",
    ],
    [
      "a config.json with a syntax error",
      { "config.json": enc('{"a": 1,, "b": 2}') },
      "BAD_JSON",
      /^local folder: config\.json is not valid JSON: /,
    ],
    [
      "a config.json holding a list",
      { "config.json": enc("[1, 2]") },
      "BAD_JSON",
      "local folder: config.json is not a JSON object (it holds an array)",
    ],
    [
      "tokenizer_config.json as a Git LFS pointer",
      { "tokenizer_config.json": enc("version https://git-lfs.github.com/spec/v1\noid sha256:0\nsize 1\n") },
      "CORRUPT_FILE",
      /^local folder: tokenizer_config\.json is a Git LFS pointer \(\d+ bytes\), not the file itself/,
    ],
  ])("%s", async (_, replaced, code, message) => {
    await expect(readModelFolder(pick({ ...lm, ...replaced }), ["onnx/model.onnx"])).rejects.toMatchObject({
      code,
      message: typeof message === "string" ? message : expect.stringMatching(message),
    });
  });

  it.each([0, 1000, weights.length - 4])("external data cut at %d bytes", async (cut) => {
    const files = { ...ref, "onnx/model.onnx_data": weights.slice(0, cut) };
    const size = cut === 0 ? "is empty \\(0 bytes\\)" : `is ${cut} bytes`;
    await expect(readModelFolder(pick(files), ["onnx/model.onnx"])).rejects.toMatchObject({
      code: cut === 0 ? "EMPTY_FILE" : "TRUNCATED_FILE",
      message: expect.stringMatching(
        new RegExp(`^local folder: onnx/model\\.onnx_data ${size} but the graph reads up to byte ${weights.length} `),
      ),
    });
  });

  it("loadModel refuses a folder built around an empty graph before ONNX Runtime sees it", async () => {
    const folder = await readModelFolder(pick(lm), ["onnx/model.onnx"]);
    const ort: OrtModule = {
      Tensor: null,
      InferenceSession: { create: () => Promise.reject(new Error("must not be reached")) },
    };
    await expect(loadModel({ ...folder, onnx: new Uint8Array(0) }, ort, "lm")).rejects.toMatchObject({
      name: "ModelLoadError",
      code: "EMPTY_FILE",
      message: "local folder: onnx/model.onnx is empty (0 bytes)",
    });
  });

  it("parseModelJson reads a whole object", () => {
    expect(parseModelJson(enc('{"a": "}"}'), "x.json", "here")).toEqual({ a: "}" });
  });
});

describe("folder listings", () => {
  it.each([
    [
      "a Hub resolve URL",
      "https://huggingface.co/onnx-community/gpt2/resolve/main/",
      "https://huggingface.co/api/models/onnx-community/gpt2/tree/main?recursive=true&expand=false",
    ],
    [
      "a Hub revision with a slash (encoded) on a mirror with a path",
      "https://mirror.example/hf/org/name/resolve/refs%2Fpr%2F1/",
      "https://mirror.example/hf/api/models/org/name/tree/refs%2Fpr%2F1?recursive=true&expand=false",
    ],
    ["the app's own folder", "http://app.test/models/demo-lm/", "http://app.test/models/demo-lm/files.json"],
    ["another server (probing: asking it for a list would be a 404 of its own)", "https://other.test/m/", null],
    ["a dataset resolve URL (not a model repository)", "https://other.test/datasets/o/n/resolve/main/", null],
  ])("%s", (_, base, url) => {
    expect(listingUrlFor(base, "auto", "http://app.test")).toBe(url);
  });

  it("files.json entries are the Hub's tree entries, sizes in bytes", () => {
    const entries = fileListEntries({ "b.json": "é", "onnx/model.onnx": Uint8Array.of(1, 2, 3) });
    expect(entries).toEqual([
      { type: "file", path: "b.json", size: 2 },
      { type: "file", path: "onnx/model.onnx", size: 3 },
    ]);
    const listing = new Map<string, number | null>();
    expect(
      addListingPage(
        [...entries, { type: "directory", path: "onnx" }, { type: "file", path: "w", lfs: { size: 9 } }],
        listing,
      ),
    ).toBe(true);
    expect([...listing]).toEqual([
      ["b.json", 2],
      ["onnx/model.onnx", 3],
      ["w", 9],
    ]);
    expect(addListingPage({ error: "nope" }, listing)).toBe(false);
  });
});

/** A server of `files` under `base`, recording every URL asked for. */
function serve(base: string, files: Record<string, Uint8Array>, extra: Record<string, () => Response> = {}) {
  const requests: string[] = [];
  const fetchFn = (async (url: string) => {
    requests.push(url);
    if (extra[url]) return extra[url]();
    const body = url.startsWith(base) ? files[url.slice(base.length)] : undefined;
    return body ? new Response(body as Uint8Array<ArrayBuffer>) : new Response("missing", { status: 404 });
  }) as unknown as typeof fetch;
  return { requests, fetchFn };
}

describe("URL reader with a listing", () => {
  const base = "http://app.test/models/demo-lm/";
  const manifest = () => enc(JSON.stringify(fileListEntries(lm)));

  it("asks only for listed files: no request for an absent chat template, fp16 variant or generation config", async () => {
    const config = JSON.parse(new TextDecoder().decode(lm["tokenizer_config.json"])) as Record<string, unknown>;
    delete config.chat_template;
    const { "generation_config.json": _absent, ...rest } = lm;
    const files = { ...rest, "tokenizer_config.json": enc(JSON.stringify(config)) };
    const served = serve(base, { ...files, "files.json": enc(JSON.stringify(fileListEntries(files))) });
    const reader = createUrlReader(base, served.fetchFn, { listing: "manifest" });
    const folder = await readModelFolder(reader, ["onnx/model_fp16.onnx", "onnx/model.onnx"]);
    expect(folder.onnxPath).toBe("onnx/model.onnx");
    expect(await reader.read("generation_config.json")).toBeNull();
    expect(reader.whyMissing?.("generation_config.json")).toBe(`not in the folder's file list, ${base}files.json`);
    expect(served.requests.map((u) => u.slice(base.length)).sort()).toEqual([
      "config.json",
      "files.json",
      "onnx/model.onnx",
      "tokenizer.json",
      "tokenizer_config.json",
    ]);
  });

  it("probes as before when the folder has no listing", async () => {
    const { requests, fetchFn } = serve(base, lm);
    const folder = await readModelFolder(createUrlReader(base, fetchFn, { listing: "manifest" }), [
      "onnx/model_fp16.onnx",
      "onnx/model.onnx",
    ]);
    expect(folder.onnxPath).toBe("onnx/model.onnx");
    expect(requests).toContain(`${base}onnx/model_fp16.onnx`);
  });

  it("refuses a download shorter than the listed size", async () => {
    const { fetchFn } = serve(base, { ...lm, "onnx/model.onnx": graph.slice(0, 5000), "files.json": manifest() });
    await expect(
      readModelFolder(createUrlReader(base, fetchFn, { listing: "manifest" }), ["onnx/model.onnx"]),
    ).rejects.toMatchObject({
      code: "TRUNCATED_FILE",
      message: `onnx/model.onnx is truncated: the download of ${base}onnx/model.onnx gave 5000 bytes but the folder lists ${graph.length} bytes (a complete download is needed)`,
    });
  });

  it("reads every page of a Hub tree listing (Link: rel=next)", async () => {
    const hub = "https://hub.test/org/name/resolve/main/";
    const tree = "https://hub.test/api/models/org/name/tree/main?recursive=true&expand=false";
    const entries = fileListEntries(lm);
    const page2 = `${tree}&cursor=3`;
    const { requests, fetchFn } = serve(hub, lm, {
      [tree]: () => new Response(JSON.stringify(entries.slice(0, 3)), { headers: { link: `<${page2}>; rel="next"` } }),
      [page2]: () => new Response(JSON.stringify(entries.slice(3))),
    });
    const reader = createUrlReader(hub, fetchFn, { token: "t" });
    const folder = await readModelFolder(reader, ["onnx/model_fp16.onnx", "onnx/model.onnx"]);
    expect(folder.onnxPath).toBe("onnx/model.onnx");
    expect(requests.slice(0, 2)).toEqual([tree, page2]);
    expect(requests.filter((u) => u.includes("fp16") || u.endsWith(".jinja"))).toEqual([]);
  });
});

/** An in-memory Cache API (Node has none). */
function fakeCaches() {
  const buckets = new Map<string, Map<string, Response>>();
  const cacheOf = (entries: Map<string, Response>) => ({
    match: async (req: string | Request) => entries.get(typeof req === "string" ? req : req.url)?.clone(),
    put: async (url: string, res: Response) => void entries.set(url, res),
    delete: async (url: string) => entries.delete(url),
    keys: async () => [...entries.keys()].map((u) => new Request(u)),
  });
  return {
    buckets,
    storage: {
      open: async (name: string) => {
        if (!buckets.has(name)) buckets.set(name, new Map());
        return cacheOf(buckets.get(name)!);
      },
      has: async (name: string) => buckets.has(name),
      delete: async (name: string) => buckets.delete(name),
      keys: async () => [...buckets.keys()],
    },
  };
}

describe("model cache entries", () => {
  const base = "http://app.test/models/demo-lm/";
  let fake: ReturnType<typeof fakeCaches>;
  beforeEach(() => {
    fake = fakeCaches();
    (globalThis as { caches?: unknown }).caches = fake.storage;
  });
  afterEach(() => {
    delete (globalThis as { caches?: unknown }).caches;
  });
  const cached = (url: string, body: Uint8Array, headers: Record<string, string>) => {
    if (!fake.buckets.has(MODEL_CACHE_NAME)) fake.buckets.set(MODEL_CACHE_NAME, new Map());
    fake.buckets.get(MODEL_CACHE_NAME)!.set(url, new Response(body as Uint8Array<ArrayBuffer>, { headers }));
  };

  it("serves a sound cached copy without fetching", async () => {
    const { requests, fetchFn } = serve(base, lm);
    cached(`${base}config.json`, lm["config.json"], { "x-margin-atlas-bytes": String(lm["config.json"].length) });
    expect(await createUrlReader(base, fetchFn, { listing: "none" }).read("config.json")).toEqual(lm["config.json"]);
    expect(requests).toEqual([]);
  });

  it.each([
    [
      "a cut write",
      graph.slice(0, 4096),
      { "x-margin-atlas-bytes": String(graph.length) },
      `holds 4096 of its ${graph.length} bytes (an interrupted write)`,
    ],
    [
      "a foreign entry (no size record)",
      graph,
      {},
      `has no size record (${graph.length} bytes; not written by this version of the app)`,
    ],
  ])("deletes %s, downloads the file again and says so", async (_, body, headers, problem) => {
    const { requests, fetchFn } = serve(base, lm);
    cached(`${base}onnx/model.onnx`, body, headers);
    const reader = createUrlReader(base, fetchFn, { listing: "none" });
    expect(await reader.read("onnx/model.onnx")).toEqual(graph);
    expect(requests).toEqual([`${base}onnx/model.onnx`]);
    expect(reader.notices?.()).toEqual([
      `The cached copy of onnx/model.onnx ${problem}: it was deleted and downloaded again.`,
    ]);
    // The fresh download replaced the entry: a second reader finds it sound.
    const second = createUrlReader(base, fetchFn, { listing: "none" });
    await second.read("onnx/model.onnx");
    expect(second.notices?.()).toEqual([]);
    expect(requests).toHaveLength(1);
  });

  it("a cached copy that no longer matches the listed size is downloaded again", async () => {
    const old = graph.slice(0, 100);
    cached(`${base}onnx/model.onnx`, old, { "x-margin-atlas-bytes": "100" });
    const { fetchFn } = serve(base, { ...lm, "files.json": enc(JSON.stringify(fileListEntries(lm))) });
    const reader = createUrlReader(base, fetchFn, { listing: "manifest" });
    expect(await reader.read("onnx/model.onnx")).toEqual(graph);
    expect(reader.notices?.()[0]).toMatch(
      /is 100 bytes but the folder now lists \d+ bytes \(the file changed on the server\)/,
    );
  });

  it("a damaged graph found in the cache is dropped, and the message says so", async () => {
    const short = graph.slice(0, 777);
    // The server itself serves the damaged file: the cache holds a faithful copy of it.
    const { fetchFn } = serve(base, { ...lm, "onnx/model.onnx": short });
    const reader = createUrlReader(base, fetchFn, { listing: "none" });
    await expect(readModelFolder(reader, ["onnx/model.onnx"])).rejects.toMatchObject({
      code: "TRUNCATED_FILE",
      message: expect.stringMatching(
        /^http:\/\/app\.test\/models\/demo-lm\/: onnx\/model\.onnx is truncated: ends at byte 777 .*; its cached copy was dropped, so loading again downloads it anew$/,
      ),
    });
    expect(fake.buckets.get(MODEL_CACHE_NAME)!.has(`${base}onnx/model.onnx`)).toBe(false);
  });

  it("size and Clear cover buckets an older version left", async () => {
    cached(`${base}config.json`, lm["config.json"], { "x-margin-atlas-bytes": String(lm["config.json"].length) });
    fake.buckets.set("margin-atlas-models-v0", new Map([[`${base}x`, new Response(Uint8Array.of(1, 2, 3))]]));
    fake.buckets.set("someone-else", new Map([[`${base}y`, new Response(Uint8Array.of(1))]]));
    expect(await modelCacheBytes()).toBe(lm["config.json"].length + 3);
    await clearModelCache();
    expect([...fake.buckets.keys()]).toEqual(["someone-else"]);
    expect(await modelCacheBytes()).toBe(0);
  });
});
