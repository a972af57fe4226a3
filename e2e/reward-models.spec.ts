/**
 * A multi-output reward model in the browser (issue 13): an ArmoRM-style folder (`rewards`, `gating_output`,
 * `score`; pad = EOS; its own chat template), written by scripts/build-reward-model.ts, is picked as the reward model;
 * the "Reward output" select lists its outputs, the user picks one objective, scores the demo dataset and the exported
 * scores equal the CLI's `score --reward-model DIR --reward-output NAME:INDEX` (onnxruntime-node).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { exportAllRows, jsonlLines, openApp, ROOT } from "./helpers";

const DEMO = path.join(ROOT, "public/demo/demo-preferences.jsonl");

/** Writes the reward model folder into a new temporary directory and returns its path. */
function buildRewardFolder(): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-reward-models-")), "armo-rm");
  execFileSync("npx", ["tsx", "scripts/build-reward-model.ts", dir], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  return dir;
}

/** `score FILE --reward-model DIR ...extra` (onnxruntime-node): the scored rows. */
function cliScores(file: string, model: string, extra: string[]): Record<string, number>[] {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-reward-cli-")), "scored.jsonl");
  const args = ["tsx", "bin/margin-atlas.ts", "score", file, "--reward-model", model, ...extra, "--out", out];
  execFileSync("npx", args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
  return jsonlLines(out).map((l) => JSON.parse(l) as Record<string, number>);
}

test.describe("reward models", () => {
  test("a multi-output reward model: the picked output scores the demo dataset as the CLI does", async ({ page }) => {
    test.setTimeout(300_000);
    const folder = buildRewardFolder();
    const total = jsonlLines(DEMO).length;
    await openApp(page);
    await page.getByRole("button", { name: "Load demo dataset" }).click();
    await expect(page.getByText(new RegExp(`^Selected \\d+ of ${total}$`))).toBeVisible();
    await page.getByLabel("Backend").selectOption({ label: "WASM" });
    await page.getByText("Reference and reward models").click();
    await page.getByLabel("Load reward model folder", { exact: true }).setInputFiles(folder);
    await expect(page.getByTestId("model-reward")).toContainText("local folder armo-rm");

    const select = page.getByLabel("Reward output", { exact: true });
    // ArmoRM's `score` is the default; every objective and gate weight is offered.
    await expect(select).toHaveValue("score:0");
    const options = await select.locator("option").allTextContents();
    expect(options).toEqual([
      "rewards[0]",
      "rewards[1]",
      "rewards[2]",
      "rewards[3]",
      "gating_output[0]",
      "gating_output[1]",
      "gating_output[2]",
      "gating_output[3]",
      "score",
    ]);
    await select.selectOption({ label: "rewards[2]" });
    await expect(select).toHaveValue("rewards:2");

    await page.getByRole("button", { name: "Clear stored scores" }).click();
    await page.getByRole("button", { name: "Score dataset" }).click();
    await expect(page.getByTestId("scoring-stats")).toContainText(`done: ${total} / ${total} pairs`, {
      timeout: 240_000,
    });

    await page.getByLabel("Metric", { exact: true }).selectOption({ label: "Explicit margin" });
    const rows = await exportAllRows(page, total);

    const want = cliScores(DEMO, folder, ["--reward-output", "rewards:2"]);
    const byDefault = cliScores(DEMO, folder, []);
    let differs = 0;
    rows.forEach((row, i) => {
      for (const name of ["score_chosen", "score_rejected"]) {
        expect(Math.abs(row[name] - want[i][name]), `row ${i} ${name}`).toBeLessThanOrEqual(1e-4);
      }
      expect(row.explicit_margin).toBeCloseTo(row.score_chosen - row.score_rejected, 9);
      if (Math.abs(row.score_chosen - byDefault[i].score_chosen) > 1e-3) differs++;
    });
    // The picked objective is not the default `score`.
    expect(differs).toBeGreaterThan(total / 2);
  });
});
