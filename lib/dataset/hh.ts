/**
 * Anthropic HH transcripts: `"\n\nHuman: … \n\nAssistant: …"` strings for chosen and rejected that share a
 * dialogue prefix. Splits them into prompt messages and the diverging responses without dropping any text.
 */
import type { Message } from "@/lib/dataset/types";

/** The marker that opens an assistant turn; the response starts after the last one both transcripts share. */
export const HH_ASSISTANT = "\n\nAssistant:";
/** The marker that opens a human turn. */
export const HH_HUMAN = "\n\nHuman:";

/** Result of splitting one HH pair. */
export interface HhSplit {
  prompt: Message[];
  chosen: Message[];
  rejected: Message[];
  /**
   * True when a response holds more than one turn: the transcripts differ before their last assistant turn, share
   * no assistant marker, or the response text itself contains turn markers. Every turn is kept, in order.
   */
  divergent: boolean;
}

const TURN = /\n\nHuman:|\n\nAssistant:/g;

/** True when a string looks like an HH transcript (starts with a Human turn, has an Assistant turn). */
export function isHhTranscript(value: unknown): boolean {
  if (typeof value !== "string") return false;
  const t = value.startsWith("Human:") ? `\n\n${value}` : value;
  return t.startsWith(HH_HUMAN) && t.includes(HH_ASSISTANT);
}

// The format puts one space after "Human:"/"Assistant:"; that space is layout, not content.
function turnText(text: string): string {
  return text.startsWith(" ") ? text.slice(1) : text;
}

/**
 * Splits transcript text into messages. With `afterAssistantMarker`, the text follows an `Assistant:` marker,
 * so it opens with assistant text (possibly empty); otherwise it is a whole transcript and any text before
 * the first marker is kept as a user turn.
 */
export function parseHhTurns(text: string, afterAssistantMarker: boolean): Message[] {
  const messages: Message[] = [];
  const marks = [...text.matchAll(TURN)];
  const head = text.slice(0, marks.length > 0 ? marks[0].index : text.length);
  if (afterAssistantMarker) messages.push({ role: "assistant", content: turnText(head) });
  // Transcripts begin with "\n\nHuman:", so the empty text before it is not a turn.
  else if (head !== "" || marks.length === 0) messages.push({ role: "user", content: head });
  marks.forEach((m, i) => {
    const end = i + 1 < marks.length ? marks[i + 1].index : text.length;
    const role = m[0] === HH_HUMAN ? "user" : "assistant";
    messages.push({ role, content: turnText(text.slice(m.index + m[0].length, end)) });
  });
  return messages;
}

/**
 * Splits an HH pair: the prompt is the shared dialogue up to and including the last `\n\nAssistant:` marker both
 * transcripts have at the same position; the rest of each transcript is its response (one assistant message
 * unless the transcripts diverge earlier).
 */
export function splitHhPair(chosen: string, rejected: string): HhSplit {
  // Some exports drop the leading blank lines; restore them so the markers are uniform.
  const c = chosen.startsWith("Human:") ? `\n\n${chosen}` : chosen;
  const r = rejected.startsWith("Human:") ? `\n\n${rejected}` : rejected;
  let common = 0;
  const limit = Math.min(c.length, r.length);
  while (common < limit && c.charCodeAt(common) === r.charCodeAt(common)) common++;
  // The last assistant marker lying wholly inside the shared prefix.
  let cut = c.lastIndexOf(HH_ASSISTANT, common - HH_ASSISTANT.length);
  if (common < HH_ASSISTANT.length) cut = -1;
  if (cut < 0) {
    return { prompt: [], chosen: parseHhTurns(c, false), rejected: parseHhTurns(r, false), divergent: true };
  }
  const bodyEnd = cut + HH_ASSISTANT.length;
  const prompt = parseHhTurns(c.slice(0, cut), false);
  const chosenTurns = parseHhTurns(c.slice(bodyEnd), true);
  const rejectedTurns = parseHhTurns(r.slice(bodyEnd), true);
  const divergent = chosenTurns.length > 1 || rejectedTurns.length > 1;
  return { prompt, chosen: chosenTurns, rejected: rejectedTurns, divergent };
}
