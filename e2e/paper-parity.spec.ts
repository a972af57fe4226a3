import fs from "node:fs";
import { expect, test } from "@playwright/test";
import { exportSelection, jsonlLines, openApp, selectedCount, sharedFile, upload } from "./helpers";

/** Loads the paper-style file, applies UI settings, and checks the exported rows against the reference selection. */
test.describe("paper-style reference file", () => {
  const cases: { key: string; metric: string; ratio: string; weight?: string }[] = [
    { key: "map-w1.0-r0.4", metric: "Alignment potential (M_AP)", ratio: "0.4" },
    { key: "map-w2.5-r0.1", metric: "Alignment potential (M_AP)", ratio: "0.1", weight: "2.5" },
    { key: "explicit-r0.4", metric: "Explicit margin", ratio: "0.4" },
    { key: "implicit-r0.1", metric: "Implicit margin", ratio: "0.1" },
  ];

  for (const c of cases) {
    test(`${c.key}: the UI selects and exports exactly the reference rows`, async ({ page }) => {
      const file = sharedFile("reference/paper-style/processed.jsonl");
      const expected: Record<string, number[]> = JSON.parse(
        fs.readFileSync(sharedFile("reference/paper-style/expected_selections.json"), "utf8"),
      );
      const lines = jsonlLines(file);
      await openApp(page);
      await upload(page, file);
      await expect(page.getByText(/^Selected \d+ of 3000$/)).toBeVisible();
      await page.getByLabel("Metric", { exact: true }).selectOption({ label: c.metric });
      await page.getByLabel("Selection ratio", { exact: true }).fill(c.ratio);
      if (c.weight) await page.getByLabel("Implicit weight (w)").fill(c.weight);
      const want = expected[c.key];
      await expect(page.getByText(`Selected ${want.length} of 3000`)).toBeVisible();
      expect(await selectedCount(page)).toEqual({ n: want.length, m: 3000 });

      const { name, bytes } = await exportSelection(page, "JSONL");
      expect(name).toBe("processed.selected.jsonl");
      const got = bytes.toString("utf8").split("\n").filter(Boolean);
      expect(got.length).toBe(want.length);
      // Verbatim original lines, in input order.
      expect(got).toEqual(want.map((i) => lines[i]));
    });
  }
});
