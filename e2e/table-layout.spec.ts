import { expect, test, type Page } from "@playwright/test";
import { openApp } from "./helpers";
import { openDemo } from "./curation-helpers";

/** Width in CSS pixels of the first element matching `selector`. */
const widthOf = (page: Page, selector: string) =>
  page
    .locator(selector)
    .first()
    .evaluate((el) => el.getBoundingClientRect().width);

test("the pairs table gives its text columns the room an unopened inspector does not need; headers never overflow", async ({
  page,
}) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await openApp(page);
  await page.getByRole("button", { name: "Load demo dataset" }).click();
  await expect(page.getByText(/^Selected \d+ of \d+$/)).toBeVisible();
  await expect(page.locator(".inspector.empty-state")).toBeVisible();
  const table = await widthOf(page, ".pairs");
  const inspector = await widthOf(page, ".inspector");
  // Until a pair is opened the inspector holds one sentence: at most 220 px of it, the rest goes to the table.
  expect(inspector).toBeLessThanOrEqual(221);
  expect(table).toBeGreaterThan(3 * inspector);
  for (const col of ["prompt", "chosen", "rejected"]) expect(await widthOf(page, `th.col-${col}`)).toBeGreaterThan(100);
  // Every header's text fits its cell ("Decision" used to show as "Decisio").
  const clipped = await page
    .locator(".pairs th")
    .evaluateAll((ths) => ths.filter((th) => th.scrollWidth > th.clientWidth + 1).map((th) => th.textContent));
  expect(clipped).toEqual([]);

  // Opened: the inspector takes its share, and its two responses split it evenly whatever their contents (a long
  // code line scrolls inside its block).
  await page.locator(".pairs tbody tr").nth(2).click();
  await expect(page.getByRole("complementary", { name: "Pair 2" })).toBeVisible();
  expect(await widthOf(page, ".inspector")).toBeGreaterThan(400);
  const [chosen, rejected] = await page
    .locator(".responses > *")
    .evaluateAll((els) => els.map((el) => el.getBoundingClientRect().width));
  expect(Math.abs(chosen - rejected)).toBeLessThan(2);
});

for (const name of ["Metric", "Schema"]) {
  test(`the ${name} select shows every option's whole name at a 1400 px window`, async ({ page }) => {
    await page.setViewportSize({ width: 1400, height: 900 });
    await openDemo(page);
    const select = page.getByLabel(name, { exact: true });
    // Each option's text, measured in the select's own font, against the room the closed select gives it (its
    // content box less the drop-down arrow).
    const fits = await select.evaluate((el) => {
      const s = el as HTMLSelectElement;
      const style = getComputedStyle(s);
      const ctx = document.createElement("canvas").getContext("2d")!;
      ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const room = s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
      return [...s.options]
        .filter((o) => !o.disabled)
        .map((o) => ({ text: o.text, fits: ctx.measureText(o.text).width <= room }));
    });
    expect(fits.length).toBeGreaterThan(3);
    expect(fits.filter((f) => !f.fits)).toEqual([]);
    // The select stays inside its panel.
    const panel = await page.locator("fieldset.controls, details.mapping").filter({ has: select }).boundingBox();
    const box = await select.boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(panel!.x + panel!.width);
  });
}
