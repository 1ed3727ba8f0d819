import type { FrameScheduler } from "../frame-scheduler.js";
import type { Connection } from "../live/connection.js";
import type { Shell } from "../shell.js";

/** What every page gets. */
export interface AppContext {
  shell: Shell;
  conn: Connection;
  scheduler: FrameScheduler;
}

/**
 * A mounted page; calling it unmounts the page and releases what it holds. A page that keeps
 * state in the URL's query (a dashboard's time range) takes a new query with `update`, without
 * being mounted again.
 */
export type Unmount = (() => void) & { update?: (query: string) => void };

/** Ids of the dashboards the server ships and will not delete. */
export const BUILTIN_DASHBOARDS: ReadonlySet<string> = new Set(["demo", "system"]);
