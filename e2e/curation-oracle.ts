/**
 * An independent implementation of the selection clauses for the curation e2e tests: straight loops over the
 * parsed JSONL rows, sharing no code with lib/. It reads the selection from the downloaded recipe and says which
 * rows the export must hold.
 */

interface Mapping {
  explicit: { kind: string; field?: string; chosen?: string; rejected?: string };
  implicit: { kind: string; field?: string; chosen?: string; rejected?: string };
}
type Gate =
  | { kind: "interval"; field: string; lo: number | null; hi: number | null }
  | { kind: "rect"; x: string; y: string; x0: number; x1: number; y0: number; y1: number }
  | { kind: "lasso"; x: string; y: string; points: number[] }
  | { kind: "search"; query: string; regex: boolean; caseSensitive: boolean };
interface Spec {
  ranking: { metric: string; weight: number; ratio: number; topK?: number };
  gates: Gate[];
  decisions: { keep: number[]; drop: number[] };
}
type Row = Record<string, unknown> & { prompt: unknown; chosen: unknown; rejected: unknown };

function num(v: unknown): number {
  return typeof v === "number" ? v : NaN;
}

function margin(row: Row, m: Mapping["explicit"]): number {
  if (m.kind === "column") return num(row[m.field!]);
  if (m.kind === "difference") return num(row[m.chosen!]) - num(row[m.rejected!]);
  return NaN;
}

function zScores(values: number[]): number[] {
  const ok = values.filter((v) => Number.isFinite(v));
  const mean = ok.reduce((a, b) => a + b, 0) / ok.length;
  const std = Math.sqrt(ok.reduce((a, b) => a + (b - mean) ** 2, 0) / ok.length);
  return values.map((v) => (Number.isFinite(v) ? (std === 0 ? 0 : (v - mean) / std) : NaN));
}

function text(v: unknown): string {
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v.map((m) => String((m as { content?: unknown }).content ?? "")).join("\n");
  return "";
}

/** Per-row columns the gates read. */
export function columnsOf(lines: string[], mapping: Mapping, weight: number): Record<string, number[]> {
  const rows = lines.map((l) => JSON.parse(l) as Row);
  const explicit = rows.map((r) => margin(r, mapping.explicit));
  const implicit = rows.map((r) => margin(r, mapping.implicit));
  const absImplicit = implicit.map(Math.abs);
  const both = explicit.map((e, i) => Number.isFinite(e) && Number.isFinite(implicit[i]));
  const zE = zScores(explicit.map((e, i) => (both[i] ? e : NaN)));
  const zA = zScores(absImplicit.map((a, i) => (both[i] ? a : NaN)));
  const mAp = zE.map((z, i) => z - weight * zA[i]);
  return { explicit, implicit, absImplicit, mAp };
}

function inPolygon(x: number, y: number, p: number[]): boolean {
  let inside = false;
  const m = p.length / 2;
  for (let a = 0, b = m - 1; a < m; b = a++) {
    const [xa, ya, xb, yb] = [p[2 * a], p[2 * a + 1], p[2 * b], p[2 * b + 1]];
    if (ya > y !== yb > y && x < ((xb - xa) * (y - ya)) / (yb - ya) + xa) inside = !inside;
  }
  return inside;
}

function passes(g: Gate, i: number, cols: Record<string, number[]>, lines: string[]): boolean {
  if (g.kind === "interval") {
    const v = cols[g.field][i];
    return Number.isFinite(v) && (g.lo === null || v >= g.lo) && (g.hi === null || v <= g.hi);
  }
  if (g.kind === "rect") {
    const x = cols[g.x][i];
    const y = cols[g.y][i];
    return x >= g.x0 && x <= g.x1 && y >= g.y0 && y <= g.y1;
  }
  if (g.kind === "lasso") {
    const x = cols[g.x][i];
    const y = cols[g.y][i];
    return Number.isFinite(x) && Number.isFinite(y) && inPolygon(x, y, g.points);
  }
  const row = JSON.parse(lines[i]) as Row;
  const texts = [text(row.prompt), text(row.chosen), text(row.rejected)];
  if (g.regex) return texts.some((t) => new RegExp(g.query, g.caseSensitive ? "u" : "iu").test(t));
  return texts.some((t) => (g.caseSensitive ? t.includes(g.query) : t.toLowerCase().includes(g.query.toLowerCase())));
}

/** Rows ranked best-first by a metric's score (ties: higher row index first). */
export function rankedRows(cols: Record<string, number[]>, metric: string): number[] {
  const score =
    metric === "map"
      ? cols.mAp
      : metric === "explicit"
        ? zScores(cols.explicit)
        : metric === "implicit"
          ? zScores(cols.absImplicit).map((z) => -z)
          : null;
  if (!score) throw new Error(`the oracle does not rank by ${metric}`);
  const idx = score.map((_, i) => i).filter((i) => Number.isFinite(score[i]));
  idx.sort((a, b) => (score[a] === score[b] ? b - a : score[b] - score[a]));
  return idx;
}

/** The rows a selection spec selects, ascending. */
export function expectedRows(
  lines: string[],
  mapping: Mapping,
  spec: Spec,
  metric = spec.ranking.metric,
  k?: number,
): number[] {
  const cols = columnsOf(lines, mapping, spec.ranking.weight);
  const order = rankedRows(cols, metric);
  const target =
    k ??
    (spec.ranking.topK !== undefined ? Math.trunc(spec.ranking.topK) : Math.trunc(spec.ranking.ratio * order.length));
  const drop = new Set(spec.decisions.drop);
  const out = new Set<number>();
  for (const i of order) {
    if (out.size >= target) break;
    if (drop.has(i)) continue;
    if (spec.gates.every((g) => passes(g, i, cols, lines))) out.add(i);
  }
  for (const i of spec.decisions.keep) out.add(i);
  return [...out].sort((a, b) => a - b);
}
