import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { exportSelection, openApp, ROOT, selectedCount, sharedFile, upload } from "./helpers";

const TRL = "TRL preference (prompt/chosen/rejected)";

/** The CLI's `select FILE --format trl --out …` with the default selection, as text. */
function cliTrl(file: string, args: string[] = []): string {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-trl-")), "out.trl.jsonl");
  execFileSync("npx", ["tsx", "bin/margin-atlas.ts", "select", file, "--format", "trl", "--out", out, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  return fs.readFileSync(out, "utf8");
}

const rowsOf = (text: string) =>
  text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test("a CSV of string pairs exports as TRL standard rows, the CLI's bytes for the same selection", async ({ page }) => {
  // Margins as CSV text cells: M_AP ranks the rows, so the default selection (40 %) is a real subset.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-trl-csv-"));
  const file = path.join(dir, "pairs.csv");
  const lines = ["prompt,chosen,rejected,rm_margin,logp_margin_norm"];
  for (let i = 0; i < 30; i++) lines.push(`"q ${i}, please","good ${i}","bad ""${i}""",${(i * 7) % 11},${(i % 5) - 2}`);
  fs.writeFileSync(file, lines.join("\n") + "\n");
  const want = cliTrl(file);

  await openApp(page);
  await upload(page, file);
  await expect(page.getByText("Selected 12 of 30")).toBeVisible();
  await page.getByRole("button", { name: "Export selection" }).click();
  await page.getByLabel("Format", { exact: true }).selectOption({ label: TRL });
  await expect(page.getByTestId("trl-hint")).toContainText("Conversational (message lists) when the file has roles");
  const { name, bytes } = await exportSelection(page, TRL);
  expect(name).toBe("pairs.selected.trl.jsonl");
  expect(bytes.toString("utf8")).toBe(want);
  const rows = rowsOf(want);
  expect(rows).toHaveLength(12);
  for (const row of rows) {
    const i = /^q (\d+), please$/.exec(row.prompt as string)![1];
    expect(row).toEqual({ prompt: `q ${i}, please`, chosen: `good ${i}`, rejected: `bad "${i}"` });
  }
});

test("paper-style chat lists export as TRL conversational rows with the computed columns, as the CLI writes them", async ({
  page,
}) => {
  const file = sharedFile("reference/paper-style/processed.jsonl");
  const want = cliTrl(file, ["--include-computed"]);

  await openApp(page);
  await upload(page, file);
  await expect(page.getByText("Selected 1200 of 3000")).toBeVisible();
  const { n } = await selectedCount(page);
  const { name, bytes } = await exportSelection(page, TRL, true);
  expect(name).toBe("processed.selected.trl.jsonl");
  expect(bytes.toString("utf8")).toBe(want);
  const rows = rowsOf(want);
  expect(rows).toHaveLength(n);
  for (const row of rows) {
    expect(Object.keys(row)).toEqual([
      "prompt",
      "chosen",
      "rejected",
      "explicit_margin",
      "implicit_margin",
      "m_ap",
      "m_ap_rank",
    ]);
    expect((row.prompt as { role: string }[])[0].role).toBe("user");
    expect((row.chosen as { role: string }[]).map((m) => m.role)).toEqual(["assistant"]);
    expect((row.rejected as { role: string }[]).map((m) => m.role)).toEqual(["assistant"]);
    expect(typeof row.m_ap).toBe("number");
  }
});
