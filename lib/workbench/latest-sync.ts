/**
 * Keeps a worker's copy of some state in step with the page while the state changes faster than the worker
 * answers (a drag: a new selection every animation frame): at most one request in flight, the next one sent as
 * soon as its reply is delivered, built from the state *at that moment* (never a queue of stale requests), and
 * every reply delivered in order (each is newer than the one shown, so a drag shows every step it can, instead of
 * dropping a reply whenever a newer change is already waiting).
 */

/** What {@link createLatestSync} runs. */
export interface LatestSyncOptions<R> {
  /** Sends the request for the state as it is now (called with nothing else in flight). */
  send(): Promise<R>;
  /** Shows a reply; the next request is sent once it settles. */
  deliver(reply: R): void | Promise<void>;
}

/** A {@link createLatestSync} channel. */
export interface LatestSync {
  /**
   * Says the state changed: a request will be sent for it (now, or once the one in flight is delivered). Resolves
   * once a reply to a request sent after this call has been delivered; rejects with that request's error.
   */
  request(): Promise<void>;
  /** Whether a request is in flight or waiting. */
  readonly busy: boolean;
}

/** Creates the channel (see the module comment). */
export function createLatestSync<R>({ send, deliver }: LatestSyncOptions<R>): LatestSync {
  type Waiter = { resolve(): void; reject(err: unknown): void };
  let waiting: Waiter[] = [];
  let running = false;

  const pump = async () => {
    running = true;
    try {
      while (waiting.length) {
        // Everyone who asked before this send is answered by it: it reads the state they changed.
        const covered = waiting;
        waiting = [];
        try {
          await deliver(await send());
          for (const w of covered) w.resolve();
        } catch (err) {
          for (const w of covered) w.reject(err);
        }
      }
    } finally {
      running = false;
    }
  };

  return {
    request() {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ resolve, reject });
        if (!running) void pump();
      });
    },
    get busy() {
      return running || waiting.length > 0;
    },
  };
}
