import {
  type Codec,
  ErrorCode,
  type Frame,
  MAX_ERROR_MESSAGE_BYTES,
  truncateUtf8,
  type WireError,
} from "@dashwire/protocol";
import type { Logger } from "pino";
import type { Flushable, Flusher } from "./flusher.js";
import type { ServerStats } from "./stats.js";

/** The session side of an outbound queue. */
export interface QueueOwner {
  /** The session id (for the log). */
  readonly id: string;
  /** Writes one frame to the transport; false when it is congested (wait for `drained`). */
  write(frame: Frame): boolean;
  /** The codec the owner's connection speaks (joins the parts into a frame). */
  readonly codec: Codec;
  /** Control replies piled past the hard cap: the owner closes its connection (4006). */
  overflow(): void;
  /** A throw while flushing: the owner closes its connection (1011). */
  fail(err: unknown): void;
}

/** What every queue of a server shares. */
export interface QueueHost {
  readonly flusher: Flusher;
  readonly stats: ServerStats;
  readonly logger: Logger;
  readonly options: { readonly limits: { readonly queueBytes: number } };
}

/** A subscription owing its client a `gap` notice. */
export interface GapOwer {
  sendGap(): void;
}

/**
 * One connection's outbound queue with a byte limit (and the encoding of its replies): everything queued within an event-loop
 * turn is written as one frame by the flusher (decision 2). Stream publications are bounded by
 * `limits.queueBytes` (past it the caller records a gap, decision 3); control messages by twice
 * that, past which the connection is closed rather than allowed to grow.
 */
export class OutboundQueue implements Flushable {
  private readonly parts: Frame[] = [];
  /** Bytes queued and not yet handed to the transport. */
  private queued = 0;
  /** The part of `queued` that is stream publications (what `limits.queueBytes` bounds). */
  private streamBytes = 0;
  private dirty = false;
  private canWrite = true;
  /** When the transport last refused more (ms), while it still does; 0 while writable. */
  private congestedAt = 0;
  private closed = false;
  /** Stream subscriptions that dropped publications and owe the client a `gap` notice. */
  private gapped: GapOwer[] | undefined = undefined;

  constructor(
    private readonly owner: QueueOwner,
    private readonly host: QueueHost,
  ) {}

  /** Bytes queued and not yet handed to the transport. */
  get queuedBytes(): number {
    return this.queued;
  }

  /** False while the transport is congested. */
  get writable(): boolean {
    return this.canWrite;
  }

  /** How long the transport has refused more, ms (0 while writable): how far this client lags. */
  get congestedMs(): number {
    return this.canWrite ? 0 : Date.now() - this.congestedAt;
  }

  /**
   * Queues an encoded stream publication. Returns false, queueing nothing, when the queue is at
   * its byte limit: the caller then records a gap (decision 3). A publication larger than the
   * whole limit is taken when no other stream publication is queued, and goes out alone:
   * refused, it would come back as gap, resume, gap… for ever (issue 12 item 3).
   */
  enqueue(part: Frame): boolean {
    if (this.queued + part.length > this.host.options.limits.queueBytes && this.streamBytes > 0) return false;
    this.push(part);
    this.streamBytes += part.length;
    return true;
  }

  /** Queues an encoded message regardless of the stream limit (control messages, replays). */
  push(part: Frame): void {
    if (this.closed) return;
    if (this.queued - this.streamBytes > this.host.options.limits.queueBytes * 2) {
      // Hard cap: control replies pile up only for a client that reads nothing while it keeps
      // sending. It is closed rather than allowed to grow. (Stream publications do not count:
      // they have their own limit, and one oversize publication may exceed it alone.)
      this.host.stats.limit("queueHardCap");
      this.closed = true;
      this.owner.overflow();
      return;
    }
    this.parts.push(part);
    this.queued += part.length;
    this.host.stats.messagesOut++;
    this.schedule();
  }

  /** Encodes and queues one message. */
  send(message: unknown): void {
    this.push(this.owner.codec.encode(message));
  }

  /**
   * Replies to a message that carried an id. Reply data comes from application code: when it
   * cannot be encoded (a BigInt, a cycle), the client gets `Internal` instead and the log says why.
   */
  reply(id: number | undefined, data: unknown): void {
    if (id === undefined) return;
    let part: Frame;
    try {
      part = this.owner.codec.encode(data === undefined ? { t: "ack", id } : { t: "ack", id, data });
    } catch (err) {
      this.host.logger.error({ err, session: this.owner.id }, "reply could not be encoded");
      this.replyError(id, { code: ErrorCode.Internal, message: "internal error" });
      return;
    }
    this.push(part);
  }

  /**
   * Replies with a coded error: an `ack` when the message had an id, an `err` otherwise. The
   * message is cut to `MAX_ERROR_MESSAGE_BYTES` (it may quote client input or app text).
   */
  replyError(id: number | undefined, error: WireError): void {
    this.host.stats.error(error.code);
    const message = truncateUtf8(error.message, MAX_ERROR_MESSAGE_BYTES);
    if (id === undefined) this.send({ t: "err", code: error.code, message });
    else if (message === error.message) this.send({ t: "ack", id, error });
    else this.send({ t: "ack", id, error: { ...error, message } });
  }

  /** Puts a message before everything queued (a takeover's `connected` goes first). */
  pushFirst(part: Frame): void {
    if (this.closed) return;
    this.parts.unshift(part);
    this.queued += part.length;
    this.host.stats.messagesOut++;
    this.schedule();
  }

  /** Marks a stream subscription as owing a gap notice. */
  addGap(sub: GapOwer): void {
    (this.gapped ??= []).push(sub);
    this.schedule();
  }

  private schedule(): void {
    if (this.dirty) return;
    this.dirty = true;
    this.host.flusher.schedule(this);
  }

  /**
   * Writes everything queued as one frame (called by the flusher once per turn). Owed `gap`
   * notices are queued once everything before them is written and the transport still takes
   * more (else at its drain): they go out in the next turn's frame, and the client's resume
   * finds an empty queue.
   */
  flush(): void {
    this.dirty = false;
    if (!this.canWrite) return;
    const parts = this.parts;
    if (parts.length > 0) {
      const frame = this.host.flusher.frame(parts, this.owner.codec);
      parts.length = 0;
      this.queued = 0;
      this.streamBytes = 0;
      const stats = this.host.stats;
      stats.framesOut++;
      stats.bytesOut += frame.length;
      this.canWrite = this.owner.write(frame);
      if (!this.canWrite) this.congestedAt = Date.now();
    }
    // Checked after the write, not before: a gap held back "until the queue drains" waited for
    // a flush nothing scheduled when that write left the transport writable, and the
    // subscription stayed silent for good (issue 12 item 2).
    if (this.gapped !== undefined && this.canWrite && !this.closed) {
      const subs = this.gapped;
      this.gapped = undefined;
      for (const sub of subs) sub.sendGap();
    }
  }

  /** The transport takes frames again (or a new one does): writes what waited. */
  drained(): void {
    this.canWrite = true;
    this.flush();
  }

  /** A throw while flushing: the owner closes its connection. */
  fail(err: unknown): void {
    this.owner.fail(err);
  }

  /** Takes nothing more, drops what waits (the connection closed). */
  close(): void {
    this.closed = true;
    this.parts.length = 0;
    this.queued = 0;
    this.streamBytes = 0;
    this.gapped = undefined;
  }
}
