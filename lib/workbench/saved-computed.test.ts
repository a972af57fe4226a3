import { describe, expect, it } from "vitest";
import { defaultSpec } from "@/lib/selection/spec";
import {
  computedNames,
  createMemorySessionStore,
  createSavedComputed,
  createSavedSession,
  isEmptyComputed,
  isQuotaError,
  parseSavedComputed,
  type SavedComputed,
  type SavedSession,
} from "./saved-session";
import type { ComputedState } from "./types";

const ROWS = 4;
const col = (v = 1) => new Float64Array(ROWS).fill(v);

function state(): ComputedState {
  return {
    columns: [
      { name: "chosen_logps", values: col(-1) },
      { name: "rejected_logps", values: col(-2) },
    ],
    fields: [{ name: "chosen_tokens", values: col(5) }],
    explicit: null,
    implicit: Float64Array.from([0.5, NaN, 1, -1]),
  };
}

function session(id: string, computedColumns = computedNames(state())): SavedSession {
  return createSavedSession(
    {
      id,
      dataset: { name: "data.jsonl", bytes: 10, sha256: "b".repeat(64), rowCount: ROWS },
      mapping: {
        schema: "trl",
        prompt: "prompt",
        chosen: "chosen",
        rejected: "rejected",
        explicit: { kind: "none" },
        implicit: { kind: "none" },
      },
      spec: defaultSpec(),
      view: { sort: { key: "row", descending: false, filter: "all" }, histogramFields: ["explicit"] },
      computedColumns,
    },
    100,
  );
}

const expected = (id = "s") => ({ id, rowCount: ROWS, names: computedNames(state()) });

describe("saved computed columns (memory store)", () => {
  it("are stored beside the session, read back as Float64Arrays, and deleted with it", async () => {
    const store = createMemorySessionStore();
    await store.put(session("s"), createSavedComputed("s", ROWS, state()));
    const back = await store.getComputed(expected());
    expect(back?.implicit).toBeInstanceOf(Float64Array);
    expect(Array.from(back!.implicit!)).toEqual([0.5, NaN, 1, -1]);
    expect(back!.columns.map((c) => c.name)).toEqual(["chosen_logps", "rejected_logps"]);
    // The list does not carry the columns.
    expect(await store.list()).toEqual([expect.objectContaining({ id: "s", rowCount: ROWS, problem: null })]);
    // A later put without them leaves them; null deletes them.
    await store.put(session("s"));
    expect(await store.getComputed(expected())).not.toBeNull();
    await store.put(session("s", []), null);
    expect(await store.getComputed({ ...expected(), names: [] })).toBeNull();
    await store.put(session("s"), createSavedComputed("s", ROWS, state()));
    await store.delete("s");
    expect(await store.getComputed(expected())).toBeNull();
  });

  type Mutate = (c: SavedComputed) => unknown;
  it.each<[string, Mutate, RegExp]>([
    [
      "a column of another length",
      (c) => (c.columns[1].values = new Float64Array(3)),
      /columns\[1\] \("rejected_logps"\): has 3 values, the dataset has 4 rows/,
    ],
    [
      "a margin of another length",
      (c) => (c.implicit = new Float64Array(9)),
      /implicit: has 9 values, the dataset has 4 rows/,
    ],
    ["another row count", (c) => (c.rowCount = 5), /saved for 5 rows, the dataset has 4/],
    [
      "values that are not a Float64Array",
      (c) => (c.fields[0].values = [1, 2, 3, 4] as unknown as Float64Array),
      /fields\[0\] \("chosen_tokens"\): expected a Float64Array/,
    ],
    ["an empty name", (c) => (c.columns[0].name = ""), /columns\[0\]\.name: expected a non-empty name/],
    ["a name saved twice", (c) => (c.fields[0].name = "chosen_logps"), /the column "chosen_logps" is saved twice/],
    [
      "names the session does not list",
      (c) => (c.columns[1].name = "score_chosen"),
      /the saved columns are chosen_logps, score_chosen, chosen_tokens, but the session lists chosen_logps, rejected_logps, chosen_tokens/,
    ],
    ["another session's record", (c) => (c.id = "t"), /id: expected "s", got "t"/],
    [
      "another layout version",
      (c) => ((c as { version: number }).version = 2),
      /version: expected 1 \(saved by another version/,
    ],
  ])("refuses %s with a message naming it", async (_name, mutate, message) => {
    const store = createMemorySessionStore();
    await store.put(session("s"), createSavedComputed("s", ROWS, state()));
    mutate(store.computed.get("s") as SavedComputed);
    const err = await store.getComputed(expected()).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "SessionStoreError", code: "corrupt" });
    expect((err as Error).message).toMatch(/^saved computed columns of session "s": /);
    expect((err as Error).message).toMatch(message);
  });

  it("refuses to write columns that do not match the session record", async () => {
    const store = createMemorySessionStore();
    const err = await store
      .put(session("s", ["chosen_logps"]), createSavedComputed("s", ROWS, state()))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: "io",
      message: expect.stringMatching(/refusing to save invalid computed columns/),
    });
    expect(await store.list()).toEqual([]);
  });

  it("counts the columns' bytes against the quota and keeps what was there", async () => {
    const store = createMemorySessionStore({ quotaBytes: 4000 });
    await store.put(session("s"));
    const big: ComputedState = { ...state(), columns: [], fields: [], implicit: new Float64Array(ROWS) };
    const huge = { ...big, explicit: null, implicit: null, columns: [{ name: "x", values: new Float64Array(1000) }] };
    const session2 = { ...session("s", ["x"]), dataset: { ...session("s").dataset, rowCount: 1000 } };
    const err = await store.put(session2, createSavedComputed("s", 1000, huge)).catch((e: unknown) => e);
    expect(isQuotaError(err)).toBe(true);
    expect(store.computed.size).toBe(0);
    expect((await store.get("s"))?.dataset.rowCount).toBe(ROWS);
  });

  it.each<[string, ComputedState, boolean]>([
    ["nothing", { columns: [], fields: [], explicit: null, implicit: null }, true],
    ["a margin only", { columns: [], fields: [], explicit: col(), implicit: null }, false],
    ["a field only", { columns: [], fields: [{ name: "t", values: col() }], explicit: null, implicit: null }, false],
  ])("isEmptyComputed(%s)", (_name, s, empty) => {
    expect(isEmptyComputed(s)).toBe(empty);
  });

  it("parseSavedComputed accepts a record as created", () => {
    expect(parseSavedComputed(createSavedComputed("s", ROWS, state()), expected()).ok).toBe(true);
  });
});
