/**
 * "Save to file…" streams the export into the file the user picks (File System Access API: the page's save dialog,
 * the dataset worker's `createWritable()`), byte for byte what "Download" gives, in every format; a cancelled save
 * leaves no file; without the API there is no such button and "Download" still downloads. The save dialog is replaced
 * by a shim that hands out a file of the origin-private file system (OPFS), which the test reads back.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { exportSelection, openApp, selectedCount, upload } from "./helpers";

type FormatLabel = Parameters<typeof exportSelection>[1];

/** Seeded JSON Lines: exact integers beyond 2^53, non-ASCII text, quotes and line breaks, ~3 % missing margins. */
function writeRows(rows: number, textWords: number): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-export-stream-")), `stream-${rows}.jsonl`);
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const words = "lorem ipsum é ✓ ".repeat(textWords);
    lines.push(
      JSON.stringify({
        prompt: `Question ${i}: ${words}?`,
        chosen: `Good "answer" ${i}\n${words}`,
        rejected: `Bad answer ${i}`,
        rm_margin: rand() < 0.03 ? null : Math.round(rand() * 8e6) / 1e6,
        logp_margin_norm: rand() < 0.03 ? null : Math.round((rand() - 0.5) * 4e6) / 1e6,
        id: "@ID@",
      }).replace('"@ID@"', (2n ** 60n + BigInt(i)).toString()),
    );
  }
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

/** Replaces `showSaveFilePicker` with one that returns an OPFS file of the suggested name, and records its options. */
async function shimSavePicker(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { showSaveFilePicker: unknown; pickerCalls: unknown[] };
    w.pickerCalls = [];
    w.showSaveFilePicker = async (options: { suggestedName: string }) => {
      w.pickerCalls.push(options);
      const root = await navigator.storage.getDirectory();
      return root.getFileHandle(options.suggestedName, { create: true });
    };
  });
}

/** The OPFS file's bytes, or null when there is none. */
async function opfsFile(page: Page, name: string): Promise<Buffer | null> {
  const base64 = await page.evaluate(async (fileName) => {
    const root = await navigator.storage.getDirectory();
    let handle: FileSystemFileHandle;
    try {
      handle = await root.getFileHandle(fileName);
    } catch {
      return null;
    }
    const bytes = new Uint8Array(await (await handle.getFile()).arrayBuffer());
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }, name);
  return base64 === null ? null : Buffer.from(base64, "base64");
}

/** Chooses the format and computed columns, clicks "Save to file…" and waits for the saved message. */
async function saveToFile(page: Page, format: FormatLabel, includeComputed: boolean): Promise<string> {
  const panel = page.getByRole("group", { name: "Export options" });
  if (!(await panel.isVisible())) await page.getByRole("button", { name: "Export selection" }).click();
  await page.getByLabel("Format", { exact: true }).selectOption({ label: format });
  const box = page.getByLabel("Include computed columns");
  if ((await box.isChecked()) !== includeComputed) await box.click();
  await page.getByRole("button", { name: "Save to file…" }).click();
  const status = page.getByTestId("export-status");
  await expect(status).toContainText(/^Saved [\d,]+ rows \([\d.]+ MB\) to /);
  return ((await status.textContent()) ?? "").replace(/^Saved [\d,]+ rows \([\d.]+ MB\) to (.*)\.$/, "$1");
}

