/**
 * Decompressed gzip output on disk: one file per opened `.gz` in the origin private file system (OPFS), under
 * `margin-atlas/`, written chunk by chunk and then read back through its `File` (a disk-backed Blob the readers
 * slice), so a 1 GB `.jsonl.gz` never becomes 1 GB of memory. Each file is named uniquely and guarded by a Web Lock
 * of the same name held while it is open: at start-up, files whose lock nobody holds are left over from a closed
 * or crashed tab and are removed, while another tab's open dataset is left alone.
 */

/** Directory under the OPFS root that holds the decompressed files. */
export const OPFS_DIRECTORY = "margin-atlas";
/** Name prefix of decompressed files (the rest is unique); also the prefix of their lock names. */
export const DECOMPRESSED_PREFIX = "gunzip-";

/** The part of `FileSystemSyncAccessHandle` the sink writes through (dedicated workers only). */
export interface SyncAccessHandleLike {
  write(buffer: Uint8Array, options: { at: number }): number;
  flush(): void;
  close(): void;
}

/** The part of `FileSystemWritableFileStream` the sink writes through where there is no sync access handle. */
export interface WritableLike {
  write(data: Uint8Array): Promise<void>;
  close(): Promise<void>;
  abort?(reason?: unknown): Promise<void>;
}

/** The part of `FileSystemFileHandle` the sink uses. */
export interface FileHandleLike {
  getFile(): Promise<Blob>;
  createSyncAccessHandle?(): Promise<SyncAccessHandleLike>;
  createWritable?(): Promise<WritableLike>;
}

/** The part of `FileSystemDirectoryHandle` the sink uses. */
export interface DirectoryHandleLike {
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<DirectoryHandleLike>;
  getFileHandle(name: string, options?: { create?: boolean }): Promise<FileHandleLike>;
  removeEntry(name: string): Promise<void>;
  keys(): AsyncIterable<string>;
}

/** The part of the Web Locks API the sink uses. */
export interface SinkLocks {
  request(name: string, callback: () => Promise<void>): Promise<unknown>;
  query(): Promise<{ held?: { name?: string }[]; pending?: { name?: string }[] }>;
}

/** Where decompressed files go: the OPFS root and the lock manager of this scope. */
export interface OpfsPlace {
  root: () => Promise<DirectoryHandleLike>;
  locks: SinkLocks;
}

/** This scope's OPFS and Web Locks, or null where either is missing (Node, old browsers, some private modes). */
export function defaultOpfsPlace(): OpfsPlace | null {
  const nav = globalThis.navigator as
    { storage?: { getDirectory?: () => Promise<unknown> }; locks?: { request?: unknown; query?: unknown } } | undefined;
  const storage = nav?.storage;
  const locks = nav?.locks;
  if (typeof storage?.getDirectory !== "function" || typeof locks?.request !== "function") return null;
  return {
    root: () => storage.getDirectory!() as Promise<DirectoryHandleLike>,
    locks: locks as unknown as SinkLocks,
  };
}

/** A file being written: append chunks, then `finish` for the Blob to read, or `abort` to remove it. */
export interface OpfsSink {
  readonly name: string;
  write(chunk: Uint8Array): Promise<void>;
  /** Closes the writer and resolves the written file as a Blob; the file stays until `release`. */
  finish(): Promise<Blob>;
  /** Drops a file that will not be finished (closes its writer, removes it, releases its lock). */
  abort(): Promise<void>;
  /** Removes the finished file and releases its lock; reads of its Blob fail afterwards. */
  release(): Promise<void>;
}

/** createWritable writes are asynchronous round trips to the browser process: fewer, larger ones. */
const WRITABLE_BATCH_BYTES = 4 * 1024 * 1024;

