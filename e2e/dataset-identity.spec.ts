/**
 * Dataset identity, as a user meets it: an uploaded file is usable as soon as it is parsed, a note shows the
 * background SHA-256 while it runs, and the downloaded recipe carries the file's full SHA-256.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { openApp, upload } from "./helpers";

/** A seeded ~24 MB JSONL of pairs with an explicit margin: big enough that hashing it takes visible time. */
function writeDataset(file: string, rows: number): void {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const filler = "lorem ipsum dolor sit amet ".repeat(16);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++)
    lines.push(
      JSON.stringify({
        prompt: `question ${i}: ${filler}`,
        chosen: `good answer ${i} ${filler}`,
        rejected: `poor answer ${i} ${filler}`,
        rm_margin: Math.round(next() * 2000) / 1000 - 1,
      }),
    );
  fs.writeFileSync(file, lines.join("\n") + "\n");
}

test("an uploaded file is usable at once; its SHA-256 comes in the background and goes into the recipe", async ({
  page,
}) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-identity-"));
  const file = path.join(dir, "identity.jsonl");
  writeDataset(file, 15_000);
  const sha256 = createHash("sha256").update(fs.readFileSync(file)).digest("hex");

  await openApp(page);
  // Every state the note shows, however briefly (a fast machine hashes 24 MB in a fraction of a second).
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { hashStates: string[] }).hashStates = seen;
    new MutationObserver(() => {
      const state = document.querySelector("[data-testid=file-hash]")?.getAttribute("data-state");
      const text = document.querySelector("[data-testid=file-hash]")?.textContent ?? "";
      if (state && seen.at(-1) !== `${state}: ${text}`) seen.push(`${state}: ${text}`);
    }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  await upload(page, file);
  await expect(page.getByText(/^Selected \d+ of 15000$/)).toBeVisible({ timeout: 60_000 });

  await expect(page.getByTestId("file-sha256")).toHaveText(sha256, { timeout: 60_000 });
  const states = await page.evaluate(() => (window as unknown as { hashStates: string[] }).hashStates);
  expect(
    states.some((s) => /^computing: .*Computing the file's SHA-256 \(for recipes and stored scores\)… \d+ %$/.test(s)),
  ).toBe(true);
  expect(states.at(-1)).toBe(`done: SHA-256 ${sha256}`);

  const panel = page.getByRole("group", { name: "Export options" });
  await page.getByRole("button", { name: "Export selection" }).click();
  await expect(panel).toBeVisible();
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download recipe" }).click(),
  ]);
  const recipe = JSON.parse(fs.readFileSync(await download.path(), "utf8"));
  expect(recipe.input).toMatchObject({ name: "identity.jsonl", bytes: fs.statSync(file).size, sha256 });
});
