/** Bounds of the reconnect backoff. */
export interface BackoffOptions {
  /** First delay ceiling, ms. */
  baseMs: number;
  /** Largest delay ceiling, ms. */
  maxMs: number;
}

/**
 * Full-jitter exponential backoff (a random delay below `min(max, base·2^attempt)`), so nodes
 * that lost the same Redis do not reconnect in lockstep. Pure, for the retry strategy.
 */
export function backoff(attempt: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 20));
  return Math.max(10, Math.floor(Math.random() * ceiling));
}
