import { describe, expect, it } from "vitest";
import { buildContentSecurityPolicy, createNonce, HUB_CONNECT_SOURCES, parseConnectSources } from "@/lib/security/csp";

describe("buildContentSecurityPolicy", () => {
  it("is the documented policy, with the nonce and extra connect-src origins", () => {
    expect(buildContentSecurityPolicy({ nonce: "abc=", connectSrc: ["https://mirror.example"] })).toBe(
      "default-src 'self'; script-src 'self' 'nonce-abc=' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
        "worker-src 'self' blob:; connect-src 'self' https://huggingface.co https://*.huggingface.co https://hf.co " +
        "https://*.hf.co https://mirror.example; img-src 'self' data: blob:; font-src 'self'; object-src 'none'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
  });

  it("allows no inline script and no JS eval", () => {
    const csp = buildContentSecurityPolicy({ nonce: "n" });
    const scriptSrc = /script-src ([^;]+)/.exec(csp)![1].split(" ");
    expect(scriptSrc).not.toContain("'unsafe-inline'");
    expect(scriptSrc).not.toContain("'unsafe-eval'");
    expect(csp).toContain(`connect-src 'self' ${HUB_CONNECT_SOURCES.join(" ")};`);
  });
});

describe("parseConnectSources", () => {
  it.each([
    [undefined, [], []],
    ["", [], []],
    ["https://mirror.example/", ["https://mirror.example"], []],
    ["http://127.0.0.1:* , https://*.example.org:8443", ["http://127.0.0.1:*", "https://*.example.org:8443"], []],
    [
      "https: 'unsafe-inline' https://x.org/path; script-src *",
      [],
      ["https:", "'unsafe-inline'", "https://x.org/path;", "script-src", "*"],
    ],
  ])("%j", (value, sources, refused) => {
    expect(parseConnectSources(value)).toEqual({ sources, refused });
  });
});

describe("createNonce", () => {
  it("is 128 random bits in base64, fresh each time", () => {
    const a = createNonce();
    expect(a).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(createNonce()).not.toBe(a);
  });
});
