/**
 * dashwire on PostgreSQL as a storage target (`dashwire-pg`): the same app, process and HTTP API
 * as `dashwire`, started with `--store postgres://…/<db>` on a database of its own, created for
 * each run (named in a file of the run's data folder, so a restart finds it again) and dropped
 * once the run's server stopped. The server is `DASHWIRE_BENCH_PG_URL` (default: the local one,
 * user `postgres`); `psql` creates and drops the databases.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dashwireStore, dashwireUnbuilt, startDashwire } from "./dashwire-store.js";
import type { Durability, IngestTarget, RunningStore, StoreStartOptions } from "./ingest-target.js";

/** The PostgreSQL server the target's databases are made on (its maintenance database). */
export const BENCH_PG_URL = process.env.DASHWIRE_BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** The file of a run's data folder naming its database. */
const DB_FILE = "pg-database";

let made = 0;

/** Runs one SQL command with psql on `BENCH_PG_URL`; its output, or throws with psql's error. */
function psql(sql: string): string {
  const r = spawnSync("psql", [BENCH_PG_URL, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql], {
    encoding: "utf8",
    timeout: 30_000,
  });
  if (r.error !== undefined) throw r.error;
  if (r.status !== 0) throw new Error(`psql: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout.trim();
}

/** `BENCH_PG_URL` with database `db`. */
export function databaseUrl(base: string, db: string): string {
  const u = new URL(base);
  u.pathname = `/${db}`;
  return u.toString();
}

/** The run's database: created on the first start in `dataDir`, found again on a restart. */
function databaseFor(dataDir: string): string {
  const file = join(dataDir, DB_FILE);
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const db = `dashwire_bench_${process.pid}_${Date.now()}_${made++}`;
  psql(`CREATE DATABASE ${db}`);
  writeFileSync(file, db);
  return db;
}

function start(o: StoreStartOptions): Promise<RunningStore> {
  return startDashwire(o, ["--store", databaseUrl(BENCH_PG_URL, databaseFor(o.dataDir))]);
}

/** What a 2xx means: committed, as durable as the server's `fsync` and `synchronous_commit`. */
function durability(): Durability {
  let settings: string;
  try {
    settings = psql(
      "SELECT 'fsync=' || current_setting('fsync') || ', synchronous_commit=' || current_setting('synchronous_commit')",
    );
  } catch (error) {
    settings = `settings unread: ${error instanceof Error ? error.message : String(error)}`;
  }
  const on = /fsync=on, synchronous_commit=(on|remote_write|remote_apply|local)/.test(settings);
  return {
    onAck: on ? "yes" : "see how",
    how:
      "PostgreSQL store: each request is one transaction, answered after its COMMIT (docs/deploy.md); " +
      `the server's ${settings}`,
  };
}

/** dashwire on PostgreSQL: as `dashwireStore`, on a fresh database a run. */
export const dashwirePgStore: IngestTarget = {
  ...dashwireStore,
  name: "dashwire-pg",
  label: "dashwire (--workers 1, PostgreSQL)",
  durability,
  unavailable() {
    const unbuilt = dashwireUnbuilt();
    if (unbuilt !== undefined) return unbuilt;
    try {
      psql("SELECT 1");
      return undefined;
    } catch (error) {
      return `no PostgreSQL at ${BENCH_PG_URL} (DASHWIRE_BENCH_PG_URL): ${error instanceof Error ? error.message : String(error)}`;
    }
  },
  start,
  cleanup(dataDir) {
    const file = join(dataDir, DB_FILE);
    if (!existsSync(file)) return;
    try {
      psql(`DROP DATABASE IF EXISTS ${readFileSync(file, "utf8").trim()} WITH (FORCE)`);
    } catch (error) {
      console.error(`bench: the run's database was not dropped: ${error instanceof Error ? error.message : error}`);
    }
  },
};
