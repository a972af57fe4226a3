/**
 * The page's two workers in one Node process, as the page links them (lib/worker-link.ts): the dataset handlers
 * open a file, and a MessageChannel joins them to the scoring handlers, so tests drive the direct path.
 */
import type { HandlerContext, Handlers } from "@/lib/worker/rpc";
import { createDatasetHandlers } from "@/lib/workbench/handlers";
import type { DatasetApi } from "@/lib/workbench/protocol";
import type { ColumnMapping } from "@/lib/dataset/types";
import type { ScoringApi } from "@/lib/scoring/protocol";

/** A handler context that records progress (stage, fraction, payload) and keeps the transfer list. */
export function recordingCtx(progress: [string, number, unknown][] = []): HandlerContext {
  return { progress: (s, f, d) => progress.push([s, f, d]), transfer: [] };
}

/** The dataset handlers with `file` open, linked to `scoring`; `close()` closes the channel's ports. */
export async function linkedWorkers(
  scoring: Handlers<ScoringApi>,
  file: Blob,
  name: string,
  options: { mapping?: ColumnMapping; files?: { blob: Blob; name: string }[] } = {},
) {
  const dataset: Handlers<DatasetApi> = createDatasetHandlers();
  await dataset.open({ file, name, ...options }, recordingCtx());
  const channel = new MessageChannel();
  const ports = [channel.port1, channel.port2];
  await dataset.linkScoring({ port: channel.port1 }, recordingCtx());
  await scoring.linkDataset({ port: channel.port2 }, recordingCtx());
  return {
    dataset,
    scoring,
    /** Links the scoring handlers to a fresh channel (as after a restart); the old ports are closed. */
    async relink(to: Handlers<DatasetApi> = dataset) {
      const next = new MessageChannel();
      await to.linkScoring({ port: next.port1 }, recordingCtx());
      await scoring.linkDataset({ port: next.port2 }, recordingCtx());
      ports.push(next.port1, next.port2);
    },
    close() {
      for (const p of ports) p.close();
    },
  };
}

/** Named computed columns the dataset worker holds (what a run attached), by name. */
export async function computedColumns(dataset: Handlers<DatasetApi>): Promise<Map<string, Float64Array>> {
  const state = await dataset.computed({}, recordingCtx());
  return new Map([...state.columns, ...state.fields].map((c) => [c.name, c.values]));
}

/** Every ArrayBuffer reachable in `value` (typed arrays included): what a message would carry as bulk data. */
export function bufferBytes(value: unknown, seen = new Set<unknown>()): number {
  if (value === null || typeof value !== "object" || seen.has(value)) return 0;
  seen.add(value);
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (value instanceof ArrayBuffer) return value.byteLength;
  return Object.values(value as Record<string, unknown>).reduce<number>((n, v) => n + bufferBytes(v, seen), 0);
}
