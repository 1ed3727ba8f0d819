import { CloseCode, parseServerMessage, type ServerMessage } from "@dashwire/protocol";
import type { Codec } from "@dashwire/protocol";
import { Timer } from "./timer.js";
import type { Scheduler } from "./timer.js";
import type { Link } from "./transport-link.js";

/** Requests awaiting replies, as far as a retiring transport needs to know. */
export interface RequestLedger {
  /** The id of the latest request made so far. */
  mark(): number;
  /** True when no request with an id up to `mark` still awaits its reply. */
  settledThrough(mark: number): boolean;
  /** Rejects the requests up to `mark` still awaiting replies: their transport is gone. */
  abandonThrough(mark: number, reason: string): void;
}

/**
 * A transport replaced by an upgrade while requests sent over it still await replies. It stays
 * open for those replies only (publications come again on the new transport, from `since`) until
 * every request up to `mark` is answered, or for at most one ack timeout; then it closes and what
 * is still unanswered rejects with `Disconnected`.
 */
export class Retiring {
  private readonly timer: Timer;
  private ended = false;

  constructor(
    /** The replaced transport. */
    readonly link: Link,
    private readonly mark: number,
    private readonly ledger: RequestLedger,
    private readonly codec: Codec,
    private readonly reply: (m: ServerMessage) => void,
    scheduler: Scheduler,
    timeoutMs: number,
  ) {
    this.timer = new Timer(() => this.end(), scheduler);
    this.timer.start(timeoutMs);
  }

  /** True once every request up to the mark is answered. */
  get settled(): boolean {
    return this.ledger.settledThrough(this.mark);
  }

  /** A frame from the replaced transport: replies are handed on, the rest dropped. */
  frame(frame: string): void {
    let values: unknown[];
    try {
      values = this.codec.decode(frame);
    } catch {
      return;
    }
    for (const v of values) {
      const m = parseServerMessage(v);
      if (m !== undefined && (m.t === "ack" || (m.t === "err" && m.id !== undefined))) this.reply(m);
    }
    if (this.settled) this.end();
  }

  /** Closes the transport; requests still waiting on it reject. Idempotent. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.timer.stop();
    this.link.transport.close(CloseCode.Normal, "upgraded");
    if (!this.settled) this.ledger.abandonThrough(this.mark, "replaced transport closed before replying");
  }
}
