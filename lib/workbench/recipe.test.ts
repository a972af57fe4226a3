import { describe, expect, it } from "vitest";
import { formatProblem } from "@/lib/dataset/types";
import { defaultSpec, withDecision, withInterval, histogramSource, type SelectionSpec } from "@/lib/selection/spec";
import { DatasetSession } from "./session";
import { describeMatch, digestHex, parseRecipe, rowContentHash, type ParsedRecipe } from "./recipe";
import type { RecipeMatchReport, SelectionRecipe } from "./types";

interface Row {
  prompt: string;
  chosen: string;
  rejected: string;
  rm_margin: number;
  score2: number;
}

/** Twelve rows with distinct texts; rm_margin rises with the row, score2 falls. */
const ROWS: Row[] = Array.from({ length: 12 }, (_, i) => ({
  prompt: `prompt ${i}`,
  chosen: `chosen ${i}`,
  rejected: `rejected ${i}`,
  rm_margin: i / 10,
  score2: (12 - i) / 10,
}));

const line = (r: object) => JSON.stringify(r) + "\n";
/** The same row re-saved by another tool: keys reversed, spaces after separators. */
const resaved = (r: object) =>
  JSON.stringify(Object.fromEntries(Object.entries(r).reverse()))
    .replace(/":/g, '": ')
    .replace(/,"/g, ', "') + "\n";

async function open(lines: string[], name = "rows.jsonl"): Promise<{ s: DatasetSession; file: Blob }> {
  const file = new Blob([lines.join("")]);
  const r = await DatasetSession.open(file, name);
  if (!r.ok) throw new Error(formatProblem(r.reason));
  return { s: r.data, file };
}

/** Explicit margin, top 50 %, rm_margin ≥ 0.2; rows 2 and 4 kept, 8 and 10 dropped by hand. */
function curated(): SelectionSpec {
  let spec = defaultSpec();
  spec = { ...spec, ranking: { ...spec.ranking, metric: "explicit", ratio: 0.5 } };
  spec = withInterval(spec, histogramSource("explicit"), "explicit", 0.2, null);
  spec = withDecision(spec, [2, 4], "keep");
  return withDecision(spec, [8, 10], "drop");
}

async function recipeOf(lines: string[], spec: SelectionSpec = curated()): Promise<SelectionRecipe> {
  const { s, file } = await open(lines);
  s.select(spec);
  // Through JSON, as a downloaded file is.
  return JSON.parse(JSON.stringify(await s.recipe(file))) as SelectionRecipe;
}

function parsed(recipe: unknown): ParsedRecipe {
  const r = parseRecipe(JSON.stringify(recipe), "r.json");
  if (!r.ok) throw new Error(formatProblem(r.reason));
  return r.data;
}

async function apply(lines: string[], recipe: unknown) {
  const { s, file } = await open(lines, "edited.jsonl");
  const r = await s.applyRecipe(parsed(recipe), file);
  if (!r.ok) throw new Error(formatProblem(r.reason));
  return { ...r.data, session: s, indices: Array.from(s.currentSelection().indices) };
}

describe("row content hash", () => {
  it("is the SHA-256 of the JSON list of prompt, chosen and rejected as parsed", async () => {
    const pair = {
      prompt: [{ role: "user", content: "p" }],
      chosen: [{ role: "assistant", content: "c" }],
      rejected: [{ role: "assistant", content: "r" }],
    };
    // An independent SHA-256 (WebCrypto) of the canonical text pins both the text and the hash.
    const want = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify(["p", "c", "r"])));
    expect(rowContentHash(pair)).toBe(Buffer.from(want).toString("hex"));
  });

  it.each<[string, (r: Row) => string]>([
    ["keys in another order, other whitespace", resaved],
    ["other margins (a re-scored file)", (r) => line({ ...r, rm_margin: 99, score2: -1 })],
    ["an extra column", (r) => line({ ...r, note: "reviewed" })],
  ])("is the same for the row re-serialised with %s", async (_name, edit) => {
    const a = await open(ROWS.map(line));
    const b = await open(ROWS.map(edit));
    const da = await a.s.rowDigests();
    const db = await b.s.rowDigests();
    if (!da.ok || !db.ok) throw new Error("hashing failed");
    for (let i = 0; i < ROWS.length; i++) expect(digestHex(db.data, i)).toBe(digestHex(da.data, i));
  });

  it("is the same for a chat row whose messages have other key order", async () => {
    const chat = (keysFirst: "role" | "content") => {
      const m = (role: string, content: string) => (keysFirst === "role" ? { role, content } : { content, role });
      return line({ chosen: [m("user", "hi"), m("assistant", "A")], rejected: [m("user", "hi"), m("assistant", "B")] });
    };
    const a = await open([chat("role"), chat("role")]);
    const b = await open([chat("content"), chat("content")]);
    const [da, db] = [await a.s.rowDigests(), await b.s.rowDigests()];
    if (!da.ok || !db.ok) throw new Error("hashing failed");
    expect(digestHex(db.data, 0)).toBe(digestHex(da.data, 0));
  });

  it.each<[string, (r: Row) => Row]>([
    ["the prompt", (r) => ({ ...r, prompt: r.prompt + "!" })],
    ["the chosen response", (r) => ({ ...r, chosen: r.chosen + " " })],
    ["chosen and rejected swapped", (r) => ({ ...r, chosen: r.rejected, rejected: r.chosen })],
  ])("differs when %s changes", async (_name, edit) => {
    const a = await open(ROWS.map(line));
    const b = await open(ROWS.map((r) => line(edit(r))));
    const [da, db] = [await a.s.rowDigests(), await b.s.rowDigests()];
    if (!da.ok || !db.ok) throw new Error("hashing failed");
    expect(digestHex(db.data, 3)).not.toBe(digestHex(da.data, 3));
  });
});

