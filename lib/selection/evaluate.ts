/**
 * Evaluates a {@link SelectionSpec} to a row mask, plus the cross-filtering masks of the views (each view sees the
 * selection made without its own clauses). Runs in the dataset worker and the CLI.
 *
 * Cost model: the ranking is sorted once per ranking change (`rankScores`); a gate change re-tests only that
 * gate's rows (predicates are cached by meaning), then each mask is one walk down the ranked order.
 */
import { radixArgsort } from "@/lib/metrics/order";
import { changedRows, recordMaskChange } from "@/lib/metrics/histogram";
import { targetCount } from "@/lib/metrics/select";
import { gateKey, type Decisions, type FieldKey, type Gate, type Ranking, type SelectionSpec } from "./spec";
import { pointInPolygon } from "./geometry";

/** Scores of one ranking, sorted best-first with the paper's tie rule (equal scores: the higher row index first). */
export interface RankedScores {
  /** Scored rows, best first. */
  order: Uint32Array;
  /** Rows with a score. */
  valid: number;
}

/** Sorts the non-NaN scores best-first; among equal scores the higher row index comes first (numpy's `[-k:]`). */
export function rankScores(score: Float64Array): RankedScores {
  // Sorted descending directly (ties in descending row order): the same permutation as the stable ascending
  // argsort reversed, without the reversal pass.
  const order = radixArgsort(score, true);
  return { order, valid: order.length };
}

/** Reads a field column, or null when the dataset does not have it. */
export type FieldReader = (field: FieldKey) => Float64Array | null;
/** The rows a search gate matches (computed beforehand: it needs the row texts). */
export type SearchReader = (gate: Gate & { kind: "search" }) => Uint8Array | null;

/** Counts and masks of one evaluation. */
export interface Evaluation {
  /** 1 = selected (exported). */
  mask: Uint8Array;
  selectedCount: number;
  /** Target k of the ranking. */
  k: number;
  /** Rows the ranking scores. */
  scored: number;
  /** Scored rows passing every gate and not dropped by hand. */
  candidates: number;
  /** Rows picked by the ranking (≤ k). */
  ranked: number;
  /** Rows kept by hand that ranking and gates alone would not select. */
  keptByHand: number;
  /** Rows dropped by hand (of any kind: the whole decision list). */
  droppedByHand: number;
  /** Rows kept by hand in total. */
  keepCount: number;
  /** Per view source that owns a gate: the selection without that source's gates. Other views use `mask`. */
  contexts: Map<string, Uint8Array>;
}

/** The predicate of a gate, 1 = passes. A field the dataset lacks makes every row fail (and is reported). */
export function gatePredicate(gate: Gate, n: number, field: FieldReader, search: SearchReader): Uint8Array {
  const out = new Uint8Array(n);
  switch (gate.kind) {
    case "interval": {
      const v = field(gate.field);
      if (!v) return out;
      const lo = gate.lo ?? -Infinity;
      const hi = gate.hi ?? Infinity;
      // NaN fails both comparisons: a missing value never passes a gate on its field.
      for (let i = 0; i < n; i++) out[i] = v[i] >= lo && v[i] <= hi ? 1 : 0;
      return out;
    }
    case "rect": {
      const xs = field(gate.x);
      const ys = field(gate.y);
      if (!xs || !ys) return out;
      const x0 = Math.min(gate.x0, gate.x1);
      const x1 = Math.max(gate.x0, gate.x1);
      const y0 = Math.min(gate.y0, gate.y1);
      const y1 = Math.max(gate.y0, gate.y1);
      for (let i = 0; i < n; i++) out[i] = xs[i] >= x0 && xs[i] <= x1 && ys[i] >= y0 && ys[i] <= y1 ? 1 : 0;
      return out;
    }
    case "lasso": {
      const xs = field(gate.x);
      const ys = field(gate.y);
      if (!xs || !ys || gate.points.length < 6) return out;
      pointInPolygon(xs, ys, gate.points, out);
      return out;
    }
    case "search": {
      const m = search(gate);
      if (m) out.set(m);
      return out;
    }
  }
}

/** Manual decisions as a per-row code: 0 none, 1 keep, 2 drop. */
function decisionCodes(d: Decisions, n: number): Uint8Array {
  const codes = new Uint8Array(n);
  for (const r of d.keep) if (r >= 0 && r < n) codes[r] = 1;
  for (const r of d.drop) if (r >= 0 && r < n) codes[r] = 2;
  return codes;
}

