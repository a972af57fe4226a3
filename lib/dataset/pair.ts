/**
 * Normalises one record into (prompt, chosen, rejected) messages for every schema, and says which field is at
 * fault when a record does not fit its mapping. Shared by the extractor (validation) and the row views.
 */
import type { ColumnMapping, Message, Pair, RawRecord } from "@/lib/dataset/types";
import { readField } from "@/lib/dataset/field-path";
import { splitHhPair } from "@/lib/dataset/hh";
import { pickOf, responseList, type PairFault, type Read } from "@/lib/dataset/pair-plan";
import { asList, describeValue, isMissing } from "@/lib/dataset/schema-values";

export type { PairFault } from "@/lib/dataset/pair-plan";
export { multiChoice, pairwiseOrientation, readPreference } from "@/lib/dataset/pair-plan";

/** Thrown by `toPair` for a record the extractor would have rejected (callers validate first). */
export class PairError extends Error {
  readonly code = "invalid-record";
  constructor(readonly fault: PairFault) {
    super(`field "${fault.field}": ${fault.message}`);
    this.name = "PairError";
  }
}

const fail = (field: string, message: string): { ok: false; fault: PairFault } => ({
  ok: false,
  fault: { field, message },
});

/** ShareGPT speaker names mapped to chat roles; unknown names (e.g. `observation`) are kept as they are. */
const SHAREGPT_ROLES: Record<string, string> = {
  human: "user",
  user: "user",
  gpt: "assistant",
  assistant: "assistant",
  system: "system",
};

// OpenAI-style content may be a list of parts; a non-text part (an image) makes the message unreadable rather
// than silently dropped.
function contentText(content: unknown): string | null {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return null;
  const texts: string[] = [];
  for (const part of content) {
    if (typeof part === "string") texts.push(part);
    else if (part && typeof part === "object" && typeof (part as { text?: unknown }).text === "string") {
      texts.push((part as { text: string }).text);
    } else return null;
  }
  return texts.join("\n");
}

/** Reads one message object: `{role, content}` or ShareGPT `{from, value}`; null when it is neither. */
export function readMessage(item: unknown): Message | null {
  if (!item || typeof item !== "object" || Array.isArray(item)) return null;
  const o = item as Record<string, unknown>;
  if (typeof o.role === "string") {
    const content = o.content === null ? "" : contentText(o.content);
    return content === null ? null : { role: o.role, content };
  }
  if (typeof o.from === "string" && typeof o.value === "string") {
    return { role: SHAREGPT_ROLES[o.from.toLowerCase()] ?? o.from, content: o.value };
  }
  return null;
}

const MESSAGE_SHAPE = "a list of messages {role, content}";

/**
 * Reads a chat cell: a list of messages, a JSON string of such a list (CSV), a single message object, or a plain
 * string (one message with `plainRole`, as UltraFeedback's string `prompt`).
 */
function readChat(value: unknown, field: string, plainRole: string): Read<Message[]> {
  if (typeof value === "string") {
    const list = asList(value);
    // A response may itself be text like "[1, 2, 3]"; only a list of objects is taken as serialised messages.
    const isSerialisedChat = list !== null && list.length > 0 && list.every((x) => x !== null && typeof x === "object");
    if (!isSerialisedChat) return { ok: true, value: [{ role: plainRole, content: value }] };
    return readMessageList(list, field);
  }
  if (Array.isArray(value)) return readMessageList(value, field);
  if (value && typeof value === "object") {
    const m = readMessage(value);
    if (m) return { ok: true, value: [m] };
  }
  return fail(field, `expected ${MESSAGE_SHAPE} or a string, got ${describeValue(value)}`);
}

function readMessageList(list: unknown[], field: string): Read<Message[]> {
  const out: Message[] = [];
  for (let i = 0; i < list.length; i++) {
    const m = readMessage(list[i]);
    if (!m) {
      return fail(field, `expected ${MESSAGE_SHAPE} (or {from, value}), item ${i} is ${describeValue(list[i])}`);
    }
    out.push(m);
  }
  return { ok: true, value: out };
}

function readString(value: unknown, field: string): Read<string> {
  if (typeof value === "string") return { ok: true, value };
  return fail(field, `expected a string, got ${describeValue(value)}`);
}

