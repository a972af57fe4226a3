/**
 * A file's pairs as rows, when the mapping turns records into pairs by a plan (`pair-plan.ts`): a record may yield
 * no pair (a tie, no majority: excluded, counted and listed) or several (every adjacent ranked pair). The view is a
 * `RowSource` whose row `i` is pair `i`, so the session, the exports and the row views work on pairs unchanged; each
 * record handed out carries its {@link PairPick} under {@link PAIR_PICK}. Rows point into the underlying file, so
 * messages keep the file's own line numbers and a verbatim export writes the records as the file holds them.
 */
import type { NativeRows, RowSource } from "@/lib/dataset/source";
import { GrowableF64 } from "@/lib/dataset/readers/bytes";
import {
  PAIR_PICK,
  type ExclusionReason,
  type PairPick,
  type ParseProblem,
  type RawRecord,
  type RecordLocation,
} from "@/lib/dataset/types";

/** Reasons in the order they are reported. */
export const EXCLUSION_REASONS: readonly ExclusionReason[] = [
  "tie",
  "no majority",
  "no orientation",
  "fewer than two responses",
  "identical responses",
];

/** Records that yielded no pair: per reason the 0-based record indices, ascending. */
export type Exclusions = Record<ExclusionReason, number[]>;

export function emptyExclusions(): Exclusions {
  return {
    tie: [],
    "no majority": [],
    "no orientation": [],
    "fewer than two responses": [],
    "identical responses": [],
  };
}

export function exclusionCount(e: Exclusions): number {
  return EXCLUSION_REASONS.reduce((n, r) => n + e[r].length, 0);
}

/** Which record each pair row comes from and which of its responses it pairs. */
export interface RowPlan {
  /** Records in the underlying file. */
  recordCount: number;
  /** Row → 0-based record index, ascending. */
  recordOf: Uint32Array;
  /** Row `i`: chosen `picks[2i]`, rejected `picks[2i + 1]`. */
  picks: Int32Array;
  exclusions: Exclusions;
}

/** Builds a {@link RowPlan} one record at a time, in file order. */
export class RowPlanBuilder {
  private readonly records = new GrowableF64();
  private readonly chosen = new GrowableF64();
  private readonly rejected = new GrowableF64();
  readonly exclusions = emptyExclusions();
  private seen = 0;

  /** Rows added so far (the next row's index). */
  get rowCount(): number {
    return this.records.length;
  }

  /** Adds a record's pairs; returns the first new row's index. */
  add(record: number, picks: PairPick[]): number {
    this.seen = Math.max(this.seen, record + 1);
    const first = this.records.length;
    for (const p of picks) {
      this.records.push(record);
      this.chosen.push(p.chosen);
      this.rejected.push(p.rejected);
    }
    return first;
  }

  exclude(record: number, reason: ExclusionReason): void {
    this.seen = Math.max(this.seen, record + 1);
    this.exclusions[reason].push(record);
  }

  finish(recordCount: number): RowPlan {
    const recordOf = Uint32Array.from(this.records.toArray());
    const c = this.chosen.toArray();
    const r = this.rejected.toArray();
    const picks = new Int32Array(2 * recordOf.length);
    for (let i = 0; i < recordOf.length; i++) {
      picks[2 * i] = c[i];
      picks[2 * i + 1] = r[i];
    }
    return { recordCount: Math.max(recordCount, this.seen), recordOf, picks, exclusions: this.exclusions };
  }
}

/** A record with its pick attached (a shallow copy: a record may back several rows). */
export function withPick(record: RawRecord, pick: PairPick): RawRecord {
  const out: RawRecord = { ...record };
  (out as Record<symbol, unknown>)[PAIR_PICK] = pick;
  return out;
}

function pickOf(plan: RowPlan, row: number): PairPick {
  return { chosen: plan.picks[2 * row], rejected: plan.picks[2 * row + 1] };
}

function pairedNative(native: NativeRows, plan: RowPlan): NativeRows {
  const { recordOf } = plan;
  const n = recordOf.length;
  switch (native.kind) {
    case "json-bytes": {
      const starts = new Float64Array(n);
      const ends = new Float64Array(n);
      const lines = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const r = recordOf[i];
        starts[i] = native.index.starts[r];
        ends[i] = native.index.ends[r];
        lines[i] = native.index.lines[r];
      }
      return { kind: "json-bytes", bytes: native.bytes, index: { starts, ends, lines } };
    }
    case "csv-bytes": {
      // Record 0 is the header, record `row + 1` is row `row`.
      const starts = new Float64Array(n + 1);
      const ends = new Float64Array(n + 1);
      starts[0] = native.index.starts[0];
      ends[0] = native.index.ends[0];
      for (let i = 0; i < n; i++) {
        starts[i + 1] = native.index.starts[recordOf[i] + 1];
        ends[i + 1] = native.index.ends[recordOf[i] + 1];
      }
      return {
        kind: "csv-bytes",
        bytes: native.bytes,
        delimiter: native.delimiter,
        index: { starts, ends, newline: native.index.newline },
      };
    }
    case "parquet-values":
      return { kind: "parquet-values", metadata: native.metadata, rawRow: (row) => native.rawRow(recordOf[row]) };
  }
}

/** The pairs of `base` under `plan` as a row source. */
export function pairedSource(base: RowSource, plan: RowPlan): RowSource {
  const { recordOf } = plan;
  const native = base.nativeRows && pairedNative(base.nativeRows, plan);
  return {
    info: base.info,
    rowCount: recordOf.length,
    get fields() {
      return base.fields;
    },
    async scan(visit, onProgress) {
      let row = 0;
      return base.scan((record, where): ParseProblem | void => {
        // Rows are in record order: skip to this record's rows (none for an excluded record).
        while (row < recordOf.length && recordOf[row] < where.row) row++;
        while (row < recordOf.length && recordOf[row] === where.row) {
          const at: RecordLocation = { row, line: where.line };
          const problem = visit(withPick(record, pickOf(plan, row)), at);
          if (problem) return problem;
          row++;
        }
      }, onProgress);
    },
    async getRecords(rows) {
      const wanted = Array.from(rows, (r) => {
        if (r < 0 || r >= recordOf.length) throw new RangeError(`row ${r} is out of range (${recordOf.length} rows)`);
        return recordOf[r];
      });
      const records = await base.getRecords(wanted);
      return records.map((rec, i) => withPick(rec, pickOf(plan, rows[i])));
    },
    completeFields: base.completeFields?.bind(base),
    nativeRows: native,
    shardOf: base.shardOf && ((row) => base.shardOf!(recordOf[row])),
  };
}
