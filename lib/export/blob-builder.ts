/**
 * Accumulates output bytes into a Blob: small writes are copied into 1 MB buffers, buffers are folded into Blobs
 * every 32 MB so a browser can move them to blob storage instead of holding the whole export in JS memory.
 * (Thousands of small `Blob.slice` parts are slow to assemble in Chromium: data-layer.md measured 32 s for 80k.)
 */

const BUFFER_BYTES = 1024 * 1024;
const FOLD_BYTES = 32 * 1024 * 1024;

/** Append-only builder of a Blob from bytes, strings and whole Blobs. */
export class BlobBuilder {
  private readonly encoder = new TextEncoder();
  private blobs: Blob[] = [];
  private parts: BlobPart[] = [];
  private partBytes = 0;
  private buffer = new Uint8Array(BUFFER_BYTES);
  private used = 0;
  /** Bytes written so far. */
  size = 0;

  /** Appends bytes (copied: the caller may reuse the array). */
  bytes(data: Uint8Array): void {
    this.size += data.length;
    if (data.length >= BUFFER_BYTES / 4) {
      this.flushBuffer();
      this.push(data.slice());
      return;
    }
    if (this.used + data.length > this.buffer.length) this.flushBuffer();
    this.buffer.set(data, this.used);
    this.used += data.length;
  }

  /** Appends a string as UTF-8. */
  text(s: string): void {
    this.bytes(this.encoder.encode(s));
  }

  /** Appends a Blob (e.g. a slice of the source file) without copying it into JS memory. */
  blob(part: Blob): void {
    this.flushBuffer();
    this.size += part.size;
    this.push(part);
  }

  /** The finished Blob. */
  finish(type = "application/octet-stream"): Blob {
    this.flushBuffer();
    return new Blob([...this.blobs, ...this.parts], { type });
  }

  private flushBuffer(): void {
    if (this.used === 0) return;
    this.push(this.buffer.slice(0, this.used));
    this.used = 0;
  }

  private push(part: Uint8Array | Blob): void {
    this.parts.push(part as BlobPart);
    this.partBytes += part instanceof Blob ? 0 : part.byteLength;
    if (this.partBytes >= FOLD_BYTES) {
      this.blobs.push(new Blob(this.parts));
      this.parts = [];
      this.partBytes = 0;
    }
  }
}
