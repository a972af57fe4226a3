/**
 * The bad-input corpus (`test/bad-input-corpus.ts`, the table `bin/bad-input-corpus.test.ts` runs through the CLI)
 * uploaded in the app: a refused file shows one alert naming the file and where, the same text as the CLI's stderr;
 * a file that loads shows its exact row count and its notes. After each, the page still works: the demo loads.
 * (e2e/bad-files.spec.ts keeps the older cases and the "bad file after a good one" check.)
 */
import { expect, test } from "@playwright/test";
import { BAD_INPUT_CORPUS, writeCorpus } from "../test/bad-input-corpus";
import { openApp, upload } from "./helpers";

const paths = writeCorpus();

test.describe("bad-input corpus in the app", () => {
  for (const c of BAD_INPUT_CORPUS) {
    test(`${c.file}: ${c.what}`, async ({ page }) => {
      const dialogs: string[] = [];
      page.on("dialog", (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await openApp(page);
      const title = await page.title();
      await upload(page, paths.get(c.file)!);
      if (c.expect.kind === "error") {
        // Next.js adds an empty route-announcer alert: pick ours by the file name it must contain.
        const alert = page.getByRole("alert").filter({ hasText: c.file });
        await expect(alert).toBeVisible();
        const message = alert.locator("span").first();
        for (const re of c.expect.message) await expect(message).toHaveText(re);
        await expect(page.getByText(/^Selected \d+ of \d+$/)).toHaveCount(0);
      } else {
        await expect(page.getByText(new RegExp(`^Selected \\d+ of ${c.expect.rows}$`))).toBeVisible();
        await expect(page.locator(".file-name")).toContainText(c.file);
        await expect(page.getByRole("alert").filter({ hasText: c.file })).toHaveCount(0);
        if (c.uiPending) test.info().annotations.push({ type: "expected-to-note", description: c.uiPending });
        else for (const re of c.expect.notes ?? []) await expect(page.getByText(re)).toBeVisible();
      }
      // Markup in the data stays text: nothing ran.
      expect(dialogs).toEqual([]);
      expect(await page.title()).toBe(title);
      // The page is still usable: the demo loads after it.
      await page.getByRole("button", { name: "Load demo dataset" }).click();
      await expect(page.locator(".file-name")).toContainText("demo-preferences.jsonl");
      await expect(page.getByText(/^Selected \d+ of \d+$/)).toBeVisible();
    });
  }
});
