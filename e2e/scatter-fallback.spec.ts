/**
 * The scatter in a browser without OffscreenCanvas: drawn on the main thread, reading the same columns from the
 * dataset worker (`scatterRead`) as a scatter worker reads over its link, and following a re-rank.
 */
import { expect, test } from "@playwright/test";
import { openDemo, settledFrame } from "./curation-helpers";

test("without OffscreenCanvas the scatter is drawn on the main thread, says so, and recolours after a w change", async ({
  page,
}) => {
  await page.addInitScript(() => {
    delete (HTMLCanvasElement.prototype as { transferControlToOffscreen?: unknown }).transferControlToOffscreen;
  });
  await openDemo(page);
  const figure = page.locator("figure.margin-scatter").first();
  await expect(figure).toHaveAttribute("data-render-mode", "main");
  await expect(page.getByText("Scatter drawn on the main thread: this browser has no OffscreenCanvas.")).toBeVisible();
  const rows = Number(await figure.getAttribute("data-rows"));
  expect(rows).toBeGreaterThan(0);
  await expect.poll(async () => Number(await figure.getAttribute("data-points"))).toBeGreaterThan(0);
  // Settled, then a w change: one new frame with new colours.
  const frame0 = await settledFrame(figure);
  const canvas = figure.locator("canvas");
  const before = await canvas.screenshot();
  await page.getByLabel("Implicit weight (w)").fill("5");
  await expect(figure).toHaveAttribute("data-frame", String(frame0 + 1));
  await page.waitForTimeout(500);
  await expect(figure).toHaveAttribute("data-frame", String(frame0 + 1));
  expect((await canvas.screenshot()).equals(before)).toBe(false);
  await expect(figure).toHaveAttribute("data-rows", String(rows));
});
