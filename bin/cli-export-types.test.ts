/**
 * The CLI's `select --format` keeps values' types across formats (a CSV number is a JSON number, a boolean stays
 * a boolean, a nested CSV cell becomes JSON), and its usage errors say what the flag allows.
 */
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

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-cli-types-"));
const csv = path.join(dir, "pairs.csv");
fs.writeFileSync(
  csv,
  "prompt,chosen,rejected,rm_margin,logp_margin_norm,votes,safe,tags,id\n" +
    'q0,a0,b0,1.50,-0.1,3,true,"[""x""]",9007199254740993\n' +
    "q1,a1,b1,0.25,,0,false,[],2\n" +
    "q2,a2,b2,-2,0.3,7,,,3\n",
);

describe("cli select --format on a CSV keeps values' types", () => {
  it("--format jsonl writes numbers, booleans, lists and nulls, a number's spelling and a long integer exact", () => {
    const out = path.join(dir, "out.jsonl");
    const r = cli(["select", csv, "--metric", "random", "--ratio", "1", "--format", "jsonl", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(out, "utf8")).toBe(
      '{"prompt":"q0","chosen":"a0","rejected":"b0","rm_margin":1.50,"logp_margin_norm":-0.1,"votes":3,"safe":true,"tags":["x"],"id":9007199254740993}\n' +
        '{"prompt":"q1","chosen":"a1","rejected":"b1","rm_margin":0.25,"logp_margin_norm":null,"votes":0,"safe":false,"tags":[],"id":2}\n' +
        '{"prompt":"q2","chosen":"a2","rejected":"b2","rm_margin":-2,"logp_margin_norm":0.3,"votes":7,"safe":null,"tags":null,"id":3}\n',
    );
  });

  it("the JSON Lines export loads again with the same selection", () => {
    const out = path.join(dir, "again.jsonl");
    expect(cli(["select", csv, "--metric", "random", "--ratio", "1", "--format", "jsonl", "--out", out]).code).toBe(0);
    const a = path.join(dir, "a.txt");
    const b = path.join(dir, "b.txt");
    expect(cli(["select", csv, "--metric", "explicit", "--ratio", "0.5", "--indices", a]).code).toBe(0);
    expect(cli(["select", out, "--metric", "explicit", "--ratio", "0.5", "--indices", b]).code).toBe(0);
    expect(fs.readFileSync(b, "utf8")).toBe(fs.readFileSync(a, "utf8"));
  });
});

describe("cli usage errors say what the flag allows", () => {
  it.each([
    [["--ratio", "1.5"], /--ratio: must be in \(0, 1\], got 1\.5/],
    [["--ratio", "abc"], /--ratio: expected a number, got "abc"/],
    [["--top-k=-1"], /--top-k: must be an integer >= 0, got -1/],
    [["--top-k", "2.5"], /--top-k: must be an integer >= 0, got 2\.5/],
    [["--seed", "0.5"], /--seed: must be an integer, got 0\.5/],
    [["--weight", "w"], /--weight: expected a number, got "w"/],
    [["--explicit-floor", ""], /--explicit-floor: expected a number, got ""/],
    [["--bees-nan", "maybe"], /--bees-nan: expected one of released, lowest, got "maybe"/],
    [["--format", "xlsx"], /--format: expected one of jsonl, json, csv, tsv, parquet, trl, got "xlsx"/],
  ])("%j", (flags, message) => {
    const r = cli(["select", csv, ...(flags as string[])]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
