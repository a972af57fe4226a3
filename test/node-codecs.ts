/**
 * Node's own gzip and SHA-256, for tests: inputs lib/ must read (gzip files) and independent answers to check lib/'s
 * browser-side implementations against.
 */
import crypto from "node:crypto";
import zlib from "node:zlib";

/** gzip of the bytes (or of the UTF-8 text). */
export function gzip(content: string | Uint8Array): Uint8Array {
  return new Uint8Array(zlib.gzipSync(content));
}

/** The gunzipped bytes. */
export function gunzip(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(zlib.gunzipSync(bytes));
}

/** SHA-256 of the bytes as lowercase hex, by node:crypto. */
export function nodeSha256Hex(bytes: Uint8Array): string {
  return crypto.createHash("sha256").update(bytes).digest("hex");
}
