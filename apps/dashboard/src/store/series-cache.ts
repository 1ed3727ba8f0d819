/**
 * A process's cache of the series index (series id → integer sid and newest second written), so
 * the write path resolves ids without a lookup. The database is the truth: the cache holds only
 * what a committed transaction returned, and is dropped whole when the index generation stored
 * in the database moved (another process deleted series). Bounded by the series limit: it never
 * holds more entries than the database has series.
 */

/** What the cache knows of one series. */
export interface CachedSeries {
  sid: number;
  /** Newest second (ms) known to be recorded in `series.last_t`. */
  lastT: number;
}

/** Cached series ids of one store connection. */
export class SeriesCache {
  private readonly byId = new Map<string, CachedSeries>();
  private gen = -1;

  /** Number of cached series. */
  get size(): number {
    return this.byId.size;
  }

  /** Drops everything when the stored generation is not the one the cache was filled under. */
  sync(gen: number): void {
    if (gen === this.gen) return;
    this.byId.clear();
    this.gen = gen;
  }

  /** The cached entry of `id`. */
  get(id: string): CachedSeries | undefined {
    return this.byId.get(id);
  }

  /** Records a committed lookup or insert. */
  set(id: string, entry: CachedSeries): void {
    this.byId.set(id, entry);
  }

  /** Forgets ids (deleted by this process). */
  delete(ids: Iterable<string>): void {
    for (const id of ids) this.byId.delete(id);
  }
}
