/**
 * A token bucket: `rate` tokens a second, at most `burst` saved up; starts full. A rate of 0 or
 * less never refuses.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt = Date.now();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  /** Takes one token; false when there is none. */
  take(): boolean {
    if (this.rate <= 0) return true;
    // Refilled at every take: time spent full must not be credited later.
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) * this.rate) / 1000);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}
