/**
 * Leases: how several nodes sharing one database agree that one of them does a job (evaluating
 * alerts, sending their webhooks) without an election of their own. A lease is a row with a
 * holder, an expiry and a fencing token: `acquire` takes it when it is free or expired (or
 * renews it for its holder) in one conditional statement, and the token grows every time the
 * holder changes. Writes that only the holder may make carry the token they were granted
 * (`Fence`) and the store refuses them once the token moved on, so a holder that paused past
 * its expiry (GC, a stalled disk) cannot overwrite what its successor wrote
 * (https://martin.kleppmann.com/2016/02/08/how-to-do-distributed-locking.html).
 */

/** A lease granted to its holder. */
export interface LeaseGrant {
  name: string;
  holder: string;
  /** Fencing token: grows every time the lease changes hands. */
  token: number;
  /** Expiry in ms since the epoch, on the database's clock (PostgreSQL) or the machine's (SQLite). */
  untilMs: number;
}

/** What a fenced write carries: the lease it was granted under. */
export type Fence = Pick<LeaseGrant, "name" | "holder" | "token">;

/** The leases of a store (a primitive for any job one node of a set must do). */
export interface Leases {
  /**
   * Takes lease `name` for `holder` for `ttlMs` when nobody holds it, its holder's time ran out,
   * or `holder` already holds it (a renewal keeps the token). Undefined: another holder has it.
   */
  acquire(name: string, holder: string, ttlMs: number): Promise<LeaseGrant | undefined>;
  /** Ends `holder`'s lease now (another node may take it at once); nothing if it is not the holder. */
  release(name: string, holder: string): Promise<void>;
}

/** Whether a stored lease row still belongs to `fence` (same holder, same token). */
export function fenceHolds(row: { holder: string; token: number } | undefined, fence: Fence): boolean {
  return row !== undefined && row.holder === fence.holder && row.token === fence.token;
}
