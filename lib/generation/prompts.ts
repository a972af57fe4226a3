/**
 * Prompts of a generation run from a dataset file: a `prompt` field holding a string or a list of chat messages
 * ({role, content} or ShareGPT {from, value}; in CSV, the JSON text of such a list), as the pair reader accepts.
 */
import type { ParseProblem, RawRecord } from "@/lib/dataset/types";
import type { RowSource } from "@/lib/dataset/source";
import { readMessage } from "@/lib/dataset/pair";
import { asList, describeValue } from "@/lib/dataset/schema-values";
import type { PromptInput } from "@/lib/scoring/sequence";

/** Prompts by index, read on demand (a file of 10^5 prompts is not parsed up front). */
export interface PromptSource {
  readonly count: number;
  prompts(indices: readonly number[]): Promise<PromptInput[]>;
}

/** The field generation reads prompts from unless told otherwise. */
export const DEFAULT_PROMPT_FIELD = "prompt";

/** A prompt value read, or what is wrong with it. */
export type PromptRead = { ok: true; prompt: PromptInput } | { ok: false; message: string };

/** Reads one prompt cell: a string, or a non-empty list of messages (a JSON string of one counts as the list). */
export function readPrompt(value: unknown): PromptRead {
  const list = typeof value === "string" ? asList(value) : Array.isArray(value) ? value : null;
  // Text that merely looks like a JSON list ("[1, 2]") stays text: only a list of objects is a conversation.
  const isChat = list !== null && list.length > 0 && list.every((m) => m !== null && typeof m === "object");
  if (typeof value === "string" && !isChat) return { ok: true, prompt: value };
  if (!isChat) {
    return {
      ok: false,
      message: `expected a string or a list of messages {role, content}, got ${describeValue(value)}`,
    };
  }
  const messages = [];
  for (let i = 0; i < list.length; i++) {
    const m = readMessage(list[i]);
    if (!m) return { ok: false, message: `item ${i} is not a message {role, content}: ${describeValue(list[i])}` };
    messages.push({ role: m.role, content: m.content });
  }
  return { ok: true, prompt: messages };
}

function problem(source: RowSource, row: number, field: string, message: string): ParseProblem {
  return { file: source.info.name, row, field, message };
}

/** Checks every row's prompt (one pass over the file); the first bad row's problem, or null. */
export async function checkPrompts(source: RowSource, field = DEFAULT_PROMPT_FIELD): Promise<ParseProblem | null> {
  return source.scan((record: RawRecord, where) => {
    if (!(field in record)) {
      return { file: source.info.name, row: where.row, line: where.line, field, message: `no "${field}" field` };
    }
    const r = readPrompt(record[field]);
    if (!r.ok) return { file: source.info.name, row: where.row, line: where.line, field, message: r.message };
  });
}

/** Thrown by a row source's `prompts` for a row whose prompt cannot be read (run {@link checkPrompts} first). */
export class PromptError extends Error {
  constructor(readonly problem: ParseProblem) {
    super(`${problem.file}, row ${problem.row}, field "${problem.field}": ${problem.message}`);
    this.name = "PromptError";
  }
}

/** The prompts of a dataset file's rows, from `field`. */
export function promptSourceFromRows(source: RowSource, field = DEFAULT_PROMPT_FIELD): PromptSource {
  return {
    count: source.rowCount,
    async prompts(indices) {
      const records = await source.getRecords(indices);
      return records.map((record, k) => {
        const r = readPrompt(record[field]);
        if (!r.ok) throw new PromptError(problem(source, indices[k], field, r.message));
        return r.prompt;
      });
    },
  };
}

/** A source over prompts already in memory. */
export function promptSourceFromList(prompts: readonly PromptInput[]): PromptSource {
  return { count: prompts.length, prompts: async (indices) => indices.map((i) => prompts[i]) };
}
