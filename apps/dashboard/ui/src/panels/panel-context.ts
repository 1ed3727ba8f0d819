import type { FrameScheduler } from "../frame-scheduler.js";
import type { Connection } from "../live/connection.js";
import type { PresenceTracker } from "../live/presence-tracker.js";
import type { TimeRange } from "../time/time-range.js";

/** The dashboard's time range as panels see it: read when they (re)start, set by a zoom or a pan. */
export interface TimeControl {
  /** The range shown now. */
  readonly range: TimeRange;
  /** Shows `range` on every panel (and puts it in the URL). */
  set(range: TimeRange): void;
}

/** What every panel of a dashboard view shares. */
export interface PanelContext {
  conn: Connection;
  scheduler: FrameScheduler;
  presence: PresenceTracker;
  time: TimeControl;
}
