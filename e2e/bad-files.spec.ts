import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { openApp, upload } from "./helpers";

function tmpFile(name: string, content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-bad-"));
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
}

const good = (i: number) =>
  JSON.stringify({ prompt: `q${i}`, chosen: `a${i}`, rejected: `b${i}`, rm_margin: i / 10, logp_margin_norm: -i / 20 });

test.describe("bad input gives a specific error and the app keeps working", () => {
  const cases: { name: string; content: string; expect: RegExp[] }[] = [
    {
      name: "truncated.jsonl",
      content: `${good(1)}\n${good(2)}\n{"prompt": "q3", "chosen": "a3", "rej`,
      expect: [/truncated\.jsonl/, /line 3/, /column \d+/],
    },
    {
      name: "wrong-types.jsonl",
      content: `${good(1)}\n${good(2)}\n${JSON.stringify({ prompt: "q", chosen: "a", rejected: "b", rm_margin: "high", logp_margin_norm: 0.1 })}\n`,
      expect: [/wrong-types\.jsonl/, /line 3/, /field "rm_margin"/, /expected a number/],
    },
    {
      name: "missing-column.csv",
      content: "prompt,chosen,rejected,rm_margin\nq1,a1,b1,0.5\nq2,a2,b2\n",
      expect: [/missing-column\.csv/, /line 3/, /rm_margin/],
    },
    { name: "empty.jsonl", content: "", expect: [/empty\.jsonl/, /empty/] },
  ];

  for (const c of cases) {
    test(c.name, async ({ page }) => {
      await openApp(page);
      await upload(page, tmpFile(c.name, c.content));
      // Next.js adds an empty route-announcer alert: pick ours by the file name it must contain.
      const alert = page.getByRole("alert").filter({ hasText: c.name });
      await expect(alert).toBeVisible();
      for (const re of c.expect) await expect(alert).toContainText(re);
      // The app still works: the demo loads after the error.
      await page.getByRole("button", { name: "Load demo dataset" }).click();
      await expect(page.getByText(/^Selected \d+ of \d+$/)).toBeVisible();
    });
  }

  test("a bad file after a good one keeps the good dataset loaded", async ({ page }) => {
    await openApp(page);
    await upload(page, tmpFile("ok.jsonl", [1, 2, 3, 4, 5].map(good).join("\n")));
    await expect(page.getByText("Selected 2 of 5")).toBeVisible();
    await upload(page, tmpFile("broken.json", '[{"prompt": "x", "chosen": "y", "rejected": "z"},'));
    await expect(page.getByRole("alert").filter({ hasText: "broken.json" })).toContainText(/line 1/);
    await expect(page.getByText("Selected 2 of 5")).toBeVisible();
  });
});
