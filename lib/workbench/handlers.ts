/** The dataset worker's handlers over a {@link DatasetSession}; kept out of the worker file so Node tests can drive them. */
import { formatProblem, type ColumnMapping, type ParseProblem } from "@/lib/dataset/types";
import { BackgroundHash, sampledKey, sha256Hex } from "@/lib/dataset/hash";
import { countMasked, histogramWithBins, type Histogram } from "@/lib/metrics/histogram";
import { HandlerError, type Handlers } from "@/lib/worker/rpc";
import { servePort, type PortLike } from "@/lib/worker/port-rpc";
import { ScoreColumns } from "@/lib/scoring/columns";
import { isShared, reserveColumn, reserveIds } from "@/lib/metrics/shared-column";
import { pairMappingKey, scoringDatasetKey } from "@/lib/scoring/dataset-key";
import type { DatasetLinkApi } from "@/lib/scoring/protocol";
import type { LinkedRead, LinkedReadResult, ScatterLinkApi } from "@/lib/scatter/protocol";
import type { FieldKey } from "@/lib/selection/spec";
import { DatasetSession, type OpenedFile } from "@/lib/workbench/session";
import { parseRecipe } from "@/lib/workbench/recipe";
import { inspectFiles } from "@/lib/workbench/open-files";
import { releaseDecompressed } from "@/lib/dataset/readers/gzip";
import { exportShards } from "@/lib/export/shard-export";
import { ExportRuns, reportExportProgress } from "@/lib/export/export-runs";
import { writeToFileHandle } from "@/lib/export/file-handle-export";
import { skippedRowsFileName } from "@/lib/workbench/plan-text";
import { checkRowIds } from "@/lib/workbench/row-numbers";
import type {
  ColumnHistogram,
  DatasetApi,
  HistogramRequest,
  NeedsMappingDetail,
  OpenReply,
  SelectReply,
} from "@/lib/workbench/protocol";

/**
 * Quiet time after a `select` before the worker sorts the ranking in force (DatasetSession.warmRanking): past a
 * typed w or a metric pick, short enough that a drag or a table sort started a moment later finds it done.
 */
const RANKING_WARM_DELAY_MS = 300;

/**
 * How long a scatter's read may wait for the select it names (`LinkedRead.after`) before it is answered with the
 * columns as they are: a select the page numbered but never sent (a restarted worker) does not hold a frame back.
 */
const READ_WAIT_MS = 2000;

/** Lets the messages that arrived meanwhile (a scatter's read waiting on this select) run first. */
const yieldToMessages = (): Promise<void> =>
  new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });

/** A scoring run's rows or results refused: the dataset it started on is no longer the open one. */
const staleRun = () =>
  new HandlerError("its dataset is no longer open (another file, mapping or run replaced it)", "stale-run");

function badInput(problem: ParseProblem): HandlerError {
  return new HandlerError(formatProblem(problem), "bad-input", problem);
}

