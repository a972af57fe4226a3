/**
 * Workers that die are reported and recovered without a page reload (issue 11): the scoring worker closed mid-run,
 * an uncaught error and an allocation failure inside it, the dataset worker and the scatter worker killed. Each test
 * kills a real worker of the page from outside (Playwright's Worker handles) and then does what a user does next.
 */
import fs from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { openApp, ROOT, selectedCount } from "./helpers";
import { expectExportMatchesClauses, openDemo } from "./curation-helpers";
import { kill, workerNamed } from "./worker-helpers";

const DEMO_LM = path.join(ROOT, "public/models/demo-lm");
const TOTAL = 2000;

/** Opens the demo dataset and loads the demo model on WASM, with no stored scores. */
async function demoWithModel(page: Page): Promise<void> {
  await openApp(page);
  await page.getByRole("button", { name: "Load demo dataset" }).click();
  await expect(page.getByText(new RegExp(`^Selected \\d+ of ${TOTAL}$`))).toBeVisible();
  await page.getByLabel("Backend").selectOption({ label: "WASM" });
  await page.getByRole("button", { name: "Use demo model" }).click();
  await expect(page.getByTestId("model-policy")).toContainText("/models/demo-lm/");
  await page.getByRole("button", { name: "Clear stored scores" }).click();
}

/** The scoring panel's stats line. */
const stats = (page: Page) => page.getByTestId("scoring-stats");

/** Reads "running: N / 2000" (or another state) and returns N. */
async function doneCount(page: Page): Promise<number> {
  const m = /: (\d+) \/ \d+ pairs/.exec((await stats(page).textContent()) ?? "");
  return Number(m?.[1] ?? NaN);
}

/** Clicks Score dataset, waits until it scores, cancels, and checks that the run ended "cancelled". */
async function scoreThenCancel(page: Page): Promise<void> {
  const score = page.getByRole("button", { name: "Score dataset" });
  await expect(score).toBeEnabled();
  await score.click();
  await expect(stats(page)).toContainText(/running: [1-9]\d* \/ 2000 pairs/, { timeout: 60_000 });
  await page.getByRole("button", { name: "Cancel", exact: true }).click();
  await expect(stats(page)).toContainText(/^cancelled: \d+ \/ 2000 pairs/);
  await expect(page.getByRole("button", { name: "Cancel", exact: true })).toBeDisabled();
  await expect(score).toBeEnabled();
}

