"use client";
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { createColumnHelper, flexRender, getCoreRowModel, useReactTable, type Row } from "@tanstack/react-table";
import { useWorkbench } from "@/components/workbench-store";
import SearchBox from "@/components/SearchBox";
import { useRowNumbers, useRowViews } from "@/components/use-row-views";
import { buffers } from "@/lib/workbench/buffers";
import { tableRows } from "@/lib/workbench/table-rows";
import { cursorIndex } from "@/lib/workbench/shortcuts";
import { scrollTopForIndex, tableWindow, type TableGeometry } from "@/lib/workbench/table-window";
import { pairToText } from "@/lib/dataset/pair";
import type { OrderKey } from "@/lib/workbench/protocol";
import type { RowNumbers, RowView } from "@/lib/workbench/types";

/** Height of one table row in px (fixed, so the visible window is plain arithmetic). */
const ROW_HEIGHT = 30;
/** Height of the scrolling body in px (matches .pairs-scroll), until it is measured. */
const VIEWPORT_HEIGHT = 420;
/** Rows rendered above and below the visible ones. */
const OVERSCAN = 10;
/** Tallest body laid out; past it the scrollbar is scaled (lib/workbench/table-window.ts). */
const MAX_BODY_HEIGHT = 15_000_000;

interface VisibleRow {
  row: number;
  /** Undefined until the dataset worker sent the row's numbers. */
  numbers: RowNumbers | undefined;
  view: RowView | undefined;
}

function fmt(v: number | undefined): string {
  if (v === undefined) return "…";
  return Number.isNaN(v) ? "missing" : v.toPrecision(4);
}

