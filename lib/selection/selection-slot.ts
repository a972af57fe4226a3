/**
 * One selection kept up to date in place: the main selection, or one view's cross-filter context. A moved interval
 * bound, a new k or a few decisions cost O(rows that change), not a pass over every row:
 *  - each interval's field is sorted once (cached per column), so a moved bound flips only the rows between the
 *    old and the new bound;
 *  - per-row fail counts (gates failed + dropped by hand) are updated in place;
 *  - the ranked pick is "the eligible rows before a cut in the ranking", and the cut moves forward or back until
 *    the pick holds k rows again.
 * Anything else (a gate added or removed, a new ranking) recomputes the pick with an O(n) radix select.
 */
import { changedRows, recordMaskChange, recordMaskToggles } from "@/lib/metrics/histogram";
import { topKMask } from "@/lib/metrics/topk";
import { gateKey, type FieldKey, type Gate, type IntervalGate } from "./spec";

/** A ranking the slot picks from: the scores and, on demand, their order best-first and each row's position in it. */
export interface SlotRanking {
  readonly score?: Float64Array;
  readonly order: Uint32Array;
  readonly valid: number;
  /** Position of each row in `order` (0xffffffff for rows without a score); computed on first use. */
  positions?(): Uint32Array;
}

/** Where a slot reads gate inputs. */
export interface SlotInputs {
  field(key: FieldKey): Float64Array | null;
  predicate(gate: Gate): Uint8Array;
  /** The rows of `values` with a value, ascending by value (cached per column). */
  sorted(key: FieldKey, values: Float64Array): Uint32Array;
}

/** Shared scratch of the slots of one evaluator (slots update one after another). */
export class SlotScratch {
  /** The mask flips of the slot being updated (`2·row + newBit`), or the rows a rebuild changed. */
  readonly touched: Uint32Array;
  constructor(n: number) {
    this.touched = new Uint32Array(n);
  }
}

interface Applied {
  gate: Gate;
  key: string;
  /** Interval: its column (null = the dataset lacks the field: every row fails) and its passing sorted range. */
  column?: Float64Array | null;
  sorted?: Uint32Array;
  range?: [number, number];
  /** Other gates: the predicate applied. */
  pred?: Uint8Array;
}

const NONE = 0xffffffff;
/** `pick` of a row without a score: never picked, and not a candidate (saves reading its ranking position). */
const UNSCORED = 2;

/** Positions [a, b) of the sorted rows inside [lo, hi] (NaN bounds: nothing passes, like the predicate). */
function sortedRange(
  values: Float64Array,
  sorted: Uint32Array,
  lo: number | null,
  hi: number | null,
): [number, number] {
  const m = sorted.length;
  if ((lo !== null && Number.isNaN(lo)) || (hi !== null && Number.isNaN(hi))) return [0, 0];
  let a = 0;
  if (lo !== null) {
    let l = 0;
    let h = m;
    while (l < h) {
      const mid = (l + h) >>> 1;
      if (values[sorted[mid]] >= lo) h = mid;
      else l = mid + 1;
    }
    a = l;
  }
  let b = m;
  if (hi !== null) {
    let l = 0;
    let h = m;
    while (l < h) {
      const mid = (l + h) >>> 1;
      if (values[sorted[mid]] > hi) h = mid;
      else l = mid + 1;
    }
    b = l;
  }
  return [a, Math.max(a, b)];
}

/** Counts and mask of a slot after an update. */
export interface SlotResult {
  mask: Uint8Array;
  taken: number;
  candidates: number;
  keptByHand: number;
}

/** The incremental state of one selection (see the module comment). Holds four byte columns of the row count. */
export class SelectionSlot {
  private readonly fails: Uint8Array;
  private readonly pick: Uint8Array;
  private readonly mask: Uint8Array;
  /** Decision code applied per row: 0 none, 1 keep, 2 drop. */
  private readonly codes: Uint8Array;
  private applied: Applied[] = [];
  private decisionsId = "/";
  private decisionRows: number[] = [];
  private ranking: SlotRanking | null = null;
  private k = 0;
  /** Picked rows = eligible rows among order[0, cut); -1 when the pick was made by select (cut not known yet). */
  private cut = -1;
  private taken = 0;
  private candidates = 0;
  private keepRows = 0;
  private keptInPick = 0;
  private dirty = true;
  private touchedCount = 0;
  private handed: Uint8Array | null = null;
  private pos: Uint32Array | null = null;
  /** Rows the last rebuild changed, listed at the front of the touched scratch (past a quarter: a full recount). */
  private rebuiltChanges = 0;

