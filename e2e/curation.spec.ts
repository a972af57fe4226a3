/**
 * Curation as a user does it: drag histogram handles (mouse and keyboard), brush a histogram, lasso the scatter,
 * keep and drop rows, undo and redo, search, compare metrics. After each, the downloaded export holds exactly the
 * rows the clauses define, computed independently (e2e/curation-oracle.ts) from the downloaded recipe.
 */
import { expect, test } from "@playwright/test";
import { selectedCount } from "./helpers";
import { columnsOf, expectedRows } from "./curation-oracle";
import { DEMO_LINES as LINES, downloadRecipe, expectExportMatchesClauses, openDemo } from "./curation-helpers";

/** Significant digits of a plain decimal ("0.0423" has 3, "1235" has 4, "-3.10" has 2). */
const significantDigits = (text: string) =>
  text.replace(/^-/, "").replace(".", "").replace(/^0+/, "").replace(/0+$/, "").length;

test("drag a histogram handle with the mouse and with the keyboard", async ({ page }) => {
  await openDemo(page);
  const before = (await selectedCount(page)).n;
  const floor = page.getByRole("slider", { name: "Explicit margin floor" });
  await page.getByTestId("histogram-plot-explicit").scrollIntoViewIfNeeded();
  const plot = (await page.getByTestId("histogram-plot-explicit").boundingBox())!;
  const box = (await floor.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  for (let f = 0.1; f <= 0.45; f += 0.05) await page.mouse.move(plot.x + plot.width * f, plot.y + plot.height / 2);
  await page.mouse.up();
  await expect(page.getByTestId("filter-chip")).toContainText(/Explicit margin ≥/);
  await expect.poll(async () => (await downloadRecipe(page)).selection.gates.length).toBe(1);
  expect((await selectedCount(page)).n).toBeLessThanOrEqual(before);
  // The sidebar box shows the same clause, as a round value: the drag lands within a pixel of the pointer, rounded to
  // the power of ten a pixel spans (a plot of a few hundred pixels: three or four significant digits, not sixteen).
  const text = await page.getByLabel("Explicit margin ≥ value").inputValue();
  expect(significantDigits(text)).toBeLessThanOrEqual(4);
  expect(Number(text)).toBe(Number(await floor.getAttribute("data-value")));
  await expectExportMatchesClauses(page);

  const ceiling = page.getByRole("slider", { name: "|Implicit margin| ceiling" });
  await ceiling.focus();
  for (let i = 0; i < 30; i++) await page.keyboard.press("ArrowLeft");
  await expect(ceiling).toHaveAttribute("aria-valuetext", /^[^(]+$/);
  // Key steps (1 % of the data range) land on round values too.
  expect(significantDigits(await page.getByLabel("|Implicit margin| ≤ value").inputValue())).toBeLessThanOrEqual(4);
  await expect(page.getByTestId("filter-chip").filter({ hasText: "|Implicit margin| ≤" })).toBeVisible();
  await expectExportMatchesClauses(page);
  // One undo step per gesture: the 30 key presses undo at once.
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(page.getByTestId("filter-chip").filter({ hasText: "|Implicit margin| ≤" })).toHaveCount(0);
  await expect(page.getByTestId("filter-chip").filter({ hasText: "Explicit margin ≥" })).toBeVisible();
});

test("brush a histogram: the range becomes a chip, filters the other views, and is removable", async ({ page }) => {
  await openDemo(page);
  await page.getByTestId("histogram-plot-mAp").scrollIntoViewIfNeeded();
  const plot = (await page.getByTestId("histogram-plot-mAp").boundingBox())!;
  const y = plot.y + plot.height / 2;
  await page.mouse.move(plot.x + plot.width * 0.35, y);
  await page.mouse.down();
  for (let f = 0.4; f <= 0.8; f += 0.05) await page.mouse.move(plot.x + plot.width * f, y);
  await page.mouse.up();
  const chip = page.getByTestId("filter-chip").filter({ hasText: /^M_AP ∈/ });
  await expect(chip).toBeVisible();
  // Cross-filtering: the explicit histogram's amber bars now count only rows inside the M_AP brush.
  const want = await expectExportMatchesClauses(page);
  expect(want.length).toBeGreaterThan(0);
  await chip.getByRole("button", { name: /^Remove filter/ }).click();
  await expect(chip).toHaveCount(0);
  await expectExportMatchesClauses(page);
});

test("lasso on the scatter selects the points inside, kept as a region chip", async ({ page }) => {
  await openDemo(page);
  await page.getByRole("button", { name: "Lasso" }).click();
  const area = page.getByLabel(/^Scatter plot area/);
  await area.scrollIntoViewIfNeeded();
  const b = (await area.boundingBox())!;
  const cx = b.x + b.width * 0.5;
  const cy = b.y + b.height * 0.5;
  await page.mouse.move(cx + b.width * 0.3, cy);
  await page.mouse.down();
  for (let t = 0; t <= 2 * Math.PI + 0.01; t += Math.PI / 24)
    await page.mouse.move(cx + Math.cos(t) * b.width * 0.3, cy + Math.sin(t) * b.height * 0.35);
  await page.mouse.up();
  await expect(
    page.getByTestId("filter-chip").filter({ hasText: /^lasso on Explicit margin × Implicit margin/ }),
  ).toBeVisible();
  await expect(page.getByTestId("scatter-region")).toBeVisible();
  const want = await expectExportMatchesClauses(page);
  expect(want.length).toBeGreaterThan(0);
});

test("keep and drop from the inspector win over the ranking; undo and redo (buttons and keys)", async ({ page }) => {
  await openDemo(page);
  const r0 = await downloadRecipe(page);
  const selected = new Set<number>(r0.selectedIndices);
  const outside = LINES.findIndex((_, i) => !selected.has(i));
  const inside = r0.selectedIndices[0] as number;
  const table = page.getByRole("table", { name: "Pairs" });
  // Open the row that is not selected, keep it; open a selected one, drop it.
  for (const [row, action] of [
    [outside, "Keep"],
    [inside, "Drop"],
  ] as const) {
    await page.getByLabel("Selected rows only").uncheck();
    const scroll = page.locator(".pairs-scroll");
    await scroll.evaluate((el, top) => (el.scrollTop = top), row * 30);
    await table
      .getByRole("row")
      .filter({ has: page.getByRole("cell", { name: String(row), exact: true }) })
      .first()
      .click();
    const inspector = page.getByRole("complementary", { name: `Pair ${row}` });
    await inspector.getByRole("button", { name: action }).click();
    await expect(inspector.getByTestId("decision-badge")).toHaveText(
      action === "Keep" ? "kept by hand" : "dropped by hand",
    );
  }
  await expect(page.getByTestId("selection-counts")).toContainText("kept by hand 1 · dropped by hand 1");
  const want = await expectExportMatchesClauses(page);
  expect(want).toContain(outside);
  expect(want).not.toContain(inside);

  await page.getByRole("button", { name: "Undo" }).click();
  await expect(page.getByTestId("selection-counts")).toContainText("kept by hand 1 · dropped by hand 0");
  await page.locator("body").click({ position: { x: 2, y: 2 } });
  await page.keyboard.press("Control+z");
  await expect(page.getByTestId("selection-counts")).toContainText("kept by hand 0 · dropped by hand 0");
  await page.keyboard.press("Control+Shift+z");
  await expect(page.getByTestId("selection-counts")).toContainText("kept by hand 1 · dropped by hand 0");
  const after = await expectExportMatchesClauses(page);
  expect(after).toContain(outside);
  expect(after).toContain(inside);
});

test("search pairs gates the selection and highlights matches in the inspector", async ({ page }) => {
  await openDemo(page);
  await page.getByLabel("Search pairs").fill("pull request");
  await page.getByLabel("Search pairs").press("Enter");
  await expect(page.getByTestId("filter-chip").filter({ hasText: 'search "pull request"' })).toBeVisible();
  const want = await expectExportMatchesClauses(page);
  expect(want.length).toBeGreaterThan(0);
  await page.getByLabel("Selected rows only").check();
  await page.getByRole("table", { name: "Pairs" }).getByRole("row").nth(1).click();
  await expect(page.locator(".inspector mark").first()).toHaveText(/pull request/i);
});

test("compare metrics: a cell lists the rows both metrics select", async ({ page }) => {
  await openDemo(page);
  const r = await downloadRecipe(page);
  await page.getByRole("button", { name: "Compare metrics" }).click();
  const k = r.selectedIndices.length;
  const both = expectedRows(LINES, r.mapping, r.selection, "map", k).filter((i) =>
    expectedRows(LINES, r.mapping, r.selection, "explicit", k).includes(i),
  );
  const cell = page.getByRole("button", {
    name: `Overlap of Alignment potential (M_AP) and Explicit margin: ${both.length} rows`,
  });
  await expect(cell).toBeVisible();
  await cell.click();
  await expect(page.getByTestId("table-row-count")).toHaveText(`${both.length} rows`);
  await expect(page.getByRole("list", { name: "Unavailable metrics" })).toContainText("needs summed log-prob columns");
});

test("sort by M_AP, then change w: the table re-sorts by the new M_AP", async ({ page }) => {
  await openDemo(page);
  const table = page.getByRole("table", { name: "Pairs" });
  await table.getByRole("button", { name: /^M_AP rank/ }).click();
  await page.getByLabel("Implicit weight (w)").fill("5");
  await expect(page.getByRole("button", { name: "M_AP rank ▼" })).toBeVisible();
  for (let i = 1; i <= 3; i++)
    await expect(table.getByRole("row").nth(i).getByRole("cell").nth(3)).toHaveText(String(i));
});

test("quadrants on the scatter: counts at the medians, then at a split dragged by hand", async ({ page }) => {
  await openDemo(page);
  const r = await downloadRecipe(page);
  await page.getByRole("button", { name: "Export selection" }).click();
  await page.getByLabel("Y axis").selectOption({ label: "|Implicit margin|" });
  await page.getByLabel("Show quadrants").check();
  await expect(page.getByTestId("quadrant-overlay")).toBeVisible();
  const cols = columnsOf(LINES, r.mapping, r.selection.ranking.weight);
  const counts = (sx: number, sy: number) => {
    const out = [0, 0, 0, 0];
    cols.explicit.forEach((e, i) => {
      const a = cols.absImplicit[i];
      if (Number.isFinite(e) && Number.isFinite(a)) out[(e >= sx ? 0 : 2) + (a > sy ? 1 : 0)]++;
    });
    return out;
  };
  const splitX = page.getByLabel("Quadrant split: explicit margin");
  const check = async () => {
    // The overlay carries the exact split (the inputs show it rounded to 8 digits).
    const overlay = page.getByTestId("quadrant-overlay");
    const want = counts(
      Number(await overlay.getAttribute("data-split-x")),
      Number(await overlay.getAttribute("data-split-y")),
    );
    for (let q = 0; q < 4; q++)
      await expect(page.getByTestId(`quadrant-label-${q}`)).toHaveText(new RegExp(`^${want[q]} rows · \\d+ kept by`));
    return want;
  };
  const atMedians = await check();
  const line = page.getByTestId("quadrant-split-x");
  await line.scrollIntoViewIfNeeded();
  const box = (await line.boundingBox())!;
  const before = await splitX.inputValue();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  for (let dx = 10; dx <= 80; dx += 10) await page.mouse.move(box.x + box.width / 2 + dx, box.y + box.height / 2);
  await page.mouse.up();
  await expect(splitX).not.toHaveValue(before);
  const moved = await check();
  expect(moved).not.toEqual(atMedians);
});

test("drag the ratio slider and step it with keys: ratio box and count follow, a drag is one undo step", async ({
  page,
}) => {
  await openDemo(page);
  const slider = page.getByRole("slider", { name: "Selection ratio slider" });
  const ratioBox = page.getByLabel("Selection ratio", { exact: true });
  const count = async () => (await selectedCount(page)).n;
  const start = Number(await slider.getAttribute("aria-valuenow"));
  const before = await count();
  const box = (await slider.boundingBox())!;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * start, y);
  await page.mouse.down();
  for (let f = start; f > 0.15; f -= 0.05) await page.mouse.move(box.x + box.width * f, y);
  await page.mouse.move(box.x + box.width * 0.15, y);
  await page.mouse.up();
  await expect(slider).toHaveAttribute("aria-valuenow", "0.15");
  await expect(ratioBox).toHaveValue("0.15");
  // k = ⌊ratio · candidates⌋: the count follows the ratio.
  await expect.poll(count).toBeLessThan(before);
  const dragged = await count();
  expect(dragged / before).toBeCloseTo(0.15 / start, 1);
  await expectExportMatchesClauses(page);

  // Keys step it by 0.01, End goes to 1.
  await slider.focus();
  for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowRight");
  await expect(slider).toHaveAttribute("aria-valuenow", "0.2");
  await expect.poll(count).toBeGreaterThan(dragged);
  await page.keyboard.press("End");
  await expect(ratioBox).toHaveValue("1");
  await expect.poll(count).toBeGreaterThan(before);

  // Undo: End, then the five key steps one by one, then the whole drag at once.
  const undo = page.getByRole("button", { name: "Undo" });
  for (let i = 0; i < 6; i++) await undo.click();
  await expect(slider).toHaveAttribute("aria-valuenow", "0.15");
  await expect.poll(count).toBe(dragged);
  await undo.click();
  await expect(slider).toHaveAttribute("aria-valuenow", String(start));
  await expect.poll(count).toBe(before);
  await expectExportMatchesClauses(page);
});
