/**
 * The streamed export writes the same bytes as the export did before it streamed, in every format, with and without
 * computed columns, whatever the chunk size and however slowly the sink takes them; it hands the sink bounded chunks,
 * reports progress, stops when cancelled, and a file it streams into is committed only when every byte is out.
 */
import { describe, expect, it } from "vitest";
import type { ExportFormat } from "@/lib/dataset/types";
import { ExportError } from "@/lib/export/export-error";
import { exportRows, writeRows } from "@/lib/export/export";
import { isExportCancelled, type ByteSink, type ExportProgress } from "@/lib/export/export-output";
import { writeToFileHandle, type FileHandleLike } from "@/lib/export/file-handle-export";
import { exportTrl } from "@/lib/export/trl";
import { openOk } from "@/test/source-helpers";
import { EXPORT_FORMATS, STREAM_CASES, openCase, sha256 } from "@/test/export-stream-cases";
import type { DatasetSession } from "@/lib/workbench/session";

/**
 * SHA-256 and length of each export of the cases in test/export-stream-cases.ts, recorded with `exportSelection` at
 * commit 0c23732, before exports streamed (the Blob was then built by lib/export/blob-builder.ts).
 */
const BEFORE_STREAMING: [string, ExportFormat, boolean, string, number][] = [
  ["trl.jsonl", "jsonl", false, "0f5edeacfcfbcd2950eaac3d66d1d3d73c8e3af5b8bee6ba2c70e58c8f3683eb", 2025417],
  ["trl.jsonl", "jsonl", true, "7e5a446483b7ac1d39a5ddd1ffd9ea3fae3cfdc01f8e750088d746e011b33014", 2462463],
  ["trl.jsonl", "json", false, "4ef6bb8ea538d38806313c1f0488b73a0b2a160d8368b8104c3db2b7d9f58555", 2029936],
  ["trl.jsonl", "json", true, "09590965cdd1a8ebc2bac6917e999fd3f86f439edd075e7bb66aa7c5c3f5f474", 2466982],
  ["trl.jsonl", "csv", false, "fc42c6416c0fe38058aadafbff5f286968a6824ba6517ac1e88467a9e5a0cbad", 1713871],
  ["trl.jsonl", "csv", true, "100f694caf117256dbe2d768ae7cb7e71ee1394af74a4ce13d2d7e8141a777ca", 1902584],
  ["trl.jsonl", "tsv", false, "b3bb14a6e23d0bfeabc1c81876a1209a6fc7f9838e2151c0d49f578707accda5", 1713871],
  ["trl.jsonl", "tsv", true, "83df16abfcfec9509a7b232abdf03183d516b61b1921fe2a87f548e55e5bb001", 1902584],
  ["trl.jsonl", "parquet", false, "a8384d9f2194b1c3eebe24a9bc33263df07d6ad9166e5a3e05a9b18a9a42a3b4", 237609],
  ["trl.jsonl", "parquet", true, "734d6b5ce2f056fe34a32ce199c7096da8607b4a391c19e359b48ffb11be50d6", 364625],
  ["trl.jsonl", "trl", false, "e46e56314518b35170337b83128c0aa704c4b98cc54e4fd6895b6ea7b819f072", 1501482],
  ["trl.jsonl", "trl", true, "edb494e09aa5b84b78984bd961c695c874ab6cdcc0e65452ae8354c62ec3f65d", 1947560],
  ["chat.json", "jsonl", false, "9aeb73541dbee3b8aa5dca0e3998413fdcf2c3c29341658721a581f59057c7c0", 338806],
  ["chat.json", "jsonl", true, "ea5f589a0c175d3b50814d589b2deb78e2c419b597339c1a3a8243c8073f99d4", 448965],
  ["chat.json", "json", false, "c0c5b1e400708498099cb93fbc0babcf2bd079086c0be943827856af969e431c", 561465],
  ["chat.json", "json", true, "ee04865555ce83bc5f8e9a2fe336dcf8d6fc53df69301900d450d6d2d7acc256", 671624],
  ["chat.json", "csv", false, "c6928b3a790cf6778e003bc1d31aba3c10f87546c55c03dee38af552996e8ccd", 293799],
  ["chat.json", "csv", true, "086cb5f51b82a6d66eaeef071645f16f5beefe0edc32b27d28f660c8604825f4", 343615],
  ["chat.json", "tsv", false, "d2ff513afeee574181cfe05b732df49baef0ec05680cd994804608e363de1fbe", 293799],
  ["chat.json", "tsv", true, "d7c0ba435f38670ddd3ac353b2d56b73dd1828d8e15c2526d4d0100fe71dcbd9", 343615],
  ["chat.json", "parquet", false, "cac0a794b8260d0a9d369b0e7049c2cf9fe6c045c6759eb815ed54b17504f886", 55890],
  ["chat.json", "parquet", true, "1909eeba81e0312540104b7820bdbec5fbfaee48b4138722715d2ba75b67f5e0", 87274],
  ["chat.json", "trl", false, "d0da460e33ce7d9e317de61abb11155f2286cfc78d9cf863846d337a1075d562", 199540],
  ["chat.json", "trl", true, "446c8aeae21bc12ec121d7ed42c235e37eb941d0073c0b389e8e3e1e3f493a4f", 311895],
  ["typed.csv", "jsonl", false, "97b86fd888c150d2b285c6e50de35652428b427e2e481faec8ed30dc473b337e", 364213],
  ["typed.csv", "jsonl", true, "ead62c9c0564974de1c953f50a62d4127d08b82a5426ed4c694c866a6362ac3e", 545065],
  ["typed.csv", "json", false, "4b7b3d4010a459e626a1ada9a520740bc31ce8774cf9dab8964a9f831c1aa079", 366092],
  ["typed.csv", "json", true, "8ff8fbf9c5ab0cdd4bfbe2150b52b189f8aef11ce478184968be1cab68e7b7d1", 546944],
  ["typed.csv", "csv", false, "189e726a925ad42eb6f67c2057675bb9d26566dc2b12ee723aa85e0942ce5f0f", 194650],
  ["typed.csv", "csv", true, "d5445b293fc34abc55eab262eb691340d4568973cb8575bd480d0b6a63415a32", 272369],
  ["typed.csv", "tsv", false, "e310773370023e1c593a328ac6184ed4e4549847c73c69a500e1ea97217a2dc9", 193397],
  ["typed.csv", "tsv", true, "a6d1aa359779d2c44d4ec23468aa60bbc80030419e52c88f6f068ec6ce91c4fe", 271116],
  ["typed.csv", "parquet", false, "a77f458b4048ec2044cd9ee4654a50363e8e82509fbe0e895b0391bc532ccd6a", 86545],
  ["typed.csv", "parquet", true, "2d258b7fa7bce3fd45cb1034abac9d1f55a6fb7b7e307601059bb8615c298667", 139771],
  ["typed.csv", "trl", false, "4b3794f18fa55474e50f0bfe667cb907990bfa1796783ce28c900ec713203956", 142844],
  ["typed.csv", "trl", true, "21c1e331308f4e00ce4dea91a3d425bf9894a170ce59e4c618038bad9e2561cb", 327448],
  ["typed.tsv", "jsonl", false, "97b86fd888c150d2b285c6e50de35652428b427e2e481faec8ed30dc473b337e", 364213],
  ["typed.tsv", "jsonl", true, "ead62c9c0564974de1c953f50a62d4127d08b82a5426ed4c694c866a6362ac3e", 545065],
  ["typed.tsv", "json", false, "4b7b3d4010a459e626a1ada9a520740bc31ce8774cf9dab8964a9f831c1aa079", 366092],
  ["typed.tsv", "json", true, "8ff8fbf9c5ab0cdd4bfbe2150b52b189f8aef11ce478184968be1cab68e7b7d1", 546944],
  ["typed.tsv", "csv", false, "9f31dc68317325ed3761d980b72107c01c3bb6b679e82622e8c336e100108b7b", 193397],
  ["typed.tsv", "csv", true, "b74a1983d07ef19f3a559c0dc7e3abf8cd5897ba8854636b426130831dce6f4d", 271116],
  ["typed.tsv", "tsv", false, "67e9414fcbae2ae789f050698e2518afd57c99acb6741a900dc64119cd628f16", 194650],
  ["typed.tsv", "tsv", true, "9180be149e22b24214d059a87d8a4c0a9442ec71524166f6d21004b46584d488", 272369],
  ["typed.tsv", "parquet", false, "a77f458b4048ec2044cd9ee4654a50363e8e82509fbe0e895b0391bc532ccd6a", 86545],
  ["typed.tsv", "parquet", true, "2d258b7fa7bce3fd45cb1034abac9d1f55a6fb7b7e307601059bb8615c298667", 139771],
  ["typed.tsv", "trl", false, "4b3794f18fa55474e50f0bfe667cb907990bfa1796783ce28c900ec713203956", 142844],
  ["typed.tsv", "trl", true, "21c1e331308f4e00ce4dea91a3d425bf9894a170ce59e4c618038bad9e2561cb", 327448],
  ["paper.parquet", "jsonl", false, "fceaf779ed2081059eef67febb1764277136989fd0081eed3baa82976b3055be", 1312119],
  ["paper.parquet", "jsonl", true, "72a201d19914c974337fa0f8dca9f0314b2f26e4701d7ab5d5c70def453d89d5", 1712269],
  ["paper.parquet", "json", false, "633e4ff5649641aae6a845de0dfda0ac35960514966d22021122c08e4595ff25", 1316258],
  ["paper.parquet", "json", true, "9bfbad1fddcc5e9f05446faca912051c0d295ea40473af0230f6eea9865e0e97", 1716408],
  ["paper.parquet", "csv", false, "e839d6792e4e731f5808026aa950e861565b735c8c1a989fa5c736b1e9630269", 1175684],
  ["paper.parquet", "csv", true, "111344e6165982148ce7e5ae59fa8fcc3f40a2c2ad5ebeceb5c256ac52d40df7", 1348401],
  ["paper.parquet", "tsv", false, "5f6cbee5c37ff3c78951df0ab1f4ca5f81cacde83d41192ba464d859c68dd329", 1175684],
  ["paper.parquet", "tsv", true, "d500b6ba39a64a7b8b921fe3e19d132f4f527fb9a3f120ba8e8176ae5b473978", 1348401],
  ["paper.parquet", "parquet", false, "44b5ddc9cf3aae09e2c6f00edb880f64b008adc086f0c3f9bed59828460467e7", 185798],
  ["paper.parquet", "parquet", true, "cd34c9ceeb94300f7d8c72c4ba3a8803509f9f55a73f30f0f69ab5d104d02fdd", 302468],
  ["paper.parquet", "trl", false, "bb6f774d6fbcf944cde0eaac4da9417cb28c3f4f4eef1e8bf97163a47b253cc2", 748619],
  ["paper.parquet", "trl", true, "0d81c37542a308c0fbc5d27e4cd938908d687db5719e2529636d52db116e01f4", 1157041],
];