  constructor(
    readonly rowCount: number,
    private readonly scratch: SlotScratch,
  ) {
    this.fails = new Uint8Array(rowCount);
    this.pick = new Uint8Array(rowCount);
    this.mask = new Uint8Array(rowCount);
    this.codes = new Uint8Array(rowCount);
  }

  /** Whether any applied gate reads one of `fields` (then a change of those columns in place must reset the slot). */
  reads(fields: FieldKey[] | null, search: boolean): boolean {
    return this.applied.some(({ gate: g }) => {
      if (g.kind === "search") return search;
      if (!fields) return false;
      if (g.kind === "interval") return fields.includes(g.field);
      return fields.includes(g.x) || fields.includes(g.y);
    });
  }

  /**
   * Brings the slot to `gates` ∧ the decisions (`codes`: the evaluator's per-row codes of `decisionRows`, keyed by
   * `decisionsId`) under `ranking` and `k`; returns the mask, handed out once and never written again (a new array
   * only when some row changed, declared to the histograms as the previous mask plus those rows).
   */
  update(
    gates: Gate[],
    decisionsId: string,
    decisionRows: number[],
    codes: Uint8Array,
    ranking: SlotRanking,
    k: number,
    inputs: SlotInputs,
  ): SlotResult {
    if (ranking !== this.ranking) {
      this.ranking = ranking;
      this.pos = null;
      this.dirty = true;
    }
    this.updateGates(gates, inputs);
    if (decisionsId !== this.decisionsId) {
      this.updateDecisions(decisionRows, codes);
      this.decisionsId = decisionsId;
    }
    if (this.dirty) this.rebuild(k);
    else if (
      k !== this.k ||
      (this.cut >= 0 && (this.taken > this.k || (this.taken < this.k && this.cut < ranking.order.length)))
    ) {
      this.ensureCut();
      this.k = k;
      this.moveCut();
    }
    const mask = this.handOut();
    return { mask, taken: this.taken, candidates: this.candidates, keptByHand: this.keepRows - this.keptInPick };
  }

  private updateGates(gates: Gate[], inputs: SlotInputs): void {
    const left = [...this.applied];
    const next: Applied[] = [];
    const todo: Gate[] = [];
    // Same meaning, same input arrays: nothing to do.
    for (const g of gates) {
      const key = gateKey(g);
      const i = left.findIndex((a) => a.key === key && this.sameInputs(a, g, inputs));
      if (i >= 0) next.push(left.splice(i, 1)[0]);
      else todo.push(g);
    }
    // A moved bound of an interval on the same column: only the rows between the bounds.
    const moves: [Applied, IntervalGate][] = [];
    const adds: Gate[] = [];
    for (const g of todo) {
      const i =
        g.kind === "interval"
          ? left.findIndex(
              (a) =>
                a.gate.kind === "interval" &&
                a.gate.source === g.source &&
                a.gate.field === g.field &&
                a.column &&
                a.column === inputs.field(g.field),
            )
          : -1;
      if (i >= 0) moves.push([left.splice(i, 1)[0], g as IntervalGate]);
      else adds.push(g);
    }
    if (left.length || adds.length) this.dirty = true;
    for (const a of left) this.applyFull(a, -1);
    for (const g of adds) next.push(this.add(g, inputs));
    for (const [a, g] of moves) next.push(this.move(a, g));
    this.applied = next;
  }

  private sameInputs(a: Applied, g: Gate, inputs: SlotInputs): boolean {
    if (g.kind === "interval") return a.column === inputs.field(g.field);
    return a.pred === inputs.predicate(g);
  }

  private add(g: Gate, inputs: SlotInputs): Applied {
    const key = gateKey(g);
    let a: Applied;
    if (g.kind === "interval") {
      const column = inputs.field(g.field);
      a = { gate: g, key, column };
      if (column) {
        a.sorted = inputs.sorted(g.field, column);
        a.range = sortedRange(column, a.sorted, g.lo, g.hi);
      }
    } else a = { gate: g, key, pred: inputs.predicate(g) };
    this.applyFull(a, 1);
    return a;
  }

