/**
 * A typed request/reply protocol over a Worker (STYLE.md "Worker protocol"): every request carries an `id`;
 * replies are `result | error | progress`, plus a `ready` handshake. Used by every worker of the app. A worker that
 * dies is detected, reported (lib/worker/recovery.ts) and replaced by a fresh one on the next call.
 */
import {
  causeText,
  classifyCrash,
  describeCrash,
  isCrashCode,
  isOutOfMemory,
  suggestionFor,
  type CrashCode,
  type CrashReport,
  type WorkerName,
} from "./recovery";

/** An API description: method name → argument and result types. */
export type Api = Record<string, { args: unknown; result: unknown }>;

/** A request message for API `A`. */
export type RequestMessage<A extends Api> = {
  [K in keyof A & string]: { type: K; id: number; args: A[K]["args"] };
}[keyof A & string];

/** Request type of the liveness ping: answered by {@link serveWorker} itself, never passed to a handler. */
export const PING = "__ping";

/**
 * A reply message: result, error (with an optional machine-readable code and a user-file problem) or progress;
 * `ready` (with the name of the worker's liveness lock where it holds one), `pong` (to a ping) and `fatal` (an
 * uncaught error, an unhandled rejection or an allocation failure inside the worker: it is dropped and restarted).
 */
export type ReplyMessage =
  | { type: "ready"; lock?: string }
  | { type: "result"; id: number; data: unknown }
  | { type: "error"; id: number; message: string; code?: string; detail?: unknown }
  | { type: "progress"; id: number; stage: string; fraction: number; data?: unknown }
  | { type: "pong"; id: number }
  | { type: "fatal"; message: string; code: CrashCode };

/**
 * Error raised by the client when the worker replies `error`, dies, or the call is cancelled. A dead worker's calls
 * carry a {@link CrashCode} and its {@link CrashReport} as `detail`.
 */
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

/** Whether `err` rejected a call because its worker died (closed, crashed, out of memory). */
export function isWorkerCrash(err: unknown): err is WorkerCallError & { code: CrashCode; detail: CrashReport } {
  return err instanceof WorkerCallError && isCrashCode(err.code);
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
  addEventListener(type: "error", listener: (event: ErrorEvent) => void): void;
  addEventListener(type: "unhandledrejection", listener: (event: PromiseRejectionEvent) => void): void;
}

/** The part of the Web Locks API (`navigator.locks`) the liveness lock uses. */
export interface LockManagerLike {
  request(name: string, options: { signal?: AbortSignal }, callback: () => unknown): Promise<unknown>;
}

