/**
 * Nothing changes silently: a zero-variance margin (the counts line says the z-score is undefined and what M_AP
 * does) and numbers written as text in a margin field (counted and named).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { openApp, upload } from "./helpers";

test("a constant explicit margin is named in the counts line", async ({ page }) => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-flat-")), "flat.jsonl");
  const rows = Array.from({ length: 20 }, (_, i) =>
    JSON.stringify({
      prompt: `p${i}`,
      chosen: `c${i}`,
      rejected: `r${i}`,
      rm_margin: 2,
      logp_margin_norm: i / 20 - 0.5,
    }),
  );
  fs.writeFileSync(file, rows.join("\n") + "\n");
  await openApp(page);
  await upload(page, file);
  await expect(page.getByText("Selected 8 of 20")).toBeVisible();
  await expect(page.getByTestId("zero-variance")).toHaveText(
    "z(m_ex) undefined (zero variance): taken as 0, so M_AP ranks by −w·z(|m_im|) alone",
  );
  await page.getByLabel("Metric", { exact: true }).selectOption({ label: "Random" });
  await expect(page.getByTestId("zero-variance")).toHaveCount(0);
});

test("numbers written as text in a margin field are counted and named", async ({ page }) => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-text-")), "text-numbers.jsonl");
  const rows = Array.from({ length: 10 }, (_, i) =>
    JSON.stringify({
      prompt: `p${i}`,
      chosen: `c${i}`,
      rejected: `r${i}`,
      rm_margin: i < 3 ? `${i}.5` : i,
      logp_margin_norm: i / 10,
    }),
  );
  fs.writeFileSync(file, rows.join("\n") + "\n");
  await openApp(page);
  await upload(page, file);
  await expect(page.getByText("Selected 4 of 10")).toBeVisible();
  await expect(page.getByTestId("coercions")).toHaveText(
    'field "rm_margin": 3 rows hold a number written as text (e.g. "0.5"), read as a number',
  );
});

test("Python's bare NaN in a margin field is read as missing, counted and named, not refused", async ({ page }) => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-nan-")), "python-nan.jsonl");
  // json.dumps(float("nan")) writes NaN: not JSON, but common.
  const rows = Array.from(
    { length: 10 },
    (_, i) =>
      `{"prompt": "p${i}", "chosen": "c${i}", "rejected": "r${i}", "rm_margin": ${i < 2 ? "NaN" : i}, "logp_margin_norm": ${i / 10}}`,
  );
  fs.writeFileSync(file, rows.join("\n") + "\n");
  await openApp(page);
  await upload(page, file);
  await expect(page.getByText("Selected 3 of 10")).toBeVisible();
  await expect(page.getByTestId("missing-counts")).toContainText("missing explicit margin: 2");
  await expect(page.getByTestId("coercions")).toHaveText(
    `field "rm_margin": 2 rows hold a bare NaN (Python's json.dumps, not JSON), read as missing`,
  );
});
