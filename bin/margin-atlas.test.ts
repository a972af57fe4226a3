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

const RIVALS = path.resolve(ROOT, "../shared/reference/rivals");
const hasRivals = fs.existsSync(path.join(RIVALS, "expected.json")) && fs.existsSync(path.join(RIVALS, "input.jsonl"));

describe.skipIf(!hasRivals)(
  `cli select on the rival rules' reference${hasRivals ? "" : " (skipped: ../shared/reference/rivals not found)"}`,
  () => {
    const expected: Record<string, number[]> = hasRivals
      ? JSON.parse(fs.readFileSync(path.join(RIVALS, "expected.json"), "utf8"))
      : {};
    const file = path.join(RIVALS, "input.jsonl");

    it("has the five published keys", () => {
      expect(Object.keys(expected).sort()).toEqual([
        "bees-add-k200",
        "bees-k200",
        "bees-k600",
        "difficulty-r0.1",
        "difficulty-r0.3",
      ]);
    });

    it.each(Object.keys(expected))("%s: --indices equals the reference exactly", (key) => {
      const [, metric, kind, value] = /^(bees|bees-add|difficulty)-([kr])([\d.]+)$/.exec(key)!;
      const idx = tmp("idx.txt");
      const r = cli([
        "select",
        file,
        "--metric",
        metric,
        kind === "k" ? "--top-k" : "--ratio",
        value,
        "--indices",
        idx,
      ]);
      expect(r.stderr).toMatch(new RegExp(`selected ${expected[key].length} by ${metric}\n`));
      expect(r.code).toBe(0);
      const got = fs.readFileSync(idx, "utf8").split("\n").filter(Boolean).map(Number);
      expect(got).toEqual(expected[key]);
    });
  },
);

describe("cli select --selection", () => {
  const file = tmp(
    "five.jsonl",
    [1, 2, 3, 4, 5].map((i) => JSON.stringify({ prompt: "p", chosen: "c", rejected: "r", rm_margin: i })).join("\n"),
  );
  // By m_ex the top 40 % (k = 2) are rows 4 and 3; dropping row 4 lets row 2 in; row 0 is kept by hand.
  const spec = {
    ranking: { metric: "explicit", weight: 1, ratio: 0.4, seed: 42, beta: 0.1, beesNan: "released" },
    gates: [],
    decisions: { keep: [0], drop: [4] },
  };

  it.each([
    ["a spec", spec],
    ["a recipe holding the spec", { tool: "margin-atlas", version: 2, selection: spec }],
  ])("%s: the decisions apply and the ranking flags are replaced", (_name, content) => {
    const selection = tmp("selection.json", JSON.stringify(content));
    const idx = tmp("idx.txt");
    const recipe = tmp("recipe.json");
    const r = cli([
      "select",
      file,
      "--metric",
      "random",
      "--ratio",
      "1",
      "--selection",
      selection,
      "--indices",
      idx,
      "--write-recipe",
      recipe,
    ]);
    expect(r.stderr).toMatch(/selected 3 by explicit/);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(idx, "utf8")).toBe("0\n2\n3\n");
    const json = JSON.parse(fs.readFileSync(recipe, "utf8"));
    expect(json).toMatchObject({ selection: spec, keptByHand: [0], droppedByHand: [4], selectedIndices: [0, 2, 3] });
  });

  it("a gate in the spec restricts the candidates", () => {
    const gated = {
      ...spec,
      gates: [{ kind: "interval", source: "hist:explicit", field: "explicit", lo: null, hi: 3 }],
      decisions: { keep: [], drop: [] },
    };
    const idx = tmp("idx.txt");
    const r = cli(["select", file, "--selection", tmp("gated.json", JSON.stringify(gated)), "--indices", idx]);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(idx, "utf8")).toBe("1\n2\n");
  });

  it("a file that is not a selection exits 1 naming it", () => {
    const bad = tmp("bad-selection.json", JSON.stringify({ ranking: {} }));
    const r = cli(["select", file, "--selection", bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad-selection\.json: expected a selection \(ranking, gates, decisions\)/);
  });
});

