import type { FrameScheduler } from "../frame-scheduler.js";
import type { Connection } from "../live/connection.js";
import type { PresenceTracker } from "../live/presence-tracker.js";

/** What every panel of a dashboard view shares. */
export interface PanelContext {
  conn: Connection;
  scheduler: FrameScheduler;
  presence: PresenceTracker;
}
