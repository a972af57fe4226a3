import { expect, test } from "@playwright/test";
import { exportSelection, openApp } from "./helpers";

const ROWS = 6000;

/** A JSON Lines file of several MB (so the scan's reads go to the helper), non-ASCII texts, two scores per row. */
function jsonl(): string {
  const lines: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    lines.push(
      JSON.stringify({
        prompt: `ROW-${i} «ünïcödé» question ${"p".repeat(200 + (i % 300))}`,
        chosen: `chosen ${i} 多语言 ${"c".repeat(150 + (i % 200))}`,
        rejected: `rejected ${i}\nline ${"r".repeat(100 + (i % 100))}`,
        score_chosen: Math.round(Math.sin(i) * 1e4) / 1e3,
        score_rejected: Math.round(Math.cos(i) * 1e4) / 1e3,
      }),
    );
  }
  return lines.join("\n") + "\n";
}

test("the dataset worker reads the file on its blob-reader helper: counts, texts and a byte-exact export", async ({
  page,
}) => {
  const original = Buffer.from(jsonl(), "utf8");
  expect(original.length).toBeGreaterThan(4 * 1024 * 1024);
  const workers: string[] = [];
  page.on(
    "worker",
    (w) => void w.evaluate(() => (self as unknown as { name: string }).name).then((n) => workers.push(n)),
  );
  await openApp(page);
  await page.getByLabel("Upload dataset").setInputFiles({
    name: "pairs.jsonl",
    mimeType: "application/jsonl",
    buffer: original,
  });
  await expect(page.getByText(new RegExp(`^Selected \\d+ of ${ROWS}$`))).toBeVisible();
  await expect(page.getByTestId("missing-counts")).toContainText("missing explicit margin: 0 ·");
  // The dataset worker started its helper for the scan's multi-MB reads (a silent fallback would read on its own thread).
  await expect.poll(() => workers).toContain("blob-reader");

  // Every row through: all selected, the export is the uploaded file byte for byte.
  await page.getByLabel("Metric", { exact: true }).selectOption({ label: "Random" });
  await page.getByLabel("Selection ratio", { exact: true }).fill("1");
  await expect(page.getByText(`Selected ${ROWS} of ${ROWS}`)).toBeVisible();
  const out = await exportSelection(page, "JSONL");
  expect(out.bytes.equals(original)).toBe(true);
});
