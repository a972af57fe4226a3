/**
 * Saved sessions as a user meets them: work on the demo (ratio, a kept and a dropped row, a table filter), reload
 * without `?demo`, "Restore session", and the selection, the decisions, the view and the exported rows are back;
 * a session of an uploaded file asks for the file again and refuses a different one, naming both SHA-256s; "Sessions"
 * lists them with "Delete"; storage use is shown.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { exportSelection, jsonlLines, openApp, ROOT, selectedCount, upload } from "./helpers";

const DEMO = path.join(ROOT, "public/demo/demo-preferences.jsonl");
const COUNT_LINE = /^Selected \d+ of \d+$/;

function sha256(file: string): string {
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** Two small files cut from the demo: the session's file and a different one (one more row). */
function smallFiles(): { mine: string; other: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-sessions-"));
  const lines = jsonlLines(DEMO);
  const mine = path.join(dir, "small.jsonl");
  const other = path.join(dir, "other.jsonl");
  fs.writeFileSync(mine, lines.slice(0, 60).join("\n") + "\n");
  fs.writeFileSync(other, lines.slice(0, 61).join("\n") + "\n");
  return { mine, other };
}

/** Opens table row `nth` (1 = first data row) and presses `action` in its inspector. */
async function decide(page: Page, nth: number, action: "Keep" | "Drop"): Promise<void> {
  const row = page.getByRole("table", { name: "Pairs" }).getByRole("row").nth(nth);
  const id = ((await row.getByRole("cell").first().textContent()) ?? "").trim();
  await row.click();
  const inspector = page.getByRole("complementary", { name: `Pair ${id}` });
  await inspector.getByRole("button", { name: action }).click();
  await expect(inspector.getByTestId("decision-badge")).toHaveText(
    action === "Keep" ? "kept by hand" : "dropped by hand",
  );
}

async function waitForAutosave(page: Page): Promise<void> {
  await expect(page.getByTestId("session-save-state")).toHaveText(/^Saved in this browser at /);
}

test("the demo session is saved as the user works and restored after a reload", async ({ page }) => {
  await openApp(page, "?demo=1");
  await expect(page.getByText(COUNT_LINE)).toBeVisible();
  // A fresh browser profile has nothing to restore.
  await expect(page.getByRole("button", { name: "Restore session" })).toHaveCount(0);
  const initial = await selectedCount(page);

  await page.getByLabel("Selection ratio", { exact: true }).fill("0.3");
  await expect.poll(async () => (await selectedCount(page)).n).not.toBe(initial.n);
  await decide(page, 1, "Keep");
  await decide(page, 2, "Drop");
  const counts = page.getByTestId("selection-counts");
  await expect(counts).toContainText("kept by hand 1 · dropped by hand 1");
  await page.getByLabel("Selected rows only").check();
  await waitForAutosave(page);
  const before = await selectedCount(page);
  const exported = await exportSelection(page, "JSONL");

  await page.goto("/");
  await expect(page.getByRole("button", { name: "Load demo dataset" })).toBeVisible();
  await expect(page.getByTestId("restore-offer")).toContainText(
    `demo-preferences.jsonl · ${initial.m} rows · last change`,
  );
  await page.getByRole("button", { name: "Restore session" }).click();
  await expect(page.getByText(COUNT_LINE)).toHaveText(`Selected ${before.n} of ${before.m}`);
  await expect(counts).toContainText("kept by hand 1 · dropped by hand 1");
  await expect(page.getByLabel("Selection ratio", { exact: true })).toHaveValue("0.3");
  await expect(page.getByLabel("Selected rows only")).toBeChecked();
  // The restored session is the open one: no offer, and the list says so.
  await expect(page.getByRole("button", { name: "Restore session" })).toHaveCount(0);
  const again = await exportSelection(page, "JSONL");
  expect(again.name).toBe(exported.name);
  expect(again.bytes.equals(exported.bytes)).toBe(true);

  // Undo starts from the restored selection: nothing before it.
  await expect(page.getByRole("button", { name: "Undo" })).toBeDisabled();
});

