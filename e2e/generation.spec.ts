/**
 * Self-play generation as a user runs it: prompts file + demo policy + demo reward model → responses stream →
 * reload mid-run → the same run resumes from stored prompts with identical text → the workbench opens on best/worst
 * pairs with M_AP at w = 2.5 → the generated file and the TRL export equal what the CLI writes with the same seed.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { exportSelection, openApp, ROOT } from "./helpers";

const PROMPTS = [
  "Name a colour.",
  "Say hello in French.",
  "What is 2 + 2?",
  "Write a haiku about rain.",
  "Give a synonym for quick.",
  "Who wrote Hamlet?",
];
const K = 3;
const MAX_NEW = 160;
const SEED = 11;
const MODELS = path.join(ROOT, "public/models");

function promptsFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-gen-"));
  const file = path.join(dir, "prompts.jsonl");
  fs.writeFileSync(file, PROMPTS.map((prompt) => JSON.stringify({ prompt })).join("\n") + "\n");
  return file;
}

const rowsOf = (text: string) =>
  text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** `generate` in the CLI (onnxruntime-node) with the same models and settings. */
function cliGenerate(file: string): string {
  const out = file.replace(/\.jsonl$/, ".cli.generated.jsonl");
  execFileSync(
    "npx",
    [
      "tsx",
      "bin/margin-atlas.ts",
      "generate",
      file,
      "--model",
      path.join(MODELS, "demo-lm"),
      "--reward-model",
      path.join(MODELS, "demo-rm"),
      "--k",
      String(K),
      "--max-new-tokens",
      String(MAX_NEW),
      "--seed",
      String(SEED),
      "--out",
      out,
    ],
    { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] },
  );
  return out;
}

/** Loads the demo policy and reward model and sets the prompts file and settings in the generation panel. */
async function setUp(page: Page, file: string) {
  const panel = page.getByRole("group", { name: "Generate responses" });
  await panel.getByRole("button", { name: "Use demo policy" }).click();
  await expect(panel.getByTestId("generation-policy")).toContainText("/models/demo-lm/");
  await panel.getByRole("button", { name: "Use demo reward model" }).click();
  await expect(panel.getByTestId("generation-reward")).toContainText("/models/demo-rm/");
  await panel.getByLabel("Prompts file").setInputFiles(file);
  await expect(panel.getByTestId("prompts-file")).toHaveText("prompts.jsonl");
  await panel.getByLabel("Samples per prompt").fill(String(K));
  await panel.getByLabel("Max new tokens").fill(String(MAX_NEW));
  await panel.getByLabel("Seed").fill(String(SEED));
  return panel;
}

test("generate with the demo models, stream, reload and resume with identical text, land on best/worst pairs with M_AP w = 2.5, export", async ({
  page,
}) => {
  test.setTimeout(300_000);
  const file = promptsFile();
  const cli = rowsOf(fs.readFileSync(cliGenerate(file), "utf8"));
  expect(cli).toHaveLength(PROMPTS.length);

  await openApp(page);
  let panel = await setUp(page, file);
  await expect(panel.getByLabel("Temperature")).toHaveValue("0.8");
  await expect(panel.getByLabel("Top-p (nucleus)")).toHaveValue("1");
  await panel.getByRole("button", { name: "Generate", exact: true }).click();
  // The responses stream while a prompt is being generated.
  await expect(panel.getByTestId("generation-live")).toBeVisible();
  await expect(panel.getByTestId("generation-live").locator("li")).toHaveCount(K);
  // Two prompts finished (stored), then the tab is reloaded mid-run.
  await expect(panel.getByTestId("generation-stats")).toContainText(/running: [2-5] \/ 6 prompts/);
  const finishedBefore = Number(
    /running: (\d) \//.exec((await panel.getByTestId("generation-stats").textContent())!)![1],
  );
  await page.reload();
  await expect(page.getByRole("button", { name: "Load demo dataset" })).toBeVisible();

  panel = await setUp(page, file);
  await panel.getByRole("button", { name: "Generate", exact: true }).click();
  // The workbench opens on the pairs when the run ends; the generation panel sits in its sidebar.
  await expect(page.getByTestId("plan-counts")).toBeVisible({ timeout: 120_000 });
  panel = page.getByRole("group", { name: "Generate responses" });
  await expect(panel.getByTestId("generation-note")).toContainText("6 of 6 prompts");
  const stored = Number(
    /(\d) from stored results/.exec((await panel.getByTestId("generation-note").textContent())!)![1],
  );
  expect(stored).toBeGreaterThanOrEqual(finishedBefore);
  await expect(page.getByLabel("Implicit weight (w)")).toHaveValue("2.5");

  // The generated file: the CLI's responses and reward scores for the same seed, row for row.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    panel.getByRole("button", { name: "Download generated file" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("prompts.generated.jsonl");
  const app = rowsOf(fs.readFileSync(await download.path(), "utf8"));
  expect(app.map((r) => r.prompt)).toEqual(PROMPTS);
  expect(app.map((r) => r.all_generated_responses)).toEqual(cli.map((r) => r.all_generated_responses));
  expect(app.map((r) => r.all_generated_tokens)).toEqual(cli.map((r) => r.all_generated_tokens));
  for (let i = 0; i < app.length; i++) {
    const a = app[i].all_rm_scores as number[];
    const c = cli[i].all_rm_scores as number[];
    a.forEach((x, j) => expect(x).toBeCloseTo(c[j], 4));
    expect(app[i].generation_settings).toMatchObject({ k: K, max_new_tokens: MAX_NEW, seed: SEED, temperature: 0.8 });
  }

  // Best vs worst by reward, M_AP at w = 2.5: the selected pairs export as TRL rows of the generated texts.
  await expect(page.getByTestId("plan-counts")).toContainText("6 records");
  const { name, bytes } = await exportSelection(page, "TRL preference (prompt/chosen/rejected)");
  expect(name).toBe("prompts.generated.selected.trl.jsonl");
  const pairs = rowsOf(bytes.toString("utf8"));
  expect(pairs.length).toBe(Math.floor(0.4 * 6));
  const byPrompt = new Map(app.map((r) => [r.prompt as string, r]));
  for (const pair of pairs) {
    const prompt = (pair.prompt as { content: string }[]).at(-1)?.content ?? (pair.prompt as string);
    const row = byPrompt.get(prompt)!;
    const scores = row.all_rm_scores as number[];
    const texts = row.all_generated_responses as string[];
    const best = texts[scores.indexOf(Math.max(...scores))];
    const worst = texts[scores.indexOf(Math.min(...scores))];
    const last = (v: unknown) => (Array.isArray(v) ? (v.at(-1) as { content: string }).content : (v as string));
    expect(last(pair.chosen)).toBe(best);
    expect(last(pair.rejected)).toBe(worst);
  }
});

