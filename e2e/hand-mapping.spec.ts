/**
 * Mapping a file by hand when detection refuses it (issue 9): a human-judged pairwise test set with a task, a
 * context, two answers and three rater vote fields, under names no detection rule knows (the common
 * `annotator1..n` layout is detected as a preset; this is the same data renamed). The test builds the file, its
 * expected exclusions from its own votes (an oracle written here, not the app's code), maps it in the "Columns"
 * panel, and checks counts, the error a bad mapping names, and the export against the CLI with the panel's JSON.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { exportSelection, openApp, ROOT, upload } from "./helpers";

type Vote = 0 | 1 | 2 | null;

/** Votes per record, cycling: A wins, B wins, tie wins, no majority (1/2/0), no majority with a missing vote. */
const PATTERNS: Vote[][] = [
  [1, 1, 2],
  [2, 2, 1],
  [1, 2, 2],
  [0, 0, 1],
  [1, 2, 0],
  [1, 2, null],
  [1, 1, 1],
  [2, 0, 2],
];

function voteOutcome(votes: Vote[]): "a" | "b" | "tie" | "no majority" {
  const counts = new Map<Vote, number>();
  for (const v of votes) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  const top = Math.max(...counts.values());
  const winners = [...counts].filter(([, c]) => c === top).map(([v]) => v);
  if (winners.length !== 1) return "no majority";
  return winners[0] === 1 ? "a" : winners[0] === 2 ? "b" : "tie";
}

function makeVotesFile(n: number): { file: string; outcomes: ReturnType<typeof voteOutcome>[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-votes-"));
  const file = path.join(dir, "pairwise-votes.jsonl");
  const outcomes: ReturnType<typeof voteOutcome>[] = [];
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const votes = PATTERNS[i % PATTERNS.length];
    outcomes.push(voteOutcome(votes));
    lines.push(
      JSON.stringify({
        id: `q${i}`,
        task: `Task ${i}: rewrite the sentence.`,
        context: i % 5 === 0 ? "" : `Sentence ${i} to rewrite.`,
        answer_x: `First answer to ${i}.`,
        answer_y: `Second answer to ${i}, longer ${"x".repeat(i % 7)}.`,
        rater1: votes[0],
        rater2: votes[1],
        rater3: votes[2],
      }),
    );
  }
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return { file, outcomes };
}

