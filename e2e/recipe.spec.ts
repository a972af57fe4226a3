/**
 * Recipes that re-apply, as a user does it: keep and drop rows, set a histogram gate, download the recipe; in a
 * fresh page, load an edited copy of the file (rows inserted, deleted, one re-saved with other key order),
 * "Apply recipe", read the match report; the exported rows are the ones the CLI's `select --recipe` picks.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { cliIndices, exportSelection, jsonlLines, openApp, ROOT, selectedCount, upload } from "./helpers";

const DEMO = path.join(ROOT, "public/demo/demo-preferences.jsonl");
const LINES = jsonlLines(DEMO);

interface DemoRow {
  prompt: { role: string; content: string }[];
  chosen: { role: string; content: string }[];
  rejected: { role: string; content: string }[];
  [key: string]: unknown;
}

// The demo has a few rows with the same texts; the rows this test decides or deletes have contents of their own,
// so the report's numbers are known in advance.
const contentOf = (line: string) => {
  const r = JSON.parse(line) as DemoRow;
  return JSON.stringify([r.prompt, r.chosen, r.rejected]);
};
const copies = new Map<string, number>();
for (const l of LINES) copies.set(contentOf(l), (copies.get(contentOf(l)) ?? 0) + 1);
const unique = (i: number) => copies.get(contentOf(LINES[i])) === 1;

async function ready(page: Page) {
  await openApp(page, "?demo=1");
  await expect(page.getByText(/^Selected \d+ of \d+$/)).toBeVisible();
}

async function openExport(page: Page) {
  const panel = page.getByRole("group", { name: "Export options" });
  if (!(await panel.isVisible())) await page.getByRole("button", { name: "Export selection" }).click();
  await expect(panel).toBeVisible();
}

async function downloadRecipe(page: Page, to: string) {
  await openExport(page);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download recipe" }).click(),
  ]);
  fs.copyFileSync(await download.path(), to);
  return JSON.parse(fs.readFileSync(to, "utf8"));
}

async function decide(page: Page, row: number, action: "Keep" | "Drop") {
  await page.getByLabel("Selected rows only").uncheck();
  await page.locator(".pairs-scroll").evaluate((el, top) => (el.scrollTop = top), row * 30);
  await page
    .getByRole("table", { name: "Pairs" })
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

/** A new row: `line` with its chosen answer revised (other contents, same margins). */
function revised(line: string, n: number): string {
  const r = JSON.parse(line) as DemoRow;
  const chosen = r.chosen.map((m, i) => (i === r.chosen.length - 1 ? { ...m, content: `${m.content} (rev ${n})` } : m));
  return JSON.stringify({ ...r, chosen });
}

/** The same row re-saved by another tool: keys in reverse order, a space after each separator. */
function resaved(line: string): string {
  const r = JSON.parse(line) as Record<string, unknown>;
  return JSON.stringify(Object.fromEntries(Object.entries(r).reverse()), null, 1).replace(/\n\s*/g, " ");
}

