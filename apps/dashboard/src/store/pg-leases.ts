/**
 * `Leases` on PostgreSQL: one upsert takes or renews a lease (see `lease.ts`). Expiry is on the
 * database's clock, so the nodes' clocks may disagree without two of them holding one lease.
 */
import type pg from "pg";
import { type Fence, fenceHolds, type LeaseGrant, type Leases } from "./lease.js";
import { pgRows } from "./pg-tx.js";

/** The database's clock in ms (the time of the statement, not of the transaction's start). */
export const PG_NOW_MS = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";

/** The leases of a PostgreSQL store. */
export class PgLeases implements Leases {
  constructor(private readonly pool: pg.Pool) {}

  async acquire(name: string, holder: string, ttlMs: number): Promise<LeaseGrant | undefined> {
    // The token grows when the holder changes; the WHERE lets a free, expired or own lease be taken.
    const rows = await pgRows<{ token: number; until_ms: number }>(
      this.pool,
      `INSERT INTO leases AS l (name, holder, token, until_ms) VALUES ($1, $2, 1, ${PG_NOW_MS} + $3)
         ON CONFLICT (name) DO UPDATE SET
           token = l.token + CASE WHEN l.holder = excluded.holder THEN 0 ELSE 1 END,
           holder = excluded.holder, until_ms = excluded.until_ms
         WHERE l.until_ms <= ${PG_NOW_MS} OR l.holder = excluded.holder
       RETURNING token, until_ms`,
      [name, holder, Math.round(ttlMs)],
    );
    const row = rows[0];
    return row === undefined ? undefined : { name, holder, token: row.token, untilMs: row.until_ms };
  }

  async release(name: string, holder: string): Promise<void> {
    await pgRows(this.pool, "UPDATE leases SET until_ms = 0 WHERE name = $1 AND holder = $2", [name, holder]);
  }

  /**
   * Whether `fence` still holds, inside the transaction of the fenced write: the lease row is
   * locked until it commits, so a takeover waits for the write and the write is never undone.
   */
  async holds(c: pg.PoolClient, fence: Fence): Promise<boolean> {
    const row = await c.query<{ holder: string; token: number }>(
      "SELECT holder, token FROM leases WHERE name = $1 FOR UPDATE",
      [fence.name],
    );
    return fenceHolds(row.rows[0], fence);
  }
}
