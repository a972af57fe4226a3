/**
 * Where an export's bytes go while its rows are written: format writers append bytes and strings to an
 * {@link ExportOutput}, which packs them into chunks of bounded size and hands each full chunk to a {@link ByteSink}
 * (a file on disk, a `FileSystemWritableFileStream`, or a Blob of parts), awaiting it: no export is ever held as one
 * string or one buffer, and a slow disk holds the writer back instead of letting chunks pile up.
 */
import { ExportError } from "@/lib/export/export-error";

/** Receives an export's bytes in order, one chunk at a time. */
export interface ByteSink {
  /** Takes one chunk; it is the sink's to keep (never written to again). Awaited before more chunks are sent. */
  write(chunk: Uint8Array<ArrayBuffer>): Promise<void> | void;
}

/** What is reported while an export runs. */
export interface ExportProgress {
  /** "typing": a first pass over the rows that types columns (CSV → JSON/Parquet); "writing": rows being written. */
  stage: "typing" | "writing";
  /** Rows done in this stage, of `totalRows`. */
  rows: number;
  totalRows: number;
  /** Bytes handed to the sink so far. */
  bytes: number;
}

/** Options of a streamed export. */
export interface ExportStreamOptions {
  /** Called when a stage starts, at each chunk handed to the sink, and once the last byte is out. */
  onProgress?: (progress: ExportProgress) => void;
  /** Aborting stops the export at its next batch of rows with an `ExportError` of code "export-cancelled". */
  signal?: AbortSignal;
  /** Size of the chunks handed to the sink (default 1 MiB). */
  chunkBytes?: number;
}

/** Default size of a chunk handed to the sink. */
export const EXPORT_CHUNK_BYTES = 1024 * 1024;

/** The error an export stops with once its signal is aborted. */
export function exportCancelled(): ExportError {
  return new ExportError("the export was cancelled: nothing was saved", "export-cancelled");
}

/** True for the error of a cancelled export. */
export function isExportCancelled(err: unknown): boolean {
  return err instanceof ExportError && err.code === "export-cancelled";
}

/**
 * An append-only byte output in front of a {@link ByteSink}. `bytes` and `text` are synchronous (format writers and
 * hyparquet-writer call them from plain loops); the bytes wait in full chunks until the writer calls `settle` between
 * batches of rows, which sends them to the sink, reports progress and honours cancellation.
 */
export class ExportOutput {
  private readonly encoder = new TextEncoder();
  private readonly chunkBytes: number;
  private buffer: Uint8Array<ArrayBuffer>;
  private used = 0;
  private full: Uint8Array<ArrayBuffer>[] = [];
  private stage: ExportProgress["stage"] = "writing";
  private rows = 0;
  private written = 0;
  private closed = false;
  /** Bytes appended so far (handed to the sink or not). */
  size = 0;

  constructor(
    private readonly sink: ByteSink,
    private readonly totalRows: number,
    private readonly options: ExportStreamOptions = {},
  ) {
    this.chunkBytes = Math.max(1, Math.floor(options.chunkBytes ?? EXPORT_CHUNK_BYTES));
    this.buffer = new Uint8Array(this.chunkBytes);
  }

  /** Appends bytes (copied: the caller may reuse or keep the array). */
  bytes(data: Uint8Array): void {
    this.size += data.length;
    let at = 0;
    while (at < data.length) {
      const n = Math.min(data.length - at, this.chunkBytes - this.used);
      this.buffer.set(data.subarray(at, at + n), this.used);
      this.used += n;
      at += n;
      if (this.used === this.chunkBytes) {
        this.full.push(this.buffer);
        this.buffer = new Uint8Array(this.chunkBytes);
        this.used = 0;
      }
    }
  }

  /** Appends a string as UTF-8. */
  text(s: string): void {
    this.bytes(this.encoder.encode(s));
  }

  /** Starts a stage (reported at once, with 0 rows done). */
  begin(stage: ExportProgress["stage"]): void {
    this.stage = stage;
    this.rows = 0;
    this.report();
  }

  /**
   * Between batches: stops if cancelled, notes `rowsDone` of the current stage, and hands every full chunk to the
   * sink (awaiting each). Cheap when there is nothing to send.
   */
  async settle(rowsDone: number): Promise<void> {
    if (this.options.signal?.aborted) throw exportCancelled();
    this.rows = rowsDone;
    if (this.full.length === 0) return;
    const chunks = this.full;
    this.full = [];
    for (const chunk of chunks) await this.send(chunk);
  }

  /** Sends what is left (the last, partial chunk) and reports the end; the output takes no more bytes. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.settle(this.totalRows);
    if (this.used > 0) await this.send(this.buffer.slice(0, this.used));
    this.used = 0;
    this.closed = true;
    this.report();
  }

  private async send(chunk: Uint8Array<ArrayBuffer>): Promise<void> {
    await this.sink.write(chunk);
    this.written += chunk.length;
    this.report();
  }

  private report(): void {
    this.options.onProgress?.({ stage: this.stage, rows: this.rows, totalRows: this.totalRows, bytes: this.written });
  }
}

/**
 * A sink that keeps the export as a Blob of its chunks, folded into one Blob part every 32 MiB so that a browser
 * moves them to its blob storage instead of holding the export in JS memory. (Thousands of small `Blob.slice`
 * parts are slow to assemble in Chromium: data-layer.md measured 32 s for 80k.)
 */
export class BlobSink implements ByteSink {
  private blobs: Blob[] = [];
  private parts: Uint8Array[] = [];
  private partBytes = 0;

  write(chunk: Uint8Array<ArrayBuffer>): void {
    this.parts.push(chunk);
    this.partBytes += chunk.length;
    if (this.partBytes >= BLOB_FOLD_BYTES) {
      this.blobs.push(new Blob(this.parts as BlobPart[]));
      this.parts = [];
      this.partBytes = 0;
    }
  }

  /** The Blob of everything written. */
  finish(type = "application/octet-stream"): Blob {
    return new Blob([...this.blobs, ...(this.parts as BlobPart[])], { type });
  }
}

/** Bytes of chunks folded into one Blob part by {@link BlobSink}. */
const BLOB_FOLD_BYTES = 32 * 1024 * 1024;
