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
import { exportAllRows, exportSelection, openApp, ROOT, sharedFile, upload } from "./helpers";
import { startFakeHub } from "./hub-server";
import { chromiumLaunch } from "../scripts/chromium";

const DEMO_LM = path.join(ROOT, "public/models/demo-lm");
const DEMO_RM = path.join(ROOT, "public/models/demo-rm");
/** A second LM (another seed) whose weights are in external data (onnx/model.onnx_data): the DPO reference. */
const DEMO_REF = path.join(ROOT, "public/models/demo-ref");
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

/** The CLI's numbers for `file` (onnxruntime-node), by row; `extra` adds e.g. `--ref-model DIR`. */
function cliScores(file: string, extra: string[] = [], model = DEMO_LM): Record<string, number>[] {
  // The CLI writes FILE's format: a JSON array for .json, lines for .jsonl.
  const json = file.endsWith(".json");
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-cli-")), json ? "scored.json" : "scored.jsonl");
  const args = ["tsx", "bin/margin-atlas.ts", "score", file, "--model", model, ...extra, "--out", out];
  execFileSync("npx", args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
  const text = fs.readFileSync(out, "utf8");
  if (json) return JSON.parse(text) as Record<string, number>[];
  return text
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
async function expectExportMatchesCli(page: Page, file: string): Promise<Record<string, number>[]> {
  const want = cliScores(file);
  const rows = await exportAllRows(page, want.length);
  rows.forEach((row, i) => {
    for (const name of LOGP_COLUMNS) {
      expect(typeof row[name], `${name} of row ${i}`).toBe("number");
      expect(Math.abs(row[name] - want[i][name]), `${name} of row ${i}`).toBeLessThanOrEqual(1e-4);
    }
    expect(row.implicit_margin).toBeCloseTo(row.chosen_logps_norm - row.rejected_logps_norm, 9);
  });
  return rows;
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
    const rows = await expectExportMatchesCli(page, file);

    // The inspector shows row 5's tokens with their log-probs; they add up to the exported chosen_logps.
    const row5 = page.getByRole("table", { name: "Pairs" }).getByRole("row").nth(6);
    await expect(row5.getByRole("cell").first()).toHaveText("5");
    await row5.click();
    await expect(page.getByRole("complementary", { name: "Pair 5" })).toBeVisible();
    await page.getByText("Token log-probs", { exact: true }).click();
    await page.getByRole("button", { name: "Show token log-probs" }).click();
    const sum = page.getByTestId("token-sum-chosen");
    await expect(sum).toContainText("sum ");
    const shown = Number(/sum (-?[\d.]+)/.exec((await sum.textContent()) ?? "")?.[1]);
    expect(Math.abs(shown - rows[5].chosen_logps)).toBeLessThanOrEqual(1e-4 + 5e-5);
    const tokens = page.getByTestId("token-logps-chosen").locator("span");
    expect(await tokens.count()).toBeGreaterThan(5);
    await expect(tokens.first()).toHaveAttribute("title", /log p -\d+\.\d{4}$/);
    // The exact ids the model read, EOS marked (appended by the paper's rules; the demo tokenizer has no BOS).
    await page.getByRole("region", { name: "Token log-probs of chosen" }).getByText("Token ids").click();
    const ids = page.getByTestId("token-ids-chosen");
    await expect(ids).toContainText(/^prompt \(\d+\): \d+ /);
    await expect(ids).toContainText(/response \(\d+\): .* EOS:\d+$/);
  });

  test("a shared dataset (LLMBar, pairwise labels, no scores): policy + reward model fill both margins; export equals the CLI's", async ({
    page,
  }) => {
    test.setTimeout(150_000);
    const file = sharedFile("datasets/llmbar-adversarial-gptinst/dataset.json");
    await openApp(page);
    await upload(page, file);
    await expect(page.getByTestId("missing-counts")).toContainText(
      "missing explicit margin: 92 · missing implicit margin: 92",
    );
    const implicitHistogram = page.getByRole("figure", { name: "Histogram of Implicit margin" });
    await expect(implicitHistogram).toContainText("92 missing");
    await page.getByLabel("Backend").selectOption({ label: "WASM" });
    await page.getByLabel("Load model folder", { exact: true }).setInputFiles(DEMO_LM);
    await expect(page.getByTestId("model-policy")).toContainText("local folder demo-lm");
    await page.getByText("Reference and reward models").click();
    await page.getByLabel("Load reward model folder").setInputFiles(DEMO_RM);
    await expect(page.getByTestId("model-reward")).toContainText("local folder demo-rm");
    await page.getByLabel("Max prompt length").fill("384");
    await page.getByLabel("Max length").fill("512");
    await page.getByRole("button", { name: "Clear stored scores" }).click();
    await scoreAndWait(page, 92);
    await expect(page.getByTestId("batch-plan")).toContainText("batches ≤ 2 rows");
    await expect(page.getByTestId("missing-counts")).toContainText(
      "missing explicit margin: 0 · missing implicit margin: 0",
    );
    await expect(implicitHistogram).not.toContainText("missing");

    const want = cliScores(file, ["--reward-model", DEMO_RM, "--max-length", "512", "--max-prompt-length", "384"]);
    await page.getByLabel("Selection ratio", { exact: true }).fill("1");
    await expect(page.getByText("Selected 92 of 92")).toBeVisible();
    const { bytes } = await exportSelection(page, "JSON", true);
    const rows = JSON.parse(bytes.toString("utf8")) as Record<string, unknown>[];
    const source = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>[];
    expect(rows).toHaveLength(92);
    rows.forEach((row, i) => {
      // The file's own fields come back untouched, the computed ones are appended.
      for (const key of Object.keys(source[i])) expect(row[key]).toEqual(source[i][key]);
      for (const name of [...LOGP_COLUMNS, "score_chosen", "score_rejected"]) {
        expect(Math.abs((row[name] as number) - want[i][name]), `${name} of row ${i}`).toBeLessThanOrEqual(1e-4);
      }
      expect(row.explicit_margin as number).toBeCloseTo(
        (row.score_chosen as number) - (row.score_rejected as number),
        9,
      );
    });
  });

  test("multi-file input: a model's files picked one by one (graph + external data) load and score like the CLI", async ({
    page,
  }) => {
    test.skip(!fs.existsSync(path.join(DEMO_REF, "onnx/model.onnx_data")), "run `npm run prepare:assets` first");
    const file = writePairs(6, "files.jsonl");
    await openApp(page);
    await upload(page, file);
    await page.getByLabel("Backend").selectOption({ label: "WASM" });
    const picked = [
      "config.json",
      "tokenizer.json",
      "tokenizer_config.json",
      "onnx/model.onnx",
      "onnx/model.onnx_data",
    ];
    await page.getByLabel("Load model files").setInputFiles(picked.map((p) => path.join(DEMO_REF, p)));
    await expect(page.getByTestId("model-policy")).toContainText("local files · onnx/model.onnx");
    await page.getByRole("button", { name: "Clear stored scores" }).click();
    await scoreAndWait(page, 6);
    const want = cliScores(file, [], DEMO_REF);
    const rows = await exportAllRows(page, 6);
    rows.forEach((row, i) => {
      for (const name of LOGP_COLUMNS) expect(Math.abs(row[name] - want[i][name]), name).toBeLessThanOrEqual(1e-4);
    });
  });

  test("a reward model alone scores: explicit margins from it, the file's implicit margin untouched", async ({
    page,
  }) => {
    const file = writePairs(8, "rm-only.jsonl");
    await openApp(page);
    await upload(page, file);
    await expect(page.getByTestId("missing-counts")).toContainText(
      "missing explicit margin: 0 · missing implicit margin: 8",
    );
    await page.getByLabel("Backend").selectOption({ label: "WASM" });
    await page.getByText("Reference and reward models").click();
    await page.getByLabel("Load reward model folder").setInputFiles(DEMO_RM);
    await expect(page.getByTestId("model-reward")).toContainText("local folder demo-rm");
    await page.getByRole("button", { name: "Clear stored scores" }).click();
    await scoreAndWait(page, 8);
    await expect(page.getByTestId("missing-counts")).toContainText(
      "missing explicit margin: 0 · missing implicit margin: 8",
    );
    const want = cliScores(file, ["--reward-model", DEMO_RM]);
    // Without an implicit margin M_AP has no rows to rank: export every row by the explicit-margin baseline.
    await page.getByLabel("Metric", { exact: true }).selectOption({ label: "Explicit margin" });
    const rows = await exportAllRows(page, 8);
    rows.forEach((row, i) => {
      expect(row).not.toHaveProperty("chosen_logps");
      for (const name of ["score_chosen", "score_rejected"]) {
        expect(Math.abs(row[name] - want[i][name]), name).toBeLessThanOrEqual(1e-4);
      }
      expect(row.explicit_margin).toBeCloseTo(row.score_chosen - row.score_rejected, 9);
      expect(row.rm_margin).toBe(((i * 37) % 11) / 5 - 1);
    });
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
    await page.getByRole("button", { name: "Pause", exact: true }).click();
    await expect(page.getByTestId("scoring-stats")).toContainText("paused:");
    // The chunk being scored when Pause was pressed may still finish; after that the count holds.
    await page.waitForTimeout(1500);
    const pausedText = (await page.getByTestId("scoring-stats").textContent()) ?? "";
    await page.waitForTimeout(1500);
    await expect(page.getByTestId("scoring-stats")).toHaveText(pausedText);
    await page.getByRole("button", { name: "Resume", exact: true }).click();
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

      // Auto with both backends working: a calibration batch on each, the faster kept, the timings shown.
      await page.getByLabel("Backend").selectOption({ label: "Auto" });
      await page.getByLabel("Load model folder", { exact: true }).setInputFiles(DEMO_LM);
      const notice = page.getByTestId("backend-notice");
      await expect(notice).toContainText("Calibration (2 rows × 64 tokens)", { timeout: 60_000 });
      const m = /WebGPU ([\d.]+) ms, WASM ([\d.]+) ms: using (WebGPU|WASM)/.exec((await notice.textContent()) ?? "");
      expect(m, "calibration notice").not.toBeNull();
      test.info().annotations.push({ type: "calibration", description: m![0] });
      const kept = Number(m![1]) < Number(m![2]) ? "WebGPU" : "WASM";
      expect(m![3]).toBe(kept);
      await expect(page.getByTestId("backend-policy")).toContainText(`backend ${kept}`);
    } finally {
      await browser.close();
    }
  });

  test("Hub id (gated, with a token), base URL and an external-data folder: DPO and reward margins equal the CLI's", async ({
    page,
  }) => {
    test.setTimeout(150_000);
    test.skip(!fs.existsSync(path.join(DEMO_REF, "onnx/model.onnx_data")), "run `npm run prepare:assets` first");
    const hub = await startFakeHub(
      { "margin-atlas/demo-lm": { dir: DEMO_LM }, "margin-atlas/gated-rm": { dir: DEMO_RM, token: "hf_e2e_token" } },
      { "demo-ref": DEMO_REF },
    );
    try {
      const file = writePairs(12, "hub.jsonl");
      await openApp(page);
      await upload(page, file);
      await page.getByLabel("Backend").selectOption({ label: "WASM" });
      await page.getByText("Hub settings").click();
      await page.getByLabel("Hub endpoint").fill(hub.endpoint);
      await page.getByLabel("Hub endpoint").press("Enter");

      // Policy by Hub id: resolved on the (fake) Hub, weights through its CDN redirect.
      await page.getByLabel("Model URL or Hub id").fill("margin-atlas/demo-lm");
      await page.getByRole("button", { name: "Load model", exact: true }).click();
      await expect(page.getByTestId("model-policy")).toContainText(
        `${hub.endpoint}/margin-atlas/demo-lm/resolve/main/`,
      );
      expect(hub.requests).toContain("/margin-atlas/demo-lm/resolve/main/onnx/model.onnx");

      // A gated reward model: refused without a token, with a message saying why; loads with one.
      await page.getByLabel("Model URL or Hub id").fill("margin-atlas/gated-rm");
      await page.getByLabel("Load into").selectOption({ label: "as reward model" });
      await page.getByRole("button", { name: "Load model", exact: true }).click();
      await expect(page.getByRole("alert").filter({ hasText: "HTTP 401" })).toContainText(
        "private or gated and needs a Hub token",
      );
      await page.getByLabel("Hub token").fill("hf_e2e_token");
      await page.getByRole("button", { name: "Load model", exact: true }).click();
      await expect(page.getByTestId("model-reward")).toContainText("margin-atlas/gated-rm");

      // The reference model by base URL on another origin; its weights are in onnx/model.onnx_data.
      await page.getByLabel("Model URL or Hub id").fill(`${hub.endpoint}/files/demo-ref/`);
      await page.getByLabel("Load into").selectOption({ label: "as reference model" });
      await page.getByRole("button", { name: "Load model", exact: true }).click();
      await expect(page.getByTestId("model-reference")).toContainText("/files/demo-ref/");
      expect(hub.requests).toContain("/files/demo-ref/onnx/model.onnx_data");

      await page.getByLabel("Implicit margin", { exact: true }).selectOption({ label: "DPO (reference model)" });
      await page.getByLabel("DPO beta").fill("0.2");
      await page.getByRole("button", { name: "Clear stored scores" }).click();
      await scoreAndWait(page, 12);
      await expect(page.getByTestId("missing-counts")).toContainText("missing implicit margin: 0");

      const want = cliScores(file, ["--ref-model", DEMO_REF, "--reward-model", DEMO_RM]);
      const rows = await exportAllRows(page, 12);
      const columns = [...LOGP_COLUMNS, "ref_chosen_logps", "ref_rejected_logps", "score_chosen", "score_rejected"];
      rows.forEach((row, i) => {
        for (const name of columns)
          expect(Math.abs(row[name] - want[i][name]), `${name} of row ${i}`).toBeLessThan(1e-4);
        const dpo = 0.2 * (row.chosen_logps - row.ref_chosen_logps - (row.rejected_logps - row.ref_rejected_logps));
        expect(row.implicit_margin).toBeCloseTo(dpo, 9);
        expect(row.explicit_margin).toBeCloseTo(row.score_chosen - row.score_rejected, 9);
        expect(row.ref_chosen_logps).not.toBeCloseTo(row.chosen_logps, 3);
      });
    } finally {
      await hub.close();
    }
  });
});
