import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildDemoModels } from "@/scripts/demo-models/demo-models";
import { mergeCommand } from "./merge-command";
import { cudaProviderProblem, scoreCommand, shardManifestPath } from "./score-command";

const ROOT = path.resolve(import.meta.dirname, "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-shards-"));
for (const [folder, files] of Object.entries(buildDemoModels())) {
  for (const [rel, v] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, folder, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, folder, rel), v);
  }
}
const BASE = [
  { prompt: "What is the capital of France?", chosen: "The capital of France is Paris.", rejected: "Rome." },
  { prompt: "Hi", chosen: "Hello! How can I help you today?", rejected: "Hello" },
  { prompt: "Tea?", chosen: "Boil water, add tea.", rejected: "No idea, sorry about that." },
  { prompt: "Count to three", chosen: "1, 2, 3.", rejected: "3, 2, 1, 0, -1, and so on." },
  { prompt: "Name a colour", chosen: "Blue, like the sky on a clear day.", rejected: "Loud." },
  { prompt: "2+2?", chosen: "4", rejected: "22, if you put the digits next to each other." },
  { prompt: "Say bye", chosen: "Goodbye, and take care!", rejected: "no" },
];
// 150 rows: three 64-row blocks (the last one short), so 2, 3 and 5 shards cut between, inside and past them.
const ROWS = Array.from({ length: 150 }, (_, i) => {
  const r = BASE[i % BASE.length];
  return { prompt: `${r.prompt} (${i})`, chosen: r.chosen.repeat(1 + (i % 3)), rejected: r.rejected };
});
const inputs = {
  jsonl: ROWS.map((r) => JSON.stringify(r)).join("\n") + "\n",
  csv:
    "prompt,chosen,rejected\n" +
    ROWS.map((r) => [r.prompt, r.chosen, r.rejected].map((c) => `"${c}"`).join(",")).join("\n") +
    "\n",
  json: JSON.stringify(ROWS, null, 2) + "\n",
};
const models = (extra: string[] = []) => [
  "--model",
  path.join(dir, "demo-lm"),
  "--ref-model",
  path.join(dir, "demo-lm"),
  "--reward-model",
  path.join(dir, "demo-rm"),
  "--batch-size",
  "2",
  ...extra,
];

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "bin/margin-atlas.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return { code: r.status, stderr: r.stderr };
}

/** Scores `input` in `count` shards into `prefix-I.ext`; returns the shard paths. */
async function scoreShards(input: string, count: number, prefix: string, extra: string[] = []) {
  const ext = path.extname(input);
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const out = `${prefix}-${i}${ext}`;
    await scoreCommand([input, ...models(extra), "--shard", `${i}/${count}`, "--out", out]);
    files.push(out);
  }
  return files;
}

