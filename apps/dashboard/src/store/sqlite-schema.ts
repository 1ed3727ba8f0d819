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
 * - `alert_rules`, `alert_states`, `alert_history`, `webhook_outbox`, `leases`, `annotations`:
 *   alerts and annotations (version 3, below).
 * - `meta`: counters shared by every process on the file (`series` count, `gen`eration of the
 *   series index, bumped when series are deleted so other processes drop their cached ids, and
 *   the last `dashboards` version handed out, so a version is never reused).
 */
import type Database from "better-sqlite3";

/** The version this code writes. */
export const SQLITE_SCHEMA_VERSION = 3;

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

/**
 * Version 3: alerts and annotations (issue 16). `alert_rules` are versioned documents like
 * dashboards (their own version counter in `meta`); `alert_states` the state of each rule after
 * the last round; `alert_history` the transitions and `webhook_outbox` the deliveries waiting,
 * both trimmed to their bounds by the writer; `leases` the leases with their fencing tokens;
 * `annotations` the events, `t_end` equal to `t` for an instant.
 */
const V3 = `
INSERT INTO meta (k, v) VALUES ('alert_rules', 0);
CREATE TABLE alert_rules (id TEXT PRIMARY KEY, body TEXT NOT NULL, version INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE alert_states (
  rule TEXT PRIMARY KEY, state TEXT NOT NULL, since INTEGER NOT NULL, value REAL, evaluated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE alert_history (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, rule TEXT NOT NULL, at INTEGER NOT NULL,
  from_state TEXT NOT NULL, to_state TEXT NOT NULL, value REAL
);
CREATE INDEX alert_history_rule ON alert_history (rule, seq);
CREATE TABLE webhook_outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, delivery TEXT NOT NULL, rule TEXT NOT NULL, url TEXT NOT NULL,
  body TEXT NOT NULL, attempts INTEGER NOT NULL, next_at INTEGER NOT NULL
);
CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, token INTEGER NOT NULL, until_ms INTEGER NOT NULL)
  WITHOUT ROWID;
CREATE TABLE annotations (
  id TEXT PRIMARY KEY, t INTEGER NOT NULL, t_end INTEGER NOT NULL, text TEXT NOT NULL, tags TEXT NOT NULL,
  dashboard TEXT, panel TEXT, created_at INTEGER NOT NULL
);
CREATE INDEX annotations_t ON annotations (t);
CREATE INDEX annotations_t_end ON annotations (t_end);
`;

/** Migrations by the version they produce: `SQLITE_MIGRATIONS[n - 1]` turns version n - 1 into n. */
export const SQLITE_MIGRATIONS: readonly string[] = [V1, V2, V3];

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
