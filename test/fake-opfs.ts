/** An in-memory origin private file system and Web Locks, for the tests of decompressed files on disk. */
import type { DirectoryHandleLike, FileHandleLike, OpfsPlace, SinkLocks } from "@/lib/dataset/readers/opfs-sink";

/** An in-memory OPFS: files are byte arrays; `writer` picks the handle kind a browser scope would offer. */
export class FakeDir implements DirectoryHandleLike {
  readonly dirs = new Map<string, FakeDir>();
  readonly files = new Map<string, { bytes: Uint8Array; size: number; open: boolean }>();
  constructor(
    private readonly writer: "sync" | "writable" = "sync",
    /** Bytes a file may hold before writes fall short (a full disk or quota). */
    private readonly capacity = Infinity,
  ) {}
  async getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<FakeDir> {
    let dir = this.dirs.get(name);
    if (!dir) {
      if (!options?.create) throw new DOMException(`no directory ${name}`, "NotFoundError");
      dir = new FakeDir(this.writer, this.capacity);
      this.dirs.set(name, dir);
    }
    return dir;
  }
  async getFileHandle(name: string, options?: { create?: boolean }): Promise<FileHandleLike> {
    if (!this.files.has(name)) {
      if (!options?.create) throw new DOMException(`no file ${name}`, "NotFoundError");
      this.files.set(name, { bytes: new Uint8Array(0), size: 0, open: false });
    }
    const entry = () => {
      const e = this.files.get(name);
      if (!e) throw new DOMException(`${name} was removed`, "NotFoundError");
      return e;
    };
    const put = (data: Uint8Array, at: number) => {
      const e = entry();
      const room = Math.max(0, Math.min(data.byteLength, this.capacity - at));
      if (at + room > e.bytes.byteLength) {
        const grown = new Uint8Array(Math.max(2 * e.bytes.byteLength, at + room));
        grown.set(e.bytes);
        e.bytes = grown;
      }
      e.bytes.set(data.subarray(0, room), at);
      e.size = Math.max(e.size, at + room);
      return room;
    };
    const handle: FileHandleLike = {
      getFile: async () => new Blob([entry().bytes.subarray(0, entry().size) as BlobPart]),
    };
    if (this.writer === "sync") {
      handle.createSyncAccessHandle = async () => {
        entry().open = true;
        return {
          write: (buffer, { at }) => put(buffer, at),
          flush: () => {},
          close: () => void (entry().open = false),
        };
      };
    } else {
      handle.createWritable = async () => {
        let at = 0;
        return {
          write: async (data) => {
            if (put(data, at) < data.byteLength) throw new DOMException("quota", "QuotaExceededError");
            at += data.byteLength;
          },
          close: async () => {},
        };
      };
    }
    return handle;
  }
  async removeEntry(name: string): Promise<void> {
    const e = this.files.get(name);
    if (!e) throw new DOMException(`no file ${name}`, "NotFoundError");
    if (e.open) throw new DOMException(`${name} is open`, "NoModificationAllowedError");
    this.files.delete(name);
  }
  async *keys(): AsyncIterable<string> {
    yield* [...this.dirs.keys(), ...this.files.keys()];
  }
}

/** Web Locks over a set of held names (exclusive, granted at once: the tests never contend). */
export class FakeLocks implements SinkLocks {
  readonly held = new Set<string>();
  async request(name: string, callback: () => Promise<void>): Promise<unknown> {
    if (this.held.has(name)) throw new Error(`lock ${name} contended in a test`);
    this.held.add(name);
    try {
      return await callback();
    } finally {
      this.held.delete(name);
    }
  }
  async query() {
    return { held: [...this.held].map((name) => ({ name })), pending: [] };
  }
}

/** An OPFS place over `root` with its own locks. */
export function place(root: FakeDir, locks = new FakeLocks()): OpfsPlace & { locks: FakeLocks } {
  return { root: async () => root, locks };
}
