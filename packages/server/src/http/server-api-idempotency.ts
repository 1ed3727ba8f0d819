/**
 * Remembers the answers of publish and broadcast calls by their `idempotencyKey`, so a caller
 * that retries after a timeout or a lost answer gets the first answer again instead of a second
 * publication. Per node: a retry that a balancer sends to another node is not recognised (see
 * docs/server-api.md, "Retries"). Bounded in entries (oldest forgotten first) and in time.
 */
export class IdempotencyCache<T> {
  private readonly entries = new Map<string, { until: number; answer: Promise<T> }>();

  constructor(
    /** Keys remembered at once. */
    private readonly size: number,
    /** How long a key is remembered (ms). */
    private readonly ttlMs: number,
  ) {}

  /**
   * The answer remembered for `key`, or `run()`'s (remembered when it succeeds; a failure is
   * forgotten so the retry runs again). A retry arriving while the first call is still running
   * waits for that call.
   */
  run(key: string | undefined, run: () => Promise<T>): Promise<T> {
    if (key === undefined || this.size <= 0) return run();
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit !== undefined && hit.until > now) return hit.answer;
    this.entries.delete(key);
    const answer = run();
    this.entries.set(key, { until: now + this.ttlMs, answer });
    answer.catch(() => {
      if (this.entries.get(key)?.answer === answer) this.entries.delete(key);
    });
    // Map order is insertion order: the first entries are the oldest.
    for (const [old, entry] of this.entries) {
      if (this.entries.size <= this.size && entry.until > now) break;
      this.entries.delete(old);
    }
    return answer;
  }
}
