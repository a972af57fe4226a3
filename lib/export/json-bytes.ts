/**
 * Byte-level edits of one JSON record that keep every original byte of its values: minifying (whitespace outside
 * strings removed, so number spellings and string escapes stay exactly as written) and appending members.
 */

const isWs = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** True when the bytes contain a line break (a pretty-printed record that can't be one JSON Lines line as is). */
export function hasLineBreak(bytes: Uint8Array): boolean {
  return bytes.indexOf(0x0a) >= 0 || bytes.indexOf(0x0d) >= 0;
}

/** Removes whitespace outside strings. Input must be one valid JSON value. */
export function minifyJson(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  let n = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      out[n++] = b;
      if (b === 0x5c) out[n++] = bytes[++i];
      else if (b === 0x22) inString = false;
    } else if (!isWs(b)) {
      out[n++] = b;
      if (b === 0x22) inString = true;
    }
  }
  return out.subarray(0, n);
}

/**
 * Inserts `members` (e.g. `"m_ap":1.5,"rank":null`) as the last members of the object in `bytes`, right after
 * its last value (before the whitespace and `}` that close it); handles `{}`. Throws if `bytes` isn't an object.
 */
export function appendMembers(bytes: Uint8Array, members: Uint8Array): Uint8Array {
  let close = bytes.length - 1;
  while (close >= 0 && isWs(bytes[close])) close--;
  if (close < 0 || bytes[close] !== 0x7d) throw new Error("expected a JSON object ending in '}'");
  let last = close - 1;
  while (last >= 0 && isWs(bytes[last])) last--;
  const empty = last >= 0 && bytes[last] === 0x7b;
  const at = last + 1;
  const out = new Uint8Array(bytes.length + members.length + (empty ? 0 : 1));
  out.set(bytes.subarray(0, at), 0);
  let n = at;
  if (!empty) out[n++] = 0x2c;
  out.set(members, n);
  out.set(bytes.subarray(at), n + members.length);
  return out;
}

/** A number as JSON: shortest round-trip spelling (`JSON.stringify`); NaN and ±Infinity have none → `null`. */
export function jsonNumber(value: number): string {
  return Number.isFinite(value) ? JSON.stringify(value) : "null";
}
