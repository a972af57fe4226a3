/**
 * Field paths of a mapping: a top-level key, or a path into nested records (`input.messages`: `.` steps into an
 * object; `completions[].response`: `[]` maps over a list and yields a list). Also lists the paths a sample of
 * records offers, for the column-mapping panel.
 */
import type { RawRecord } from "@/lib/dataset/types";

/** One step of a path: a key, and whether its value is a list to map the rest of the path over. */
interface Step {
  key: string;
  each: boolean;
}

/** Deepest path {@link listFieldPaths} lists, in steps (`completions[].annotations.helpfulness.Rating` is 4). */
export const MAX_PATH_DEPTH = 4;
/** Most paths {@link listFieldPaths} lists besides the top-level fields, which are always all listed. */
export const MAX_NESTED_PATHS = 200;
// Bounds on the work a listing does: records of the sample and items of each list looked at.
const SAMPLE_RECORDS = 50;
const SAMPLE_ITEMS = 20;

const parsed = new Map<string, Step[]>();

function parsePath(path: string): Step[] {
  const hit = parsed.get(path);
  if (hit) return hit;
  const steps = path.split(".").map((part) => {
    const each = part.endsWith("[]");
    return { key: each ? part.slice(0, -2) : part, each };
  });
  // Mappings name a handful of fields; the cap only guards against a caller passing arbitrary texts.
  if (parsed.size > 1000) parsed.clear();
  parsed.set(path, steps);
  return steps;
}

/** True when `field` is a path (has `.` or `[]`) rather than a plain key. */
export function isFieldPath(field: string): boolean {
  return field.includes(".") || field.includes("[]");
}

/** The top-level key a path starts from (`completions` for `completions[].response`). */
export function pathRoot(field: string): string {
  return parsePath(field)[0].key;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function asArray(v: unknown): unknown[] | null {
  if (Array.isArray(v)) return v;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<unknown>);
  return null;
}

function walk(value: unknown, steps: Step[], at: number): unknown {
  if (at === steps.length) return value;
  if (!isObject(value)) return undefined;
  const { key, each } = steps[at];
  const next = value[key];
  if (!each) return walk(next, steps, at + 1);
  const list = asArray(next);
  // An item without the rest of the path stays in the list as undefined, so it still lines up with its response.
  return list ? list.map((item) => walk(item, steps, at + 1)) : undefined;
}

/**
 * Reads a mapping field from a record: an exact top-level key wins; otherwise the text is a path (`a.b.c` steps
 * into objects, `a[].b` maps over the list `a` and returns a list). `undefined` when the field or a step is absent
 * (a `[]` step over something that is not a list included).
 */
export function readField(record: RawRecord, path: string): unknown {
  if (Object.hasOwn(record, path) || !isFieldPath(path)) return record[path];
  return walk(record, parsePath(path), 0);
}

// Chat messages and lists of them are values in their own right (a prompt, a response), not records to look into.
// Only the shape is looked at (pair.ts reads the content); that is enough to keep `conversation[].role` out.
function isMessage(v: unknown): boolean {
  return (
    isObject(v) &&
    ((typeof v.role === "string" && "content" in v) || (typeof v.from === "string" && typeof v.value === "string"))
  );
}

function isMessageLike(v: unknown): boolean {
  if (isObject(v)) return isMessage(v);
  const list = asArray(v);
  return list !== null && list.length > 0 && list.every(isMessage);
}

/**
 * The fields a sample of records offers, for the mapping panel: every top-level field (those in `fields` first),
 * each followed by the paths under it in first-seen order: nested object keys (`input.messages`) and projections
 * through lists of objects (`completions[].response`, `completions[].annotations.helpfulness.Rating`,
 * `answers[].rank`). Chat messages are not looked into. At most {@link MAX_PATH_DEPTH} steps deep and
 * {@link MAX_NESTED_PATHS} paths besides the top-level fields; only the first records and list items are read.
 */
export function listFieldPaths(sample: RawRecord[], fields: string[] = []): string[] {
  const top: string[] = [];
  const seenTop = new Set<string>();
  const addTop = (k: string) => {
    if (!seenTop.has(k)) {
      seenTop.add(k);
      top.push(k);
    }
  };
  fields.forEach(addTop);
  const records = sample.slice(0, SAMPLE_RECORDS);
  for (const r of records) Object.keys(r).forEach(addTop);

  const nested = new Map<string, string[]>();
  const seen = new Set<string>(top);
  let budget = MAX_NESTED_PATHS;
  const add = (root: string, path: string): boolean => {
    if (seen.has(path)) return true;
    if (budget === 0) return false;
    budget--;
    seen.add(path);
    const list = nested.get(root);
    if (list) list.push(path);
    else nested.set(root, [path]);
    return true;
  };
  const visit = (root: string, value: unknown, prefix: string, depth: number): void => {
    if (depth >= MAX_PATH_DEPTH || budget === 0 || isMessageLike(value)) return;
    if (isObject(value)) {
      for (const [k, v] of Object.entries(value)) {
        // A key holding "." or "[]" would not read back as the same path.
        if (isFieldPath(k)) continue;
        const path = `${prefix}.${k}`;
        if (!add(root, path)) return;
        visit(root, v, path, depth + 1);
      }
      return;
    }
    const list = asArray(value);
    if (!list) return;
    for (const item of list.slice(0, SAMPLE_ITEMS)) {
      if (!isObject(item) || isMessageLike(item)) continue;
      for (const [k, v] of Object.entries(item)) {
        if (isFieldPath(k)) continue;
        const path = `${prefix}[].${k}`;
        if (!add(root, path)) return;
        visit(root, v, path, depth + 1);
      }
    }
  };
  for (const r of records) {
    for (const [k, v] of Object.entries(r)) if (!isFieldPath(k)) visit(k, v, k, 1);
  }
  return top.flatMap((k) => [k, ...(nested.get(k) ?? [])]);
}
