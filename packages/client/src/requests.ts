import { ErrorCode, type Frame } from "@dashwire/protocol";
import { DashwireClientError } from "./errors.js";
import type { Scheduler } from "./timer.js";

/** Where requests go: the client while its transport is up. */
export interface RequestSink {
  /** True when a handshake completed and frames can be sent. */
  ready: boolean;
  /** Queues one encoded message on the transport; false when it is too large to send. */
  send(part: Frame): boolean;
}

interface PendingRequest {
  id: number;
  part: Frame;
  resolve: (value: unknown) => void;
  reject: (error: DashwireClientError) => void;
  timer: unknown;
}

/**
 * Requests that expect an `ack` (emit, publish, presence, refresh). Two bounded maps:
 * - `queued`: sent while disconnected or behind other queued ones, in call order, at most
 *   `maxBuffered` (past it: `BufferFull`); sent when the handshake completes.
 * - `inflight`: sent, awaiting the ack, at most the server's `maxPendingAcks` (a new request past
 *   it: `TooManyPendingAcks`; queued ones wait for room).
 * Every request has a timeout from the moment it is made, queued or not (phoenix `push` habit):
 * a request never outlives what its caller was promised.
 */
export class RequestTracker {
  /** Server's `limits.maxPendingAcks`; unbounded until the server says (nothing is in flight then). */
  maxPendingAcks = Number.POSITIVE_INFINITY;
  private readonly queued = new Map<number, PendingRequest>();
  private readonly inflight = new Map<number, PendingRequest>();

  constructor(
    private readonly sink: RequestSink,
    private readonly scheduler: Scheduler,
    private readonly maxBuffered: number,
  ) {}

  /** Requests waiting to be sent. */
  get bufferedCount(): number {
    return this.queued.size;
  }

  /** Sends (or queues) one encoded request with id `id`; resolves with the ack's data. */
  request(id: number, part: Frame, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const direct = this.sink.ready && this.queued.size === 0;
      if (direct && this.inflight.size >= this.maxPendingAcks) {
        reject(new DashwireClientError(ErrorCode.TooManyPendingAcks, `more than ${this.maxPendingAcks} acks pending`));
        return;
      }
      if (!direct && this.queued.size >= this.maxBuffered) {
        reject(new DashwireClientError(ErrorCode.BufferFull, `more than ${this.maxBuffered} sends buffered`));
        return;
      }
      const req: PendingRequest = { id, part, resolve, reject, timer: undefined };
      req.timer = this.scheduler.setTimeout(() => this.expire(req, timeoutMs), timeoutMs);
      if (direct) this.transmit(req);
      else this.queued.set(id, req);
    });
  }

  /** Settles the request `id` from an ack or an `err`; false when no request has that id. */
  settle(id: number, data: unknown, error?: { code: number; message: string; details?: unknown }): boolean {
    const req = this.inflight.get(id);
    if (req === undefined) return false;
    this.inflight.delete(id);
    this.scheduler.clearTimeout(req.timer);
    if (error === undefined) req.resolve(data);
    else req.reject(new DashwireClientError(error.code, error.message, error.details));
    this.drain();
    return true;
  }

  /** Sends queued requests, in order, while the sink is ready and in-flight room remains. */
  drain(): void {
    for (const req of this.queued.values()) {
      if (!this.sink.ready || this.inflight.size >= this.maxPendingAcks) return;
      this.queued.delete(req.id);
      this.transmit(req);
    }
  }

  /** Rejects requests already sent: their replies cannot arrive on another transport. */
  failInflight(error: DashwireClientError): void {
    for (const req of this.inflight.values()) this.fail(req, error);
    this.inflight.clear();
  }

  /** Rejects every request, sent or queued (permanent close). */
  failAll(error: DashwireClientError): void {
    this.failInflight(error);
    for (const req of this.queued.values()) this.fail(req, error);
    this.queued.clear();
  }

  private transmit(req: PendingRequest): void {
    if (!this.sink.send(req.part)) {
      this.fail(
        req,
        new DashwireClientError(ErrorCode.PayloadTooLarge, "message larger than the server's frame limit"),
      );
      return;
    }
    this.inflight.set(req.id, req);
  }

  private fail(req: PendingRequest, error: DashwireClientError): void {
    this.scheduler.clearTimeout(req.timer);
    req.reject(error);
  }

  private expire(req: PendingRequest, timeoutMs: number): void {
    // A queued request that times out is never sent: its caller has already been told it failed.
    if (!this.queued.delete(req.id) && !this.inflight.delete(req.id)) return;
    req.reject(new DashwireClientError(ErrorCode.Timeout, `no reply within ${timeoutMs} ms`));
    this.drain();
  }
}
