"use client";
import { useCallback, useRef, useState } from "react";
import { datasetClient } from "@/lib/dataset-client";
import { rowNumbersKey, tableRows } from "@/lib/workbench/table-rows";
import type { RowNumbers, RowView } from "@/lib/workbench/types";

/** Most rows kept in the page; older ones are fetched again on demand. */
const CACHE_LIMIT = 2000;

interface Cache<T> {
  key: string | number;
  scope: number;
  rows: Map<number, T>;
  inFlight: Set<number>;
}

/**
 * A page-side cache of per-row data the dataset worker hands out by row id (LRU, {@link CACHE_LIMIT} rows).
 * `request(rows)` fetches the rows not cached for the current `key`; `get(row)` returns a cached row, or, while the
 * new key's row is on its way, the previous key's (when `keepStale`, and only within one `scope`, the rows
 * version: another file's rows never stand in): numbers that change under a drag do not flicker to a placeholder.
 */
function useRowCache<T extends { row: number }>(
  key: string | number,
  scope: number,
  fetchRows: (rows: number[]) => Promise<T[]>,
  keepStale: boolean,
  primed: ((key: string | number) => ReadonlyMap<number, T> | null) | null = null,
) {
  const cache = useRef<Cache<T>>({ key, scope, rows: new Map(), inFlight: new Set() });
  const stale = useRef<Map<number, T>>(new Map());
  const [, setTick] = useState(0);

  const current = useCallback((): Cache<T> => {
    if (cache.current.key !== key) {
      if (!keepStale || cache.current.scope !== scope) stale.current = new Map();
      // The rows of the last key stand in until their new values come (merged: a row not refetched yet stays).
      else for (const [row, v] of cache.current.rows) stale.current.set(row, v);
      while (stale.current.size > CACHE_LIMIT) stale.current.delete(stale.current.keys().next().value as number);
      // Rows whose numbers came with the reply that made this key start out cached (no fetch, no stale frame).
      const sent = primed?.(key);
      cache.current = { key, scope, rows: new Map(sent ?? []), inFlight: new Set() };
    }
    return cache.current;
  }, [key, scope, keepStale, primed]);

  const request = useCallback(
    (rows: number[]) => {
      const c = current();
      const missing = rows.filter((r) => !c.rows.has(r) && !c.inFlight.has(r));
      if (missing.length === 0) return;
      for (const r of missing) c.inFlight.add(r);
      fetchRows(missing)
        .then((views) => {
          if (cache.current !== c) return;
          for (const v of views) {
            c.rows.delete(v.row);
            c.rows.set(v.row, v);
            stale.current.delete(v.row);
          }
          while (c.rows.size > CACHE_LIMIT) c.rows.delete(c.rows.keys().next().value as number);
          setTick((t) => t + 1);
        })
        // A failed fetch leaves the rows uncached; the next scroll asks again.
        .catch(() => undefined)
        .finally(() => {
          for (const r of missing) c.inFlight.delete(r);
        });
    },
    [current, fetchRows],
  );

  const get = useCallback((row: number) => current().rows.get(row) ?? stale.current.get(row), [current]);
  return { request, get };
}

const fetchViews = (rows: number[]) => datasetClient().call("rows", { rows });
const fetchNumbers = (rows: number[]) => datasetClient().call("rowNumbers", { rows });
const fetchNumbersWithZ = (rows: number[]) => datasetClient().call("rowNumbers", { rows, withZ: true });

/**
 * Row texts fetched on demand from the dataset worker and cached; the cache starts afresh when `dataVersion` (the
 * rows version) changes.
 */
export function useRowViews(dataVersion: number) {
  return useRowCache<RowView>(dataVersion, dataVersion, fetchViews, false);
}

/**
 * Row numbers (margins, score, M_AP and rank, selected, decision; z-scores with `withZ`) fetched on demand from the dataset
 * worker, which owns the columns; refetched when the versions they depend on change (rows, margins, the ranking's
 * scores, and the mask, which every decision moves), showing the previous values until the new ones arrive (the
 * same rows version only). Without `withZ` (the table), the rows a selection reply brought along start cached.
 */
export function useRowNumbers(
  versions: { rows: number; margins: number; scores: number; mask: number },
  options: { withZ?: boolean } = {},
) {
  const key = rowNumbersKey(versions);
  const fetchRows = options.withZ ? fetchNumbersWithZ : fetchNumbers;
  // The table's rows come with each selection reply (lib/workbench/table-rows.ts); those have no z-scores.
  return { key, ...useRowCache<RowNumbers>(key, versions.rows, fetchRows, true, options.withZ ? null : primedNumbers) };
}

const primedNumbers = (key: string | number) => tableRows.primed(String(key));
