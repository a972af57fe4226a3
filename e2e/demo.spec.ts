import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { cliIndices, exportSelection, jsonlLines, openApp, ROOT, selectedCount } from "./helpers";

const DEMO = path.join(ROOT, "public/demo/demo-preferences.jsonl");

test.describe("bundled demo dataset", () => {
  test("?demo=1 opens on the demo data and selects what the CLI selects", async ({ page }) => {
    const want = cliIndices(DEMO, []);
    const total = jsonlLines(DEMO).length;
    await openApp(page, "?demo=1");
    await expect(page.getByText(`Selected ${want.length} of ${total}`)).toBeVisible();
    await expect(page.getByTestId("missing-counts")).toContainText(/missing implicit margin: [1-9]\d*/);
    await expect(
      page.getByRole("img", { name: /^Scatter of [\d,]+ pairs: Explicit margin vs Implicit margin$/ }),
    ).toBeVisible();
    await expect(page.getByRole("table", { name: "Pairs" })).toBeVisible();
  });

  test("export with computed columns keeps every original field and order", async ({ page }) => {
    const lines = jsonlLines(DEMO);
    const want = cliIndices(DEMO, []);
    await openApp(page);
    await page.getByRole("button", { name: "Load demo dataset" }).click();
    await expect(page.getByText(`Selected ${want.length} of ${lines.length}`)).toBeVisible();
    const { bytes } = await exportSelection(page, "JSONL", true);
    const got = bytes.toString("utf8").split("\n").filter(Boolean);
    expect(got.length).toBe(want.length);
    got.forEach((line, j) => {
      const original = lines[want[j]];
      // The original bytes are kept; the computed columns are appended before the closing brace.
      expect(line.startsWith(original.slice(0, -1))).toBe(true);
      const row = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(row).slice(-4)).toEqual(["explicit_margin", "implicit_margin", "m_ap", "m_ap_rank"]);
      expect(row.explicit_margin).toBe((JSON.parse(original) as { rm_margin: number }).rm_margin);
      expect(row.m_ap_rank as number).toBeLessThanOrEqual(want.length);
    });
  });

  test("recipe names the input's SHA-256, settings and selected rows", async ({ page }) => {
    const want = cliIndices(DEMO, ["--ratio", "0.2", "--weight", "2.5"]);
    await openApp(page, "?demo=1");
    await expect(page.getByText(/^Selected \d+ of \d+$/)).toBeVisible();
    await page.getByLabel("Selection ratio", { exact: true }).fill("0.2");
    await page.getByLabel("Implicit weight (w)").fill("2.5");
    await expect(page.getByText(`Selected ${want.length} of`)).toBeVisible();
    await page.getByRole("button", { name: "Export selection" }).click();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download recipe" }).click(),
    ]);
    const recipe = JSON.parse(fs.readFileSync(await download.path(), "utf8"));
    expect(recipe.input.sha256).toBe(crypto.createHash("sha256").update(fs.readFileSync(DEMO)).digest("hex"));
    expect(recipe.input.name).toBe("demo-preferences.jsonl");
    expect(recipe).toMatchObject({ metric: "map", weight: 2.5, ratio: 0.2, rowCount: jsonlLines(DEMO).length });
    expect(recipe.selectedIndices).toEqual(want);
    expect(recipe.mapping.explicit).toEqual({ kind: "column", field: "rm_margin" });
  });

  test("dragging the explicit-margin floor narrows the selection; exported rows respect it", async ({ page }) => {
    await openApp(page, "?demo=1");
    await expect(page.getByText(/^Selected \d+ of \d+$/)).toBeVisible();
    const before = await selectedCount(page);
    const slider = page.getByRole("slider", { name: "Explicit margin floor" });
    await page.getByTestId("histogram-plot-explicit").scrollIntoViewIfNeeded();
    const box = (await slider.boundingBox())!;
    await page.getByTestId("histogram-plot-explicit").scrollIntoViewIfNeeded();
    const plot = (await page.getByTestId("histogram-plot-explicit").boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    // k stays ⌊0.4·N⌋ while enough rows pass the floor: drag far enough that fewer do.
    for (let f = 0.1; f <= 0.9; f += 0.1) await page.mouse.move(plot.x + plot.width * f, box.y + box.height / 2);
    await page.mouse.up();
    await expect.poll(async () => (await selectedCount(page)).n).toBeLessThan(before.n);
    const floor = Number(await slider.getAttribute("data-value"));
    expect(Number.isFinite(floor)).toBe(true);
    const { bytes } = await exportSelection(page, "JSONL", true);
    const rows = bytes
      .toString("utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { explicit_margin: number });
    expect(rows.length).toBe((await selectedCount(page)).n);
    for (const r of rows) expect(r.explicit_margin).toBeGreaterThanOrEqual(floor);
  });

  test("table: sort by M_AP, open a pair in the inspector", async ({ page }) => {
    await openApp(page, "?demo=1");
    await expect(page.getByText(/^Selected \d+ of \d+$/)).toBeVisible();
    const table = page.getByRole("table", { name: "Pairs" });
    await table.getByRole("button", { name: /^M_AP rank/ }).click();
    const firstRow = table.getByRole("row").nth(1);
    await expect(firstRow.getByRole("cell").nth(3)).toHaveText("1");
    await firstRow.click();
    const rowId = (await firstRow.getByRole("cell").first().textContent())!.trim();
    const inspector = page.getByRole("complementary", { name: `Pair ${rowId}` });
    await expect(inspector).toBeVisible();
    const record = JSON.parse(jsonlLines(DEMO)[Number(rowId)]) as { chosen: { role: string; content: string }[] };
    const reply = record.chosen[record.chosen.length - 1].content;
    await expect(inspector.getByRole("region", { name: "Chosen" })).toContainText(reply.slice(0, 50));
  });
});

