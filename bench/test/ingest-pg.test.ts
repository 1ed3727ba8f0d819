/**
 * The `dashwire-pg` storage target end to end (dashwire with `--store postgres://…`), tiny runs
 * against the real PostgreSQL: it ingests and counts every acknowledged point back, a restart
 * finds the run's database again with every point, and no run leaves its database behind.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { BENCH_PG_URL, dashwirePgStore, databaseUrl } from "../src/ingest/dashwire-pg-store.js";
import { runRestart } from "../src/ingest/store-figures.js";
import { wrkMissing } from "../src/ingest/wrk-run.js";
import { ingestsAndCountsEveryPoint } from "./ingest-checks.js";

const unpinned = { serverCpus: "", loadCpus: "" };
const shape = { lines: 500, series: 10 };
const why = wrkMissing() ?? dashwirePgStore.unavailable();
if (why) console.warn(`dashwire-pg bench tests skipped: ${why}`);

/** This process's bench databases still on the server. */
function leftDatabases(): string[] {
  const sql = `SELECT datname FROM pg_database WHERE datname LIKE 'dashwire_bench_${process.pid}_%'`;
  const r = spawnSync("psql", [BENCH_PG_URL, "-X", "-A", "-t", "-c", sql], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split("\n").filter((l) => l.trim() !== "");
}

describe("databaseUrl", () => {
  it("puts the run's database in the server's URL, keeping user, host and options", () => {
    expect(databaseUrl("postgres://postgres@127.0.0.1:5432/postgres", "d1")).toBe(
      "postgres://postgres@127.0.0.1:5432/d1",
    );
    expect(databaseUrl("postgres://u:p@db:6432/x?sslmode=disable", "d2")).toBe(
      "postgres://u:p@db:6432/d2?sslmode=disable",
    );
  });
});

describe.skipIf(why !== undefined)("dashwire on PostgreSQL as a storage target", () => {
  it("ingests, counts every acknowledged point, and drops its database after the run", async () => {
    await ingestsAndCountsEveryPoint(dashwirePgStore);
    expect(leftDatabases()).toEqual([]);
  }, 90_000);

  it("restarts on the same database and serves every point again", async () => {
    expect(dashwirePgStore.durability().onAck).toBe("yes");
    const f = await runRestart(dashwirePgStore, { ...unpinned, ...shape, points: 5000, stableMs: 1000 });
    expect(f.before).toMatchObject({ acknowledged: 5000, stored: 5000, ok: true });
    expect(f.servedS).toBeGreaterThan(0);
    expect(f.after).toMatchObject({ stored: 5000, ok: true });
    expect(leftDatabases()).toEqual([]);
  }, 90_000);
});
