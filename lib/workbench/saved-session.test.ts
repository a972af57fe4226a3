import { describe, expect, it } from "vitest";
import { defaultSpec, withDecision, withInterval, withRegion, withSearch } from "@/lib/selection/spec";
import type { ColumnMapping } from "@/lib/dataset/types";
import {
  createMemorySessionStore,
  createSavedSession,
  createSessionId,
  describeHashMismatch,
  formatStorage,
  isQuotaError,
  parseSavedSession,
  serialiseSession,
  SessionStoreError,
  toSessionStoreError,
  type SavedSession,
} from "./saved-session";

const SHA = "a".repeat(64);
const MAPPING: ColumnMapping = {
  schema: "trl",
  prompt: "prompt",
  chosen: "chosen",
  rejected: "rejected",
  explicit: { kind: "column", field: "rm_margin" },
  implicit: { kind: "dpo", chosen: "c", rejected: "r", refChosen: "rc", refRejected: "rr", beta: 0.1 },
};

function session(id: string, updatedAtMs: number, name = "data.jsonl"): SavedSession {
  let spec = withDecision(withDecision(defaultSpec(), [3, 1], "keep"), [7], "drop");
  spec = withInterval(spec, "hist:explicit", "explicit", 0.5, null);
  spec = withSearch(spec, "hello", { regex: false, caseSensitive: true });
  spec = withRegion(spec, "scatter", {
    kind: "lasso",
    source: "scatter",
    x: "explicit",
    y: "implicit",
    points: [0, 0, 1, 0, 1, 1],
  });
  return createSavedSession(
    {
      id,
      dataset: { name, bytes: 1234, sha256: SHA, rowCount: 10 },
      mapping: MAPPING,
      spec: { ...spec, ranking: { ...spec.ranking, ratio: 0.25 } },
      view: { sort: { key: "m_ap", descending: true, filter: "selected" }, histogramFields: ["explicit", "column:x"] },
      computedColumns: ["policy_chosen_logps"],
      createdAtMs: 1,
    },
    updatedAtMs,
  );
}

describe("memory session store", () => {
  it("saves, lists newest first, reads back and deletes", async () => {
    const store = createMemorySessionStore();
    expect(await store.latest()).toBeNull();
    await store.put(session("a", 100, "first.jsonl"));
    await store.put(session("b", 300, "second.jsonl"));
    await store.put(session("c", 200, "third.jsonl"));
    expect((await store.list()).map((s) => [s.id, s.name, s.rowCount, s.updatedAtMs])).toEqual([
      ["b", "second.jsonl", 10, 300],
      ["c", "third.jsonl", 10, 200],
      ["a", "first.jsonl", 10, 100],
    ]);
    expect((await store.latest())?.id).toBe("b");
    expect(await store.get("a")).toEqual(session("a", 100, "first.jsonl"));
    await store.delete("b");
    expect((await store.latest())?.id).toBe("c");
    expect(await store.get("b")).toBeNull();
    expect((await store.list()).map((s) => s.id)).toEqual(["c", "a"]);
  });

  it("replaces a session with the same id and keeps a copy, not the caller's objects", async () => {
    const store = createMemorySessionStore();
    const s = session("a", 100);
    await store.put(s);
    s.spec.decisions.keep.push(9);
    expect((await store.get("a"))?.spec.decisions.keep).toEqual([1, 3]);
    await store.put({ ...session("a", 500), spec: defaultSpec() });
    expect((await store.list()).length).toBe(1);
    expect((await store.get("a"))?.spec).toEqual(defaultSpec());
  });

  it("reports a corrupted record with a clear message and still lists it (so it can be deleted)", async () => {
    const store = createMemorySessionStore();
    await store.put(session("good", 100));
    const bad = structuredClone(session("bad", 200)) as unknown as { spec: { decisions: { keep: unknown[] } } };
    bad.spec.decisions.keep = [3, 1];
    store.records.set("bad", bad);
    const err = await store.get("bad").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionStoreError);
    expect((err as SessionStoreError).code).toBe("corrupt");
    expect((err as Error).message).toBe(
      'saved session "bad": spec.decisions.keep[1]: expected a row index above 3 and below 10 (ascending), got 1',
    );
    const list = await store.list();
    expect(list.find((s) => s.id === "bad")?.problem).toMatch(/spec\.decisions\.keep\[1\]/);
    expect((await store.latest())?.id).toBe("good");
  });

  it("surfaces a full quota as a typed error and keeps what was there", async () => {
    const first = session("a", 100);
    const store = createMemorySessionStore({ quotaBytes: serialiseSession(first).length + 10 });
    await store.put(first);
    const err = await store.put(session("b", 200, "big.jsonl")).catch((e: unknown) => e);
    expect(isQuotaError(err)).toBe(true);
    expect((err as Error).message).toMatch(/storage for this site is full: could not save the session of "big.jsonl"/);
    expect((await store.list()).map((s) => s.id)).toEqual(["a"]);
    // Replacing the same record within the quota still works.
    await store.put(session("a", 300));
    expect((await store.latest())?.updatedAtMs).toBe(300);
  });

  it("refuses to write an invalid record", async () => {
    const store = createMemorySessionStore();
    const bad = { ...session("a", 1), dataset: { name: "x", bytes: 1, sha256: "nope", rowCount: 1 } };
    await expect(store.put(bad)).rejects.toThrow(/refusing to save an invalid session: .*dataset\.sha256/);
  });
});

