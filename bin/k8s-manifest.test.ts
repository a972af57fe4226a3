import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildDemoModels } from "@/scripts/demo-models/demo-models";
import { scoreCommand } from "./score-command";

const ROOT = path.resolve(import.meta.dirname, "..");
const MANIFEST = path.join(ROOT, "deploy", "score-indexed-job.yaml");

/**
 * The few fields of deploy/score-indexed-job.yaml this test needs, read without a YAML library: the Job's kind,
 * completions and completion mode, the container's workingDir, its command (a block sequence of double-quoted
 * strings, which are JSON) and its volume mount paths.
 */
function readManifest(text: string) {
  const lines = text.split("\n");
  const scalar = (key: string) => {
    const found = lines.map((l) => new RegExp(`^\\s*${key}:\\s*(\\S.*)$`).exec(l)).filter((m) => m !== null);
    if (found.length !== 1) throw new Error(`${MANIFEST}: expected one "${key}:", found ${found.length}`);
    return found[0][1].trim();
  };
  const at = lines.findIndex((l) => /^\s*command:\s*$/.test(l));
  if (at < 0) throw new Error(`${MANIFEST}: no "command:" block sequence`);
  const indent = lines[at].search(/\S/);
  const command: string[] = [];
  for (let i = at + 1; i < lines.length; i++) {
    const m = /^(\s*)- (.*)$/.exec(lines[i]);
    if (!m || m[1].length <= indent) break;
    command.push(JSON.parse(m[2]) as string);
  }
  const mountPaths = lines.map((l) => /^\s*mountPath:\s*(\S+)\s*$/.exec(l)?.[1]).filter((p) => p !== undefined);
  return {
    kind: scalar("kind"),
    completions: Number(scalar("completions")),
    completionMode: scalar("completionMode"),
    workingDir: scalar("workingDir"),
    command,
    mountPaths,
  };
}

/** Kubernetes' `$(VAR)` expansion of a container command from its environment (`$$` is a literal `$`). */
function expandK8s(arg: string, env: Record<string, string | undefined>): string {
  return arg.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, name?: string) =>
    name === undefined ? "$" : (env[name] ?? all),
  );
}

/** Runs one pod's command to completion; resolves with its exit code and stderr. */
function runPod(argv: string[], env: NodeJS.ProcessEnv, cwd: string) {
  return new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

describe("deploy/score-indexed-job.yaml", () => {
  const manifest = readManifest(fs.readFileSync(MANIFEST, "utf8"));

  it("is an Indexed Job whose command takes its shard from JOB_COMPLETION_INDEX, N = completions", () => {
    expect(manifest).toMatchObject({ kind: "Job", completionMode: "Indexed", workingDir: "/app" });
    expect(manifest.completions).toBeGreaterThan(1);
    expect(manifest.command[manifest.command.indexOf("--shard") + 1]).toBe(
      `$(JOB_COMPLETION_INDEX)/${manifest.completions}`,
    );
    expect(manifest.mountPaths).toEqual(["/data", "/models"]);
  });

  it("run for every index locally, its shards merge to the bytes of one score run", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ma-k8s-"));
    const mounts = Object.fromEntries(manifest.mountPaths.map((m) => [m, path.join(tmp, m.slice(1))]));
    for (const [rel, v] of Object.entries(buildDemoModels()["demo-lm"])) {
      const file = path.join(mounts["/models"], "policy", rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, v);
    }
    // 200 rows: four 64-row blocks, one per shard (the last one short).
    const rows = Array.from({ length: 200 }, (_, i) => ({
      prompt: `Question ${i}: what is ${i} + ${i % 7}?`,
      chosen: `${i + (i % 7)}.`.repeat(1 + (i % 3)),
      rejected: i % 2 ? "No idea." : `${i}`,
    }));
    fs.mkdirSync(mounts["/data"], { recursive: true });
    const input = path.join(mounts["/data"], "in.jsonl");
    fs.writeFileSync(input, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    // The container's paths on this machine: each mount's folder under tmp; its workingDir, /app, is the repo.
    const local = (arg: string) => {
      const mount = manifest.mountPaths.find((m) => arg === m || arg.startsWith(`${m}/`));
      return mount ? mounts[mount] + arg.slice(mount.length) : arg;
    };

    const pods = await Promise.all(
      Array.from({ length: manifest.completions }, (_, index) => {
        const env = { ...process.env, JOB_COMPLETION_INDEX: String(index) };
        return runPod(
          manifest.command.map((arg) => local(expandK8s(arg, env))),
          env,
          ROOT,
        );
      }),
    );
    pods.forEach((p) => expect(p.stderr).not.toContain("margin-atlas:"));
    expect(pods.map((p) => p.code)).toEqual(Array(manifest.completions).fill(0));

    const single = path.join(tmp, "single.jsonl");
    await scoreCommand([input, "--model", path.join(mounts["/models"], "policy"), "--out", single]);
    const shards = Array.from({ length: manifest.completions }, (_, i) =>
      path.join(mounts["/data"], "out", `shard-${i}.jsonl`),
    );
    const merged = path.join(mounts["/data"], "out", "scored.jsonl");
    const r = spawnSync(process.execPath, ["--import", "tsx", "bin/margin-atlas.ts", "merge", merged, ...shards], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(r.stderr).toBe(`merged ${manifest.completions} shards of in.jsonl (200 rows, jsonl) into ${merged}\n`);
    expect(r.status).toBe(0);
    expect(fs.readFileSync(merged).equals(fs.readFileSync(single))).toBe(true);
  }, 120_000);
});
