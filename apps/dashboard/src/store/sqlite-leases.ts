/**
 * `Leases` on SQLite: one upsert takes or renews a lease (see `lease.ts`). Every process opening
 * the file is on this machine, so expiry is on the machine's clock.
 */
import type Database from "better-sqlite3";
import { type Fence, fenceHolds, type LeaseGrant, type Leases } from "./lease.js";
import { sqliteFailure } from "./sqlite-failure.js";

/** The leases of a SQLite store. */
export class SqliteLeases implements Leases {
  private readonly st;

  constructor(db: Database.Database) {
    this.st = {
      // The token grows when the holder changes; the WHERE lets a free, expired or own lease be taken.
      acquire: db.prepare<[string, string, number, number], { token: number; until_ms: number }>(
        `INSERT INTO leases (name, holder, token, until_ms) VALUES (?, ?, 1, ?)
           ON CONFLICT (name) DO UPDATE SET token = token + (holder <> excluded.holder),
             holder = excluded.holder, until_ms = excluded.until_ms
           WHERE until_ms <= ? OR holder = excluded.holder
         RETURNING token, until_ms`,
      ),
      release: db.prepare("UPDATE leases SET until_ms = 0 WHERE name = ? AND holder = ?"),
      row: db.prepare<[string], { holder: string; token: number }>("SELECT holder, token FROM leases WHERE name = ?"),
    };
  }

  async acquire(name: string, holder: string, ttlMs: number): Promise<LeaseGrant | undefined> {
    const now = Date.now();
    try {
      const row = this.st.acquire.get(name, holder, now + ttlMs, now);
      return row === undefined ? undefined : { name, holder, token: row.token, untilMs: row.until_ms };
    } catch (err) {
      sqliteFailure(err);
    }
  }

  async release(name: string, holder: string): Promise<void> {
    try {
      this.st.release.run(name, holder);
    } catch (err) {
      sqliteFailure(err);
    }
  }

  /** Whether `fence` still holds; call inside the transaction of the fenced write. */
  holds(fence: Fence): boolean {
    return fenceHolds(this.st.row.get(fence.name), fence);
  }
}