/**
 * One walk down the ranking: keep the first k rows that pass `allowed` and are not dropped; add the kept rows.
 * Returns the mask and its counts.
 */
export function pickTop(
  ranked: RankedScores,
  k: number,
  allowed: Uint8Array | null,
  codes: Uint8Array,
): { mask: Uint8Array; ranked: number; candidates: number; keptByHand: number; selected: number } {
  const n = codes.length;
  const mask = new Uint8Array(n);
  const { order } = ranked;
  let taken = 0;
  let p = 0;
  // Without drops (the usual case, found by one native byte search) the walk reads one array per row, not two.
  const drops = codes.includes(2);
  // Walk the ranking only until k rows are taken (random access into the masks), then count the remaining
  // candidates with a sequential pass, which is several times cheaper per row.
  if (allowed && !drops)
    for (; p < order.length && taken < k; p++) {
      const r = order[p];
      if (allowed[r] === 0) continue;
      mask[r] = 1;
      taken++;
    }
  else
    for (; p < order.length && taken < k; p++) {
      const r = order[p];
      if ((allowed && allowed[r] === 0) || codes[r] === 2) continue;
      mask[r] = 1;
      taken++;
    }
  let candidates = taken;
  if (p < order.length) {
    if (!allowed && !drops) candidates += order.length - p;
    else if (!drops) {
      for (; p < order.length; p++) if (allowed![order[p]] !== 0) candidates++;
    } else
      for (; p < order.length; p++) {
        const r = order[p];
        if ((allowed && allowed[r] === 0) || codes[r] === 2) continue;
        candidates++;
      }
  }
  let keptByHand = 0;
  let selected = taken;
  if (codes.includes(1))
    for (let r = 0; r < n; r++) {
      if (codes[r] === 1 && mask[r] === 0) {
        mask[r] = 1;
        keptByHand++;
        selected++;
      }
    }
  return { mask, ranked: taken, candidates, keptByHand, selected };
}

function and(target: Uint8Array, other: Uint8Array): void {
  for (let i = 0; i < target.length; i++) target[i] &= other[i];
}

/** Caches gate predicates by meaning; `invalidate()` when the columns they read change. */
export class SelectionEvaluator {
  private predicates = new Map<string, Uint8Array>();
  private codesFor: Decisions | null = null;
  private codes: Uint8Array;
  /** Cross-filter masks by (ranking, k, other gates, decisions): a dragged view's own context stays the same array. */
  private contextCache = new Map<string, Uint8Array>();
  private rankedIds = new WeakMap<RankedScores, number>();
  private nextRankedId = 1;
  /** The last mask made for the main selection ("") and for each view's context: the base of the next one's diff. */
  private lastMasks = new Map<string, Uint8Array>();

  constructor(readonly rowCount: number) {
    this.codes = new Uint8Array(rowCount);
  }

  /** Forgets every cached predicate (columns changed). */
  invalidate(fields?: FieldKey[]): void {
    this.contextCache.clear();
    if (!fields) {
      this.predicates.clear();
      return;
    }
    for (const key of [...this.predicates.keys()])
      if (fields.some((f) => key.includes(`|${f}|`))) this.predicates.delete(key);
  }

  /** Forgets cached search predicates (row texts changed). */
  invalidateSearch(): void {
    this.contextCache.clear();
    for (const key of [...this.predicates.keys()]) if (key.startsWith("s|")) this.predicates.delete(key);
  }

  /** The cached (or freshly computed) predicate of a gate. */
  predicate(gate: Gate, field: FieldReader, search: SearchReader): Uint8Array {
    const key = gateKey(gate);
    let p = this.predicates.get(key);
    if (!p) {
      p = gatePredicate(gate, this.rowCount, field, search);
      // A drag makes a new interval per pointer move: keep the cache small, newest last.
      this.predicates.set(key, p);
      if (this.predicates.size > 48) this.predicates.delete(this.predicates.keys().next().value as string);
    } else {
      this.predicates.delete(key);
      this.predicates.set(key, p);
    }
    return p;
  }

  private codesKey = "";

  /** A content key of the decisions (specs arrive as fresh copies from the page, so identity says nothing). */
  private decisionsId(d: Decisions): string {
    return `${d.keep.join(",")}/${d.drop.join(",")}`;
  }

