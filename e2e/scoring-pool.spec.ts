/**
 * WASM scoring on a pool of forward workers (lib/scoring/scoring-pool.ts): the scoring worker starts nested workers,
 * each with its own ONNX Runtime session, and shares each chunk's batches among them. In real Chromium, a run on
 * 2 workers × 1 thread (`?scoringWorkers=2`) exports exactly the numbers of a run on the scoring worker alone
 * (`?scoringWorkers=1`, 1 worker × 2 threads) and the status names the pool. (Playwright does not list nested
 * workers, so a forward worker's crash is tested in Node: lib/scoring/worker-handlers-pool.test.ts.)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { exportAllRows, openApp, ROOT, upload } from "./helpers";

const DEMO_LM = path.join(ROOT, "public/models/demo-lm");
const COLUMNS = ["chosen_logps", "rejected_logps", "chosen_logps_norm", "rejected_logps_norm", "implicit_margin"];
const WORDS = ["tea", "river", "Paris", "seven", "green", "quiet", "bread", "window", "storm", "violin", "sugar"];

/** `n` pairs of varied lengths (batches bucket by length), with an explicit margin so every row can be selected. */
function writePairs(n: number, name: string, salt = 0): string {
  const lines = Array.from({ length: n }, (_, i) => {
    const w = (k: number) => WORDS[(i * 7 + k * 3 + salt) % WORDS.length];
    return JSON.stringify({
      prompt: `Question ${i}: what about ${w(0)} and ${w(1)}?`.repeat(1 + (i % 4)),
      chosen: `The ${w(2)} is ${w(3)}, like the ${w(4)} by the ${w(5)}.`.repeat(1 + (i % 3)),
      rejected: `No ${w(6)}.`,
      rm_margin: ((i * 37) % 11) / 5 - 1,
    });
  });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-pool-e2e-")), name);
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

/** Loads the demo LM on WASM, scores `file`'s `n` rows and returns the batch-plan line and the exported rows. */
async function scoreFile(
  page: Page,
  file: string,
  n: number,
): Promise<{ note: string; rows: Record<string, number>[]; said: string[] }> {
  await upload(page, file);
  await expect(page.getByTestId("missing-counts")).toContainText(`missing implicit margin: ${n}`);
  await page.getByLabel("Backend").selectOption({ label: "WASM" });
  if ((await page.getByTestId("backend-policy").count()) === 0) {
    await page.getByLabel("Load model folder", { exact: true }).setInputFiles(DEMO_LM);
    await expect(page.getByTestId("backend-policy")).toContainText("backend WASM");
  }
  // Every text the run status shows, however briefly (the pool's start note lasts as long as the workers take).
  await page.getByTestId("scoring-stats").evaluate((el) => {
    const said: string[] = [];
    (window as unknown as { scoringSaid: string[] }).scoringSaid = said;
    new MutationObserver(() => said.push(el.textContent ?? "")).observe(el, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
  await page.getByRole("button", { name: "Score dataset" }).click();
  await expect(page.getByTestId("scoring-stats")).toContainText(`done: ${n} / ${n} pairs`, { timeout: 90_000 });
  await expect(page.getByTestId("missing-counts")).toContainText("missing implicit margin: 0");
  const note = (await page.getByTestId("batch-plan").textContent()) ?? "";
  const rows = await exportAllRows(page, n);
  const said = await page.evaluate(() => (window as unknown as { scoringSaid: string[] }).scoringSaid);
  return { note, rows, said };
}

test.describe("scoring on a pool of forward workers", () => {
  test.skip(!fs.existsSync(path.join(DEMO_LM, "onnx/model.onnx")), "run `npm run prepare:assets` first");

  test("2 workers × 1 thread export the same implicit margins as the scoring worker alone, bit for bit", async ({
    browser,
  }) => {
    const N = 48;
    const file = writePairs(N, "pairs.jsonl");
    // Separate contexts: separate IndexedDB result stores, so the second run scores every row again.
    const run = async (query: string) => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await openApp(page, query);
      const result = await scoreFile(page, file, N);
      return { ...result, page, context };
    };
    const one = await run("?scoringWorkers=1");
    expect(one.note).toMatch(/ · 1 worker × 2 threads \(set by the page\)$/);
    expect(one.said.filter((t) => t.includes("starting"))).toEqual([]);
    await one.context.close();

    const two = await run("?scoringWorkers=2");
    expect(two.note).toMatch(/ · 2 workers × 1 thread \(set by the page\)$/);
    // While the two workers started, the status said so, before the first pairs were counted.
    const startNote = "running: starting 2 scoring workers (each opens the model)…";
    expect(two.said).toContain(startNote);
    expect(two.said.indexOf(startNote)).toBeLessThan(two.said.findIndex((t) => / [1-9]\d* \/ 48 pairs/.test(t)));
    two.rows.forEach((row, i) => {
      for (const name of COLUMNS) {
        expect(typeof row[name], `${name} of row ${i}`).toBe("number");
        expect(row[name], `${name} of row ${i}`).toBe(one.rows[i][name]);
      }
    });

    // Scoring again on the same page (another file) reuses the started pool.
    const again = await scoreFile(two.page, writePairs(N, "more.jsonl", 5), N);
    expect(again.note).toMatch(/ · 2 workers × 1 thread \(set by the page\)$/);
    expect(again.said.filter((t) => t.includes("starting"))).toEqual([]);
    await two.context.close();
  });

  test("without the dev option the plan names the pool from the cores", async ({ page }) => {
    const N = 24;
    await openApp(page);
    const { note } = await scoreFile(page, writePairs(N, "pairs.jsonl"), N);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const reason =
      cores >= 2
        ? new RegExp(` · ${Math.min(cores, 4)} workers × \\d threads? \\((${cores} cores|at most 4 workers)\\)$`)
        : / · 1 worker × 1 thread \(1 core\)$/;
    expect(note).toMatch(reason);
  });
});