describe("cli select with a rival metric on a file without log-prob columns", () => {
  const file = tmp(
    "no-logps.jsonl",
    [1, 2, 3].map((i) => JSON.stringify({ prompt: "p", chosen: "c", rejected: "r", rm_margin: i })).join("\n"),
  );
  it.each([
    ["bees", "--top-k", "1"],
    ["bees-add", "--top-k", "1"],
    ["difficulty", "--ratio", "0.5"],
  ])("--metric %s exits 1 naming the missing columns", (metric, flag, value) => {
    const idx = tmp("idx.txt");
    const r = cli(["select", file, "--metric", metric, flag, value, "--indices", idx]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/chosen_logps, rejected_logps, ref_chosen_logps, ref_rejected_logps/);
    expect(fs.existsSync(idx)).toBe(false);
  });
});

describe("cli errors", () => {
  it.each([
    [["select"], 2, /select needs a FILE \(or several files, or a folder\)/],
    [["select", "x.jsonl", "--metric", "best"], 2, /--metric: expected one of map, explicit, implicit, random/],
    [["select", "x.jsonl", "--ratio", "1.5"], 2, /--ratio: must be in \(0, 1\], got 1\.5/],
    [["select", "x.jsonl", "--ratio", "0"], 2, /--ratio: must be in \(0, 1\], got 0/],
    [["select", "x.jsonl", "--ratio=-0.2"], 2, /--ratio: must be in \(0, 1\], got -0\.2/],
    [["select", "x.jsonl", "--ratio", "lots"], 2, /--ratio: expected a number, got "lots"/],
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
    const r = cli(["select", file, "--metric", "explicit", "--ratio", "0.4", "--write-recipe", recipe]);
    expect(r.code).toBe(0);
    const json = JSON.parse(fs.readFileSync(recipe, "utf8"));
    expect(json.selectedIndices).toEqual([3, 4]);
    expect(json.input.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(json).toMatchObject({ metric: "explicit", ratio: 0.4, rowCount: 5 });
  });
});

describe("cli select --recipe applies a recipe", () => {
  // Distinct texts per row; by m_ex the top 40 % of 8 rows (k = 3) are rows 7, 6, 5.
  const row = (i: number, margin = i) => ({ prompt: `p${i}`, chosen: `c${i}`, rejected: `r${i}`, rm_margin: margin });
  const lines = Array.from({ length: 8 }, (_, i) => JSON.stringify(row(i)));
  const file = tmp("eight.jsonl", lines.join("\n") + "\n");
  // Row 1 kept, rows 6 and 7 dropped by hand; m_ex ≥ 1.
  const spec = {
    ranking: { metric: "explicit", weight: 1, ratio: 0.4, seed: 42, beta: 0.1, beesNan: "released" },
    gates: [{ kind: "interval", source: "hist:explicit", field: "explicit", lo: 1, hi: null }],
    decisions: { keep: [1], drop: [6, 7] },
  };
  const recipe = tmp("eight.recipe.json");
  const written = cli([
    "select",
    file,
    "--selection",
    tmp("spec.json", JSON.stringify(spec)),
    "--write-recipe",
    recipe,
  ]);

  it("--write-recipe writes a version-3 recipe with the decisions by content hash", () => {
    expect(written.code).toBe(0);
    const json = JSON.parse(fs.readFileSync(recipe, "utf8"));
    expect(json).toMatchObject({ version: 3, selection: spec, selectedIndices: [1, 3, 4, 5] });
    expect(json.content.keep).toHaveLength(1);
    expect(json.content.drop).toHaveLength(2);
  });

  it("on the same file: the recipe's selected indices, and the report says same file", () => {
    const idx = tmp("idx.txt");
    const r = cli(["select", file, "--recipe", recipe, "--indices", idx]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /eight\.jsonl: recipe eight\.recipe\.json: Same file\. 3 decisions matched, 0 rows new \(not in the recipe\), 0 vanished/,
    );
    expect(fs.readFileSync(idx, "utf8")).toBe("1\n3\n4\n5\n");
  });

  it("on an edited file: decisions follow the row contents; new and vanished rows are reported", () => {
    // A new row first, row 1 re-saved with other key order and margin 0 (below the gate, kept by hand), row 6
    // deleted, two new rows with high margins at the end.
    const edited = [
      JSON.stringify({ ...row(100), rm_margin: 4.5 }),
      JSON.stringify({ rm_margin: 0, rejected: "r1", chosen: "c1", prompt: "p1" }),
      ...lines.filter((_, i) => i !== 1 && i !== 6),
      JSON.stringify(row(101, 9)),
      JSON.stringify(row(102, 8)),
    ];
    // Rows now: 0 new(4.5), 1 = old 1 (kept), 2..7 = old 0, 2, 3, 4, 5, 7 (dropped), 8 new(9), 9 new(8).
    const editedFile = tmp("eight-edited.jsonl", edited.join("\n") + "\n");
    const idx = tmp("idx.txt");
    const out = tmp("out.jsonl");
    const r = cli(["select", editedFile, "--recipe", recipe, "--indices", idx, "--out", out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /recipe eight\.recipe\.json: 2 decisions matched, 3 rows new \(not in the recipe\), 1 vanished \(decided rows no longer in the file\)\.\n/,
    );
    expect(r.stderr).not.toMatch(/Same file/);
    // 9 scored rows pass m_ex ≥ 1 but old row 0 (m_ex 0) and row 1; k = ⌊0.4·10⌋ = 4 of the candidates (row 7 is
    // dropped): 8 (9), 9 (8), 6 (5), 0 (4.5); plus row 1 kept by hand.
    expect(fs.readFileSync(idx, "utf8")).toBe("0\n1\n6\n8\n9\n");
    expect(fs.readFileSync(out, "utf8")).toBe([0, 1, 6, 8, 9].map((i) => edited[i] + "\n").join(""));
  });

  it.each([
    [["--metric", "random"], /--recipe sets the selection and the mapping: drop --metric/],
    [["--selection", "s.json", "--explicit-column", "x"], /drop --selection, --explicit-column/],
  ])("with %j it is a usage error", (flags, message) => {
    const r = cli(["select", file, "--recipe", recipe, ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it.each([
    ["a missing recipe", () => "/nonexistent/r.json", /\/nonexistent\/r\.json: no such file/],
    [
      "a recipe with a wrong field",
      () => {
        const json = JSON.parse(fs.readFileSync(recipe, "utf8"));
        json.selection.ranking.metric = "best";
        return tmp("bad.recipe.json", JSON.stringify(json));
      },
      /bad\.recipe\.json, field "selection\.ranking\.metric": expected one of map/,
    ],
    [
      "a file that is not a recipe",
      () => tmp("spec.json", JSON.stringify(spec)),
      /field "tool": expected "margin-atlas"/,
    ],
  ])("%s exits 1 naming the problem", (_name, recipeFile, message) => {
    const r = cli(["select", file, "--recipe", recipeFile()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
  });
});

describe("cli select with a zero-variance margin", () => {
  it("says on stderr that z(m_ex) is undefined and what M_AP does instead", () => {
    const rows = Array.from({ length: 10 }, (_, i) =>
      JSON.stringify({
        prompt: `p${i}`,
        chosen: `c${i}`,
        rejected: `r${i}`,
        rm_margin: 1.5,
        logp_margin_norm: i / 10 - 0.4,
      }),
    );
    const file = tmp("flat.jsonl", rows.join("\n") + "\n");
    const r = cli(["select", file, "--indices", tmp("idx.txt")]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      "flat.jsonl: z(m_ex) undefined (zero variance): taken as 0, so M_AP ranks by −w·z(|m_im|) alone",
    );
  });
});

describe("cli select names coercions on stderr", () => {
  it("a number written as text in the explicit margin field", () => {
    const rows = Array.from({ length: 6 }, (_, i) =>
      JSON.stringify({
        prompt: `p${i}`,
        chosen: `c${i}`,
        rejected: `r${i}`,
        rm_margin: i < 2 ? `${i}.0` : i,
        logp_margin_norm: i / 10,
      }),
    );
    const file = tmp("strings.jsonl", rows.join("\n") + "\n");
    const r = cli(["select", file, "--indices", tmp("idx.txt")]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'strings.jsonl: field "rm_margin": 2 rows hold a number written as text (e.g. "0.0"), read as a number',
    );
  });
});

describe("cli select --format trl", () => {
  const user = (content: string) => ({ role: "user", content });
  const assistant = (content: string) => ({ role: "assistant", content });
  // Chat lists with margin columns (the paper's processed layout): M_AP ranks the rows, so the selection is a subset.
  const chat = Array.from({ length: 10 }, (_, i) => ({
    prompt: [user(`q${i}`)],
    chosen: [user(`q${i}`), assistant(`good ${i}`)],
    rejected: [user(`q${i}`), assistant(`bad ${i}`)],
    rm_margin: (i * 7) % 10,
    logp_margin_norm: i % 3 === 0 ? null : ((i * 3) % 5) - 2,
  }));
  const chatFile = tmp("chat.jsonl", chat.map((r) => JSON.stringify(r)).join("\n") + "\n");

  it("writes the selected pairs in TRL's conversational format with the computed columns of --format jsonl", () => {
    const idx = tmp("idx.txt");
    const trl = tmp("out.trl.jsonl");
    const plain = tmp("out.jsonl");
    const base = ["select", chatFile, "--include-computed", "--indices", idx];
    expect(cli([...base, "--format", "trl", "--out", trl]).code).toBe(0);
    expect(cli([...base, "--out", plain]).code).toBe(0);
    const selected = fs.readFileSync(idx, "utf8").split("\n").filter(Boolean).map(Number);
    expect(selected.length).toBeGreaterThan(0);
    expect(selected.length).toBeLessThan(chat.length);
    const rows = fs
      .readFileSync(trl, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const verbatim = fs
      .readFileSync(plain, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const computed = ["explicit_margin", "implicit_margin", "m_ap", "m_ap_rank"];
    expect(rows.map((r) => Object.keys(r))).toEqual(selected.map(() => ["prompt", "chosen", "rejected", ...computed]));
    rows.forEach((row, k) => {
      const i = selected[k];
      expect(row).toMatchObject({
        prompt: [user(`q${i}`)],
        chosen: [assistant(`good ${i}`)],
        rejected: [assistant(`bad ${i}`)],
      });
      for (const c of computed) expect(row[c], `${c} of row ${i}`).toBe(verbatim[k][c]);
    });
  });

  it("writes a pairwise file as strings, oriented by its label", () => {
    const file = tmp(
      "pairs.json",
      JSON.stringify([
        { input: "i0", output_1: "worse", output_2: "better", label: 2 },
        { input: "i1", output_1: "better", output_2: "worse", label: 1 },
      ]),
    );
    const out = tmp("pairs.trl.jsonl");
    const r = cli(["select", file, "--metric", "random", "--ratio", "1", "--format", "trl", "--out", out]);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(out, "utf8")).toBe(
      '{"prompt":"i0","chosen":"better","rejected":"worse"}\n{"prompt":"i1","chosen":"better","rejected":"worse"}\n',
    );
  });

  it("lists trl among the formats when --format is wrong", () => {
    const r = cli(["select", chatFile, "--format", "dpo"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--format: expected one of jsonl, json, csv, tsv, parquet, trl, got "dpo"/);
  });
});
