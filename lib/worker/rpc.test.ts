import { describe, expect, it } from "vitest";
import {
  createWorkerClient,
  HandlerError,
  isWorkerCrash,
  latestOnly,
  serveWorker,
  WorkerCallError,
  type Endpoint,
  type LockManagerLike,
} from "./rpc";
import type { CrashReport } from "./recovery";

type TestApi = {
  add: { args: { a: number; b: number }; result: number };
  fail: { args: Record<string, never>; result: never };
  slow: { args: { ms: number }; result: string };
  stream: { args: { n: number }; result: number };
  allocate: { args: Record<string, never>; result: never };
};

/** One context's view of {@link fakeLockManager}: its requests, and the release of all it holds. */
interface LockHolder {
  locks: LockManagerLike;
  /** Releases every lock this context holds, as the browser does when the context is destroyed. */
  release(): void;
}

/** A fake of the Web Locks API: exclusive locks granted in request order; a lock is freed when its callback settles. */
function fakeLockManager(): { holder(): LockHolder } {
  const held = new Map<string, () => void>();
  const queues = new Map<string, (() => void)[]>();
  const free = (name: string) => {
    held.delete(name);
    queues.get(name)?.shift()?.();
  };
  return {
    holder() {
      const mine = new Set<string>();
      const locks: LockManagerLike = {
        request: (name, { signal }, callback) =>
          new Promise((resolve, reject) => {
            const run = () => {
              let released = false;
              const release = () => {
                if (released) return;
                released = true;
                mine.delete(name);
                free(name);
              };
              held.set(name, release);
              mine.add(name);
              Promise.resolve(callback()).then(
                (v) => (release(), resolve(v)),
                (e: unknown) => (release(), reject(e)),
              );
            };
            if (!held.has(name)) return run();
            const queue = queues.get(name) ?? [];
            queue.push(run);
            queues.set(name, queue);
            signal?.addEventListener("abort", () => {
              const i = queue.indexOf(run);
              if (i >= 0) queue.splice(i, 1);
              reject(new Error("AbortError"));
            });
          }),
      };
      return {
        locks,
        release() {
          for (const name of [...mine]) {
            mine.delete(name);
            free(name);
          }
        },
      };
    },
  };
}

/** What a test can do to a fake worker from outside. */
interface FakeControls {
  /** Stops the worker without a word, as `self.close()` does (its liveness lock is released). */
  close(): void;
  /** An uncaught error in the worker, as the page sees it (an `error` event on the Worker). */
  uncaught(message: string): void;
  /** An unhandled rejection inside the worker (its scope's `unhandledrejection` event). */
  unhandledRejection(reason: unknown): void;
  /** A reply that could not be deserialised. */
  messageError(): void;
}

/**
 * A fake Worker over a MessageChannel: the client side gets a Worker-like object, the server side a scope. With
 * `locks`, the worker holds its liveness lock there.
 */
function fakeWorker(holder: LockHolder | null = null, controls?: (c: FakeControls) => void): Worker {
  const channel = new MessageChannel();
  const scope = channel.port2 as unknown as Endpoint;
  serveWorker<TestApi>(
    scope,
    {
      add: ({ a, b }, ctx) => {
        ctx.progress("adding", 0.5);
        return a + b;
      },
      fail: () => {
        throw new HandlerError("bad file.jsonl, line 3", "bad-input", { line: 3 });
      },
      slow: ({ ms }) => new Promise((resolve) => setTimeout(() => resolve(`slept ${ms}`), ms)),
      stream: ({ n }, ctx) => {
        for (let i = 0; i < n; i++) {
          const values = Float64Array.of(i, i * 10);
          ctx.progress("chunk", (i + 1) / n, { rows: [i], values }, [values.buffer]);
        }
        return n;
      },
      allocate: () => {
        throw new RangeError("Array buffer allocation failed");
      },
    },
    { locks: holder?.locks ?? null },
  );
  channel.port1.start();
  channel.port2.start();
  const port = channel.port1;
  const event = (type: string, fields: Record<string, unknown>) => Object.assign(new Event(type), fields);
  controls?.({
    close: () => {
      // Messages to a closed worker go nowhere; the browser releases what its context held.
      channel.port2.close();
      holder?.release();
    },
    uncaught: (message) => port.dispatchEvent(event("error", { message })),
    unhandledRejection: (reason) => channel.port2.dispatchEvent(event("unhandledrejection", { reason })),
    messageError: () => port.dispatchEvent(event("messageerror", {})),
  });
  return Object.assign(port, {
    terminate: () => {
      port.close();
      holder?.release();
    },
    onerror: null,
    onmessageerror: null,
  }) as unknown as Worker;
}

