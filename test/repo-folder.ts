/** A temporary folder of files, for tests that serve a repository from disk (the fake Hub of e2e/hub-server.ts). */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** A folder made for a test: its path, its files' bytes and sizes, and a way to remove it. */
export interface RepoFolder {
  dir: string;
  bytes(rel: string): Uint8Array;
  size(rel: string): number;
  remove(): void;
}

/** Writes `files` (relative path → text or bytes) into a new temporary folder. */
export function makeRepoFolder(files: Record<string, string | ArrayBuffer | Uint8Array>): RepoFolder {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ma-repo-"));
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, typeof content === "string" ? content : new Uint8Array(content));
  }
  return {
    dir,
    bytes: (rel) => new Uint8Array(fs.readFileSync(path.join(dir, rel))),
    size: (rel) => fs.statSync(path.join(dir, rel)).size,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
