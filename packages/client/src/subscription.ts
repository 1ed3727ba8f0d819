import {
  type DeliveryMode,
  ErrorCode,
  type GapMessage,
  type PresenceInfo,
  type PublicationMessage,
  type StreamPosition,
  type SubscribeMessage,
  type SubscribeResult,
} from "@dashwire/protocol";
import { Emitter, reportError } from "./emitter.js";
import { DashwireClientError } from "./errors.js";
import { Timer } from "./timer.js";
import type { Scheduler } from "./timer.js";

/** Options of `client.subscribe`. */
export interface SubscribeOptions {
  /** `stream` (default): every publication, in order. `latest`: newest value per key, rate-capped. */
  mode?: DeliveryMode;
  /** `latest` mode: at most this many flushes per second. */
  maxRate?: number;
  /** Start with the latest value of every key; also asked again when a resume fails. */
  snapshot?: boolean;
  /** Receive `join`/`leave` events for this topic. */
  presence?: boolean;
  /** Start after this position (e.g. one saved earlier) instead of now. */
  since?: StreamPosition;
  /** Start with the last N publications of history (first subscribe only). */
  last?: number;
}

/** What a data handler gets besides the payload. */
export interface PublicationInfo {
  topic: string;
  epoch: string;
  offset: number;
  key: string | undefined;
  urgent: boolean;
}

/** Publications the server dropped for this client (its queue for us overflowed). */
export interface GapInfo {
  epoch: string;
  from: number;
  to: number;
}

/** Events of one subscription. */
export interface SubscriptionEvents {
  /** The server confirmed the subscription: first time and after every resubscribe; `recovered` says nothing was missed. */
  subscribed: (result: SubscribeResult) => void;
  /** The server dropped publications `[from, to]`; a resubscribe to recover them is already sent. */
  gap: (gap: GapInfo) => void;
  /** The server refused the subscription; fatal errors also end it (state "unsubscribed"). */
  error: (error: DashwireClientError) => void;
  /** A client joined the topic (needs `presence: true`). */
  join: (who: PresenceInfo) => void;
  /** A client left the topic (needs `presence: true`). */
  leave: (who: PresenceInfo) => void;
}

/** Lifecycle of a subscription. */
export type SubscriptionState = "subscribing" | "subscribed" | "unsubscribed";

/** What a subscription needs from its client. */
export interface SubscriptionHost {
  readonly scheduler: Scheduler;
  /** Sends `sub` for this subscription now if connected (else at the next handshake). */
  resubscribe(sub: Subscription): void;
  /** Removes the subscription; with `tellServer`, sends `unsub` when connected. */
  forget(sub: Subscription, tellServer: boolean): void;
  /** Delay before retrying after a transient refusal or an unanswered `sub`. */
  retryDelay(attempt: number): number;
  /** How long a `sub` waits for its answer before it counts as lost (`Timeout`) and is sent again. */
  readonly ackTimeoutMs: number;
}

/**
 * Refusals worth retrying: the server may accept the same subscribe later. `AlreadySubscribed`
 * comes when an earlier `sub` of this topic is still being served there (its answer then goes
 * to an id this subscription no longer waits for): sent again, it is answered once that is done.
 */
const RETRYABLE = new Set<number>([
  ErrorCode.AlreadySubscribed,
  ErrorCode.RateLimited,
  ErrorCode.TooManyPendingAcks,
  ErrorCode.Internal,
  ErrorCode.BrokerUnavailable,
]);

/**
 * One topic subscription. Tracks the last position delivered so the client can resume after a
 * reconnect or a gap, and drops duplicates that an overlapping resume sends again.
 */
