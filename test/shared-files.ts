/**
 * Node-only file access for tests: the repository root, the shared datasets and references beside it (../shared,
 * read in place, never copied), and plain reads of them. Tests under lib/ go through these instead of `node:fs`, so
 * lib/ itself stays free of Node built-ins (enforced in eslint.config.mjs).
 */
import fs from "node:fs";
import path from "node:path";
import { gunzip } from "./node-codecs";

/** Repository root (this file lives in test/). */
export const repoRoot = path.resolve(import.meta.dirname, "..");
/** The shared folder beside the repository. */
export const sharedRoot = path.resolve(repoRoot, "../shared");
/** The shared real datasets. */
export const sharedDatasets = path.join(sharedRoot, "datasets");
/** The shared reference implementations and their expected outputs. */
export const sharedReference = path.join(sharedRoot, "reference");
/** The paper-style reference file. */
export const paperStyleJsonl = path.join(sharedReference, "paper-style/processed.jsonl");

/** The shared dataset files (relative to {@link sharedDatasets}), with the row counts their SOURCE.md gives. */
export const SHARED_FILES: { file: string; rows: number; fields: string[] }[] = [
  { file: "hh-rlhf-harmless-base-test/test.jsonl.gz", rows: 2312, fields: ["chosen", "rejected"] },
  { file: "llamafactory-dpo-en-demo/dpo_en_demo.json", rows: 300, fields: ["conversations", "chosen", "rejected"] },
  {
    file: "alpacaeval-weighted-fusechat-llama32-3b/annotations.json",
    rows: 805,
    fields: ["dataset", "instruction", "output_1", "generator_1", "output_2", "generator_2", "annotator", "preference"],
  },
  { file: "llmbar-adversarial-gptinst/dataset.json", rows: 92, fields: ["input", "output_1", "output_2", "label"] },
];

/** Absolute path of `rel` inside ../shared (e.g. `datasets/…/test.jsonl.gz`, `reference/paper-style/…`). */
export function sharedPath(rel: string): string {
  return path.join(sharedRoot, rel);
}

/** Absolute path of a shared dataset file named as in {@link SHARED_FILES}. */
export function sharedDataset(file: string): string {
  return path.join(sharedDatasets, file);
}

/** True when every path exists; tests that need ../shared skip (and say so in their title) otherwise. */
export function haveFiles(...files: string[]): boolean {
  return files.every((file) => fs.existsSync(file));
}

/** Last path segment, the name a file is opened under. */
export function baseName(file: string): string {
  return path.basename(file);
}

/** The file's bytes as stored. */
export function readFileBytes(file: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(file));
}

/** The file's bytes, gunzipped when its name ends in `.gz`. */
export function readPlainBytes(file: string): Uint8Array {
  const bytes = readFileBytes(file);
  return file.endsWith(".gz") ? gunzip(bytes) : bytes;
}

/** The file as UTF-8 text, gunzipped when its name ends in `.gz`. */
export function readPlainText(file: string): string {
  // Like fs.readFileSync(file, "utf8"): a byte-order mark stays in the text.
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(readPlainBytes(file));
}

/** A Node Blob of a file on disk (read lazily, like a browser File). */
export function fileBlob(file: string): Promise<Blob> {
  return fs.openAsBlob(file);
}
