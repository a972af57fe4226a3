/**
 * The keyboard flow as a curator uses it on the demo: move the row cursor, open a row, keep, drop, clear, undo and
 * redo, search, the "?" dialog; keys on a histogram handle and in the search box stay theirs. The export at the end
 * holds the kept row and not the dropped one.
 */
import path from "node:path";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { exportSelection, jsonlLines, openApp, ROOT } from "./helpers";
import { OTHER_KEYS, SHORTCUTS } from "../lib/workbench/shortcuts";

const LINES = jsonlLines(path.join(ROOT, "public/demo/demo-preferences.jsonl"));

/** The pairs table. */
function table(page: Page): Locator {
  return page.getByRole("table", { name: "Pairs" });
}

/** The n-th data row on screen (1 = the first under the header). */
function dataRow(page: Page, n: number): Locator {
  return table(page).getByRole("row").nth(n);
}

/** The row the keyboard cursor is on. */
function cursor(page: Page): Locator {
  return table(page).locator('tr[aria-current="true"]');
}

/** The row id in a table row's "Row" cell. */
async function rowId(row: Locator): Promise<number> {
  return Number(await row.locator("td.col-row").textContent());
}

/** Expects the keyboard cursor on the n-th data row on screen. */
async function expectCursorOn(page: Page, n: number): Promise<void> {
  await expect(cursor(page)).toHaveCount(1);
  await expect(cursor(page)).toHaveAttribute("aria-rowindex", String(n + 1));
}

/**
 * Opens the demo and waits until the workbench takes keys: the counts line shows a moment before the table order
 * is in and the store says "ready" (until then the row keys have no row to act on).
 */
async function ready(page: Page): Promise<void> {
  await openApp(page, "?demo=1");
  await expect(page.getByText(/^Selected \d+ of \d+$/)).toBeVisible();
  await expect(page.locator("main.workbench")).toHaveAttribute("data-status", "ready");
  await expect(cursor(page)).toHaveCount(1);
}

