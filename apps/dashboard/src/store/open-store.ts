/** Opens the store the options name: SQLite in the data dir, or PostgreSQL at a URL. */
import type { DashboardOptions } from "../config/options.js";
import { SqliteThreadStore } from "./sqlite-thread-store.js";
import type { Store } from "./store.js";

/**
 * `store`: `sqlite` (default; its points on a store thread, `sqlite-thread-store.ts`) or
 * `postgres://…` / `postgresql://…`. The PostgreSQL store (and the `pg` driver) is imported only
 * when asked for: a SQLite start does not load it.
 */
export async function openStore(
  options: Pick<DashboardOptions, "store" | "dataDir" | "sync" | "resolutions">,
): Promise<Store> {
  if (options.store === "sqlite" || options.store === "")
    return SqliteThreadStore.open({ dataDir: options.dataDir, sync: options.sync, resolutions: options.resolutions });
  if (/^postgres(ql)?:\/\//.test(options.store)) {
    const { PgStore } = await import("./pg-store.js");
    return PgStore.open({ url: options.store, resolutions: options.resolutions });
  }
  throw new RangeError(`store must be sqlite or postgres://…, got ${options.store}`);
}