function readText(value: unknown, field: string, plainRole: string): Read<Message[]> {
  const s = readString(value, field);
  return s.ok ? { ok: true, value: [{ role: plainRole, content: s.value }] } : s;
}

const equalTrimmed = (a: Message, b: Message): boolean => a.role === b.role && a.content.trim() === b.content.trim();
const equalExact = (a: Message, b: Message): boolean => a.role === b.role && a.content === b.content;

// Index where the trailing run of assistant messages starts.
function trailingAssistantStart(messages: Message[]): number {
  let i = messages.length;
  while (i > 0 && messages[i - 1].role === "assistant") i--;
  return i;
}

/**
 * Splits chat conversations into prompt and responses. A `prompt` field that both conversations start with is
 * removed from them; then the messages both still share, up to their trailing assistant turns, join the prompt.
 * Conversations that differ earlier keep every later turn in their responses, so no text is lost.
 */
export function splitChat(promptMessages: Message[], chosen: Message[], rejected: Message[]): Pair {
  let c = chosen;
  let r = rejected;
  const n = promptMessages.length;
  const startsWithPrompt = (list: Message[]) =>
    n > 0 && list.length >= n && promptMessages.every((m, i) => equalTrimmed(m, list[i]));
  if (startsWithPrompt(c) && startsWithPrompt(r)) {
    c = c.slice(n);
    r = r.slice(n);
  }
  let shared = 0;
  while (shared < c.length && shared < r.length && equalExact(c[shared], r[shared])) shared++;
  const p = Math.min(shared, trailingAssistantStart(c), trailingAssistantStart(r));
  return { prompt: [...promptMessages, ...c.slice(0, p)], chosen: c.slice(p), rejected: r.slice(p) };
}

function required(mapping: ColumnMapping, key: "chosen" | "rejected" | "outputA" | "outputB" | "responses" | "scores") {
  const field = mapping[key];
  if (!field) throw new PairError({ field: key, message: `the ${mapping.schema} mapping names no ${key} field` });
  return field;
}

/** The default text between the fields of a joined prompt (`promptFields`). */
export const DEFAULT_PROMPT_SEPARATOR = "\n\n";

/**
 * A prompt joined from several fields (`promptFields`, e.g. `instruction` + `input`): each field's text in order,
 * joined by `promptSeparator` (default "\n\n"), as one user message. A missing or empty field is skipped (an
 * Alpaca-style `input` is often empty), so no separator is left dangling; a field holding something other than text
 * is a fault naming it.
 */
function joinedPrompt(record: RawRecord, fields: string[], separator: string): Read<Message[]> {
  const parts: string[] = [];
  for (const field of fields) {
    const v = readField(record, field);
    if (isMissing(v)) continue;
    if (typeof v === "number" || typeof v === "bigint") parts.push(String(v));
    else if (typeof v === "string") parts.push(v);
    else return fail(field, `expected text to join into the prompt, got ${describeValue(v)}`);
  }
  return { ok: true, value: parts.length === 0 ? [] : [{ role: "user", content: parts.join(separator) }] };
}

function promptOf(record: RawRecord, mapping: ColumnMapping, chat: boolean): Read<Message[]> {
  if (mapping.promptFields && mapping.promptFields.length > 0) {
    return joinedPrompt(record, mapping.promptFields, mapping.promptSeparator ?? DEFAULT_PROMPT_SEPARATOR);
  }
  if (!mapping.prompt) return { ok: true, value: [] };
  const v = readField(record, mapping.prompt);
  return chat ? readChat(v, mapping.prompt, "user") : readText(v, mapping.prompt, "user");
}

// A pairwise output is text, or a whole conversation (Chatbot Arena's `conversation_a`); text stays text even when
// it looks like a JSON list, as before conversations were accepted.
function readOutput(value: unknown, field: string): Read<{ messages: Message[]; chat: boolean }> {
  const chat = value !== null && typeof value === "object";
  const r = chat ? readChat(value, field, "assistant") : readText(value, field, "assistant");
  return r.ok ? { ok: true, value: { messages: r.value, chat } } : r;
}

