/**
 * Row accounting as a user meets it (issue 11): a Chatbot Arena file with ties (skipped), a key written twice, and
 * pairs whose responses are identical or empty; the notes, "Drop these" (undoable), "Download skipped rows", and a
 * file whose margin is an integer beyond 2^53 (refused, naming it).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { exportSelection, openApp, upload } from "./helpers";

const conv = (q: string, a: string) => [
  { role: "user", content: q },
  { role: "assistant", content: a },
];

/** One Arena record; `extra` is spliced in as written (a duplicate key). */
function arena(id: number, winner: string, a: string, b: string, extra = ""): string {
  const text = JSON.stringify({ id, winner, conversation_a: conv(`q${id}`, a), conversation_b: conv(`q${id}`, b) });
  return extra ? text.replace(`{"id":${id},`, `{"id":${id},${extra}`) : text;
}

// Records (line): 0 (1) ok · 1 (2) tie · 2 (3) identical · blank (4) · 3 (5) ok, "turn" twice · 4 (6) empty rejected ·
// 5 (7) tie (bothbad) · 6 (8) identical, "turn" twice · 7 (9) ok · 8 (10) ok.
const LINES = [
  arena(0, "model_a", "good", "bad"),
  arena(1, "tie", "x", "y"),
  arena(2, "model_b", "same answer", "same answer"),
  "",
  arena(3, "model_a", "fine", "worse", '"turn":1,"turn":2,'),
  arena(4, "model_a", "an answer", "   "),
  arena(5, "tie (bothbad)", "meh", "meh too"),
  arena(6, "model_b", "twin", "twin", '"turn":1,"turn":3,'),
  arena(7, "model_b", "left", "right"),
  arena(8, "model_a", "up", "down"),
];

test("notes, Drop these and Download skipped rows account for every record", async ({ page }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-rows-"));
  const file = path.join(dir, "arena-problems.jsonl");
  fs.writeFileSync(file, LINES.join("\n") + "\n");
  await openApp(page);
  await upload(page, file);

  // 9 records: 7 loaded as pairs (rows 0…6 are records 0, 2, 3, 4, 6, 7, 8), the two ties skipped.
  await expect(page.getByTestId("row-accounting")).toHaveText("9 records in the file: 7 loaded, 2 skipped: tie 2");
  await expect(page.getByTestId("duplicate-keys")).toHaveText(
    `2 rows have a duplicate key "turn": the last value is used, as JSON.parse and Python's json do (first: line 5)`,
  );
  const issues = page.getByTestId("response-issues");
  await expect(issues).toContainText(
    "3 pairs have identical or empty responses: identical chosen and rejected 2 (rows 1, 4), empty response 1 (row 3)",
  );

  // Every loaded pair selected, then the three dropped through the hand decisions: one undo step.
  await page.getByLabel("Metric", { exact: true }).selectOption({ label: "Random" });
  await page.getByLabel("Selection ratio", { exact: true }).fill("1");
  await expect(page.getByText("Selected 7 of 7")).toBeVisible();
  await issues.getByRole("button", { name: "Drop these" }).click();
  await expect(page.getByText("Selected 4 of 7")).toBeVisible();
  await expect(page.getByTestId("selection-counts")).toContainText("dropped by hand 3");
  const { bytes } = await exportSelection(page, "JSONL");
  const ids = bytes
    .toString("utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { id: number }).id);
  expect(ids).toEqual([0, 3, 7, 8]);
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(page.getByText("Selected 7 of 7")).toBeVisible();
  await expect(page.getByTestId("selection-counts")).toContainText("dropped by hand 0");

  // The skipped records, as the file holds them, with their lines and reasons.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download skipped rows" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("arena-problems.skipped.jsonl");
  const skipped = fs
    .readFileSync(await download.path(), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { row: number; line: number; reason: string; record: unknown });
  expect(skipped.map(({ row, line, reason }) => ({ row, line, reason }))).toEqual([
    { row: 1, line: 2, reason: "tie" },
    { row: 5, line: 7, reason: "tie" },
  ]);
  expect(skipped.map((s) => s.record)).toEqual([JSON.parse(LINES[1]), JSON.parse(LINES[6])]);
});

test("a clean file says every record is loaded; nothing to download", async ({ page }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-rows-"));
  const file = path.join(dir, "clean.jsonl");
  const rows = [0, 1, 2].map((i) =>
    JSON.stringify({ prompt: `p${i}`, chosen: `c${i}`, rejected: `r${i}`, rm_margin: i }),
  );
  fs.writeFileSync(file, rows.join("\n") + "\n");
  await openApp(page);
  await upload(page, file);
  await expect(page.getByTestId("row-accounting")).toHaveText("3 records in the file: 3 loaded, 0 skipped");
  await expect(page.getByRole("button", { name: "Download skipped rows" })).toBeDisabled();
  await expect(page.getByTestId("duplicate-keys")).toHaveCount(0);
  await expect(page.getByTestId("response-issues")).toHaveCount(0);
});

test("an integer beyond 2^53 in a margin field is refused, naming file, line, field and the literal", async ({
  page,
}) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-rows-"));
  const file = path.join(dir, "big-margin.jsonl");
  const rows = [
    '{"prompt": "p0", "chosen": "c0", "rejected": "r0", "rm_margin": 1}',
    '{"prompt": "p1", "chosen": "c1", "rejected": "r1", "rm_margin": 12345678901234567890}',
  ];
  fs.writeFileSync(file, rows.join("\n") + "\n");
  await openApp(page);
  await upload(page, file);
  const alert = page.getByRole("alert").filter({ hasText: "big-margin.jsonl" });
  await expect(alert).toContainText("big-margin.jsonl, line 2");
  await expect(alert).toContainText('field "rm_margin"');
  await expect(alert).toContainText("12345678901234567890");
  // The page stays usable: a good file opens next.
  const good = path.join(dir, "good.jsonl");
  fs.writeFileSync(good, rows[0] + "\n" + rows[0].replace("p0", "p2").replace(": 1}", ": 3}") + "\n");
  await upload(page, good);
  await expect(page.getByTestId("row-accounting")).toHaveText("2 records in the file: 2 loaded, 0 skipped");
});
