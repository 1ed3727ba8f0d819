/** Transactions and queries on the PostgreSQL pool, with failures mapped to `StoreError`s. */
import type pg from "pg";
import { StoreError } from "./store-error.js";

/** Times a transaction is retried after a deadlock or serialization failure. */
const MAX_RETRIES = 5;

/** Maps a PostgreSQL or connection failure to a `StoreError` when the client can act on it. */
export function pgFailure(err: unknown): never {
  if (err instanceof StoreError) throw err;
  const code = String((err as { code?: unknown }).code ?? "");
  if (code === "53100") throw new StoreError("full", "the database's disk is full (53100)", { cause: err });
  if (code === "25006") throw new StoreError("readonly", "the database is read-only (25006)", { cause: err });
  if (
    code.startsWith("08") ||
    code.startsWith("57P") ||
    code === "53300" ||
    ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND"].includes(code) ||
    // pg-pool's "timeout exceeded when trying to connect": every pool connection stayed busy past
    // connectionTimeoutMillis (overload), a state to retry, not an internal error.
    /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
      String((err as Error).message),
    )
  )
    throw new StoreError("unavailable", `the database cannot be reached (${code || (err as Error).message})`, {
      cause: err,
    });
  throw err;
}

/** Runs `fn` in a transaction on a client of `pool`, retrying deadlocks and serialization failures. */
export async function pgTx<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      pgFailure(err);
    }
    try {
      await client.query("BEGIN");
      const result = await fn(client);
      await client.query("COMMIT");
      client.release();
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      client.release();
      const code = (err as { code?: unknown }).code;
      if ((code === "40P01" || code === "40001") && attempt < MAX_RETRIES) continue;
      pgFailure(err);
    }
  }
}

/** The rows of one statement run on `pool`. */
export async function pgRows<R extends pg.QueryResultRow>(
  pool: pg.Pool,
  sql: string,
  values: unknown[] = [],
): Promise<R[]> {
  try {
    return (await pool.query<R>(sql, values)).rows;
  } catch (err) {
    pgFailure(err);
  }
}
