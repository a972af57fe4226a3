/**
 * The app's Content-Security-Policy, built per request by `proxy.ts` (a fresh script nonce each time). Plain
 * TypeScript so the policy is unit-tested in Node and the e2e test can read the same constants.
 */

/**
 * Where models may be downloaded from besides the app itself: the public Hugging Face Hub, its `hf.co` short
 * domain, and the CDNs its `resolve/` URLs redirect to (cdn-lfs.huggingface.co, cdn-lfs*.hf.co, cas-bridge.xethub.hf.co);
 * CSP checks every redirect hop, so the CDNs must be listed as well as the Hub.
 */
export const HUB_CONNECT_SOURCES: readonly string[] = [
  "https://huggingface.co",
  "https://*.huggingface.co",
  "https://hf.co",
  "https://*.hf.co",
];

/**
 * Environment variable (read by the server when it starts) naming more origins that model downloads may reach,
 * separated by spaces or commas: a Hub mirror set in "Hub settings", a model server, e.g.
 * `MARGIN_ATLAS_CONNECT_SRC="https://hf-mirror.example.org http://127.0.0.1:*"`. A header cannot know the
 * endpoint a user typed into the page, so a mirror must be allowed here.
 */
export const CONNECT_SRC_ENV = "MARGIN_ATLAS_CONNECT_SRC";

/** An origin (scheme://host[:port], `*.` subdomain and `:*` port wildcards allowed) with no path. */
const ORIGIN_SOURCE = /^(https?|wss?):\/\/(\*\.)?[a-z0-9.-]+(:(\d{1,5}|\*))?\/?$/i;

/** Splits `MARGIN_ATLAS_CONNECT_SRC` into the origins it names and the tokens refused (not an origin). */
export function parseConnectSources(value: string | undefined): { sources: string[]; refused: string[] } {
  const sources: string[] = [];
  const refused: string[] = [];
  for (const token of (value ?? "").split(/[\s,]+/).filter(Boolean)) {
    if (ORIGIN_SOURCE.test(token)) sources.push(token.replace(/\/$/, ""));
    else refused.push(token);
  }
  return { sources, refused };
}

/** What varies per request and per deployment. */
export interface ContentSecurityPolicyOptions {
  /** Base64 nonce of this response; the framework puts it on its own inline bootstrap scripts. */
  nonce: string;
  /** Extra connect-src origins (see {@link CONNECT_SRC_ENV}). */
  connectSrc?: readonly string[];
}

/** The policy's directives, in header order. */
export function contentSecurityPolicyDirectives(options: ContentSecurityPolicyOptions): [string, string[]][] {
  return [
    ["default-src", ["'self'"]],
    // 'wasm-unsafe-eval' lets onnxruntime-web compile its WebAssembly; it allows no JS eval.
    ["script-src", ["'self'", `'nonce-${options.nonce}'`, "'wasm-unsafe-eval'"]],
    // React renders `style` attributes (layout, chart sizes) into the server HTML; CSP counts those as inline
    // styles, and a nonce cannot be put on an attribute. Styles cannot run code, so this is the usual trade-off.
    ["style-src", ["'self'", "'unsafe-inline'"]],
    // Workers load from /_next/static; onnxruntime-web may start its thread workers from blob: URLs.
    ["worker-src", ["'self'", "blob:"]],
    ["connect-src", ["'self'", ...HUB_CONNECT_SOURCES, ...(options.connectSrc ?? [])]],
    ["img-src", ["'self'", "data:", "blob:"]],
    ["font-src", ["'self'"]],
    ["object-src", ["'none'"]],
    ["base-uri", ["'none'"]],
    ["form-action", ["'self'"]],
    ["frame-ancestors", ["'none'"]],
  ];
}

/** The `Content-Security-Policy` header value. */
export function buildContentSecurityPolicy(options: ContentSecurityPolicyOptions): string {
  return contentSecurityPolicyDirectives(options)
    .map(([name, values]) => `${name} ${values.join(" ")}`)
    .join("; ");
}

/** A fresh, unguessable nonce (128 random bits, base64). */
export function createNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}
