import type { Codec, Frame } from "@dashwire/protocol";
import type { HistoryResult, Publication } from "./broker/broker.js";
import type { PublicationEncoder } from "./parts-by-codec.js";
import type { ServerStats } from "./stats.js";

/** Waiting for history: live publications are held and merged after it. */
const PENDING = 0;
/** Delivering. */
const LIVE = 1;
/** Dropping (queue overflow); a `gap` notice is owed. */
const GAPPED = 2;
/** Gap announced; dropping until the client resumes with `since`. */
const PAUSED = 3;

/** Live publications held per subscription while history is read. Past it: a gap. */
const MAX_HELD = 10_000;
/** Own publications (`client.broadcast`) awaited per subscription; past it the oldest is forgotten. */
const MAX_OWN = 64;

/** A publication this subscriber sent itself to all but the sender, until it is delivered. */
export interface OwnPublication {
  /** Its data (known at publish): matches it when it arrives before `broker.publish` resolved. */
  readonly data: string;
  /** Its position, once `broker.publish` resolved (offset -1 until then). */
  epoch: string;
  offset: number;
}

/** Keys held per `latest` subscription between flushes. Past it the stalest key goes. */
const MAX_LATEST_KEYS = 10_000;

/** What a subscription needs from the session it belongs to (a `Session` is one). */
export interface Subscriber {
  /** Session id (presence notices skip their own client). */
  readonly id: string;
  readonly isOpen: boolean;
  /** False while the transport is congested. */
  readonly writable: boolean;
  /** Bytes queued and not yet handed to the transport. */
  readonly queuedBytes: number;
  readonly stats: ServerStats;
  /** One stream publication was dropped for this client (queue overflow; a gap follows). */
  dropped(): void;
  /** The codec this client's connection speaks. */
  readonly codec: Codec;
  /** Queues a stream publication; false (nothing queued) at the queue's byte limit. */
  enqueue(part: Frame): boolean;
  /** Queues a message regardless of the stream limit. */
  push(part: Frame): void;
  /** Encodes and queues a message. */
  send(message: unknown): void;
  /** `sub` owes the client a `gap` notice (sent once the queue drains). */
  addGap(sub: Subscription): void;
  /** A gap notice went out (for `server.events` "gap"). */
  reportGap(topic: string, from: number, to: number): void;
  /** A throw while serving this client: its connection closes with 1011. */
  fail(err: unknown): void;
}

/**
 * One client's subscription to one topic, in `stream` or `latest` mode. Owns its state machine:
 * PENDING (history being read, live publications held) → LIVE → GAPPED (queue overflow, a gap
 * notice owed) → PAUSED (notice sent, dropping until the client resumes) → PENDING again. The hub
 * moves it only through the methods below.
 */
export class Subscription {
  private state = PENDING;
  /** Epoch and offset of the last publication handed to the session. */
  private epoch = "";
  private offset = 0;
  /** Live publications held while PENDING. */
  private held: Publication[] | undefined = [];
  /** First and last offset dropped while GAPPED. */
  private gapFrom = 0;
  private gapTo = 0;
  /** `latest` mode: newest encoded publication per key, awaiting the next flush. */
  private latest: Map<string, Frame> | undefined = undefined;
  private timer: NodeJS.Timeout | undefined = undefined;
  private lastFlush = 0;
  private ended = false;
  /** This client's own publications to skip (`client.broadcast`), created on the first. */
  private own: OwnPublication[] | undefined = undefined;

  constructor(
    readonly session: Subscriber,
    readonly topic: string,
    /** True for `latest` mode. */
    readonly conflate: boolean,
    /** `latest` mode: minimum ms between flushes. */
    readonly intervalMs: number,
    /** Receives join/leave messages. */
    readonly presence: boolean,
  ) {}

  /** True while history is being read (a second `sub` for the topic is refused then). */
  get pending(): boolean {
    return this.state === PENDING;
  }

  /** True once the subscription ended (unsubscribed, or its session closed). */
  get isEnded(): boolean {
    return this.ended;
  }

