import { TokenBucket } from "./token-bucket.js";

/** The message may go on. */
export const RATE_PASS = 0;
/** Refused, and the client is to be told (an ack error, or the episode's one `err`). */
export const RATE_TELL = 1;
/** Refused quietly: an id-less message whose episode was already told. */
export const RATE_QUIET = 2;
/** Refused, and the session is to close: a burst's worth of refusals in one heartbeat period. */
export const RATE_CLOSE = 3;

export type RateVerdict = typeof RATE_PASS | typeof RATE_TELL | typeof RATE_QUIET | typeof RATE_CLOSE;

/**
 * One session's inbound message rate: a token bucket, the refusals counted per heartbeat period
 * (sustained flooding closes), and one notice per episode for messages without an id (a flood of
 * them would otherwise cost an `err` apiece). Messages with an id get an ack error each.
 */
export class MessageRate {
  private readonly bucket: TokenBucket;
  /** Refusals in the current heartbeat period. */
  private refused = 0;
  /** An `err` for an id-less refused message went out since the last one passed. */
  private noticeSent = false;

  constructor(
    perSecond: number,
    private readonly burst: number,
  ) {
    this.bucket = new TokenBucket(perSecond, burst);
  }

  /** What to do with one more message; `hasId`: it asked for an ack. */
  take(hasId: boolean): RateVerdict {
    if (this.bucket.take()) {
      this.noticeSent = false;
      return RATE_PASS;
    }
    if (++this.refused > this.burst) return RATE_CLOSE;
    if (hasId) return RATE_TELL;
    if (this.noticeSent) return RATE_QUIET;
    this.noticeSent = true;
    return RATE_TELL;
  }

  /** A new heartbeat period: the refusal count starts again. */
  newPeriod(): void {
    this.refused = 0;
  }
}