describe("recipe version 3", () => {
  it("records the decisions by content hash, every row's fingerprint, and still the spec by index", async () => {
    const recipe = await recipeOf(ROWS.map(line));
    const { s } = await open(ROWS.map(line));
    const d = await s.rowDigests();
    if (!d.ok) throw new Error("hashing failed");
    expect(recipe.version).toBe(3);
    expect(recipe.selection).toEqual(curated());
    expect(recipe.content.hash).toBe("sha256:pair-text");
    expect(recipe.content.keep).toEqual([digestHex(d.data, 2), digestHex(d.data, 4)]);
    expect(recipe.content.drop).toEqual([digestHex(d.data, 8), digestHex(d.data, 10)]);
    expect(Buffer.from(recipe.content.fingerprints, "base64").length).toBe(ROWS.length * 8);
  });
});

/** Edits of the file the recipe was made on: the new file's lines, and where each original row went. */
type Edit = (lines: string[]) => string[];
const NEW_ROW = (i: number) => line({ prompt: `new ${i}`, chosen: "c", rejected: "r", rm_margin: 0.55, score2: 0 });

describe("applyRecipe matches decisions by content", () => {
  it.each<[string, Edit, Partial<RecipeMatchReport>]>([
    [
      "the same file",
      (l) => l,
      { sameFile: true, matched: 4, newRows: 0, vanished: 0, duplicates: 0, keepCount: 2, dropCount: 2 },
    ],
    [
      "the same rows re-saved (other bytes)",
      (l) => ROWS.map(resaved).concat(l.slice(ROWS.length)),
      { sameFile: false, matched: 4, newRows: 0, vanished: 0, duplicates: 0 },
    ],
    [
      "rows inserted and deleted (a kept and a dropped row among them)",
      (l) => [NEW_ROW(0), ...l.slice(0, 4), NEW_ROW(1), ...l.slice(5, 8), ...l.slice(9), NEW_ROW(2)],
      { sameFile: false, matched: 2, newRows: 3, vanished: 2, duplicates: 0, keepCount: 1, dropCount: 1 },
    ],
    [
      "a kept row duplicated (other key order)",
      (l) => [...l, resaved(ROWS[2])],
      { matched: 4, newRows: 0, vanished: 0, duplicates: 1, keepCount: 3, dropCount: 2 },
    ],
  ])("%s", async (_name, edit, want) => {
    const recipe = await recipeOf(ROWS.map(line));
    const lines = edit(ROWS.map(line));
    const { report, spec, indices, session } = await apply(lines, recipe);
    expect(report).toMatchObject({ version: 3, remapped: false, conflicts: 0, ...want });
    // Decisions land on the rows with the decided texts, wherever they are now.
    const prompts = lines.map((l) => (JSON.parse(l) as Row).prompt);
    const rowsWith = (texts: string[]) => prompts.flatMap((p, i) => (texts.includes(p) ? [i] : []));
    expect(spec.decisions).toEqual({
      keep: rowsWith(["prompt 2", "prompt 4"]),
      drop: rowsWith(["prompt 8", "prompt 10"]),
    });
    expect(spec.gates).toEqual(curated().gates);
    expect(spec.ranking).toEqual(curated().ranking);
    // The applied selection is the spec's, evaluated on this file.
    const again = await open(lines);
    expect(indices).toEqual(Array.from(again.s.select(spec).indices));
    expect(session.currentSpec()).toBe(spec);
  });

  it("duplicates decided differently are dropped, and the report says so", async () => {
    const lines = [...ROWS.map(line), line(ROWS[2])];
    const spec = withDecision(withDecision(defaultSpec(), [2], "keep"), [12], "drop");
    const recipe = await recipeOf(lines, spec);
    // On the very same file the indices are exact; content matching applies to an updated file (one row added).
    const updated = [...lines, line({ ...ROWS[0], prompt: "a row added later" })];
    const { report, spec: applied } = await apply(updated, recipe);
    expect(report).toMatchObject({ matched: 1, conflicts: 1, duplicates: 1, keepCount: 0, dropCount: 2, newRows: 1 });
    expect(applied.decisions).toEqual({ keep: [], drop: [2, 12] });
    expect(describeMatch(report)).toMatch(/1 content both kept and dropped in the recipe \(duplicates\): dropped/);
  });

  it("applies the recipe's mapping first when it differs, and says so", async () => {
    const { s, file } = await open(ROWS.map(line));
    const mapping = { ...s.summary().mapping, explicit: { kind: "column" as const, field: "score2" } };
    expect(await s.remap(mapping)).toBeNull();
    s.select(curated());
    const recipe = JSON.parse(JSON.stringify(await s.recipe(file)));
    const { report, session, indices } = await apply(ROWS.map(line), recipe);
    expect(report).toMatchObject({ remapped: true, sameFile: true, matched: 4, vanished: 0 });
    expect(session.summary().mapping.explicit).toEqual({ kind: "column", field: "score2" });
    expect(indices).toEqual(recipe.selectedIndices);
    expect(describeMatch(report)).toMatch(/^Same file\. Applied the recipe's column mapping first\. 4 decisions/);
  });

  it("on the same file, decisions are the recorded indices even when a decided row has an undecided twin", async () => {
    const lines = [...ROWS.map(line), line(ROWS[2])];
    const spec = withDecision(defaultSpec(), [2], "keep");
    const recipe = await recipeOf(lines, spec);
    const { report, spec: applied } = await apply(lines, recipe);
    expect(applied.decisions).toEqual({ keep: [2], drop: [] });
    expect(report).toMatchObject({ sameFile: true, duplicates: 0, matched: 1, vanished: 0 });
  });

  it("reproduces the recipe's selected indices on the same file", async () => {
    const recipe = await recipeOf(ROWS.map(line));
    const { indices, report } = await apply(ROWS.map(line), recipe);
    expect(indices).toEqual(recipe.selectedIndices);
    expect(describeMatch(report)).toBe(
      "Same file. 4 decisions matched, 0 rows new (not in the recipe), 0 vanished (decided rows no longer in the file).",
    );
  });
});

describe("version 2 recipes (decisions by row index)", () => {
  const v2 = async () => {
    const { content: _content, ...rest } = await recipeOf(ROWS.map(line));
    return { ...rest, version: 2 };
  };

  it("apply their index decisions on the same file", async () => {
    const recipe = await v2();
    const { report, spec, indices } = await apply(ROWS.map(line), recipe);
    expect(report).toMatchObject({ version: 2, sameFile: true, matched: 4, newRows: 0, vanished: 0 });
    expect(spec).toEqual(curated());
    expect(indices).toEqual(recipe.selectedIndices);
    expect(describeMatch(report)).toMatch(/Version 2 recipe: decisions by row index\.$/);
  });

  it("on a shorter file, indices past its end vanish and new rows cannot be told", async () => {
    const { report, spec } = await apply(ROWS.slice(0, 9).map(line), await v2());
    expect(report).toMatchObject({ version: 2, sameFile: false, matched: 3, newRows: null, vanished: 1 });
    expect(spec.decisions).toEqual({ keep: [2, 4], drop: [8] });
    expect(describeMatch(report)).toMatch(/unknown rows new .*may name other rows in an edited file/);
  });
});

describe("bad recipes name the field at fault", () => {
  type Mutate = (r: Record<string, unknown> & SelectionRecipe) => unknown;
  it.each<[string, Mutate, RegExp]>([
    ["not an object", () => [1, 2], /^r\.json, field "recipe": expected an object, got a list$/],
    ["another tool", (r) => ({ ...r, tool: "argilla" }), /field "tool": expected "margin-atlas"/],
    ["version 1", (r) => ({ ...r, version: 1 }), /field "version": expected 2 or 3 .*got 1$/],
    ["no input hash", (r) => ({ ...r, input: { ...r.input, sha256: "abc" } }), /field "input\.sha256": expected a 64/],
    ["no mapping", (r) => ({ ...r, mapping: undefined }), /field "mapping": expected an object, got nothing/],
    ["unknown schema", (r) => ({ ...r, mapping: { ...r.mapping, schema: "xml" } }), /field "mapping\.schema"/],
    [
      "unknown metric",
      (r) => ({ ...r, selection: { ...r.selection, ranking: { ...r.selection.ranking, metric: "best" } } }),
      /field "selection\.ranking\.metric": expected one of map, explicit, implicit, random, .*got "best"$/,
    ],
    [
      "ratio out of range",
      (r) => ({ ...r, selection: { ...r.selection, ranking: { ...r.selection.ranking, ratio: 2 } } }),
      /field "selection\.ranking\.ratio": expected a ratio in \[0, 1\], got 2$/,
    ],
    [
      "a gate of an unknown kind",
      (r) => ({ ...r, selection: { ...r.selection, gates: [{ kind: "circle", source: "x" }] } }),
      /field "selection\.gates\[0\]\.kind": expected one of interval, rect, lasso, search, got "circle"$/,
    ],
    [
      "a gate bound that is text",
      (r) => ({ ...r, selection: { ...r.selection, gates: [{ ...r.selection.gates[0], lo: "0.2" }] } }),
      /field "selection\.gates\[0\]\.lo": expected a number or null, got "0\.2"$/,
    ],
    [
      "a gate on an unknown field",
      (r) => ({ ...r, selection: { ...r.selection, gates: [{ ...r.selection.gates[0], field: "margin" }] } }),
      /field "selection\.gates\[0\]\.field": expected a field name/,
    ],
    [
      "a negative row index",
      (r) => ({ ...r, selection: { ...r.selection, decisions: { keep: [1, -1], drop: [] } } }),
      /field "selection\.decisions\.keep\[1\]": expected a row index, got -1$/,
    ],
    [
      "a decision hash that is not hex",
      (r) => ({ ...r, content: { ...r.content, keep: ["zz"] } }),
      /field "content\.keep\[0\]": expected a 64-digit hex SHA-256, got "zz"$/,
    ],
    [
      "fingerprints of another row count",
      (r) => ({ ...r, rowCount: 13 }),
      /field "content\.fingerprints": expected base64 of 8 bytes per row \(13 rows\), got "12 rows"$/,
    ],
    ["a v3 recipe without content", (r) => ({ ...r, content: undefined }), /field "content": expected an object/],
  ])("%s", async (_name, mutate, message) => {
    const recipe = (await recipeOf(ROWS.map(line))) as Record<string, unknown> & SelectionRecipe;
    const r = parseRecipe(JSON.stringify(mutate(recipe)), "r.json");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(formatProblem(r.reason)).toMatch(message);
  });

  it("a file that is not JSON names the line and column", () => {
    const r = parseRecipe('{\n  "tool": "margin-atlas",\n}', "r.json");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(formatProblem(r.reason)).toMatch(/^r\.json, line 3, column 1: not JSON/);
  });

  it.each<[string, (r: SelectionRecipe) => unknown, RegExp]>([
    [
      "a mapping field the file lacks",
      (r) => ({ ...r, mapping: { ...r.mapping, explicit: { kind: "column", field: "reward" } } }),
      /edited\.jsonl, field "reward": the recipe's column mapping: the explicit margin field "reward" is not in the file/,
    ],
    [
      "a search that is not a regular expression",
      (r) => ({
        ...r,
        selection: {
          ...r.selection,
          gates: [{ kind: "search", source: "search", query: "(", regex: true, caseSensitive: false }],
        },
      }),
      /edited\.jsonl: .*regular expression/i,
    ],
  ])("applying a recipe with %s is refused and changes nothing", async (_name, mutate, message) => {
    const recipe = await recipeOf(ROWS.map(line));
    const { s, file } = await open(ROWS.map(line), "edited.jsonl");
    const before = s.summary().mapping;
    const r = await s.applyRecipe(parsed(mutate(recipe)), file);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(formatProblem(r.reason)).toMatch(message);
    expect(s.summary().mapping).toEqual(before);
    expect(s.currentSpec()).toEqual(defaultSpec());
  });
});
