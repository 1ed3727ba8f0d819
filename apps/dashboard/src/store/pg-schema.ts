/**
 * The PostgreSQL schema and its migrations, in the schema named by the store URL (`?schema=`,
 * default `dashwire`). The same tables as SQLite (see `sqlite-schema.ts`); the version lives in
 * `meta` (`k = 'schema'`). Nodes starting together migrate one at a time: the migration holds a
 * transaction-scoped advisory lock on the schema name.
 */
import type { PoolClient } from "pg";

/** The version this code writes. */
export const PG_SCHEMA_VERSION = 3;

const V1 = `
CREATE TABLE meta (k text PRIMARY KEY, v bigint NOT NULL);
INSERT INTO meta (k, v) VALUES ('series', 0), ('gen', 0), ('dashboards', 0), ('schema', 0);
CREATE TABLE series (
  sid serial PRIMARY KEY,
  id text NOT NULL UNIQUE,
  name text NOT NULL,
  tags text NOT NULL,
  last_t bigint NOT NULL
);
CREATE TABLE cells (
  sid integer NOT NULL, t bigint NOT NULL,
  count integer NOT NULL, sum float8 NOT NULL, min float8 NOT NULL, max float8 NOT NULL,
  last float8 NOT NULL, last_ts bigint NOT NULL, raw bytea,
  PRIMARY KEY (sid, t)
);
CREATE TABLE buckets (
  res integer NOT NULL, sid integer NOT NULL, t bigint NOT NULL,
  count bigint NOT NULL, sum float8 NOT NULL, min float8 NOT NULL, max float8 NOT NULL,
  last float8 NOT NULL, last_ts bigint NOT NULL,
  PRIMARY KEY (res, sid, t)
);
CREATE TABLE dashboards (id text PRIMARY KEY, body text NOT NULL, version bigint NOT NULL);
`;

/** Version 2: appended points as segments beside the cell (see `sqlite-schema.ts`). */
const V2 = `
CREATE TABLE raw_segs (
  sid integer NOT NULL, t bigint NOT NULL, first_ts bigint NOT NULL, pts bytea NOT NULL,
  PRIMARY KEY (sid, t, first_ts)
);
`;

/** Version 3: alerts, leases and annotations (see `sqlite-schema.ts`). */
const V3 = `
INSERT INTO meta (k, v) VALUES ('alert_rules', 0);
CREATE TABLE alert_rules (id text PRIMARY KEY, body text NOT NULL, version bigint NOT NULL);
CREATE TABLE alert_states (
  rule text PRIMARY KEY, state text NOT NULL, since bigint NOT NULL, value float8, evaluated_at bigint NOT NULL
);
CREATE TABLE alert_history (
  seq bigserial PRIMARY KEY, rule text NOT NULL, at bigint NOT NULL,
  from_state text NOT NULL, to_state text NOT NULL, value float8
);
CREATE INDEX alert_history_rule ON alert_history (rule, seq);
CREATE TABLE webhook_outbox (
  seq bigserial PRIMARY KEY, delivery text NOT NULL, rule text NOT NULL, url text NOT NULL,
  body text NOT NULL, attempts integer NOT NULL, next_at bigint NOT NULL
);
CREATE TABLE leases (name text PRIMARY KEY, holder text NOT NULL, token bigint NOT NULL, until_ms bigint NOT NULL);
CREATE TABLE annotations (
  id text PRIMARY KEY, t bigint NOT NULL, t_end bigint NOT NULL, text text NOT NULL, tags text NOT NULL,
  dashboard text, panel text, created_at bigint NOT NULL
);
CREATE INDEX annotations_t ON annotations (t);
CREATE INDEX annotations_t_end ON annotations (t_end);
`;

/** Migrations by the version they produce. */
export const PG_MIGRATIONS: readonly string[] = [V1, V2, V3];

/** Quotes an identifier for SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Creates or migrates the schema `schema` (the client's search_path must already point at it). */
export async function migratePg(client: PoolClient, schema: string): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`dashwire:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    const exists = await client.query("SELECT to_regclass($1) AS t", [`${quoteIdent(schema)}.meta`]);
    let current = 0;
    if (exists.rows[0]?.t !== null) {
      const row = await client.query("SELECT v FROM meta WHERE k = 'schema'");
      current = Number(row.rows[0]?.v ?? 0);
    }
    if (current > PG_SCHEMA_VERSION)
      throw new Error(
        `the database schema is version ${current}, newer than this dashwire understands (${PG_SCHEMA_VERSION}): upgrade dashwire`,
      );
    for (let v = current; v < PG_SCHEMA_VERSION; v++) await client.query(PG_MIGRATIONS[v] as string);
    await client.query("UPDATE meta SET v = $1 WHERE k = 'schema'", [PG_SCHEMA_VERSION]);
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  }
}