test("a session of an uploaded file asks for the file, refuses another one by SHA-256, and can be deleted", async ({
  page,
}) => {
  const { mine, other } = smallFiles();
  await openApp(page, "?demo=1");
  await expect(page.getByText(COUNT_LINE)).toBeVisible();
  await page.getByLabel("Selection ratio", { exact: true }).fill("0.2");
  await waitForAutosave(page);

  await upload(page, mine);
  await expect(page.getByText(COUNT_LINE)).toHaveText(/ of 60$/);
  await page.getByLabel("Selection ratio", { exact: true }).fill("0.5");
  await expect(page.getByText(COUNT_LINE)).toHaveText("Selected 30 of 60");
  await waitForAutosave(page);

  await page.goto("/");
  await expect(page.getByTestId("restore-offer")).toContainText("small.jsonl · 60 rows · last change");
  await page.getByRole("button", { name: "Restore session" }).click();
  const chooser = page.getByLabel("Choose the file for this session");
  await chooser.setInputFiles(other);
  const refusal = page.getByRole("alert").filter({ hasText: "is not the file of this session" });
  await expect(refusal).toContainText(`"other.jsonl" is not the file of this session: its SHA-256 is ${sha256(other)}`);
  await expect(refusal).toContainText(`saved for "small.jsonl" with SHA-256 ${sha256(mine)}`);
  await expect(page.getByText(COUNT_LINE)).toHaveCount(0);

  await chooser.setInputFiles(mine);
  await expect(page.getByText(COUNT_LINE)).toHaveText("Selected 30 of 60");
  await expect(refusal).toHaveCount(0);

  await page.getByRole("button", { name: "Sessions" }).click();
  const list = page.getByRole("table", { name: "Saved sessions" });
  await expect(page.getByRole("group", { name: "Saved sessions" })).toContainText(
    /Storage: \d+(\.\d)? MB of \d+(\.\d)? MB used/,
  );
  await expect(list.getByRole("row")).toHaveCount(3);
  const smallRow = list.getByRole("row").filter({ hasText: "small.jsonl" });
  await expect(smallRow).toContainText("60");
  await smallRow.getByRole("button", { name: "Delete" }).click();
  await expect(list.getByRole("row").filter({ hasText: "small.jsonl" })).toHaveCount(0);
  await expect(list.getByRole("row").filter({ hasText: "demo-preferences.jsonl" })).toHaveCount(1);

  // Gone after a reload too; the offer falls back to the demo session.
  await page.goto("/");
  await expect(page.getByTestId("restore-offer")).toContainText("demo-preferences.jsonl · 2000 rows");
});

test("a full storage quota is reported, not lost silently", async ({ page }) => {
  // Chromium's real quota is far above what a test can fill quickly: make IndexedDB refuse the session's record the
  // way a full disk does.
  await page.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore["put"]>) {
      if (this.name === "records") throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
      return put.apply(this, args);
    };
  });
  await openApp(page, "?demo=1");
  await expect(page.getByText(COUNT_LINE)).toBeVisible();
  await page.getByLabel("Selection ratio", { exact: true }).fill("0.3");
  const alert = page.getByRole("alert").filter({ hasText: "storage is full" });
  await expect(alert).toContainText(
    `the browser's storage for this site is full: could not save the session of "demo-preferences.jsonl"`,
  );
  await expect(alert).toContainText(/Storage: \d+(\.\d)? MB of \d+(\.\d)? MB used/);
  await expect(page.getByTestId("session-save-state")).not.toHaveText(/^Saved/);
  // Nothing half-written: the list stays empty.
  await page.getByRole("button", { name: "Sessions" }).click();
  await expect(page.getByRole("group", { name: "Saved sessions" })).toContainText("No saved sessions yet");
});

/**
 * The demo's first `n` rows without its log-prob fields: the demo file carries `chosen_logps` & co., which an export
 * with the scoring run's columns of the same names refuses to overwrite.
 */
function demoWithoutLogps(n: number): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-sessions-")), "demo-unscored.jsonl");
  const rows = jsonlLines(DEMO)
    .slice(0, n)
    .map((l) => {
      const row = JSON.parse(l) as Record<string, unknown>;
      for (const k of Object.keys(row)) if (/logp/.test(k)) delete row[k];
      return JSON.stringify(row);
    });
  fs.writeFileSync(file, rows.join("\n") + "\n");
  return file;
}

test("a restored session brings its scores back: the export with computed columns is byte-identical", async ({
  page,
}) => {
  test.skip(!fs.existsSync(path.join(ROOT, "public/models/demo-lm/onnx/model.onnx")), "run `npm run prepare:assets`");
  test.setTimeout(150_000);
  const total = 300;
  const file = demoWithoutLogps(total);
  await openApp(page);
  await upload(page, file);
  await expect(page.getByText(COUNT_LINE)).toHaveText(new RegExp(` of ${total}$`));
  await page.getByLabel("Backend").selectOption({ label: "WASM" });
  await page.getByRole("button", { name: "Use demo model" }).click();
  await expect(page.getByTestId("model-policy")).toContainText("/models/demo-lm/");
  await page.getByRole("button", { name: "Score dataset" }).click();
  await expect(page.getByTestId("scoring-stats")).toContainText(`done: ${total} / ${total} pairs`, {
    timeout: 90_000,
  });
  await expect(page.getByTestId("missing-counts")).toContainText("missing implicit margin: 0");
  // The ranking (M_AP) reads the scored implicit margin: the restored one must pick the same rows.
  await page.getByLabel("Selection ratio", { exact: true }).fill("0.25");
  await waitForAutosave(page);
  const before = await selectedCount(page);
  const exported = await exportSelection(page, "JSONL", true);
  const first = JSON.parse(exported.bytes.toString("utf8").split("\n")[0]) as Record<string, unknown>;
  expect(typeof first.chosen_logps).toBe("number");

  await page.goto("/");
  await page.getByRole("button", { name: "Restore session" }).click();
  await page.getByLabel("Choose the file for this session").setInputFiles(file);
  await expect(page.getByText(COUNT_LINE)).toHaveText(`Selected ${before.n} of ${before.m}`);
  await expect(page.getByTestId("missing-counts")).toContainText("missing implicit margin: 0");
  await expect(page.getByText("Restored without its computed columns")).toHaveCount(0);
  const again = await exportSelection(page, "JSONL", true);
  expect(again.name).toBe(exported.name);
  expect(again.bytes.equals(exported.bytes)).toBe(true);
});