test("a downloaded recipe re-applies to an edited file, in the app as in the CLI", async ({
  page,
  browser,
  baseURL,
}) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-recipe-"));
  await ready(page);
  const first = await downloadRecipe(page, path.join(dir, "first.recipe.json"));
  const selected = new Set<number>(first.selectedIndices);
  const outside = LINES.map((_, i) => i).filter((i) => unique(i) && !selected.has(i));
  const inside = LINES.map((_, i) => i).filter((i) => unique(i) && selected.has(i));
  const [keptStays, keptDeleted] = [outside[3], outside[7]];
  const dropped = inside[2];
  await page.getByRole("button", { name: "Export selection" }).click();

  await decide(page, keptStays, "Keep");
  await decide(page, keptDeleted, "Keep");
  await decide(page, dropped, "Drop");
  const floor = page.getByRole("slider", { name: "Explicit margin floor" });
  await floor.focus();
  for (let i = 0; i < 10; i++) await page.keyboard.press("ArrowRight");
  await expect(page.getByTestId("filter-chip").filter({ hasText: "Explicit margin ≥" })).toBeVisible();
  await expect(page.getByTestId("selection-counts")).toContainText("kept by hand 2 · dropped by hand 1");

  const recipeFile = path.join(dir, "demo-preferences.recipe.json");
  await expect
    .poll(async () => (await downloadRecipe(page, recipeFile)).selection.gates.length, { timeout: 10_000 })
    .toBe(1);
  const recipe = JSON.parse(fs.readFileSync(recipeFile, "utf8"));
  expect(recipe.version).toBe(3);
  expect(recipe.selection.decisions).toEqual({ keep: [keptStays, keptDeleted].sort((a, b) => a - b), drop: [dropped] });
  expect(recipe.content.keep).toHaveLength(2);
  expect(recipe.content.drop).toHaveLength(1);

  // Re-applied to the file it was made on: the same selection, and the report says so.
  const before = await selectedCount(page);
  await page.getByLabel("Apply recipe").setInputFiles(recipeFile);
  await expect(page.getByTestId("recipe-report")).toHaveText(
    "Same file. 3 decisions matched, 0 rows new (not in the recipe), 0 vanished (decided rows no longer in the file).",
  );
  expect(await selectedCount(page)).toEqual(before);

  // The edited file: three new rows (start, middle, end), the second kept row and five undecided rows deleted,
  // the first kept row re-saved with other key order and whitespace.
  const deleted = new Set([keptDeleted, ...outside.slice(20, 23), ...inside.slice(10, 12)]);
  const edited: string[] = [revised(LINES[0], 1)];
  LINES.forEach((l, i) => {
    if (i === 1000) edited.push(revised(LINES[1000], 2));
    if (deleted.has(i)) return;
    edited.push(i === keptStays ? resaved(l) : l);
  });
  edited.push(revised(LINES[LINES.length - 1], 3));
  const editedFile = path.join(dir, "demo-preferences-edited.jsonl");
  fs.writeFileSync(editedFile, edited.map((l) => `${l}\n`).join(""));

  // A fresh page (its own context: no saved session to restore).
  const context = await browser.newContext({ baseURL, acceptDownloads: true });
  const fresh = await context.newPage();
  await openApp(fresh);
  await upload(fresh, editedFile);
  await expect(fresh.getByText(new RegExp(`^Selected \\d+ of ${edited.length}$`))).toBeVisible();
  await openExport(fresh);
  await fresh.getByLabel("Apply recipe").setInputFiles(recipeFile);
  const report =
    "2 decisions matched, 3 rows new (not in the recipe), 1 vanished (decided rows no longer in the file).";
  await expect(fresh.getByTestId("recipe-report")).toHaveText(report);
  await expect(fresh.getByTestId("filter-chip").filter({ hasText: "Explicit margin ≥" })).toBeVisible();
  await expect(fresh.getByTestId("selection-counts")).toContainText("kept by hand 1 · dropped by hand 1");

  // The CLI applies the same recipe to the same file: the same rows, the same report.
  const want = cliIndices(editedFile, ["--recipe", recipeFile]);
  const { bytes } = await exportSelection(fresh, "JSONL");
  const got = bytes.toString("utf8").split("\n").filter(Boolean);
  expect(got).toEqual(want.map((i) => edited[i]));
  expect((await selectedCount(fresh)).n).toBe(want.length);
  expect(got).toContain(resaved(LINES[keptStays]));
  expect(got).not.toContain(LINES[dropped]);
  const cli = spawnSync(
    process.execPath,
    ["--import", "tsx", "bin/margin-atlas.ts", "select", editedFile, "--recipe", recipeFile],
    { cwd: ROOT, encoding: "utf8" },
  );
  expect(cli.status).toBe(0);
  expect(cli.stderr).toContain(`recipe demo-preferences.recipe.json: ${report}\n`);
  await context.close();
});

test("a bad recipe file is refused with the field at fault, and the selection stays", async ({ page }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-recipe-"));
  await ready(page);
  const recipe = await downloadRecipe(page, path.join(dir, "good.recipe.json"));
  const bad = path.join(dir, "bad.recipe.json");
  fs.writeFileSync(bad, JSON.stringify({ ...recipe, selection: { ...recipe.selection, gates: [{ kind: "circle" }] } }));
  const before = await selectedCount(page);
  await page.getByLabel("Apply recipe").setInputFiles(bad);
  await expect(page.getByRole("alert").filter({ hasText: "bad.recipe.json" })).toContainText(
    'bad.recipe.json, field "selection.gates[0].kind": expected one of interval, rect, lasso, search, got "circle"',
  );
  await expect(page.getByTestId("recipe-report")).toHaveCount(0);
  expect(await selectedCount(page)).toEqual(before);
});
