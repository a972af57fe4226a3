import zlib from "node:zlib";
import { expect, test, type Page } from "@playwright/test";
import { exportSelection, openApp } from "./helpers";

const ROWS = 3000;

/** TRL-string rows with escapes and non-ASCII text, a marker per row, and two reward scores. */
function jsonl(): string {
  const lines: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    lines.push(
      JSON.stringify({
        prompt: `ROW-${i} question: «ünïcödé» \u2603 "quoted" \\ back\tslash ${"p".repeat(i % 50)}`,
        chosen: `chosen answer ${i}: 多语言 ${"c".repeat(i % 70)}`,
        rejected: `rejected answer ${i}\nsecond line ${"r".repeat(i % 30)}`,
        score_chosen: Math.round(Math.sin(i) * 1e4) / 1e3,
        score_rejected: Math.round(Math.cos(i) * 1e4) / 1e3,
      }),
    );
  }
  return lines.join("\n") + "\n";
}

/** Names and sizes of the decompressed copies in the origin's OPFS (`margin-atlas/gunzip-*`). */
async function opfsCopies(page: Page): Promise<{ name: string; size: number }[]> {
  return page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    let dir: FileSystemDirectoryHandle;
    try {
      dir = await root.getDirectoryHandle("margin-atlas");
    } catch {
      return [];
    }
    const out: { name: string; size: number }[] = [];
    for await (const [name, handle] of (
      dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }
    ).entries()) {
      if (name.startsWith("gunzip-") && handle.kind === "file")
        out.push({ name, size: (await (handle as FileSystemFileHandle).getFile()).size });
    }
    return out;
  });
}

test("a .jsonl.gz is decompressed to an OPFS file: counts, inspector texts, byte-exact export, file removed on replace", async ({
  page,
}) => {
  const text = jsonl();
  const original = Buffer.from(text, "utf8");
  const gz = zlib.gzipSync(original);
  await openApp(page);
  // A copy left by an earlier tab (nobody holds its lock): removed when the dataset worker starts.
  await page.evaluate(async () => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle("margin-atlas", { create: true });
    const handle = await dir.getFileHandle("gunzip-stale-earlier-tab", { create: true });
    const w = await handle.createWritable();
    await w.write("stale");
    await w.close();
  });
  await page.getByLabel("Upload dataset").setInputFiles({
    name: "pairs.jsonl.gz",
    mimeType: "application/gzip",
    buffer: gz,
  });
  await expect(page.getByText(new RegExp(`^Selected \\d+ of ${ROWS}$`))).toBeVisible();
  await expect(page.getByTestId("missing-counts")).toContainText("missing explicit margin: 0 ·");
  // The explicit margins (score_chosen − score_rejected) came through: the top 40 % of them.
  await page.getByLabel("Metric", { exact: true }).selectOption({ label: "Explicit margin" });
  await expect(page.getByText(`Selected ${ROWS * 0.4} of ${ROWS}`)).toBeVisible();
  await expect(page.getByTestId("file-name")).toHaveText("pairs.jsonl.gz (jsonl, gzip, decompressed to disk)");

  // While open: exactly one decompressed copy, as long as the uncompressed file; the stale one is gone.
  await expect.poll(() => opfsCopies(page)).toHaveLength(1);
  expect((await opfsCopies(page))[0].size).toBe(original.length);

  // Texts come from the OPFS copy's byte ranges, parsed on demand.
  await page.getByLabel("Metric", { exact: true }).selectOption({ label: "Random" });
  await page.getByLabel("Selection ratio", { exact: true }).fill("1");
  await expect(page.getByText(`Selected ${ROWS} of ${ROWS}`)).toBeVisible();
  const row = 7;
  const record = JSON.parse(text.split("\n")[row]) as { prompt: string; chosen: string; rejected: string };
  await page
    .getByRole("table", { name: "Pairs" })
    .getByRole("row")
    .filter({ hasText: `ROW-${row} ` })
    .click();
  const inspector = page.getByRole("complementary", { name: `Pair ${row}` });
  await expect(inspector.getByRole("region", { name: "Prompt" })).toContainText(record.prompt);
  await expect(inspector.getByRole("region", { name: "Chosen" })).toContainText(record.chosen);
  await expect(inspector.getByRole("region", { name: "Rejected" })).toContainText(`rejected answer ${row}`);

  // Every row exported as JSONL is the uncompressed file, byte for byte.
  const { name, bytes } = await exportSelection(page, "JSONL");
  expect(name).toBe("pairs.selected.jsonl");
  expect(bytes.length).toBe(original.length);
  expect(bytes.equals(original)).toBe(true);

  // Replacing the dataset removes its decompressed copy.
  await page.getByLabel("Upload dataset").setInputFiles({
    name: "plain.jsonl",
    mimeType: "application/x-ndjson",
    buffer: Buffer.from(text.split("\n").slice(0, 10).join("\n") + "\n"),
  });
  await expect(page.getByText(/^Selected \d+ of 10$/)).toBeVisible();
  await expect(page.getByTestId("file-name")).toHaveText("plain.jsonl (jsonl)");
  await expect.poll(() => opfsCopies(page)).toEqual([]);
});
