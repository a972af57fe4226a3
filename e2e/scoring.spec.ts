/**
 * In-browser scoring with the bundled demo model (public/models/demo-lm, `npm run prepare:assets`): folder and URL
 * loading, WASM and WebGPU backends, streaming into the workbench, export of the log-prob columns (equal to the
 * CLI's onnxruntime-node numbers), and resume after a reload from the IndexedDB result store.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, expect, test, type Page } from "@playwright/test";
import { exportSelection, openApp, ROOT, upload } from "./helpers";
import { chromiumLaunch } from "../scripts/chromium";

const DEMO_LM = path.join(ROOT, "public/models/demo-lm");
const LOGP_COLUMNS = ["chosen_logps", "rejected_logps", "chosen_logps_norm", "rejected_logps_norm"];

const WORDS = [
  "tea",
  "river",
  "Paris",
  "seven",
  "green",
  "quiet",
  "bread",
  "window",
  "storm",
  "violin",
  "sugar",
  "map",
];
/** A TRL-style file of `n` pairs with an explicit margin column (so M_AP selects every scored row). */
function writePairs(n: number, name: string): string {
  const lines = Array.from({ length: n }, (_, i) => {
    const w = (k: number) => WORDS[(i * 7 + k * 3) % WORDS.length];
    return JSON.stringify({
      prompt: `Question ${i}: what about ${w(0)} and ${w(1)}?`,
      chosen: `The ${w(2)} is ${w(3)}, like the ${w(4)} by the ${w(5)}.`.repeat(1 + (i % 3)),
      rejected: `No ${w(6)}.`,
      rm_margin: ((i * 37) % 11) / 5 - 1,
    });
  });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-score-e2e-")), name);
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

/** The CLI's numbers for `file` (onnxruntime-node), by row. */
function cliScores(file: string): Record<string, number>[] {
  const out = path.join(path.dirname(file), "cli-scored.jsonl");
  execFileSync("npx", ["tsx", "bin/margin-atlas.ts", "score", file, "--model", DEMO_LM, "--out", out], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  return fs
    .readFileSync(out, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

async function scoreAndWait(page: Page, total: number): Promise<void> {
  await page.getByRole("button", { name: "Score dataset" }).click();
  await expect(page.getByTestId("scoring-stats")).toContainText(`done: ${total} / ${total} pairs`, { timeout: 90_000 });
  await expect(page.getByRole("progressbar", { name: "Scoring progress" })).toHaveJSProperty("value", 1);
}

/** Exports every row with the computed columns and checks them against the CLI's numbers (≤1e-4). */
async function expectExportMatchesCli(page: Page, file: string): Promise<void> {
  const want = cliScores(file);
  await page.getByLabel("Selection ratio", { exact: true }).fill("1");
  await expect(page.getByText(`Selected ${want.length} of ${want.length}`)).toBeVisible();
  const { bytes } = await exportSelection(page, "JSONL", true);
  const rows = bytes
    .toString("utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, number>);
  expect(rows).toHaveLength(want.length);
  rows.forEach((row, i) => {
    for (const name of LOGP_COLUMNS) {
      expect(typeof row[name], `${name} of row ${i}`).toBe("number");
      expect(Math.abs(row[name] - want[i][name]), `${name} of row ${i}`).toBeLessThanOrEqual(1e-4);
    }
    expect(row.implicit_margin).toBeCloseTo(row.chosen_logps_norm - row.rejected_logps_norm, 9);
  });
}

test.describe("in-browser scoring", () => {
  test.skip(!fs.existsSync(path.join(DEMO_LM, "onnx/model.onnx")), "run `npm run prepare:assets` first");

  test("demo model folder on WASM: streams margins, exports columns equal to the CLI's", async ({ page }) => {
    const file = writePairs(24, "pairs.jsonl");
    await openApp(page);
    await upload(page, file);
    await expect(page.getByTestId("missing-counts")).toContainText("missing implicit margin: 24");
    await page.getByLabel("Backend").selectOption({ label: "WASM" });
    await page.getByLabel("Load model folder", { exact: true }).setInputFiles(DEMO_LM);
    await expect(page.getByTestId("backend-policy")).toContainText("backend WASM");
    await expect(page.getByTestId("demo-notice")).toHaveText(
      "Demo model (tiny, built by this project): margins are illustrative; bring your own model for real curation",
    );
    await expect(page.getByTestId("backend-notice")).toHaveCount(0);
    await scoreAndWait(page, 24);
    await expect(page.getByTestId("missing-counts")).toContainText("missing implicit margin: 0");
    await expectExportMatchesCli(page, file);
  });

  test("reload mid-run, then Score dataset again resumes from stored results with identical numbers", async ({
    page,
  }) => {
    test.setTimeout(150_000);
    const total = 400;
    const file = writePairs(total, "resume.jsonl");
    await openApp(page);
    await upload(page, file);
    // The scoring panel appears with a loaded dataset; start from an empty model cache.
    await page.getByRole("button", { name: "Clear model cache" }).click();
    await expect(page.getByTestId("model-cache-size")).toHaveText("Model cache: 0 B");
    await page.getByLabel("Backend").selectOption({ label: "WASM" });
    await page.getByRole("button", { name: "Use demo model" }).click();
    await expect(page.getByTestId("model-policy")).toContainText("/models/demo-lm/");
    await expect(page.getByTestId("model-cache-size")).not.toHaveText("Model cache: 0 B");
    await page.getByRole("button", { name: "Clear stored scores" }).click();
    await page.getByRole("button", { name: "Score dataset" }).click();
    await expect(page.getByTestId("scoring-stats")).toContainText(/running: (\d{2,}) \/ 400 pairs/, {
      timeout: 60_000,
    });
    await page.getByRole("button", { name: "Pause" }).click();
    await expect(page.getByTestId("scoring-stats")).toContainText("paused:");
    const pausedText = (await page.getByTestId("scoring-stats").textContent()) ?? "";
    await page.waitForTimeout(1500);
    await expect(page.getByTestId("scoring-stats")).toHaveText(pausedText);
    await page.getByRole("button", { name: "Resume" }).click();
    await expect(page.getByTestId("scoring-stats")).toContainText("running:");
    await page.reload();

    await expect(page.getByRole("button", { name: "Load demo dataset" })).toBeVisible();
    await upload(page, file);
    // Auto in a browser without WebGPU: the fallback to WASM is said on screen.
    await page.getByRole("button", { name: "Use demo model" }).click();
    await expect(page.getByTestId("backend-notice")).toContainText("WebGPU is unavailable");
    await expect(page.getByTestId("backend-policy")).toContainText("backend WASM");
    await scoreAndWait(page, total);
    const stats = (await page.getByTestId("scoring-stats").textContent()) ?? "";
    const cached = Number(/\((\d+) from stored results\)/.exec(stats)?.[1] ?? 0);
    expect(cached).toBeGreaterThan(0);
    expect(cached).toBeLessThan(total);
    await expect(page.getByTestId("missing-counts")).toContainText("missing implicit margin: 0");
    await expectExportMatchesCli(page, file);

    // Same dataset, model and lengths again: nothing is re-scored.
    await page.getByRole("button", { name: "Score dataset" }).click();
    await expect(page.getByTestId("scoring-stats")).toContainText(
      `done: ${total} / ${total} pairs (${total} from stored results)`,
    );
  });

  test("WebGPU (SwiftShader) scores 3 pairs equal to the CLI's numbers", async () => {
    test.setTimeout(150_000);
    const browser = await chromium.launch({
      ...chromiumLaunch,
      args: [...chromiumLaunch.args, "--enable-unsafe-webgpu"],
    });
    try {
      const context = await browser.newContext({ baseURL: test.info().project.use.baseURL, acceptDownloads: true });
      const page = await context.newPage();
      const file = writePairs(3, "gpu.jsonl");
      // navigator.gpu exists only in a secure context (localhost is one; the initial about:blank is not).
      await openApp(page);
      const hasAdapter = await page.evaluate(async () => {
        const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
        return Boolean(gpu && (await gpu.requestAdapter()));
      });
      test.skip(!hasAdapter, "this Chromium gives no WebGPU adapter even with --enable-unsafe-webgpu");
      await upload(page, file);
      await page.getByLabel("Backend").selectOption({ label: "WebGPU" });
      await page.getByLabel("Load model folder", { exact: true }).setInputFiles(DEMO_LM);
      await expect(page.getByTestId("backend-policy")).toContainText("backend WebGPU", { timeout: 60_000 });
      await expect(page.getByTestId("backend-notice")).toContainText("software adapter");
      await page.getByRole("button", { name: "Clear stored scores" }).click();
      await scoreAndWait(page, 3);
      await expectExportMatchesCli(page, file);
    } finally {
      await browser.close();
    }
  });
});
