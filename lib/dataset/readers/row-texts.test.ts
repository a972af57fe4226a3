import { describe, expect, it } from "vitest";
import { ASCII_RUN_BYTES, ASCII_RUN_ROWS, isAscii, RowTexts, wordsOf } from "@/lib/dataset/readers/row-texts";

const naive = (b: Uint8Array, from: number, to: number) => b.subarray(from, to).every((x) => x < 0x80);

describe("isAscii", () => {
  it("agrees with a byte-by-byte check at every alignment, on views at odd offsets", () => {
    const backing = new Uint8Array(203);
    for (let i = 0; i < backing.length; i++) backing[i] = 32 + ((i * 7) % 90);
    for (const at of [0, 5, 17, 64, 100, 101, 102, 103, 199]) {
      for (const offset of [0, 1, 2, 3]) {
        const copy = backing.slice();
        copy[at] = 0xc3;
        const bytes = copy.subarray(offset);
        const words = wordsOf(bytes);
        for (let from = 0; from < 24; from++)
          for (const to of [from, from + 1, from + 3, from + 4, from + 9, 60, 98, 99, 100, 101, bytes.length]) {
            if (to < from || to > bytes.length) continue;
            expect(isAscii(bytes, words, from, to)).toBe(naive(bytes, from, to));
          }
      }
    }
  });
});

/** Rows joined by the given line ends; each row's byte range (UTF-8). */
function chunkOf(rows: string[], sep = (k: number) => (k % 5 === 4 ? "\r\n\n" : "\n")) {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let at = 0;
  rows.forEach((r, k) => {
    const b = enc.encode(r);
    starts.push(at);
    ends.push(at + b.length);
    const s = enc.encode(sep(k));
    parts.push(b, s);
    at += b.length + s.length;
  });
  const bytes = new Uint8Array(at);
  let o = 0;
  for (const p of parts) {
    bytes.set(p, o);
    o += p.length;
  }
  return { bytes, starts, ends };
}

describe("RowTexts", () => {
  const rows = Array.from({ length: 300 }, (_, k) =>
    k % 7 === 3
      ? `{"k":${k},"t":"ünï €${k}"}`
      : k % 11 === 5
        ? `{"k":${k},"t":"😀"}`
        : `{"k":${k},"t":"${"x".repeat(k % 13)}"}`,
  );
  const decoder = new TextDecoder("utf-8", { fatal: true });

  it("gives every row's own text, visited in order, at any base offset and chunk alignment", () => {
    for (const pad of [0, 1, 2, 3]) {
      const { bytes, starts, ends } = chunkOf(rows);
      const padded = new Uint8Array(bytes.length + pad);
      padded.set(bytes, pad);
      const chunk = padded.subarray(pad);
      const base = 1000;
      const texts = new RowTexts(decoder, true);
      texts.reset(
        chunk,
        base,
        starts.map((s) => s + base),
        ends.map((e) => e + base),
        rows.length - 1,
      );
      rows.forEach((r, k) => expect(texts.text(k)).toBe(r));
    }
  });

  it("runs no further than ASCII_RUN_ROWS rows or the chunk's last row, and answers out-of-order rows too", () => {
    const ascii = Array.from({ length: 3 * ASCII_RUN_ROWS + 5 }, (_, k) => `{"k":${k}}`);
    const { bytes, starts, ends } = chunkOf(ascii);
    const texts = new RowTexts(decoder, true);
    texts.reset(bytes, 0, starts, ends, 100);
    for (let k = 0; k <= 100; k++) expect(texts.text(k)).toBe(ascii[k]);
    for (const k of [7, 3, 99, 0, 64, 65, 63]) expect(texts.text(k)).toBe(ascii[k]);
  });

  it("runs no further than ASCII_RUN_BYTES: long rows are decoded one by one", () => {
    const long = Array.from({ length: 10 }, (_, k) => `{"k":${k},"t":"${"y".repeat(ASCII_RUN_BYTES / 3)}"}`);
    const { bytes, starts, ends } = chunkOf(long);
    const texts = new RowTexts(decoder, true);
    texts.reset(bytes, 0, starts, ends, long.length - 1);
    long.forEach((r, k) => expect(texts.text(k)).toBe(r));
    // Two rows a run: each run string stays under the limit.
    const runs = texts as unknown as { runText: string };
    texts.text(0);
    expect(runs.runText.length).toBeLessThanOrEqual(ASCII_RUN_BYTES);
    expect(runs.runText.length).toBeGreaterThan(ASCII_RUN_BYTES / 2);
  });

  it("throws for a row that is not valid UTF-8 and still decodes the rows around it", () => {
    const { bytes, starts, ends } = chunkOf(['{"a":1}', '{"b":"XY"}', '{"c":3}']);
    bytes[starts[1] + 6] = 0xff;
    for (const byRuns of [true, false]) {
      const texts = new RowTexts(decoder, byRuns);
      texts.reset(bytes, 0, starts, ends, 2);
      expect(texts.text(0)).toBe('{"a":1}');
      expect(() => texts.text(1)).toThrow(TypeError);
      expect(texts.text(2)).toBe('{"c":3}');
    }
  });

  it("decodes row by row in Node, where that is faster", () => {
    const { bytes, starts, ends } = chunkOf(rows);
    const texts = new RowTexts(decoder);
    texts.reset(bytes, 0, starts, ends, rows.length - 1);
    rows.forEach((r, k) => expect(texts.text(k)).toBe(r));
  });
});