/** A sink that keeps its chunks and, every third chunk, takes a macrotask to accept one (a slow disk). */
function collectingSink(): ByteSink & { chunks: Uint8Array[] } {
  const chunks: Uint8Array[] = [];
  return {
    chunks,
    async write(chunk) {
      if (chunks.length % 3 === 2) await new Promise((resolve) => setTimeout(resolve, 0));
      chunks.push(chunk);
    },
  };
}

const sessions = new Map<string, Promise<DatasetSession>>();
const sessionOf = (name: string) => {
  const c = STREAM_CASES.find((x) => x.name === name)!;
  if (!sessions.has(name)) sessions.set(name, openCase(c));
  return sessions.get(name)!;
};

describe("streamed export equals the export before streaming", () => {
  it("covers every case, format and computed-columns choice", () => {
    const keys = new Set(BEFORE_STREAMING.map(([c, f, x]) => `${c}|${f}|${x}`));
    for (const c of STREAM_CASES)
      for (const f of EXPORT_FORMATS)
        for (const x of [false, true]) {
          expect(keys.has(`${c.name}|${f}|${x}`), `${c.name} ${f} ${x}`).toBe(true);
        }
  });

  it.each(BEFORE_STREAMING)("%s → %s (computed %s)", async (name, format, computed, hash, length) => {
    const session = await sessionOf(name);
    // The Blob the app downloads and the CLI wrote before.
    const { blob, count } = await session.exportSelection(format, computed);
    expect(blob.size).toBe(length);
    expect(sha256([new Uint8Array(await blob.arrayBuffer())])).toBe(hash);
    // Streamed in odd-sized chunks to a slow sink.
    const sink = collectingSink();
    const progress: ExportProgress[] = [];
    const chunkBytes = 64 * 1024 + 7;
    const written = await session.writeSelection(format, computed, sink, {
      chunkBytes,
      onProgress: (p) => progress.push(p),
    });
    expect(written).toMatchObject({ count, bytes: length });
    expect(sha256(sink.chunks)).toBe(hash);
    // Every chunk is full but the last.
    sink.chunks.slice(0, -1).forEach((c) => expect(c.length).toBe(chunkBytes));
    expect(sink.chunks.at(-1)!.length).toBeLessThanOrEqual(chunkBytes);
    // Progress: bytes never go back, and the last report is every row and every byte.
    for (let i = 1; i < progress.length; i++) expect(progress[i].bytes).toBeGreaterThanOrEqual(progress[i - 1].bytes);
    expect(progress.at(-1)).toEqual({ stage: "writing", rows: count, totalRows: count, bytes: length });
  });
});

