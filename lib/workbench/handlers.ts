/** The dataset worker's handlers over a {@link DatasetSession}; kept out of the worker file so Node tests can drive them. */
import { formatProblem, type ParseProblem } from "@/lib/dataset/types";
import { histogram } from "@/lib/metrics/histogram";
import { HandlerError, type Handlers } from "@/lib/worker/rpc";
import { DatasetSession } from "@/lib/workbench/session";
import type { ColumnHistogram, DatasetApi, OpenReply } from "@/lib/workbench/protocol";

function badInput(problem: ParseProblem): HandlerError {
  return new HandlerError(formatProblem(problem), "bad-input", problem);
}

function columnHistogram(values: Float64Array, mask: Uint8Array, bins: number): ColumnHistogram {
  const all = histogram(values, bins);
  let n = 0;
  for (let i = 0; i < values.length; i++) if (mask[i] && !Number.isNaN(values[i])) n++;
  const picked = new Float64Array(n);
  for (let i = 0, j = 0; i < values.length; i++) if (mask[i] && !Number.isNaN(values[i])) picked[j++] = values[i];
  const lo = all.edges[0];
  const hi = all.edges[all.edges.length - 1];
  const selected = histogram(picked, bins, [lo, hi]);
  return { edges: all.edges, all: all.counts, selected: selected.counts, missing: all.missing };
}

/** Creates the handler set; state (the open session and the original file) lives in the closure. */
export function createDatasetHandlers(): Handlers<DatasetApi> {
  let session: DatasetSession | null = null;
  let original: Blob | null = null;

  const need = (): DatasetSession => {
    if (!session) throw new HandlerError("no dataset is loaded", "no-dataset");
    return session;
  };

  const openReply = (s: DatasetSession, transfer: Transferable[]): OpenReply => {
    const { explicit, implicit } = s.margins();
    const reply = { summary: s.summary(), explicit: explicit.slice(), implicit: implicit.slice() };
    transfer.push(reply.explicit.buffer, reply.implicit.buffer);
    return reply;
  };

  return {
    async open({ file, name, mapping }, ctx) {
      const result = await DatasetSession.open(file, name, { mapping, onProgress: ctx.progress });
      if (!result.ok) throw badInput(result.reason);
      session = result.data;
      original = file;
      return openReply(session, ctx.transfer);
    },
    async remap({ mapping }, ctx) {
      const s = need();
      const problem = await s.remap(mapping, (f) => ctx.progress("parsing", f));
      if (problem) throw badInput(problem);
      return openReply(s, ctx.transfer);
    },
    select({ settings, bins }, ctx) {
      const s = need();
      const { selection, scores, columns, rescored } = s.select(settings);
      const margins = s.margins();
      const mask = selection.mask.slice();
      ctx.transfer.push(mask.buffer);
      const reply = {
        mask,
        selectedCount: selection.indices.length,
        k: selection.k,
        scored: scores.valid,
        candidates: selection.candidates,
        columns: rescored
          ? { score: columns.score.slice(), mAp: columns.mAp.slice(), mApRank: columns.mApRank.slice() }
          : undefined,
        histograms: {
          mAp: columnHistogram(columns.mAp, selection.mask, bins),
          explicit: columnHistogram(margins.explicit, selection.mask, bins),
          implicit: columnHistogram(margins.implicit, selection.mask, bins),
        },
      };
      if (reply.columns)
        ctx.transfer.push(reply.columns.score.buffer, reply.columns.mAp.buffer, reply.columns.mApRank.buffer);
      return reply;
    },
    rows({ rows }) {
      return need().rows(rows);
    },
    order({ key, descending, selectedOnly }, ctx) {
      const ids = need().order(key, descending, selectedOnly);
      ctx.transfer.push(ids.buffer);
      return ids;
    },
    export({ format, includeComputed }) {
      return need().exportSelection(format, includeComputed);
    },
    attach({ columns, explicit, implicit }, ctx) {
      const s = need();
      s.attachColumns(columns, { explicit, implicit });
      return openReply(s, ctx.transfer);
    },
    recipe(_args, ctx) {
      const s = need();
      return s.recipe(original as Blob, (f) => ctx.progress("hashing", f));
    },
  };
}
