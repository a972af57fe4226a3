/**
 * A model folder on a genuine sentencepiece tokenizer (TinyLlama-1.1B-Chat-v1.0's tokenizer files and chat
 * template from ../shared/tokenizers/, a tiny seeded Llama-architecture decoder written by
 * scripts/build-sentencepiece-model.ts) scores a shared dataset in the browser exactly as the CLI does, and the
 * inspector shows the BOS the tokenizer's post-processor adds (issue 13).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { exportAllRows, openApp, ROOT, sharedFile, upload } from "./helpers";

const LOGP_COLUMNS = ["chosen_logps", "rejected_logps", "chosen_logps_norm", "rejected_logps_norm"];

/** Writes the model folder into a new temporary directory and returns its path. */
function buildModelFolder(tokenizerDir: string): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-sentencepiece-")), "tiny-llama-sp");
  execFileSync("npx", ["tsx", "scripts/build-sentencepiece-model.ts", dir, tokenizerDir], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  return dir;
}

/** `npm run cli -- score FILE --model DIR` (onnxruntime-node), the scored rows of FILE's JSON array. */
function cliScores(file: string, model: string): Record<string, number>[] {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-cli-")), "scored.json");
  execFileSync("npm", ["run", "--silent", "cli", "--", "score", file, "--model", model, "--out", out], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  return JSON.parse(fs.readFileSync(out, "utf8")) as Record<string, number>[];
}

test("a sentencepiece-tokenizer Llama folder scores a shared dataset like the CLI; the inspector shows BOS first", async ({
  page,
}) => {
  test.setTimeout(180_000);
  const file = sharedFile("datasets/llmbar-adversarial-gptinst/dataset.json");
  const tokenizerDir = path.dirname(sharedFile("tokenizers/TinyLlama-1.1B-Chat-v1.0/tokenizer.json"));
  const model = buildModelFolder(tokenizerDir);
  const config = JSON.parse(fs.readFileSync(path.join(model, "config.json"), "utf8")) as Record<string, unknown>;
  expect(config).toMatchObject({ model_type: "llama", vocab_size: 32000, bos_token_id: 1 });

  await openApp(page);
  await upload(page, file);
  await expect(page.getByTestId("missing-counts")).toContainText("missing implicit margin: 92");
  await page.getByLabel("Backend").selectOption({ label: "WASM" });
  await page.getByLabel("Load model folder", { exact: true }).setInputFiles(model);
  await expect(page.getByTestId("model-policy")).toContainText("local folder tiny-llama-sp");
  await expect(page.getByTestId("demo-notice")).toHaveCount(0);
  await page.getByRole("button", { name: "Score dataset" }).click();
  await expect(page.getByTestId("scoring-stats")).toContainText("done: 92 / 92 pairs", { timeout: 120_000 });
  await expect(page.getByTestId("missing-counts")).toContainText("missing implicit margin: 0");

  const want = cliScores(file, model);
  expect(want).toHaveLength(92);
  // LLMBar has no scores, so M_AP (which needs an explicit margin too) ranks nothing: export by the implicit margin.
  await page.getByLabel("Metric", { exact: true }).selectOption({ label: "Implicit margin" });
  const rows = await exportAllRows(page, 92);
  let worst = 0;
  rows.forEach((row, i) => {
    for (const name of LOGP_COLUMNS) {
      expect(typeof row[name], `${name} of row ${i}`).toBe("number");
      expect(typeof want[i][name], `CLI ${name} of row ${i}`).toBe("number");
      const d = Math.abs(row[name] - want[i][name]);
      expect(d, `${name} of row ${i}`).toBeLessThanOrEqual(1e-4);
      worst = Math.max(worst, d);
    }
  });
  console.info(`browser (WASM) vs CLI (onnxruntime-node), 92 pairs: max |log-prob diff| ${worst.toExponential(2)}`);

  // Row 0 in the inspector: the ids the model read start with <s> (TinyLlama's post-processor; its chat template
  // writes none), then the template's "<|user|>" as plain text ("▁<" = 529); the response ends with </s>.
  const row0 = page.getByRole("table", { name: "Pairs" }).getByRole("row").nth(1);
  await expect(row0.getByRole("cell").first()).toHaveText("0");
  await row0.click();
  await expect(page.getByRole("complementary", { name: "Pair 0" })).toBeVisible();
  await page.getByText("Token log-probs", { exact: true }).click();
  await page.getByRole("button", { name: "Show token log-probs" }).click();
  const sum = page.getByTestId("token-sum-chosen");
  await expect(sum).toContainText("sum ");
  const shown = Number(/sum (-?[\d.]+)/.exec((await sum.textContent()) ?? "")?.[1]);
  expect(Math.abs(shown - want[0].chosen_logps)).toBeLessThanOrEqual(1e-4 + 5e-5);
  await page.getByRole("region", { name: "Token log-probs of chosen" }).getByText("Token ids").click();
  const ids = page.getByTestId("token-ids-chosen");
  await expect(ids).toContainText(/^prompt \(\d+\): BOS:1 529 /);
  await expect(ids.locator("mark").first()).toHaveText("BOS:1");
  await expect(ids).toContainText(/response \(\d+\): .* EOS:2$/);
  // Exactly one BOS: the template does not emit one, so nothing doubles it.
  expect(((await ids.textContent()) ?? "").match(/BOS:1/g)).toHaveLength(1);
});
