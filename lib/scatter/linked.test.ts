/**
 * A scatter worker reading its columns from the dataset worker over a link (issue 10): the page names fields and
 * versions only. Both workers' handlers run here, joined by a MessageChannel as the page joins them.
 */
import { describe, expect, it, vi } from "vitest";
import { createDatasetHandlers } from "@/lib/workbench/handlers";
import { defaultSpec } from "@/lib/selection/spec";
import { createLinkedCache, createScatterHandlers, resolveLinked, type LinkedSource } from "./handlers";
import type { LinkedRead, SceneView, ScatterLinkApi } from "./protocol";
import { portClient } from "@/lib/worker/port-rpc";
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
      {
        read: async () => ({
          columns: [
            { gen: 1, same: false, values: new Float64Array([1, 2]) },
            { gen: 0, same: false, values: null },
            { gen: 0, same: false, values: null },
          ],
          mask: { gen: 2, same: false, values: new Uint8Array(3) },
        }),
      },
    );
    expect(Array.from(patch.data!.xs)).toEqual([1, 2]);
    expect(Array.from(patch.data!.ys)).toEqual([NaN, NaN]);
    expect(Array.from(patch.color!)).toEqual([NaN, NaN]);
    expect(patch.mask).toBeNull();
    expect(patch.linked).toBeUndefined();
  });

  /** A dataset stand-in: each field's values at a version, their generation the version; reads are logged. */
  function fakeSource(at: Record<string, number>, size: () => number) {
    const reads: LinkedRead[] = [];
    let maskGen = 1;
    const column = (field: string, version: number) =>
      Float64Array.from({ length: size() }, (_, i) => field.length * 100 + version * 10 + i);
    const source: LinkedSource = {
      read: async (request) => {
        reads.push(request);
        return {
          columns: request.fields.map(({ field, have }) =>
            have === at[field]
              ? { gen: at[field], same: true, values: null }
              : { gen: at[field], same: false, values: column(field, at[field]) },
          ),
          mask: request.mask && {
            gen: maskGen,
            same: request.mask.have === maskGen,
            values: request.mask.have === maskGen ? null : new Uint8Array(size()),
          },
        };
      },
    };
    return { reads, column, source, moveMask: () => maskGen++ };
  }

  it("with a cache, reads only the fields whose version moved (a w change re-reads the colour, not the axes)", async () => {
    let n = 4;
    const at: Record<string, number> = { explicit: 1, implicit: 1, mAp: 1, absImplicit: 1 };
    const { reads, column, source, moveMask } = fakeSource(at, () => n);
    const asked = (i: number) => reads[i].fields.map((f) => f.field);
    const cache = createLinkedCache();
    const ask = (y: string, versions: { x: number; y: number; color: number }) =>
      resolveLinked(
        { linked: { x: "explicit", y, color: "mAp", version: 0, fieldVersions: versions }, linkedMask: 1 },
        source,
        cache,
      );
    const first = await ask("implicit", { x: 1, y: 1, color: 1 });
    expect(asked(0)).toEqual(["explicit", "implicit", "mAp"]);
    expect(Array.from(first.color!)).toEqual(Array.from(column("mAp", 1)));
    expect(first.mask).toHaveLength(4);
    // A w change: only M_AP's version moves. One column read; no axes in the patch (the scene keeps its cell sort).
    at.mAp = 2;
    moveMask();
    const rerank = await ask("implicit", { x: 1, y: 1, color: 2 });
    expect(asked(1)).toEqual(["mAp"]);
    expect(reads[1].mask).toEqual({ have: 1 });
    expect(rerank.data).toBeUndefined();
    expect(Array.from(rerank.color!)).toEqual(Array.from(column("mAp", 2)));
    expect(rerank.mask).toHaveLength(4);
    // Nothing moved: no field asked, the mask asked with its generation and not copied: an empty patch.
    const same = await ask("implicit", { x: 1, y: 1, color: 2 });
    expect(asked(2)).toEqual([]);
    expect(same).toEqual({});
    // Another y field: it alone is read; the patch carries both axes (x from the cache, the same array) and the colour.
    const swapped = await ask("absImplicit", { x: 1, y: 1, color: 2 });
    expect(asked(3)).toEqual(["absImplicit"]);
    expect(swapped.data!.xs).toBe(first.data!.xs);
    expect(Array.from(swapped.data!.ys)).toEqual(Array.from(column("absImplicit", 1)));
    expect(swapped.color).toBe(rerank.color);
    expect(swapped.mask).toBe(rerank.mask);
    // Scores attached: the margins' version moves, both axes are read again.
    at.explicit = at.absImplicit = 3;
    const scored = await ask("absImplicit", { x: 3, y: 3, color: 2 });
    expect(asked(4)).toEqual(["explicit", "absImplicit"]);
    expect(Array.from(scored.data!.xs)).toEqual(Array.from(column("explicit", 3)));
    // Another file under the same versions (another row count): the stale axes are not mixed in, all is read again.
    n = 6;
    at.mAp = 4;
    moveMask();
    const other = await ask("absImplicit", { x: 3, y: 3, color: 4 });
    expect(reads.slice(5).map((r) => r.fields.map((f) => f.field))).toEqual([
      ["mAp"],
      ["explicit", "absImplicit", "mAp"],
    ]);
    expect(reads[6].fields.every((f) => f.have === -1)).toBe(true);
    expect(other.data!.xs).toHaveLength(6);
    expect(other.color).toHaveLength(6);
    expect(other.mask).toHaveLength(6);
  });

  /** Three rows read once at generation 1, then a re-rank: M_AP at generation 2 and a new mask, not read yet. */
  async function readThenReRank() {
    const at: Record<string, number> = { explicit: 1, implicit: 1, mAp: 1 };
    const { reads, source, moveMask } = fakeSource(at, () => 3);
    const cache = createLinkedCache();
    const linked = { x: "explicit", y: "implicit", color: "mAp", version: 7 };
    await resolveLinked({ linked, linkedMask: 1 }, source, cache);
    at.mAp = 2;
    moveMask();
    return { at, reads, source, cache, linked };
  }

  it("a read after a select asks every field with the generation it holds: what the select left is not copied", async () => {
    const { reads, source, cache, linked } = await readThenReRank();
    // The page's versions have not moved yet (its reply is still on the way): the dataset says what moved.
    const early = await resolveLinked({ linked, linkedMask: 1, linkedAfter: 4 }, source, cache);
    expect(reads[1]).toEqual({
      fields: [
        { field: "explicit", have: 1 },
        { field: "implicit", have: 1 },
        { field: "mAp", have: 1 },
      ],
      mask: { have: 1 },
      after: 4,
    });
    expect(early.data).toBeUndefined();
    expect(early.color).toHaveLength(3);
    expect(early.mask).toHaveLength(3);
    // The versions follow with the reply: asked again, nothing is copied and nothing changes.
    const late = await resolveLinked(
      { linked: { ...linked, version: 8, fieldVersions: { x: 7, y: 7, color: 8 } }, linkedMask: 2 },
      source,
      cache,
    );
    expect(reads[2].fields).toEqual([{ field: "mAp", have: 2 }]);
    expect(late).toEqual({});
  });

  it("with a recolour, a re-rank's colour is read first, on the select's scores, and applied while the rest is read", async () => {
    const { at, reads, source, cache, linked } = await readThenReRank();
    const events: string[] = [];
    const counted: LinkedSource = {
      read: (request) => (events.push(request.scored ? "colour read" : "read"), source.read(request)),
    };
    let got: Float64Array | null = null;
    const patch = await resolveLinked({ linked, linkedMask: 1, linkedAfter: 4 }, counted, cache, (color) => () => {
      events.push("recolour");
      got = color;
    });
    // The colour read names the select and asks for its scores only; the recolour runs once the rest is asked.
    expect(reads[1]).toEqual({ fields: [{ field: "mAp", have: 1 }], after: 4, scored: true });
    expect(events).toEqual(["colour read", "read", "recolour"]);
    expect(got).toHaveLength(3);
    expect(reads[2].fields).toContainEqual({ field: "mAp", have: 2 });
    expect(reads[2].mask).toEqual({ have: 1 });
    // Applied already, so not in the patch; the mask is.
    expect(patch.color).toBeUndefined();
    expect(patch.mask).toHaveLength(3);
    expect(cache.columns.get("color")).toMatchObject({ field: "mAp", gen: 2 });
    // A recolour that declines (rows of another length, say): the colour comes with the patch as before.
    at.mAp = 3;
    const declined = await resolveLinked({ linked, linkedMask: 1, linkedAfter: 5 }, source, cache, () => null);
    expect(declined.color).toHaveLength(3);
    expect(cache.columns.get("color")).toMatchObject({ gen: 3 });
    // Nothing moved: the colour read finds it held, nothing is recoloured.
    let called = 0;
    const same = await resolveLinked(
      { linked, linkedMask: 1, linkedAfter: 6 },
      source,
      cache,
      () => () => void called++,
    );
    expect([called, same.color, same.mask]).toEqual([0, undefined, undefined]);
  });

  it("without field versions every field takes the patch's version, as before", async () => {
    const { reads, source } = fakeSource({ explicit: 1, implicit: 1, mAp: 1 }, () => 2);
    const cache = createLinkedCache();
    for (const version of [1, 1, 2]) {
      await resolveLinked({ linked: { x: "explicit", y: "implicit", color: "mAp", version } }, source, cache);
    }
    expect(reads.map((r) => r.fields.map((f) => f.field))).toEqual([
      ["explicit", "implicit", "mAp"],
      [],
      ["explicit", "implicit", "mAp"],
    ]);
    expect(reads[2].fields.map((f) => f.have)).toEqual([1, 1, 1]);
  });

  /** The dataset worker's answer to a read sent over the scatter's link (as the scatter worker sends it). */
  async function readOver(port: MessagePort, request: LinkedRead) {
    const client = portClient<ScatterLinkApi>(port);
    return client.call("read", request);
  }

  it("the dataset worker copies only the arrays whose generation moved: a w change sends M_AP, not the margins", async () => {
    const { dataset, ports } = await linkedScatter();
    const fields = ["explicit", "implicit", "mAp"];
    const first = await readOver(ports[1], {
      fields: fields.map((field) => ({ field, have: -1 })),
      mask: { have: -1 },
    });
    expect(first.columns.map((c) => c.same)).toEqual([false, false, false]);
    expect(Array.from(first.columns[0].values!)).toEqual(ROWS.map((r) => r.rm_margin));
    const gens = first.columns.map((c) => c.gen);
    expect(new Set(gens).size).toBe(3);
    const spec = defaultSpec();
    await dataset.select({ spec: { ...spec, ranking: { ...spec.ranking, weight: 2.5 } }, histograms: [] }, ctx());
    const held = fields.map((field, j) => ({ field, have: gens[j] }));
    const next = await readOver(ports[1], { fields: held, mask: { have: first.mask!.gen } });
    expect(next.columns.map((c) => c.same)).toEqual([true, true, false]);
    expect(next.columns[0].values).toBeNull();
    expect(Array.from(next.columns[2].values!)).toEqual(Array.from((await dataset.column({ field: "mAp" }, ctx()))!));
    expect(Array.from(next.columns[2].values!)).not.toEqual(Array.from(first.columns[2].values!));
    // The same selection again: the mask is the same array, not sent again.
    await dataset.select({ spec: { ...spec, ranking: { ...spec.ranking, weight: 2.5 } }, histograms: [] }, ctx());
    const again = await readOver(ports[1], { fields: [], mask: { have: next.mask!.gen } });
    expect(again.mask).toEqual({ gen: next.mask!.gen, same: true, values: null });
    for (const p of ports) p.close();
  });

  it("in an isolated page M_AP and the margins are shared with the scatter, not copied: the read sends the dataset's own memory", async () => {
    Object.defineProperty(globalThis, "crossOriginIsolated", { value: true, configurable: true });
    try {
      const { dataset, ports } = await linkedScatter();
      const spec = defaultSpec();
      await dataset.select({ spec: { ...spec, ranking: { ...spec.ranking, weight: 1.5 } }, histograms: [] }, ctx());
      const read = await readOver(ports[1], {
        fields: [
          { field: "mAp", have: -1 },
          { field: "explicit", have: -1 },
        ],
      });
      // Shared (posting them in the transfer list would have thrown): the margins are made shared as the file loads.
      expect(read.columns[0].values!.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(read.columns[1].values!.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(Array.from(read.columns[0].values!)).toEqual(Array.from((await dataset.column({ field: "mAp" }, ctx()))!));
      const explicit = (await dataset.column({ field: "explicit" }, ctx()))!;
      expect(Array.from(read.columns[1].values!)).toEqual(Array.from(explicit));
      // The page's own copy (a table, an export) is plain: it was transferred.
      expect(explicit.buffer).not.toBeInstanceOf(SharedArrayBuffer);
      // Read again at the generation held: nothing is sent.
      const again = await readOver(ports[1], { fields: [{ field: "explicit", have: read.columns[1].gen }] });
      expect(again.columns[0]).toMatchObject({ same: true, values: null });
      for (const p of ports) p.close();
    } finally {
      delete (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
    }
  });

  it("a read after select N waits for it, and is answered before that select's reply is built", async () => {
    const { dataset, ports } = await linkedScatter();
    const order: string[] = [];
    const spec = defaultSpec();
    const w3 = { ...spec, ranking: { ...spec.ranking, weight: 3 } };
    // Sent before the select reaches the dataset worker (the page tells the scatter first, say).
    const read = readOver(ports[1], { fields: [{ field: "mAp", have: -1 }], mask: { have: -1 }, after: 1 }).then(
      (r) => (order.push("read"), r),
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual([]);
    const reply = Promise.resolve(
      dataset.select({ spec: w3, histograms: [{ field: "mAp", source: "h", bins: 8 }], seq: 1 }, ctx()),
    ).then((r) => (order.push("reply"), r));
    const [answer] = await Promise.all([read, reply]);
    expect(order).toEqual(["read", "reply"]);
    expect(Array.from(answer.columns[0].values!)).toEqual(Array.from((await dataset.column({ field: "mAp" }, ctx()))!));
    expect(Array.from(answer.mask!.values!)).toEqual(Array.from(await dataset.mask({}, ctx())));
    // A read after a select already computed is answered at once.
    const late = await readOver(ports[1], { fields: [], mask: { have: -1 }, after: 1 });
    expect(late.mask!.gen).toBe(answer.mask!.gen);
    for (const p of ports) p.close();
  });

  it("a scored read is answered once a w change's scores are computed, before its selection and its reply", async () => {
    const { dataset, ports } = await linkedScatter();
    const order: string[] = [];
    const spec = defaultSpec();
    const w3 = { ...spec, ranking: { ...spec.ranking, weight: 3 } };
    // One client for both reads (each client numbers its calls from 1). The mask read waits first, yet the colour
    // read is answered before it: on the scores, before the selection.
    const client = portClient<ScatterLinkApi>(ports[1]);
    const full = client.call("read", { fields: [], mask: { have: -1 }, after: 1 }).then((r) => (order.push("mask"), r));
    const colour = client
      .call("read", { fields: [{ field: "mAp", have: -1 }], after: 1, scored: true })
      .then((r) => (order.push("colour"), r));
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual([]);
    const reply = Promise.resolve(
      dataset.select({ spec: w3, histograms: [{ field: "mAp", source: "h", bins: 8 }], seq: 1 }, ctx()),
    ).then((r) => (order.push("reply"), r));
    const [late, early] = await Promise.all([full, colour, reply]);
    expect(order).toEqual(["colour", "mask", "reply"]);
    // The colour is M_AP at the new w, the mask the new selection's.
    expect(Array.from(early.columns[0].values!)).toEqual(Array.from((await dataset.column({ field: "mAp" }, ctx()))!));
    expect(Array.from(late.mask!.values!)).toEqual(Array.from(await dataset.mask({}, ctx())));
    // A ratio change leaves the scores: the scored read of that select is answered, with M_AP held.
    const ratio = { ...w3, ranking: { ...w3.ranking, ratio: 0.25 } };
    const held = early.columns[0].gen;
    const again = readOver(ports[1], { fields: [{ field: "mAp", have: held }], after: 2, scored: true });
    await dataset.select({ spec: ratio, histograms: [], seq: 2 }, ctx());
    expect((await again).columns[0]).toMatchObject({ gen: held, same: true });
    for (const p of ports) p.close();
  });

  it("a w change that moves only the colour (every row kept) draws one new frame", async () => {
    const { dataset, scatter, ports } = await linkedScatter();
    const spec = defaultSpec();
    const all = (weight: number) => ({ ...spec, ranking: { ...spec.ranking, weight, ratio: 1 } });
    await dataset.select({ spec: all(1), histograms: [] }, ctx());
    const linked = { x: "explicit", y: "implicit", color: "mAp", version: 1 };
    const a = await scatter.update({ linked, linkedMask: 1, view }, ctx());
    await dataset.select({ spec: all(4), histograms: [], seq: 1 }, ctx());
    const b = await scatter.update({ linked, linkedMask: 1, linkedAfter: 1 }, ctx());
    expect(b.frame).toBe(a.frame + 1);
    expect(b.colorDomain).not.toEqual(a.colorDomain);
    // The page's update after the reply changes nothing more.
    const c = await scatter.update({ linked: { ...linked, version: 2 }, linkedMask: 2 }, ctx());
    expect(c.frame).toBe(b.frame);
    for (const p of ports) p.close();
  });

  it("a read waiting on a select that never comes is answered with the columns as they are after 2 s", async () => {
    const { ports } = await linkedScatter();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      let answered = false;
      const read = readOver(ports[1], { fields: [{ field: "explicit", have: -1 }], after: 99 }).then((r) => {
        answered = true;
        return r;
      });
      // Let the read reach the dataset worker's end (a real port) and start its wait.
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      await vi.advanceTimersByTimeAsync(1900);
      expect(answered).toBe(false);
      await vi.advanceTimersByTimeAsync(200);
      vi.useRealTimers();
      expect(Array.from((await read).columns[0].values!)).toEqual(ROWS.map((r) => r.rm_margin));
    } finally {
      vi.useRealTimers();
      for (const p of ports) p.close();
    }
  });

  it("an update that changes nothing answers the last frame again (same frame number, nothing drawn)", async () => {
    const { scatter, dataset, ports } = await linkedScatter();
    let uploads = 0;
    const counting: PixelTarget = { canvas: { width: 0, height: 0 }, putImageData: () => void uploads++ };
    const drawing = createScatterHandlers(createImage, () => counting);
    drawing.init({ canvas: {} as OffscreenCanvas }, ctx());
    const channel = new MessageChannel();
    await dataset.linkScatter({ port: channel.port1 }, ctx());
    await drawing.link({ port: channel.port2 }, ctx());
    const linked = { x: "explicit", y: "implicit", color: "mAp", version: 1 };
    const a = await drawing.update({ linked, linkedMask: 1, view }, ctx());
    expect(a.frame).toBe(1);
    // The early read after a select that changed nothing this scatter shows, then the page's own update.
    await dataset.select({ spec: defaultSpec(), histograms: [], seq: 1 }, ctx());
    const b = await drawing.update({ linked, linkedMask: 1, linkedAfter: 1 }, ctx());
    const c = await drawing.update({ linked: { ...linked, version: 2 }, linkedMask: 2 }, ctx());
    expect([b.frame, c.frame, uploads]).toEqual([1, 1, 1]);
    expect(c.extent).toBeUndefined();
    // A w change moves M_AP: one new frame.
    const spec = defaultSpec();
    await dataset.select({ spec: { ...spec, ranking: { ...spec.ranking, weight: 2 } }, histograms: [], seq: 2 }, ctx());
    const d = await drawing.update({ linked, linkedMask: 2, linkedAfter: 2 }, ctx());
    expect([d.frame, uploads]).toEqual([2, 2]);
    void scatter;
    for (const p of [...ports, channel.port1, channel.port2]) p.close();
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
      const msg = e.data as { type?: string; args?: LinkedRead };
      if (msg.type === "read" && msg.args) asked.push(msg.args.fields.map((f) => f.field));
    });
    await scatter.link({ port: next.port2 }, ctx());
    expect(await scatter.update({ linked, view }, ctx())).toMatchObject({ rowCount: 20, drawn: 19 });
    expect(asked).toEqual([["explicit", "implicit", "mAp"]]);
    for (const p of [...ports, next.port1, next.port2]) p.close();
  });
});