  /** A resume (`sub` again, after a gap or a reconnect): live publications are held until `goLive`. */
  pend(): void {
    this.state = PENDING;
    this.held = [];
  }

  /**
   * Holds a live `latest` subscription while its snapshot is read again (after a broker link
   * loss); false when it is not live. `cancelPend` returns it to live if the read fails.
   */
  pendIfLive(): boolean {
    if (this.state !== LIVE) return false;
    this.pend();
    return true;
  }

  /** The read started by `pendIfLive` failed: live again, as before. */
  cancelPend(): void {
    if (this.state !== PENDING) return;
    this.held = undefined;
    this.state = LIVE;
  }

  /**
   * History arrived (`result`, already acknowledged to the client): sends the replay or the
   * snapshot, then the publications held meanwhile that are newer, and goes live. A replay goes
   * through the bounded queue like live traffic: what does not fit becomes a gap, and the client
   * resumes again from there (catch-up in queue-sized steps).
   */
  goLive(result: HistoryResult, encode: PublicationEncoder): void {
    const session = this.session;
    const codec = session.codec;
    this.epoch = result.epoch;
    const held = this.held ?? [];
    if (result.recovered) {
      for (const pub of result.publications) {
        const part = encode(pub, codec);
        if (this.conflate) session.push(part);
        else if (!session.enqueue(part)) {
          this.overflow(pub.offset, Math.max(result.offset, held.at(-1)?.offset ?? 0));
          return;
        }
      }
    } else {
      // A snapshot: at most `latest.maxKeys` values, sent whole.
      for (const pub of result.publications) session.push(encode(pub, codec));
    }
    // Everything up to the position read is delivered (replay) or superseded (snapshot), in
    // this epoch; offsets of an earlier epoch mean nothing here.
    const last = result.offset;
    this.offset = last;
    const wasGapped = this.state === GAPPED;
    this.held = undefined;
    this.state = LIVE;
    for (const pub of held) {
      if (pub.epoch === result.epoch && pub.offset <= last) continue;
      this.deliver(pub, encode(pub, codec));
    }
    // Held too many while reading history: announce the gap now; the client resumes again.
    if (wasGapped) {
      this.state = GAPPED;
      session.addGap(this);
    }
  }

  /**
   * This node may have missed publications (a skipped offset, a broker link loss): a live stream
   * subscription owes a gap from its next offset, so its client resumes from history.
   */
  missed(): void {
    if (this.state !== LIVE || this.conflate) return;
    this.state = GAPPED;
    this.gapFrom = this.offset + 1;
    this.gapTo = this.offset + 1;
    this.session.addGap(this);
  }

  /** This client publishes `data` to all but itself: its copy will be skipped. */
  expectOwn(data: string): OwnPublication {
    const own: OwnPublication = { data, epoch: "", offset: -1 };
    const list = (this.own ??= []);
    list.push(own);
    if (list.length > MAX_OWN) list.shift();
    return own;
  }

  /** The broker stored `own` at `pub`'s position: from now on it is recognised by that. */
  ownPublished(own: OwnPublication, pub: Publication): void {
    own.epoch = pub.epoch;
    own.offset = pub.offset;
  }

  /** The publish of `own` failed: nothing to skip. */
  forgetOwn(own: OwnPublication): void {
    const i = this.own?.indexOf(own) ?? -1;
    if (i >= 0) this.own?.splice(i, 1);
  }

  /**
   * True (and forgotten) when `pub` is one of this client's own: by position once known, by
   * data before (the copy may arrive before `broker.publish` resolves).
   */
  private takeOwn(pub: Publication): boolean {
    const list = this.own as OwnPublication[];
    for (let i = 0; i < list.length; i++) {
      const own = list[i] as OwnPublication;
      if (own.offset < 0 ? own.data === pub.data : own.offset === pub.offset && own.epoch === pub.epoch) {
        list.splice(i, 1);
        return true;
      }
    }
    return false;
  }

