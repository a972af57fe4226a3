/**
 * A scatter worker reading its columns from the dataset worker over a link (issue 10): the page names fields and
 * versions only. Both workers' handlers run here, joined by a MessageChannel as the page joins them.
 */
import { describe, expect, it } from "vitest";
import { createDatasetHandlers } from "@/lib/workbench/handlers";
import { defaultSpec } from "@/lib/selection/spec";
import { createScatterHandlers, resolveLinked, type LinkedCache, type LinkedSource } from "./handlers";
import type { SceneView } from "./protocol";
import type { PixelTarget } from "./scene";
import { fitExtent } from "./viewport";

const createImage = (w: number, h: number) =>
  ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4), colorSpace: "srgb" }) as ImageData;
const target: PixelTarget = { canvas: { width: 0, height: 0 }, putImageData: () => {} };
const ctx = () => ({ progress: () => {}, transfer: [] as Transferable[] });
const view: SceneView = {
  viewport: { xMin: -10, xMax: 10, yMin: -10, yMax: 10 },
  widthCss: 50,
  heightCss: 50,
  pixelRatio: 1,
  pointSizeCss: 1,
};

const ROWS = Array.from({ length: 20 }, (_, i) => ({
  prompt: `q${i}`,
  chosen: `good ${i}`,
  rejected: `bad ${i}`,
  rm_margin: i % 7,
  logp_margin_norm: i === 3 ? null : (i % 5) - 2,
}));
const file = new Blob([ROWS.map((r) => JSON.stringify(r)).join("\n")]);

async function linkedScatter() {
  const dataset = createDatasetHandlers();
  await dataset.open({ file, name: "rows.jsonl" }, ctx());
  await dataset.select({ spec: defaultSpec(), histograms: [] }, ctx());
  const selected = { mask: await dataset.mask({}, ctx()) };
  const scatter = createScatterHandlers(createImage, () => target);
  scatter.init({ canvas: {} as OffscreenCanvas }, ctx());
  const channel = new MessageChannel();
  await dataset.linkScatter({ port: channel.port1 }, ctx());
  await scatter.link({ port: channel.port2 }, ctx());
  return { dataset, scatter, selected, ports: [channel.port1, channel.port2] };
}

