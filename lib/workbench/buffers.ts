/**
 * The one per-row buffer the page keeps, outside React state: the table's row order (row ids top to bottom, what
 * the keyboard cursor steps through). Every column (margins, scores, the mask) stays in the dataset worker; the
 * zustand store holds versions, and views read rows and columns from the worker.
 */

/** Per-row buffers the page holds. Empty until a dataset is loaded. */
export interface WorkbenchBuffers {
  /** Row order of the pairs table. */
  order: Uint32Array;
}

type Listener = () => void;
type Key = keyof WorkbenchBuffers;

/** A plain store of buffers with per-buffer versions and `subscribe()`. */
export class BufferStore {
  private data: WorkbenchBuffers = BufferStore.empty();
  private listeners = new Set<Listener>();
  private versions: Record<Key, number> = { order: 0 };
  /** Bumps on every change. */
  version = 0;

  private static empty(): WorkbenchBuffers {
    return { order: new Uint32Array(0) };
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
