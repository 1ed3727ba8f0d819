import { CloseCode } from "@dashwire/protocol";

/** What the heartbeat needs of a session. */
export interface Beating {
  readonly isOpen: boolean;
  /** Last time anything arrived from the client (ms). */
  readonly lastSeen: number;
  /** The slice of the period this session is pinged in (from `Heartbeat.slot`). */
  readonly heartbeatSlot: number;
  /** Starts a new period of the session's per-period counters (called on its turn). */
  newPeriod(): void;
  /** Queues a `ping` (in the session's own codec). */
  ping(): void;
  close(code: number, reason: string): void;
  /** A throw while pinging or closing it: the session closes its own connection. */
  fail(err: unknown): void;
}

/** Most slices a period is cut into. */
const MAX_SLICES = 25;
/** Shortest tick; shorter periods (tests use tens of ms) get fewer slices, down to one. */
const MIN_TICK_MS = 200;

/**
 * One timer for all sessions, with the period cut into slices and each session in one of them:
 * 10,000 sessions are pinged 400 at a time over 25 s, not all in one tick. All at once, the pings
 * and the pongs that come back are a burst of 10,000 writes and 10,000 reads that holds up
 * whatever is published meanwhile (it showed as p99 spikes in the fanout benchmark). Each session
 * is still pinged once a period, closed when silent for a period plus the pong timeout, and has
 * its per-period counters reset on its turn.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined = undefined;
  private readonly slices: number;
  private turn = 0;
  private nextSlot = 0;

  constructor(
    private readonly periodMs: number,
    private readonly pongTimeoutMs: number,
    private readonly sessions: Iterable<Beating>,
  ) {
    this.slices = Math.max(1, Math.min(MAX_SLICES, Math.floor(periodMs / MIN_TICK_MS)));
  }

  /** The slice for a new session: round robin, so slices stay even. */
  slot(): number {
    const slot = this.nextSlot;
    this.nextSlot = (slot + 1) % this.slices;
    return slot;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(this.tick, this.periodMs / this.slices);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private readonly tick = (): void => {
    const slot = this.turn;
    this.turn = (slot + 1) % this.slices;
    const now = Date.now();
    const deadline = this.periodMs + this.pongTimeoutMs;
    for (const session of this.sessions) {
      if (session.heartbeatSlot !== slot) continue;
      try {
        session.newPeriod();
        if (!session.isOpen) continue;
        if (now - session.lastSeen > deadline) session.close(CloseCode.HeartbeatTimeout, "heartbeat timeout");
        else session.ping();
      } catch (err) {
        session.fail(err);
      }
    }
  };
}
