import { describe, expect, it } from "vitest";
import {
  GrowableF64,
  codePointCount,
  concatBlobs,
  describeCharAt,
  distinctRows,
  groupRanges,
  lineColumnIn,
  readBytes,
  readChunks,
  registerByteReader,
  searchable,
} from "@/lib/dataset/readers/bytes";

describe("groupRanges", () => {
  const starts = new Float64Array([0, 10, 20, 1000, 1010]);
  const ends = new Float64Array([9, 19, 29, 1009, 1019]);
  it.each([
    [
      [0, 1, 2, 3, 4],
      64,
      1 << 20,
      [
        [0, 29, [0, 1, 2]],
        [1000, 1019, [3, 4]],
      ],
    ],
    [[0, 2, 4], 2000, 1 << 20, [[0, 1019, [0, 2, 4]]]],
    [
      [0, 1, 2],
      64,
      20,
      [
        [0, 19, [0, 1]],
        [20, 29, [2]],
      ],
    ],
    // Out of byte order: a row before the run starts a new run (the order given is kept).
    [
      [2, 0],
      64,
      1 << 20,
      [
        [20, 29, [2]],
        [0, 9, [0]],
      ],
    ],
  ])("order %j, gap %i, max %i", (order, gap, max, expected) => {
    const runs = [...groupRanges(order, starts, ends, gap, max)].map((r) => [r.start, r.end, r.members]);
    expect(runs).toEqual(expected);
  });
});

describe("text positions", () => {
  it.each([
    ["abc", 2, { line: 1, column: 3 }],
    ["a\nbc", 3, { line: 2, column: 2 }],
    ["😀x\n😀😀y", 8, { line: 2, column: 3 }],
  ])("lineColumnIn(%j, %i)", (text, offset, expected) => {
    expect(lineColumnIn(text, offset)).toEqual(expected);
  });

  it.each([
    ["a😀b", 0, 4, 3],
    ["é", 0, 1, 1],
  ])("codePointCount(%j)", (text, start, end, expected) => {
    expect(codePointCount(text, start, end)).toBe(expected);
  });

  it.each([
    ["x", 0, '"x"'],
    ["\n", 0, "a line break"],
    ["\u0001", 0, "control character U+0001"],
    ["", 0, "the end of the record"],
  ])("describeCharAt(%j)", (text, offset, expected) => {
    expect(describeCharAt(text, offset)).toBe(expected);
  });
});

describe("GrowableF64", () => {
  it("grows past its initial capacity and keeps values", () => {
    const g = new GrowableF64();
    for (let i = 0; i < 5000; i++) g.push(i * 1.5);
    const a = g.toArray();
    expect(a.length).toBe(5000);
    expect([a[0], a[1023], a[1024], a[4999]]).toEqual([0, 1534.5, 1536, 7498.5]);
  });
});

describe("distinctRows", () => {
  it("drops repeats in first-seen order", () => {
    expect(distinctRows([3, 1, 3, 0, 1], 4)).toEqual([3, 1, 0]);
  });
  it.each([[-1], [4], [1.5], [NaN]])("rejects row %s of 4 rows", (row) => {
    expect(() => distinctRows([0, row], 4)).toThrow(new RangeError(`row ${row} is out of range (0…3)`));
  });
});

describe("registered byte readers", () => {
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

  it("reads a registered Blob through its reader, clamped to the Blob's size like Blob.slice", async () => {
    const blob = new Blob(["0123456789"]);
    const calls: [number, number][] = [];
    registerByteReader(blob, async (start, end) => {
      calls.push([start, end]);
      return new Uint8Array(await blob.slice(start, end).arrayBuffer());
    });
    expect(text(await readBytes(blob, 2, 5))).toBe("234");
    expect(text(await readBytes(blob, 8, 99))).toBe("89");
    expect(text(await readBytes(blob, 12, 20))).toBe("");
    expect(calls).toEqual([
      [2, 5],
      [8, 10],
      [10, 10],
    ]);
    const chunks: string[] = [];
    for await (const c of readChunks(blob, 1, 4)) chunks.push(`${c.offset}:${text(c.bytes)}`);
    expect(chunks).toEqual(["1:1234", "5:5678", "9:9"]);
  });

  it("joins parts so that reads across part boundaries go through each part's reader", async () => {
    const a = new Blob(["abc"]);
    const b = new Blob(["defg"]);
    const c = new Blob(["hi"]);
    const read: string[] = [];
    for (const [name, part] of [
      ["a", a],
      ["c", c],
    ] as const) {
      registerByteReader(part, async (start, end) => {
        read.push(`${name}[${start},${end})`);
        return new Uint8Array(await part.slice(start, end).arrayBuffer());
      });
    }
    const joined = concatBlobs([a, b, c]);
    expect(joined.size).toBe(9);
    expect(text(await readBytes(joined, 1, 8))).toBe("bcdefgh");
    expect(text(await readBytes(joined, 0, 9))).toBe(await joined.text());
    expect(read).toEqual(["a[1,3)", "c[0,1)", "a[0,3)", "c[0,2)"]);
  });

  it("leaves a concatenation of plain Blobs a plain Blob", async () => {
    const joined = concatBlobs([new Blob(["x"]), new Blob(["yz"])]);
    expect(text(await readBytes(joined, 0, 3))).toBe("xyz");
  });

  it("searchable bytes find the same positions as the array", () => {
    const bytes = new TextEncoder().encode('{"a":1}\n\n{"b":"é"}\n');
    const view = searchable(bytes.subarray(1));
    expect(view.length).toBe(bytes.length - 1);
    const found = [];
    for (let p = view.indexOf(0x0a); p >= 0; p = view.indexOf(0x0a, p + 1)) found.push(p);
    expect(found).toEqual([6, 7, 18]);
  });
});
