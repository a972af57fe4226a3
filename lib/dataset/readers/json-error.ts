/**
 * Finds where and why a JSON text is invalid. Engines word `JSON.parse` errors differently and some give no
 * position (V8: `Unexpected token '}', "{"a":}" is not valid JSON`), so the error path re-reads the text with a
 * small strict validator that names what was expected. Only used after `JSON.parse` has failed.
 */
import { codePointCount, describeCharAt } from "@/lib/dataset/readers/bytes";

/** Where a JSON text goes wrong: UTF-16 offset into the text and a message saying what was expected. */
export interface JsonErrorLocation {
  offset: number;
  message: string;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);

/** Returns where `text` stops being valid JSON (one value, whitespace around it allowed), or null when valid. */
export function locateJsonError(text: string): JsonErrorLocation | null {
  const n = text.length;
  let i = 0;
  const stack: number[] = []; // 0x7b '{' or 0x5b '['
  const fail = (at: number, expected: string): JsonErrorLocation => {
    const found = describeCharAt(text, at);
    const truncated = at >= n ? " (the record is cut short)" : "";
    return { offset: at, message: `invalid JSON: expected ${expected}, found ${found}${truncated}` };
  };
  const skipWs = () => {
    while (i < n && WS.has(text.charCodeAt(i))) i++;
  };
  // Returns an error or null; on success `i` is just past the closing quote.
  const readString = (): JsonErrorLocation | null => {
    const open = i;
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return null;
      }
      if (c < 0x20) {
        return {
          offset: i,
          message: `invalid JSON: ${describeCharAt(text, i)} inside a string must be escaped (e.g. \\n)`,
        };
      }
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return fail(i + 2, "4 hex digits after \\u");
          i += 6;
        } else if (e !== undefined && ESCAPES.has(e)) i += 2;
        else return fail(i + 1, 'an escape character (one of " \\ / b f n r t u) after "\\"');
      } else i++;
    }
    const column = codePointCount(text, 0, open) + 1;
    return fail(n, `the closing '"' of the string opened at character ${column}`);
  };
  const readNumber = (): JsonErrorLocation | null => {
    if (text[i] === "-") i++;
    if (text[i] === "0") i++;
    else if (text[i] >= "1" && text[i] <= "9") while (text[i] >= "0" && text[i] <= "9") i++;
    else return fail(i, "a digit");
    if (text[i] === ".") {
      i++;
      if (!(text[i] >= "0" && text[i] <= "9")) return fail(i, "a digit after the decimal point");
      while (text[i] >= "0" && text[i] <= "9") i++;
    }
    if (text[i] === "e" || text[i] === "E") {
      i++;
      if (text[i] === "+" || text[i] === "-") i++;
      if (!(text[i] >= "0" && text[i] <= "9")) return fail(i, "a digit in the exponent");
      while (text[i] >= "0" && text[i] <= "9") i++;
    }
    return null;
  };

  type State = "value" | "key" | "after";
  let state: State = "value";
  for (;;) {
    skipWs();
    if (state === "value") {
      if (i >= n) return fail(i, "a value");
      const c = text[i];
      if (c === "{") {
        i++;
        skipWs();
        if (text[i] === "}") {
          i++;
          state = "after";
        } else {
          stack.push(0x7b);
          state = "key";
        }
      } else if (c === "[") {
        i++;
        skipWs();
        if (text[i] === "]") {
          i++;
          state = "after";
        } else {
          stack.push(0x5b);
          state = "value";
        }
      } else if (c === '"') {
        const err = readString();
        if (err) return err;
        state = "after";
      } else if (c === "-" || (c >= "0" && c <= "9")) {
        const err = readNumber();
        if (err) return err;
        state = "after";
      } else {
        const literal = ["true", "false", "null"].find((w) => text.startsWith(w, i));
        if (!literal) return fail(i, "a value (object, array, string, number, true, false or null)");
        i += literal.length;
        state = "after";
      }
    } else if (state === "key") {
      if (text[i] !== '"') return fail(i, "a property name in double quotes");
      const err = readString();
      if (err) return err;
      skipWs();
      if (text[i] !== ":") return fail(i, "':' after the property name");
      i++;
      state = "value";
    } else {
      const top = stack[stack.length - 1];
      if (top === undefined) return i < n ? fail(i, "nothing after the JSON value") : null;
      const c = text[i];
      if (c === ",") {
        i++;
        state = top === 0x7b ? "key" : "value";
      } else if ((top === 0x7b && c === "}") || (top === 0x5b && c === "]")) {
        i++;
        stack.pop();
      } else {
        return fail(i, top === 0x7b ? "',' or '}' after a property value" : "',' or ']' after an array element");
      }
    }
  }
}

/** Parses `text` as JSON; on failure returns the location and message (never throws). */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: JsonErrorLocation } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    // The validator agrees with JSON.parse on every input we know of; keep the engine's words otherwise.
    return { ok: false, error: locateJsonError(text) ?? { offset: 0, message: `invalid JSON: ${String(err)}` } };
  }
}

/** Names the JSON type of a non-object value for "expected a JSON object" messages. */
export function describeJsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return "a string";
  if (typeof value === "number") return "a number";
  if (typeof value === "boolean") return "a boolean";
  return typeof value;
}
