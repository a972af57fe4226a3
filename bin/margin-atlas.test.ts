import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
const REFERENCE = path.resolve(ROOT, "../shared/reference/paper-style");
const hasReference = fs.existsSync(path.join(REFERENCE, "expected_selections.json"));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "bin/margin-atlas.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmp(name: string, content?: string): string {
  const p = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-cli-")), name);
  if (content !== undefined) fs.writeFileSync(p, content);
  return p;
}

describe.skipIf(!hasReference)(
  `cli select on the paper-style reference${hasReference ? "" : " (skipped: ../shared/reference not found)"}`,
  () => {
    const expected: Record<string, number[]> = hasReference
      ? JSON.parse(fs.readFileSync(path.join(REFERENCE, "expected_selections.json"), "utf8"))
      : {};
    const file = path.join(REFERENCE, "processed.jsonl");

    it.each(Object.keys(expected))("%s: --indices equals the reference and --out has those lines verbatim", (key) => {
      const m = /^(\w+)(?:-w([\d.]+))?-r([\d.]+)$/.exec(key)!;
      const [, metric, weight, ratio] = m;
      const idx = tmp("idx.txt");
      const out = tmp("out.jsonl");
      const args = ["select", file, "--metric", metric, "--ratio", ratio, "--indices", idx, "--out", out];
      if (weight) args.push("--weight", weight);
      const r = cli(args);
      expect(r.stderr).toMatch(/selected \d+ by/);
      expect(r.code).toBe(0);
      const got = fs.readFileSync(idx, "utf8").split("\n").filter(Boolean).map(Number);
      expect(got).toEqual(expected[key]);
      const lines = fs.readFileSync(file, "utf8").split("\n").filter(Boolean);
      expect(fs.readFileSync(out, "utf8")).toBe(expected[key].map((i) => lines[i] + "\n").join(""));
    });
  },
);

describe("cli errors", () => {
  it.each([
    [["select"], 2, /exactly one FILE/],
    [["select", "x.jsonl", "--metric", "best"], 2, /--metric: expected one of map, explicit, implicit, random/],
    [["select", "x.jsonl", "--ratio", "2"], 2, /--ratio: expected a number/],
    [["select", "x.jsonl", "--bogus"], 2, /bogus/],
    [["frobnicate"], 2, /unknown command "frobnicate"/],
    [["select", "/nonexistent/x.jsonl"], 1, /no such file/],
  ])("%j exits %i", (args, code, message) => {
    const r = cli(args as string[]);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
  });

  it("a bad file names the file, line and field", () => {
    const file = tmp(
      "bad.jsonl",
      '{"prompt":"a","chosen":"b","rejected":"c","rm_margin":1}\n{"prompt":"a","chosen":"b","rejected":"c","rm_margin":"x"}\n',
    );
    const r = cli(["select", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.jsonl, line 2.*field "rm_margin"/);
  });

  it("writes the recipe with the input's SHA-256", () => {
    const file = tmp(
      "ok.jsonl",
      [1, 2, 3, 4, 5].map((i) => JSON.stringify({ prompt: "p", chosen: "c", rejected: "r", rm_margin: i })).join("\n"),
    );
    const recipe = tmp("recipe.json");
    const r = cli(["select", file, "--metric", "explicit", "--ratio", "0.4", "--recipe", recipe]);
    expect(r.code).toBe(0);
    const json = JSON.parse(fs.readFileSync(recipe, "utf8"));
    expect(json.selectedIndices).toEqual([3, 4]);
    expect(json.input.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(json).toMatchObject({ metric: "explicit", ratio: 0.4, rowCount: 5 });
  });
});
