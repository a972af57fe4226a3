/** SHA-256 of a Blob, streamed in chunks (incremental hashing, so a 1 GB file is never held whole). */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { readChunks } from "@/lib/dataset/readers/bytes";

/** Lower-case hex SHA-256 of the blob's bytes; `onProgress` gets the fraction hashed after each chunk. */
export async function sha256Hex(blob: Blob, onProgress?: (fraction: number) => void): Promise<string> {
  const hash = sha256.create();
  for await (const { offset, bytes } of readChunks(blob)) {
    hash.update(bytes);
    onProgress?.((offset + bytes.length) / blob.size);
  }
  onProgress?.(1);
  return bytesToHex(hash.digest());
}
