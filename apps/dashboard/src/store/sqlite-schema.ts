/**
 * The SQLite schema and its migrations. `PRAGMA user_version` holds the schema version; opening
 * a data dir runs every migration above it in one transaction, so a newer dashwire opens an
 * older data dir (and an older dashwire refuses a newer one instead of misreading it).
 *
 * - `series`: the series index; `sid` is the integer every row refers to; `last_t` the newest
 *   second written (series not written for the longest retention are removed).
 * - `cells`: one row per series and second: its rollup and its first segment of raw points;
 *   `raw_segs`: the segments appended since (see `cell.ts`).
 * - `buckets`: rollups of the coarser resolutions, keyed by resolution (ms), series, start.
 * - `dashboards`: JSON text and a version that every write increments (the ETag).
 * - `meta`: counters shared by every process on the file (`series` count, `gen`eration of the
 *   series index, bumped when series are deleted so other processes drop their cached ids, and
 *   the last `dashboards` version handed out, so a version is never reused).
 */
import type Database from "better-sqlite3";

/** The version this code writes. */
export const SQLITE_SCHEMA_VERSION = 2;

const V1 = `
CREATE TABLE meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta (k, v) VALUES ('series', 0), ('gen', 0), ('dashboards', 0);
CREATE TABLE series (
  sid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  tags TEXT NOT NULL,
  last_t INTEGER NOT NULL
);
CREATE TABLE cells (
  sid INTEGER NOT NULL, t INTEGER NOT NULL,
  count INTEGER NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
  last REAL NOT NULL, last_ts INTEGER NOT NULL, raw BLOB,
  PRIMARY KEY (sid, t)
) WITHOUT ROWID;
CREATE TABLE buckets (
  res INTEGER NOT NULL, sid INTEGER NOT NULL, t INTEGER NOT NULL,
  count INTEGER NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
  last REAL NOT NULL, last_ts INTEGER NOT NULL,
  PRIMARY KEY (res, sid, t)
) WITHOUT ROWID;
CREATE TABLE dashboards (id TEXT PRIMARY KEY, body TEXT NOT NULL, version INTEGER NOT NULL) WITHOUT ROWID;
`;

/**
 * Version 2: points appended to a cell (all newer than its newest) are stored as one more
 * segment of `raw_segs` instead of rewriting the cell's blob; `cells.raw` stays the cell's first
 * (or last compacted) segment, so version-1 cells are valid as they are.
 */
const V2 = `
CREATE TABLE raw_segs (
  sid INTEGER NOT NULL, t INTEGER NOT NULL, first_ts INTEGER NOT NULL, pts BLOB NOT NULL,
  PRIMARY KEY (sid, t, first_ts)
) WITHOUT ROWID;
`;

/** Migrations by the version they produce: `SQLITE_MIGRATIONS[n - 1]` turns version n - 1 into n. */
export const SQLITE_MIGRATIONS: readonly string[] = [V1, V2];

/** Brings `db` to `SQLITE_SCHEMA_VERSION`; throws when the file is newer than this code. */
export function migrateSqlite(db: Database.Database): void {
  db.transaction(() => {
    const current = db.pragma("user_version", { simple: true }) as number;
    if (current > SQLITE_SCHEMA_VERSION)
      throw new Error(
        `the data dir's schema is version ${current}, newer than this dashwire understands (${SQLITE_SCHEMA_VERSION}): upgrade dashwire`,
      );
    for (let v = current; v < SQLITE_SCHEMA_VERSION; v++) db.exec(SQLITE_MIGRATIONS[v] as string);
    if (current !== SQLITE_SCHEMA_VERSION) db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION}`);
  }).immediate();
}
