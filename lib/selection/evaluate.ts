/**
 * Evaluates a {@link SelectionSpec} to a row mask, plus the cross-filtering masks of the views (each view sees the
 * selection made without its own clauses). Runs in the dataset worker and the CLI.
 *
 * Cost model: a ranking change selects the top k in O(n) (radix select, no sort); a moved interval bound, a new k
 * or a few decisions update each selection in O(changed rows) (see selection-slot.ts); other gate changes re-test
 * that gate's rows once.
 */
import { radixArgsort } from "@/lib/metrics/order";
import { targetCount } from "@/lib/metrics/select";
import { gateKey, type Decisions, type FieldKey, type Gate, type Ranking, type SelectionSpec } from "./spec";
import { pointInPolygon } from "./geometry";
import { SelectionSlot, SlotScratch, type SlotInputs } from "./selection-slot";

/**
 * Scores of one ranking, best first with the paper's tie rule (equal scores: the higher row index first). The full
 * order is sorted on first read of `order` (ranks, the table, a dragged handle's incremental walk): a re-rank's
 * top-k mask needs only an O(n) select on `score`.
 */
export interface RankedScores {
  /** Scored rows, best first. */
  readonly order: Uint32Array;
  /** Rows with a score. */
  readonly valid: number;
  /** The scores themselves (lets the evaluator select the top k without the order). */
  readonly score?: Float64Array;
  /** Position of each row in `order`, 0xffffffff for rows without a score. */
  positions?(): Uint32Array;
}

/** {@link RankedScores} of a score column, sorting and inverting lazily (each at most once). */
class LazyRanking implements RankedScores {
  private sorted: Uint32Array | null = null;
  private inverse: Uint32Array | null = null;
  private count = -1;

  constructor(
    readonly score: Float64Array,
    valid?: number,
  ) {
    if (valid !== undefined) this.count = valid;
  }

  get order(): Uint32Array {
    // Sorted descending directly (ties in descending row order): the same permutation as the stable ascending
    // argsort reversed, without the reversal pass.
    return (this.sorted ??= radixArgsort(this.score, true));
  }

  get valid(): number {
    if (this.count < 0) {
      if (this.sorted) this.count = this.sorted.length;
      else {
        let c = 0;
        const s = this.score;
        for (let i = 0; i < s.length; i++) if (s[i] === s[i]) c++;
        this.count = c;
      }
    }
    return this.count;
  }

  positions(): Uint32Array {
    if (!this.inverse) {
      const order = this.order;
      const pos = new Uint32Array(this.score.length).fill(0xffffffff);
      for (let p = 0; p < order.length; p++) pos[order[p]] = p;
      this.inverse = pos;
    }
    return this.inverse;
  }
}

/**
 * Ranks the non-NaN scores best-first; among equal scores the higher row index first (numpy's `[-k:]`). `valid`,
 * when the caller counted the non-NaN scores already, saves that pass (a re-rank at a new w).
 */
