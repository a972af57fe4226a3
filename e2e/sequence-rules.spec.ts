/**
 * Sequence rules (issue 13): a run under "TRL 0.12–0.27" / "TRL ≥ 0.28" exports the numbers the CLI computes with
 * `--sequence-rules trl-0.12` / `trl-0.28`; the rules key the stored results, so switching them scores again.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { exportSelection, openApp, ROOT, upload } from "./helpers";

const DEMO_LM = path.join(ROOT, "public/models/demo-lm");
const N = 6;

function writePairs(): string {
  const lines = Array.from({ length: N }, (_, i) =>
    JSON.stringify({ prompt: `Question ${i}: tea or river?`, chosen: `Tea, ${i} cups.`, rejected: `River ${i}.` }),
  );
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-rules-e2e-")), "pairs.jsonl");
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

/** The CLI's chosen_logps for `file` under `rules`, by row. */
function cliChosen(file: string, rules: string): number[] {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-rules-cli-")), "scored.jsonl");
  const args = ["tsx", "bin/margin-atlas.ts", "score", file, "--model", DEMO_LM, "--sequence-rules", rules];
  execFileSync("npx", [...args, "--out", out], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
  return fs
    .readFileSync(out, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { chosen_logps: number }).chosen_logps);
}

async function scoreAndExportChosen(page: Page): Promise<number[]> {
  await page.getByRole("button", { name: "Score dataset" }).click();
  await expect(page.getByTestId("scoring-stats")).toContainText(`done: ${N} / ${N} pairs`, { timeout: 90_000 });
  await page.getByLabel("Selection ratio", { exact: true }).fill("1");
  const { bytes } = await exportSelection(page, "JSONL", true);
  return bytes
    .toString("utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { chosen_logps: number }).chosen_logps);
}

test("sequence rules: the UI's TRL 0.12–0.27 and TRL ≥ 0.28 runs equal the CLI's", async ({ page }) => {
  test.skip(!fs.existsSync(path.join(DEMO_LM, "onnx/model.onnx")), "run `npm run prepare:assets` first");
  const file = writePairs();
  await openApp(page);
  await upload(page, file);
  await page.getByLabel("Backend").selectOption({ label: "WASM" });
  await page.getByLabel("Load model folder", { exact: true }).setInputFiles(DEMO_LM);
  await expect(page.getByTestId("backend-policy")).toContainText("backend WASM");
  const rules = page.getByLabel("Sequence rules");
  await expect(rules).toHaveValue("paper");
  await expect(rules.locator("option")).toHaveText(["Paper (SimPO / TRL 0.9–0.11)", "TRL 0.12–0.27", "TRL ≥ 0.28"]);

  await rules.selectOption({ label: "TRL 0.12–0.27" });
  const got012 = await scoreAndExportChosen(page);
  const want012 = cliChosen(file, "trl-0.12");
  got012.forEach((v, i) => expect(Math.abs(v - want012[i]), `chosen_logps of row ${i}`).toBeLessThanOrEqual(1e-4));

  // >= 0.28 appends no EOS to conversational completions: other sequences, other stored results.
  await rules.selectOption({ label: "TRL ≥ 0.28" });
  const got028 = await scoreAndExportChosen(page);
  const want028 = cliChosen(file, "trl-0.28");
  got028.forEach((v, i) => {
    expect(Math.abs(v - want028[i]), `chosen_logps of row ${i}`).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(v - got012[i])).toBeGreaterThan(1e-3);
  });
});