/** Normalises a record, or names the field that does not fit the mapping. */
export function readPair(record: RawRecord, mapping: ColumnMapping): Read<Pair> {
  switch (mapping.schema) {
    case "trl": {
      const prompt = promptOf(record, mapping, false);
      if (!prompt.ok) return prompt;
      const c = readText(readField(record, required(mapping, "chosen")), required(mapping, "chosen"), "assistant");
      if (!c.ok) return c;
      const r = readText(readField(record, required(mapping, "rejected")), required(mapping, "rejected"), "assistant");
      if (!r.ok) return r;
      return { ok: true, value: { prompt: prompt.value, chosen: c.value, rejected: r.value } };
    }
    case "chat":
    case "sharegpt": {
      const prompt = promptOf(record, mapping, true);
      if (!prompt.ok) return prompt;
      const c = readChat(readField(record, required(mapping, "chosen")), required(mapping, "chosen"), "assistant");
      if (!c.ok) return c;
      const r = readChat(readField(record, required(mapping, "rejected")), required(mapping, "rejected"), "assistant");
      if (!r.ok) return r;
      return { ok: true, value: splitChat(prompt.value, c.value, r.value) };
    }
    case "hh": {
      const c = readString(readField(record, required(mapping, "chosen")), required(mapping, "chosen"));
      if (!c.ok) return c;
      const r = readString(readField(record, required(mapping, "rejected")), required(mapping, "rejected"));
      if (!r.ok) return r;
      const split = splitHhPair(c.value, r.value);
      return { ok: true, value: { prompt: split.prompt, chosen: split.chosen, rejected: split.rejected } };
    }
    case "pairwise": {
      const prompt = promptOf(record, mapping, false);
      if (!prompt.ok) return prompt;
      const a = readOutput(readField(record, required(mapping, "outputA")), required(mapping, "outputA"));
      if (!a.ok) return a;
      const b = readOutput(readField(record, required(mapping, "outputB")), required(mapping, "outputB"));
      if (!b.ok) return b;
      // The attached pick, else the orientation (or, without one, the label / preference rule).
      const pick = pickOf(record, mapping);
      if (!pick.ok) return pick;
      const [chosen, rejected] = pick.value.chosen === 1 ? [b.value, a.value] : [a.value, b.value];
      // Whole conversations share their opening turns; those are the prompt, as in the chat schema.
      if (a.value.chat || b.value.chat)
        return { ok: true, value: splitChat(prompt.value, chosen.messages, rejected.messages) };
      return { ok: true, value: { prompt: prompt.value, chosen: chosen.messages, rejected: rejected.messages } };
    }
    case "multi": {
      const prompt = promptOf(record, mapping, true);
      if (!prompt.ok) return prompt;
      const responsesField = required(mapping, "responses");
      if (!mapping.scoreFields?.length) required(mapping, "scores");
      const list = responseList(record, mapping);
      if (!list.ok) return list;
      const pick = pickOf(record, mapping);
      if (!pick.ok) return pick;
      const responses: Message[][] = [];
      for (const i of [pick.value.chosen, pick.value.rejected]) {
        if (i < 0 || i >= list.value.length) {
          return fail(
            responsesField,
            `the planned pair names response ${i}, but the record holds ${list.value.length}`,
          );
        }
        const m = readChat(list.value[i], `${responsesField}[${i}]`, "assistant");
        if (!m.ok) return m;
        responses.push(m.value);
      }
      return { ok: true, value: splitChat(prompt.value, responses[0], responses[1]) };
    }
  }
}

/** Normalises one record into prompt / chosen / rejected messages; throws `PairError` on a record that does not fit. */
export function toPair(record: RawRecord, mapping: ColumnMapping): Pair {
  const r = readPair(record, mapping);
  if (!r.ok) throw new PairError(r.fault);
  return r.value;
}

const DEFAULT_ROLE = { prompt: "user", chosen: "assistant", rejected: "assistant" } as const;

function messagesText(messages: Message[], defaultRole: string): string {
  if (messages.length === 1 && messages[0].role === defaultRole) return messages[0].content;
  return messages.map((m) => `${m.role}: ${m.content}`).join("\n");
}

/**
 * Plain text of a pair for table previews: one message in its usual role (user prompt, assistant response) is shown
 * bare, anything else as `role: content` lines.
 */
export function pairToText(pair: Pair): { prompt: string; chosen: string; rejected: string } {
  return {
    prompt: messagesText(pair.prompt, DEFAULT_ROLE.prompt),
    chosen: messagesText(pair.chosen, DEFAULT_ROLE.chosen),
    rejected: messagesText(pair.rejected, DEFAULT_ROLE.rejected),
  };
}
