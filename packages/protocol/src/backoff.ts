/** Delays between retries (reconnects, restarts, lost races): one policy for every package. */
export interface BackoffOptions {
  /** Floor of every delay, and the base the cap grows from. */
  minDelayMs: number;
  /** Ceiling of every delay. */
  maxDelayMs: number;
  /** Growth of the cap per failed attempt. */
  factor: number;
}

/** Defaults: 250 ms floor, 10 s ceiling, cap doubling per attempt. */
export const backoffDefaults: Readonly<BackoffOptions> = { minDelayMs: 250, maxDelayMs: 10_000, factor: 2 };

/**
 * Delay before reconnect attempt `attempt` (0-based), with full jitter: uniform between the floor
 * and a cap that grows geometrically (min·factor^(attempt+1), at most max). Jitter over the whole
 * window spreads a crowd of clients that lost the same server, so they do not come back at once
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/). Pure: the random
 * source is a parameter, so tests can pin it.
 */
export function backoff(
  attempt: number,
  options: Readonly<BackoffOptions> = backoffDefaults,
  random: () => number = Math.random,
): number {
  const { minDelayMs: min, maxDelayMs: max, factor } = options;
  // Past ~64 steps the cap is the ceiling for any factor > 1; clamping keeps the power finite.
  const steps = Math.min(Math.max(0, Math.floor(attempt)), 64) + 1;
  const cap = Math.max(min, Math.min(max, min * factor ** steps));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.min(max, min + r * (cap - min));
}