describe("cancelling a streamed export", () => {
  it("stops at the next batch with export-cancelled, before the sink has the whole file", async () => {
    const session = await sessionOf("trl.jsonl");
    const controller = new AbortController();
    const sink = collectingSink();
    const err = await session
      .writeSelection("jsonl", true, sink, {
        chunkBytes: 16 * 1024,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.bytes > 100_000) controller.abort();
        },
      })
      .catch((e) => e);
    expect(isExportCancelled(err)).toBe(true);
    expect((err as Error).message).toBe("the export was cancelled: nothing was saved");
    const got = sink.chunks.reduce((n, c) => n + c.length, 0);
    expect(got).toBeGreaterThan(100_000);
    expect(got).toBeLessThan(2_462_463);
  });
});

/** A FileSystemFileHandle stand-in: what was written, committed, aborted, removed. */
function fakeHandle(options: { failClose?: boolean; failOpen?: boolean } = {}) {
  const state = { written: [] as Uint8Array[], committed: null as Uint8Array[] | null, aborted: false, removed: false };
  const handle: FileHandleLike = {
    name: "out.jsonl",
    async createWritable() {
      if (options.failOpen) throw new DOMException("The request is not allowed", "NotAllowedError");
      return {
        async write(data) {
          state.written.push(data.slice());
        },
        async close() {
          if (options.failClose) throw new DOMException("quota exceeded", "QuotaExceededError");
          state.committed = state.written;
        },
        async abort() {
          state.aborted = true;
        },
      };
    },
    async getFile() {
      return { size: state.committed ? state.committed.reduce((n, c) => n + c.length, 0) : 0 };
    },
    async remove() {
      state.removed = true;
    },
  };
  return { handle, state };
}

