import { ErrorCode, type WireError } from "@dashwire/protocol";
import { DashwireError } from "./errors.js";

/** Options of `client.emitWithAck`. */
export interface EmitWithAckOptions {
  /** Give up after this many ms (rejects with `Timeout`, 4002); default 10,000. */
  timeoutMs?: number;
  /** Namespace of the event; the default namespace when absent. */
  ns?: string;
}

/** Default `emitWithAck` timeout, ms. */
export const EMIT_WITH_ACK_TIMEOUT_MS = 10_000;

interface Ask {
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * One connection's server → client requests (`client.emitWithAck`, issue 19): the event goes
 * out with an `id`, the client's handler answers with an `ack` of that id. At most `limit` wait
 * at a time (past it a new one rejects at once with `TooManyPendingAcks`); each rejects with
 * `Timeout` after its timeout, and all reject with `Disconnected` when the connection closes.
 */
export class ServerRequests {
  private readonly asks = new Map<number, Ask>();
  private lastId = 0;
  private closed = false;

  constructor(private readonly limit: number) {}

  /** Requests in flight. */
  get size(): number {
    return this.asks.size;
  }

  /**
   * Starts a request: `send` gets its id and sends the event (a throw from it rejects the
   * promise). Resolves with the client's answer.
   */
  ask(send: (id: number) => void, timeoutMs: number): Promise<unknown> {
    if (this.closed) return Promise.reject(new DashwireError(ErrorCode.Disconnected, "the client is not connected"));
    if (this.asks.size >= this.limit)
      return Promise.reject(
        new DashwireError(ErrorCode.TooManyPendingAcks, `at most ${this.limit} requests to one client in flight`),
      );
    const id = ++this.lastId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(expire, timeoutMs, this, id);
      this.asks.set(id, { resolve, reject, timer });
      try {
        send(id);
      } catch (err) {
        this.settle(id, undefined, err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** The client's `ack`: settles its request; false when none waits under that id (late, or never asked). */
  answer(id: number, data: unknown, error: WireError | undefined): boolean {
    const failure = error === undefined ? undefined : new DashwireError(error.code, error.message, error.details);
    return this.settle(id, data, failure);
  }

  /** Gives up on one request (its timeout). */
  expire(id: number): void {
    this.settle(id, undefined, new DashwireError(ErrorCode.Timeout, "the client did not answer in time"));
  }

  /** The connection closed: every request in flight rejects with `Disconnected`, new ones at once. */
  close(): void {
    this.closed = true;
    for (const id of [...this.asks.keys()])
      this.settle(id, undefined, new DashwireError(ErrorCode.Disconnected, "the client disconnected before answering"));
  }

  private settle(id: number, data: unknown, err: Error | undefined): boolean {
    const ask = this.asks.get(id);
    if (ask === undefined) return false;
    this.asks.delete(id);
    clearTimeout(ask.timer);
    if (err === undefined) ask.resolve(data);
    else ask.reject(err);
    return true;
  }
}

/** Shared timer callback: no closure per request. */
function expire(requests: ServerRequests, id: number): void {
  requests.expire(id);
}