test("generation names what is missing and a bad prompts file", async ({ page }) => {
  await openApp(page);
  const panel = page.getByRole("group", { name: "Generate responses" });
  await panel.getByRole("button", { name: "Generate", exact: true }).click();
  await expect(panel.getByRole("alert")).toHaveText(
    "load a policy model (or the demo model) first: it writes the responses",
  );
  await panel.getByRole("button", { name: "Use demo policy" }).click();
  await expect(panel.getByTestId("generation-policy")).toContainText("/models/demo-lm/");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-gen-bad-"));
  const bad = path.join(dir, "bad-prompts.jsonl");
  fs.writeFileSync(bad, '{"prompt": "fine"}\n{"prompt": 42}\n');
  await panel.getByLabel("Prompts file").setInputFiles(bad);
  await panel.getByRole("button", { name: "Generate", exact: true }).click();
  await expect(panel.getByRole("alert")).toContainText("bad-prompts.jsonl, line 2");
  await expect(panel.getByRole("alert")).toContainText('"prompt"');
  await expect(panel.getByRole("alert")).toContainText("expected a string or a list of messages");
});

test("pause holds the run, resume goes on, cancel keeps the finished prompts", async ({ page }) => {
  test.setTimeout(180_000);
  const file = promptsFile();
  await openApp(page);
  const panel = await setUp(page, file);
  await panel.getByLabel("Max new tokens").fill("400");
  await panel.getByRole("button", { name: "Clear stored generations" }).click();
  await expect(panel.getByTestId("generation-note")).toHaveText("stored generations cleared");
  await panel.getByRole("button", { name: "Generate", exact: true }).click();
  const stats = panel.getByTestId("generation-stats");
  await expect(stats).toContainText(/running: [1-4] \/ 6 prompts/);
  await panel.getByRole("button", { name: "Pause generation" }).click();
  await expect(stats).toContainText(/^paused: \d \/ 6 prompts/);
  // Paused between prompts: the count stays put.
  const held = (await stats.textContent())!.split(" · ")[0];
  await page.waitForTimeout(1500);
  expect((await stats.textContent())!.split(" · ")[0]).toBe(held);
  await panel.getByRole("button", { name: "Resume generation" }).click();
  await expect(stats).toContainText(/^running: /);
  await panel.getByRole("button", { name: "Cancel generation" }).click();
  await expect(panel.getByTestId("generation-note")).toContainText(/^cancelled: \d finished prompts are stored$/);
  await expect(panel.getByRole("button", { name: "Generate", exact: true })).toBeEnabled();
  await expect(panel.getByRole("button", { name: "Download generated file" })).toBeEnabled();
});
