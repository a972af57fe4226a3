/**
 * Exporting a CSV upload to JSONL, JSON and Parquet keeps values' types, as a user downloads them: numbers are
 * numbers, booleans booleans, JSON-list cells lists, empty cells of typed columns null, a long integer exact.
 * (lib/export/conversion-matrix.test.ts covers every format pair.)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { exportSelection, openApp, upload } from "./helpers";

const CSV =
  "prompt,chosen,rejected,rm_margin,logp_margin_norm,votes,safe,tags,id\n" +
  'q0,a0,b0,1.50,-0.1,3,true,"[""x""]",9007199254740993\n' +
  "q1,a1,b1,0.25,0,,false,[],2\n" +
  "q2,a2,b2,-2,0.3,7,,,3\n";

const EXPECTED_JSONL =
  '{"prompt":"q0","chosen":"a0","rejected":"b0","rm_margin":1.50,"logp_margin_norm":-0.1,"votes":3,"safe":true,"tags":["x"],"id":9007199254740993}\n' +
  '{"prompt":"q1","chosen":"a1","rejected":"b1","rm_margin":0.25,"logp_margin_norm":0,"votes":null,"safe":false,"tags":[],"id":2}\n' +
  '{"prompt":"q2","chosen":"a2","rejected":"b2","rm_margin":-2,"logp_margin_norm":0.3,"votes":7,"safe":null,"tags":null,"id":3}\n';

test("a CSV exported to JSONL, JSON and Parquet keeps numbers, booleans, lists and nulls", async ({ page }) => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-typed-")), "typed.csv");
  fs.writeFileSync(file, CSV);
  await openApp(page);
  await upload(page, file);
  await expect(page.getByText(/^Selected \d+ of 3$/)).toBeVisible();
  // Keep every row, so the whole file is exported.
  await page.getByLabel("Selection ratio", { exact: true }).fill("1");
  await expect(page.getByText("Selected 3 of 3")).toBeVisible();

  const jsonl = await exportSelection(page, "JSONL");
  expect(jsonl.name).toBe("typed.selected.jsonl");
  expect(jsonl.bytes.toString("utf8")).toBe(EXPECTED_JSONL);

  const json = await exportSelection(page, "JSON");
  const lines = EXPECTED_JSONL.trimEnd().split("\n");
  expect(json.bytes.toString("utf8")).toBe(`[\n${lines.join(",\n")}\n]\n`);

  const parquet = await exportSelection(page, "Parquet");
  const buffer = new Uint8Array(parquet.bytes).buffer;
  const types = parquetMetadata(buffer)
    .schema.slice(1)
    .map((e) => [e.name, e.type, e.converted_type]);
  expect(types).toEqual([
    ["prompt", "BYTE_ARRAY", "UTF8"],
    ["chosen", "BYTE_ARRAY", "UTF8"],
    ["rejected", "BYTE_ARRAY", "UTF8"],
    ["rm_margin", "DOUBLE", undefined],
    ["logp_margin_norm", "DOUBLE", undefined],
    ["votes", "INT64", undefined],
    ["safe", "BOOLEAN", undefined],
    ["tags", "BYTE_ARRAY", "JSON"],
    ["id", "INT64", undefined],
  ]);
  const rows = await parquetReadObjects({ file: buffer });
  expect(rows.map((r) => r.id)).toEqual([9007199254740993n, 2n, 3n]);
  expect(rows.map((r) => [r.rm_margin, r.votes, r.safe, r.tags])).toEqual([
    [1.5, 3n, true, ["x"]],
    [0.25, null, false, []],
    [-2, 7n, null, null],
  ]);

  // The CSV export of a CSV stays byte for byte.
  const csv = await exportSelection(page, "CSV");
  expect(csv.bytes.toString("utf8")).toBe(CSV);
});