/** Creates the handler set; state (the open session and the original file) lives in the closure. */
export function createDatasetHandlers(): Handlers<DatasetApi> {
  let session: DatasetSession | null = null;
  let original: Blob | null = null;
  // Exports in progress, by the page's id, so that `cancelExport` can stop one.
  const exportRuns = new ExportRuns();
  // The open file's identity: the sampled key at once, the full SHA-256 hashed in the background after parsing (the
  // dataset is usable meanwhile; a recipe waits for it).
  let identity: { hash: BackgroundHash; key: Promise<string> } | null = null;
  // Bins over all rows depend on the column only: cached per column array and bin count.
  let allBins = new WeakMap<Float64Array, Map<number, { all: Histogram; bin: Uint16Array }>>();
  // Counts of a context mask that did not change (the dragged histogram's own view) are reused.
  let selectedCounts = new WeakMap<Uint8Array, Map<Uint16Array, Uint32Array>>();

  // A file whose schema detection failed, kept open (indexed, sample read) until it is mapped by hand.
  let pending: { opened: OpenedFile; file: Blob; name: string; inputs: Blob[] } | null = null;
  // The files the open session reads; a gzip file's decompressed copy on disk (OPFS) is removed once neither the
  // session nor the pending file reads it.
  let sessionInputs: Blob[] = [];
  const releaseUnread = () => releaseDecompressed([...sessionInputs, ...(pending?.inputs ?? [])]);

  // Results of the last scoring run, written here by the scoring worker over the link (never through the page), for
  // the session and pair mapping they were scored on; `applyScores` attaches them.
  let scores: {
    run: number;
    session: DatasetSession;
    /** The mapping object the pair key was last checked against (a remap replaces it). */
    mapping: ColumnMapping;
    pairKey: string;
    columns: ScoreColumns;
  } | null = null;
  let runs = 0;
  let scoringPort: PortLike | null = null;
  /** The run's results, if they still belong to the open dataset and its pair mapping. */
  const currentScores = () => {
    if (!scores) return null;
    if (scores.session !== session) return (scores = null);
    const mapping = scores.session.columnMapping;
    // Asked per chunk: the key is recomputed only when a remap replaced the mapping (margin fields keep the scores).
    if (mapping !== scores.mapping) {
      if (pairMappingKey(mapping) !== scores.pairKey) return (scores = null);
      scores.mapping = mapping;
    }
    return scores;
  };

  /** A copy of the selection mask in force (empty before the first `select`), transferred. */
  const maskCopy = (transfer: Transferable[]): Uint8Array => {
    const copy = lastMask ? lastMask.slice() : new Uint8Array(0);
    transfer.push(copy.buffer);
    return copy;
  };

  // The selection mask of the last `select` (what the scatter workers draw), read by them over their links.
  let lastMask: Uint8Array | null = null;

  /** A copy of one field column, computed first when it is derived (z-scores, M_AP...); null when there is none. */
  const fieldCopy = async (s: DatasetSession, field: FieldKey, transfer: Transferable[]) => {
    const problem = await s.prepare(s.currentSpec(), [field]);
    if (problem) throw badInput(problem);
    const values = s.field(field);
    if (!values) return null;
    const copy = values.slice();
    transfer.push(copy.buffer);
    return copy;
  };

  // Generations of the arrays a scatter read (a column, the mask), by identity: the session replaces its columns
  // and masks, never writes them in place, so a reader holding a generation holds those values. 0 names "none".
  const generations = new WeakMap<object, number>();
  let nextGeneration = 1;
  const generationOf = (values: object | null): number => {
    if (!values) return 0;
    let gen = generations.get(values);
    if (gen === undefined) generations.set(values, (gen = nextGeneration++));
    return gen;
  };

  // The page's selects computed so far (their `seq`), those whose scores are (a `scored` read needs no more), and
  // the scatter reads waiting for a later one.
  let selectedSeq = 0;
  let scoredSeq = 0;
  let waitingReads: { after: number; scored: boolean; done(): void }[] = [];
  const answerReads = () => {
    const ready = (w: { after: number; scored: boolean }) => w.after <= (w.scored ? scoredSeq : selectedSeq);
    const now = waitingReads.filter(ready);
    waitingReads = waitingReads.filter((w) => !ready(w));
    for (const w of now) w.done();
  };
  const scoresComputed = (seq: number) => {
    scoredSeq = Math.max(scoredSeq, seq);
    answerReads();
  };
  const selectComputed = (seq: number) => {
    selectedSeq = Math.max(selectedSeq, seq);
    scoredSeq = Math.max(scoredSeq, seq);
    answerReads();
  };
  /**
   * Resolves once the select `after` is computed (only its scores: `scored`); after {@link READ_WAIT_MS} at most
   * (that select never came).
   */
  const untilSelected = (after: number, scored: boolean): Promise<void> | null => {
    if (after <= (scored ? scoredSeq : selectedSeq)) return null;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        waitingReads = waitingReads.filter((w) => w !== entry);
        resolve();
      }, READ_WAIT_MS);
      const entry = {
        after,
        scored,
        done() {
          clearTimeout(timer);
          resolve();
        },
      };
      waitingReads.push(entry);
    });
  };

  /** A scatter's read: copies of the fields and the mask whose generation is not the one it holds. */
  const linkedRead = async (request: LinkedRead, transfer: Transferable[]): Promise<LinkedReadResult> => {
    if (request.after !== undefined) await untilSelected(request.after, request.scored === true);
    const s = need();
    const problem = await s.prepare(
      s.currentSpec(),
      request.fields.map((f) => f.field as FieldKey),
    );
    if (problem) throw badInput(problem);
    const columns = request.fields.map(({ field, have }) => {
      const values = s.field(field as FieldKey);
      const gen = generationOf(values);
      if (gen === have) return { gen, same: true, values: null };
      // A shared column (M_AP in the app) goes as it is; any other is copied and the copy transferred.
      if (values && isShared(values)) return { gen, same: false, values };
      const copy = values ? values.slice() : null;
      if (copy) transfer.push(copy.buffer);
      return { gen, same: false, values: copy };
    });
    if (!request.mask) return { columns };
    const gen = generationOf(lastMask);
    const same = gen === request.mask.have;
    return { columns, mask: { gen, same, values: same ? null : maskCopy(transfer) } };
  };

  /** What a scatter worker may ask over its link: copies of columns and of the mask, never through the page. */
  const scatterHandlers: Handlers<ScatterLinkApi> = {
    read(request, ctx) {
      return linkedRead(request, ctx.transfer);
    },
  };

  /** What the scoring worker may ask over the link. */
  const linkHandlers: Handlers<DatasetLinkApi> = {
    async info() {
      const s = need();
      const sha256 = await identity!.hash.wait();
      // Another file may have been opened while the hash was finishing.
      if (s !== session) throw new HandlerError("the dataset changed while it was being identified", "stale-run");
      const datasetKey = scoringDatasetKey(sha256, s.columnMapping);
      return { rowCount: s.source.rowCount, datasetKey, name: s.source.info.name };
    },
    async pairs({ rows, run }) {
      if (run !== undefined && currentScores()?.run !== run) throw staleRun();
      return (await need().rows(rows)).map((r) => r.pair);
    },
    async beginRun({ datasetKey }) {
      const s = need();
      const mapping = s.columnMapping;
      const sha256 = await identity!.hash.wait();
      if (s !== session || scoringDatasetKey(sha256, mapping) !== datasetKey)
        throw new HandlerError("the dataset changed before the run started: score it again", "stale-run");
      scores = {
        run: ++runs,
        session: s,
        mapping,
        pairKey: pairMappingKey(mapping),
        columns: new ScoreColumns(s.source.rowCount),
      };
      return { run: scores.run };
    },
    chunk({ run, chunk }) {
      const current = currentScores();
      if (!current || current.run !== run) throw staleRun();
      current.columns.add(chunk);
      return { scored: current.columns.scored };
    },
  };

  const adopt = (s: DatasetSession, file: Blob, name: string): OpenReply => {
    session = s;
    if (!identity || identity.hash.blob !== file) {
      const key = sampledKey(file, name);
      // Awaited by `identity`; unobserved, a failed read must not be an unhandled rejection (fatal in a worker).
      key.catch(() => {});
      identity = { hash: new BackgroundHash(file), key };
    }
    original = file;
    lastMask = null;
    allBins = new WeakMap();
    selectedCounts = new WeakMap();
    return openReply(s);
  };

  // A re-rank replies before the ranking is sorted (its top k and the table rows' ranks need no sort); the sort that
  // a drag's first step or a table sort by score needs is made once the worker has been idle a moment. So are the
  // column the next re-rank writes its scores into and the ids of the next table order (shared-column.ts).
  let warmTimer: ReturnType<typeof setTimeout> | null = null;
  const scheduleWarm = (s: DatasetSession) => {
    if (warmTimer !== null) clearTimeout(warmTimer);
    warmTimer = setTimeout(() => {
      warmTimer = null;
      if (session !== s) return;
      reserveColumn(s.source.rowCount);
      reserveIds(s.source.rowCount);
      s.warmRanking();
    }, RANKING_WARM_DELAY_MS);
  };

  const need = (): DatasetSession => {
    if (!session) throw new HandlerError("no dataset is loaded", "no-dataset");
    return session;
  };

  // The columns stay here: the views read rows and columns from this worker, never copies on the page.
  const openReply = (s: DatasetSession): OpenReply => ({ summary: s.summary() });

  const histogramOf = (
    s: DatasetSession,
    req: HistogramRequest,
    mask: Uint8Array,
    contexts: Map<string, Uint8Array>,
  ): ColumnHistogram | null => {
    const values = s.field(req.field);
    if (!values) return null;
    let byBins = allBins.get(values);
    if (!byBins) allBins.set(values, (byBins = new Map()));
    let entry = byBins.get(req.bins);
    if (!entry) {
      entry = histogramWithBins(values, req.bins);
      byBins.set(req.bins, entry);
    }
    const { all, bin } = entry;
    const m = contexts.get(req.source) ?? mask;
    let byBin = selectedCounts.get(m);
    if (!byBin) selectedCounts.set(m, (byBin = new Map()));
    let selected = byBin.get(bin);
    if (!selected) byBin.set(bin, (selected = countMasked(bin, req.bins, m)));
    return {
      field: req.field,
      source: req.source,
      edges: all.edges,
      all: all.counts,
      selected,
      missing: all.missing,
      min: all.min,
      max: all.max,
    };
  };

  // The selects in order (see `select`).
  let selectChain: Promise<unknown> = Promise.resolve();
  const selectNow = async ({ spec, histograms, rows, seq }: DatasetApi["select"]["args"]): Promise<SelectReply> => {
    const t0 = performance.now();
    let s: DatasetSession;
    let selection;
    try {
      s = need();
      const problem = await s.prepare(
        spec,
        histograms.map((h) => h.field),
      );
      if (problem) throw badInput(problem);
      try {
        if (seq !== undefined) {
          // Scores first. When they moved (a new w or metric), the scatters' colour reads waiting on them are
          // answered before the selection is computed: they recolour while the top k is chosen.
          const moved = s.scoreAhead(spec);
          scoresComputed(seq);
          if (moved) await yieldToMessages();
        }
        selection = s.select(
          spec,
          histograms.map((h) => h.source),
        );
      } catch (err) {
        if (err instanceof RangeError) throw new HandlerError(err.message, "bad-input");
        throw err;
      }
      lastMask = selection.evaluation.mask;
      scheduleWarm(s);
    } finally {
      // Computed (or refused): the reads waiting on it are answered now, before the histograms and rows below.
      if (seq !== undefined) selectComputed(seq);
    }
    const t1 = performance.now();
    if (seq !== undefined) await yieldToMessages();
    const t2 = performance.now();
    const { evaluation: ev, rescored, notes } = selection;
    const reply: SelectReply = {
      selectedCount: ev.selectedCount,
      k: ev.k,
      scored: ev.scored,
      candidates: ev.candidates,
      ranked: ev.ranked,
      keptByHand: ev.keptByHand,
      keepCount: ev.keepCount,
      droppedByHand: ev.droppedByHand,
      rescored,
      histograms: histograms
        .map((h) => histogramOf(s, h, ev.mask, ev.contexts))
        .filter((h): h is ColumnHistogram => h !== null),
      notes,
      ...(rows
        ? {
            rowNumbers: s.rowNumbers(rows.filter((r) => Number.isInteger(r) && r >= 0 && r < s.source.rowCount)),
          }
        : {}),
      timings: { selectMs: t1 - t0, readsMs: t2 - t1, replyMs: 0 },
    };
    reply.timings.replyMs = performance.now() - t2;
    return reply;
  };

  return {
    linkScoring({ port }) {
      // The page links again after either worker restarted: the old port is closed, the new one served.
      scoringPort?.close?.();
      scoringPort = port;
      servePort<DatasetLinkApi>(port, linkHandlers);
      return null;
    },
    hashFile({ file }, ctx) {
      return sha256Hex(file, (f) => ctx.progress("hashing", f));
    },
    linkScatter({ port }) {
      servePort<ScatterLinkApi>(port, scatterHandlers);
      return null;
    },
    applyScores({ implicit, beta }) {
      const s = need();
      const current = currentScores();
      if (!current || current.columns.scored === 0) return null;
      const { columns } = current;
      // A DPO margin needs the reference's log-probs; without them the policy's SimPO margin is the implicit one.
      const kind = implicit === "dpo" && !columns.hasReference ? "simpo" : implicit;
      const a = columns.attachment({ implicit: kind, beta });
      s.attachColumns(a.columns, { explicit: a.explicit, implicit: a.implicit }, a.fields);
      return { ...openReply(s), scored: columns.scored };
    },
    async open({ file, name, mapping, files }, ctx) {
      pending = null;
      const inputs = files && files.length >= 2 ? files.map((f) => f.blob) : [file];
      try {
        const opened = await inspectFiles(file, name, files, ctx.progress);
        if (!opened.ok) throw badInput(opened.reason);
        let notes: string[] | undefined;
        if (!mapping) {
          const detected = DatasetSession.detect(opened.data);
          if (!detected.ok) {
            // Detection is the fast path, not the only one: the file stays open for a mapping made by hand.
            pending = { opened: opened.data, file, name, inputs };
            const detail: NeedsMappingDetail = { problem: detected.reason, name, fields: opened.data.fields };
            throw new HandlerError(formatProblem(detected.reason), "needs-mapping", detail);
          }
          mapping = detected.data.mapping;
          notes = detected.data.notes;
        }
        const result = await DatasetSession.fromOpened(opened.data, { mapping, notes, onProgress: ctx.progress });
        if (!result.ok) throw badInput(result.reason);
        sessionInputs = inputs;
        return adopt(result.data, file, name);
      } finally {
        await releaseUnread();
      }
    },
    async mapPending({ mapping }, ctx) {
      if (!pending) throw new HandlerError("no file is waiting for a column mapping", "no-dataset");
      const result = await DatasetSession.fromOpened(pending.opened, { mapping, onProgress: ctx.progress });
      // A failed mapping keeps the file waiting, so the user can correct it.
      if (!result.ok) throw badInput(result.reason);
      const { file, name, inputs } = pending;
      pending = null;
      sessionInputs = inputs;
      await releaseUnread();
      return adopt(result.data, file, name);
    },
    async remap({ mapping }, ctx) {
      const s = need();
      const problem = await s.remap(mapping, (f) => ctx.progress("parsing", f));
      if (problem) throw badInput(problem);
      return openReply(s);
    },
    select(args) {
      // One select at a time: one that yields to the scatters' reads must not let another change the selection
      // before its own reply (its histograms and table rows) is built.
      const run = selectChain.then(() => selectNow(args));
      selectChain = run.catch(() => {});
      return run;
    },
    rows({ rows }) {
      return need().rows(rows);
    },
    rowNumbers({ rows, withZ }) {
      try {
        return need().rowNumbers(rows, withZ);
      } catch (err) {
        if (err instanceof RangeError) throw new HandlerError(err.message, "bad-input");
        throw err;
      }
    },
    order({ key, descending, filter }, ctx) {
      const s = need();
      const ids = s.order(key, descending, filter);
      ctx.transfer.push(ids.buffer);
      // The next order's ids are reserved when idle again.
      scheduleWarm(s);
      return ids;
    },
    column({ field }, ctx) {
      return fieldCopy(need(), field, ctx.transfer);
    },
    scatterRead(request, ctx) {
      return linkedRead(request, ctx.transfer);
    },
    async fieldValues({ row, fields }) {
      const s = need();
      try {
        checkRowIds([row], s.source.rowCount);
      } catch (err) {
        throw new HandlerError((err as Error).message, "bad-input");
      }
      const problem = await s.prepare(s.currentSpec(), fields);
      if (problem) throw badInput(problem);
      return fields.map((f) => s.field(f)?.[row] ?? NaN);
    },
    mask(_args, ctx) {
      return maskCopy(ctx.transfer);
    },
    rowMetrics({ row }) {
      try {
        return need().rowMetricScores(row);
      } catch (err) {
        if (err instanceof RangeError) throw new HandlerError(err.message, "bad-input");
        throw err;
      }
    },
    compare({ split }) {
      return need().compare(split);
    },
    export({ format, includeComputed, exportId }, ctx) {
      const s = need();
      return exportRuns.run(exportId, (signal) =>
        s.exportSelection(format, includeComputed, { signal, onProgress: reportExportProgress(ctx.progress) }),
      );
    },
    exportTo({ handle, format, includeComputed, exportId }, ctx) {
      const s = need();
      return exportRuns.run(exportId, async (signal) => {
        const written = await writeToFileHandle(handle, (sink) =>
          s.writeSelection(format, includeComputed, sink, { signal, onProgress: reportExportProgress(ctx.progress) }),
        );
        return { ...written, fileName: handle.name };
      });
    },
    cancelExport({ exportId }) {
      return exportRuns.cancel(exportId);
    },
    exportShards({ format, includeComputed }) {
      const s = need();
      const extra = includeComputed ? s.computedColumns() : undefined;
      return exportShards(s.source, s.currentSelection().indices, format, extra, s.columnMapping);
    },
    attach({ columns, explicit, implicit, fields }) {
      const s = need();
      s.attachColumns(columns, { explicit, implicit }, fields);
      return openReply(s);
    },
    computed(_args, ctx) {
      const state = need().computedState();
      for (const c of [...state.columns, ...state.fields]) ctx.transfer.push(c.values.buffer);
      if (state.explicit) ctx.transfer.push(state.explicit.buffer);
      if (state.implicit) ctx.transfer.push(state.implicit.buffer);
      return state;
    },
    responseIssueRows(_args, ctx) {
      const rows = need().responseIssueRows();
      ctx.transfer.push(rows.buffer);
      return rows;
    },
    async skippedRows() {
      const s = need();
      const blob = await s.skippedRecords();
      return { blob, fileName: skippedRowsFileName(s.summary().info.name), count: s.summary().accounting.skipped };
    },
    recipe(_args, ctx) {
      const s = need();
      return s.recipe(identity?.hash ?? (original as Blob), (f) => ctx.progress("hashing", f));
    },
    async identity(_args, ctx) {
      need();
      const { hash, key } = identity!;
      const [sha256, sampled] = await Promise.all([hash.wait((f) => ctx.progress("hashing", f)), key]);
      return { key: sampled, sha256 };
    },
    async applyRecipe({ file, name }, ctx) {
      const s = need();
      const parsed = parseRecipe(await file.text(), name);
      if (!parsed.ok) throw badInput(parsed.reason);
      const applied = await s.applyRecipe(parsed.data, identity?.hash ?? (original as Blob), ctx.progress);
      if (!applied.ok) throw badInput(applied.reason);
      const { spec, report } = applied.data;
      return { spec, report, reopened: report.remapped ? openReply(s) : null };
    },
  };
}
