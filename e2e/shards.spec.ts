/**
 * Several files as one dataset: three Parquet shards made from a real file (AlpacaEval annotations, 805 rows) are
 * uploaded at once; the row count is the sum, the selection is the CLI's on the same rows in one file, and the
 * export writes one file or the same three shards.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Download } from "@playwright/test";
import { parquetReadObjects } from "hyparquet";
import { parquetWriteBuffer } from "hyparquet-writer";
import { cliIndices, exportSelection, openApp, sharedFile } from "./helpers";

type Row = Record<string, unknown>;

function writeParquet(file: string, rows: Row[]): void {
  const names = Object.keys(rows[0]);
  fs.writeFileSync(
    file,
    Buffer.from(parquetWriteBuffer({ columnData: names.map((name) => ({ name, data: rows.map((r) => r[name]) })) })),
  );
}

async function readParquet(bytes: Buffer): Promise<Row[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return (await parquetReadObjects({ file })) as Row[];
}

test("three Parquet shards load as one dataset; export as one file or as the same shards", async ({ page }) => {
  const source = sharedFile("datasets/alpacaeval-weighted-fusechat-llama32-3b/annotations.json");
  const rows = JSON.parse(fs.readFileSync(source, "utf8")) as Row[];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-shards-"));
  const bounds = [0, 300, 600, rows.length];
  const shards = [0, 1, 2].map((k) => path.join(dir, `train-0000${k}-of-00003.parquet`));
  shards.forEach((file, k) => writeParquet(file, rows.slice(bounds[k], bounds[k + 1])));
  // The same rows in one file, for the CLI.
  const whole = path.join(dir, "whole.parquet");
  writeParquet(whole, rows);
  const cliOut = path.join(dir, "cli.parquet");
  const want = cliIndices(whole, ["--metric", "explicit", "--ratio", "0.3", "--out", cliOut]);

  await openApp(page);
  // Given out of order: rows follow the shard numbers.
  await page.getByLabel("Upload dataset").setInputFiles([shards[2], shards[0], shards[1]]);
  await expect(page.getByText(/^Selected \d+ of 805$/)).toBeVisible();
  const files = page.getByTestId("dataset-files");
  await expect(files.locator("summary")).toHaveText("3 files · 805 rows");
  await files.locator("summary").click();
  await expect(files.getByRole("listitem")).toHaveText([
    "train-00000-of-00003.parquet · 300 rows (rows 0–299)",
    "train-00001-of-00003.parquet · 300 rows (rows 300–599)",
    "train-00002-of-00003.parquet · 205 rows (rows 600–804)",
  ]);
  await page.getByLabel("Metric", { exact: true }).selectOption({ label: "Explicit margin" });
  await page.getByLabel("Selection ratio", { exact: true }).fill("0.3");
  await expect(page.getByText(`Selected ${want.length} of 805`)).toBeVisible();

  // One file (the default): the rows the CLI writes from the same rows in one file.
  const one = await exportSelection(page, "Parquet");
  expect(one.name).toBe("train.selected.parquet");
  const exported = await readParquet(one.bytes);
  expect(exported).toEqual(await readParquet(fs.readFileSync(cliOut)));
  expect(exported.map((r) => r.instruction)).toEqual(want.map((i) => rows[i].instruction));

  // The same shards: one download per input file, each with its own selected rows.
  await page.getByLabel("Export files").selectOption({ label: "The same 3 files (one download each)" });
  const downloads: Download[] = [];
  page.on("download", (d) => downloads.push(d));
  await page.getByRole("button", { name: "Download", exact: true }).click();
  await expect.poll(() => downloads.length).toBe(3);
  const parts = await Promise.all(
    downloads.map(async (d) => ({
      name: d.suggestedFilename(),
      rows: await readParquet(fs.readFileSync(await d.path())),
    })),
  );
  parts.sort((a, b) => (a.name < b.name ? -1 : 1));
  expect(parts.map((p) => p.name)).toEqual([
    "train-00000-of-00003.selected.parquet",
    "train-00001-of-00003.selected.parquet",
    "train-00002-of-00003.selected.parquet",
  ]);
  parts.forEach((p, k) => {
    const inShard = want.filter((i) => i >= bounds[k] && i < bounds[k + 1]);
    expect(p.rows.map((r) => r.instruction)).toEqual(inShard.map((i) => rows[i].instruction));
  });
  expect(parts.flatMap((p) => p.rows)).toEqual(exported);

  // A folder: its data files are the shards (the README beside them is not), named by their path in it.
  const folder = path.join(dir, "alpaca");
  fs.mkdirSync(path.join(folder, "data"), { recursive: true });
  fs.writeFileSync(path.join(folder, "README.md"), "# three shards\n");
  shards.forEach((file) => fs.copyFileSync(file, path.join(folder, "data", path.basename(file))));
  await page.getByLabel("Upload folder").setInputFiles(folder);
  await expect(page.getByText(/^Selected \d+ of 805$/)).toBeVisible();
  await expect(files.locator("summary")).toHaveText("3 files · 805 rows");
  await expect(files.getByRole("listitem").first()).toHaveText(
    /^alpaca\/data\/train-00000-of-00003\.parquet · 300 rows/,
  );
  fs.rmSync(dir, { recursive: true, force: true });
});
