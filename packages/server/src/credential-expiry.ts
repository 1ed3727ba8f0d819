/**
 * The end of a session's credentials: `expired` runs at `at` (ms since epoch) unless `set` or
 * `stop` comes first (a refresh or a takeover replaces it). setTimeout takes at most 2^31-1 ms;
 * longer waits re-arm.
 */
export class CredentialExpiry {
  private timer: NodeJS.Timeout | undefined = undefined;
  private when: number | undefined = undefined;

  constructor(private readonly expired: () => void) {}

  /** When the credentials expire, ms since epoch; undefined: never. */
  get at(): number | undefined {
    return this.when;
  }

  /** Milliseconds left (0 when past); undefined: never. */
  ttl(): number | undefined {
    return this.when === undefined ? undefined : Math.max(0, this.when - Date.now());
  }

  /** Arms (or re-arms) the expiry at `at`; undefined: the credentials never expire. */
  set(at: number | undefined): void {
    this.stop();
    this.when = at;
    if (at !== undefined) this.arm(at);
  }

  /** Cancels the timer (the session closed, or its credentials are being replaced). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(at: number): void {
    this.timer = setTimeout(this.fire, Math.min(Math.max(0, at - Date.now()), 2 ** 31 - 1));
    this.timer.unref();
  }

  private readonly fire = (): void => {
    const at = this.when;
    if (at === undefined) return;
    if (Date.now() >= at) this.expired();
    else this.arm(at);
  };
}
