/**
 * Big per-row buffers of the page (margins, scores, selection mask, table order, axis columns) live here, outside
 * React state; the zustand store only holds versions. Each buffer has its own version, so a view subscribes to
 * exactly what it draws.
 */
import type { FieldKey } from "@/lib/selection/spec";

/** Per-row columns the views read. Empty arrays until a dataset is loaded. */
export interface WorkbenchBuffers {
  explicit: Float64Array;
  implicit: Float64Array;
  score: Float64Array;
  mAp: Float64Array;
  mApRank: Float64Array;
  mask: Uint8Array;
  /** Row order of the pairs table. */
  order: Uint32Array;
}

type Listener = () => void;
type Key = keyof WorkbenchBuffers;

/** A plain store of buffers with per-buffer versions and `subscribe()`. */
export class BufferStore {
  private data: WorkbenchBuffers = BufferStore.empty();
  private listeners = new Set<Listener>();
  private versions: Record<Key, number> = { explicit: 0, implicit: 0, score: 0, mAp: 0, mApRank: 0, mask: 0, order: 0 };
  private fields = new Map<FieldKey, Float64Array>();
  /** Bumps on every change. */
  version = 0;

  private static empty(): WorkbenchBuffers {
    return {
      explicit: new Float64Array(0),
      implicit: new Float64Array(0),
      score: new Float64Array(0),
      mAp: new Float64Array(0),
      mApRank: new Float64Array(0),
      mask: new Uint8Array(0),
      order: new Uint32Array(0),
    };
  }

  /** The current buffers (do not mutate). */
  get(): Readonly<WorkbenchBuffers> {
    return this.data;
  }

  /** Version of one buffer (moves exactly when that buffer is replaced). */
  versionOf(key: Key): number {
    return this.versions[key];
  }

  /** Replaces some buffers and notifies subscribers. */
  set(patch: Partial<WorkbenchBuffers>): void {
    this.data = { ...this.data, ...patch };
    for (const key of Object.keys(patch) as Key[]) this.versions[key]++;
    if (patch.explicit || patch.implicit) this.fields.clear();
    this.version++;
    for (const l of this.listeners) l();
  }

  /** A field column fetched for an axis (see `fieldColumn` in the workbench store); margins reset these. */
  field(key: FieldKey): Float64Array | undefined {
    switch (key) {
      case "explicit":
        return this.data.explicit;
      case "implicit":
        return this.data.implicit;
      case "mAp":
        return this.data.mAp;
      case "score":
        return this.data.score;
      default:
        return this.fields.get(key);
    }
  }

  /** Stores a fetched field column. */
  setField(key: FieldKey, values: Float64Array): void {
    this.fields.set(key, values);
    this.version++;
    for (const l of this.listeners) l();
  }

  /** Clears every buffer (a new dataset is loading). */
  reset(): void {
    this.fields.clear();
    this.set(BufferStore.empty());
  }

  /** Calls `listener` after each change; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The page's buffer store. */
export const buffers = new BufferStore();