export class Subscription<T = unknown> {
  /** Resolves with the first successful subscribe; rejects if the subscription ends before. */
  readonly ready: Promise<SubscribeResult>;
  /** Id of the last `sub` sent, so a stale ack is ignored. @internal */
  pendingId: number | undefined = undefined;
  private readonly events = new Emitter<SubscriptionEvents>();
  private currentState: SubscriptionState = "subscribing";
  private epoch: string | undefined = undefined;
  private offset = 0;
  // After a subscribe that did not recover, the server sends snapshot/history entries with
  // offsets ≤ this value (in key order, not offset order); they are delivered, not deduplicated.
  private snapshotUntil = -1;
  // True between sending `sub` and its ack: messages arriving then are resent after the ack.
  private awaitingAck = false;
  private gapPending = false;
  private retries = 0;
  private readySettled = false;
  private resolveReady!: (result: SubscribeResult) => void;
  private rejectReady!: (error: DashwireClientError) => void;
  private readonly retryTimer: Timer;
  /** Runs while a `sub` awaits its answer: a subscription is never left silently pending. */
  private readonly ackTimer: Timer;

  // Stored with a `never` parameter so `Subscription<T>` fits `Subscription` (T is the payload
  // type the caller sees; the wire delivers unknown data that the schema vouches for).
  private readonly handler: (data: never, pub: PublicationInfo) => void;

  constructor(
    private readonly host: SubscriptionHost,
    /** Topic this subscription is on. */
    readonly topic: string,
    handler: (data: T, pub: PublicationInfo) => void,
    /** Options given to `subscribe`. */
    readonly options: Readonly<SubscribeOptions>,
    /** True when server code made this subscription (`client.join` on the server). */
    readonly serverSide = false,
  ) {
    this.handler = handler;
    this.ready = new Promise<SubscribeResult>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // Callers that never await `ready` must not get an unhandled rejection.
    this.ready.catch(() => {});
    if (options.since !== undefined) {
      this.epoch = options.since.epoch;
      this.offset = options.since.offset;
    }
    this.retryTimer = new Timer(() => this.host.resubscribe(this), host.scheduler);
    this.ackTimer = new Timer(() => this.unanswered(), host.scheduler);
  }

  /** "subscribing" until the server confirms, "subscribed", or "unsubscribed" for good. */
  get state(): SubscriptionState {
    return this.currentState;
  }

  /** Last position delivered (or confirmed by the server); what a resume starts after. */
  get position(): StreamPosition | undefined {
    return this.epoch === undefined ? undefined : { epoch: this.epoch, offset: this.offset };
  }

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof SubscriptionEvents>(event: K, listener: SubscriptionEvents[K]): () => void {
    return this.events.on(event, listener);
  }

  /** Removes a listener. */
  off<K extends keyof SubscriptionEvents>(event: K, listener: SubscriptionEvents[K]): void {
    this.events.off(event, listener);
  }

  /** Stops the subscription; the handler is not called again. */
  unsubscribe(): void {
    if (this.currentState === "unsubscribed") return;
    this.end(
      new DashwireClientError(ErrorCode.NotSubscribed, `unsubscribed from ${this.topic} before it was ready`),
      false,
    );
    this.host.forget(this, true);
  }

  /** The `sub` message for (re)subscribing: resumes after `position` when there is one. @internal */
  subscribeMessage(id: number): SubscribeMessage {
    const o = this.options;
    const m: SubscribeMessage = { t: "sub", id, topic: this.topic };
    if (o.mode !== undefined) m.mode = o.mode;
    if (o.maxRate !== undefined) m.maxRate = o.maxRate;
    if (o.snapshot) m.snapshot = true;
    if (o.presence) m.presence = true;
    if (this.epoch !== undefined) m.since = { epoch: this.epoch, offset: this.offset };
    else if (o.last !== undefined) m.last = o.last;
    this.pendingId = id;
    this.awaitingAck = true;
    this.ackTimer.start(this.host.ackTimeoutMs);
    return m;
  }

  /** The transport went away: a new `sub` will be sent after the next handshake. @internal */
  transportLost(): void {
    this.pendingId = undefined;
    this.awaitingAck = false;
    this.gapPending = false;
    this.retryTimer.stop();
    this.ackTimer.stop();
    if (this.currentState === "subscribed") this.currentState = "subscribing";
  }