function defaultLocks(): LockManagerLike | null {
  return (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks ?? null;
}

function randomName(): string {
  const c = globalThis.crypto as Crypto | undefined;
  if (c?.randomUUID) return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** Options of {@link serveWorker}. */
export interface ServeOptions {
  /** Where the worker takes its liveness lock; default `navigator.locks` (null: none, the client falls back to pings). */
  locks?: LockManagerLike | null;
}

/**
 * Serves `handlers` on a worker scope: answers each request, posts `ready` once listening (holding its liveness
 * lock, where the scope has Web Locks), answers pings, and reports uncaught errors, unhandled rejections and
 * allocation failures as `fatal` (the client drops the worker: its state can no longer be trusted).
 */
export function serveWorker<A extends Api>(scope: Endpoint, handlers: Handlers<A>, options: ServeOptions = {}): void {
  const post = (reply: ReplyMessage, transfer: Transferable[] = []) => scope.postMessage(reply, transfer);
  const fatal = (cause: string, err: unknown) => post({ type: "fatal", message: cause, code: classifyCrash(err) });
  scope.addEventListener("error", (event: ErrorEvent) => {
    // Worded as the page's `error` event words it ("Uncaught Error: boom"), whichever of the two arrives first.
    const err = event.error ?? event.message;
    fatal(event.message || `Uncaught ${causeText(err)}`, err);
  });
  scope.addEventListener("unhandledrejection", (event: PromiseRejectionEvent) =>
    fatal(`unhandled rejection: ${causeText(event.reason)}`, event.reason),
  );
  scope.addEventListener("message", async (event: MessageEvent) => {
    if ((event.data as { type?: unknown })?.type === PING) {
      post({ type: "pong", id: (event.data as { id: number }).id });
      return;
    }
    const msg = event.data as RequestMessage<A>;
    const handler = handlers[msg.type as keyof A];
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
      // A failed allocation can leave a WASM heap (onnxruntime-web's) aborted: nothing after it can be trusted.
      if (!e?.code && isOutOfMemory(err)) fatal(`${causeText(err)} (in "${String(msg.type)}")`, err);
      else post({ type: "error", id: msg.id, message: e?.message ?? String(err), code: e?.code, detail: e?.detail });
    }
  });
  const locks = options.locks === undefined ? defaultLocks() : options.locks;
  if (!locks) {
    post({ type: "ready" });
    return;
  }
  // The lock is held for the worker's whole life: the browser releases it when the worker's context goes away
  // (self.close(), terminate, a crash), which is what the client's own request for it waits for.
  const lock = `margin-atlas-worker:${randomName()}`;
  let announced = false;
  locks
    .request(lock, {}, () => {
      announced = true;
      post({ type: "ready", lock });
      return new Promise<never>(() => {});
    })
    .catch(() => {
      if (!announced) post({ type: "ready" });
    });
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

/** The call function of a client (also what a restore function gets, to talk to the fresh worker directly). */
export type CallFn<A extends Api> = <K extends keyof A & string>(
  type: K,
  args: A[K]["args"],
  options?: CallOptions,
) => Promise<A[K]["result"]>;

/** Restores a fresh worker's state after a crash (reopen a file, reload models) through `call`. */
export type RestoreFn<A extends Api> = (call: CallFn<A>) => Promise<void>;

/** Typed client of a worker speaking API `A`. */
export interface WorkerClient<A extends Api> {
  call: CallFn<A>;
  /** Terminates the worker and rejects every pending call (code "cancelled"); the next call starts a fresh one. */
  dispose(): void;
  /** Calls `listener` with the report of each worker that dies (after its pending calls were rejected). */
  onCrash(listener: (report: CrashReport) => void): () => void;
  /**
   * Sets what runs on the fresh worker started after a crash before any other call is sent to it (calls made
   * meanwhile wait). It reports its own problems; a rejection is ignored.
   */
  setRestore(restore: RestoreFn<A> | null): void;
  /** Starts the worker now if none runs (after a crash: a fresh one, restored); settles once it is ready. */
  restart(): Promise<void>;
}

/** Liveness pings where the worker holds no lock: the period, and the silence (no message at all) that means dead. */
export interface HeartbeatOptions {
  intervalMs: number;
  silenceMs: number;
}

/**
 * Generous, because a worker busy in one synchronous stretch (a WASM forward pass of a big model) cannot answer;
 * only used where Web Locks are missing.
 */
export const DEFAULT_HEARTBEAT: HeartbeatOptions = { intervalMs: 5_000, silenceMs: 120_000 };

/** Options of {@link createWorkerClient}. */
export interface WorkerClientOptions {
  /** The worker's name in crash reports and messages ("scoring"). */
  name?: WorkerName;
  /** Where the client waits on the worker's liveness lock; default `navigator.locks`. */
  locks?: LockManagerLike | null;
  heartbeat?: HeartbeatOptions;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: unknown): void;
  onProgress?: ProgressHandler;
}

/** One started worker and what watches it. */
interface Instance {
  worker: Worker;
  ready: Promise<void>;
  isReady: boolean;
  resolveReady(): void;
  rejectReady(err: unknown): void;
  /** Settles (never rejects) once the restore after a crash has run on this worker; resolved when none runs. */
  restored: Promise<void>;
  restoring: boolean;
  /** Aborts the request for the worker's liveness lock. */
  watch: AbortController;
  usesHeartbeat: boolean;
  heartbeat: ReturnType<typeof setInterval> | null;
  lastHeardMs: number;
}

/**
 * Creates a client that starts the worker lazily on the first call (once); if the start fails, the broken worker is
 * dropped so the next call retries. Every call settles: on a result, an error reply, abort, or the worker's death.
 *
 * A worker is dead when it reports an uncaught error or an unhandled rejection (`error` event, `fatal` reply), an
 * allocation failure, when a reply cannot be read (`messageerror`), or when it is gone without a word
 * (`self.close()`, killed): for that, the worker holds a Web Lock for its whole life and the client queues a request
 * for the same lock, granted by the browser the moment the worker's context is destroyed: no timers, and a worker
 * busy in a long synchronous computation is never mistaken for a dead one. Where Web Locks are missing, pings while
 * calls are pending, with a generous silence limit, stand in. A dead worker is terminated and dropped, every pending
 * call rejected with a {@link CrashCode} and a message naming the cause and a suggestion, crash listeners told; the
 * next call (or {@link WorkerClient.restart}) starts a fresh worker, restored first by the {@link RestoreFn}.
 */
export function createWorkerClient<A extends Api>(
  createWorker: () => Worker,
  options: WorkerClientOptions = {},
): WorkerClient<A> {
  const name = options.name ?? "background";
  const locks = options.locks === undefined ? defaultLocks() : options.locks;
  const heartbeat = options.heartbeat ?? DEFAULT_HEARTBEAT;
  let current: Instance | null = null;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const crashListeners = new Set<(report: CrashReport) => void>();
  let restoreFn: RestoreFn<A> | null = null;
  let needsRestore = false;
  let lastCrash: WorkerCallError | null = null;

  const failAll = (err: WorkerCallError) => {
    const all = [...pending.values()];
    pending.clear();
    for (const p of all) p.reject(err);
  };

  const stopWatching = (inst: Instance) => {
    inst.watch.abort();
    if (inst.heartbeat) clearInterval(inst.heartbeat);
    inst.heartbeat = null;
  };

  const die = (inst: Instance, code: CrashCode, cause: string) => {
    if (inst !== current) return;
    current = null;
    stopWatching(inst);
    inst.worker.terminate();
    if (!inst.isReady) {
      const err = new WorkerCallError(`could not start the ${name} worker: ${cause}`, "worker-start");
      inst.rejectReady(err);
      failAll(err);
      return;
    }
    const report: CrashReport = {
      worker: name,
      code,
      cause,
      suggestion: suggestionFor(name, code),
      atMs: Date.now(),
      duringRestore: inst.restoring,
    };
    const err = new WorkerCallError(describeCrash(report), code, report);
    lastCrash = err;
    needsRestore = true;
    failAll(err);
    for (const listener of [...crashListeners]) {
      try {
        listener(report);
      } catch (e) {
        // One listener's bug must not keep the others from hearing about the crash.
        console.error(e);
      }
    }
  };

  const tick = (inst: Instance) => {
    if (inst !== current) return;
    if (pending.size === 0) {
      stopWatching(inst);
      return;
    }
    if (Date.now() - inst.lastHeardMs > heartbeat.silenceMs) {
      die(inst, "worker-closed", `it stopped answering (no message for ${Math.round(heartbeat.silenceMs / 1000)} s)`);
    } else inst.worker.postMessage({ type: PING, id: 0 });
  };

  const ensureHeartbeat = (inst: Instance) => {
    if (!inst.usesHeartbeat || inst.heartbeat || pending.size === 0) return;
    // Silence is measured from the first call after an idle spell, not from the last reply before it.
    inst.lastHeardMs = Date.now();
    inst.heartbeat = setInterval(() => tick(inst), heartbeat.intervalMs);
  };

  const watchLock = (inst: Instance, lock: string) => {
    locks!
      .request(lock, { signal: inst.watch.signal }, () => {
        die(inst, "worker-closed", "it stopped: closed by itself or by the browser");
      })
      .catch(() => {
        // Aborted: the client dropped the worker itself.
      });
  };

  const onMessage = (inst: Instance, msg: ReplyMessage) => {
    if (inst !== current) return;
    inst.lastHeardMs = Date.now();
    if (msg.type === "ready") {
      inst.isReady = true;
      if (msg.lock && locks) watchLock(inst, msg.lock);
      else {
        inst.usesHeartbeat = true;
        ensureHeartbeat(inst);
      }
      inst.resolveReady();
      return;
    }
    if (msg.type === "pong") return;
    if (msg.type === "fatal") {
      die(inst, msg.code, msg.message);
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
  };

  const send = (inst: Instance, type: string, args: unknown, options: CallOptions = {}): Promise<never> =>
    new Promise((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(new WorkerCallError("cancelled", "cancelled"));
        return;
      }
      if (inst !== current) {
        reject(lastCrash ?? new WorkerCallError(`the ${name} worker stopped`, "worker-closed"));
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress: options.onProgress });
      options.signal?.addEventListener("abort", () => {
        if (pending.delete(id)) reject(new WorkerCallError("cancelled", "cancelled"));
      });
      ensureHeartbeat(inst);
      try {
        inst.worker.postMessage({ type, id, args }, options.transfer ?? []);
      } catch (err) {
        pending.delete(id);
        reject(new WorkerCallError(`could not send "${type}" to the ${name} worker: ${causeText(err)}`, "bad-request"));
      }
    });

  const launch = (): Instance => {
    let worker: Worker;
    try {
      worker = createWorker();
    } catch (err) {
      throw new WorkerCallError(`could not start the ${name} worker: ${causeText(err)}`, "worker-start");
    }
    const inst: Instance = {
      worker,
      ready: Promise.resolve(),
      isReady: false,
      resolveReady: () => {},
      rejectReady: () => {},
      restored: Promise.resolve(),
      restoring: false,
      watch: new AbortController(),
      usesHeartbeat: false,
      heartbeat: null,
      lastHeardMs: Date.now(),
    };
    inst.ready = new Promise<void>((resolve, reject) => {
      inst.resolveReady = resolve;
      inst.rejectReady = reject;
    });
    inst.ready.catch(() => {});
    worker.addEventListener("message", (event: MessageEvent<ReplyMessage>) => onMessage(inst, event.data));
    worker.addEventListener("error", (event: ErrorEvent) => {
      // Handled here: the report names it; the console would only repeat it.
      event.preventDefault?.();
      const message = event.message || "an error with no message (the worker script may have failed to load)";
      die(inst, classifyCrash(message), message);
    });
    worker.addEventListener("messageerror", () =>
      die(inst, "worker-crashed", "a message from it could not be read (messageerror)"),
    );
    current = inst;
    if (needsRestore && restoreFn) {
      const restore = restoreFn;
      const direct: CallFn<A> = (type, args, opts) =>
        inst.ready.then(() => send(inst, type, args, opts)) as Promise<A[typeof type]["result"]>;
      inst.restoring = true;
      inst.restored = inst.ready
        .then(() => restore(direct))
        .catch(() => {})
        .finally(() => {
          inst.restoring = false;
          if (inst === current) needsRestore = false;
        });
    }
    return inst;
  };

  const acquire = async (): Promise<Instance> => {
    const inst = current ?? launch();
    await inst.ready;
    await inst.restored;
    if (inst !== current) throw lastCrash ?? new WorkerCallError(`the ${name} worker stopped`, "worker-closed");
    return inst;
  };

  return {
    async call(type, args, options = {}) {
      const inst = await acquire();
      return send(inst, type, args, options);
    },
    dispose() {
      const inst = current;
      current = null;
      const err = new WorkerCallError("worker disposed", "cancelled");
      if (inst) {
        stopWatching(inst);
        inst.worker.terminate();
        inst.rejectReady(err);
      }
      failAll(err);
    },
    onCrash(listener) {
      crashListeners.add(listener);
      return () => crashListeners.delete(listener);
    },
    setRestore(restore) {
      restoreFn = restore;
    },
    async restart() {
      await acquire();
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