function uniqueName(): string {
  const c = globalThis.crypto as Crypto | undefined;
  const random = c?.randomUUID ? c.randomUUID() : `${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  return `${DECOMPRESSED_PREFIX}${Date.now().toString(36)}-${random}`;
}

/** Holds the lock `name` until the returned function is called; resolves once granted. */
function holdLock(locks: SinkLocks, name: string): Promise<() => void> {
  return new Promise((granted, failed) => {
    locks
      .request(name, () => new Promise<void>((release) => granted(release)))
      .catch((err: unknown) => failed(err instanceof Error ? err : new Error(String(err))));
  });
}

async function removeQuietly(dir: DirectoryHandleLike, name: string): Promise<void> {
  try {
    await dir.removeEntry(name);
  } catch {
    // Already gone, or still open for writing elsewhere: nothing to free now, the next start-up retries.
  }
}

/**
 * Creates a uniquely named file under `margin-atlas/` (lock taken first, so a concurrent clean-up never removes it)
 * and a writer over it: a sync access handle where the scope has one (a dedicated worker), else `createWritable`.
 */
export async function createOpfsSink(place: OpfsPlace): Promise<OpfsSink> {
  const name = uniqueName();
  const unlock = await holdLock(place.locks, name);
  let dir: DirectoryHandleLike;
  let handle: FileHandleLike;
  try {
    dir = await (await place.root()).getDirectoryHandle(OPFS_DIRECTORY, { create: true });
    handle = await dir.getFileHandle(name, { create: true });
  } catch (err) {
    unlock();
    throw err;
  }
  let sync: SyncAccessHandleLike | null = null;
  let writable: WritableLike | null = null;
  try {
    if (handle.createSyncAccessHandle) sync = await handle.createSyncAccessHandle();
    else if (handle.createWritable) writable = await handle.createWritable();
    else throw new Error("this browser cannot write OPFS files");
  } catch (err) {
    await removeQuietly(dir, name);
    unlock();
    throw err;
  }
  let at = 0;
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  let state: "writing" | "finished" | "gone" = "writing";
  const flushBatch = async () => {
    if (!writable || batchBytes === 0) return;
    const joined = batch.length === 1 ? batch[0] : new Uint8Array(batchBytes);
    if (batch.length > 1) {
      let offset = 0;
      for (const part of batch) {
        joined.set(part, offset);
        offset += part.byteLength;
      }
    }
    batch = [];
    batchBytes = 0;
    await writable.write(joined);
  };
  const closeWriter = async () => {
    if (sync) {
      sync.close();
      sync = null;
    }
    if (writable) {
      const w = writable;
      writable = null;
      await (w.abort ? w.abort() : w.close()).catch(() => {});
    }
  };
  const drop = async () => {
    if (state === "gone") return;
    state = "gone";
    await closeWriter().catch(() => {});
    await removeQuietly(dir, name);
    unlock();
  };
  return {
    name,
    async write(chunk) {
      if (state !== "writing") throw new Error(`OPFS file ${name} is no longer being written`);
      if (sync) {
        // A short write means the disk or the quota is full: fail, so the caller can fall back to memory.
        const written = sync.write(chunk, { at });
        if (written !== chunk.byteLength) throw new Error(`wrote ${written} of ${chunk.byteLength} bytes to OPFS`);
        at += written;
        return;
      }
      batch.push(chunk);
      batchBytes += chunk.byteLength;
      at += chunk.byteLength;
      if (batchBytes >= WRITABLE_BATCH_BYTES) await flushBatch();
    },
    async finish() {
      if (state !== "writing") throw new Error(`OPFS file ${name} is no longer being written`);
      if (sync) {
        sync.flush();
        sync.close();
        sync = null;
      } else if (writable) {
        await flushBatch();
        const w = writable;
        writable = null;
        await w.close();
      }
      state = "finished";
      return handle.getFile();
    },
    abort: drop,
    release: drop,
  };
}

/**
 * Removes decompressed files left by tabs and workers that are gone: every `gunzip-*` file under `margin-atlas/`
 * whose lock nobody holds or waits for. Resolves the number removed (0 when the directory does not exist yet).
 */
export async function cleanStaleOpfsFiles(place: OpfsPlace): Promise<number> {
  let dir: DirectoryHandleLike;
  try {
    dir = await (await place.root()).getDirectoryHandle(OPFS_DIRECTORY);
  } catch {
    return 0;
  }
  const names: string[] = [];
  for await (const name of dir.keys()) if (name.startsWith(DECOMPRESSED_PREFIX)) names.push(name);
  if (names.length === 0) return 0;
  const snapshot = await place.locks.query();
  const live = new Set([...(snapshot.held ?? []), ...(snapshot.pending ?? [])].map((l) => l.name));
  let removed = 0;
  for (const name of names) {
    if (live.has(name)) continue;
    try {
      await dir.removeEntry(name);
      removed++;
    } catch {
      // Open for writing by a tab whose lock we did not see yet: it is not stale.
    }
  }
  return removed;
}
