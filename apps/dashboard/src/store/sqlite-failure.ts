import { StoreError } from "./store-error.js";

/** Maps a SQLite failure to a `StoreError` when the client can act on it; rethrows others. */
export function sqliteFailure(err: unknown): never {
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") {
    if (code === "SQLITE_FULL" || code.startsWith("SQLITE_IOERR"))
      throw new StoreError("full", `the database cannot write (${code}: disk full?)`, { cause: err });
    if (code.startsWith("SQLITE_READONLY") || code === "SQLITE_CANTOPEN")
      throw new StoreError("readonly", `the database is read-only (${code})`, { cause: err });
    if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"))
      throw new StoreError("unavailable", `the database is busy (${code})`, { cause: err });
  }
  throw err;
}