  /** Adds (+1) or removes (−1) a gate's failures over every row; the pick is rebuilt afterwards. */
  private applyFull(a: Applied, delta: 1 | -1): void {
    const { fails } = this;
    const n = this.rowCount;
    const g = a.gate;
    if (g.kind === "interval") {
      const v = a.column;
      if (!v) {
        for (let i = 0; i < n; i++) fails[i] += delta;
        return;
      }
      const lo = g.lo ?? -Infinity;
      const hi = g.hi ?? Infinity;
      for (let i = 0; i < n; i++) if (!(v[i] >= lo && v[i] <= hi)) fails[i] += delta;
      return;
    }
    const p = a.pred!;
    for (let i = 0; i < n; i++) if (p[i] === 0) fails[i] += delta;
  }

  /** Moves an applied interval to `g`'s bounds: rows whose pass changes are between the old and new bounds. */
  private move(a: Applied, g: IntervalGate): Applied {
    const column = a.column!;
    const sorted = a.sorted!;
    const [a0, b0] = a.range!;
    const [a1, b1] = sortedRange(column, sorted, g.lo, g.hi);
    if (!this.dirty) this.ensureCut();
    // Rows that pass one range and not the other lie in [min a, max a) ∪ [min b, max b): walk that union once.
    const s1 = Math.min(a0, a1);
    let e1 = Math.max(a0, a1);
    let s2 = Math.min(b0, b1);
    let e2 = Math.max(b0, b1);
    if (s2 <= e1) {
      e1 = Math.max(e1, e2);
      s2 = e2 = e1;
    }
    const { fails } = this;
    // The hot loop of a drag: rows flipping in or out of the interval, each a few random reads (fail count, ranking
    // position, pick); the ranking's positions double as the "scored" test.
    const track = !this.dirty;
    const pos = track ? this.positions() : null;
    const cut = this.cut;
    for (const [s, e] of [
      [s1, e1],
      [s2, e2],
    ]) {
      for (let q = s; q < e; q++) {
        const was = q >= a0 && q < b0;
        const now = q >= a1 && q < b1;
        if (was === now) continue;
        const r = sorted[q];
        const before = fails[r];
        const after = now ? before - 1 : before + 1;
        fails[r] = after;
        if (pos === null || (before !== 0 && after !== 0)) continue;
        const v = this.pick[r];
        if (v === UNSCORED) continue;
        // A row leaving is in the pick exactly when it was picked; a row entering is when it lies before the cut.
        if (after === 0) {
          this.candidates++;
          if (pos[r] < cut) this.setPick(r, true);
        } else {
          this.candidates--;
          if (v === 1) this.setPick(r, false);
        }
      }
    }
    return { gate: g, key: gateKey(g), column, sorted, range: [a1, b1] };
  }

  private updateDecisions(rows: number[], codes: Uint8Array): void {
    const visit = (r: number) => {
      const now = codes[r];
      const was = this.codes[r];
      if (now === was) return;
      this.codes[r] = now;
      if (was === 1 || now === 1) this.setKeep(r, now === 1);
      if (was === 2 || now === 2) {
        const before = this.fails[r];
        this.fails[r] = now === 2 ? before + 1 : before - 1;
        if (!this.dirty && (before === 0 || this.fails[r] === 0)) this.eligibilityChanged(r, this.fails[r] === 0);
      }
    };
    if (!this.dirty) this.ensureCut();
    const n = this.rowCount;
    for (const r of this.decisionRows) if (r >= 0 && r < n) visit(r);
    for (const r of rows) if (r >= 0 && r < n) visit(r);
    this.decisionRows = rows;
  }

  private setKeep(r: number, on: boolean): void {
    this.keepRows += on ? 1 : -1;
    if (this.pick[r] === 1) this.keptInPick += on ? 1 : -1;
    else if (!this.dirty) this.setMask(r, on ? 1 : 0);
  }

  private setMask(r: number, v: 0 | 1): void {
    if (this.mask[r] === v) return;
    this.mask[r] = v;
    // Every flip is logged (a row flipping back cancels out in the histogram counts): no dedupe needed. A full log
    // (more flips than rows) falls back to diffing the masks.
    const { touched } = this.scratch;
    if (this.touchedCount < touched.length) touched[this.touchedCount] = 2 * r + v;
    this.touchedCount++;
  }

  private setPick(r: number, on: boolean): void {
    this.pick[r] = on ? 1 : 0;
    this.taken += on ? 1 : -1;
    if (this.codes[r] === 1) this.keptInPick += on ? 1 : -1;
    else this.setMask(r, on ? 1 : 0);
  }

  private eligibilityChanged(r: number, eligible: boolean): void {
    const v = this.pick[r];
    if (v === UNSCORED) return;
    this.candidates += eligible ? 1 : -1;
    if (eligible ? this.positions()[r] < this.cut : v === 1) this.setPick(r, eligible);
  }

