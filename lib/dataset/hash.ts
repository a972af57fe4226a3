/** SHA-256 of a Blob, streamed in chunks (incremental hashing, so a 1 GB file is never held whole). */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { readBytes, readChunks } from "@/lib/dataset/readers/bytes";

/** Options of {@link sha256Hex}. */
export interface HashOptions {
  /**
   * Hash at most this many bytes between two yields to the event loop (a macrotask, so requests queued meanwhile
   * run): a hash in the background of a worker then never blocks it for long. Default: no yield inside a chunk.
   */
  sliceBytes?: number;
}

/** Bytes hashed between yields in the background (~5 ms at ~115 MiB/s on a slow core). */
export const BACKGROUND_SLICE_BYTES = 512 * 1024;

let yieldChannel: { port1: MessagePort; port2: MessagePort; waiting: (() => void)[] } | null = null;

/** Resolves on a fresh macrotask without a timer clamp (a message to itself); messages queued before run first. */
function yieldToEvents(): Promise<void> {
  if (typeof MessageChannel === "undefined") return new Promise((resolve) => setTimeout(resolve, 0));
  if (!yieldChannel) {
    const { port1, port2 } = new MessageChannel();
    const channel = { port1, port2, waiting: [] as (() => void)[] };
    port1.onmessage = () => {
      channel.waiting.shift()?.();
      // Nothing left to wake: close the ports so an idle Node process can exit.
      if (channel.waiting.length === 0 && yieldChannel === channel) {
        yieldChannel = null;
        port1.close();
        port2.close();
      }
    };
    yieldChannel = channel;
  }
  const channel = yieldChannel;
  return new Promise((resolve) => {
    channel.waiting.push(resolve);
    channel.port2.postMessage(null);
  });
}

/** Lower-case hex SHA-256 of the blob's bytes; `onProgress` gets the fraction hashed after each chunk. */
export async function sha256Hex(
  blob: Blob,
  onProgress?: (fraction: number) => void,
  options: HashOptions = {},
): Promise<string> {
  const hash = sha256.create();
  const slice = options.sliceBytes ?? Infinity;
  for await (const { offset, bytes } of readChunks(blob)) {
    for (let at = 0; at < bytes.length; at += slice) {
      if (at > 0) await yieldToEvents();
      hash.update(slice === Infinity ? bytes : bytes.subarray(at, Math.min(bytes.length, at + slice)));
    }
    onProgress?.((offset + bytes.length) / blob.size);
  }
  onProgress?.(1);
  return bytesToHex(hash.digest());
}

/** How many chunks {@link sampledKey} reads, and how long each is: 1 MiB read, whatever the file's size. */
export const SAMPLE_CHUNKS = 16;
/** Bytes per sampled chunk. */
export const SAMPLE_CHUNK_BYTES = 64 * 1024;

/** Offsets of the chunks {@link sampledKey} reads: evenly spaced, the first at 0 and the last ending at the end. */
export function sampleOffsets(size: number): number[] {
  if (size <= SAMPLE_CHUNKS * SAMPLE_CHUNK_BYTES) return [0];
  const last = size - SAMPLE_CHUNK_BYTES;
  return Array.from({ length: SAMPLE_CHUNKS }, (_, i) => Math.round((last * i) / (SAMPLE_CHUNKS - 1)));
}

/**
 * A cheap identity for a file, ready before its full SHA-256: size, name and the SHA-256 of
 * {@link SAMPLE_CHUNKS} chunks at fixed offsets (first and last included; a file of at most 1 MiB is hashed
 * whole). Two different files can share it (an edit between the samples), so recipes and stored results use the
 * full SHA-256; this names the file while that is computed.
 */
export async function sampledKey(blob: Blob, name: string): Promise<string> {
  const hash = sha256.create();
  const offsets = sampleOffsets(blob.size);
  if (offsets.length === 1) hash.update(await readBytes(blob, 0, blob.size));
  else for (const at of offsets) hash.update(await readBytes(blob, at, at + SAMPLE_CHUNK_BYTES));
  return `sampled:${blob.size}:${encodeURIComponent(name)}:${bytesToHex(hash.digest())}`;
}

/**
 * The full SHA-256 of a file, started at once and computed in the background: {@link wait} gives it (with the
 * progress from the moment of the call), {@link fraction} how far it got. Hashed once however often it is asked.
 */
export class BackgroundHash {
  /** The fraction of the file hashed so far (1 when done). */
  fraction = 0;
  /** The hex SHA-256 once known. */
  sha256: string | null = null;
  private readonly listeners = new Set<(fraction: number) => void>();
  private readonly done: Promise<string>;

  constructor(readonly blob: Blob) {
    this.done = sha256Hex(
      blob,
      (f) => {
        this.fraction = f;
        for (const l of this.listeners) l(f);
      },
      { sliceBytes: BACKGROUND_SLICE_BYTES },
    ).then((hex) => (this.sha256 = hex));
    // A failed read is reported to whoever waits; unobserved, it must not be an unhandled rejection (fatal in a worker).
    this.done.catch(() => {});
  }

  /** The SHA-256, once computed; `onProgress` hears the fraction until then (at once with the current one). */
  async wait(onProgress?: (fraction: number) => void): Promise<string> {
    if (!onProgress) return this.done;
    onProgress(this.fraction);
    this.listeners.add(onProgress);
    try {
      return await this.done;
    } finally {
      this.listeners.delete(onProgress);
    }
  }
}

/** The SHA-256 of a file given as bytes (hashed now) or as a {@link BackgroundHash} (awaited). */
export function fileSha256(file: Blob | BackgroundHash, onProgress?: (fraction: number) => void): Promise<string> {
  return file instanceof BackgroundHash ? file.wait(onProgress) : sha256Hex(file, onProgress);
}
