/**
 * The end of a session's credentials: `expired` runs at `at` (ms since epoch) unless `stop` comes
 * first (a refresh replaces it). setTimeout takes at most 2^31-1 ms; longer waits re-arm.
 */
export class CredentialExpiry {
  private timer: NodeJS.Timeout | undefined = undefined;

  constructor(
    /** When the credentials expire, ms since epoch. */
    readonly at: number,
    private readonly expired: () => void,
  ) {
    this.arm();
  }

  /** Milliseconds left (0 when past). */
  ttl(): number {
    return Math.max(0, this.at - Date.now());
  }

  /** Cancels the expiry (closed, or replaced by new credentials). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    this.timer = setTimeout(this.fire, Math.min(this.ttl(), 2 ** 31 - 1));
    this.timer.unref();
  }

  private readonly fire = (): void => {
    if (Date.now() >= this.at) this.expired();
    else this.arm();
  };
}