  /** Per-row decision codes of `d` (cached by identity, then by content). */
  decisionCodes(d: Decisions): Uint8Array {
    if (this.codesFor !== d) {
      const key = this.decisionsId(d);
      if (key !== this.codesKey) this.codes = decisionCodes(d, this.rowCount);
      this.codesKey = key;
      this.codesFor = d;
    }
    return this.codes;
  }

  /**
   * The rows the ranking may pick: passing every gate and not dropped by hand, in one array (the walk then reads a
   * single byte per row; null = every row).
   */
  eligible(gates: Gate[], decisions: Decisions, field: FieldReader, search: SearchReader): Uint8Array | null {
    const out =
      this.combined(gates, field, search) ?? (decisions.drop.length ? new Uint8Array(this.rowCount).fill(1) : null);
    if (out) for (const r of decisions.drop) if (r >= 0 && r < out.length) out[r] = 0;
    return out;
  }

  /** {@link eligible}, but a lone gate's cached predicate itself when nothing is dropped (read-only: no copy). */
  private eligibleView(
    gates: Gate[],
    decisions: Decisions,
    field: FieldReader,
    search: SearchReader,
  ): Uint8Array | null {
    if (gates.length === 1 && decisions.drop.length === 0) return this.predicate(gates[0], field, search);
    return this.eligible(gates, decisions, field, search);
  }

  /**
   * Declares a new mask of `slot` as its previous one plus the rows that differ (when few do), so histograms of it
   * recount only those rows (see countMasked). Masks handed out are never written again.
   */
  private track(slot: string, mask: Uint8Array): void {
    const prev = this.lastMasks.get(slot);
    if (prev === mask) return;
    // Past a quarter of the rows a full recount is as cheap as applying the changes.
    const rows = prev ? changedRows(prev, mask, mask.length >>> 2) : null;
    recordMaskChange(mask, rows ? (prev as Uint8Array) : null, rows);
    this.lastMasks.set(slot, mask);
  }

  /** AND of the predicates of `gates` (null = no gate). */
  combined(gates: Gate[], field: FieldReader, search: SearchReader): Uint8Array | null {
    if (gates.length === 0) return null;
    const out = this.predicate(gates[0], field, search).slice();
    for (let i = 1; i < gates.length; i++) and(out, this.predicate(gates[i], field, search));
    return out;
  }

  /**
   * The selection of `spec` under `ranked`, and for each source in `viewSources` that owns a gate, the selection
   * without that source's gates (cross-filtering).
   */
  evaluate(
    spec: SelectionSpec,
    ranked: RankedScores,
    field: FieldReader,
    search: SearchReader,
    viewSources: string[] = [],
  ): Evaluation {
    const k = targetFor(spec.ranking, ranked.valid);
    const codes = this.decisionCodes(spec.decisions);
    const all = this.eligibleView(spec.gates, spec.decisions, field, search);
    const main = pickTop(ranked, k, all, codes);
    this.track("", main.mask);
    const contexts = new Map<string, Uint8Array>();
    let rankedId = this.rankedIds.get(ranked);
    if (rankedId === undefined) this.rankedIds.set(ranked, (rankedId = this.nextRankedId++));
    const used = new Set<string>();
    for (const source of new Set(viewSources)) {
      if (!spec.gates.some((g) => g.source === source)) continue;
      const rest = spec.gates.filter((g) => g.source !== source);
      const key = `${rankedId}|${k}|${this.decisionsId(spec.decisions)}|${rest.map(gateKey).sort().join("\u0000")}`;
      let mask = this.contextCache.get(key);
      if (!mask) mask = pickTop(ranked, k, this.eligibleView(rest, spec.decisions, field, search), codes).mask;
      this.track(`view:${source}`, mask);
      this.contextCache.set(key, mask);
      used.add(key);
      contexts.set(source, mask);
    }
    // Keep only the contexts of this evaluation: the next pointer move reuses them, older ones are garbage.
    for (const key of [...this.contextCache.keys()]) if (!used.has(key)) this.contextCache.delete(key);
    return {
      mask: main.mask,
      selectedCount: main.selected,
      k,
      scored: ranked.valid,
      candidates: main.candidates,
      ranked: main.ranked,
      keptByHand: main.keptByHand,
      droppedByHand: spec.decisions.drop.length,
      keepCount: spec.decisions.keep.length,
      contexts,
    };
  }
}

/** Target k of a ranking over `valid` scored rows: ⌊ratio·N⌋ or top-k, clamped to [0, N]. */
export function targetFor(ranking: Ranking, valid: number): number {
  return targetCount(valid, { ratio: ranking.ratio, topK: ranking.topK });
}
