/**
 * A blob-reader helper worker in the calling thread, for tests: requests go to a scope served by the real
 * `serveBlobReads`, replies come back a task later in order (or last first, `reverse`: concurrent reads answered out
 * of order). `terminate` or `kill` (which also fires the worker's error event, as a crashed worker does) stops it:
 * nothing more is served or delivered.
 */
import {
  serveBlobReads,
  type BlobReadReply,
  type BlobReadRequest,
  type BlobReadScope,
  type BlobReadWorker,
} from "@/lib/dataset/readers/blob-reader";

export function fakeBlobHelper(options: { reverse?: boolean } = {}) {
  const requests: BlobReadRequest[] = [];
  let dead = false;
  const worker: BlobReadWorker = {
    onmessage: null,
    onerror: null,
    postMessage(message) {
      requests.push(message);
      if (!dead) scope.onmessage?.({ data: message });
    },
    terminate() {
      dead = true;
    },
  };
  const queued: BlobReadReply[] = [];
  const scope: BlobReadScope = {
    onmessage: null,
    postMessage(reply) {
      queued.push(reply);
      setTimeout(() => {
        const next = options.reverse ? queued.pop() : queued.shift();
        if (next && !dead) worker.onmessage?.({ data: next });
      }, 0);
    },
  };
  serveBlobReads(scope);
  return {
    worker,
    requests,
    isTerminated: () => dead,
    kill: () => ((dead = true), worker.onerror?.(new Event("error"))),
  };
}