describe("parseSavedSession", () => {
  it("round-trips through JSON", () => {
    const s = session("a", 100);
    expect(parseSavedSession(serialiseSession(s))).toEqual({ ok: true, data: s });
  });

  type Mutate = (s: Record<string, any>) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
  it.each<[string, Mutate, string]>([
    ["another format", (s) => (s.format = "x"), 'format: expected "margin-atlas-session", got "x"'],
    [
      "a newer version",
      (s) => (s.version = 2),
      "version: expected 1 (saved by another version of Margin Atlas), got 2",
    ],
    ["a bad hash", (s) => (s.dataset.sha256 = "ABC"), "dataset.sha256: expected 64 lower-case hex digits"],
    ["a negative row count", (s) => (s.dataset.rowCount = -1), "dataset.rowCount: expected a whole number ≥ 0, got -1"],
    ["an unknown schema", (s) => (s.mapping.schema = "xml"), "mapping.schema: expected one of trl, chat"],
    [
      "a DPO source without β",
      (s) => delete s.mapping.implicit.beta,
      "mapping.implicit.beta: expected a finite number, got nothing",
    ],
    ["an unknown metric", (s) => (s.spec.ranking.metric = "magic"), "spec.ranking.metric: expected one of map"],
    ["a ratio above 1", (s) => (s.spec.ranking.ratio = 2), "spec.ranking.ratio: expected a ratio in [0, 1], got 2"],
    ["an unknown gate", (s) => s.spec.gates.push({ kind: "circle" }), "spec.gates[3].kind: expected one of interval"],
    ["an odd lasso", (s) => s.spec.gates[2].points.pop(), "spec.gates[2].points: expected a flat list of x, y pairs"],
    [
      "a row past the end",
      (s) => s.spec.decisions.drop.push(10),
      "spec.decisions.drop[1]: expected a row index above 7 and below 10",
    ],
    [
      "a row kept and dropped",
      (s) => (s.spec.decisions.drop = [3]),
      "spec.decisions: expected a row kept or dropped, not both, got 3",
    ],
    ["an unknown sort key", (s) => (s.view.sort.key = "length"), "view.sort.key: expected one of row"],
    ["a bad histogram field", (s) => (s.view.histogramFields = ["nope"]), "view.histogramFields[0]: expected a field"],
    ["no times", (s) => delete s.updatedAtMs, "updatedAtMs: expected a finite number, got nothing"],
  ])("names the field of %s", (_, mutate, reason) => {
    const s = structuredClone(session("a", 1)) as unknown as Record<string, unknown>;
    mutate(s);
    const parsed = parseSavedSession(s);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(`saved session "a": ${reason}`);
  });

  it("says when the text is not JSON", () => {
    expect(parseSavedSession("{oops")).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^saved session: not JSON/),
    });
  });
});

describe("errors, storage and mismatch messages", () => {
  it.each([
    ["QuotaExceededError", "quota"],
    ["NS_ERROR_DOM_QUOTA_REACHED", "quota"],
    ["InvalidStateError", "unavailable"],
    ["DataError", "io"],
  ])("maps a %s to %s", (name, code) => {
    const e = new Error("boom");
    e.name = name;
    const mapped = toSessionStoreError(e, "save the session");
    expect(mapped).toBeInstanceOf(SessionStoreError);
    expect(mapped.code).toBe(code);
    expect(mapped.cause).toBe(e);
    expect(mapped.message).toContain("save the session");
  });

  it.each([
    [{ usage: 1_234_567, quota: 300_000_000 }, "Storage: 1.2 MB of 300 MB used"],
    [{ usage: 0, quota: 50_000_000 }, "Storage: 0.0 MB of 50.0 MB used"],
    [{ usage: 150_400_000, quota: 1e12 }, "Storage: 150 MB of 1000000 MB used"],
    [{ usage: 1 }, null],
    [undefined, null],
  ])("formats the storage estimate %j", (estimate, text) => {
    expect(formatStorage(estimate)).toBe(text);
  });

  it("names both files and both hashes in a refusal", () => {
    const msg = describeHashMismatch(
      { name: "data.jsonl", bytes: 1, sha256: SHA, rowCount: 1 },
      { name: "other.jsonl", sha256: "b".repeat(64) },
    );
    expect(msg).toContain(`"other.jsonl" is not the file of this session: its SHA-256 is ${"b".repeat(64)}`);
    expect(msg).toContain(`"data.jsonl" with SHA-256 ${SHA}`);
  });

  it("makes distinct ids", () => {
    expect(createSessionId()).not.toBe(createSessionId());
  });
});
