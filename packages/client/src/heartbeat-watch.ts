import type { ConnectedMessage } from "@dashwire/protocol";
import { type Scheduler, Timer } from "./timer.js";

/**
 * Holds the server to its heartbeat: the server closes a peer silent for `ping + pong` ms
 * (from `connected`), and the client does the same to the server. One timer per heartbeat
 * window, not one per frame: frames only stamp the time they came.
 */
export class HeartbeatWatch {
  private lastSeen = 0;
  private windowMs = 0;
  private readonly timer: Timer;

  constructor(
    private readonly scheduler: Scheduler,
    /** The server was silent for `idleMs`, past its heartbeat window. */
    silent: (idleMs: number) => void,
  ) {
    this.timer = new Timer(() => {
      const idle = this.scheduler.now() - this.lastSeen;
      if (idle < this.windowMs) this.timer.start(this.windowMs - idle);
      else silent(idle);
    }, scheduler);
  }

  /** Something came from the server now. */
  heard(): void {
    this.lastSeen = this.scheduler.now();
  }

  /** A handshake reply: watches its heartbeat window from now (none when it has no ping). */
  start(m: ConnectedMessage): void {
    this.heard();
    this.windowMs = m.ping > 0 && m.pong > 0 ? m.ping + m.pong : 0;
    if (this.windowMs > 0) this.timer.start(this.windowMs);
    else this.timer.stop();
  }

  /** The transport is gone: nothing to watch. */
  stop(): void {
    this.timer.stop();
  }
}
