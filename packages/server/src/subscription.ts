import type { Publication } from "./broker/broker.js";
import type { Session } from "./session.js";
import type { TopicEntry } from "./topic-entry.js";

/** Waiting for history: live publications are held and merged after it. */
export const PENDING = 0;
/** Delivering. */
export const LIVE = 1;
/** Dropping (queue overflow); a `gap` notice is owed. */
export const GAPPED = 2;
/** Gap announced; dropping until the client resumes with `since`. */
export const PAUSED = 3;

/** Live publications held per subscription while history is read. Past it: a gap. */
const MAX_HELD = 10_000;
/** Keys held per `latest` subscription between flushes. Past it the stalest key goes. */
const MAX_LATEST_KEYS = 10_000;

/** One client's subscription to one topic, in `stream` or `latest` mode. */
export class Subscription {
  state = PENDING;
  /** Epoch and offset of the last publication handed to the session. */
  epoch = "";
  offset = 0;
  /** Live publications held while PENDING. */
  held: Publication[] | undefined = [];
  /** First and last offset dropped while GAPPED. */
  gapFrom = 0;
  gapTo = 0;
  /** `latest` mode: newest encoded publication per key, awaiting the next flush. */
  private latest: Map<string, string> | undefined = undefined;
  private timer: NodeJS.Timeout | undefined = undefined;
  private lastFlush = 0;

  constructor(
    readonly session: Session,
    readonly entry: TopicEntry,
    /** True for `latest` mode. */
    readonly conflate: boolean,
    /** `latest` mode: minimum ms between flushes. */
    readonly intervalMs: number,
    /** Receives join/leave messages. */
    readonly presence: boolean,
  ) {}

  /** Hands one live publication, already encoded once for all subscribers, to this client. */
  deliver(pub: Publication, part: string): void {
    const state = this.state;
    if (state === LIVE) {
      if (this.conflate) this.deliverLatest(pub, part);
      // Already sent by the history read that made this subscription live: a broker may hand
      // the live copy over after that read returned (Redis pub/sub and stream reads race).
      else if (pub.offset <= this.offset && pub.epoch === this.epoch) return;
      else if (this.session.enqueue(part)) {
        this.offset = pub.offset;
        this.epoch = pub.epoch;
      } else this.startGap(pub.offset);
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
      this.session.core.stats.dropsStream++;
    }
  }

  private startGap(offset: number): void {
    this.state = GAPPED;
    this.gapFrom = offset;
    this.gapTo = offset;
    this.session.core.stats.dropsStream++;
    this.session.addGap(this);
  }

  /** Sends the owed `gap` notice; the client resumes with `since` (see `Hub.subscribe`). */
  sendGap(): void {
    if (this.state !== GAPPED) return;
    this.state = PAUSED;
    this.session.core.stats.gaps++;
    this.session.send({ t: "gap", topic: this.entry.topic, epoch: this.epoch, from: this.gapFrom, to: this.gapTo });
    this.session.core.reportGap(this.session, this.entry.topic, this.gapFrom, this.gapTo);
  }

  private deliverLatest(pub: Publication, part: string): void {
    if (pub.urgent) {
      this.session.push(part);
      return;
    }
    const key = pub.key ?? "";
    const latest = (this.latest ??= new Map());
    if (latest.has(key)) {
      this.session.core.stats.conflated++;
      latest.delete(key);
    } else if (latest.size >= MAX_LATEST_KEYS) {
      latest.delete(latest.keys().next().value as string);
      this.session.core.stats.conflated++;
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

  /** Stops timers; called when the subscription ends. */
  dispose(): void {
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