test("text from the data is shown, never executed", async ({ page }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-xss-"));
  const file = path.join(dir, "xss.jsonl");
  const payload = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
  fs.writeFileSync(
    file,
    [0, 1, 2]
      .map((i) =>
        JSON.stringify({ prompt: `p${i} ${payload}`, chosen: `c${i} ${payload}`, rejected: `r${i}`, rm_margin: i }),
      )
      .join("\n"),
  );
  await openApp(page);
  await page.getByLabel("Upload dataset").setInputFiles(file);
  await expect(page.getByText(/^Selected \d+ of 3$/)).toBeVisible();
  await page.getByRole("table", { name: "Pairs" }).getByRole("row").nth(1).click();
  await expect(page.getByRole("region", { name: "Chosen" })).toContainText("<img src=x onerror=");
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(await page.locator(".inspector img, .inspector script").count()).toBe(0);
});

test("scatter: hover shows a pair's row, click opens it in the inspector, wheel zooms", async ({ page }) => {
  await openApp(page, "?demo=1");
  await expect(page.getByText(/^Selected \d+ of \d+$/)).toBeVisible();
  const plot = page.getByLabel("Scatter plot area: arrow keys pan, + and − zoom, 0 resets");
  const box = (await plot.boundingBox())!;
  const tooltip = page.getByRole("tooltip");
  // Sweep the dense middle of the cloud until the pointer is over a point.
  let found: { x: number; y: number } | null = null;
  for (let fx = 0.2; fx <= 0.6 && !found; fx += 0.02) {
    const x = box.x + box.width * fx;
    const y = box.y + box.height * 0.5;
    await page.mouse.move(x, y);
    if (await tooltip.isVisible({ timeout: 300 }).catch(() => false)) found = { x, y };
    else await page.waitForTimeout(100);
    if (!found && (await tooltip.isVisible())) found = { x, y };
  }
  expect(found).not.toBeNull();
  const row = /row (\d+)/.exec((await tooltip.textContent()) ?? "")![1];
  await page.mouse.click(found!.x, found!.y);
  await expect(page.getByRole("complementary", { name: `Pair ${row}` })).toBeVisible();
  const ticksBefore = await page.locator("figure.margin-scatter svg text").allTextContents();
  await page.mouse.move(found!.x, found!.y);
  await page.mouse.wheel(0, -400);
  await expect
    .poll(async () => (await page.locator("figure.margin-scatter svg text").allTextContents()).join("|"))
    .not.toBe(ticksBefore.join("|"));
  await page.getByRole("button", { name: "Reset view" }).click();
  await expect
    .poll(async () => (await page.locator("figure.margin-scatter svg text").allTextContents()).join("|"))
    .toBe(ticksBefore.join("|"));
});
