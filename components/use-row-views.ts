"use client";
import { useCallback, useRef, useState } from "react";
import { datasetClient } from "@/lib/dataset-client";
import type { RowView } from "@/lib/workbench/session";

/** Most rows kept in the page; older ones are fetched again on demand. */
const CACHE_LIMIT = 2000;

interface Cache {
  dataVersion: number;
  rows: Map<number, RowView>;
  inFlight: Set<number>;
}

/**
 * Fetches row texts on demand from the dataset worker and caches them (LRU). `request(rows)` asks for rows;
 * `get(row)` returns a cached row or undefined. The cache starts afresh when `dataVersion` changes.
 */
export function useRowViews(dataVersion: number) {
  const cache = useRef<Cache>({ dataVersion, rows: new Map(), inFlight: new Set() });
  const [, setTick] = useState(0);

  const current = useCallback((): Cache => {
    if (cache.current.dataVersion !== dataVersion)
      cache.current = { dataVersion, rows: new Map(), inFlight: new Set() };
    return cache.current;
  }, [dataVersion]);

  const request = useCallback(
    (rows: number[]) => {
      const c = current();
      const missing = rows.filter((r) => !c.rows.has(r) && !c.inFlight.has(r));
      if (missing.length === 0) return;
      for (const r of missing) c.inFlight.add(r);
      datasetClient()
        .call("rows", { rows: missing })
        .then((views) => {
          if (cache.current !== c) return;
          for (const v of views) {
            c.rows.delete(v.row);
            c.rows.set(v.row, v);
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
    [current],
  );

  const get = useCallback((row: number) => current().rows.get(row), [current]);
  return { request, get };
}