test("Save to file writes, in every format, the bytes Download gives", async ({ page }) => {
  const file = writeRows(3_000, 30);
  await shimSavePicker(page);
  await openApp(page);
  await upload(page, file);
  await expect(page.getByText(/^Selected \d+ of 3000$/)).toBeVisible();
  const cases: [FormatLabel, boolean, string][] = [
    ["JSONL", true, "stream-3000.selected.jsonl"],
    ["JSON", false, "stream-3000.selected.json"],
    ["CSV", true, "stream-3000.selected.csv"],
    ["Parquet", true, "stream-3000.selected.parquet"],
    ["TRL preference (prompt/chosen/rejected)", true, "stream-3000.selected.trl.jsonl"],
  ];
  for (const [format, computed, name] of cases) {
    const savedName = await saveToFile(page, format, computed);
    expect(savedName).toBe(name);
    const saved = await opfsFile(page, name);
    const downloaded = await exportSelection(page, format, computed);
    expect(downloaded.name).toBe(name);
    expect(saved, `${format}: saved file`).not.toBeNull();
    expect(saved!.length, `${format}: size`).toBe(downloaded.bytes.length);
    expect(saved!.equals(downloaded.bytes), `${format}: bytes`).toBe(true);
  }
  // The JSONL export is more than one 1 MiB chunk: written chunk by chunk, then committed whole.
  expect((await opfsFile(page, "stream-3000.selected.jsonl"))!.length).toBeGreaterThan(1024 * 1024);
  const calls = await page.evaluate(() => (window as unknown as { pickerCalls: unknown[] }).pickerCalls);
  expect(calls[0]).toEqual({
    suggestedName: "stream-3000.selected.jsonl",
    types: [{ description: "JSON Lines", accept: { "application/x-ndjson": [".jsonl"] } }],
    id: "margin-atlas-export",
  });
});

test("a cancelled save leaves no file and says so", async ({ page }) => {
  const file = writeRows(120_000, 12);
  await shimSavePicker(page);
  await openApp(page);
  await upload(page, file);
  await expect(page.getByText(/^Selected \d+ of 120000$/)).toBeVisible({ timeout: 90_000 });
  await page.getByRole("button", { name: "Export selection" }).click();
  await page.getByLabel("Format", { exact: true }).selectOption({ label: "TRL preference (prompt/chosen/rejected)" });
  await page.getByLabel("Include computed columns").click();
  await page.getByRole("button", { name: "Save to file…" }).click();
  const status = page.getByTestId("export-status");
  await expect(page.getByRole("progressbar", { name: "Export progress" })).toBeVisible();
  await page.getByRole("button", { name: "Cancel export" }).click();
  await expect(status).toHaveText("Export cancelled: stream-120000.selected.trl.jsonl was not written.");
  // The writable was aborted: nothing was committed, and the empty file the dialog made is gone.
  expect(await opfsFile(page, "stream-120000.selected.trl.jsonl")).toBeNull();
  await expect(page.getByRole("button", { name: "Save to file…" })).toBeEnabled();
});

test("without the File System Access API there is no Save to file, and Download downloads", async ({ page }) => {
  const file = writeRows(500, 3);
  // Chromium has the API (on Window.prototype): take it away, as in Firefox or Safari.
  await page.addInitScript(() => {
    delete (Window.prototype as unknown as { showSaveFilePicker?: unknown }).showSaveFilePicker;
    delete (window as unknown as { showSaveFilePicker?: unknown }).showSaveFilePicker;
  });
  await openApp(page);
  await upload(page, file);
  await expect(page.getByText(/^Selected \d+ of 500$/)).toBeVisible();
  await page.getByRole("button", { name: "Export selection" }).click();
  await expect(page.getByRole("button", { name: "Download", exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Save to file…" })).toHaveCount(0);
  const { name, bytes } = await exportSelection(page, "JSONL");
  expect(name).toBe("stream-500.selected.jsonl");
  const expected = fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "");
  const { n } = await selectedCount(page);
  const lines = bytes.toString("utf8").split("\n");
  expect(lines.pop()).toBe("");
  expect(lines).toHaveLength(n);
  for (const line of lines) expect(expected).toContain(line);
  await expect(page.getByTestId("export-status")).toHaveText(
    `Downloaded ${n} rows (${(bytes.length / 1024 / 1024).toFixed(1)} MB) as stream-500.selected.jsonl.`,
  );
});
