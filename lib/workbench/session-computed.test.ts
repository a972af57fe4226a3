import { describe, expect, it } from "vitest";
import { DatasetSession } from "./session";
import { createDatasetHandlers } from "./handlers";
import type { HandlerContext } from "@/lib/worker/rpc";
import type { ComputedState } from "./types";

const rows = [
  { prompt: "p0", chosen: "c0", rejected: "r0", rm_margin: 0.5, logp_margin_norm: 0.1 },
  { prompt: "p1", chosen: "c1", rejected: "r1", rm_margin: 0.9, logp_margin_norm: -0.2 },
  { prompt: "p2", chosen: "c2", rejected: "r2", rm_margin: null, logp_margin_norm: 0.3 },
];
const file = () => new Blob([rows.map((r) => JSON.stringify(r)).join("\n") + "\n"]);
const col = (...v: number[]) => Float64Array.from(v);

async function open(): Promise<DatasetSession> {
  const r = await DatasetSession.open(file(), "rows.jsonl");
  if (!r.ok) throw new Error(r.reason.message);
  return r.data;
}

/** Plain arrays of a state (NaN compares equal in toEqual). */
function plain(s: ComputedState) {
  const named = (cs: { name: string; values: Float64Array }[]) => cs.map((c) => [c.name, Array.from(c.values)]);
  return {
    columns: named(s.columns),
    fields: named(s.fields),
    explicit: s.explicit && Array.from(s.explicit),
    implicit: s.implicit && Array.from(s.implicit),
  };
}

describe("DatasetSession.computedState", () => {
  it.each<[string, (s: DatasetSession) => void, ReturnType<typeof plain>]>([
    ["nothing attached", () => {}, { columns: [], fields: [], explicit: null, implicit: null }],
    [
      "columns and fields only: the file's margins are not computed ones",
      (s) =>
        s.attachColumns([{ name: "chosen_logps", values: col(1, 2, 3) }], {}, [
          { name: "chosen_tokens", values: col(4, 5, 6) },
        ]),
      {
        columns: [["chosen_logps", [1, 2, 3]]],
        fields: [["chosen_tokens", [4, 5, 6]]],
        explicit: null,
        implicit: null,
      },
    ],
    [
      "a policy run replaces the implicit margin",
      (s) => s.attachColumns([{ name: "a", values: col(1, 1, 1) }], { implicit: col(0.5, NaN, -1) }),
      { columns: [["a", [1, 1, 1]]], fields: [], explicit: null, implicit: [0.5, NaN, -1] },
    ],
    [
      "a later reward-model attach keeps the replaced implicit and adds the explicit; same names replace, in first order",
      (s) => {
        s.attachColumns([{ name: "a", values: col(1, 1, 1) }], { implicit: col(1, 2, 3) });
        s.attachColumns([{ name: "b", values: col(2, 2, 2) }], { explicit: col(7, 8, 9) });
        s.attachColumns([{ name: "a", values: col(3, 3, 3) }]);
      },
      {
        columns: [
          ["a", [3, 3, 3]],
          ["b", [2, 2, 2]],
        ],
        fields: [],
        explicit: [7, 8, 9],
        implicit: [1, 2, 3],
      },
    ],
  ])("%s", async (_name, act, want) => {
    const s = await open();
    act(s);
    expect(plain(s.computedState())).toEqual(want);
  });

  it("returns copies, and forgets everything when the file is re-mapped", async () => {
    const s = await open();
    const values = col(1, 2, 3);
    s.attachColumns([{ name: "a", values }], { implicit: col(1, 2, 3) }, [{ name: "t", values: col(1, 1, 1) }]);
    const state = s.computedState();
    expect(state.columns[0].values).not.toBe(values);
    state.columns[0].values[0] = 99;
    state.implicit![0] = 99;
    expect(s.computedState().columns[0].values[0]).toBe(1);
    expect(s.margins().implicit[0]).toBe(1);
    expect(await s.remap(s.summary().mapping)).toBeNull();
    expect(plain(s.computedState())).toEqual({ columns: [], fields: [], explicit: null, implicit: null });
  });

  it("re-attaching a saved state gives the same export with computed columns", async () => {
    const a = await open();
    a.attachColumns([{ name: "chosen_logps", values: col(-1, -2, NaN) }], { implicit: col(0.25, NaN, 2) }, [
      { name: "chosen_tokens", values: col(3, 4, 5) },
    ]);
    const saved = a.computedState();
    const b = await open();
    b.attachColumns(saved.columns, { implicit: saved.implicit ?? undefined }, saved.fields);
    const text = async (s: DatasetSession) => (await s.exportSelection("jsonl", true)).blob.text();
    expect(await text(b)).toBe(await text(a));
    expect(b.summary().attachedColumns).toEqual(a.summary().attachedColumns);
  });

  it("the `computed` handler transfers every buffer it returns", async () => {
    const h = createDatasetHandlers();
    const ctx: HandlerContext = { progress: () => {}, transfer: [] };
    await h.open({ file: file(), name: "rows.jsonl" }, { progress: () => {}, transfer: [] });
    await h.attach(
      {
        columns: [{ name: "a", values: col(1, 2, 3) }],
        explicit: col(1, 1, 1),
        fields: [{ name: "t", values: col(0, 0, 0) }],
      },
      { progress: () => {}, transfer: [] },
    );
    const state = await h.computed({}, ctx);
    expect(state.implicit).toBeNull();
    expect(ctx.transfer).toEqual([
      state.columns[0].values.buffer,
      state.fields[0].values.buffer,
      state.explicit!.buffer,
    ]);
  });
});