test("keyboard: cursor, open, keep / drop / clear, undo / redo, search, the shortcut dialog, export", async ({
  page,
}) => {
  await ready(page);
  const counts = page.getByTestId("selection-counts");
  // The demo's second row is outside the default selection and its third inside: keeping the one and dropping the
  // other both change the export.
  await expect(dataRow(page, 2).locator("td.col-selected")).toHaveText("");
  await expect(dataRow(page, 3).locator("td.col-selected")).toHaveText("✓");

  // The cursor starts on the first row.
  await expectCursorOn(page, 1);
  await page.keyboard.press("j");
  await expectCursorOn(page, 2);

  // Arrow keys on a histogram handle move the handle, not the cursor; letters still are shortcuts there.
  const floor = page.getByRole("slider", { name: "Explicit margin floor" });
  await floor.focus();
  await page.keyboard.press("ArrowUp");
  await expect(page.getByTestId("filter-chip").filter({ hasText: "Explicit margin ≥" })).toBeVisible();
  await expectCursorOn(page, 2);
  await page.keyboard.press("z");
  await expect(page.getByTestId("filter-chip")).toHaveCount(0);
  await floor.blur();
  await page.keyboard.press("k");
  await expectCursorOn(page, 1);

  // j j k: the second row.
  await page.keyboard.press("j");
  await page.keyboard.press("j");
  await page.keyboard.press("k");
  await expectCursorOn(page, 2);
  const kept = await rowId(cursor(page));
  await expect(dataRow(page, 2)).toHaveAttribute("aria-current", "true");

  await page.keyboard.press("Enter");
  await expect(page.getByRole("complementary", { name: `Pair ${kept}` })).toBeVisible();

  await page.keyboard.press("x");
  await expect(cursor(page).locator("td.col-decision")).toHaveText("kept");
  await expect(counts).toContainText(/kept by hand 1 ·/);
  await expect(cursor(page).locator("td.col-selected")).toHaveText("✓");

  await page.keyboard.press("j");
  await expectCursorOn(page, 3);
  const dropped = await rowId(cursor(page));
  await page.keyboard.press("d");
  await expect(cursor(page).locator("td.col-decision")).toHaveText("dropped");
  await expect(counts).toContainText(/dropped by hand 1$/);
  await expect(cursor(page).locator("td.col-selected")).toHaveText("");

  await page.keyboard.press("u");
  await expect(cursor(page).locator("td.col-decision")).toHaveText("");
  await expect(counts).toContainText(/dropped by hand 0$/);
  // u again changes nothing, so it adds no undo step: one z brings the drop back.
  await page.keyboard.press("u");
  await page.keyboard.press("z");
  await expect(cursor(page).locator("td.col-decision")).toHaveText("dropped");
  await expect(counts).toContainText(/dropped by hand 1$/);
  await page.keyboard.press("Shift+Z");
  await expect(cursor(page).locator("td.col-decision")).toHaveText("");
  await expect(counts).toContainText(/dropped by hand 0$/);
  await page.keyboard.press("z");
  await expect(counts).toContainText(/kept by hand 1 · dropped by hand 1$/);

  // "/" focuses the search; keys typed there are text, not shortcuts; Esc clears the box and leaves it.
  const search = page.getByLabel("Search pairs");
  await page.keyboard.press("/");
  await expect(search).toBeFocused();
  await page.keyboard.type("j");
  await expect(search).toHaveValue("j");
  await expectCursorOn(page, 3);
  await page.keyboard.press("Escape");
  await expect(search).toHaveValue("");
  await expect(search).not.toBeFocused();
  // An applied search: Esc in the box clears the box and the clause.
  const searchChip = page.getByTestId("filter-chip").filter({ hasText: 'search "pull"' });
  await page.keyboard.press("/");
  await page.keyboard.type("pull");
  await page.keyboard.press("Enter");
  await expect(searchChip).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(searchChip).toHaveCount(0);
  await expect(search).toHaveValue("");
  // And Esc outside the box clears an active search too.
  await page.keyboard.press("/");
  await page.keyboard.type("pull");
  await page.keyboard.press("Enter");
  await expect(searchChip).toBeVisible();
  await search.blur();
  await page.keyboard.press("Escape");
  await expect(searchChip).toHaveCount(0);
  await expect(search).toHaveValue("");
  await expectCursorOn(page, 3);

  // "?" opens the dialog listing every shortcut; the page behind takes no keys; Esc closes it.
  const dialog = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await page.keyboard.press("?");
  await expect(dialog).toBeVisible();
  const rows = dialog.getByTestId("shortcut-row");
  await expect(rows).toHaveCount(SHORTCUTS.length);
  for (const [i, s] of SHORTCUTS.entries()) {
    await expect(rows.nth(i)).toContainText(s.description);
    for (const k of s.keys) await expect(rows.nth(i).locator("kbd", { hasText: k.label }).first()).toBeVisible();
  }
  for (const o of OTHER_KEYS) await expect(dialog).toContainText(o.description);
  const close = dialog.getByRole("button", { name: "Close" });
  await expect(close).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(close).toBeFocused();
  await page.keyboard.press("j");
  await page.keyboard.press("x");
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expectCursorOn(page, 3);
  await expect(counts).toContainText(/kept by hand 1 · dropped by hand 1$/);
  // The same dialog from its button; "Close" hands focus back to the button.
  const opener = page.getByRole("button", { name: "Shortcuts" });
  await opener.click();
  await expect(dialog).toBeVisible();
  await close.click();
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();

  const { bytes } = await exportSelection(page, "JSONL");
  const exported = new Set(bytes.toString("utf8").split("\n").filter(Boolean));
  expect(exported.has(LINES[kept])).toBe(true);
  expect(exported.has(LINES[dropped])).toBe(false);
});

test("keyboard: the cursor row scrolls into view both ways, and keyboard focus is visible", async ({ page }) => {
  await ready(page);
  const scroll = page.locator(".pairs-scroll");
  const header = table(page).locator("thead");
  /** Expects the cursor row wholly inside the scrolling body, below its sticky header. */
  const expectCursorShown = async () => {
    await expect(cursor(page)).toHaveCount(1);
    const [row, head, box] = await Promise.all([
      cursor(page).boundingBox(),
      header.boundingBox(),
      scroll.boundingBox(),
    ]);
    expect(row!.y).toBeGreaterThanOrEqual(head!.y + head!.height - 1);
    expect(row!.y + row!.height).toBeLessThanOrEqual(box!.y + box!.height + 1);
  };
  for (let i = 0; i < 40; i++) await page.keyboard.press("j");
  await expectCursorOn(page, 41);
  await expectCursorShown();
  expect(await scroll.evaluate((el) => el.scrollTop)).toBeGreaterThan(0);
  for (let i = 0; i < 40; i++) await page.keyboard.press("ArrowUp");
  await expectCursorOn(page, 1);
  await expectCursorShown();
  expect(await scroll.evaluate((el) => el.scrollTop)).toBe(0);
  // A click puts the cursor on the clicked row.
  await dataRow(page, 5).click();
  await expectCursorOn(page, 5);
  await page.keyboard.press("j");
  await expectCursorOn(page, 6);

  // Tab focus from the keyboard is drawn (:focus-visible outline).
  await page.keyboard.press("Tab");
  const outline = await page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return el && el !== document.body ? getComputedStyle(el).outlineStyle : "no focus";
  });
  expect(outline).not.toBe("none");
  expect(outline).not.toBe("no focus");
});
