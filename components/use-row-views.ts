"use client";
import { useCallback, useEffect, useRef, useState } from "react";
import { datasetClient } from "@/lib/dataset-client";
import type { RowView } from "@/lib/workbench/session";

/** Most rows kept in the page; older ones are fetched again on demand. */
const CACHE_LIMIT = 2000;

/**
 * Fetches row texts on demand from the dataset worker and caches them (LRU). `request(rows)` asks for rows;
 * `get(row)` returns a cached row or undefined. The cache empties when `dataVersion` changes.
 */
export function useRowViews(dataVersion: number) {
  const cache = useRef(new Map<number, RowView>());
  const inFlight = useRef(new Set<number>());
  const [, setTick] = useState(0);

  useEffect(() => {
    cache.current.clear();
    inFlight.current.clear();
    setTick((t) => t + 1);
  }, [dataVersion]);

  const request = useCallback(
    (rows: number[]) => {
      const missing = rows.filter((r) => !cache.current.has(r) && !inFlight.current.has(r));
      if (missing.length === 0) return;
      for (const r of missing) inFlight.current.add(r);
      const version = dataVersion;
      datasetClient()
        .call("rows", { rows: missing })
        .then((views) => {
          if (version !== dataVersion) return;
          for (const v of views) {
            cache.current.delete(v.row);
            cache.current.set(v.row, v);
          }
          while (cache.current.size > CACHE_LIMIT) {
            const oldest = cache.current.keys().next().value as number;
            cache.current.delete(oldest);
          }
          setTick((t) => t + 1);
        })
        .catch(() => undefined)
        .finally(() => {
          for (const r of missing) inFlight.current.delete(r);
        });
    },
    [dataVersion],
  );

  const get = useCallback((row: number) => cache.current.get(row), []);
  return { request, get };
}
