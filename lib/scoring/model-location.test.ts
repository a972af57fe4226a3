import { describe, expect, it } from "vitest";
import { createUrlReader } from "./model-cache";
import { buildDemoModels } from "@/scripts/demo-models/demo-models";
import {
  hubFileUrl,
  onnxCandidates,
  parseHubEndpoint,
  parseModelLocation,
  readModelFolder,
  sourceBaseUrl,
} from "./model-source";

describe("Hub ids, revisions and endpoints", () => {
  it("parses org/name@revision", () => {
    expect(parseModelLocation("onnx-community/gpt2@refs/pr/3")).toEqual({
      kind: "hub",
      id: "onnx-community/gpt2",
      revision: "refs/pr/3",
    });
  });

  it("resolves against a mirror endpoint (trailing slashes ignored)", () => {
    expect(hubFileUrl("org/name", "config.json", "main", "https://hf-mirror.com/")).toBe(
      "https://hf-mirror.com/org/name/resolve/main/config.json",
    );
    expect(sourceBaseUrl({ kind: "hub", id: "org/name", revision: "v2", endpoint: "http://127.0.0.1:9000" })).toBe(
      "http://127.0.0.1:9000/org/name/resolve/v2/",
    );
  });

  it.each([
    ["https://hf-mirror.com/", "https://hf-mirror.com"],
    [" http://127.0.0.1:9000 ", "http://127.0.0.1:9000"],
  ])("accepts the endpoint %j", (text, want) => {
    expect(parseHubEndpoint(text)).toBe(want);
  });

  it.each([
    ["huggingface.co", /is not a URL/],
    ["ftp://mirror.example/", /must be http:\/\/ or https:\/\//],
  ])("refuses the endpoint %j", (text, message) => {
    expect(() => parseHubEndpoint(text)).toThrow(message);
  });
});

describe("URL reader: tokens and why a file is missing", () => {
  const seen: { url: string; auth: string | null }[] = [];
  const fakeHub = (async (url: string, init?: RequestInit) => {
    const auth = new Headers(init?.headers).get("authorization");
    seen.push({ url, auth });
    if (auth !== "Bearer hf_ok") return new Response('{"error":"Repository not found"}', { status: 401 });
    return url.endsWith("config.json") ? new Response("{}") : new Response("Entry not found", { status: 404 });
  }) as unknown as typeof fetch;

  it("says a gated repository needs a token, naming the URL and status", async () => {
    const reader = createUrlReader("http://hub/org/gated/resolve/main/", fakeHub);
    await expect(readModelFolder(reader, ["onnx/model.onnx"])).rejects.toThrow(
      "http://hub/org/gated/resolve/main/: config.json is missing (HTTP 401 for http://hub/org/gated/resolve/main/config.json: " +
        "the repository does not exist, or it is private or gated and needs a Hub token)",
    );
    expect(seen.at(-1)?.auth).toBeNull();
  });

  it("sends the token as a Bearer header; a wrong token is named as such", async () => {
    const ok = createUrlReader("http://hub/org/gated/resolve/main/", fakeHub, { token: "hf_ok" });
    expect(await ok.read("config.json")).toEqual(new TextEncoder().encode("{}"));
    expect(seen.at(-1)).toEqual({ url: "http://hub/org/gated/resolve/main/config.json", auth: "Bearer hf_ok" });
    expect(await ok.read("tokenizer.json")).toBeNull();
    expect(ok.whyMissing?.("tokenizer.json")).toBe("HTTP 404 for http://hub/org/gated/resolve/main/tokenizer.json");
    const wrong = createUrlReader("http://hub/org/gated/resolve/main/", fakeHub, { token: "hf_bad" });
    expect(await wrong.read("config.json")).toBeNull();
    expect(wrong.whyMissing?.("config.json")).toMatch(/HTTP 401 .*: the token given has no access to it$/);
  });
});

describe("optimum-cli layout (graphs beside config.json)", () => {
  it("is found over HTTP after the onnx/ candidates, with its external data read beside it", async () => {
    const ref = buildDemoModels()["demo-ref"];
    const served = new Map<string, Uint8Array | string>(
      Object.entries(ref).map(([p, v]) => [`http://host/m/${p.replace(/^onnx\//, "")}`, v]),
    );
    const fetched: string[] = [];
    const fake = (async (url: string) => {
      fetched.push(url);
      const body = served.get(url);
      return body === undefined ? new Response("no", { status: 404 }) : new Response(body as BodyInit);
    }) as unknown as typeof fetch;
    const folder = await readModelFolder(
      createUrlReader("http://host/m/", fake),
      onnxCandidates({ webgpu: false, shaderF16: false }),
    );
    expect(folder.onnxPath).toBe("model.onnx");
    expect(folder.externalData.map((d) => [d.path, d.data.length])).toEqual([["model.onnx_data", 1002752]]);
    expect(fetched).toContain("http://host/m/onnx/decoder_model_merged_quantized.onnx");
    expect(fetched.at(-1)).toBe("http://host/m/model.onnx_data");
  });
});
