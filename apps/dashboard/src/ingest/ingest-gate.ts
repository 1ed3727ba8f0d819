/**
 * Admission of writes: at most `max` requests' points are parsed and waiting for the store at
 * once, whatever the format or the transport (HTTP ingest, socket `metrics.write`). A parsed
 * body weighs about fifteen times its size until the store commits it (1 MiB of line protocol can
 * be 170,000 point objects), and with PostgreSQL writes queue for a pool connection: without a
 * limit, 100 socket writes of 1 MiB from one connection held 1 GB and timed out in the pool. Past
 * the limit a write is refused at once, before it is parsed: HTTP 503 with `Retry-After` (every
 * agent retries a 503), code `Busy`; nothing of it is kept.
 *
 * Bodies are read before they are admitted, so a client trickling a body in holds no slot: what
 * it holds is its own body, which the body limit bounds.
 */
import { ApiError, ApiErrorCode } from "../errors.js";

/** Writes admitted at once by default (`maxIngestInFlight`). */
export const DEFAULT_MAX_INGEST_IN_FLIGHT = 16;

/** Counts the writes in progress and refuses those past the limit. */
export class IngestGate {
  private inFlight = 0;
  /** Writes refused because the limit was reached (since the start). */
  refused = 0;

  constructor(
    /** Most writes parsed or being stored at once. */
    readonly max: number,
  ) {}

  /** Writes in progress now. */
  get active(): number {
    return this.inFlight;
  }

  /** Runs `write` as one of at most `max`; past it throws the 503 `ApiError` (code `Busy`) without running it. */
  async run<T>(write: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.max) {
      this.refused++;
      throw new ApiError(
        503,
        ApiErrorCode.Busy,
        `too many writes in progress (${this.max}); nothing of this one was kept: retry after a second`,
      );
    }
    this.inFlight++;
    try {
      return await write();
    } finally {
      this.inFlight--;
    }
  }
}
