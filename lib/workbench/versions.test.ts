import { describe, expect, it } from "vitest";
import {
  bump,
  INITIAL_VERSIONS,
  orderNeedsRefresh,
  scatterFieldVersion,
  type Changes,
  type SortState,
} from "./versions";

describe("bump", () => {
  it.each<[Changes, [number, number, number, number]]>([
    [{ rows: true }, [1, 1, 1, 0]],
    [{ margins: true }, [0, 1, 1, 0]],
    [{ scores: true }, [0, 0, 1, 0]],
    [{ mask: true }, [0, 0, 0, 1]],
    [{ margins: true, mask: true }, [0, 1, 1, 1]],
    [{}, [0, 0, 0, 0]],
  ])("%j", (changes, [rows, margins, scores, mask]) => {
    const v = bump(INITIAL_VERSIONS, changes);
    // A scoring run (margins) must not look like new rows: views keyed by rows keep zoom, forms and text caches.
    expect(v).toEqual({ rows, margins, scores, mask, order: 0 });
  });
});

describe("orderNeedsRefresh", () => {
  const sort = (key: SortState["key"], filter: SortState["filter"] = "all"): SortState => ({
    key,
    descending: true,
    filter,
  });
  it.each<[SortState, Changes, boolean]>([
    // The stale-order bug: sorted by M_AP, a new w (new scores) must re-sort.
    [sort("m_ap"), { scores: true, mask: true }, true],
    [sort("score"), { scores: true }, true],
    [sort("m_ap"), { mask: true }, false],
    [sort("row"), { scores: true, mask: true }, false],
    [sort("row", "selected"), { mask: true }, true],
    [sort("explicit"), { margins: true }, true],
    [sort("explicit"), { scores: true }, false],
    [sort("decision"), { decisions: true, mask: true }, true],
    [sort("decision"), { mask: true }, false],
    [sort("row"), { rows: true }, true],
    [sort("row", { compare: ["map", "explicit"] }), { mask: true }, true],
  ])("%j after %j → %s", (s, changes, want) => {
    expect(orderNeedsRefresh(s, changes)).toBe(want);
  });
});

describe("scatterFieldVersion", () => {
  it("moves M_AP and the score with every re-rank, the margins and lengths only with the margins", () => {
    // A w change bumps scores only; scoring results bump both (bump above).
    const before = { ...INITIAL_VERSIONS, margins: 3, scores: 7 };
    const rerank = bump(before, { scores: true });
    const scored = bump(before, { margins: true });
    for (const field of ["mAp", "score"] as const) {
      expect(scatterFieldVersion(field, rerank.margins, rerank.scores)).not.toBe(
        scatterFieldVersion(field, before.margins, before.scores),
      );
    }
    for (const field of ["explicit", "implicit", "absImplicit", "zExplicit", "promptChars", "column:rm"] as const) {
      expect(scatterFieldVersion(field, rerank.margins, rerank.scores)).toBe(
        scatterFieldVersion(field, before.margins, before.scores),
      );
      expect(scatterFieldVersion(field, scored.margins, scored.scores)).not.toBe(
        scatterFieldVersion(field, before.margins, before.scores),
      );
    }
  });
});
