/**
 * The 1-second cells of the SQLite store as JSON text, by series and minute, so that a read of
 * many series' last 15 minutes (`POST /api/v1/query`) is mostly string slicing: reading 87,000
 * rows through better-sqlite3 and encoding them took ~350 ms of CPU a round of 100 series
 * (`apps/dashboard/bench/query-path.ts`), against the issue's 20 ms.
 *
 * What keeps it true: every change to a cell is a raw row folded in (`sqlite-points.ts`), and
 * each fold raises the `folded` mark. Before a read (in the read's snapshot, after a fold) the
 * cache takes the raw rows above the mark it last saw, by any process, and drops the minutes
 * they touched; a change of the series index's generation (series deleted) drops everything.
 * Rows waiting to be folded bypass the cache (the caller reads the rows instead).
 *
 * Bounded: at most `maxBytes` (its text, one byte a character, and 16 bytes a cell for the two
 * arrays of offsets); past it the minutes cached first are dropped.
 */

/** One series' minute: its cells as `[t,count,sum,min,max,last]` JSON texts joined by commas. */
interface Minute {
  text: string;
  /** Start of each cell (ms). */
  ts: number[];
  /** Where each cell's text starts in `text`. */
  at: number[];
}

/** Reads a series' cells in [from, to), ascending, as `[t, count, sum, min, max, last]` rows. */
export type CellReader = (sid: number, from: number, to: number) => unknown[][];

/** Default bound of the cache: 64 MB (~1,500 series of 15 full minutes). */
export const CELL_TEXT_CACHE_BYTES = 64 * 1024 * 1024;

/** What a cached minute costs, bytes (see the file comment). */
function sizeOf(minute: Minute): number {
  return minute.text.length + 16 * minute.ts.length;
}

/** JSON text of 1-second cells, by series and minute; see the file comment. */
export class CellTextCache {
  private readonly minutes = new Map<string, Minute>();
  private bytes = 0;
  private mark = -1;
  private gen = -1;

  constructor(
    private readonly readCells: CellReader,
    private readonly maxBytes = CELL_TEXT_CACHE_BYTES,
  ) {}

  /**
   * Brings the cache to `folded` (the fold mark) and `gen` (the series index generation):
   * `changed(mark)` lists the `[sid, t]` of the raw rows above the mark last seen.
   */
  sync(folded: number, gen: number, changed: (after: number) => Iterable<[sid: number, t: number]>): void {
    if (gen !== this.gen || this.mark < 0 || folded < this.mark) {
      this.clear();
      this.gen = gen;
      this.mark = folded;
      return;
    }
    if (folded === this.mark) return;
    for (const [sid, t] of changed(this.mark)) this.drop(`${sid}:${Math.floor(t / 60_000)}`);
    this.mark = folded;
  }

  /** The JSON array text of `sid`'s cells in [from, to), at most `limit` of them. */
  range(sid: number, from: number, to: number, limit: number): string {
    const parts: string[] = [];
    let left = limit;
    for (let m = Math.floor(from / 60_000); m * 60_000 < to && left > 0; m++) {
      const minute = this.minute(sid, m);
      const n = minute.ts.length;
      let i = 0;
      while (i < n && (minute.ts[i] as number) < from) i++;
      let j = i;
      while (j < n && (minute.ts[j] as number) < to && j - i < left) j++;
      if (j === i) continue;
      left -= j - i;
      parts.push(minute.text.slice(minute.at[i], j < n ? (minute.at[j] as number) - 1 : minute.text.length));
    }
    return `[${parts.join(",")}]`;
  }

  private minute(sid: number, m: number): Minute {
    const key = `${sid}:${m}`;
    const cached = this.minutes.get(key);
    if (cached !== undefined) return cached;
    const rows = this.readCells(sid, m * 60_000, (m + 1) * 60_000);
    // One stringify for the minute (far cheaper than one a row), then where each row starts.
    const text = JSON.stringify(rows).slice(1, -1);
    const ts = rows.map((row) => row[0] as number);
    const at = rows.length > 0 ? [0] : [];
    for (let k = text.indexOf("],["); k !== -1; k = text.indexOf("],[", k + 3)) at.push(k + 2);
    const minute = { text, ts, at };
    this.minutes.set(key, minute);
    this.bytes += sizeOf(minute);
    // Oldest first: Map iteration is insertion order.
    for (const k of this.minutes.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(k);
    }
    return minute;
  }

  private drop(key: string): void {
    const minute = this.minutes.get(key);
    if (minute === undefined) return;
    this.bytes -= sizeOf(minute);
    this.minutes.delete(key);
  }

  private clear(): void {
    this.minutes.clear();
    this.bytes = 0;
  }
}