describe("linked scatter", () => {
  it("reads x, y, colour and the mask from the dataset worker and draws them", async () => {
    const { dataset, scatter, selected, ports } = await linkedScatter();
    const r = await scatter.update(
      { linked: { x: "explicit", y: "implicit", color: "mAp", version: 1 }, linkedMask: 1, view },
      ctx(),
    );
    expect(r).toMatchObject({ rowCount: 20, skippedNaN: 1, drawn: 19 });
    const xs = ROWS.map((row) => row.rm_margin);
    const ys = ROWS.map((row) => row.logp_margin_norm ?? NaN);
    expect(r.extent).toEqual(fitExtent(xs, ys));
    expect(await scatter.point({ row: 5 }, ctx())).toEqual({ x: 5, y: -2 });
    expect(await scatter.point({ row: 3 }, ctx())).toBeNull();
    expect(await scatter.point({ row: 20 }, ctx())).toBeNull();
    // The mask drawn is the selection in force: a pick reports it per row.
    expect(new Set([0, 6, 13].map((row) => selected.mask[row])).size).toBe(2);
    for (const row of [0, 6, 13]) {
      const [x, y] = [xs[row], ys[row]];
      const hit = await scatter.pick(
        { xCss: ((x + 10) / 20) * 50, yCss: ((10 - y) / 20) * 50, radiusCss: 0.5, view },
        ctx(),
      );
      expect(hit!.row).toBe(row);
      expect(hit!.selected).toBe(selected.mask[row] === 1);
    }
    // Columns the dataset does not have read as NaN: nothing drawn, no error.
    const none = await scatter.update({ linked: { x: "column:nope", y: "implicit", color: null, version: 2 } }, ctx());
    expect(none).toMatchObject({ drawn: 0, skippedNaN: 20 });
    void dataset;
    for (const p of ports) p.close();
  });

  it("a frame waiting on a closed link goes on once the page links the fresh dataset worker", async () => {
    const { scatter, ports } = await linkedScatter();
    // A dataset worker that never answers (it died): its end of the channel is left unserved.
    const dead = new MessageChannel();
    await scatter.link({ port: dead.port2 }, ctx());
    const frame = Promise.resolve(
      scatter.update({ linked: { x: "explicit", y: "implicit", color: "mAp", version: 3 }, view }, ctx()),
    );
    let settled = false;
    void frame.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(settled).toBe(false);
    const fresh = createDatasetHandlers();
    await fresh.open({ file, name: "rows.jsonl" }, ctx());
    const next = new MessageChannel();
    await fresh.linkScatter({ port: next.port1 }, ctx());
    await scatter.link({ port: next.port2 }, ctx());
    expect(await frame).toMatchObject({ rowCount: 20, drawn: 19 });
    for (const p of [...ports, dead.port1, dead.port2, next.port1, next.port2]) p.close();
  });

  it("resolveLinked drops a mask of another length and fills missing columns with NaN", async () => {
    const patch = await resolveLinked(
      { linked: { x: "a", y: "b", color: "c", version: 1 } },
      { columns: async () => [new Float64Array([1, 2]), null, null], mask: async () => new Uint8Array(3) },
    );
    expect(Array.from(patch.data!.xs)).toEqual([1, 2]);
    expect(Array.from(patch.data!.ys)).toEqual([NaN, NaN]);
    expect(Array.from(patch.color!)).toEqual([NaN, NaN]);
    expect(patch.mask).toBeNull();
    expect(patch.linked).toBeUndefined();
  });

  it("with a cache, reads only the fields whose version moved (a w change re-reads the colour, not the axes)", async () => {
    const reads: string[][] = [];
    let n = 4;
    const column = (field: string, version: number) =>
      Float64Array.from({ length: n }, (_, i) => field.length * 100 + version * 10 + i);
    const at: Record<string, number> = { explicit: 1, implicit: 1, mAp: 1, absImplicit: 1 };
    const source: LinkedSource = {
      columns: async (fields) => (reads.push(fields), fields.map((f) => column(f, at[f]))),
      mask: async () => new Uint8Array(n),
    };
    const cache: LinkedCache = new Map();
    const ask = (y: string, versions: { x: number; y: number; color: number }) =>
      resolveLinked(
        { linked: { x: "explicit", y, color: "mAp", version: 0, fieldVersions: versions }, linkedMask: 1 },
        source,
        cache,
      );
    const first = await ask("implicit", { x: 1, y: 1, color: 1 });
    expect(reads).toEqual([["explicit", "implicit", "mAp"]]);
    expect(Array.from(first.color!)).toEqual(Array.from(column("mAp", 1)));
    // A w change: only M_AP's version moves. One column read; no axes in the patch (the scene keeps its cell sort).
    at.mAp = 2;
    const rerank = await ask("implicit", { x: 1, y: 1, color: 2 });
    expect(reads[1]).toEqual(["mAp"]);
    expect(rerank.data).toBeUndefined();
    expect(Array.from(rerank.color!)).toEqual(Array.from(column("mAp", 2)));
    expect(rerank.mask).toHaveLength(4);
    // Nothing moved: nothing read but the mask.
    const same = await ask("implicit", { x: 1, y: 1, color: 2 });
    expect(reads).toHaveLength(2);
    expect(same.data).toBeUndefined();
    expect(same.color).toBeUndefined();
    // Another y field: it alone is read; the patch carries both axes (x from the cache, the same array) and the colour.
    const swapped = await ask("absImplicit", { x: 1, y: 1, color: 2 });
    expect(reads[2]).toEqual(["absImplicit"]);
    expect(swapped.data!.xs).toBe(first.data!.xs);
    expect(Array.from(swapped.data!.ys)).toEqual(Array.from(column("absImplicit", 1)));
    expect(swapped.color).toBe(rerank.color);
    // Scores attached: the margins' version moves, both axes are read again.
    at.explicit = at.absImplicit = 3;
    const scored = await ask("absImplicit", { x: 3, y: 3, color: 2 });
    expect(reads[3]).toEqual(["explicit", "absImplicit"]);
    expect(Array.from(scored.data!.xs)).toEqual(Array.from(column("explicit", 3)));
    // Another file under the same versions (another row count): the stale axes are not mixed in, all is read again.
    n = 6;
    at.mAp = 4;
    const other = await ask("absImplicit", { x: 3, y: 3, color: 4 });
    expect(reads.slice(4)).toEqual([["mAp"], ["explicit", "absImplicit", "mAp"]]);
    expect(other.data!.xs).toHaveLength(6);
    expect(other.color).toHaveLength(6);
  });

  it("without field versions every field takes the patch's version, as before", async () => {
    const reads: string[][] = [];
    const source: LinkedSource = {
      columns: async (fields) => (reads.push(fields), fields.map(() => new Float64Array(2))),
      mask: async () => new Uint8Array(2),
    };
    const cache: LinkedCache = new Map();
    for (const version of [1, 1, 2]) {
      await resolveLinked({ linked: { x: "explicit", y: "implicit", color: "mAp", version } }, source, cache);
    }
    expect(reads).toEqual([
      ["explicit", "implicit", "mAp"],
      ["explicit", "implicit", "mAp"],
    ]);
  });

  it("after a relink (a restarted dataset worker) the scatter reads every column again", async () => {
    const { scatter, ports } = await linkedScatter();
    const linked = { x: "explicit", y: "implicit", color: "mAp", version: 0, fieldVersions: { x: 1, y: 1, color: 1 } };
    expect(await scatter.update({ linked, view }, ctx())).toMatchObject({ rowCount: 20, drawn: 19 });
    const fresh = createDatasetHandlers();
    await fresh.open({ file, name: "rows.jsonl" }, ctx());
    const asked: string[][] = [];
    const next = new MessageChannel();
    await fresh.linkScatter({ port: next.port1 }, ctx());
    // Count what the fresh dataset worker is asked through its end of the link.
    next.port1.addEventListener("message", (e: MessageEvent) => {
      const msg = e.data as { type?: string; args?: { fields?: string[] } };
      if (msg.type === "columns" && msg.args?.fields) asked.push(msg.args.fields);
    });
    await scatter.link({ port: next.port2 }, ctx());
    expect(await scatter.update({ linked, view }, ctx())).toMatchObject({ rowCount: 20, drawn: 19 });
    expect(asked).toEqual([["explicit", "implicit", "mAp"]]);
    for (const p of [...ports, next.port1, next.port2]) p.close();
  });
});