  /** The server accepted a `sub`. @internal */
  acked(result: SubscribeResult): void {
    this.pendingId = undefined;
    this.awaitingAck = false;
    this.retries = 0;
    this.ackTimer.stop();
    this.retryTimer.stop();
    this.currentState = "subscribed";
    if (!(result.recovered && this.epoch === result.epoch)) {
      // Fresh start or failed resume: everything up to result.offset comes (if at all) as
      // snapshot/history; what follows is live.
      this.epoch = result.epoch;
      this.offset = result.offset;
      this.snapshotUntil = result.offset;
    } else this.snapshotUntil = -1;
    if (!this.readySettled) {
      this.readySettled = true;
      this.resolveReady(result);
    }
    this.events.emit("subscribed", result);
    if (this.gapPending) {
      this.gapPending = false;
      this.host.resubscribe(this);
    }
  }

  /** The server refused a `sub`. @internal */
  refused(error: DashwireClientError): void {
    this.pendingId = undefined;
    this.awaitingAck = false;
    this.ackTimer.stop();
    if (RETRYABLE.has(error.code)) {
      this.events.emit("error", error);
      this.retryTimer.start(this.host.retryDelay(this.retries++));
      return;
    }
    this.end(error, true);
    this.host.forget(this, false);
  }

  /** Ends the subscription without telling the server (client closed, or refused). @internal */
  end(error: DashwireClientError, report: boolean): void {
    if (this.currentState === "unsubscribed") return;
    this.currentState = "unsubscribed";
    this.retryTimer.stop();
    this.ackTimer.stop();
    if (!this.readySettled) {
      this.readySettled = true;
      this.rejectReady(error);
    }
    if (report) this.events.emit("error", error);
  }

  /**
   * The `sub` sent got no answer within `ackTimeoutMs`: reported (`Timeout`) and sent again
   * with the retry backoff. A late answer to it still counts until the next one is sent.
   */
  private unanswered(): void {
    if (this.currentState === "unsubscribed" || !this.awaitingAck) return;
    const ms = this.host.ackTimeoutMs;
    this.events.emit(
      "error",
      new DashwireClientError(ErrorCode.Timeout, `no answer to subscribe ${this.topic} in ${ms} ms`),
    );
    this.retryTimer.start(this.host.retryDelay(this.retries++));
  }

  /** One publication for this topic: deduplicated, then handed to the handler. @internal */
  deliver(m: PublicationMessage): void {
    if (this.awaitingAck || this.currentState === "unsubscribed") return;
    if (this.epoch !== m.e) {
      // New epoch: the topic's history restarted, offsets from before mean nothing.
      this.epoch = m.e;
      this.offset = m.o;
      this.snapshotUntil = -1;
    } else if (m.o > this.offset + 1 && this.options.mode !== "latest") {
      // A stream skipped offsets: something was lost on the way (a response lost in flight, a
      // broker hiccup). Recover like a server `gap`: resume from the last offset delivered.
      this.gap({ t: "gap", topic: this.topic, epoch: m.e, from: this.offset + 1, to: m.o - 1 });
      return;
    } else if (m.o > this.offset) {
      this.offset = m.o;
      if (this.options.mode !== "latest") this.snapshotUntil = -1;
    } else if (m.o > this.snapshotUntil && this.options.mode !== "latest") {
      // Already delivered (an overlapping resume sent it again). `latest` mode is exempt: its
      // flushes carry one value per key, not in offset order, and a repeat is harmless there.
      return;
    }
    // This client's own publication to all but the sender: its offset counts, it is not delivered.
    if (m.s === 1) return;
    const pub: PublicationInfo = { topic: this.topic, epoch: m.e, offset: m.o, key: m.k, urgent: m.u === 1 };
    try {
      this.handler(m.d as never, pub);
    } catch (error) {
      reportError(error);
    }
  }

  /** The server dropped publications for us: resume from the last one delivered. @internal */
  gap(m: GapMessage): void {
    if (this.currentState === "unsubscribed") return;
    this.events.emit("gap", { epoch: m.epoch, from: m.from, to: m.to });
    // A resubscribe in flight resumes from an older position already; resend after its ack.
    if (this.awaitingAck) this.gapPending = true;
    else this.host.resubscribe(this);
  }

  /** Presence change on this topic. @internal */
  presence(kind: "join" | "leave", who: PresenceInfo): void {
    if (this.currentState !== "unsubscribed") this.events.emit(kind, who);
  }
}