describe("worker rpc", () => {
  it("returns results and reports progress", async () => {
    const client = createWorkerClient<TestApi>(fakeWorker);
    const stages: [string, number][] = [];
    const sum = await client.call("add", { a: 2, b: 3 }, { onProgress: (s, f) => stages.push([s, f]) });
    expect(sum).toBe(5);
    expect(stages).toEqual([["adding", 0.5]]);
    client.dispose();
  });

  it("delivers progress payloads in order, with transferred buffers", async () => {
    const client = createWorkerClient<TestApi>(fakeWorker);
    const got: [string, number, unknown][] = [];
    const n = await client.call("stream", { n: 2 }, { onProgress: (s, f, d) => got.push([s, f, d]) });
    expect(n).toBe(2);
    expect(got).toEqual([
      ["chunk", 0.5, { rows: [0], values: Float64Array.of(0, 0) }],
      ["chunk", 1, { rows: [1], values: Float64Array.of(1, 10) }],
    ]);
    client.dispose();
  });

  it("rejects with the handler's code and detail", async () => {
    const client = createWorkerClient<TestApi>(fakeWorker);
    const err = await client.call("fail", {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerCallError);
    expect((err as WorkerCallError).message).toBe("bad file.jsonl, line 3");
    expect((err as WorkerCallError).code).toBe("bad-input");
    expect((err as WorkerCallError).detail).toEqual({ line: 3 });
    client.dispose();
  });

  it("settles a cancelled call and a disposed client", async () => {
    const client = createWorkerClient<TestApi>(fakeWorker);
    const controller = new AbortController();
    const cancelled = client.call("slow", { ms: 50 }, { signal: controller.signal });
    controller.abort();
    await expect(cancelled).rejects.toMatchObject({ code: "cancelled" });
    const pending = client.call("slow", { ms: 50 });
    await new Promise((r) => setTimeout(r, 5));
    client.dispose();
    await expect(pending).rejects.toMatchObject({ code: "cancelled" });
  });

  it("drops a failed start so the next call retries", async () => {
    let attempts = 0;
    const client = createWorkerClient<TestApi>(() => {
      attempts++;
      if (attempts === 1) throw new Error("no worker support");
      return fakeWorker();
    });
    await expect(client.call("add", { a: 1, b: 1 })).rejects.toMatchObject({ code: "worker-start" });
    await expect(client.call("add", { a: 1, b: 1 })).resolves.toBe(2);
    expect(attempts).toBe(2);
    client.dispose();
  });
});

/** A client over fake workers sharing one fake lock manager; `controls` reaches the newest worker. */
function crashableClient(options: { locks?: boolean; heartbeat?: { intervalMs: number; silenceMs: number } } = {}) {
  const manager = fakeLockManager();
  const useLocks = options.locks ?? true;
  const state = { started: 0, controls: null as FakeControls | null, reports: [] as CrashReport[] };
  const client = createWorkerClient<TestApi>(
    () => {
      state.started++;
      return fakeWorker(useLocks ? manager.holder() : null, (c) => (state.controls = c));
    },
    { name: "scoring", locks: useLocks ? manager.holder().locks : null, heartbeat: options.heartbeat },
  );
  client.onCrash((r) => state.reports.push(r));
  return { client, state };
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe("worker rpc: a worker that dies", () => {
  it.each([
    {
      how: "closes itself (its liveness lock is released)",
      kill: (c: FakeControls) => c.close(),
      code: "worker-closed",
      cause: "it stopped: closed by itself or by the browser",
    },
    {
      how: "throws an uncaught error",
      kill: (c: FakeControls) => c.uncaught("Uncaught Error: boom"),
      code: "worker-crashed",
      cause: "Uncaught Error: boom",
    },
    {
      how: "leaves a rejection unhandled",
      kill: (c: FakeControls) => c.unhandledRejection(new TypeError("x is undefined")),
      code: "worker-crashed",
      cause: "unhandled rejection: TypeError: x is undefined",
    },
    {
      how: "runs out of memory outside a call",
      kill: (c: FakeControls) => c.uncaught("Uncaught RangeError: Array buffer allocation failed"),
      code: "out-of-memory",
      cause: "Uncaught RangeError: Array buffer allocation failed",
    },
    {
      how: "sends a reply that cannot be read",
      kill: (c: FakeControls) => c.messageError(),
      code: "worker-crashed",
      cause: "a message from it could not be read (messageerror)",
    },
  ])("$how: every pending call is rejected with $code, the cause and a suggestion", async ({ kill, code, cause }) => {
    const { client, state } = crashableClient();
    await expect(client.call("add", { a: 1, b: 2 })).resolves.toBe(3);
    const calls = [client.call("slow", { ms: 300 }), client.call("slow", { ms: 300 })];
    await tick(5);
    kill(state.controls!);
    const errors = await Promise.all(calls.map((c) => c.catch((e: unknown) => e)));
    for (const err of errors) {
      expect(isWorkerCrash(err)).toBe(true);
      expect((err as WorkerCallError).code).toBe(code);
      expect((err as WorkerCallError).message).toContain(`The scoring worker`);
      expect((err as WorkerCallError).message).toContain(`(${cause})`);
      expect((err as WorkerCallError).message).toContain("Try: ");
    }
    expect(state.reports).toHaveLength(1);
    expect(state.reports[0]).toMatchObject({ worker: "scoring", code, cause, duringRestore: false });
    expect(state.reports[0].suggestion.length).toBeGreaterThan(10);
    // The dead worker is dropped: the next call starts a fresh one, which answers.
    await expect(client.call("add", { a: 2, b: 2 })).resolves.toBe(4);
    expect(state.started).toBe(2);
    client.dispose();
  });

  it("an allocation failure inside a handler is out-of-memory for that call and the others, and the worker is replaced", async () => {
    const { client, state } = crashableClient();
    const other = client.call("slow", { ms: 300 });
    const err = await client.call("allocate", {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "out-of-memory" });
    expect((err as WorkerCallError).message).toContain('RangeError: Array buffer allocation failed (in "allocate")');
    expect((err as WorkerCallError).message).toContain("quantised");
    await expect(other).rejects.toMatchObject({ code: "out-of-memory" });
    expect(state.reports.map((r) => r.code)).toEqual(["out-of-memory"]);
    await expect(client.call("add", { a: 1, b: 1 })).resolves.toBe(2);
    expect(state.started).toBe(2);
    client.dispose();
  });

  it("a handler error with its own code stays an ordinary error reply, not a crash", async () => {
    const { client, state } = crashableClient();
    await expect(client.call("fail", {})).rejects.toMatchObject({ code: "bad-input" });
    expect(state.reports).toEqual([]);
    client.dispose();
  });

  it("without Web Locks, pings find a worker that went silent; a worker busy with an async call is not killed", async () => {
    const { client, state } = crashableClient({ locks: false, heartbeat: { intervalMs: 10, silenceMs: 60 } });
    await expect(client.call("slow", { ms: 150 })).resolves.toBe("slept 150");
    const pending = client.call("slow", { ms: 1000 });
    await tick(5);
    state.controls!.close();
    const started = Date.now();
    await expect(pending).rejects.toMatchObject({ code: "worker-closed" });
    expect(Date.now() - started).toBeLessThan(500);
    expect(state.reports[0].cause).toBe("it stopped answering (no message for 0 s)");
    await expect(client.call("add", { a: 5, b: 5 })).resolves.toBe(10);
    client.dispose();
  });

  it("restores a fresh worker before any other call reaches it, and restarts on demand", async () => {
    const { client, state } = crashableClient();
    const log: string[] = [];
    client.setRestore(async (call) => {
      log.push("restore start");
      log.push(`restore add ${await call("add", { a: 20, b: 1 })}`);
      await call("slow", { ms: 20 });
      log.push("restore end");
    });
    await client.call("add", { a: 1, b: 1 });
    expect(log).toEqual([]);
    state.controls!.uncaught("Uncaught Error: boom");
    await tick(5);
    // Called while the restore runs: answered only after it.
    const next = client.call("add", { a: 3, b: 4 }).then((v) => log.push(`call ${v}`));
    await client.restart();
    await next;
    expect(log).toEqual(["restore start", "restore add 21", "restore end", "call 7"]);
    expect(state.started).toBe(2);
    // A worker that is fine is not restored again.
    await client.call("add", { a: 0, b: 0 });
    expect(log).toHaveLength(4);
    client.dispose();
  });

  it("a worker that dies while being restored is reported as such, and the next call restores again", async () => {
    const { client, state } = crashableClient();
    let restores = 0;
    client.setRestore(async (call) => {
      restores++;
      if (restores === 1) {
        const slow = call("slow", { ms: 200 });
        state.controls!.close();
        await slow;
      }
    });
    await client.call("add", { a: 1, b: 1 });
    state.controls!.uncaught("Uncaught Error: boom");
    await tick(5);
    await expect(client.restart()).rejects.toMatchObject({ code: "worker-closed" });
    expect(state.reports.map((r) => r.duringRestore)).toEqual([false, true]);
    await expect(client.call("add", { a: 1, b: 2 })).resolves.toBe(3);
    expect(restores).toBe(2);
    expect(state.started).toBe(3);
    client.dispose();
  });

  it("an error before the worker is ready is a failed start, not a crash", async () => {
    let attempts = 0;
    const client = createWorkerClient<TestApi>(
      () => {
        attempts++;
        if (attempts > 1) return fakeWorker();
        const port = new MessageChannel().port1;
        setTimeout(() => port.dispatchEvent(Object.assign(new Event("error"), { message: "" })), 5);
        return Object.assign(port, { terminate: () => port.close() }) as unknown as Worker;
      },
      { locks: null },
    );
    const reports: CrashReport[] = [];
    client.onCrash((r) => reports.push(r));
    await expect(client.call("add", { a: 1, b: 1 })).rejects.toMatchObject({
      code: "worker-start",
      message:
        "could not start the background worker: an error with no message (the worker script may have failed to load)",
    });
    expect(reports).toEqual([]);
    await expect(client.call("add", { a: 1, b: 1 })).resolves.toBe(2);
    client.dispose();
  });
});

describe("latestOnly", () => {
  it("coalesces calls made while one runs and delivers only the newest", async () => {
    const seen: number[] = [];
    const run = latestOnly(async (n: number) => {
      seen.push(n);
      await new Promise((r) => setTimeout(r, 10));
      return n * 10;
    });
    const results = await Promise.all([run(1), run(2), run(3), run(4)]);
    // 1 runs at once; 2 and 3 are superseded before they start; 4 runs after 1; 1's result is stale.
    expect(seen).toEqual([1, 4]);
    expect(results).toEqual([null, null, null, 40]);
  });
});
