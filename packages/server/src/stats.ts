/**
 * Live counters of one server. Plain number fields, incremented on the hot path without any
 * lookup; `/metrics` reads them at scrape time.
 */
export class ServerStats {
  /** Open sessions. */
  connections = 0;
  /** Sessions ever opened. */
  connectionsTotal = 0;
  /** Live subscriptions. */
  subscriptions = 0;
  /** Messages received from clients. */
  messagesIn = 0;
  /** Frames received from clients. */
  framesIn = 0;
  /** Bytes (UTF-16 length of text frames) received. */
  bytesIn = 0;
  /** Messages queued to clients (each delivery counts once). */
  messagesOut = 0;
  /** Frames written to transports. */
  framesOut = 0;
  /** Bytes written to transports. */
  bytesOut = 0;
  /** Publications accepted (server and client). */
  publications = 0;
  /** Stream deliveries dropped on queue overflow (each announced by a `gap`). */
  dropsStream = 0;
  /** Latest-mode values replaced by a newer one before being sent (conflation). */
  conflated = 0;
  /** Gap notices sent. */
  gaps = 0;
  /** Sessions taken over by a new transport of their client (upgrade, quick reconnect). */
  takeovers = 0;
  /** Inbound messages refused, by error code. */
  readonly errors = new Map<number, number>();
  /** Limit hits, by limit name. */
  readonly limits = new Map<string, number>();
  /** Connections closed, by close code. */
  readonly closes = new Map<number, number>();

  /** Counts one refused message. */
  error(code: number): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /** Counts one limit hit. */
  limit(name: string): void {
    this.limits.set(name, (this.limits.get(name) ?? 0) + 1);
  }

  /** Counts one close. */
  close(code: number): void {
    this.closes.set(code, (this.closes.get(code) ?? 0) + 1);
  }
}
