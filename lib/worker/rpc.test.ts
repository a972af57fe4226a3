import { describe, expect, it } from "vitest";
import { createWorkerClient, HandlerError, latestOnly, serveWorker, WorkerCallError, type Endpoint } from "./rpc";

type TestApi = {
  add: { args: { a: number; b: number }; result: number };
  fail: { args: Record<string, never>; result: never };
  slow: { args: { ms: number }; result: string };
  stream: { args: { n: number }; result: number };
};

/** A fake Worker over a MessageChannel: the client side gets a Worker-like object, the server side a scope. */
function fakeWorker(): Worker {
  const channel = new MessageChannel();
  const scope = channel.port2 as unknown as Endpoint;
  serveWorker<TestApi>(scope, {
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
  });
  channel.port1.start();
  channel.port2.start();
  const port = channel.port1;
  return Object.assign(port, {
    terminate: () => port.close(),
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
