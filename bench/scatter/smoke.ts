/**
 * Smoke test of <MarginScatter> in Chromium without a Next.js build: rendering mode and accessibility,
 * hover tooltip, click → onSelectRow, wheel zoom, drag pan, reset, mask-only redraw, and the main-thread
 * fallback when the worker cannot start. Usage: `npx tsx bench/scatter/smoke.ts`; exits non-zero on failure.
 */
import { chromium, expect, type Page } from "@playwright/test";
import { bundle, chromiumLaunch, serve } from "./serve";

const wrapper = (page: Page) => page.locator("figure.margin-scatter");
const xTicks = (page: Page) => page.locator("figure.margin-scatter svg text").allTextContents();

async function check(page: Page, url: string, mode: "worker" | "main"): Promise<string[]> {
  const notes: string[] = [];
  await page.goto(url);
  await expect(wrapper(page)).toHaveAttribute("data-points", /^[1-9]\d*$/, { timeout: 30_000 });
  await expect(wrapper(page)).toHaveAttribute("data-render-mode", mode);
  const canvas = page.getByRole("img", { name: "Scatter of 100,000 pairs: explicit margin vs implicit margin" });
  await expect(canvas).toBeVisible();
  notes.push(`${mode}: first frame ${await wrapper(page).getAttribute("data-render-ms")} ms`);
  if (mode === "main") await expect(page.getByText(/Scatter drawn on the main thread/)).toBeVisible();

  const [x0, y0] = await page.evaluate(() =>
    (window as unknown as { harness: { rowPixel(r: number): [number, number] } }).harness.rowPixel(0),
  );
  await page.mouse.move(x0 + 1, y0);
  const tooltip = page.getByRole("tooltip");
  await expect(tooltip).toContainText("row 0");
  await expect(tooltip).toContainText("explicit margin: 10.0000");
  await expect(page.getByTestId("hovered")).toHaveText("0");
  await page.mouse.down();
  await page.mouse.up();
  await expect(page.getByTestId("opened")).toHaveText("0");

  const before = await xTicks(page);
  const shot0 = await canvas.screenshot();
  await page.getByRole("button", { name: "Flip selection" }).click();
  await expect.poll(async () => Buffer.compare(await canvas.screenshot(), shot0) !== 0).toBe(true);

  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -400);
  await expect.poll(() => xTicks(page)).not.toEqual(before);
  const zoomed = await xTicks(page);
  await page.mouse.move(box.x + 100, box.y + 100);
  await page.mouse.down();
  await page.mouse.move(box.x + 250, box.y + 160, { steps: 5 });
  await page.mouse.up();
  await expect.poll(() => xTicks(page)).not.toEqual(zoomed);
  await expect(page.getByTestId("opened")).toHaveText("0");
  await page.getByRole("button", { name: "Reset view" }).click();
  await expect.poll(() => xTicks(page)).toEqual(before);
  notes.push(`${mode}: last frame ${await wrapper(page).getAttribute("data-render-ms")} ms`);
  return notes;
}

async function main(): Promise<void> {
  await bundle();
  const server = await serve();
  const browser = await chromium.launch(chromiumLaunch);
  let failed = 0;
  try {
    for (const [file, mode] of [
      ["component.html", "worker"],
      ["component-fallback.html", "main"],
    ] as const) {
      const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      try {
        const notes = await check(page, server.url + file, mode);
        if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
        console.log(`ok ${mode}: ${notes.join(", ")}`);
      } catch (err) {
        failed++;
        console.log(`FAIL ${mode}: ${(err as Error).message}`);
      }
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  console.log(`${2 - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

void main();