  private positions(): Uint32Array {
    const ranking = this.ranking!;
    if (ranking.positions) return ranking.positions();
    if (!this.pos) {
      this.pos = new Uint32Array(this.rowCount).fill(NONE);
      const { order } = ranking;
      for (let p = 0; p < order.length; p++) this.pos[order[p]] = p;
    }
    return this.pos;
  }

  /** Finds the cut of a pick made by select: just past its last picked row in the ranking. */
  private ensureCut(): void {
    if (this.cut >= 0) return;
    const { order } = this.ranking!;
    this.positions();
    if (this.taken < this.k) {
      this.cut = order.length;
      return;
    }
    let p = 0;
    for (let c = 0; c < this.taken; p++) if (this.pick[order[p]] === 1) c++;
    this.cut = p;
  }

  /** Moves the cut until the pick holds k rows (or every eligible row). */
  private moveCut(): void {
    const { order } = this.ranking!;
    const m = order.length;
    const { fails, pick } = this;
    while (this.taken < this.k && this.cut < m) {
      const r = order[this.cut++];
      if (fails[r] === 0) this.setPick(r, true);
    }
    while (this.taken > this.k) {
      const r = order[--this.cut];
      if (pick[r] === 1) this.setPick(r, false);
    }
  }

  /** Recomputes the pick from the fail counts (O(n) select), then the mask with the kept rows. */
  private rebuild(k: number): void {
    const ranking = this.ranking!;
    const { pick, mask, fails, codes } = this;
    this.k = k;
    if (ranking.score) {
      // Without gates or drops every fail count is 0: the select need not read them.
      const open = this.applied.length === 0 && !this.decisionRows.some((r) => codes[r] === 2);
      const c = topKMask(ranking.score, k, open ? null : fails, pick, undefined, UNSCORED);
      this.taken = c.taken;
      this.candidates = c.considered;
      this.cut = -1;
    } else {
      pick.fill(UNSCORED);
      const { order } = ranking;
      let candidates = 0;
      let taken = 0;
      let cut = 0;
      for (let p = 0; p < order.length; p++) {
        const r = order[p];
        pick[r] = 0;
        if (fails[r] !== 0) continue;
        candidates++;
        if (taken < k) {
          pick[r] = 1;
          taken++;
          cut = p + 1;
        }
      }
      this.taken = taken;
      this.candidates = candidates;
      this.cut = taken < k ? order.length : cut;
    }
    // One pass writes the new mask (picked or kept: bit 0 of either code) and lists the rows that differ from the
    // mask handed out last, which the dirty phase left as it was.
    this.clearTouched();
    const { touched } = this.scratch;
    const limit = this.rowCount >>> 2;
    let w = 0;
    for (let i = 0; i < this.rowCount; i++) {
      const now = (pick[i] | codes[i]) & 1;
      if (now === mask[i]) continue;
      mask[i] = now;
      if (w <= limit) touched[w++] = i;
    }
    this.rebuiltChanges = w;
    this.keptInPick = 0;
    this.keepRows = 0;
    for (const r of this.decisionRows)
      if (r >= 0 && r < this.rowCount && codes[r] === 1) {
        this.keepRows++;
        if (pick[r] === 1) this.keptInPick++;
      }
    this.dirty = false;
    this.touchedCount = -1;
  }

  private clearTouched(): void {
    this.touchedCount = 0;
  }

  private handOut(): Uint8Array {
    const prev = this.handed;
    const n = this.rowCount;
    const { touched } = this.scratch;
    const logged = this.touchedCount;
    this.touchedCount = 0;
    let out: Uint8Array;
    if (logged < 0) {
      // A rebuild listed the rows that differ from the last mask.
      const w = this.rebuiltChanges;
      if (prev && w === 0) return prev;
      out = this.mask.slice();
      const rows = prev && w <= n >>> 2 ? touched.slice(0, w) : null;
      recordMaskChange(out, rows ? prev : null, rows);
    } else {
      if (prev && logged === 0) return prev;
      out = this.mask.slice();
      // Past a quarter of the rows a full recount is as cheap as applying the flips.
      if (prev && logged <= n >>> 2) recordMaskToggles(out, prev, touched.slice(0, logged));
      else if (!prev || logged <= touched.length) recordMaskChange(out, null, null);
      else {
        const rows = changedRows(prev, out, n >>> 2);
        recordMaskChange(out, rows ? prev : null, rows);
      }
    }
    this.handed = out;
    return out;
  }
}
