/**
 * The SQLite schema and its migrations. `PRAGMA user_version` holds the schema version; opening
 * a data dir runs every migration above it in one transaction, so a newer dashwire opens an
 * older data dir (and an older dashwire refuses a newer one instead of misreading it).
 *
 * - `series`: the series index; `sid` is the integer every row refers to; `last_t` the newest
 *   second written (series not written for the longest retention are removed).
 * - `raw`: the points as written: one row per write, series and second (`seq` in write order,
 *   the points as one blob and their rollup), in the order written (version 4; see
 *   `sqlite-points.ts`).
 * - `cells`: one row per series and second: the rollup of its points as of the last fold, and
 *   the timestamp of its oldest point.
 * - `buckets`: rollups of the coarser resolutions, keyed by resolution (ms), series, start.
 * - `dashboards`: JSON text and a version that every write increments (the ETag).
 * - `alert_rules`, `alert_states`, `alert_history`, `webhook_outbox`, `leases`, `annotations`:
 *   alerts and annotations (version 3, below).
 * - `meta`: counters shared by every process on the file (`series` count, `gen`eration of the
 *   series index, bumped when series are deleted so other processes drop their cached ids, the
 *   last `dashboards` version handed out, so a version is never reused, the last raw row `seq`
 *   and the last one `folded` into cells and buckets).
 */
import type Database from "better-sqlite3";
import { concatRaw, decodeRaw, encodeRaw } from "./cell.js";

/** The version this code writes. */
export const SQLITE_SCHEMA_VERSION = 4;

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

/**
 * Version 4: raw points go to `raw`, written in order, and are folded into `cells` and
 * `buckets` later (see `sqlite-points.ts`): a write touches a few pages at the end of one table
 * instead of each series' cell, segments and buckets. Each version-3 cell's points (its blob and
 * segments) become one raw row, already folded; `cells` loses its blob and gains `first_ts`.
 */
function v4(db: Database.Database): void {
  db.exec(`
CREATE TABLE raw (
  seq INTEGER PRIMARY KEY, t INTEGER NOT NULL, sid INTEGER NOT NULL,
  count INTEGER NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
  last REAL NOT NULL, last_ts INTEGER NOT NULL, first_ts INTEGER NOT NULL, pts BLOB NOT NULL
);
CREATE INDEX raw_cell ON raw (t, sid);
CREATE TABLE cells_v4 (
  sid INTEGER NOT NULL, t INTEGER NOT NULL,
  count INTEGER NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
  last REAL NOT NULL, last_ts INTEGER NOT NULL, first_ts INTEGER NOT NULL,
  PRIMARY KEY (sid, t)
) WITHOUT ROWID;
`);
  // The oldest point's timestamp is only a bound for folding: the second's start is a safe one.
  db.exec("INSERT INTO cells_v4 SELECT sid, t, count, sum, min, max, last, last_ts, t FROM cells");
  const page = db.prepare<[number, number, number]>(
    "SELECT * FROM cells WHERE (sid, t) > (?, ?) AND (raw IS NOT NULL OR EXISTS (SELECT 1 FROM raw_segs s WHERE s.sid = cells.sid AND s.t = cells.t)) ORDER BY sid, t LIMIT ?",
  );
  const segs = db.prepare("SELECT pts FROM raw_segs WHERE sid = ? AND t = ? ORDER BY first_ts").pluck();
  const putRaw = db.prepare("INSERT INTO raw VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  type Row = { sid: number; t: number; count: number; sum: number; min: number; max: number; last: number };
  let seq = 0;
  let afterSid = -1;
  let afterT = 0;
  for (;;) {
    // In pages: a statement cannot write while another one iterates on the same connection.
    const rows = page.all(afterSid, afterT, 1000) as Array<Row & { last_ts: number; raw: Buffer | null }>;
    if (rows.length === 0) break;
    for (const c of rows) {
      const points = concatRaw([decodeRaw(c.raw), ...(segs.all(c.sid, c.t) as Buffer[]).map((b) => decodeRaw(b))]);
      if (points !== undefined)
        putRaw.run(++seq, c.t, c.sid, c.count, c.sum, c.min, c.max, c.last, c.last_ts, points[0], encodeRaw(points));
    }
    const last = rows.at(-1) as Row;
    afterSid = last.sid;
    afterT = last.t;
  }
  db.exec(`
DROP TABLE cells;
ALTER TABLE cells_v4 RENAME TO cells;
DROP TABLE raw_segs;
`);
  db.prepare("INSERT INTO meta (k, v) VALUES ('seq', ?), ('folded', ?)").run(seq, seq);
}

/** A migration: SQL, or code for one that moves data. */
export type SqliteMigration = string | ((db: Database.Database) => void);

/** Migrations by the version they produce: `SQLITE_MIGRATIONS[n - 1]` turns version n - 1 into n. */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [V1, V2, V3, v4];

/** Brings `db` to `SQLITE_SCHEMA_VERSION`; throws when the file is newer than this code. */
export function migrateSqlite(db: Database.Database): void {
  db.transaction(() => {
    const current = db.pragma("user_version", { simple: true }) as number;
    if (current > SQLITE_SCHEMA_VERSION)
      throw new Error(
        `the data dir's schema is version ${current}, newer than this dashwire understands (${SQLITE_SCHEMA_VERSION}): upgrade dashwire`,
      );
    for (let v = current; v < SQLITE_SCHEMA_VERSION; v++) {
      const step = SQLITE_MIGRATIONS[v] as SqliteMigration;
      if (typeof step === "string") db.exec(step);
      else step(db);
    }
    if (current !== SQLITE_SCHEMA_VERSION) db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION}`);
  }).immediate();
}
