/**
 * A dataset by Hub id from the fake Hub of e2e/hub-server.ts (its tree and resolve routes, the CDN redirect): list
 * the files, pick the train split's two shards, open them, see the counts; then one file from a plain URL.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { parquetWriteBuffer } from "hyparquet-writer";
import { startFakeHub } from "./hub-server";
import { openApp, sharedFile } from "./helpers";

type Row = Record<string, unknown>;

function writeParquet(file: string, rows: Row[]): void {
  const names = Object.keys(rows[0]);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    Buffer.from(parquetWriteBuffer({ columnData: names.map((name) => ({ name, data: rows.map((r) => r[name]) })) })),
  );
}

test("open a dataset by Hub id: list, pick, open, counts; and a file by URL", async ({ page }) => {
  const source = sharedFile("datasets/alpacaeval-weighted-fusechat-llama32-3b/annotations.json");
  const rows = JSON.parse(fs.readFileSync(source, "utf8")) as Row[];
  // A repository laid out as `datasets` pushes one: data/<split>-NNNNN-of-NNNNN.parquet, a README beside it.
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), "ma-hub-repo-"));
  fs.writeFileSync(path.join(repo, "README.md"), "---\nlicense: cc-by-nc-4.0\n---\n# AlpacaEval annotations\n");
  writeParquet(path.join(repo, "data/train-00000-of-00002.parquet"), rows.slice(0, 400));
  writeParquet(path.join(repo, "data/train-00001-of-00002.parquet"), rows.slice(400, 700));
  writeParquet(path.join(repo, "data/test-00000-of-00001.parquet"), rows.slice(700));
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "ma-url-"));
  fs.writeFileSync(
    path.join(folder, "small.jsonl"),
    rows
      .slice(0, 25)
      .map((r) => JSON.stringify(r) + "\n")
      .join(""),
  );
  const hub = await startFakeHub({}, { plain: folder }, { datasets: { "margin-atlas/alpaca-shards": { dir: repo } } });
  try {
    await openApp(page);
    await page.getByRole("button", { name: "Open from Hub or URL" }).click();
    const panel = page.getByRole("group", { name: "Open a remote dataset" });
    await panel.getByText("Hub settings").click();
    await panel.getByLabel("Hub endpoint").fill(hub.endpoint);
    await panel.getByLabel("Hub endpoint").press("Enter");
    await panel.getByLabel("Hub dataset id").fill("margin-atlas/alpaca-shards");
    await panel.getByRole("button", { name: "List files" }).click();

    const listing = panel.getByRole("group", { name: "Dataset files" });
    await expect(listing.getByTestId("hub-listing")).toHaveText(
      "margin-atlas/alpaca-shards@main: 3 data files in 2 config / split groups (1 other files)",
    );
    await expect(listing.locator("legend")).toHaveText([
      /^default \/ train \(2 files, /,
      /^default \/ test \(1 file, /,
    ]);
    // The train split is picked by default.
    await expect(listing.getByLabel("data/train-00000-of-00002.parquet")).toBeChecked();
    await expect(listing.getByLabel("data/train-00001-of-00002.parquet")).toBeChecked();
    await expect(listing.getByLabel("data/test-00000-of-00001.parquet")).not.toBeChecked();
    await listing.getByRole("button", { name: "Open 2 files" }).click();

    await expect(page.getByText(/^Selected \d+ of 700$/)).toBeVisible();
    await expect(panel).toBeHidden();
    await expect(page.getByTestId("dataset-files").locator("summary")).toHaveText("2 files · 700 rows");
    expect(hub.requests).toContain("/api/datasets/margin-atlas/alpaca-shards/tree/main");
    expect(hub.requests).toContain(
      "/datasets/margin-atlas/alpaca-shards/resolve/main/data/train-00000-of-00002.parquet",
    );
    expect(hub.requests).toContain(
      "/datasets/margin-atlas/alpaca-shards/resolve/main/data/train-00001-of-00002.parquet",
    );
    expect(hub.requests.some((r) => r.includes("test-00000"))).toBe(false);
    await page.getByLabel("Metric", { exact: true }).selectOption({ label: "Explicit margin" });
    await page.getByLabel("Selection ratio", { exact: true }).fill("0.5");
    await expect(page.getByText("Selected 350 of 700")).toBeVisible();

    // One file from a plain URL (served by the same test server).
    await page.getByRole("button", { name: "Open from Hub or URL" }).click();
    await panel.getByLabel("Dataset URL").fill(`${hub.endpoint}/files/plain/small.jsonl`);
    await panel.getByRole("button", { name: "Open URL" }).click();
    await expect(page.getByText(/^Selected \d+ of 25$/)).toBeVisible();
    await expect(page.getByTestId("dataset-files")).toHaveCount(0);
    await expect(page.locator(".file-name")).toHaveText(/^small\.jsonl \(jsonl\)/);
  } finally {
    await hub.close();
    fs.rmSync(repo, { recursive: true, force: true });
    fs.rmSync(folder, { recursive: true, force: true });
  }
});