export function rankScores(score: Float64Array, valid?: number): RankedScores {
  return new LazyRanking(score, valid);
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

/**
 * Evaluates specs against one dataset, keeping each selection (the main one and each view's cross-filter context)
 * as a {@link SelectionSlot} that a moved bound, a new k or a few decisions update in O(changed rows). Caches gate
 * predicates by meaning and each interval field's sort; `invalidate()` when the columns they read change.
 */
export class SelectionEvaluator {
  private predicates = new Map<string, Uint8Array>();
  private codesFor: Decisions | null = null;
  private codes: Uint8Array;
  private codesKey = "/";
  private decisionRows: number[] = [];
  /** The main selection ("") and each view's context ("view:<source>"). */
  private slots = new Map<string, SelectionSlot>();
  private scratch: SlotScratch | null = null;
  /** Each interval field's rows sorted by value, for the column it was sorted from. */
  private sortedFields = new Map<FieldKey, { values: Float64Array; sorted: Uint32Array }>();

  constructor(readonly rowCount: number) {
    this.codes = new Uint8Array(rowCount);
  }

  /** Forgets every cached predicate, sort and selection state reading `fields` (all without: columns changed). */
  invalidate(fields?: FieldKey[]): void {
    if (!fields) {
      this.predicates.clear();
      this.sortedFields.clear();
      this.slots.clear();
      return;
    }
    for (const key of [...this.predicates.keys()])
      if (fields.some((f) => key.includes(`|${f}|`))) this.predicates.delete(key);
    for (const f of fields) this.sortedFields.delete(f);
    for (const [name, slot] of [...this.slots]) if (slot.reads(fields, false)) this.slots.delete(name);
  }

  /** Forgets cached search predicates and the selections using them (row texts changed). */
  invalidateSearch(): void {
    for (const key of [...this.predicates.keys()]) if (key.startsWith("s|")) this.predicates.delete(key);
    for (const [name, slot] of [...this.slots]) if (slot.reads(null, true)) this.slots.delete(name);
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

  /** A content key of the decisions (specs arrive as fresh copies from the page, so identity says nothing). */
  private decisionsId(d: Decisions): string {
    return `${d.keep.join(",")}/${d.drop.join(",")}`;
  }

  /** Per-row decision codes of `d` (cached by identity, then by content). */
  decisionCodes(d: Decisions): Uint8Array {
    if (this.codesFor !== d) {
      const key = this.decisionsId(d);
      if (key !== this.codesKey) {
        this.codes = decisionCodes(d, this.rowCount);
        const n = this.rowCount;
        this.decisionRows = [...new Set([...d.keep, ...d.drop])].filter((r) => r >= 0 && r < n && Number.isInteger(r));
      }
      this.codesKey = key;
      this.codesFor = d;
    }
    return this.codes;
  }

  /**
   * The rows the ranking may pick: passing every gate and not dropped by hand, in one array (null = every row).
   */
  eligible(gates: Gate[], decisions: Decisions, field: FieldReader, search: SearchReader): Uint8Array | null {
    const out =
      this.combined(gates, field, search) ?? (decisions.drop.length ? new Uint8Array(this.rowCount).fill(1) : null);
    if (out) for (const r of decisions.drop) if (r >= 0 && r < out.length) out[r] = 0;
    return out;
  }

  /** AND of the predicates of `gates` (null = no gate). */
  combined(gates: Gate[], field: FieldReader, search: SearchReader): Uint8Array | null {
    if (gates.length === 0) return null;
    const out = this.predicate(gates[0], field, search).slice();
    for (let i = 1; i < gates.length; i++) and(out, this.predicate(gates[i], field, search));
    return out;
  }

  private sortedField(key: FieldKey, values: Float64Array): Uint32Array {
    const hit = this.sortedFields.get(key);
    if (hit && hit.values === values) return hit.sorted;
    const sorted = radixArgsort(values, false);
    this.sortedFields.set(key, { values, sorted });
    return sorted;
  }

  private slot(name: string): SelectionSlot {
    let s = this.slots.get(name);
    if (!s) {
      this.scratch ??= new SlotScratch(this.rowCount);
      this.slots.set(name, (s = new SelectionSlot(this.rowCount, this.scratch)));
    }
    return s;
  }

  /**
   * The selection of `spec` under `ranked`, and for each source in `viewSources` that owns a gate, the selection
   * without that source's gates (cross-filtering). Masks handed out are never written again; a selection that did
   * not change is the same array as last time.
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
    const inputs: SlotInputs = {
      field,
      predicate: (g) => this.predicate(g, field, search),
      sorted: (key, values) => this.sortedField(key, values),
    };
    const run = (name: string, gates: Gate[]) =>
      this.slot(name).update(gates, this.codesKey, this.decisionRows, codes, ranked, k, inputs);
    const main = run("", spec.gates);
    const used = new Set<string>([""]);
    const contexts = new Map<string, Uint8Array>();
    for (const source of new Set(viewSources)) {
      if (!spec.gates.some((g) => g.source === source)) continue;
      const name = `view:${source}`;
      used.add(name);
      contexts.set(
        source,
        run(
          name,
          spec.gates.filter((g) => g.source !== source),
        ).mask,
      );
    }
    // Views that no longer own a gate: their state is garbage (a new gate rebuilds it).
    for (const name of [...this.slots.keys()]) if (!used.has(name)) this.slots.delete(name);
    return {
      mask: main.mask,
      selectedCount: main.taken + main.keptByHand,
      k,
      scored: ranked.valid,
      candidates: main.candidates,
      ranked: main.taken,
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
