/**
 * Big per-row buffers of the page (margins, scores, selection mask, table order) live here, outside React
 * state; the zustand store only holds their versions. Subscribers are told when a buffer changes.
 */

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

/** A plain store of buffers with a version counter and `subscribe()`. */
export class BufferStore {
  private data: WorkbenchBuffers = BufferStore.empty();
  private listeners = new Set<Listener>();
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

  /** Replaces some buffers and notifies subscribers. */
  set(patch: Partial<WorkbenchBuffers>): void {
    this.data = { ...this.data, ...patch };
    this.version++;
    for (const l of this.listeners) l();
  }

  /** Clears every buffer (a new dataset is loading). */
  reset(): void {
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