function cliExport(file: string, args: string[]): Buffer {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-cli-")), "out.jsonl");
  execFileSync("npx", ["tsx", "bin/margin-atlas.ts", "select", file, ...args, "--out", out], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  return fs.readFileSync(out);
}

test("a pairwise file with annotator votes is refused by detection, mapped by hand, counted and exported", async ({
  page,
}) => {
  const n = 48;
  const { file, outcomes } = makeVotesFile(n);
  const ties = outcomes.filter((o) => o === "tie").length;
  const noMajority = outcomes.filter((o) => o === "no majority").length;
  const pairs = n - ties - noMajority;

  await openApp(page);
  await upload(page, file);
  const panel = page.getByRole("region", { name: "Map columns by hand" });
  await expect(panel.getByRole("alert").first()).toContainText("could not recognise the schema");
  // The draft reads the field names: the two answers, the rater fields as votes; the prompt is the user's to build.
  await expect(panel.getByLabel("Output 1 field")).toHaveValue("answer_x");
  await expect(panel.getByLabel("Output 2 field")).toHaveValue("answer_y");
  await expect(panel.getByLabel("Orientation")).toHaveValue("votes");
  for (const f of ["rater1", "rater2", "rater3"]) await expect(panel.getByLabel(`Vote field ${f}`)).toBeChecked();
  await expect(panel.getByLabel("Prompt field", { exact: true })).toHaveValue("context");
  await panel.getByLabel("Prompt field", { exact: true }).selectOption("task");
  await panel.getByLabel("Add prompt field").selectOption("context");
  await expect(panel.getByLabel("Prompt field 2")).toHaveValue("context");
  await panel.getByLabel("Prompt separator").fill("\\n---\\n");

  // A wrong pick is refused naming the row and the field, and the file stays waiting for a better one.
  await panel.getByLabel("Output 2 field").selectOption("id");
  await panel.getByLabel("Output 1 field").selectOption("rater1");
  await panel.getByRole("button", { name: "Open with this mapping" }).click();
  await expect(panel.getByTestId("mapping-error")).toContainText('field "rater1"');
  await expect(panel.getByTestId("mapping-error")).toContainText("pairwise-votes.jsonl, line 1");
  await panel.getByLabel("Output 1 field").selectOption("answer_x");
  await panel.getByLabel("Output 2 field").selectOption("answer_y");
  await panel.getByLabel("Explicit margin source").selectOption("picked");
  const mappingJson = await panel.getByLabel("Mapping JSON").inputValue();
  expect(JSON.parse(mappingJson)).toMatchObject({
    promptFields: ["task", "context"],
    promptSeparator: "\n---\n",
    orientation: { kind: "votes", fields: ["rater1", "rater2", "rater3"] },
  });
  await panel.getByRole("button", { name: "Open with this mapping" }).click();

  await expect(panel).toBeHidden();
  const counts = page.getByTestId("plan-counts");
  await expect(counts).toContainText(
    `${n} records → ${pairs} pairs; excluded ${ties + noMajority}: tie ${ties}, no majority ${noMajority}`,
  );
  const tieRows = outcomes.flatMap((o, i) => (o === "tie" ? [i] : []));
  await counts.getByText(`tie: ${ties} records`).click();
  await expect(page.getByLabel("Excluded records: tie")).toHaveText(`rows ${tieRows.join(", ")}`);

  // Rank by the explicit margin (net votes for the chosen response) and compare the export with the CLI.
  await page.getByLabel("Metric", { exact: true }).selectOption("explicit");
  await expect(page.getByText(new RegExp(`^Selected \\d+ of ${pairs}$`))).toBeVisible();
  const mappingFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-map-")), "mapping.json");
  fs.writeFileSync(mappingFile, mappingJson);
  const want = cliExport(file, ["--mapping", mappingFile, "--metric", "explicit"]);
  const { bytes } = await exportSelection(page, "JSONL");
  expect(bytes.toString("utf8")).toBe(want.toString("utf8"));
  // Every exported record is one the votes decided (no tie, no missing majority).
  const ids = new Set(
    bytes
      .toString("utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => Number((JSON.parse(l) as { id: string }).id.slice(1))),
  );
  expect(ids.size).toBe(Math.floor(0.4 * pairs));
  for (const i of ids) expect(["a", "b"]).toContain(outcomes[i]);
});

test("a Chatbot Arena file is detected: ties are excluded and counted exactly, the winners oriented", async ({
  page,
}) => {
  // Faithful sample of lmsys/chatbot_arena_conversations (see lib/dataset/schemas-published.test.ts for its origin).
  const file = path.join(ROOT, "test/fixtures/schemas/chatbot-arena.jsonl");
  const rows = fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { winner: string });
  const ties = rows.filter((r) => r.winner === "tie" || r.winner === "tie (bothbad)").length;
  expect(ties).toBeGreaterThan(0);
  await openApp(page);
  await upload(page, file);
  await expect(page.getByTestId("plan-counts")).toContainText(
    `${rows.length} records → ${rows.length - ties} pairs; excluded ${ties}: tie ${ties}`,
  );
  await expect(page.getByLabel("Detected schema")).toContainText("winner");
});

test("UltraFeedback raw: the binarization rule is picked in Columns and the counts equal the CLI's with that mapping", async ({
  page,
}) => {
  // Faithful sample of openbmb/UltraFeedback (origin named in lib/dataset/schemas-published.test.ts).
  const file = path.join(ROOT, "test/fixtures/schemas/ultrafeedback-raw.jsonl");
  await openApp(page);
  await upload(page, file);
  const counts = page.getByTestId("plan-counts");
  await expect(counts).toBeVisible();
  const columns = page.locator("details.mapping");
  await expect(columns.getByLabel("Pairs from responses")).toHaveValue("best-random-lower");
  await expect(columns.getByLabel("Rejected drawn from")).toHaveValue("others");
  await columns.getByLabel("Rejected drawn from").selectOption("lower");
  const mappingJson = await columns.getByLabel("Mapping JSON").inputValue();
  expect(JSON.parse(mappingJson)).toMatchObject({ binarize: { rule: "best-random-lower", seed: 42 } });
  expect(JSON.parse(mappingJson).binarize.among).toBeUndefined();
  await columns.getByRole("button", { name: "Apply mapping" }).click();
  await expect(page.getByLabel("Detected schema")).toContainText("edited by the user");

  const mappingFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-map-")), "mapping.json");
  fs.writeFileSync(mappingFile, mappingJson);
  const cli = spawnSync("npx", ["tsx", "bin/margin-atlas.ts", "select", file, "--mapping", mappingFile], {
    cwd: ROOT,
    encoding: "utf8",
  });
  const line = /records → .*$/m.exec(cli.stderr)?.[0];
  expect(line, cli.stderr).toBeTruthy();
  await expect(page.getByTestId("plan-counts")).toContainText(line!);
});
