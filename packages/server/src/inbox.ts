import type { Frame } from "@dashwire/protocol";
/**
 * Inbound fairness: one session gets at most `MESSAGES_PER_TURN` messages handled, or one frame
 * decoded, per event-loop turn. A client sending 1000-message frames (a flood, or an
 * over-eager batcher) is served in slices with everyone else's I/O in between, instead of
 * holding the event loop for a whole frame, or for every frame of one socket read (up to ~2 MB).
 * Frames arriving meanwhile wait here undecoded, in order. Past `pauseBytes` or `pauseMessages`
 * waiting, the transport stops reading (TCP backpressure); past 8× those (a transport that cannot
 * stop reading, e.g. many concurrent HTTP POSTs), frames are refused and the session closes.
 */

/** Messages one session gets handled per event-loop turn. */
export const MESSAGES_PER_TURN = 16;

/** The session side of an inbox. */
export interface InboxHost {
  /** Decodes a waiting frame; undefined when it was refused (the host answered it). */
  decodeInbound(frame: Frame): unknown[] | undefined;
  /** Handles one message; false when the session closed (what waits is dropped). */
  handleInbound(value: unknown): boolean;
  /** Stops (false) or restarts (true) reading from the client. */
  setReading(on: boolean): void;
}

/** Limits of one inbox. */
export interface InboxLimits {
  /** Waiting undecoded bytes, or decoded messages, past which reading stops. */
  pauseBytes: number;
  pauseMessages: number;
}

/** Frames of one session waiting for their turn. */
export class Inbox {
  /** Waiting frames: raw text until their turn, then their messages. */
  private readonly frames: (Frame | unknown[])[] = [];
  /** Next message of `frames[0]` (once decoded). */
  private at = 0;
  private waitingBytes = 0;
  private waitingMessages = 0;
  private scheduled = false;
  private paused = false;

  constructor(
    private readonly host: InboxHost,
    private readonly limits: InboxLimits,
  ) {}

  /** True while frames wait: new frames must queue behind them. */
  get busy(): boolean {
    return this.frames.length > 0;
  }

  /**
   * Queues a raw frame (when busy) or a decoded one, and handles a slice now if none is
   * scheduled. False when the client kept sending far past the pause (nothing is queued).
   */
  push(frame: Frame | unknown[]): boolean {
    // A raw frame (text or bytes) counts its length; a decoded one its messages.
    const raw = !Array.isArray(frame);
    const bytes = raw ? frame.length : 0;
    const messages = raw ? 0 : frame.length;
    if (
      this.waitingBytes + bytes > 8 * this.limits.pauseBytes ||
      this.waitingMessages + messages > 8 * this.limits.pauseMessages
    ) {
      this.clear();
      return false;
    }
    this.frames.push(frame);
    this.waitingBytes += bytes;
    this.waitingMessages += messages;
    if (
      !this.paused &&
      (this.waitingBytes > this.limits.pauseBytes || this.waitingMessages > this.limits.pauseMessages)
    ) {
      this.paused = true;
      this.host.setReading(false);
    }
    if (!this.scheduled) this.run();
    return true;
  }

  /** Handles one slice; schedules the next turn while frames wait. */
  run(): void {
    this.scheduled = false;
    let budget = MESSAGES_PER_TURN;
    let decoded = false;
    while (budget > 0 && this.frames.length > 0) {
      const values = this.frames[0] as Frame | unknown[];
      if (!Array.isArray(values)) {
        // A decode is a turn's work: its messages start next turn.
        if (decoded) break;
        decoded = true;
        this.waitingBytes -= values.length;
        const messages = this.host.decodeInbound(values);
        this.frames.shift();
        if (messages === undefined) continue;
        this.frames.unshift(messages);
        this.waitingMessages += messages.length;
        break;
      }
      const end = Math.min(values.length, this.at + budget);
      for (let i = this.at; i < end; i++) {
        if (!this.host.handleInbound(values[i])) {
          this.clear();
          return;
        }
      }
      budget -= end - this.at;
      this.waitingMessages -= end - this.at;
      if (end === values.length) {
        this.frames.shift();
        this.at = 0;
      } else this.at = end;
    }
    if (this.frames.length > 0) {
      this.scheduled = true;
      setImmediate(runInbox, this);
    } else if (this.paused) {
      this.paused = false;
      this.host.setReading(true);
    }
  }

  private clear(): void {
    this.frames.length = 0;
    this.at = 0;
    this.waitingBytes = 0;
    this.waitingMessages = 0;
  }
}

/** Shared callback (no closure per turn). */
function runInbox(inbox: Inbox): void {
  inbox.run();
}
