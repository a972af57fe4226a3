/**
 * Full-length result columns assembled from scored chunks, and the computed columns + margins they attach to a
 * dataset: `chosen_logps, rejected_logps, chosen_logps_norm, rejected_logps_norm` (plus `ref_*` and
 * `score_chosen, score_rejected`), the implicit margin (SimPO mean, sum, or DPO) and, with a reward model, the
 * explicit margin. Shared by the page (streamed chunks) and the CLI (export columns).
 */
import type { ExtraColumn } from "@/lib/export/export";
import { DEFAULT_DPO_BETA, dpoMargin, rewardMargin, simpoMargin, sumMargin } from "@/lib/metrics/margin-formulas";
import type { LmChunk, ScoredChunk } from "./protocol";

/** How the implicit margin is formed from the log-prob columns. */
export type ImplicitKind = "simpo" | "sum" | "dpo";

/** Options of {@link ScoreColumns.attachment}. */
export interface AttachmentOptions {
  implicit: ImplicitKind;
  /** DPO β (default {@link DEFAULT_DPO_BETA}). */
  beta?: number;
}

/** What to hand to DatasetSession.attachColumns. */
export interface Attachment {
  columns: ExtraColumn[];
  /** Absent when no policy scored the rows (a reward-model-only run keeps the file's implicit margin). */
  implicit?: Float64Array;
  /** Present when a reward model scored the rows: score_chosen − score_rejected. */
  explicit?: Float64Array;
  /**
   * Per-row values for views and gates only, not exported (the CLI's `score` writes no such columns): the scored
   * response token counts, `chosen_tokens` / `rejected_tokens`, and the policy's truncation code, `truncated`
   * (bit flags of lib/scoring/truncation.ts, NaN = unknown).
   */
  fields?: ExtraColumn[];
}

interface LmColumns {
  chosen: Float64Array;
  rejected: Float64Array;
  chosenTokens: Float64Array;
  rejectedTokens: Float64Array;
  truncated: Float64Array;
}

const nanColumn = (n: number) => new Float64Array(n).fill(NaN);
const lmColumns = (n: number): LmColumns => ({
  chosen: nanColumn(n),
  rejected: nanColumn(n),
  chosenTokens: nanColumn(n),
  rejectedTokens: nanColumn(n),
  truncated: nanColumn(n),
});

function putChunk(cols: LmColumns, rows: Int32Array, c: LmChunk) {
  rows.forEach((row, k) => {
    cols.chosen[row] = c.chosenLogps[k];
    cols.rejected[row] = c.rejectedLogps[k];
    cols.chosenTokens[row] = c.chosenTokens[k];
    cols.rejectedTokens[row] = c.rejectedTokens[k];
    cols.truncated[row] = c.truncated[k];
  });
}

// SimPO's length normalisation: mean log-prob per scored token; no scored token means no score.
const mean = (sum: Float64Array, tokens: Float64Array) => sum.map((s, i) => (tokens[i] > 0 ? s / tokens[i] : NaN));

/** Result columns of one dataset, filled chunk by chunk (NaN = not scored yet). */
export class ScoreColumns {
  private policy: LmColumns | null = null;
  private reference: LmColumns | null = null;
  private reward: { chosen: Float64Array; rejected: Float64Array } | null = null;
  private seen: Uint8Array;
  /** Rows with a result. */
  scored = 0;

  constructor(readonly rowCount: number) {
    this.seen = new Uint8Array(rowCount);
  }

  /** Adds a chunk's results. */
  add(chunk: ScoredChunk): void {
    if (chunk.policy) putChunk((this.policy ??= lmColumns(this.rowCount)), chunk.rows, chunk.policy);
    if (chunk.reference) putChunk((this.reference ??= lmColumns(this.rowCount)), chunk.rows, chunk.reference);
    if (chunk.reward) {
      const r = (this.reward ??= { chosen: nanColumn(this.rowCount), rejected: nanColumn(this.rowCount) });
      chunk.rows.forEach((row, k) => {
        r.chosen[row] = chunk.reward!.scoreChosen[k];
        r.rejected[row] = chunk.reward!.scoreRejected[k];
      });
    }
    for (const row of chunk.rows) {
      if (!this.seen[row]) this.scored++;
      this.seen[row] = 1;
    }
  }

  /** Whether a reference model's columns are present (DPO margins need them). */
  get hasReference(): boolean {
    return this.reference !== null;
  }

  /** Fresh copies of the computed columns and margins (safe to transfer). */
  attachment({ implicit, beta = DEFAULT_DPO_BETA }: AttachmentOptions): Attachment {
    const out: Attachment = { columns: [] };
    const p = this.policy;
    if (p) {
      const chosenNorm = mean(p.chosen, p.chosenTokens);
      const rejectedNorm = mean(p.rejected, p.rejectedTokens);
      out.columns.push(
        { name: "chosen_logps", values: p.chosen.slice() },
        { name: "rejected_logps", values: p.rejected.slice() },
        { name: "chosen_logps_norm", values: chosenNorm },
        { name: "rejected_logps_norm", values: rejectedNorm },
      );
      out.fields = [
        { name: "chosen_tokens", values: p.chosenTokens.slice() },
        { name: "rejected_tokens", values: p.rejectedTokens.slice() },
        { name: "truncated", values: p.truncated.slice() },
      ];
      const ref = this.reference;
      if (ref) {
        out.columns.push(
          { name: "ref_chosen_logps", values: ref.chosen.slice() },
          { name: "ref_rejected_logps", values: ref.rejected.slice() },
        );
      }
      if (implicit === "dpo") {
        if (!ref) throw new Error("a DPO implicit margin needs a reference model");
        out.implicit = p.chosen.map((c, i) => dpoMargin(c, p.rejected[i], ref.chosen[i], ref.rejected[i], beta));
      } else if (implicit === "sum") out.implicit = p.chosen.map((c, i) => sumMargin(c, p.rejected[i]));
      else out.implicit = chosenNorm.map((c, i) => simpoMargin(c, rejectedNorm[i]));
    }
    if (this.reward) {
      const r = this.reward;
      out.columns.push(
        { name: "score_chosen", values: r.chosen.slice() },
        { name: "score_rejected", values: r.rejected.slice() },
      );
      out.explicit = r.chosen.map((c, i) => rewardMargin(c, r.rejected[i]));
    }
    return out;
  }
}
