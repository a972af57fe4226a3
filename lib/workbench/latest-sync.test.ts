import { describe, expect, it } from "vitest";
import { createLatestSync } from "./latest-sync";

/** A send the test answers by hand: each call records the state it read and waits for `answer`/`fail`. */
function fakeWorker() {
  let state = 0;
  const sent: { read: number; answer(): void; fail(err: Error): void }[] = [];
  const delivered: number[] = [];
  const sync = createLatestSync<number>({
    send: () =>
      new Promise<number>((resolve, reject) => {
        const read = state;
        sent.push({ read, answer: () => resolve(read), fail: reject });
      }),
    deliver: (reply) => {
      delivered.push(reply);
    },
  });
  const change = (next: number) => {
    state = next;
    return sync.request();
  };
  return { sync, sent, delivered, change };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("createLatestSync", () => {
  it("sends at once when idle, and resolves after the reply is delivered", async () => {
    const w = fakeWorker();
    let done = false;
    const p = w.change(1).then(() => (done = true));
    expect(w.sent.map((s) => s.read)).toEqual([1]);
    expect(w.sync.busy).toBe(true);
    await tick();
    expect(done).toBe(false);
    w.sent[0].answer();
    await p;
    expect(w.delivered).toEqual([1]);
    expect(w.sync.busy).toBe(false);
  });

  it("keeps one request in flight, sends the newest state next, and delivers every reply in order", async () => {
    const w = fakeWorker();
    const order: string[] = [];
    const p1 = w.change(1).then(() => order.push("1"));
    const p2 = w.change(2).then(() => order.push("2"));
    const p3 = w.change(3).then(() => order.push("3"));
    // 2 and 3 wait: no queue of stale requests, one send for both, reading the state as it is when sent.
    expect(w.sent.map((s) => s.read)).toEqual([1]);
    w.sent[0].answer();
    await p1;
    await tick();
    expect(w.delivered).toEqual([1]);
    expect(w.sent.map((s) => s.read)).toEqual([1, 3]);
    const p4 = w.change(4).then(() => order.push("4"));
    w.sent[1].answer();
    await Promise.all([p2, p3]);
    await tick();
    expect(w.sent.map((s) => s.read)).toEqual([1, 3, 4]);
    w.sent[2].answer();
    await p4;
    expect(w.delivered).toEqual([1, 3, 4]);
    expect(order).toEqual(["1", "2", "3", "4"]);
  });

  it("rejects the requests a failed send covered and goes on with the next", async () => {
    const w = fakeWorker();
    const p1 = w.change(1);
    const p2 = w.change(2);
    w.sent[0].fail(new Error("bad spec"));
    await expect(p1).rejects.toThrow("bad spec");
    await tick();
    expect(w.sent.map((s) => s.read)).toEqual([1, 2]);
    w.sent[1].answer();
    await expect(p2).resolves.toBeUndefined();
    expect(w.delivered).toEqual([2]);
  });

  it("waits for an asynchronous delivery before the next send", async () => {
    let release!: () => void;
    const sent: number[] = [];
    let state = 0;
    const sync = createLatestSync<number>({
      send: async () => (sent.push(state), state),
      deliver: () => new Promise<void>((resolve) => (release = resolve)),
    });
    state = 1;
    const p1 = sync.request();
    await tick();
    state = 2;
    const p2 = sync.request();
    await tick();
    expect(sent).toEqual([1]);
    release();
    await p1;
    await tick();
    expect(sent).toEqual([1, 2]);
    release();
    await p2;
  });
});
