/**
 * Small faithful samples of the preference schemas people publish (`test/fixtures/schemas/*.jsonl`), each with the
 * page its field layout follows. The texts are short stand-ins except where noted; the field names, nesting, value
 * types and label values are the published ones. Node-only (reads files), for tests.
 */
import path from "node:path";
import type { RawRecord } from "@/lib/dataset/types";
import { readPlainText, repoRoot } from "./shared-files";

/** The fixture files and the origin of their layout. */
export const SCHEMA_FIXTURES = {
  "openai-preference": {
    file: "openai-preference.jsonl",
    origin:
      "https://platform.openai.com/docs/guides/direct-preference-optimization (data format; first row is its example)",
  },
  "pku-saferlhf": {
    file: "pku-saferlhf.jsonl",
    origin: "https://huggingface.co/datasets/PKU-Alignment/PKU-SafeRLHF (data/*/train.jsonl fields)",
  },
  "chatbot-arena": {
    file: "chatbot-arena.jsonl",
    origin: "https://huggingface.co/datasets/lmsys/chatbot_arena_conversations (fields and winner values)",
  },
  "ultrafeedback-raw": {
    file: "ultrafeedback-raw.jsonl",
    origin: "https://huggingface.co/datasets/openbmb/UltraFeedback (completions[] with annotations, overall_score)",
  },
  nectar: {
    file: "nectar.jsonl",
    origin: "https://huggingface.co/datasets/berkeley-nest/Nectar (prompt, answers[] {answer, model, rank}, …)",
  },
  "helpsteer2-preference": {
    file: "helpsteer2-preference.jsonl",
    origin: "https://huggingface.co/datasets/nvidia/HelpSteer2 (preference/preference.jsonl.gz; strength −3…3)",
  },
  "distilabel-generations": {
    file: "distilabel-generations.jsonl",
    origin: "https://huggingface.co/datasets/distilabel-internal-testing/ultrafeedback-mini (generations, ratings)",
  },
  "annotator-votes": {
    file: "annotator-votes.jsonl",
    origin:
      "https://github.com/WeOpenML/PandaLM/blob/main/data/testset-v1.json at d82043d2f31f5a45690bc528334439da246d0fd3 " +
      "(rows idx 0, 1, 4, 91, 183, 111, 121, 221 verbatim; the last row is constructed: three annotators who all " +
      "disagree, which the real file never has)",
  },
} as const;

/** A fixture's name. */
export type SchemaFixture = keyof typeof SCHEMA_FIXTURES;

/** Absolute path of a fixture file. */
export function schemaFixturePath(name: SchemaFixture): string {
  return path.join(repoRoot, "test/fixtures/schemas", SCHEMA_FIXTURES[name].file);
}

/** The fixture's records, in file order. */
export function readSchemaFixture(name: SchemaFixture): RawRecord[] {
  return readPlainText(schemaFixturePath(name))
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as RawRecord);
}
