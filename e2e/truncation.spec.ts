/**
 * The inspector says what tokenization cut to fit "Max length" when the demo model scored a row (issue 8): a pair
 * with one very long response is flagged on that side, a short pair reads "no".
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { openApp, ROOT, upload } from "./helpers";

const DEMO_LM = path.join(ROOT, "public/models/demo-lm");

const long = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(" ");
/** Row 0: a long chosen response; row 1: short; row 2: a long rejected response. */
const PAIRS = [
  { prompt: "Tell me a story.", chosen: long(120), rejected: "No." },
  { prompt: "Hi", chosen: "Hello! How can I help?", rejected: "Hello" },
  { prompt: "Count", chosen: "1 2 3", rejected: long(120) },
];

function writePairs(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-trunc-e2e-")), "long.jsonl");
  fs.writeFileSync(file, PAIRS.map((p, i) => JSON.stringify({ ...p, rm_margin: i / 2 })).join("\n") + "\n");
  return file;
}

async function truncationOf(page: Page, row: number): Promise<string> {
  const tableRow = page
    .getByRole("table", { name: "Pairs" })
    .getByRole("row")
    .nth(row + 1);
  await expect(tableRow.getByRole("cell").first()).toHaveText(String(row));
  await tableRow.click();
  const numbers = page.getByRole("complementary", { name: `Pair ${row}` }).getByTestId("pair-numbers");
  await expect(numbers).toContainText("truncated");
  return (await numbers.getByTestId("pair-truncated").textContent()) ?? "";
}

test("the inspector shows which side was truncated at a small Max length, and 'no' for a short pair", async ({
  page,
}) => {
  test.skip(!fs.existsSync(path.join(DEMO_LM, "onnx/model.onnx")), "run `npm run prepare:assets` first");
  await openApp(page);
  await upload(page, writePairs());
  await page.getByLabel("Backend").selectOption({ label: "WASM" });
  await page.getByLabel("Load model folder", { exact: true }).setInputFiles(DEMO_LM);
  await expect(page.getByTestId("backend-policy")).toContainText("backend WASM");
  await page.getByLabel("Max prompt length").fill("32");
  await page.getByLabel("Max length").fill("64");
  await page.getByRole("button", { name: "Clear stored scores" }).click();
  await page.getByRole("button", { name: "Score dataset" }).click();
  await expect(page.getByTestId("scoring-stats")).toContainText("done: 3 / 3 pairs", { timeout: 90_000 });

  expect(await truncationOf(page, 0)).toBe("chosen");
  expect(await truncationOf(page, 1)).toBe("no");
  expect(await truncationOf(page, 2)).toBe("rejected");
  // The cut side scored exactly max_length - max_prompt_length tokens.
  await expect(page.getByTestId("pair-numbers")).toContainText("tokens chosen / rejected8 / 32");
});