function preview(text: string | undefined): string {
  if (text === undefined) return "…";
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

/** Each row view's three previews, made once per view (not three full-text joins per cell per render). */
const previews = new WeakMap<RowView, { prompt: string; chosen: string; rejected: string }>();
function previewOf(view: RowView | undefined, part: "prompt" | "chosen" | "rejected"): string {
  if (!view) return preview(undefined);
  let p = previews.get(view);
  if (!p) {
    const text = pairToText(view.pair);
    p = { prompt: preview(text.prompt), chosen: preview(text.chosen), rejected: preview(text.rejected) };
    previews.set(view, p);
  }
  return p[part];
}

/** Whether two replies gave a row the same numbers (each reply brings fresh objects). */
function sameNumbers(a: RowNumbers | undefined, b: RowNumbers | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return (
    a.row === b.row &&
    Object.is(a.explicit, b.explicit) &&
    Object.is(a.implicit, b.implicit) &&
    Object.is(a.score, b.score) &&
    Object.is(a.mAp, b.mAp) &&
    Object.is(a.mApRank, b.mApRank) &&
    a.selected === b.selected &&
    a.decision === b.decision
  );
}

const helper = createColumnHelper<VisibleRow>();

const EMPTY_ORDER = new Uint32Array(0);
const subscribeBuffers = (cb: () => void) => buffers.subscribe(cb);
const currentOrder = () => buffers.get().order;

/** Sortable key of each column (null = not sortable). */
const SORT_KEYS: Record<string, OrderKey | null> = {
  row: "row",
  selected: null,
  decision: "decision",
  rank: "m_ap",
  mAp: "m_ap",
  explicit: "explicit",
  implicit: "implicit",
  prompt: null,
  chosen: null,
  rejected: null,
};

/**
 * Virtualized, sortable table of pairs; texts are fetched by row as they scroll into view. Click opens a row; the
 * keyboard's row cursor (components/KeyboardShortcuts.tsx) is the row with `aria-current`.
 */
export default function PairsTable() {
  const rowsVersion = useWorkbench((s) => s.versions.rows);
  const orderVersion = useWorkbench((s) => s.versions.order);
  const versions = useWorkbench((s) => s.versions);
  const sort = useWorkbench((s) => s.sort);
  const setSort = useWorkbench((s) => s.setSort);
  const selectedRow = useWorkbench((s) => s.selectedRow);
  const openRow = useWorkbench((s) => s.openRow);
  const cursorRow = useWorkbench((s) => s.cursorRow);
  const setCursor = useWorkbench((s) => s.setCursor);
  // The order (row ids) is the only buffer read here; every number comes from the dataset worker by row.
  const order = useSyncExternalStore(subscribeBuffers, currentOrder, () => EMPTY_ORDER);
  // Row texts depend on the rows only: a scoring run (new margins) keeps the cache.
  const views = useRowViews(rowsVersion);
  const numbers = useRowNumbers(versions);
  const scrollRef = useRef<HTMLDivElement>(null);
  // Rows have a fixed height, so the visible window is plain arithmetic on scrollTop (no measuring needed).
  const [scrollTop, setScrollTop] = useState(0);
  // The rows' visible height: the scroll box under its sticky header.
  const [viewportHeight, setViewportHeight] = useState(VIEWPORT_HEIGHT - ROW_HEIGHT);
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const measure = () => {
      const header = el.querySelector("thead")?.getBoundingClientRect().height ?? ROW_HEIGHT;
      if (el.clientHeight > 0) setViewportHeight(Math.max(ROW_HEIGHT, el.clientHeight - header));
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const geometry: TableGeometry = {
    rowCount: order.length,
    rowHeightPx: ROW_HEIGHT,
    viewportHeightPx: viewportHeight,
    overscan: OVERSCAN,
    maxBodyHeightPx: MAX_BODY_HEIGHT,
  };
  const geometryRef = useRef(geometry);
  geometryRef.current = geometry;
  // Back to the top only when the user re-sorts or re-filters, or the rows change: a scoring run re-sorts the table
  // under the reader (new scores) and must not throw away their place.
  const filterKey = JSON.stringify(sort.filter);
  useEffect(() => {
    if (scrollRef.current) scrollRef.current.scrollTop = 0;
    setScrollTop(0);
  }, [sort.key, sort.descending, filterKey, rowsVersion]);
  // The cursor's position in the order: one indexOf per cursor move or new order, not per render or scroll.
  const cursorAt = useMemo(() => cursorIndex(order, cursorRow), [order, cursorRow]);
  const cursor = cursorAt < 0 ? null : order[cursorAt];
  // The keyboard cursor scrolls into view when it moves, not when the order changes under it (a scoring run keeps
  // the reader's place, see above). The window is virtual, so this is arithmetic too.
  useEffect(() => {
    const el = scrollRef.current;
    if (cursorRow === null || !el) return;
    const index = buffers.get().order.indexOf(cursorRow);
    if (index < 0) return;
    const next = scrollTopForIndex(index, el.scrollTop, geometryRef.current);
    if (next !== el.scrollTop) {
      el.scrollTop = next;
      setScrollTop(el.scrollTop);
    }
  }, [cursorRow]);
  const { first, last, padTopPx: padTop, padBottomPx: padBottom } = tableWindow(scrollTop, geometry);
  const visibleIds = Array.from(order.subarray(first, last));
  const idsKey = visibleIds.join(",");

  // The next selection reply brings these rows' numbers along (components/workbench-store.ts).
  useEffect(() => {
    tableRows.setVisible(visibleIds);
    return () => tableRows.setVisible([]);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [idsKey]);

  useEffect(() => {
    if (!visibleIds.length) return;
    // Numbers first: the worker answers them at once, so they are in before the texts (read from the file) land.
    numbers.request(visibleIds);
    views.request(visibleIds);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [idsKey, numbers.key, numbers.request, views.request]);

  const onOpen = useCallback(
    (row: number) => {
      setCursor(row);
      openRow(row);
    },
    [setCursor, openRow],
  );
  const data: VisibleRow[] = visibleIds.map((row) => ({ row, numbers: numbers.get(row), view: views.get(row) }));
  void orderVersion;

  const columns = useMemo(
    () => [
      helper.accessor("row", { header: "Row", cell: (c) => c.getValue() }),
      helper.accessor((r) => r.numbers?.selected, {
        id: "selected",
        header: "Selected",
        cell: (c) => (c.getValue() ? "✓" : ""),
      }),
      helper.accessor((r) => r.numbers?.decision, {
        id: "decision",
        header: "Decision",
        cell: (c) => (c.getValue() === "keep" ? "kept" : c.getValue() === "drop" ? "dropped" : ""),
      }),
      helper.accessor((r) => r.numbers?.mApRank, {
        id: "rank",
        header: "M_AP rank",
        cell: (c) => {
          const v = c.getValue();
          return v === undefined ? "…" : Number.isNaN(v) ? "—" : v;
        },
      }),
      helper.accessor((r) => r.numbers?.mAp, { id: "mAp", header: "M_AP", cell: (c) => fmt(c.getValue()) }),
      helper.accessor((r) => r.numbers?.explicit, {
        id: "explicit",
        header: "Explicit",
        cell: (c) => fmt(c.getValue()),
      }),
      helper.accessor((r) => r.numbers?.implicit, {
        id: "implicit",
        header: "Implicit",
        cell: (c) => fmt(c.getValue()),
      }),
      helper.display({
        id: "prompt",
        header: "Prompt",
        cell: (c) => previewOf(c.row.original.view, "prompt"),
      }),
      helper.display({
        id: "chosen",
        header: "Chosen",
        cell: (c) => previewOf(c.row.original.view, "chosen"),
      }),
      helper.display({
        id: "rejected",
        header: "Rejected",
        cell: (c) => previewOf(c.row.original.view, "rejected"),
      }),
    ],
    [],
  );

  // autoResetAll: false — with a fresh `data` array per render, the default page-index auto-reset queues a
  // state update after every render, which re-renders forever once a user event starts the cycle.
  // eslint-disable-next-line react-hooks/incompatible-library -- the table is rebuilt per render by design (a small visible window)
  const table = useReactTable({
    data,
    columns,
    getCoreRowModel: getCoreRowModel(),
    manualSorting: true,
    manualPagination: true,
    autoResetAll: false,
  });

  return (
    <div className="pairs">
      <div className="pairs-toolbar">
        <label>
          <input
            type="checkbox"
            checked={sort.filter === "selected"}
            onChange={(e) => void setSort({ filter: e.target.checked ? "selected" : "all" })}
          />
          Selected rows only
        </label>
        {typeof sort.filter === "object" && (
          <span className="compare-filter" data-testid="compare-filter">
            rows selected by both {sort.filter.compare[0]} and {sort.filter.compare[1]}
          </span>
        )}
        <SearchBox />
        <span data-testid="table-row-count">{order.length} rows</span>
      </div>
      <div ref={scrollRef} className="pairs-scroll" onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
        <table aria-label="Pairs" aria-rowcount={order.length + 1}>
          <thead>
            {table.getHeaderGroups().map((g) => (
              <tr key={g.id}>
                {g.headers.map((h) => {
                  const key = SORT_KEYS[h.column.id];
                  const active = key !== null && sort.key === key;
                  const ariaSort = active ? (sort.descending ? "descending" : "ascending") : "none";
                  return (
                    <th key={h.id} aria-sort={key ? ariaSort : undefined} className={`col-${h.column.id}`}>
                      {key ? (
                        <button
                          type="button"
                          // Margins and M_AP sort best-first (descending) on the first click; Row ascending.
                          onClick={() =>
                            void setSort({ key, descending: sort.key === key ? !sort.descending : key !== "row" })
                          }
                        >
                          {flexRender(h.column.columnDef.header, h.getContext())}
                          {active ? (sort.descending ? " ▼" : " ▲") : ""}
                        </button>
                      ) : (
                        flexRender(h.column.columnDef.header, h.getContext())
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody>
            {padTop > 0 && (
              <tr aria-hidden="true" style={{ height: padTop }}>
                <td colSpan={columns.length} />
              </tr>
            )}
            {table.getRowModel().rows.map((r, i) => (
              <PairRow
                key={r.original.row}
                r={r}
                rowIndex={first + i + 2}
                open={selectedRow === r.original.row}
                cursor={cursor === r.original.row}
                onOpen={onOpen}
              />
            ))}
            {padBottom > 0 && (
              <tr aria-hidden="true" style={{ height: padBottom }}>
                <td colSpan={columns.length} />
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** Props of {@link PairRow}. */
interface PairRowProps {
  r: Row<VisibleRow>;
  rowIndex: number;
  open: boolean;
  cursor: boolean;
  onOpen(row: number): void;
}

/**
 * One table row. Memoised on what its cells show: during a drag every selection reply brings the visible rows'
 * numbers again, and most of them are the same, so only the rows whose numbers changed render again.
 */
const PairRow = memo(
  function PairRow({ r, rowIndex, open, cursor, onOpen }: PairRowProps) {
    const { row, numbers } = r.original;
    return (
      <tr
        aria-rowindex={rowIndex}
        aria-selected={open}
        aria-current={cursor ? "true" : undefined}
        className={`${numbers?.selected ? "is-selected" : "is-dimmed"}${open ? " is-open" : ""}${cursor ? " is-cursor" : ""}`}
        style={{ height: ROW_HEIGHT }}
        onClick={() => onOpen(row)}
      >
        {r.getVisibleCells().map((c) => (
          <td key={c.id} className={`col-${c.column.id}`}>
            {flexRender(c.column.columnDef.cell, c.getContext())}
          </td>
        ))}
      </tr>
    );
  },
  (a, b) =>
    a.rowIndex === b.rowIndex &&
    a.open === b.open &&
    a.cursor === b.cursor &&
    a.onOpen === b.onOpen &&
    a.r.original.row === b.r.original.row &&
    a.r.original.view === b.r.original.view &&
    sameNumbers(a.r.original.numbers, b.r.original.numbers),
);
