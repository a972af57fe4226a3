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
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmp(name: string, content?: string): string {
  const p = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ma-rows-")), name);
  if (content !== undefined) fs.writeFileSync(p, content);
  return p;
}

const conv = (q: string, a: string) => [
  { role: "user", content: q },
  { role: "assistant", content: a },
];

describe("cli select names what ingest noticed on stderr", () => {
  it("duplicate keys, identical or empty responses, and records = loaded + skipped", () => {
    const rows = [
      { winner: "model_a", a: "x", b: "y" },
      { winner: "tie", a: "x", b: "y" },
      { winner: "model_b", a: "same", b: "same" },
      { winner: "model_a", a: "", b: "y" },
      { winner: "model_b", a: "u", b: "v" },
    ].map((r, i) =>
      JSON.stringify({ id: i, winner: r.winner, conversation_a: conv("q", r.a), conversation_b: conv("q", r.b) }),
    );
    rows[4] = rows[4].replace('{"id":4,', '{"id":4,"id":44,');
    const file = tmp("arena.jsonl", rows.join("\n") + "\n");
    const r = cli(["select", file, "--indices", tmp("idx.txt")]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `arena.jsonl: 1 row has a duplicate key "id": the last value is used, as JSON.parse and Python's json do (first: line 5)\n`,
    );
    // Rows are pairs: the tie (record 1) is skipped, so record 2 is row 1 and record 3 is row 2.
    expect(r.stderr).toContain(
      "arena.jsonl: 2 pairs have identical or empty responses: identical chosen and rejected 1 (row 1), empty response 1 (row 2)\n",
    );
    expect(r.stderr).toContain("arena.jsonl: 5 records in the file: 4 loaded, 1 skipped: tie 1\n");
  });

  it("refuses an integer beyond 2^53 in a margin field, naming file, line, field and the literal", () => {
    const rows = [0, 1].map(
      (i) => `{"prompt":"p","chosen":"c${i}","rejected":"r","rm_margin":${i ? "12345678901234567890" : "1"}}`,
    );
    const r = cli(["select", tmp("big.jsonl", rows.join("\n") + "\n")]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/big\.jsonl, line 2.*field "rm_margin".*12345678901234567890/);
  });
});
