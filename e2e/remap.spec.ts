import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { cliIndices, exportSelection, jsonlLines, openApp, sharedFile, upload } from "./helpers";

test("re-mapping the implicit margin to summed log-probs changes the selection exactly as the CLI does", async ({
  page,
}) => {
  const file = sharedFile("reference/paper-style/processed.jsonl");
  const lines = jsonlLines(file);
  const mapping = {
    schema: "chat",
    prompt: "prompt",
    chosen: "chosen",
    rejected: "rejected",
    explicit: { kind: "column", field: "rm_margin" },
    implicit: { kind: "difference", chosen: "chosen_logps", rejected: "rejected_logps" },
  };
  const mappingFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-map-")), "mapping.json");
  fs.writeFileSync(mappingFile, JSON.stringify(mapping));
  const want = cliIndices(file, ["--mapping", mappingFile]);
  const before = cliIndices(file, []);
  expect(want).not.toEqual(before);

  await openApp(page);
  await upload(page, file);
  await expect(page.getByText("Selected 1200 of 3000")).toBeVisible();
  await expect(page.getByLabel("Detected schema")).toContainText("logp_margin_norm");
  await page
    .getByLabel("Implicit margin source")
    .selectOption({ label: "chosen − rejected log-probs (SimPO: normalised)" });
  await page.getByLabel("Chosen log-prob field").selectOption("chosen_logps");
  await page.getByLabel("Rejected log-prob field").selectOption("rejected_logps");
  await page.getByRole("button", { name: "Apply mapping" }).click();
  await expect(page.getByLabel("Detected schema")).toContainText("edited by the user");
  await expect(page.getByLabel("Detected schema")).toContainText("implicit margin: chosen_logps − rejected_logps");
  const { bytes } = await exportSelection(page, "JSONL");
  const got = bytes.toString("utf8").split("\n").filter(Boolean);
  expect(got).toEqual(want.map((i) => lines[i]));
});

test("switching the explicit margin source off and back updates counts and selection", async ({ page }) => {
  await openApp(page, "?demo=1");
  await expect(page.getByText(/^Selected \d+ of 2000$/)).toBeVisible();
  const before = (await page.getByText(/^Selected \d+ of 2000$/).textContent()) ?? "";
  await page.getByLabel("Explicit margin source").selectOption({ label: "none" });
  await page.getByRole("button", { name: "Apply mapping" }).click();
  // With no explicit margin, M_AP scores nothing: every row shows as missing its explicit margin.
  await expect(page.getByTestId("missing-counts")).toContainText("missing explicit margin: 2000");
  await expect(page.getByText("Selected 0 of 2000")).toBeVisible();
  await page.getByLabel("Explicit margin source").selectOption({ label: "margin column" });
  await page.getByLabel("Explicit margin field").selectOption("rm_margin");
  await page.getByRole("button", { name: "Apply mapping" }).click();
  await expect(page.getByText(before)).toBeVisible();
});