describe("writeToFileHandle", () => {
  it("commits the file once every chunk is written", async () => {
    const session = await sessionOf("typed.csv");
    const { handle, state } = fakeHandle();
    const result = await writeToFileHandle(handle, (sink) => session.writeSelection("parquet", true, sink));
    expect(state.aborted).toBe(false);
    const { blob } = await session.exportSelection("parquet", true);
    expect(sha256(state.committed!)).toBe(sha256([new Uint8Array(await blob.arrayBuffer())]));
    expect(result.bytes).toBe(blob.size);
  });

  it("aborts the writable (nothing committed) and removes the empty picked file when the export is cancelled", async () => {
    const session = await sessionOf("paper.parquet");
    const { handle, state } = fakeHandle();
    const controller = new AbortController();
    const err = await writeToFileHandle(handle, (sink) =>
      session.writeSelection("jsonl", false, sink, {
        chunkBytes: 8 * 1024,
        signal: controller.signal,
        onProgress: (p) => p.bytes > 0 && controller.abort(),
      }),
    ).catch((e) => e);
    expect(isExportCancelled(err)).toBe(true);
    expect(state.written.length).toBeGreaterThan(0);
    expect(state.committed).toBeNull();
    expect(state.aborted).toBe(true);
    expect(state.removed).toBe(true);
  });

  it("aborts when the TRL export fails after its last row (a computed column null through the first 10 MiB)", async () => {
    // 12 rows of ~1 MiB: m_ap is missing on the first 11, so its first number lies past datasets' first chunk.
    const text = "x".repeat(1 << 20);
    const lines = Array.from({ length: 12 }, (_, i) =>
      JSON.stringify({ prompt: `p${i}`, chosen: text, rejected: "r" }),
    );
    const source = await openOk(lines.join("\n") + "\n", "big.jsonl");
    const mapping = { schema: "trl" as const, prompt: "prompt", chosen: "chosen", rejected: "rejected" };
    const late = new Float64Array(12).fill(NaN);
    late[11] = 1;
    const rows = Array.from({ length: 12 }, (_, i) => i);
    const extra = [{ name: "m_ap", values: late }];
    const expected = await exportTrl(source, mapping as never, rows, extra).catch((e) => e);
    expect(expected).toBeInstanceOf(ExportError);
    const { handle, state } = fakeHandle();
    const err = await writeToFileHandle(handle, (sink) =>
      writeRows(source, rows, "trl", sink, { extra, mapping: mapping as never }),
    ).catch((e) => e);
    expect((err as Error).message).toBe((expected as Error).message);
    expect(state.written.reduce((n, c) => n + c.length, 0)).toBeGreaterThan(10 << 20);
    expect(state.committed).toBeNull();
    expect(state.aborted).toBe(true);
  });

  it.each([
    [{ failOpen: true }, "could not open out.jsonl for writing: The request is not allowed"],
    [{ failClose: true }, "could not save out.jsonl: quota exceeded"],
  ])("names the file when it can't be opened or committed (%o)", async (options, message) => {
    const session = await sessionOf("chat.json");
    const { handle, state } = fakeHandle(options);
    const err = await writeToFileHandle(handle, (sink) => session.writeSelection("jsonl", false, sink)).catch((e) => e);
    expect(err).toBeInstanceOf(ExportError);
    expect((err as ExportError).code).toBe("export-file");
    expect((err as Error).message).toBe(message);
    expect(state.committed).toBeNull();
  });
});

