/**
 * A typed request/reply protocol over a Worker (STYLE.md "Worker protocol"): every request carries an `id`;
 * replies are `result | error | progress`, plus a `ready` handshake. Used by every worker of the app.
 */

/** An API description: method name → argument and result types. */
export type Api = Record<string, { args: unknown; result: unknown }>;

/** A request message for API `A`. */
export type RequestMessage<A extends Api> = {
  [K in keyof A & string]: { type: K; id: number; args: A[K]["args"] };
}[keyof A & string];

/** A reply message: result, error (with an optional machine-readable code and a user-file problem) or progress. */
export type ReplyMessage =
  | { type: "ready" }
  | { type: "result"; id: number; data: unknown }
  | { type: "error"; id: number; message: string; code?: string; detail?: unknown }
  | { type: "progress"; id: number; stage: string; fraction: number; data?: unknown };

/** Error raised by the client when the worker replies `error`, crashes, or the call is cancelled. */
export class WorkerCallError extends Error {
  constructor(
    message: string,
    readonly code: string = "worker-error",
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = "WorkerCallError";
  }
}

/**
 * Progress callback of a call. `data` is an optional payload (e.g. a chunk of streamed results); its buffers are
 * transferred when the handler lists them.
 */
export type ProgressHandler = (stage: string, fraction: number, data?: unknown) => void;

/** Worker-side progress: like {@link ProgressHandler}, plus buffers to transfer with the payload. */
export type ProgressEmitter = (stage: string, fraction: number, data?: unknown, transfer?: Transferable[]) => void;

/** Handler context inside the worker. */
export interface HandlerContext {
  progress: ProgressEmitter;
  /** Buffers to transfer with the result instead of copying. */
  transfer: Transferable[];
}

/** Handlers implementing API `A` in a worker. */
export type Handlers<A extends Api> = {
  [K in keyof A]: (args: A[K]["args"], ctx: HandlerContext) => Promise<A[K]["result"]> | A[K]["result"];
};

/** Minimal endpoint shape shared by `Worker` and a worker's global scope. */
export interface Endpoint {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
}

/** Serves `handlers` on a worker scope: answers each request, posts `ready` once listening. */
export function serveWorker<A extends Api>(scope: Endpoint, handlers: Handlers<A>): void {
  scope.addEventListener("message", async (event: MessageEvent) => {
    const msg = event.data as RequestMessage<A>;
    const handler = handlers[msg.type as keyof A];
    const post = (reply: ReplyMessage, transfer: Transferable[] = []) => scope.postMessage(reply, transfer);
    if (!handler) {
      post({ type: "error", id: msg.id, message: `unknown request type "${String(msg.type)}"`, code: "bad-request" });
      return;
    }
    const ctx: HandlerContext = {
      progress: (stage, fraction, data, transfer) =>
        post(
          data === undefined
            ? { type: "progress", id: msg.id, stage, fraction }
            : { type: "progress", id: msg.id, stage, fraction, data },
          transfer,
        ),
      transfer: [],
    };
    try {
      const data = await handler(msg.args as never, ctx);
      post({ type: "result", id: msg.id, data }, ctx.transfer);
    } catch (err) {
      const e = err as { message?: string; code?: string; detail?: unknown };
      post({ type: "error", id: msg.id, message: e?.message ?? String(err), code: e?.code, detail: e?.detail });
    }
  });
  scope.postMessage({ type: "ready" } satisfies ReplyMessage);
}

/** An error a handler throws to send a code and structured detail (e.g. a ParseProblem) to the client. */
export class HandlerError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly detail?: unknown,
  ) {
    super(message);
  }
}

/** Options of one call. */
export interface CallOptions {
  onProgress?: ProgressHandler;
  transfer?: Transferable[];
  signal?: AbortSignal;
}

/** Typed client of a worker speaking API `A`. */
export interface WorkerClient<A extends Api> {
  call<K extends keyof A & string>(type: K, args: A[K]["args"], options?: CallOptions): Promise<A[K]["result"]>;
  /** Terminates the worker and rejects every pending call. */
  dispose(): void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: unknown): void;
  onProgress?: ProgressHandler;
}

