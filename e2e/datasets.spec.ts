import fs from "node:fs";
import { expect, test } from "@playwright/test";
import Papa from "papaparse";
import { parquetReadObjects } from "hyparquet";
import { cliIndices, exportSelection, jsonlLines, openApp, sharedFile, topK, upload } from "./helpers";

test.describe("shared real datasets through the UI", () => {
  test("Anthropic HH (gzipped JSONL): random 25 %, JSONL export is verbatim lines in input order", async ({ page }) => {
    const file = sharedFile("datasets/hh-rlhf-harmless-base-test/test.jsonl.gz");
    const lines = jsonlLines(file);
    expect(lines.length).toBe(2312);
    await openApp(page);
    await upload(page, file);
    await expect(page.getByText(/^Selected \d+ of 2312$/)).toBeVisible();
    await expect(page.getByLabel("Detected schema")).toContainText(/HH|Human/);
    await expect(page.getByTestId("missing-counts")).toContainText("missing explicit margin: 2312");
    await page.getByLabel("Metric", { exact: true }).selectOption({ label: "Random" });
    await page.getByLabel("Selection ratio", { exact: true }).fill("0.25");
    await expect(page.getByText("Selected 578 of 2312")).toBeVisible();
    const want = cliIndices(file, ["--metric", "random", "--ratio", "0.25", "--seed", "42"]);
    expect(want.length).toBe(578);
    const { name, bytes } = await exportSelection(page, "JSONL");
    expect(name).toBe("test.selected.jsonl");
    const got = bytes.toString("utf8").split("\n").filter(Boolean);
    expect(got).toEqual(want.map((i) => lines[i]));

    // The inspector shows the split: the shared dialogue as prompt, the last Assistant turn as the response.
    await page.getByRole("table", { name: "Pairs" }).getByRole("row").nth(1).click();
    const record = JSON.parse(lines[0]) as { chosen: string };
    const lastTurn = record.chosen.slice(record.chosen.lastIndexOf("\n\nAssistant:") + "\n\nAssistant:".length).trim();
    await expect(page.getByRole("region", { name: "Chosen" })).toContainText(lastTurn.slice(0, 40));
  });

  test("LLaMA-Factory ShareGPT (JSON array): JSON export equals the original elements", async ({ page }) => {
    const file = sharedFile("datasets/llamafactory-dpo-en-demo/dpo_en_demo.json");
    const rows = JSON.parse(fs.readFileSync(file, "utf8")) as unknown[];
    await openApp(page);
    await upload(page, file);
    await expect(page.getByText(/^Selected \d+ of 300$/)).toBeVisible();
    await expect(page.getByLabel("Detected schema")).toContainText(/ShareGPT/i);
    await page.getByLabel("Metric", { exact: true }).selectOption({ label: "Random" });
    await page.getByLabel("Selection ratio", { exact: true }).fill("0.5");
    await expect(page.getByText("Selected 150 of 300")).toBeVisible();
    const want = cliIndices(file, ["--metric", "random", "--ratio", "0.5"]);
    const { name, bytes } = await exportSelection(page, "JSON");
    expect(name).toBe("dpo_en_demo.selected.json");
    expect(JSON.parse(bytes.toString("utf8"))).toEqual(want.map((i) => rows[i]));
  });

  test("LLMBar (JSON array with labels): CSV export has the original cells", async ({ page }) => {
    const file = sharedFile("datasets/llmbar-adversarial-gptinst/dataset.json");
    const rows = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>[];
    await openApp(page);
    await upload(page, file);
    await expect(page.getByText(/^Selected \d+ of 92$/)).toBeVisible();
    await expect(page.getByLabel("Detected schema")).toContainText(/pairwise/i);
    await page.getByLabel("Metric", { exact: true }).selectOption({ label: "Random" });
    await page.getByLabel("Selection ratio", { exact: true }).fill("0.5");
    await expect(page.getByText("Selected 46 of 92")).toBeVisible();
    const want = cliIndices(file, ["--metric", "random", "--ratio", "0.5"]);
    const { name, bytes } = await exportSelection(page, "CSV");
    expect(name).toBe("dataset.selected.csv");
    const parsed = Papa.parse<Record<string, string>>(bytes.toString("utf8"), { header: true, skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.meta.fields).toEqual(["input", "output_1", "output_2", "label"]);
    expect(parsed.data).toEqual(
      want.map((i) => Object.fromEntries(Object.entries(rows[i]).map(([k, v]) => [k, String(v)]))),
    );
  });

  test("AlpacaEval (judge preference): explicit-margin top 30 %, Parquet export with computed columns", async ({
    page,
  }) => {
    const file = sharedFile("datasets/alpacaeval-weighted-fusechat-llama32-3b/annotations.json");
    const rows = JSON.parse(fs.readFileSync(file, "utf8")) as { instruction: string; preference: number }[];
    // Independent of the app: P(chosen better) from the judge, logit clamped at 1e-6.
    const clamp = Math.log((1 - 1e-6) / 1e-6);
    const margins = rows.map((r) => {
      const p2 = r.preference - 1;
      const p = p2 > 0.5 ? p2 : 1 - p2;
      return Math.min(clamp, Math.max(-clamp, Math.log(p / (1 - p))));
    });
    const want = topK(margins, Math.floor(0.3 * rows.length));
    await openApp(page);
    await upload(page, file);
    await expect(page.getByText(/^Selected \d+ of 805$/)).toBeVisible();
    await page.getByLabel("Metric", { exact: true }).selectOption({ label: "Explicit margin" });
    await page.getByLabel("Selection ratio", { exact: true }).fill("0.3");
    await expect(page.getByText(`Selected ${want.length} of 805`)).toBeVisible();
    const { name, bytes } = await exportSelection(page, "Parquet", true);
    expect(name).toBe("annotations.selected.parquet");
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const got = (await parquetReadObjects({ file: ab })) as Record<string, unknown>[];
    expect(got.map((r) => r.instruction)).toEqual(want.map((i) => rows[i].instruction));
    got.forEach((r, j) => expect(r.explicit_margin as number).toBeCloseTo(margins[want[j]], 9));
    expect(got.every((r) => r.implicit_margin === null || r.implicit_margin === undefined)).toBe(true);
  });
});