  /** Hands one live publication, already encoded once for all subscribers, to this client. */
  deliver(pub: Publication, part: Frame): void {
    const state = this.state;
    if (state === LIVE && this.own !== undefined && this.own.length > 0 && this.takeOwn(pub)) {
      // The client's own: a `stream` client gets a marker (`s: 1`, no data) so its offsets stay
      // contiguous and it sees no gap; a `latest` one gets nothing.
      if (this.conflate || (pub.offset <= this.offset && pub.epoch === this.epoch)) return;
      this.session.send({ t: "msg", c: this.topic, e: pub.epoch, o: pub.offset, s: 1 });
      this.offset = pub.offset;
      this.epoch = pub.epoch;
      return;
    }
    if (state === LIVE) {
      if (this.conflate) this.deliverLatest(pub, part);
      // Already sent by the history read that made this subscription live: a broker may hand
      // the live copy over after that read returned (Redis pub/sub and stream reads race).
      else if (pub.offset <= this.offset && pub.epoch === this.epoch) return;
      else if (this.session.enqueue(part)) {
        this.offset = pub.offset;
        this.epoch = pub.epoch;
      } else this.overflow(pub.offset, pub.offset);
    } else if (state === PENDING) {
      const held = this.held as Publication[];
      if (held.length < MAX_HELD) held.push(pub);
      else if (!this.conflate) {
        // History is taking too long to arrive: give up holding and announce the gap instead.
        this.held = undefined;
        this.state = GAPPED;
        this.gapFrom = (held[0] as Publication).offset;
        this.gapTo = pub.offset;
      }
    } else if (state === GAPPED) {
      this.gapTo = pub.offset;
      this.session.dropped();
    }
  }

  /** The queue is full: publications `from`..`to` are dropped and a gap notice is owed. */
  private overflow(from: number, to: number): void {
    this.held = undefined;
    this.state = GAPPED;
    this.gapFrom = from;
    this.gapTo = to;
    this.session.dropped();
    this.session.addGap(this);
  }

  /** Sends the owed `gap` notice; the client resumes with `since` (see `Hub.subscribe`). */
  sendGap(): void {
    if (this.state !== GAPPED) return;
    this.state = PAUSED;
    this.session.stats.gaps++;
    this.session.send({ t: "gap", topic: this.topic, epoch: this.epoch, from: this.gapFrom, to: this.gapTo });
    this.session.reportGap(this.topic, this.gapFrom, this.gapTo);
  }

  private deliverLatest(pub: Publication, part: Frame): void {
    if (pub.urgent) {
      this.session.push(part);
      return;
    }
    const key = pub.key ?? "";
    const latest = (this.latest ??= new Map());
    if (latest.has(key)) {
      this.session.stats.conflated++;
      latest.delete(key);
    } else if (latest.size >= MAX_LATEST_KEYS) {
      latest.delete(latest.keys().next().value as string);
      this.session.stats.conflated++;
    }
    latest.set(key, part);
    this.offset = pub.offset;
    if (this.timer === undefined) {
      const wait = Math.max(0, this.lastFlush + this.intervalMs - Date.now());
      this.timer = setTimeout(flushLatestOf, wait, this);
    }
  }

  /** Sends the conflated latest values (from the timer; see `flushLatestOf`). */
  flushLatest(): void {
    this.timer = undefined;
    const latest = this.latest;
    if (latest === undefined || latest.size === 0) return;
    const session = this.session;
    if (!session.writable) {
      // Behind: keep conflating and try again a period later (a slow client sees fresh values).
      this.timer = setTimeout(flushLatestOf, this.intervalMs, this);
      return;
    }
    for (const part of latest.values()) session.push(part);
    latest.clear();
    this.lastFlush = Date.now();
  }

  /** Ends the subscription: stops timers, drops what it held. */
  dispose(): void {
    this.ended = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.latest = undefined;
    this.held = undefined;
  }
}

/** Shared timer callback: no closure per subscription (idle memory per connection is a target). */
function flushLatestOf(sub: Subscription): void {
  try {
    sub.flushLatest();
  } catch (err) {
    sub.session.fail(err);
  }
}
