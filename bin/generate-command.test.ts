import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildDemoModels } from "@/scripts/demo-models/demo-models";
import { defaultGeneratedPath, generateCommand } from "./generate-command";

const ROOT = path.resolve(import.meta.dirname, "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-generate-"));
for (const [folder, files] of Object.entries(buildDemoModels())) {
  for (const [rel, v] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, folder, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, folder, rel), v);
  }
}
const LM = path.join(dir, "demo-lm");
const RM = path.join(dir, "demo-rm");
const PROMPTS = [
  { prompt: "What is the capital of France?" },
  { prompt: [{ role: "user", content: "Hi" }] },
  { prompt: [{ from: "human", value: "How do I make tea?" }] },
  { prompt: "Count to three" },
  { prompt: "Why is the sky blue?" },
];
const input = path.join(dir, "prompts.jsonl");
fs.writeFileSync(input, PROMPTS.map((r) => JSON.stringify(r)).join("\n") + "\n");
const FAST = ["--k", "3", "--max-new-tokens", "24", "--seed", "7"];

function tmp(name: string): string {
  return path.join(dir, `${Math.random().toString(36).slice(2)}-${name}`);
}

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "bin/margin-atlas.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function rows(file: string): Record<string, unknown>[] {
  return fs
    .readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("cli generate", () => {
  it("writes one multi-response row per prompt; the same seed twice gives the same file; select reads it", () => {
    const a = tmp("a.jsonl");
    const b = tmp("b.jsonl");
    const first = cli(["generate", input, "--model", LM, "--reward-model", RM, ...FAST, "--out", a]);
    expect(first.stderr).toMatch(/15 responses for 5 prompts/);
    expect(first.stderr).toMatch(/do not re-tokenise/);
    expect(first.code).toBe(0);
    expect(cli(["generate", input, "--model", LM, "--reward-model", RM, ...FAST, "--out", b]).code).toBe(0);
    expect(fs.readFileSync(b, "utf8")).toBe(fs.readFileSync(a, "utf8"));
    const out = rows(a);
    expect(out).toHaveLength(5);
    expect(out[1].prompt).toEqual([{ role: "user", content: "Hi" }]);
    expect(out[2].prompt).toEqual([{ role: "user", content: "How do I make tea?" }]);
    for (const row of out) {
      expect(row.all_generated_responses).toHaveLength(3);
      expect((row.all_rm_scores as number[]).every(Number.isFinite)).toBe(true);
      expect((row.all_generated_logps as number[]).every((v) => v < 0)).toBe(true);
      expect((row.all_generated_tokens as number[]).every((n) => n >= 1 && n <= 24)).toBe(true);
      expect(row.generation_settings).toMatchObject({ k: 3, temperature: 0.8, top_p: 1, top_k: 0, seed: 7 });
    }
    // Another seed, other text.
    const c = tmp("c.jsonl");
    expect(cli(["generate", input, "--model", LM, ...FAST, "--seed", "8", "--out", c]).code).toBe(0);
    expect(rows(c).map((r) => r.all_generated_responses)).not.toEqual(out.map((r) => r.all_generated_responses));

    const idx = tmp("idx.txt");
    const sel = cli(["select", a, "--metric", "explicit", "--ratio", "1", "--indices", idx]);
    expect(sel.stderr).toMatch(/5 rows \(jsonl, schema multi\)/);
    expect(sel.code).toBe(0);
    expect(fs.readFileSync(idx, "utf8")).toBe("0\n1\n2\n3\n4\n");
  });

  it("--resume after a run cut short writes exactly the uninterrupted file", async () => {
    const full = tmp("full.jsonl");
    await generateCommand([input, "--model", LM, ...FAST, "--out", full]);
    const cut = tmp("cut.jsonl");
    const text = fs.readFileSync(full, "utf8");
    const lines = text.split("\n");
    // Two complete rows and half of the third, as a killed run leaves it.
    fs.writeFileSync(cut, `${lines[0]}\n${lines[1]}\n${lines[2].slice(0, 40)}`);
    const logs: string[] = [];
    const { stats } = await generateCommand([input, "--model", LM, ...FAST, "--out", cut, "--resume"], (l) =>
      logs.push(l),
    );
    expect(logs[0]).toMatch(/resuming after 2 rows \(a partial last line was dropped\)/);
    expect(stats).toMatchObject({ skipped: 2, done: 5 });
    expect(fs.readFileSync(cut, "utf8")).toBe(text);
    // Other settings do not resume onto these rows.
    await expect(
      generateCommand([input, "--model", LM, ...FAST, "--temperature", "0.5", "--out", cut, "--resume"]),
    ).rejects.toThrow(/other settings/);
  });

  it("reads prompts from CSV (a message list as JSON text) and greedy samples are copies", async () => {
    const csv = tmp("prompts.csv");
    fs.writeFileSync(csv, 'id,prompt\n1,Hello there\n2,"[{""role"": ""user"", ""content"": ""Tea?""}]"\n');
    const out = tmp("csv.jsonl");
    await generateCommand([
      csv,
      "--model",
      LM,
      "--k",
      "2",
      "--temperature",
      "0",
      "--max-new-tokens",
      "8",
      "--out",
      out,
    ]);
    const got = rows(out);
    expect(got.map((r) => r.prompt)).toEqual(["Hello there", [{ role: "user", content: "Tea?" }]]);
    for (const r of got) {
      const [x, y] = r.all_generated_responses as string[];
      expect(x).toBe(y);
    }
    expect(got[0]).not.toHaveProperty("all_rm_scores");
  });

  it.each([
    [["generate", input], 2, /needs --model DIR/],
    [["generate", input, "--model", LM, "--top-p", "1.5"], 2, /top-p must be in \(0, 1\]/],
    [["generate", input, "--model", LM, "--k", "two"], 2, /--k: expected an integer, got "two"/],
    [["generate", input, "--model", LM, "--temperature=-1"], 2, /temperature must be >= 0/],
    [["generate", input, "--model", path.join(dir, "nope")], 1, /no such model folder/],
    [["generate", input, "--model", RM], 1, /reward model .* generation needs a causal language model/],
  ] as const)("%j fails with exit %i", (args, code, message) => {
    const r = cli([...args]);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(code);
  });

  it("names the row and field of a bad prompt before generating anything", async () => {
    const bad = tmp("bad.jsonl");
    fs.writeFileSync(bad, `{"prompt": "ok"}\n{"prompt": 3}\n`);
    const out = tmp("never.jsonl");
    await expect(generateCommand([bad, "--model", LM, "--out", out])).rejects.toThrow(
      /bad\.jsonl, line 2, field "prompt": expected a string or a list of messages/,
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  it("derives the default output path", () => {
    expect(defaultGeneratedPath("/x/prompts.jsonl")).toBe("/x/prompts.generated.jsonl");
    expect(defaultGeneratedPath("p.csv.gz")).toBe("p.generated.jsonl");
  });
});
