/** Shared steps of the curation e2e specs: read the recipe, and check an export against the independent oracle. */
import fs from "node:fs";
import path from "node:path";
import { expect, type Locator, type Page } from "@playwright/test";
import { exportSelection, jsonlLines, openApp, ROOT, selectedCount } from "./helpers";
import { expectedRows } from "./curation-oracle";

/** The bundled demo file and its lines, verbatim. */
export const DEMO = path.join(ROOT, "public/demo/demo-preferences.jsonl");
export const DEMO_LINES = jsonlLines(DEMO);

/** Downloads the recipe of the current selection ("Export selection" → "Download recipe") and parses it. */
export async function downloadRecipe(page: Page) {
  const panel = page.getByRole("group", { name: "Export options" });
  if (!(await panel.isVisible())) await page.getByRole("button", { name: "Export selection" }).click();
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download recipe" }).click(),
  ]);
  return JSON.parse(fs.readFileSync(await download.path(), "utf8"));
}

/**
 * Exports, reads the recipe, and checks the export against the rows the oracle computes from the recipe's clauses
 * and against the counts line; closes the export popover so it does not cover the workbench. Returns the rows.
 */
export async function expectExportMatchesClauses(page: Page, lines: string[] = DEMO_LINES): Promise<number[]> {
  const r = await downloadRecipe(page);
  const want = expectedRows(lines, r.mapping, r.selection);
  const { bytes } = await exportSelection(page, "JSONL");
  const got = bytes.toString("utf8").split("\n").filter(Boolean);
  expect(got).toEqual(want.map((i) => lines[i]));
  expect(r.selectedIndices).toEqual(want);
  expect((await selectedCount(page)).n).toBe(want.length);
  await page.getByRole("button", { name: "Export selection" }).click();
  await expect(page.getByRole("group", { name: "Export options" })).toBeHidden();
  return want;
}

/** Opens the demo and waits for the selection count. */
export async function openDemo(page: Page): Promise<void> {
  await openApp(page, "?demo=1");
  await expect(page.getByText(/^Selected \d+ of \d+$/)).toBeVisible();
}

/** The scatter figure's frame number (`data-frame`) once a poll finds no new frame: nothing is left to draw. */
export async function settledFrame(figure: Locator): Promise<number> {
  let last = "";
  await expect
    .poll(async () => {
      const now = (await figure.getAttribute("data-frame")) ?? "";
      const settled = now !== "" && now === last;
      last = now;
      return settled;
    })
    .toBe(true);
  return Number(last);
}