/**
 * Creates a client that starts the worker lazily on the first call (once); if the start fails, the broken
 * worker is dropped so the next call retries. Every call settles: on a result, an error reply, a crash, or abort.
 */
export function createWorkerClient<A extends Api>(createWorker: () => Worker): WorkerClient<A> {
  let worker: Worker | null = null;
  let ready: Promise<Worker> | null = null;
  let nextId = 1;
  const pending = new Map<number, Pending>();

  const failAll = (err: WorkerCallError) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };

  const start = (): Promise<Worker> => {
    if (ready) return ready;
    const starting = new Promise<Worker>((resolve, reject) => {
      let w: Worker;
      try {
        w = createWorker();
      } catch (err) {
        reject(new WorkerCallError(`could not start worker: ${(err as Error).message}`, "worker-start"));
        return;
      }
      worker = w;
      w.addEventListener("message", (event: MessageEvent<ReplyMessage>) => {
        const msg = event.data;
        if (msg.type === "ready") {
          resolve(w);
          return;
        }
        const p = pending.get(msg.id);
        if (!p) return;
        if (msg.type === "progress") {
          if (msg.data === undefined) p.onProgress?.(msg.stage, msg.fraction);
          else p.onProgress?.(msg.stage, msg.fraction, msg.data);
        } else if (msg.type === "result") {
          pending.delete(msg.id);
          p.resolve(msg.data);
        } else {
          pending.delete(msg.id);
          p.reject(new WorkerCallError(msg.message, msg.code, msg.detail));
        }
      });
      w.addEventListener("error", (event: ErrorEvent) => {
        const err = new WorkerCallError(`worker crashed: ${event.message || "unknown error"}`, "worker-crash");
        event.preventDefault?.();
        failAll(err);
        w.terminate();
        worker = null;
        if (ready === starting) ready = null;
        reject(err);
      });
    });
    ready = starting;
    // A failed start is dropped so that the next call tries again.
    starting.catch(() => {
      if (ready === starting) ready = null;
    });
    return starting;
  };

  return {
    async call(type, args, options = {}) {
      const w = await start();
      const id = nextId++;
      return new Promise((resolve, reject) => {
        if (options.signal?.aborted) {
          reject(new WorkerCallError("cancelled", "cancelled"));
          return;
        }
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress: options.onProgress });
        options.signal?.addEventListener("abort", () => {
          if (pending.delete(id)) reject(new WorkerCallError("cancelled", "cancelled"));
        });
        w.postMessage({ type, id, args }, options.transfer ?? []);
      });
    },
    dispose() {
      worker?.terminate();
      worker = null;
      ready = null;
      failAll(new WorkerCallError("worker disposed", "cancelled"));
    },
  };
}

/**
 * Wraps an async function so that only the latest call's result is delivered: while one call runs, further
 * calls are coalesced into one pending call with the newest arguments (a slider drag sends one request per
 * frame at most, never a backlog). Superseded calls resolve to `null`.
 */
export function latestOnly<T extends unknown[], R>(fn: (...args: T) => Promise<R>): (...args: T) => Promise<R | null> {
  let running = false;
  let queued: { args: T; resolve: (r: R | null) => void; reject: (e: unknown) => void } | null = null;
  const run = async (args: T, resolve: (r: R | null) => void, reject: (e: unknown) => void) => {
    running = true;
    try {
      const result = await fn(...args);
      if (queued) resolve(null);
      else resolve(result);
    } catch (err) {
      if (queued) resolve(null);
      else reject(err);
    } finally {
      running = false;
      const next = queued;
      queued = null;
      if (next) void run(next.args, next.resolve, next.reject);
    }
  };
  return (...args: T) =>
    new Promise<R | null>((resolve, reject) => {
      if (running) {
        queued?.resolve(null);
        queued = { args, resolve, reject };
      } else void run(args, resolve, reject);
    });
}
