import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "bin/margin-atlas.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return { code: r.status, stderr: r.stderr };
}

/** 30 TRL rows with an explicit margin; the first 12 and the rest as two shards plus the whole, in a folder. */
function fixture() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-cli-shards-"));
  const lines = Array.from({ length: 30 }, (_, i) =>
    JSON.stringify({ prompt: `q${i}`, chosen: `a${i}`, rejected: `b${i}`, rm_margin: ((i * 7) % 11) - 5 }),
  );
  const shards = path.join(dir, "shards");
  fs.mkdirSync(path.join(shards, "data"), { recursive: true });
  fs.writeFileSync(path.join(shards, "README.md"), "# not a shard\n");
  fs.writeFileSync(path.join(shards, "data/train-00010.jsonl"), lines.slice(12).join("\n") + "\n");
  fs.writeFileSync(path.join(shards, "data/train-00002.jsonl"), lines.slice(0, 12).join("\n") + "\n");
  fs.writeFileSync(path.join(dir, "whole.jsonl"), lines.join("\n") + "\n");
  return { dir, shards, lines };
}

describe("cli select over several files", () => {
  it("reads several files, or a folder, as the one file they make (shard order, global row ids)", () => {
    const { dir, shards, lines } = fixture();
    const run = (inputs: string[], tag: string) => {
      const idx = path.join(dir, `${tag}.idx`);
      const out = path.join(dir, `${tag}.jsonl`);
      const r = cli(["select", ...inputs, "--metric", "explicit", "--ratio", "0.5", "--indices", idx, "--out", out]);
      expect(r.code, r.stderr).toBe(0);
      return { idx: fs.readFileSync(idx, "utf8"), out: fs.readFileSync(out, "utf8"), stderr: r.stderr };
    };
    const whole = run([path.join(dir, "whole.jsonl")], "whole");
    // Given in reverse: train-00002 still comes first.
    const files = run(
      [path.join(shards, "data/train-00010.jsonl"), path.join(shards, "data/train-00002.jsonl")],
      "files",
    );
    const folder = run([shards], "folder");
    for (const got of [files, folder]) {
      expect(got.idx).toBe(whole.idx);
      expect(got.out).toBe(whole.out);
    }
    expect(
      whole.out
        .split("\n")
        .filter(Boolean)
        .every((l) => lines.includes(l)),
    ).toBe(true);
    expect(folder.stderr).toMatch(/^train\.jsonl: 30 rows \(jsonl, schema trl\)/m);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("names the shard and its line when a record is bad, and refuses a folder without data files", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-cli-shards-"));
    fs.writeFileSync(path.join(dir, "p-1.jsonl"), '{"prompt": "q", "chosen": "a", "rejected": "b"}\n');
    fs.writeFileSync(path.join(dir, "p-2.jsonl"), '{"prompt": "q", "chosen": "a", "rejected": "b"}\n{"prompt": \n');
    const bad = cli(["select", path.join(dir, "p-1.jsonl"), path.join(dir, "p-2.jsonl")]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/p-2\.jsonl, line 2, column \d+/);
    fs.rmSync(path.join(dir, "p-1.jsonl"));
    fs.rmSync(path.join(dir, "p-2.jsonl"));
    fs.writeFileSync(path.join(dir, "notes.txt"), "hello\n");
    const empty = cli(["select", dir]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("the folder holds no data files");
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
