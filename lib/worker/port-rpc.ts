/**
 * Calls between two workers over a MessagePort (a `MessageChannel` the page made and handed one end to each): the
 * same request / reply envelope as lib/worker/rpc.ts, without progress or liveness (the page watches both workers
 * and links fresh ones after a crash, see {@link PortClient.close}). Buffers listed in `transfer` move, not copy.
 */
import { HandlerError, WorkerCallError, type Api, type Handlers } from "./rpc";

/** What both ends need of a port (a DOM `MessagePort`, or Node's, in tests). */
export interface PortLike {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  start?(): void;
  close?(): void;
}

type PortRequest = { kind: "call"; id: number; type: string; args: unknown };
type PortReply =
  | { kind: "result"; id: number; data: unknown }
  | { kind: "error"; id: number; message: string; code?: string; detail?: unknown };

/** Error code of calls left pending on a link that was closed (its peer restarted, or a new link replaced it). */
export const LINK_CLOSED = "link-closed";

/** Answers calls arriving on `port` with `handlers` (their `ctx.progress` does nothing: a link has no progress). */
export function servePort<A extends Api>(port: PortLike, handlers: Handlers<A>): void {
  port.addEventListener("message", async (event: MessageEvent) => {
    const msg = event.data as PortRequest;
    if (msg?.kind !== "call") return;
    const handler = handlers[msg.type as keyof A];
    const ctx = { progress: () => {}, transfer: [] as Transferable[] };
    let reply: PortReply;
    try {
      if (!handler) throw new HandlerError(`unknown request type "${msg.type}"`, "bad-request");
      reply = { kind: "result", id: msg.id, data: await handler(msg.args as never, ctx) };
    } catch (err) {
      const e = err as { message?: string; code?: string; detail?: unknown };
      reply = { kind: "error", id: msg.id, message: e?.message ?? String(err), code: e?.code, detail: e?.detail };
      ctx.transfer = [];
    }
    port.postMessage(reply, ctx.transfer);
  });
  port.start?.();
}

/** The calling end of a link. */
export interface PortClient<A extends Api> {
  call<K extends keyof A & string>(type: K, args: A[K]["args"], transfer?: Transferable[]): Promise<A[K]["result"]>;
  /** Closes the port; calls still pending (and any made later) reject with code {@link LINK_CLOSED} and `reason`. */
  close(reason: string): void;
  readonly closed: boolean;
}

/** Makes the calling end of a link over `port`. */
export function portClient<A extends Api>(port: PortLike): PortClient<A> {
  let nextId = 1;
  let closedReason: string | null = null;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  port.addEventListener("message", (event: MessageEvent) => {
    const msg = event.data as PortReply;
    const p = pending.get(msg?.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.kind === "result") p.resolve(msg.data);
    else p.reject(new WorkerCallError(msg.message, msg.code, msg.detail));
  });
  port.start?.();
  return {
    call(type, args, transfer = []) {
      if (closedReason !== null) return Promise.reject(new WorkerCallError(closedReason, LINK_CLOSED));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        port.postMessage({ kind: "call", id, type, args } satisfies PortRequest, transfer);
      });
    },
    close(reason) {
      if (closedReason !== null) return;
      closedReason = reason;
      port.close?.();
      const all = [...pending.values()];
      pending.clear();
      for (const p of all) p.reject(new WorkerCallError(reason, LINK_CLOSED));
    },
    get closed() {
      return closedReason !== null;
    },
  };
}