test.describe("workers fail loudly and recover", () => {
  test.skip(!fs.existsSync(path.join(DEMO_LM, "onnx/model.onnx")), "run `npm run prepare:assets` first");

  test("scoring worker closed mid-run: reported, restarted with its model, Cancel and Score work, scores kept", async ({
    page,
  }) => {
    test.setTimeout(300_000);
    await demoWithModel(page);
    await page.getByRole("button", { name: "Score dataset" }).click();
    await expect(stats(page)).toContainText(/running: \d{2,} \/ 2000 pairs/, { timeout: 60_000 });
    await kill.close(await workerNamed(page, "scoring"));

    const alert = page.getByTestId("worker-crash-scoring");
    await expect(alert).toHaveAttribute("role", "alert");
    await expect(alert).toContainText(
      "The scoring worker closed (it stopped: closed by itself or by the browser). Try: score again (finished pairs are reused).",
    );
    const recovery = page.getByTestId("worker-recovery-scoring");
    await expect(recovery).toHaveText(
      /^Restarted; \d+ scores? kept; reloaded \/models\/demo-lm\/; linked to the dataset again\.$/,
    );
    const kept = Number(/(\d+) scores? kept/.exec((await recovery.textContent()) ?? "")?.[1]);
    // The run ended in "error" at the count it reached; every score received is still attached to the dataset.
    await expect(stats(page)).toContainText(`error: ${kept} / 2000 pairs`);
    expect(kept).toBeGreaterThanOrEqual(10);
    await expect(page.getByTestId("missing-counts")).toContainText(`missing implicit margin: ${TOTAL - kept}`);
    await expect(page.getByRole("button", { name: "Cancel", exact: true })).toBeDisabled();
    // Said once, in the crash report, not again as the panel's error line.
    await expect(page.locator(".scoring p.error")).toHaveCount(0);
    // The model is still listed and loaded in the fresh worker.
    await expect(page.getByTestId("model-policy")).toContainText("/models/demo-lm/");

    // The next click works, and so does Cancel.
    await scoreThenCancel(page);
    expect(await doneCount(page)).toBeGreaterThan(kept);

    // Score again: every pair finished so far comes from the stored results; the run completes.
    await page.getByRole("button", { name: "Score dataset" }).click();
    await expect(stats(page)).toContainText(`done: ${TOTAL} / ${TOTAL} pairs`, { timeout: 240_000 });
    const cached = Number(/\((\d+) from stored results\)/.exec((await stats(page).textContent()) ?? "")?.[1] ?? 0);
    expect(cached).toBeGreaterThan(kept);
    await expect(page.getByTestId("missing-counts")).toContainText("missing implicit margin: 0");
    await expect(page.getByRole("progressbar", { name: "Scoring progress" })).toHaveJSProperty("value", 1);
  });

  test("an uncaught error in the scoring worker is reported; the restarted worker scores", async ({ page }) => {
    test.setTimeout(180_000);
    await demoWithModel(page);
    await kill.throw(await workerNamed(page, "scoring"));
    await expect(page.getByTestId("worker-crash-scoring")).toContainText(
      "The scoring worker crashed (Uncaught Error: boom). Try: score again (finished pairs are reused); if it " +
        "happens again, try the WASM backend, a quantised model file or a smaller max length.",
    );
    await expect(page.getByTestId("worker-recovery-scoring")).toHaveText(
      "Restarted; 0 scores kept; reloaded /models/demo-lm/; linked to the dataset again.",
    );
    // Neither "no dataset is open in the scoring worker" nor "load a model … first": it scores.
    await scoreThenCancel(page);
    await expect(page.locator(".scoring p.error")).toHaveCount(0);
  });

  test("the scoring worker running out of memory is named as such, with a suggestion; it is restarted", async ({
    page,
  }) => {
    test.setTimeout(180_000);
    await demoWithModel(page);
    await kill.exhaustMemory(await workerNamed(page, "scoring"));
    const alert = page.getByTestId("worker-crash-scoring");
    await expect(alert).toContainText(
      /^The scoring worker ran out of memory \(Uncaught RangeError: WebAssembly\.Memory(\.grow)?\(\): [^)]+\)\. Try: use a quantised model file/,
    );
    await expect(alert).toContainText("fewer threads");
    await expect(page.getByTestId("worker-recovery-scoring")).toHaveText(
      "Restarted; 0 scores kept; reloaded /models/demo-lm/; linked to the dataset again.",
    );
    await scoreThenCancel(page);
  });

  test("dataset worker closed: the file is back with the same counts and selection, without a reload", async ({
    page,
  }) => {
    await openDemo(page);
    const initial = await selectedCount(page);
    await page.getByLabel("Selection ratio", { exact: true }).fill("0.25");
    await expect.poll(async () => (await selectedCount(page)).n).toBeLessThan(initial.n);
    // A decision by hand: drop the first row of the table.
    await page.getByRole("table", { name: "Pairs" }).getByRole("row").nth(1).click();
    await page
      .getByRole("complementary", { name: /^Pair \d+$/ })
      .getByRole("button", { name: "Drop" })
      .click();
    await expect(page.getByTestId("selection-counts")).toContainText("dropped by hand 1");
    const before = {
      selected: await selectedCount(page),
      counts: await page.getByTestId("selection-counts").textContent(),
      missing: await page.getByTestId("missing-counts").textContent(),
    };

    await kill.close(await workerNamed(page, "dataset"));
    const alert = page.getByTestId("worker-crash-dataset");
    await expect(alert).toContainText("The dataset worker closed (it stopped: closed by itself or by the browser).");
    await expect(page.getByTestId("worker-recovery-dataset")).toHaveText(
      `Restarted; demo-preferences.jsonl reopened (${TOTAL} rows), selection re-applied (${before.selected.n} selected).`,
    );
    expect(await selectedCount(page)).toEqual(before.selected);
    await expect(page.getByTestId("selection-counts")).toHaveText(before.counts!);
    await expect(page.getByTestId("missing-counts")).toHaveText(before.missing!);
    // The worker itself has the selection back: an export matches the recipe's clauses.
    await expectExportMatchesClauses(page);
    // And it follows the next change.
    await page.getByLabel("Selection ratio", { exact: true }).fill("0.5");
    await expect.poll(async () => (await selectedCount(page)).n).toBeGreaterThan(before.selected.n);
  });

  test("scatter worker crashed: reported and drawn again by a fresh worker", async ({ page }) => {
    await openDemo(page);
    const figure = page.locator("figure.margin-scatter").first();
    await expect(figure).toHaveAttribute("data-render-mode", "worker");
    await expect(figure).toHaveAttribute("data-points", /^[1-9]/);
    await kill.throw(await workerNamed(page, "scatter"));
    await expect(page.getByTestId("worker-crash-scatter")).toContainText(
      "The scatter worker crashed (Uncaught Error: boom).",
    );
    await expect(page.getByTestId("worker-recovery-scatter")).toHaveText(
      /^Restarted; scatter drawn again \(\d+ points\)\.$/,
    );
    await expect(figure).toHaveAttribute("data-render-mode", "worker");
    // The fresh worker draws the next change too.
    const before = await selectedCount(page);
    await page.getByLabel("Selection ratio", { exact: true }).fill("0.1");
    await expect.poll(async () => (await selectedCount(page)).n).toBeLessThan(before.n);
    await expect(figure).toHaveAttribute("data-render-mode", "worker");
    await expect(page.getByTestId("worker-crash-scatter")).toBeVisible();
  });
});
