import { bodyEmpty, type Frame, joinBinaryFrames } from "@dashwire/protocol";
import type { Transport, TransportSink } from "./transport.js";

/**
 * Answers one poll: a local HTTP response, or a relay to the node where the poll arrived (no
 * sticky sessions: a poll may land on any node; see `NodeRelay`).
 */
export interface PollResponder {
  /**
   * Sends the body, called once: text frames separated by newlines, or binary frames in a binary
   * body (`joinBinaryFrames`); empty (`""`): nothing new.
   */
  respond(body: Frame): void;
  /** Calls `listener` if the requester goes away before `respond`. */
  onAbort(listener: () => void): void;
}

/** How long a poll is held open when there is nothing to send (ms). */
export const POLL_HOLD_MS = 20_000;
/** A client that does not poll again within this time after a response is gone (ms). */
const POLL_GONE_MS = 15_000;
/** How long a closed transport keeps its last frames for a final poll (ms). */
export const CLOSED_LINGER_MS = 5_000;

/**
 * HTTP long-polling: the client GETs to receive and POSTs to send. A poll response carries
 * everything pending: text frames separated by newlines (JSON text never contains a raw newline),
 * or, with a binary codec, binary frames each behind a length header (issue 19).
 * `send` returns false whenever no poll is waiting, so the session keeps batching in its own
 * bounded queue until the next poll arrives.
 */
export class PollingTransport implements Transport {
  readonly name = "polling";
  private sink: TransportSink | undefined = undefined;
  private pending: Frame[] = [];
  /** A binary codec was negotiated: answers are binary bodies. */
  private binary = false;
  private held: PollResponder | undefined = undefined;
  private holdTimer: NodeJS.Timeout | undefined = undefined;
  private goneTimer: NodeJS.Timeout | undefined = undefined;
  private closed = false;
  /**
   * Answers with frames handed out so far, and the last one (sent again when the client says it
   * was lost). Empty answers are not counted: losing one loses nothing, and a node relaying a poll
   * may answer one itself (when it stops) without this transport knowing.
   */
  private answered = 0;
  private last: Frame = "";

  constructor(
    /** Transport id the client puts on its requests. */
    readonly id: string,
    private readonly gone: (transport: PollingTransport) => void,
    private readonly holdMs = POLL_HOLD_MS,
  ) {
    this.armGone();
  }

  bind(sink: TransportSink): void {
    this.sink = sink;
  }

  setBinary(): void {
    this.binary = true;
  }

  send(frame: Frame): boolean {
    if (this.held !== undefined) {
      this.respond(this.held, this.body([frame]));
      return false;
    }
    this.pending.push(frame);
    return false;
  }

  /** A frame POSTed by the client. */
  receive(frame: Frame): void {
    this.sink?.onFrame(frame);
  }

  /**
   * A GET arrived: answer with what is pending, or hold it until something is. `seq` is how many
   * answers with frames the client has received (absent from clients that do not count): one fewer than this
   * transport handed out means the last answer was lost on the way (a connection cut), so it is
   * sent again and nothing is lost when the client retries a failed poll. Any other count is
   * refused (false: the caller answers "gone").
   */
  poll(res: PollResponder, seq?: number): boolean {
    if (seq !== undefined && seq !== this.answered) {
      if (seq !== this.answered - 1) return false;
      this.supersede();
      res.respond(this.last);
      if (!this.closed) this.armGone();
      return true;
    }
    clearTimeout(this.goneTimer);
    this.supersede();
    if (this.pending.length > 0 || this.closed) {
      const body = this.body(this.pending);
      this.pending = [];
      this.respond(res, body);
      if (this.closed) this.gone(this);
      return true;
    }
    this.held = res;
    this.holdTimer = setTimeout(this.onHoldTimeout, this.holdMs);
    res.onAbort(() => {
      if (this.held === res) this.onHeldClose();
    });
    // The session may write now: its next flush answers this poll.
    this.sink?.onDrain();
    return true;
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.goneTimer);
    if (this.held !== undefined) {
      this.respond(this.held, this.body(this.pending));
      this.pending = [];
    }
    // Keep the last frames (the disconnect message) for one more poll, then forget.
    if (this.pending.length === 0) this.gone(this);
    else setTimeout(() => this.gone(this), CLOSED_LINGER_MS).unref();
    this.sink?.onClose(code, reason);
  }

  /**
   * A client has one poll out at a time, so a poll still held when the next arrives was given up
   * (its connection cut before the server noticed): it is answered empty and not counted, since
   * its client will never read it.
   */
  private supersede(): void {
    const old = this.held;
    if (old === undefined) return;
    this.held = undefined;
    clearTimeout(this.holdTimer);
    old.respond("");
  }

  /** One answer's body holding `frames` (none: empty). */
  private body(frames: readonly Frame[]): Frame {
    if (frames.length === 0) return "";
    // Binary transports get only bytes: the session's codec, control frames included, is binary.
    return this.binary ? joinBinaryFrames(frames as readonly Uint8Array[]) : frames.join("\n");
  }

  private respond(res: PollResponder, body: Frame): void {
    if (res === this.held) {
      this.held = undefined;
      clearTimeout(this.holdTimer);
    }
    if (!bodyEmpty(body)) {
      this.answered++;
      this.last = body;
    }
    res.respond(body);
    if (!this.closed) this.armGone();
  }

  private armGone(): void {
    clearTimeout(this.goneTimer);
    this.goneTimer = setTimeout(this.onGone, this.holdMs + POLL_GONE_MS);
    this.goneTimer.unref();
  }

  private readonly onHoldTimeout = (): void => {
    if (this.held !== undefined) this.respond(this.held, "");
  };

  private readonly onHeldClose = (): void => {
    // The client gave up on this poll (navigated away, network): wait for the next one.
    this.held = undefined;
    clearTimeout(this.holdTimer);
  };

  private readonly onGone = (): void => {
    if (this.closed) return;
    this.closed = true;
    this.gone(this);
    this.sink?.onClose(1006, "client stopped polling");
  };
}
