/** Shared helpers of the end-to-end tests: paths to the shared datasets, upload, export, reading downloads. */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { expect, test, type Page } from "@playwright/test";

/** Repository root. */
export const ROOT = path.resolve(import.meta.dirname, "..");
/** ../shared next to the checkout (absent in a user's clone). */
export const SHARED = path.resolve(ROOT, "../shared");

/** Skips the current test with a clear message when a shared file is missing; returns its absolute path. */
export function sharedFile(relative: string): string {
  const p = path.join(SHARED, relative);
  test.skip(!fs.existsSync(p), `skipped: ${p} not found (../shared is only present in the development workspace)`);
  return p;
}

/** Opens the app and waits until it is interactive. */
export async function openApp(page: Page, query = ""): Promise<void> {
  await page.goto(`/${query}`);
  await expect(page.getByRole("button", { name: "Load demo dataset" })).toBeVisible();
}

/** Uploads a file through the "Upload dataset" input and waits for the selection count. */
export async function upload(page: Page, file: string): Promise<void> {
  await page.getByLabel("Upload dataset").setInputFiles(file);
}

/** Reads "Selected N of M". */
export async function selectedCount(page: Page): Promise<{ n: number; m: number }> {
  const text = (await page.getByText(/^Selected \d+ of \d+$/).textContent()) ?? "";
  const m = /^Selected (\d+) of (\d+)$/.exec(text);
  if (!m) throw new Error(`no selection count in "${text}"`);
  return { n: Number(m[1]), m: Number(m[2]) };
}

/** Exports the selection in `format` and returns the downloaded file's name and bytes. */
export async function exportSelection(
  page: Page,
  format: "JSONL" | "JSON" | "CSV" | "Parquet" | "TRL preference (prompt/chosen/rejected)",
  includeComputed = false,
): Promise<{ name: string; bytes: Buffer }> {
  const panel = page.getByRole("group", { name: "Export options" });
  if (!(await panel.isVisible())) await page.getByRole("button", { name: "Export selection" }).click();
  await page.getByLabel("Format", { exact: true }).selectOption({ label: format });
  const box = page.getByLabel("Include computed columns");
  if ((await box.isChecked()) !== includeComputed) await box.click();
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download", exact: true }).click(),
  ]);
  const file = await download.path();
  return { name: download.suggestedFilename(), bytes: fs.readFileSync(file) };
}

/** Non-empty lines of a (possibly gzipped) JSONL file, verbatim. */
export function jsonlLines(file: string): string[] {
  let buf = fs.readFileSync(file);
  if (file.endsWith(".gz")) buf = zlib.gunzipSync(buf);
  return buf
    .toString("utf8")
    .split("\n")
    .map((l) => l.replace(/\r$/, ""))
    .filter((l) => l.trim() !== "");
}

/** Runs the CLI's `select` and returns the selected indices (the same lib code as the app). */
export function cliIndices(file: string, args: string[]): number[] {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-cli-")), "idx.txt");
  execFileSync("npx", ["tsx", "bin/margin-atlas.ts", "select", file, ...args, "--indices", out], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  return fs.readFileSync(out, "utf8").split("\n").filter(Boolean).map(Number);
}

/** Top-k of `values` descending with the paper's tie rule (higher index wins), ascending indices. */
export function topK(values: number[], k: number): number[] {
  const idx = values.map((_, i) => i).filter((i) => !Number.isNaN(values[i]));
  idx.sort((a, b) => (values[b] === values[a] ? b - a : values[b] - values[a]));
  return idx.slice(0, k).sort((a, b) => a - b);
}

/** Selects all `n` rows and exports them as JSONL with the computed columns; returns the parsed rows. */
export async function exportAllRows(page: Page, n: number): Promise<Record<string, number>[]> {
  await page.getByLabel("Selection ratio", { exact: true }).fill("1");
  await expect(page.getByText(`Selected ${n} of ${n}`)).toBeVisible();
  const { bytes } = await exportSelection(page, "JSONL", true);
  const rows = bytes
    .toString("utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, number>);
  expect(rows).toHaveLength(n);
  return rows;
}
