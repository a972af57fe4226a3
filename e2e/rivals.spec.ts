/** The rival published rules through the UI: the exported rows equal ../shared/reference/rivals/expected.json. */
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { exportSelection, jsonlLines, openApp, sharedFile, upload } from "./helpers";

const CASES: { key: string; metric: string; topK?: string; ratio?: string }[] = [
  { key: "bees-k200", metric: "BeeS (Deng et al. 2025)", topK: "200" },
  { key: "bees-add-k200", metric: "BeeS additive (Deng et al. 2025)", topK: "200" },
  { key: "difficulty-r0.1", metric: "DPO reward gap (Qi et al. 2025)", ratio: "0.1" },
];

for (const c of CASES) {
  test(`${c.key}: the UI selects and exports exactly the reference rows`, async ({ page }) => {
    const input = sharedFile("reference/rivals/input.jsonl");
    const expected = JSON.parse(fs.readFileSync(path.join(path.dirname(input), "expected.json"), "utf8")) as Record<
      string,
      number[]
    >;
    const lines = jsonlLines(input);
    await openApp(page);
    await upload(page, input);
    await expect(page.getByText(/^Selected \d+ of 2000$/)).toBeVisible();
    await page.getByLabel("Metric", { exact: true }).selectOption({ label: c.metric });
    if (c.topK) await page.getByLabel("Top k").fill(c.topK);
    if (c.ratio) await page.getByLabel("Selection ratio", { exact: true }).fill(c.ratio);
    const want = expected[c.key];
    await expect(page.getByText(`Selected ${want.length} of 2000`)).toBeVisible();
    if (c.key === "bees-k200") await expect(page.getByTestId("bees-note")).toContainText("(3 here)");
    const { bytes } = await exportSelection(page, "JSONL");
    expect(bytes.toString("utf8").split("\n").filter(Boolean)).toEqual(want.map((i) => lines[i]));
  });
}

test("without log-prob columns the rival options say what they need; the inspector lists every metric's score", async ({
  page,
}) => {
  await openApp(page, "?demo=1");
  await expect(page.getByText(/^Selected \d+ of \d+$/)).toBeVisible();
  const option = page.getByLabel("Metric", { exact: true }).locator("option", { hasText: "BeeS (Deng et al. 2025)" });
  await expect(option).toBeDisabled();
  await expect(page.getByTestId("rival-hint")).toContainText("needs summed log-prob columns");
  await page.getByRole("table", { name: "Pairs" }).getByRole("row").nth(1).click();
  const scores = page.getByTestId("row-metric-scores");
  await scores.locator("summary").click();
  await expect(scores).toContainText("Alignment potential (M_AP)");
  await expect(scores).toContainText("— (needs log-prob columns)");
});