describe("chunk boundaries anywhere", () => {
  const BIG = 2n ** 60n + 1n;
  const HUGE = 2n ** 70n + 3n;
  // Exact integers (exact-integers.test.ts) and typed CSV cells (conversion-matrix.test.ts), in small files.
  const FILES: [string, string][] = [
    [
      "big.jsonl",
      `{"id":${BIG},"wide":${HUGE},"meta":{"seed":${HUGE},"n":1},"s":"é ✓ 𝛃"}\n{"id":-5,"wide":null,"meta":null,"s":"\\"q\\""}\n`,
    ],
    ["typed.csv", 'a,n,flag,tags,id\n"x, y",1.50,true,"[""x""]",9007199254740993\nz,,false,[],2\n'],
  ];
  it.each(FILES.flatMap(([name]) => EXPORT_FORMATS.filter((f) => f !== "trl").map((f) => [name, f])))(
    "%s → %s in chunks of 1 and 3 bytes equals the Blob export",
    async (name, format) => {
      const source = await openOk(FILES.find(([n]) => n === name)![1], name);
      const rows = [0, 1];
      const extra = [{ name: "m_ap", values: new Float64Array([0.5, NaN]) }];
      const expected = sha256([
        new Uint8Array(await (await exportRows(source, rows, format as ExportFormat, extra)).arrayBuffer()),
      ]);
      for (const chunkBytes of [1, 3]) {
        const sink = collectingSink();
        await writeRows(source, rows, format as ExportFormat, sink, { extra, chunkBytes });
        expect(sink.chunks.every((c) => c.length <= chunkBytes)).toBe(true);
        expect(sha256(sink.chunks)).toBe(expected);
      }
    },
  );
});
