/**
 * The bad-input corpus (`test/bad-input-corpus.ts`) through the CLI's `select`: a refused file exits 1 with one
 * stderr line naming the file and where; a file that loads exits 0 with its exact row count and its notes on stderr.
 * The same table drives `e2e/bad-input-corpus.spec.ts` in the app.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BAD_INPUT_CORPUS, writeCorpus } from "@/test/bad-input-corpus";

const ROOT = path.resolve(import.meta.dirname, "..");
const paths = writeCorpus();

function select(file: string) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "bin/margin-atlas.ts", "select", file], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return { code: r.status, stderr: r.stderr };
}

describe("bad-input corpus through the CLI", () => {
  it.each(BAD_INPUT_CORPUS)(
    "$file ($what)",
    ({ file, expect: expected }) => {
      const { code, stderr } = select(paths.get(file)!);
      const lines = stderr.split("\n").filter(Boolean);
      if (expected.kind === "error") {
        expect(code).toBe(1);
        expect(lines).toHaveLength(1);
        const message = lines[0].replace(/^margin-atlas: /, "");
        for (const re of expected.message) expect(message).toMatch(re);
      } else {
        expect(code, stderr).toBe(0);
        expect(lines.at(-1)).toMatch(new RegExp(`^${file.replace(/\./g, "\\.")}: ${expected.rows} rows \\(`));
        const notes = lines.slice(0, -1).map((l) => l.slice(file.length + 2));
        expect(notes).toHaveLength(expected.notes?.length ?? 0);
        for (const re of expected.notes ?? [])
          expect(
            notes.some((n) => re.test(n)),
            `${re} in ${stderr}`,
          ).toBe(true);
      }
    },
    60_000,
  );
});
