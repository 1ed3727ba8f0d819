/**
 * What the socket listeners (Graphite TCP, StatsD UDP) need from the app, and `RefusalLog`, their
 * rate-limited word in the log about refused input: the counters count every refusal, the log
 * says what a refusal looked like without letting a flood of bad lines flood it too.
 */
import type { IngestRoutesDeps } from "../api/ingest-deps.js";

/** Dependencies of a socket listener: the ingest routes' store, counters and gate, and a logger. */
export type ListenerDeps = Pick<IngestRoutesDeps, "ingest" | "onIngest" | "counters" | "gate"> & {
  /** Logs a warning (pino's `log.warn({ err }, message)`). */
  warn: (err: unknown, message: string) => void;
};

/** Shortest time between two refusal warnings of one listener, ms. */
export const REFUSAL_LOG_EVERY_MS = 10_000;

/** Logs refused input at most once every `REFUSAL_LOG_EVERY_MS`, saying how many notes it skipped. */
export class RefusalLog {
  private last = Number.NEGATIVE_INFINITY;
  private skipped = 0;

  constructor(
    private readonly format: string,
    private readonly warn: ListenerDeps["warn"],
    private readonly now: () => number = Date.now,
  ) {}

  /** Notes refused input from `from` (an address); logged unless another was logged lately. */
  note(from: string | undefined, what: string): void {
    const now = this.now();
    if (now - this.last < REFUSAL_LOG_EVERY_MS) {
      this.skipped++;
      return;
    }
    const more = this.skipped > 0 ? ` (and ${this.skipped} other refusal notes since the last warning)` : "";
    this.last = now;
    this.skipped = 0;
    this.warn(undefined, `${this.format}: refused from ${from ?? "?"}: ${what}${more}`);
  }
}