describe("score --shard and merge", () => {
  it.each([
    ["jsonl", 3],
    ["jsonl", 5],
    ["csv", 2],
    ["json", 2],
    ["json", 4],
  ] as const)("%s in %i shards merges to a single run's bytes", async (format, count) => {
    const input = path.join(dir, `pairs-${format}-${count}.${format}`);
    fs.writeFileSync(input, inputs[format]);
    const single = path.join(dir, `single-${format}-${count}.${format}`);
    await scoreCommand([input, ...models(), "--out", single]);
    const shards = await scoreShards(input, count, path.join(dir, `s-${format}-${count}`));
    const manifests = shards.map((f) => JSON.parse(fs.readFileSync(shardManifestPath(f), "utf8")));
    expect(manifests.map((m) => [m.rows.start, m.rows.end])).toEqual(
      Array.from({ length: count }, (_, i) => [i, i + 1].map((k) => Math.min(150, Math.floor((k * 3) / count) * 64))),
    );
    const merged = path.join(dir, `merged-${format}-${count}.${format}`);
    // Shards given out of order still merge in row order.
    await mergeCommand([merged, ...shards.reverse()]);
    expect(fs.readFileSync(merged).equals(fs.readFileSync(single))).toBe(true);
  });

  it("refuses missing, duplicated, changed, overlapping and mismatched shards with a specific message", async () => {
    const input = path.join(dir, "refuse.jsonl");
    fs.writeFileSync(input, inputs.jsonl);
    const [a, b, c] = await scoreShards(input, 3, path.join(dir, "r"));
    const out = path.join(dir, "refused.jsonl");
    const refusal = async (files: string[]) => (await mergeCommand([out, ...files]).catch((e: Error) => e)) as Error;

    expect((await refusal([a, c])).message).toBe("merge: shard 1/3 missing (given 0, 2 of 3)");
    const copy = path.join(dir, "r-copy.jsonl");
    fs.copyFileSync(b, copy);
    fs.copyFileSync(shardManifestPath(b), shardManifestPath(copy));
    expect((await refusal([a, b, copy, c])).message).toBe(
      `merge: ${b} and ${copy} are both shard 1/3: duplicated shard`,
    );

    const [, b2] = await scoreShards(input, 3, path.join(dir, "beta"), ["--beta", "0.2"]);
    expect((await refusal([a, b2, c])).message).toBe(
      `merge: ${b2} and ${a} were scored with different settings: beta 0.2 vs 0.1`,
    );

    const other = path.join(dir, "other.jsonl");
    fs.writeFileSync(other, inputs.jsonl.replace("Paris", "Lyon"));
    const [, b3] = await scoreShards(other, 3, path.join(dir, "other"));
    expect((await refusal([a, b3, c])).message).toMatch(
      new RegExp(
        `^merge: ${b3} was scored from other.jsonl .* but ${a} from refuse.jsonl .*: shards of different inputs$`,
      ),
    );

    const overlap = JSON.parse(fs.readFileSync(shardManifestPath(copy), "utf8"));
    overlap.rows.start -= 1;
    fs.writeFileSync(shardManifestPath(copy), JSON.stringify(overlap));
    expect((await refusal([a, copy, c])).message).toBe(
      `merge: overlapping rows: ${a} holds rows 0–63 and ${copy} rows 63–127`,
    );

    fs.appendFileSync(c, "{}\n");
    expect((await refusal([a, b, c])).message).toMatch(
      new RegExp(
        `^merge: ${c}: \\d+ bytes with SHA-256 .*, but its manifest says \\d+ bytes .*: the file changed after scoring$`,
      ),
    );
    fs.rmSync(shardManifestPath(c));
    const r = cli(["merge", out, a, b, c]);
    expect(r.stderr).toBe(
      `margin-atlas: ${c}: no ${path.basename(shardManifestPath(c))} beside it (write shards with score --shard I/N)\n`,
    );
    expect(r.code).toBe(1);
    expect(fs.existsSync(out)).toBe(false);
  });

  it.each([
    ["3/3", 'margin-atlas: --shard: I must be 0…2 (0-based) for N = 3, got "3/3"'],
    ["a/3", 'margin-atlas: --shard: expected I/N (shard I of N, 0-based, e.g. 0/4), got "a/3"'],
  ])("score --shard %s is a usage error", (spec, message) => {
    const r = cli(["score", path.join(dir, "refuse.jsonl"), "--model", path.join(dir, "demo-lm"), "--shard", spec]);
    expect(r.stderr.trim()).toBe(message);
    expect(r.code).toBe(2);
  });
});

describe("score --device cuda", () => {
  it("says why onnxruntime-node here has no CUDA execution provider (this machine has no GPU)", () => {
    const input = path.join(dir, "cuda.jsonl");
    fs.writeFileSync(input, inputs.jsonl);
    const r = cli(["score", input, "--model", path.join(dir, "demo-lm"), "--device", "cuda"]);
    expect(r.stderr).toMatch(
      /^margin-atlas: onnxruntime-node on this machine has no CUDA execution provider \(libonnxruntime_providers_cuda\.so is not in .*onnxruntime-node[/\\]bin[/\\]napi-v\d+[/\\]linux[/\\]x64; install it on a machine with CUDA 12 with ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci, or run without --device cuda\)\n$/,
    );
    expect(r.code).toBe(1);
    expect(fs.existsSync(path.join(dir, "cuda.scored.jsonl"))).toBe(false);
  });

  it.each([
    [
      { backends: [{ name: "cpu", bundled: true }], bindingDir: "/b", platform: "darwin/arm64", exists: () => true },
      /this build for darwin\/arm64 offers cpu; onnxruntime-node has CUDA for linux\/x64 and win32\/x64 only/,
    ],
    [
      { backends: [{ name: "cuda", bundled: false }], bindingDir: "/b", platform: "linux/x64", exists: () => true },
      null,
    ],
    [
      { backends: [{ name: "cuda", bundled: true }], bindingDir: null, platform: "linux/x64", exists: () => false },
      null,
    ],
  ])("cudaProviderProblem %#", (install, expected) => {
    const problem = cudaProviderProblem(install);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatch(expected);
  });

  it("score --device tpu is a usage error", () => {
    const r = cli(["score", path.join(dir, "cuda.jsonl"), "--model", path.join(dir, "demo-lm"), "--device", "tpu"]);
    expect(r.stderr.trim()).toBe('margin-atlas: --device: expected cpu or cuda, got "tpu"');
    expect(r.code).toBe(2);
  });
});
