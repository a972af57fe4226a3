import { describe, expect, it } from "vitest";
import { exportFileName, MAX_FILE_NAME_LENGTH, recipeFileName, sanitizeFileName } from "@/lib/export/download-name";

describe("sanitizeFileName", () => {
  it.each([
    ["data.recipe.json", "data.recipe.json"],
    ["../../etc/passwd", "passwd"],
    ["..\\..\\win.ini", "win.ini"],
    ["a..b.json", "a.b.json"],
    ["..", "download"],
    ["", "download"],
    ["line\nbreak\r\n.json", "line break .json"],
    ["tab\there\u0000nul.csv", "tab here nul.csv"],
    ["sep\u2028arator.json", "sep arator.json"],
    ['what?<is>:this|"*.json', "what_is_this_.json"],
    ["  .hidden.json  ", "hidden.json"],
    ["trailing.dots...", "trailing.dots"],
    ["ünïcødé 数据.jsonl", "ünïcødé 数据.jsonl"],
  ])("%j → %j", (name, expected) => {
    expect(sanitizeFileName(name)).toBe(expected);
  });

  it("limits the length and keeps the extension", () => {
    const out = sanitizeFileName("x".repeat(500) + ".parquet");
    expect(out).toHaveLength(MAX_FILE_NAME_LENGTH);
    expect(out.endsWith("x.parquet")).toBe(true);
  });
});

describe("exportFileName", () => {
  it.each([
    ["test.jsonl.gz", "jsonl", "test.selected.jsonl"],
    ["data.csv", "parquet", "data.selected.parquet"],
    ["dpo_en_demo.json", "json", "dpo_en_demo.selected.json"],
    ["dir/x.NDJSON", "csv", "x.selected.csv"],
    ["noext", "tsv", "noext.selected.tsv"],
    [".jsonl", "jsonl", "dataset.selected.jsonl"],
    ["../../evil\n.jsonl", "jsonl", "evil.selected.jsonl"],
    ["..", "csv", "dataset.selected.csv"],
  ] as const)("%j + %s → %j", (name, format, expected) => {
    expect(exportFileName(name, format)).toBe(expected);
  });

  it("cuts a long stem, never the suffix", () => {
    const out = exportFileName("y".repeat(400) + ".jsonl", "parquet");
    expect(out.length).toBeLessThanOrEqual(MAX_FILE_NAME_LENGTH);
    expect(out.endsWith("y.selected.parquet")).toBe(true);
  });
});

describe("recipeFileName", () => {
  it.each([
    ["data.jsonl.gz", "data.recipe.json"],
    ["prefs.parquet", "prefs.recipe.json"],
    ["../up/../x.csv", "x.recipe.json"],
    ["name\nwith\r\nnewlines.jsonl", "name with newlines.recipe.json"],
    ["..", "dataset.recipe.json"],
    ["z".repeat(300) + ".csv", "z".repeat(MAX_FILE_NAME_LENGTH - ".recipe.json".length) + ".recipe.json"],
  ])("%j → %j", (name, expected) => {
    expect(recipeFileName(name)).toBe(expected);
  });
});
